// quick-exit.js: "Leave quickly" for clients. A click replaces this page in
// the history (location.replace), so the back button does not bring it back,
// and signs the client out on the way, so that whoever picks up the phone
// next finds the sign-in page: the page is hidden at once; a draft that
// autosave.js has not sent yet is sent first (window.interludeFlushDraft,
// waited for 1.5 s at most), then a beacon posts the sign-out (the link's
// data-signout, with the session's CSRF token from data-csrf) and the
// neutral page loads. The sign-out never overtakes the draft it follows.
// Without JavaScript the link only leaves; the session then ends at its
// idle expiry. Pressing Escape twice within a second does the same from
// anywhere. Links
// to a place on the page (the skip link, an error summary's) move focus
// there without adding a history entry, which Back would come back to.
(function () {
    'use strict';
    var link = document.getElementById('quick-exit');
    if (!link) return;
    var lastEscape = 0;
    var leaving = false;
    var DRAFT_WAIT_MS = 1500;

    function signOut() {
        var action = link.getAttribute('data-signout');
        var token = link.getAttribute('data-csrf');
        if (!action || !token || !navigator.sendBeacon || !window.Blob) return;
        try {
            navigator.sendBeacon(action, new Blob(['_csrf=' + encodeURIComponent(token)], {
                type: 'application/x-www-form-urlencoded'
            }));
        } catch (e) { /* the session ends at its idle expiry */ }
    }

    function leave(event) {
        if (event) event.preventDefault();
        // Hide the page at once, before the next one loads, and forget the
        // unsent text keep-text.js holds for this tab.
        document.documentElement.style.visibility = 'hidden';
        try {
            for (var i = window.sessionStorage.length - 1; i >= 0; i--) {
                var k = window.sessionStorage.key(i);
                if (k && k.indexOf('interlude-keep') === 0) window.sessionStorage.removeItem(k);
            }
        } catch (e) { /* no storage: nothing kept */ }
        try {
            document.title = 'Loading';
        } catch (e) { /* ignore */ }
        if (leaving) return;
        leaving = true;
        var gone = false;
        function go() {
            if (gone) return;
            gone = true;
            signOut();
            window.location.replace(link.href);
        }
        var draft = null;
        try {
            draft = window.interludeFlushDraft ? window.interludeFlushDraft() : null;
        } catch (e) { draft = null; }
        if (draft && draft.then) {
            draft.then(go, go);
            window.setTimeout(go, DRAFT_WAIT_MS);
        } else {
            go();
        }
    }

    link.addEventListener('click', leave);
    document.addEventListener('click', function (event) {
        if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
        var a = event.target.closest && event.target.closest('a[href^="#"]');
        var target = null;
        try {
            target = a && document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)));
        } catch (e) { /* a malformed address: the browser's own way */ }
        if (!target) return;
        event.preventDefault();
        target.scrollIntoView();
        // A question's legend: its chosen (or first) answer takes focus.
        var set = target.tagName === 'LEGEND' && target.parentNode;
        var field = set && (set.querySelector('input:checked') || set.querySelector('input:enabled'));
        if (field) {
            target = field;
        } else if (target.tabIndex < 0 && !target.hasAttribute('tabindex')) {
            target.setAttribute('tabindex', '-1');
        }
        target.focus({ preventScroll: true });
    });
    document.addEventListener('keydown', function (event) {
        if (event.key !== 'Escape' && event.key !== 'Esc') return;
        var now = Date.now();
        if (now - lastEscape < 1000) {
            leave(event);
        } else {
            lastEscape = now;
        }
    });
})();
