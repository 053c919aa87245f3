// show-if.js: shows a follow-up question as soon as the answer it depends on
// is given ("Did you pause?" yes -> "What led you to pause?"). The rules come
// from the page (#show-if-rules, written from the form's show_if); the server
// decides again on every save, so this is only about what is visible now.
// Without JavaScript the follow-up appears after "Save draft".
(function () {
    'use strict';
    var form = document.getElementById('practice-form');
    var list = document.getElementById('show-if-rules');
    if (!form || !list) return;
    var rules = [];
    Array.prototype.forEach.call(list.querySelectorAll('li'), function (li) {
        var target = document.getElementById(li.getAttribute('data-target'));
        if (target) {
            rules.push({ target: target, field: li.getAttribute('data-field'), value: li.getAttribute('data-value') });
        }
    });
    if (rules.length === 0) return;

    // The current answer of a field, as show_if compares it: the checked
    // radio's value, "true"/"false" for a consent box, else the text.
    function answer(name) {
        var inputs = form.querySelectorAll('[name="' + name.replace(/"/g, '') + '"]');
        if (inputs.length === 0) return null;
        var first = inputs[0];
        if (first.type === 'radio') {
            for (var i = 0; i < inputs.length; i++) if (inputs[i].checked) return inputs[i].value;
            return null;
        }
        if (first.type === 'checkbox') return first.checked ? 'true' : 'false';
        return first.value.trim() === '' ? null : first.value.trim();
    }

    function same(a, b) {
        if (a === null) return false;
        if (a === b) return true;
        var x = Number(a);
        var y = Number(b);
        return a !== '' && b !== '' && !isNaN(x) && !isNaN(y) && x === y;
    }

    // Hidden when the field it depends on is hidden itself (rules come in
    // form order, and show_if names an earlier field).
    function visible(name) {
        for (var i = 0; i < rules.length; i++) {
            var input = rules[i].target.querySelector('[name="' + name.replace(/"/g, '') + '"]');
            if (input && rules[i].target.hidden) return false;
        }
        return true;
    }

    function update() {
        rules.forEach(function (r) {
            r.target.hidden = !(visible(r.field) && same(answer(r.field), r.value));
        });
    }

    form.addEventListener('change', update);
    form.addEventListener('input', update);
    update();
})();
