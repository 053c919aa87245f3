// keyboard.mjs: the journey again with a keyboard only (issue 7: "every
// action reachable"). Tab and Shift+Tab, typing, Enter, Space and the arrow
// keys through page.keyboard: never a mouse click, locator.click() or
// locator.fill(). Locators only say where focus should get to, and read what
// the page shows. Every page reached goes through Inspector.check(), so its
// own keyboard check (lib/browser.mjs) runs there too.
//
// The people and the homework are the ones the journey made through the
// real pages before (lib/journey.mjs): Ana, in the couple with Ben, has
// "Daily appreciations" to do; Theo is her therapist.
//
//   Ana signs in on a computer (a typo put right with Shift+Tab)
//   → opens her homework, logs a practice: a number, two 0-10 scales with
//     the arrow keys, a text, sharing ticked with Space; saves a draft,
//     finds it all kept, submits it (Space on the button)
//   → Theo, from his client list, opens that entry and replies
//   → Ana finds the reply from her homework list and reads it
//   → Escape once changes nothing; Escape twice is the quick exit.
import assert from 'node:assert/strict';

// The next document a navigation loads.
function loaded(page) {
    return page.waitForEvent('load', { timeout: 15000 });
}

// Presses Tab (Shift+Tab with back) until the element of locator has focus,
// or something inside it (a radio of a group); fails after max presses.
export async function tabTo(page, locator, { back = false, max = 60 } = {}) {
    const target = await locator.elementHandle({ timeout: 5000 });
    const key = back ? 'Shift+Tab' : 'Tab';
    for (let i = 0; i < max; i++) {
        await page.keyboard.press(key);
        if (await target.evaluate((el) => el === document.activeElement || el.contains(document.activeElement))) {
            await target.dispose();
            return;
        }
    }
    const at = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 160));
    await target.dispose();
    assert.fail(`${max} presses of ${key} never reached ${locator}; focus is on ${at}`);
}

// Presses key (Enter on a link or button, Space on a button) and waits for
// the page it leads to.
export async function activate(page, key = 'Enter') {
    const next = loaded(page);
    await page.keyboard.press(key);
    await next;
}

// The value of the chosen radio in a group, and of the focused element.
async function chosen(group) {
    return group.evaluate((g) => ({
        checked: g.querySelector('input[type="radio"]:checked')?.value ?? null,
        focused: g.contains(document.activeElement) ? document.activeElement.value : null,
    }));
}

// Adds the keyboard steps to the journey (inside its describe()): step,
// person, url and people are the journey's own, inspector() gives its
// Inspector (made in its before()); password is Ana's.
export function keyboardJourney({ step, person, url, inspector, people, password }) {
    const kbd = {};

    step('keyboard only: a client signs in, opens her homework and logs a practice (draft, then submit)', async () => {
        const insp = inspector();
        const page = await person('anaKeys');
        // A neutral stand-in for the quick exit's page (no network in tests).
        await page.context().route('https://www.bbc.com/**', (r) =>
            r.fulfill({ contentType: 'text/html', body: '<!doctype html><html lang="en"><title>Weather</title><p>Weather</p></html>' }),
        );
        await page.goto(url('/login'));
        await insp.check(page, 'keyboard: sign-in form');
        const email = page.getByLabel('E-mail address', { exact: true });
        await tabTo(page, email);
        await page.keyboard.type('ana@exmaple.org');
        await tabTo(page, page.getByLabel('Password', { exact: true }));
        await page.keyboard.type(password);
        // The typo: back to the address with Shift+Tab, and type it again.
        await tabTo(page, email, { back: true });
        await page.keyboard.press('Control+A');
        await page.keyboard.type('ana@example.org');
        await tabTo(page, page.getByRole('button', { name: 'Sign in', exact: true }));
        await activate(page);
        assert.equal(new URL(page.url()).pathname, '/', 'signed in, on the homework list');
        await insp.check(page, 'keyboard: homework list');

        await tabTo(page, page.getByRole('link', { name: 'Daily appreciations', exact: true }));
        await activate(page);
        assert.match(new URL(page.url()).pathname, /^\/homework\/\d+$/);
        await insp.check(page, 'keyboard: the homework');
        await tabTo(page, page.getByRole('main').getByRole('link', { name: /^(Log a practice|Continue your draft)$/ }));
        await activate(page);
        assert.match(new URL(page.url()).pathname, /^\/homework\/\d+\/practice$/);
        await insp.check(page, 'keyboard: log a practice');

        const shared = page.getByRole('group', { name: /^Who shared an appreciation this time/ });
        const warmth = page.getByRole('group', { name: /^How warm did this moment feel/ });
        const ease = page.getByRole('group', { name: /^How easy was it to receive the appreciation/ });
        const favourite = page.getByLabel(/^What was appreciated, or what did you appreciate/);
        const share = page.getByLabel('Share this entry with my partner', { exact: true });
        // A choice is one tab stop too: the arrow keys move and choose.
        await tabTo(page, shared);
        await page.keyboard.press('ArrowDown');
        assert.deepEqual(await chosen(shared), { checked: 'me', focused: 'me' }, 'ArrowDown chooses the next option');
        // A scale is one tab stop; the arrow keys choose in it.
        await tabTo(page, warmth);
        for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');
        await page.keyboard.press('ArrowLeft');
        assert.deepEqual(await chosen(warmth), { checked: '7', focused: '7' }, 'ArrowRight x8 then ArrowLeft chooses 7');
        await tabTo(page, ease);
        for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
        assert.deepEqual(await chosen(ease), { checked: '4', focused: '4' });
        await tabTo(page, favourite);
        await page.keyboard.type('The note in my coat pocket.');
        // Escape once (closing a suggestion, say) is not the quick exit, and
        // Tab still moves on.
        await page.keyboard.press('Escape');
        await tabTo(page, share);
        await page.keyboard.press('Space');
        assert.ok(await share.isChecked(), 'Space ticks the box');

        await tabTo(page, page.getByRole('button', { name: 'Save draft', exact: true }));
        await activate(page);
        await insp.check(page, 'keyboard: practice draft saved');
        assert.match(await page.getByRole('status').filter({ hasText: /\S/ }).first().innerText(), /draft/i);
        assert.equal((await chosen(shared)).checked, 'me', 'the draft kept the choice');
        assert.equal((await chosen(warmth)).checked, '7', 'the draft kept the first scale');
        assert.equal((await chosen(ease)).checked, '4', 'the draft kept the second scale');
        assert.equal(await favourite.inputValue(), 'The note in my coat pocket.');
        assert.ok(await share.isChecked(), 'the draft kept sharing');

        await tabTo(page, page.getByRole('button', { name: 'Submit', exact: true }));
        await activate(page, 'Space');
        assert.match(new URL(page.url()).pathname, /^\/entries\/\d+\/submitted$/);
        await insp.check(page, 'keyboard: practice submitted');
        await tabTo(page, page.getByRole('link', { name: 'See what you sent', exact: true }));
        await activate(page);
        kbd.entryPath = new URL(page.url()).pathname;
        assert.match(kbd.entryPath, /^\/entries\/\d+$/);
        assert.notEqual(kbd.entryPath, people.entryPath, 'a new entry');
        await insp.check(page, 'keyboard: the entry sent');
        assert.match(await page.getByRole('main').innerText(), /The note in my coat pocket/);
    });

    step('keyboard only: the therapist opens the entry from the client list and replies', async () => {
        const insp = inspector();
        const page = people.therapist.page;
        // He is on his client list (he signed in there last).
        assert.equal(new URL(page.url()).pathname, '/clients');
        await tabTo(page, page.getByRole('table', { name: /^Your clients/ }).getByRole('link', { name: 'Ana', exact: true }));
        await activate(page);
        await insp.check(page, 'keyboard: a client with a new entry');
        // The newest submission comes first.
        await tabTo(page, page.getByRole('table', { name: /^Submissions/ }).getByRole('link', { name: 'Daily appreciations', exact: true }).first());
        await activate(page);
        assert.equal(new URL(page.url()).pathname, kbd.entryPath);
        await insp.check(page, 'keyboard: therapist reads the entry');
        await tabTo(page, page.getByLabel('Reply', { exact: true }));
        await page.keyboard.type('Thank you. The coat pocket is a lovely place for it.');
        await tabTo(page, page.getByRole('button', { name: 'Send', exact: true }));
        await activate(page);
        await insp.check(page, 'keyboard: therapist replied');
        assert.match(await page.getByRole('main').innerText(), /The coat pocket is a lovely place/);
    });

    step('keyboard only: the client finds the reply and reads it, then leaves quickly with Escape twice', async () => {
        const insp = inspector();
        const page = people.anaKeys.page;
        await tabTo(page, page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Homework', exact: true }));
        await activate(page);
        await insp.check(page, 'keyboard: homework list with a new reply');
        await tabTo(page, page.getByRole('link', { name: 'Daily appreciations', exact: true }));
        await activate(page);
        await tabTo(page, page.getByRole('listitem').filter({ hasText: /new reply/ }).getByRole('link'));
        await activate(page);
        assert.equal(new URL(page.url()).pathname, kbd.entryPath);
        await insp.check(page, 'keyboard: client reads the reply');
        assert.match(await page.getByRole('main').innerText(), /The coat pocket is a lovely place/);

        // The quick exit: Escape twice, from anywhere; the page it leaves
        // is not in the history any more.
        const gone = loaded(page);
        await page.keyboard.press('Escape');
        await page.keyboard.press('Escape');
        await gone;
        assert.equal(new URL(page.url()).host, 'www.bbc.com');
        await page.goBack();
        assert.notEqual(new URL(page.url()).pathname, kbd.entryPath, 'Back does not bring the entry back');
    });
}
