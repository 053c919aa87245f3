// draft-on-exit.test.mjs: what a client typed but autosave had not sent yet
// is kept when they leave at once with the quick exit (the draft goes out
// with navigator.sendBeacon as the page is hidden).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, psql } from '../lib/harness.mjs';
import { Client, createAdmin, acceptInvite, PASSWORD } from '../lib/client.mjs';
import { launch } from './lib/browser.mjs';

let srv;
let browser;
let assignment;

function q(sql) {
    return psql(srv.dbUrl, sql).trim();
}

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

test('typing, then leaving at once with the quick exit: the draft is kept', async () => {
    const context = await browser.newContext();
    // The neutral site is outside this machine's reach: answer it locally.
    await context.route('https://www.bbc.com/**', (r) => r.fulfill({ status: 200, contentType: 'text/html', body: '<title>Weather</title>' }));
    const page = await context.newPage();
    await page.goto(`${srv.url}/login`);
    await page.fill('#field-email', 'exit-c@example.org');
    await page.fill('#field-password', PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
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
    const back = await context.newPage();
    await back.goto(`${srv.url}/homework/${assignment}/practice`);
    assert.equal(await back.locator('#practice-form textarea').first().inputValue(), canary);
    await context.close();
});
