// journey.mjs: the story as people live it, in a real browser, one step per
// test. Every page a step reaches goes through Inspector.check() (axe, CSP,
// console, layout at a phone's width, screenshots, HTML kept for vnu).
//
//   the first administrator sets up Interlude from the logged link
//   → invites a therapist → the therapist accepts, invites two clients
//   → the clients accept on their phones → the therapist makes a couple
//   → browses the library (an exercise, the intake form)
//   → assigns the exercise to the couple with a rhythm and a note, the
//     intake form to one client by a due date, and a questionnaire to the
//     other every 2 weeks; changes the rhythm; adapts
//     an exercise (a draft with a flag on a question, its preview)
//   → the client fills the intake, saves a draft, comes back to it, submits
//     it; logs a practice and shares it with their partner, who reads it
//   → the therapist reads the entry, replies, marks it reviewed
//   → the client reads the reply, stops sharing; the partner no longer sees it
//   → progress, account pages, a password reset link, signing out and in
//   plus a failed sign-in and bad form submissions, with their messages;
//   then, with JavaScript, the same people by keyboard only (lib/keyboard.mjs).
//
// A new page belongs in a step here: the last test of the suite lists the
// page routes no journey visits yet.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { psql, startServer } from '../../lib/harness.mjs';
import { setTwoStepPolicy } from '../../lib/client.mjs';
import { Inspector, launch } from './browser.mjs';
import { keyboardJourney } from './keyboard.mjs';

const PASSWORD = 'quiet river morning light';
const STEP_TIMEOUT = 90_000;

// The next document a navigation loads (its 'load' event).
function loaded(page) {
    return page.waitForEvent('load', { timeout: 15000 });
}

// Clicks a button (or link) and waits for the page it leads to.
async function press(page, name, { role = 'button', within } = {}) {
    const next = loaded(page);
    await (within ?? page).getByRole(role, { name, exact: true }).click();
    await next;
}

async function fill(page, fields) {
    for (const [label, value] of Object.entries(fields)) {
        await page.getByLabel(label, { exact: true }).fill(value);
    }
}

// Chooses the option whose text matches re in the select labelled label.
async function choose(page, label, re) {
    const select = page.getByLabel(label, { exact: true });
    const options = await select.locator('option').evaluateAll((os) => os.map((o) => ({ value: o.value, text: o.textContent })));
    const hit = options.find((o) => re.test(o.text));
    assert.ok(hit, `no option matching ${re} in "${label}": ${options.map((o) => o.text).join(' | ')}`);
    await select.selectOption(hit.value);
}

// A card of a list (a homework card, a library item) by its heading.
function card(page, heading) {
    return page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: heading, exact: true }) });
}

// A date n days from today (UTC), as YYYY-MM-DD.
function day(n) {
    return new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
}

// The error summary is shown, names every message, and each of its links
// leads to the field it is about, which carries its own message.
async function expectFormErrors(page, count) {
    const summary = page.getByRole('alert');
    await summary.waitFor();
    assert.match(await summary.innerText(), /Please check/);
    const links = summary.getByRole('link');
    if (count === undefined) count = await links.count();
    assert.ok(count > 0, 'the summary names the problems');
    assert.equal(await links.count(), count, `error summary: ${await summary.innerText()}`);
    for (let i = 0; i < count; i++) {
        const href = await links.nth(i).getAttribute('href');
        assert.match(href, /^#/);
        const target = page.locator(href);
        assert.equal(await target.count(), 1, `the summary link ${href} leads to one element`);
        if (await target.evaluate((el) => el.matches('input, select, textarea'))) {
            assert.equal(await target.getAttribute('aria-invalid'), 'true', `${href} is marked invalid`);
            const describedBy = (await target.getAttribute('aria-describedby')) ?? '';
            const messages = await Promise.all(describedBy.split(/\s+/).filter(Boolean).map((id) => page.locator(`[id="${id}"]`).innerText()));
            const text = await links.nth(i).innerText();
            assert.ok(messages.some((m) => text.endsWith(m)), `${href}: the message "${text}" is next to the field (described by: ${messages.join(' | ')})`);
        }
    }
}

// Defines the journey as a describe() block of steps.
//   name:        short name (file names, test titles)
//   javaScript:  false runs it with JavaScript disabled
//   screenshots: take them (one journey is enough)
//   inspectors:  array the journey's Inspector is pushed to (for the vnu run)
export function journey({ name, javaScript = true, screenshots = true, inspectors }) {
    describe(`journey ${name}`, () => {
        let srv;
        let browser;
        let insp;
        let failed = false;
        const people = {};
        const url = (p) => `${srv.url}${p}`;

        before(async () => {
            browser = await launch();
            srv = await startServer();
            // A new installation requires two-step sign-in of staff; this
            // story is about the rest (the policy has its own tests, and a
            // client enrols below).
            setTwoStepPolicy(srv, 'off');
            insp = new Inspector({ journey: name, screenshots });
            inspectors.push(insp);
        });

        after(async () => {
            await browser?.close();
            await srv?.stop();
        });

        // One step: skipped once an earlier one failed (it would fail for
        // that reason only).
        const step = (title, fn) =>
            test(title, { timeout: STEP_TIMEOUT }, async (t) => {
                if (failed) {
                    t.skip('an earlier step failed');
                    return;
                }
                try {
                    await fn(t);
                } catch (e) {
                    failed = true;
                    throw e;
                }
            });

        async function person(key, { phone = false } = {}) {
            const ctx = await insp.context(browser, { phone, javaScript });
            const page = await ctx.newPage();
            people[key] = { ctx, page };
            return page;
        }

        async function go(page, path, label, opts) {
            await page.goto(url(path));
            await insp.check(page, label, opts);
        }

        step('a visitor sees the welcome page and the sign-in form', async () => {
            const page = await person('visitor', { phone: true });
            await go(page, '/', 'welcome');
            await press(page, 'Sign in', { role: 'link', within: page.getByRole('main') });
            await insp.check(page, 'sign-in form');
            // A forgotten password: this journey's server sends no mail, and says so.
            await press(page, 'Forgotten your password?', { role: 'link' });
            await insp.check(page, 'forgotten password, mail off');
            assert.match(await page.getByRole('main').innerText(), /does not send e-mail/);
            await press(page, 'Back to sign in', { role: 'link' });
            await people.visitor.ctx.close();
        });

        step('the first administrator sets up Interlude from the logged link', async () => {
            const line = await srv.waitForLog(/setup_url/);
            const link = JSON.parse(line).setup_url;
            const page = await person('admin');
            await page.goto(link);
            await insp.check(page, 'setup form');
            assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Set up Interlude');

            // A bad submission first: every problem named, next to its field.
            await fill(page, { 'Your name': 'Ada', 'E-mail address': 'not an address', Password: 'short', 'Password again': 'other' });
            await press(page, 'Create the account');
            await insp.check(page, 'setup form with errors', { status: 422 });
            await expectFormErrors(page, 2);
            assert.equal(await page.getByLabel('Your name', { exact: true }).inputValue(), 'Ada', 'what was typed is kept');

            await fill(page, { 'E-mail address': 'ada@example.org', Password: PASSWORD, 'Password again': PASSWORD });
            await press(page, 'Create the account');
            assert.equal(new URL(page.url()).pathname, '/admin/users');
            await insp.check(page, 'people (admin start page)');
        });

        step('the administrator invites a therapist', async () => {
            const page = people.admin.page;
            await fill(page, { 'Their name': 'Theo Therapist', 'Their e-mail address': 'theo@example.org' });
            await press(page, 'Create the invitation link');
            await insp.check(page, 'therapist invitation link', { status: 201 });
            people.therapistLink = (await page.locator('#one-time-link').innerText()).trim();
            assert.match(people.therapistLink, /\/invite\/[A-Za-z0-9_-]+$/);
            await press(page, 'Back to People', { role: 'link' });
            await insp.check(page, 'people with a pending invitation');
            assert.ok(await page.getByRole('row', { name: /Theo Therapist/ }).count());
        });

        step('the administrator sets the crisis contacts clients see with a risk answer', async () => {
            const page = people.admin.page;
            await press(page, 'Crisis contacts', { role: 'link' });
            await insp.check(page, 'crisis contacts, none yet');
            await fill(page, { Name: 'Crisis line (24 hours)', 'Phone number': 'call me' });
            await press(page, 'Add the contact');
            await insp.check(page, 'crisis contact with errors', { status: 422 });
            await expectFormErrors(page, 1);
            await fill(page, { 'Phone number': '0800 123 456', Note: 'Free and confidential, every day' });
            await press(page, 'Add the contact');
            await insp.check(page, 'crisis contact added');
            assert.match(await page.getByRole('main').innerText(), /Crisis line \(24 hours\): 0800 123 456/);
            await press(page, 'Mail', { role: 'link' });
            await insp.check(page, 'the outbox, mail off');
        });

        step('the administrator looks at who must use two-step sign-in', async () => {
            const page = people.admin.page;
            await press(page, 'Security', { role: 'link' });
            await insp.check(page, 'security settings');
            assert.match(await page.getByRole('main').innerText(), /Now required for: nobody/);
            await page.getByLabel('Nobody: everyone chooses for themselves').check();
            await press(page, 'Save');
            await insp.check(page, 'security settings saved');
            assert.match(await page.getByRole('status').first().innerText(), /The setting was saved/);
        });

        step('the administrator reads the audit log and signs out', async () => {
            const page = people.admin.page;
            await press(page, 'Audit log', { role: 'link' });
            await insp.check(page, 'audit log');
            await press(page, 'Sign out');
            assert.equal(new URL(page.url()).pathname, '/login');
            await insp.check(page, 'signed out');
        });

        step('a wrong password is refused with a message, and the address is kept', async () => {
            const page = people.admin.page;
            await fill(page, { 'E-mail address': 'ada@example.org', Password: 'not the password at all' });
            await press(page, 'Sign in');
            await insp.check(page, 'failed sign-in', { status: 422 });
            const alert = page.getByRole('alert');
            await alert.waitFor();
            assert.match(await alert.innerText(), /e-mail address or password/i);
            assert.equal(await page.getByLabel('E-mail address', { exact: true }).inputValue(), 'ada@example.org');
            assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '', 'the password is never sent back');
            await people.admin.ctx.close();
        });

        step('the therapist accepts the invitation', async () => {
            const page = await person('therapist');
            await page.goto(people.therapistLink);
            await insp.check(page, 'therapist invitation');
            await fill(page, { 'Your name': 'Theo', Password: PASSWORD, 'Password again': PASSWORD });
            await press(page, 'Create the account');
            assert.equal(new URL(page.url()).pathname, '/clients');
            await insp.check(page, 'clients (empty)');
        });

        step('a bad client invitation shows its messages next to the fields', async () => {
            const page = people.therapist.page;
            await fill(page, { 'Their name': '', 'Their e-mail address': 'nadia-at-example' });
            await press(page, 'Create the invitation link');
            await insp.check(page, 'client invitation with errors', { status: 422 });
            await expectFormErrors(page, 2);
        });

        step('the therapist invites two clients', async () => {
            const page = people.therapist.page;
            for (const [key, nm, email] of [
                ['anaLink', 'Ana', 'ana@example.org'],
                ['benLink', 'Ben', 'ben@example.org'],
            ]) {
                await fill(page, { 'Their name': nm, 'Their e-mail address': email });
                await press(page, 'Create the invitation link');
                await insp.check(page, `invitation link for ${nm}`, { status: 201 });
                people[key] = (await page.locator('#invite-link').innerText()).trim();
                await press(page, 'Back to your clients', { role: 'link' });
            }
            await insp.check(page, 'clients with pending invitations');
            assert.equal(await page.getByRole('row', { name: /example\.org/ }).count(), 2);
        });

        step('the clients accept their invitations on their phones', async () => {
            for (const [key, nm] of [
                ['ana', 'Ana'],
                ['ben', 'Ben'],
            ]) {
                const page = await person(key, { phone: true });
                await page.goto(people[`${key}Link`]);
                await insp.check(page, `${nm} opens the invitation`);
                await fill(page, { 'Your name': nm, Password: PASSWORD, 'Password again': PASSWORD });
                await press(page, 'Create the account');
                assert.equal(new URL(page.url()).pathname, '/');
                await insp.check(page, `${nm}'s homework (none yet)`);
                assert.match(await page.getByRole('main').innerText(), /No homework yet/);
            }
        });

        step('the therapist makes a couple of them and opens a client', async () => {
            const page = people.therapist.page;
            await page.goto(url('/clients'));
            await page.getByLabel('First partner').selectOption({ label: 'Ana (ana@example.org)' });
            await page.getByLabel('Second partner').selectOption({ label: 'Ben (ben@example.org)' });
            await press(page, 'Make a couple');
            assert.equal(new URL(page.url()).pathname, '/clients');
            await insp.check(page, 'clients with a couple');
            assert.ok(await page.getByRole('status').count(), 'a notice says it worked');
            await press(page, 'Ana', { role: 'link', within: page.getByRole('table', { name: /^Your clients/ }) });
            assert.match(new URL(page.url()).pathname, /^\/clients\/\d+$/);
            await insp.check(page, 'a client');
            assert.match(await page.getByRole('main').innerText(), /With Ben/);
        });

        step('the therapist browses the library: an exercise and the intake form', async () => {
            const page = people.therapist.page;
            await press(page, 'Library', { role: 'link' });
            await insp.check(page, 'library');
            await page.getByLabel('Search', { exact: true }).fill('appreciations');
            await press(page, 'Search');
            await insp.check(page, 'library search');
            await press(page, 'Daily appreciations', { role: 'link' });
            await insp.check(page, 'an exercise');
            people.exercisePath = new URL(page.url()).pathname;
            assert.match(await page.getByRole('main').innerText(), /Suggested rhythm/);
            // Printed, the exercise is a handout: title, instructions, safety
            // note and the questions with room to write; nothing of the app.
            await page.emulateMedia({ media: 'print' });
            const printed = await page.locator('body').innerText();
            assert.match(printed, /Daily appreciations/);
            assert.match(printed, /Instructions/);
            assert.match(printed, /Reflection/);
            for (const app of [/Assign/, /version \d/, /A preview/, /Duplicate to adapt/, /FHIR/, /Library/, /Sign out/, /Suggested rhythm/])
                assert.doesNotMatch(printed, app, `the printed handout shows ${app}`);
            const pdf = await page.pdf({ format: 'A4' });
            const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
            assert.ok(pages >= 1 && pages <= 2, `the handout takes ${pages} A4 pages`);
            if (insp.screenshots) {
                mkdirSync(insp.shotDir, { recursive: true });
                writeFileSync(path.join(insp.shotDir, 'handout-daily-appreciations.pdf'), pdf);
            }
            await page.emulateMedia({ media: 'screen' });
            await page.goto(url('/library?kind=intake'));
            await insp.check(page, 'intake forms');
            await press(page, 'Getting started: relationships and closeness', { role: 'link' });
            await insp.check(page, 'the intake form');
            await page.goto(url('/library?q=zzzzzz'));
            await insp.check(page, 'library search without results');
            assert.match(await page.getByRole('main').innerText(), /Nothing matches/);
        });

        step('the therapist assigns the exercise to the couple, with a rhythm and a note', async () => {
            const page = people.therapist.page;
            await page.goto(url(people.exercisePath));
            await choose(page, 'To whom', /Ana and Ben/);
            await press(page, 'Assign…');
            assert.equal(new URL(page.url()).pathname, '/assign');
            await insp.check(page, 'assign the exercise');
            await page.getByLabel('Regularly, with a rhythm', { exact: true }).check();
            await fill(page, { 'Times a week': '3', 'For how many weeks': '2' });
            await page.getByLabel(/^A personal note/).fill('Take it gently; one a day is plenty.');
            await press(page, 'Assign');
            assert.match(new URL(page.url()).pathname, /^\/clients\/\d+$/);
            await insp.check(page, 'client after assigning');
            assert.match(await page.getByRole('main').innerText(), /Daily appreciations/);
        });

        step('the therapist assigns the intake form to one client, by a due date', async () => {
            const page = people.therapist.page;
            await page.goto(url('/clients'));
            await press(page, 'Ana', { role: 'link', within: page.getByRole('table', { name: /^Your clients/ }) });
            people.anaPath = new URL(page.url()).pathname;
            await press(page, 'Assign homework', { role: 'link' });
            await insp.check(page, 'assign to a client');
            // Without an activity or a schedule: refused, with the reasons.
            await press(page, 'Assign');
            await insp.check(page, 'assign form with errors', { status: 422 });
            await expectFormErrors(page);
            await choose(page, 'Activity', /Getting started: relationships and closeness/);
            await page.getByLabel('Once, by a due date', { exact: true }).check();
            await fill(page, { 'Due date': day(7) });
            await press(page, 'Assign');
            assert.equal(new URL(page.url()).pathname, people.anaPath);
            await insp.check(page, 'client with two assignments');
        });

        step('the therapist gives Ben a questionnaire to repeat every 2 weeks', async () => {
            const page = people.therapist.page;
            await page.goto(url('/library?kind=measure'));
            await press(page, 'Wellbeing questionnaire (WHO-5)', { role: 'link' });
            await choose(page, 'To whom', /^Ben$/);
            await press(page, 'Assign…');
            await insp.check(page, 'assign a questionnaire');
            assert.ok(await page.getByLabel('Repeat every so many days or weeks, until a date', { exact: true }).isChecked(), 'repeating is proposed for a measure');
            assert.equal(await page.getByLabel('Every', { exact: true }).inputValue(), '2');
            await press(page, 'Assign');
            await insp.check(page, 'client after assigning a questionnaire');
            assert.match(await page.getByRole('main').innerText(), /every 2 weeks from \S+ until \S+\. Due today\./);
        });

        step('the therapist changes the rhythm of the couple\'s homework', async () => {
            const page = people.therapist.page;
            await page.goto(url(people.anaPath));
            await press(page, 'Change Daily appreciations', { role: 'link' });
            assert.match(new URL(page.url()).pathname, /^\/assignments\/\d+\/edit$/);
            await insp.check(page, 'change homework');
            await fill(page, { 'Times a week': '4' });
            await press(page, 'Save changes');
            assert.equal(new URL(page.url()).pathname, people.anaPath);
            await insp.check(page, 'client after the change');
            assert.match(await page.getByRole('main').innerText(), /4 times a week/);
        });

        step('the therapist adapts an exercise: a draft and its preview', async () => {
            const page = people.therapist.page;
            await page.goto(url(people.exercisePath));
            await press(page, 'Duplicate to adapt it');
            assert.match(new URL(page.url()).pathname, /^\/drafts\/\d+$/);
            await insp.check(page, 'a draft of an exercise');
            people.draftPath = new URL(page.url()).pathname;
            await press(page, 'Preview exactly what the client will see', { role: 'link' });
            await insp.check(page, 'the draft previewed');
            await page.goto(url('/drafts'));
            await insp.check(page, 'drafts');
        });

        step('the therapist flags an answer of a question in the draft', async () => {
            const page = people.therapist.page;
            await page.goto(url(people.draftPath));
            // A flag on the warmth scale: refused out of range, then saved.
            const warmth = page.locator('#field-1');
            await warmth.getByLabel('Raise the flag at or above', { exact: true }).fill('99');
            await warmth.getByLabel('What to remind you of', { exact: true }).fill('Ask what made it feel so warm this week.');
            await warmth.getByLabel('What the client reads right after answering', { exact: true }).fill('Thank you for sharing this.');
            await press(page, 'Save field 2', { within: warmth });
            await insp.check(page, 'a draft with a flag refused', { status: 422 });
            await expectFormErrors(page, 1);
            await page.locator('#field-1').getByLabel('Raise the flag at or above', { exact: true }).fill('8');
            await press(page, 'Save field 2', { within: page.locator('#field-1') });
            assert.match(await page.locator('#field-1').innerText(), /Flags: answers of 8 or more/);
        });

        step('the client fills the intake, saves a draft, comes back to it and submits it', async () => {
            const page = people.ana.page;
            const intake = 'Getting started: relationships and closeness';
            await press(page, 'Homework', { role: 'link' });
            await insp.check(page, 'client homework list');
            await press(page, 'Log a practice', { role: 'link', within: card(page, intake) });
            await insp.check(page, 'the intake to fill in');
            const why = page.getByLabel(/^In your own words, what brings you here/);
            await why.fill('We would like to feel closer again.');
            await press(page, 'Save draft');
            await insp.check(page, 'the intake, draft saved');
            assert.match(await page.getByRole('status').filter({ hasText: /\S/ }).first().innerText(), /draft/i);

            await press(page, 'Homework', { role: 'link' });
            assert.match(await card(page, intake).innerText(), /draft is saved/i);
            await press(page, 'Continue your draft', { role: 'link', within: card(page, intake) });
            await insp.check(page, 'the intake draft again');
            assert.equal(await why.inputValue(), 'We would like to feel closer again.', 'the draft kept what was written');

            // The consent is required: submitting without it is refused.
            await press(page, 'Submit');
            await insp.check(page, 'the intake with errors', { status: 422 });
            await expectFormErrors(page);
            assert.equal(await why.inputValue(), 'We would like to feel closer again.');
            await page.getByLabel(/^I understand that I can skip any question/).check();
            await press(page, 'Submit');
            assert.match(new URL(page.url()).pathname, /^\/entries\/\d+\/submitted$/);
            await insp.check(page, 'intake submitted');
        });

        step('the client logs a practice and shares it with their partner', async () => {
            const page = people.ana.page;
            await press(page, 'Homework', { role: 'link' });
            await press(page, 'Daily appreciations', { role: 'link' });
            assert.match(new URL(page.url()).pathname, /^\/homework\/\d+$/);
            await insp.check(page, 'an exercise to do');
            assert.match(await page.getByRole('main').innerText(), /Take it gently/, 'the therapist\'s note is shown');
            await press(page, 'Log a practice', { role: 'link', within: page.getByRole('main') });
            await insp.check(page, 'log a practice');
            await page.getByRole('group', { name: /^Who shared an appreciation this time/ }).getByRole('radio', { name: 'We both did' }).check();
            await page.getByRole('group', { name: /^How warm did this moment feel/ }).getByRole('radio', { name: /^7\b/ }).check();
            await page.getByLabel(/^What was appreciated, or what did you appreciate/).fill('The tea on Tuesday morning.');
            await page.getByLabel('Share this entry with my partner', { exact: true }).check();

            // The database turns read-only (a failover, a full disk) as she
            // submits: the form comes back with her text and the message.
            const readOnly = (on) => {
                const admin = process.env.PG_SUPERUSER_URL;
                const db = psql(srv.dbUrl, 'SELECT current_database()').trim();
                psql(admin, on ? `ALTER DATABASE "${db}" SET default_transaction_read_only = on` : `ALTER DATABASE "${db}" RESET default_transaction_read_only`);
                psql(admin, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '${db}' AND pid <> pg_backend_pid()`);
            };
            readOnly(true);
            try {
                await press(page, 'Submit');
                await insp.check(page, 'practice not saved (database read-only)', { status: 503 });
                assert.match(await page.getByRole('alert').first().innerText(), /Not saved yet — your text is still here/);
                assert.equal(await page.getByLabel(/^What was appreciated, or what did you appreciate/).inputValue(), 'The tea on Tuesday morning.', 'the text is kept');
                if (javaScript) {
                    const kept = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('interlude-keep:')).map((k) => sessionStorage.getItem(k)));
                    assert.ok(kept.some((v) => v.includes('The tea on Tuesday morning.')), 'a copy is kept in the tab');
                }
            } finally {
                readOnly(false);
            }
            await press(page, 'Submit');
            await insp.check(page, 'practice submitted');
            if (javaScript) {
                const left = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('interlude-keep')).length);
                assert.equal(left, 0, 'the copy is gone once the entry is saved');
            }
            await press(page, 'See what you sent', { role: 'link' });
            assert.match(new URL(page.url()).pathname, /^\/entries\/\d+$/);
            people.entryPath = new URL(page.url()).pathname;
            await insp.check(page, 'the entry sent');
            assert.match(await page.getByRole('main').innerText(), /Your partner can read these answers/);
        });

        step('the partner reads what was shared with them', async () => {
            const page = people.ben.page;
            await press(page, 'Homework', { role: 'link' });
            await insp.check(page, 'partner homework list');
            await press(page, 'Daily appreciations', { role: 'link' });
            await insp.check(page, 'partner homework');
            await press(page, /\d/, { role: 'link', within: page.getByRole('region', { name: 'Shared by your partner' }) });
            await insp.check(page, 'an entry the partner shared');
            const text = await page.getByRole('main').innerText();
            assert.match(text, /The tea on Tuesday morning/);
            assert.doesNotMatch(text, /Notes and replies/, 'the partner never sees the thread with the therapist');
        });

        step('the therapist reads the entry and replies', async () => {
            const page = people.therapist.page;
            await press(page, 'Clients', { role: 'link' });
            await insp.check(page, 'clients needing attention');
            await press(page, 'Ana', { role: 'link', within: page.getByRole('table', { name: /^Your clients/ }) });
            await insp.check(page, 'client with submissions');
            await press(page, 'Daily appreciations', { role: 'link', within: page.getByRole('table', { name: /^Submissions/ }) });
            assert.equal(new URL(page.url()).pathname, people.entryPath);
            await insp.check(page, 'therapist reads the entry');
            await page.getByLabel('Reply', { exact: true }).fill('Lovely to read. Keep noticing the small things.');
            await press(page, 'Send');
            await insp.check(page, 'therapist replied');
            assert.match(await page.getByRole('main').innerText(), /Keep noticing the small things/);
            await press(page, 'Mark as reviewed');
            await insp.check(page, 'entry reviewed');
        });

        step('the client reads the reply, then stops sharing with their partner', async () => {
            const page = people.ana.page;
            await press(page, 'Homework', { role: 'link' });
            await insp.check(page, 'client homework with a new reply');
            assert.match(await card(page, 'Daily appreciations').innerText(), /new repl/i);
            await page.goto(url(people.entryPath));
            await insp.check(page, 'client reads the reply');
            assert.match(await page.getByRole('main').innerText(), /Keep noticing the small things/);
            await press(page, 'Stop sharing with my partner');
            await insp.check(page, 'entry no longer shared');
            assert.match(await page.getByRole('main').innerText(), /Only you and your therapist can read this entry/);

            // The partner, still on that entry, finds it gone, and their
            // homework page says so.
            const partner = people.ben.page;
            await partner.reload();
            await insp.check(partner, 'the unshared entry, for the partner', { status: 404 });
            await press(partner, 'Homework', { role: 'link' });
            await press(partner, 'Daily appreciations', { role: 'link' });
            await insp.check(partner, 'partner homework after sharing stopped');
            assert.match(await partner.getByRole('main').innerText(), /has not shared an entry/);
        });

        step('the therapist assigns the mood questionnaire to a client', async () => {
            const page = people.therapist.page;
            await page.goto(url(people.anaPath));
            await press(page, 'Assign homework', { role: 'link' });
            await choose(page, 'Activity', /Mood questionnaire \(PHQ-9\)/);
            await page.getByLabel('Once, by a due date', { exact: true }).check();
            await fill(page, { 'Due date': day(3) });
            await press(page, 'Assign');
            assert.equal(new URL(page.url()).pathname, people.anaPath);
        });

        step('the client gives a risk answer on the phone and is offered support, not clinical words', async () => {
            const page = people.ana.page;
            await press(page, 'Homework', { role: 'link' });
            await press(page, 'Log a practice', { role: 'link', within: card(page, 'Mood questionnaire (PHQ-9)') });
            await insp.check(page, 'the mood questionnaire');
            for (let i = 1; i <= 8; i++) await page.locator(`input[name="phq9_${i}"][value="0"]`).check();
            await page.locator('input[name="phq9_9"][value="1"]').check();
            await press(page, 'Submit');
            assert.match(new URL(page.url()).pathname, /^\/entries\/\d+\/submitted$/);
            await insp.check(page, 'support after a risk answer');
            const panel = page.getByRole('region', { name: 'You deserve support now' });
            const text = await panel.innerText();
            assert.match(text, /Crisis line \(24 hours\): 0800 123 456/);
            assert.match(text, /local emergency number/);
            assert.doesNotMatch(await page.getByRole('main').innerText(), /risk assessment/);
            assert.equal(await panel.getByRole('link', { name: '0800 123 456' }).getAttribute('href'), 'tel:0800123456');
        });

        step('the therapist finds the risk flag at the top of the caseload and acknowledges it', async () => {
            const page = people.therapist.page;
            await press(page, 'Clients', { role: 'link' });
            await insp.check(page, 'caseload with a risk flag');
            const first = page.getByRole('table', { name: /^Your clients/ }).getByRole('row').nth(1);
            assert.match(await first.innerText(), /^Ana[\s\S]*Risk answer/);
            await press(page, /^Risk answer/, { role: 'link', within: first });
            assert.equal(new URL(page.url()).pathname, people.anaPath);
            await insp.check(page, 'client with a risk item');
            const item = page.getByRole('region', { name: 'Needs your attention' });
            assert.match(await item.innerText(), /needs prompt clinical follow-up/);
            await item.getByLabel('Note for the record (optional)').fill('Called Ana; we made a safety plan together.');
            await press(page, /^Acknowledge/, { within: item });
            await insp.check(page, 'risk item acknowledged');
            assert.match(await page.getByRole('main').innerText(), /Acknowledged [\d: -]+ by Theo\b/);
            await press(page, 'Clients', { role: 'link' });
            assert.doesNotMatch(await page.getByRole('table', { name: /^Your clients/ }).innerText(), /Risk answer/);
        });

        step('the client looks at their progress', async () => {
            await go(people.ana.page, '/progress', 'client progress');
        });

        step('the therapist gives the couple a shared preference list', async () => {
            const page = people.therapist.page;
            await page.goto(url('/library?q=preference'));
            await press(page, /^Couple preference list/, { role: 'link' });
            await insp.check(page, 'a preference list exercise');
            await choose(page, 'To whom', /Ana and Ben/);
            await press(page, 'Assign…');
            await page.getByLabel('Once, by a due date', { exact: true }).check();
            await fill(page, { 'Due date': day(7) });
            await press(page, 'Assign');
            assert.match(new URL(page.url()).pathname, /^\/clients\/\d+$/);
        });

        // Each partner fills the list on a phone: a yes / maybe / no per item,
        // a note on one; the reveal shows only what both chose yes or maybe.
        async function fillList(page, answers, note) {
            await press(page, 'Homework', { role: 'link' });
            await press(page, 'Our shared list', { role: 'link' });
            await press(page, 'Log a practice', { role: 'link', within: page.getByRole('main') });
            await insp.check(page, 'a preference list on the phone');
            for (const [item, choice] of Object.entries(answers)) {
                await page.getByRole('group', { name: item, exact: true }).getByRole('radio', { name: choice, exact: true }).check();
            }
            await page.getByRole('group', { name: note[0], exact: true }).getByLabel(/^Note/).fill(note[1]);
            await page.getByRole('group', { name: /^Did you pause or stop early/ }).getByRole('radio', { name: 'No', exact: true }).check();
            await press(page, 'Submit');
            await press(page, 'See what you sent', { role: 'link' });
            assert.match(new URL(page.url()).pathname, /^\/entries\/\d+$/);
            return new URL(page.url()).pathname;
        }

        step('one partner fills the preference list on the phone: nothing is revealed yet', async () => {
            const page = people.ana.page;
            people.anaListPath = await fillList(page, { 'Holding hands': 'Yes', 'A long hug': 'Maybe', 'Slow kissing': 'No', 'Music in the background': 'Yes' }, ['Holding hands', 'Only at home']);
            await insp.check(page, 'a preference list entry, before the partner answered');
            const reveal = page.getByRole('region', { name: 'What you both said yes or maybe to' });
            assert.match(await reveal.innerText(), /shown once you have both answered/);
        });

        step('the other partner fills it too: each sees only what both said yes or maybe to', async () => {
            const page = people.ben.page;
            await fillList(page, { 'Holding hands': 'Maybe', 'A long hug': 'Yes', 'Slow kissing': 'Yes', 'Music in the background': 'No' }, ['Slow kissing', 'Ben-only note']);
            await insp.check(page, 'a preference list entry with the shared items');
            for (const p of [page, people.ana.page]) {
                if (p === people.ana.page) await go(p, people.anaListPath, 'the first partner sees the shared items');
                const text = await p.getByRole('region', { name: 'What you both said yes or maybe to' }).innerText();
                assert.match(text, /Holding hands/);
                assert.match(text, /A long hug/);
                assert.doesNotMatch(text, /Slow kissing|Music in the background/, 'never an item only one wants');
            }
            assert.doesNotMatch(await people.ana.page.getByRole('main').innerText(), /Ben-only note/);
        });

        step('everyone has an account page', async () => {
            await go(people.therapist.page, '/account', 'therapist account');
            await go(people.ana.page, '/account', 'client account');
        });

        step('a forgotten password: the administrator makes a reset link, the therapist chooses a new one', async () => {
            const admin = await person('admin2');
            await admin.goto(url('/login'));
            await fill(admin, { 'E-mail address': 'ada@example.org', Password: PASSWORD });
            await press(admin, 'Sign in');
            await press(admin, 'Reset link for Theo', { within: admin.getByRole('table', { name: /^Every account/ }) });
            await insp.check(admin, 'a reset link', { status: 201 });
            const link = (await admin.locator('#one-time-link').innerText()).trim();
            await go(admin, '/account', 'administrator account');

            const page = people.therapist.page;
            await page.goto(link);
            await insp.check(page, 'choose a new password');
            await fill(page, { Password: `${PASSWORD} again`, 'Password again': `${PASSWORD} again` });
            await press(page, 'Save the new password');
            assert.equal(new URL(page.url()).pathname, '/clients');
            await insp.check(page, 'therapist signed in with the new password');
        });

        step('a client makes a calendar link on the phone', async () => {
            const page = people.ana.page;
            await go(page, '/account', 'client account, before the calendar link');
            await fill(page, { 'Name of the events': 'Walk' });
            await press(page, 'Make a calendar link');
            await insp.check(page, 'the calendar link, shown once', { status: 201 });
            const link = (await page.locator('#calendar-link').innerText()).trim();
            assert.match(link, /\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
            await go(page, '/account', 'client account, calendar link on');
            await press(page, 'Stop the calendar link');
            await insp.check(page, 'client account, calendar link stopped');
        });

        step('a client downloads their data from the account page', async () => {
            const page = people.ana.page;
            await go(page, '/account', 'client account, before the download');
            const [download] = await Promise.all([
                page.waitForEvent('download'),
                page.getByRole('link', { name: 'Download my data' }).click(),
            ]);
            assert.match(download.suggestedFilename(), /^my-data-\d{4}-\d{2}-\d{2}\.json$/);
            const doc = JSON.parse(readFileSync(await download.path(), 'utf8'));
            assert.equal(doc.format, 'interlude-export');
            assert.equal(doc.client.email, 'ana@example.org');
            assert.ok(doc.entries.length > 0, 'her entries are in it');
        });

        step('a client signs out and back in on the phone', async () => {
            const page = people.ana.page;
            await press(page, 'Sign out');
            await insp.check(page, 'client signed out');
            await fill(page, { 'E-mail address': 'ana@example.org', Password: PASSWORD });
            await press(page, 'Sign in');
            assert.equal(new URL(page.url()).pathname, '/');
            await insp.check(page, 'client signed in again');
        });

        step('a client sets up two-step sign-in on the phone and signs in with a code', async () => {
            const page = people.ben.page;
            await go(page, '/account', 'client account, before two-step');
            await press(page, 'Set up two-step sign-in');
            await insp.check(page, 'two-step enrolment with its QR code');
            const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
            assert.ok(await qr.isVisible(), 'the QR code is on screen');
            const box = await qr.boundingBox();
            assert.ok(box.width >= 200 && box.height >= 200, `QR code size ${box.width}x${box.height}`);
            const secret = (await page.locator('code.secret').innerText()).trim();
            // Codes from Debian's oathtool, not the server's own code.
            const totp = (offset) =>
                execFileSync('/usr/bin/oathtool', ['--totp', '-b', '-N', `@${Math.floor(Date.now() / 1000) + offset}`, secret], { encoding: 'utf8' }).trim();
            await fill(page, { 'Code from your app': totp(0) });
            await press(page, 'Switch two-step sign-in on');
            await insp.check(page, 'two-step on, recovery codes shown once');
            assert.equal(await page.locator('.recovery-codes li').count(), 10);
            await press(page, 'Sign out');
            await fill(page, { 'E-mail address': 'ben@example.org', Password: PASSWORD });
            await press(page, 'Sign in');
            assert.equal(new URL(page.url()).pathname, '/login/code');
            await insp.check(page, 'the code step of signing in');
            await fill(page, { Code: totp(30) }); // the enrolment used this step's code
            await press(page, 'Continue');
            assert.equal(new URL(page.url()).pathname, '/');
            await insp.check(page, 'client signed in with a code');
        });

        if (javaScript) keyboardJourney({ step, person, url, inspector: () => insp, people, password: PASSWORD });
    });
}
