// quick-exit.js: "Leave quickly" for clients. A click replaces this page in
// the history (location.replace), so the back button does not bring it back;
// pressing Escape twice within a second does the same from anywhere.
(function () {
    'use strict';
    var link = document.getElementById('quick-exit');
    if (!link) return;
    var lastEscape = 0;

    function leave(event) {
        if (event) event.preventDefault();
        // Hide the page at once, before the next one loads.
        document.documentElement.style.visibility = 'hidden';
        try {
            document.title = 'Loading';
        } catch (e) { /* ignore */ }
        window.location.replace(link.href);
    }

    link.addEventListener('click', leave);
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
