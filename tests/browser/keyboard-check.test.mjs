// keyboard-check.test.mjs: the keyboard check every journey page goes
// through (Inspector.keyboard, lib/browser.mjs) finds what it is there to
// find. Small pages made for it, served by the browser itself: one that
// passes, and ones with each fault it looks for. A check that passed
// everything would otherwise look just like one that works.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Inspector, launch } from './lib/browser.mjs';

const ORIGIN = 'http://keyboard-check.test';
const CSS = `
    :focus-visible { outline: 3px solid #1d6b66; outline-offset: 2px; }
    .skip { position: absolute; top: -100px; }
    .skip:focus { top: 0; }
    main:focus { outline: none; }
    .scale label { position: relative; display: inline-block; }
    .scale input { position: absolute; inset: 0; width: 100%; height: 100%; margin: 0; opacity: 0; }
    .scale input:focus-visible + span { outline: 3px solid #1d6b66; }
`;
const SCALE = (name) =>
    `<fieldset class="scale"><legend>How warm</legend>${[0, 1, 2, 3]
        .map((v) => `<label><input type="radio" name="${name(v)}" value="${v}"><span>${v}</span></label>`)
        .join('')}</fieldset>`;
const PAGES = {
    good: `<a class="skip" href="#main">Skip to main content</a>
        <header><a href="/">Home</a></header>
        <main id="main" tabindex="-1"><h1>Good</h1>
        <form><label for="d">Date</label><input id="d" type="date">
        ${SCALE(() => 'warmth')}
        <input id="c" type="checkbox"><label for="c">Share</label>
        <label for="t">Text</label><textarea id="t"></textarea>
        <button>Save</button></form>
        <details><summary>More</summary><p>Text.</p></details>
        <p>A <a href="/x">link in a sentence</a>.</p></main>`,
    bad: `<header><a href="/">Home</a></header>
        <main id="main"><h1>Bad</h1>
        <a href="/mouse" tabindex="-1">Only by mouse</a>
        <button class="bare">No ring</button>
        <a class="faint" href="/faint">Faint ring</a>
        <a href="/jump" tabindex="2">Jumps the queue</a>
        <p class="under"><a href="/under">Under the cover</a><span class="cover"></span></p>
        <form>${SCALE((v) => `s${v}`)}
        <label for="trap">Trap</label><input id="trap" type="text"></form></main>
        <script>
            document.getElementById('trap').addEventListener('keydown', (e) => { if (e.key === 'Tab') e.preventDefault(); });
        </script>`,
    nomain: `<a class="skip" href="#main">Skip to main content</a>
        <main id="main"><h1>No focus</h1><a href="/a">A link</a></main>`,
};
const BAD_CSS = `
    .bare:focus-visible { outline: none; }
    .faint:focus-visible { outline-color: #eeeeee; }
    .scale input:focus-visible + span { outline: none; }
    .under { position: relative; }
    .cover { position: absolute; inset: 0; background: #ffffff; }
`;

let browser;
let page;
let insp;

before(async () => {
    browser = await launch();
    insp = new Inspector({ journey: 'keyboard-check', screenshots: false });
    const ctx = await insp.context(browser);
    await ctx.route(`${ORIGIN}/**`, (r) => {
        const name = new URL(r.request().url()).pathname.slice(1);
        const css = CSS + (name === 'bad' ? BAD_CSS : '');
        r.fulfill({
            contentType: 'text/html',
            body: `<!doctype html><html lang="en"><head><title>${name}</title><style>${css}</style></head><body>${PAGES[name] ?? ''}</body></html>`,
        });
    });
    page = await ctx.newPage();
});

after(async () => {
    await browser?.close();
});

async function problemsOf(name) {
    await page.goto(`${ORIGIN}/${name}`);
    const problems = [];
    await insp.keyboard(page, problems, 'desktop', { scales: true, label: name });
    return problems;
}

test('the keyboard check passes a page a keyboard can use', async () => {
    assert.deepEqual(await problemsOf('good'), []);
});

test('the keyboard check finds every fault of a page a keyboard cannot use', async () => {
    const problems = (await problemsOf('bad')).join('\n');
    for (const re of [
        /first Tab stop is a\[href="\/"\] "Home", not a skip link/,
        /not reachable with Tab:[^]*"Only by mouse"/,
        /a positive tabindex changes the focus order:[^]*"Jumps the queue"/,
        /no visible focus indicator[^]*button\.bare "No ring"/,
        /no visible focus indicator[^]*input\[type="radio"\]\[name="s0"\]\[value="0"\] "0"/,
        /focus indicator too faint:[^]*"Faint ring": its focus outline has a contrast of 1\.\d+:1/,
        /cannot be seen:[^]*"Under the cover" is hidden behind span\.cover/,
        /focus is stuck on input#trap/,
        /ArrowRight in the scale "How warm" chose \S+ \(focus on \S+\) after 0, not 1/,
    ]) {
        assert.match(problems, re);
    }
});

test('the keyboard check wants focus on <main> after the skip link', async () => {
    assert.match((await problemsOf('nomain')).join('\n'), /after Enter on the skip link focus is on \(nothing: the page itself\), not on <main>/);
});
