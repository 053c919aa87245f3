// builder.js: Move up, Move down and Remove in the form builder
// (templates/draft.html) without a full page load. The very same plain form
// is posted with fetch; the page that comes back (the builder after its
// redirect, or with a message, 422) gives the new list of fields and error
// summary, and focus goes to the field that moved (or the one with the
// message). Without JavaScript, or when anything goes wrong, the form is
// posted the ordinary way.
(function () {
    'use strict';
    if (!window.fetch || !window.FormData || !window.URLSearchParams || !window.DOMParser) return;
    var ACTIONS = { move_up: -1, move_down: 1, remove_field: 0 };
    var status = document.getElementById('builder-status');
    var busy = false;

    function replace(id, fresh) {
        var old = document.getElementById(id);
        if (old && fresh) old.parentNode.replaceChild(document.adoptNode(fresh), old);
    }

    function summary(doc) {
        var old = document.querySelector('main .error-summary');
        var fresh = doc.querySelector('main .error-summary');
        if (old) old.parentNode.removeChild(old);
        if (fresh) {
            var h1 = document.querySelector('main h1');
            var meta = h1 && h1.nextElementSibling;
            if (meta) meta.parentNode.insertBefore(document.adoptNode(fresh), meta.nextSibling);
        }
    }

    document.addEventListener('submit', function (event) {
        var form = event.target;
        if (!form.closest || !form.closest('#fields')) return;
        var action = form.querySelector('input[name="action"]');
        if (!action || !Object.prototype.hasOwnProperty.call(ACTIONS, action.value)) return;
        event.preventDefault();
        if (busy) return;
        busy = true;
        var index = parseInt(form.querySelector('input[name="field"]').value, 10);
        // form.action would be the input named "action".
        fetch(form.getAttribute('action'), {
            method: 'POST',
            body: new URLSearchParams(new FormData(form)),
            credentials: 'same-origin',
        })
            .then(function (res) {
                if (res.status !== 200 && res.status !== 422) throw new Error('status ' + res.status);
                return res.text().then(function (html) {
                    return { ok: res.status === 200, html: html };
                });
            })
            .then(function (r) {
                var doc = new DOMParser().parseFromString(r.html, 'text/html');
                if (!doc.getElementById('fields')) throw new Error('not the builder');
                replace('fields', doc.getElementById('fields'));
                summary(doc);
                var target = r.ok ? index + ACTIONS[action.value] : index;
                var li = document.getElementById('field-' + target) ||
                    document.getElementById('field-' + (target - 1)) ||
                    document.getElementById('fields');
                var heading = li.querySelector('h2, h3');
                if (heading) {
                    heading.setAttribute('tabindex', '-1');
                    heading.focus();
                }
                if (status) {
                    status.textContent = r.ok
                        ? (action.value === 'remove_field' ? 'The field was removed.' : 'The field was moved.')
                        : 'That could not be done: see the message.';
                }
                busy = false;
            })
            .catch(function () {
                busy = false;
                form.submit();
            });
    });
})();
