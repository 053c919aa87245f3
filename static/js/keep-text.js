// keep-text.js: what a person types into a form marked data-keep stays in
// this tab's sessionStorage until the server has it, so a failed save, a
// dropped connection or a page that comes back empty loses nothing.
//   - on every change the form's text fields (textareas, text inputs) are
//     copied to sessionStorage["interlude-keep:" + data-keep];
//   - on submit the form is noted as pending;
//   - on the next page: a page that says the write failed ([data-keep-unsaved],
//     an error summary) keeps the copy; a page without that form, or with it
//     filled in by the server, or showing the sent text, means it was saved:
//     the copy is removed; the same form empty gets the copy back, with a note;
//   - a draft saved by autosave.js (event "interlude:saved") removes it;
//   - signing out and the quick exit (quick-exit.js) remove every copy.
// sessionStorage belongs to this tab and ends with it; nothing goes to the
// server from here.
(function () {
    'use strict';
    var PREFIX = 'interlude-keep:';
    var PENDING = 'interlude-keep-pending';
    var store;
    try {
        store = window.sessionStorage;
        store.getItem(PENDING);
    } catch (e) {
        return; /* storage refused (private mode, settings): nothing to do */
    }
    if (!store || !document.querySelectorAll || !window.JSON) return;

    function forget(key) {
        try {
            store.removeItem(key);
        } catch (e) { /* ignore */ }
    }

    function forgetAll() {
        var doomed = [];
        for (var i = 0; i < store.length; i++) {
            var k = store.key(i);
            if (k && (k.indexOf(PREFIX) === 0 || k === PENDING)) doomed.push(k);
        }
        doomed.forEach(forget);
    }
    window.interludeForgetText = forgetAll;

    function textFields(form) {
        return Array.prototype.filter.call(form.elements, function (el) {
            if (!el.name || el.disabled) return false;
            if (el.tagName === 'TEXTAREA') return true;
            return el.tagName === 'INPUT' && (el.type === 'text' || el.type === '');
        });
    }

    function snapshot(form) {
        var data = {};
        var any = false;
        textFields(form).forEach(function (el) {
            if (el.value !== '') {
                data[el.name] = el.value;
                any = true;
            }
        });
        return any ? data : null;
    }

    function keyOf(form) {
        return PREFIX + form.getAttribute('data-keep');
    }

    function remember(form) {
        var data = snapshot(form);
        try {
            if (data) store.setItem(keyOf(form), JSON.stringify(data));
            else forget(keyOf(form));
        } catch (e) { /* storage full: the server-side paths still apply */ }
    }

    function readCopy(key) {
        try {
            var data = JSON.parse(store.getItem(key) || 'null');
            return data && typeof data === 'object' ? data : null;
        } catch (e) {
            return null;
        }
    }

    function squash(s) {
        return String(s).replace(/\s+/g, ' ').trim();
    }

    // True when the page shows each copied text outside the form (a reply
    // that now stands in the thread).
    function shownOutside(form, data) {
        var clone = document.body.cloneNode(true);
        var inClone = clone.querySelectorAll('form[data-keep]');
        for (var i = 0; i < inClone.length; i++) inClone[i].parentNode.removeChild(inClone[i]);
        var page = squash(clone.textContent);
        return Object.keys(data).every(function (name) {
            var t = squash(data[name]);
            return t !== '' && page.indexOf(t) >= 0;
        });
    }

    function restore(form, data) {
        var restored = false;
        textFields(form).forEach(function (el) {
            if (el.value === '' && typeof data[el.name] === 'string') {
                el.value = data[el.name];
                restored = true;
            }
        });
        if (!restored) return;
        var note = document.createElement('p');
        note.className = 'notice';
        note.setAttribute('role', 'status');
        note.textContent = 'Your text was not sent yet: it was kept in this browser and is filled in below.';
        form.parentNode.insertBefore(note, form);
    }

    var failedPage = document.querySelector('[data-keep-unsaved], .error-summary') !== null;
    var pending = store.getItem(PENDING);
    forget(PENDING);
    var forms = document.querySelectorAll('form[data-keep]');
    var seen = {};

    Array.prototype.forEach.call(forms, function (form) {
        var key = keyOf(form);
        seen[key] = true;
        var copy = readCopy(key);
        var filled = snapshot(form) !== null;
        if (failedPage) {
            if (filled) remember(form); /* the server showed it again: keep it in step */
            else if (copy) restore(form, copy);
        } else if (copy) {
            if (filled && pending === key) forget(key); /* saved, and shown by the server */
            else if (!filled && pending === key && shownOutside(form, copy)) forget(key);
            else if (!filled) restore(form, copy);
        }
        var lastInput = 0;
        function changed() {
            lastInput = Date.now();
            remember(form);
        }
        form.addEventListener('input', changed);
        form.addEventListener('change', changed);
        form.addEventListener('submit', function () {
            remember(form);
            try {
                store.setItem(PENDING, key);
            } catch (e) { /* ignore */ }
        });
        // detail.sentAt: when the saved copy left; typing since then is
        // not on the server yet.
        form.addEventListener('interlude:saved', function (event) {
            var sentAt = event.detail && event.detail.sentAt;
            if (typeof sentAt === 'number' && lastInput <= sentAt) forget(key);
        });
    });

    // The form that was sent is not on this page: the server took it and
    // moved on (a submitted entry, an assignment made).
    if (pending && !seen[pending] && !failedPage) forget(pending);

    var signout = document.querySelector('form[action="/logout"]');
    if (signout) signout.addEventListener('submit', forgetAll);
})();
