// quick-exit.js: "Leave quickly" for clients. A click replaces this page in
// the history (location.replace), so the back button does not bring it back;
// pressing Escape twice within a second does the same from anywhere. Links
// to a place on the page (the skip link, an error summary's) move focus
// there without adding a history entry, which Back would come back to.
(function () {
    'use strict';
    var link = document.getElementById('quick-exit');
    if (!link) return;
    var lastEscape = 0;

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
        window.location.replace(link.href);
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
