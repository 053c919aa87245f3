// autosave.js: saves the practice form as a server-side draft a few seconds
// after typing stops, so nothing is lost when the page is closed or the
// session ends. Posts the form (urlencoded, action=draft) to the JSON twin
// named by the form's data-autosave attribute, with the X-CSRF-Token header,
// and tells the result politely in #autosave-status (aria-live). Without
// JavaScript the "Save draft" button does the same.
(function () {
    'use strict';
    var form = document.getElementById('practice-form');
    var status = document.getElementById('autosave-status');
    if (!form || !status || !window.fetch || !window.URLSearchParams || !window.FormData) return;
    var url = form.getAttribute('data-autosave');
    var csrfField = form.querySelector('input[name="_csrf"]');
    if (!url || !csrfField) return;

    var DELAY_MS = 3000;
    var timer = null;
    var inFlight = false;
    var again = false;
    var submitting = false;
    var current = null; // the save under way (a promise), for flushDraft

    function draftBody() {
        var body = new URLSearchParams(new FormData(form));
        body.set('action', 'draft');
        return body.toString();
    }

    function say(text) {
        status.textContent = text;
    }

    function save() {
        timer = null;
        if (submitting) return;
        if (inFlight) {
            again = true;
            return;
        }
        inFlight = true;
        var sentAt = Date.now();
        current = fetch(url, {
            method: 'POST',
            credentials: 'same-origin',
            headers: {
                'Content-Type': 'application/x-www-form-urlencoded',
                'Accept': 'application/json',
                'X-CSRF-Token': csrfField.value
            },
            body: draftBody()
        }).then(function (res) {
            return res.json().then(function (data) {
                return { status: res.status, data: data };
            }, function () {
                return { status: res.status, data: null };
            });
        }).then(function (r) {
            if (r.status === 200 && r.data && r.data.saved) {
                say('Draft saved at ' + r.data.saved_at);
                // keep-text.js may drop its copy of what was saved.
                if (window.CustomEvent) {
                    form.dispatchEvent(new CustomEvent('interlude:saved', { detail: { sentAt: sentAt } }));
                }
            } else if (r.status === 422) {
                say('Draft saved, but some answers need a look before you submit.');
            } else if (r.status === 401 || r.status === 403) {
                say('Not saved: you may have been signed out. Use "Save draft" to try again.');
            } else if (r.status === 503 && r.data && r.data.saved === false) {
                say('Not saved yet: your text is still here, and it will try again when you type.');
            } else if (r.status === 409) {
                say('This form was already submitted. Reload the page to start a new entry.');
            } else {
                say('Not saved just now. It will try again when you type.');
            }
        }).catch(function () {
            say('Not saved: no connection. It will try again when you type.');
        }).then(function () {
            inFlight = false;
            current = null;
            if (again) {
                again = false;
                schedule();
            }
        });
    }

    function schedule() {
        if (submitting) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(save, DELAY_MS);
    }

    form.addEventListener('input', schedule);

    // The quick exit (quick-exit.js) signs out as it leaves; first it asks
    // for what is not saved yet. Returns a promise that settles once the
    // draft has reached the server (or failed), or null when nothing is
    // waiting. A save under way is let finish first, so an older draft
    // never lands after a newer one. keepalive: the request outlives the
    // page should the quick exit stop waiting.
    window.interludeFlushDraft = function () {
        if (submitting || (!timer && !inFlight)) return null;
        var newer = timer !== null;
        if (timer) clearTimeout(timer);
        timer = null;
        again = false;
        var before = current || Promise.resolve();
        var settle = function () { /* settled either way */ };
        return before.then(settle, settle).then(function () {
            if (!newer) return null;
            return fetch(url, {
                method: 'POST',
                credentials: 'same-origin',
                keepalive: true,
                headers: {
                    'Content-Type': 'application/x-www-form-urlencoded',
                    'Accept': 'application/json',
                    'X-CSRF-Token': csrfField.value
                },
                body: draftBody()
            });
        }).then(settle, settle);
    };

    // Leaving with changes not yet saved (closing the tab, the quick exit,
    // another page): hand the draft to the browser, which sends it even as
    // the page goes away. The form's own _csrf field authorises it.
    window.addEventListener('pagehide', function () {
        if (!timer || submitting || !navigator.sendBeacon) return;
        clearTimeout(timer);
        timer = null;
        navigator.sendBeacon(url, new Blob([draftBody()], {
            type: 'application/x-www-form-urlencoded'
        }));
    });
    form.addEventListener('change', schedule);
    // A submission (either button) cancels a pending autosave, so a late
    // draft never follows the entry it became.
    form.addEventListener('submit', function () {
        submitting = true;
        if (timer) clearTimeout(timer);
        timer = null;
    });
})();
