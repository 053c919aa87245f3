// draft-on-exit.test.mjs: what a client typed but autosave had not sent yet
// is kept when they leave at once with the quick exit, and the quick exit
// signs them out on the way (quick-exit.js sends the draft first, then the
// sign-out beacon): the old tab's session is gone, whoever picks up the
// phone finds the sign-in page, and the text is there once signed in again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, query } from '../lib/harness.mjs';
import { Client, createAdmin, acceptInvite, PASSWORD } from '../lib/client.mjs';
import { launch } from './lib/browser.mjs';

let srv;
let browser;
let assignment;

const q = (sql) => query(srv, sql);

before(async () => {
    srv = await startServer();
    browser = await launch();
    createAdmin(srv);
    const admin = q("SELECT id FROM users WHERE role = 'admin'");
    q(`INSERT INTO invites (token_hash, kind, email, display_name, created_by, expires_at)
       VALUES (sha256('exit-t'::bytea), 'therapist', 'exit-t@example.org', 'Tam', ${admin}, now() + interval '1 day')`);
    await acceptInvite(srv, '/invite/exit-t', { name: 'Tam' });
    const t = q("SELECT id FROM users WHERE email = 'exit-t@example.org'");
    q(`INSERT INTO invites (token_hash, kind, email, display_name, created_by, expires_at)
       VALUES (sha256('exit-c'::bytea), 'client', 'exit-c@example.org', 'Cai', ${t}, now() + interval '1 day')`);
    await acceptInvite(srv, '/invite/exit-c', { name: 'Cai' });
    const c = q("SELECT id FROM users WHERE email = 'exit-c@example.org'");
    assignment = q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, times_per_week, weeks)
        SELECT l.id, l.version_id, ${t}, ${c}, current_date, 3, 2 FROM activity_latest l
        WHERE l.slug = 'eye-contact-connection' AND l.source = 'library' RETURNING id`);
});

after(async () => {
    if (browser) await browser.close();
    if (srv) assert.equal(await srv.stop(), 0);
});

test('typing, then leaving at once with the quick exit: the draft is kept and the client signed out', async () => {
    const context = await browser.newContext();
    // The neutral site is outside this machine's reach: answer it locally.
    await context.route('https://www.bbc.com/**', (r) => r.fulfill({ status: 200, contentType: 'text/html', body: '<title>Weather</title>' }));
    const page = await context.newPage();
    const signIn = async (p) => {
        await p.goto(`${srv.url}/login`);
        await p.fill('#field-email', 'exit-c@example.org');
        await p.fill('#field-password', PASSWORD);
        await Promise.all([p.waitForNavigation(), p.click('button[type=submit]')]);
    };
    const client = q("SELECT id FROM users WHERE email = 'exit-c@example.org'");
    const sessions = () => q(`SELECT count(*) FROM sessions WHERE user_id = ${client}`);
    q(`DELETE FROM sessions WHERE user_id = ${client}`); // the invitation's, from before()
    await signIn(page);
    assert.equal(sessions(), '1');
    await page.goto(`${srv.url}/homework/${assignment}/practice`);
    const textarea = page.locator('#practice-form textarea').first();
    const canary = `left in a hurry ${Date.now()}`;
    await textarea.fill(canary);
    // Leave well inside autosave's 3 s delay.
    await Promise.all([page.waitForURL(/bbc\.com/), page.click('#quick-exit')]);
    let saved = '';
    for (let i = 0; i < 20 && saved === ''; i++) {
        saved = q(`SELECT count(*) FROM entries WHERE assignment_id = ${assignment} AND status = 'draft'`) === '1' ? 'yes' : '';
        if (!saved) await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(saved, 'yes', 'a draft row was written as the page went away');
    // Signed out as it left: the session row is gone, and the browser that
    // left (same cookies) is sent to the sign-in page.
    let left = sessions();
    for (let i = 0; i < 20 && left !== '0'; i++) {
        await new Promise((r) => setTimeout(r, 250));
        left = sessions();
    }
    assert.equal(left, '0', 'the quick exit ended the session');
    // A fetch with the browser's own cookies: /account sends to sign-in.
    const fetched = await context.request.get(`${srv.url}/account`, { maxRedirects: 0 });
    assert.equal(fetched.status(), 303);
    assert.equal(fetched.headers().location, '/login');
    const back = await context.newPage();
    await back.goto(`${srv.url}/account`);
    assert.equal(new URL(back.url()).pathname, '/login', "the old tab's session is gone");
    await back.goto(`${srv.url}/homework/${assignment}/practice`);
    assert.equal(new URL(back.url()).pathname, '/login', 'the homework is behind the sign-in page');
    // Signed in again, the text is there: the draft went first.
    await signIn(back);
    await back.goto(`${srv.url}/homework/${assignment}/practice`);
    assert.equal(await back.locator('#practice-form textarea').first().inputValue(), canary);
    await context.close();
});
