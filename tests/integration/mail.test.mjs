// mail.test.mjs: messages that reach people, through a real SMTP server
// (aiosmtpd writing a Maildir): invitations and the forgotten password,
// their headers and both MIME parts, the link that works, nothing clinical
// and no name in them; settings; the risk alert. (The outbox's faults:
// mail-outbox.test.mjs.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, freePort, request, ROOT, DATA_KEY_ENV, query } from '../lib/harness.mjs';
import { Client, createAdmin, acceptInvite, invitedPerson, PASSWORD } from '../lib/client.mjs';
import { startSmtp, linkIn, FORBIDDEN } from '../lib/mail.mjs';

const stops = [];
after(async () => {
    for (const s of stops.reverse()) await s();
});

const MAIL_ENV = (smtp) => ({
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Sérène Room <notes@example.org>',
    PRACTICE_NAME: 'Quiet Room',
    MAIL_RETRY_SECONDS: '1',
});

async function mailServer(smtp, extra = {}) {
    const srv = await startServer({ env: { ...MAIL_ENV(smtp), ...extra.env }, dbUrl: extra.dbUrl });
    stops.push(() => srv.stop('SIGTERM').catch(() => {}));
    return srv;
}

const q = query; // q(srv, sql)

async function therapistOn(srv) {
    const admin = createAdmin(srv, `admin-${Date.now()}-${Math.random().toString(36).slice(2)}@example.org`);
    const adminId = q(srv, `SELECT id FROM users WHERE email = '${admin.email}'`);
    return invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Theo Therapist' });
}

// No forbidden word, no library title, no canary in a client-facing message.
function assertDiscreet(srv, msg, canaries = []) {
    const all = `${msg.subject}\n${msg.from}\n${msg.text}\n${msg.html}`.toLowerCase();
    for (const w of FORBIDDEN) assert.ok(!new RegExp(`\\b${w}`).test(all), `the word "${w}" in a client's message`);
    const titles = q(srv, 'SELECT DISTINCT title FROM activity_versions').split('\n').filter(Boolean);
    assert.ok(titles.length > 0, 'the library is loaded');
    for (const t of titles) assert.ok(!all.includes(t.toLowerCase()), `the title "${t}" in a client's message`);
    for (const c of canaries) assert.ok(!all.includes(c.toLowerCase()), `"${c}" in a client's message`);
}

test('a client invitation is mailed: headers, both parts, a working link, discreet, the body wiped once sent', async () => {
    const smtp = await startSmtp();
    stops.push(() => smtp.stop());
    const srv = await mailServer(smtp);
    const t = await therapistOn(srv);
    const email = `zelda-${process.pid}@example.org`;
    const res = await t.post('/clients/invites', { display_name: 'Zelda Canaryname', email });
    assert.equal(res.status, 201);
    assert.match(res.body, /id="mailed"/, 'the page says it was mailed');
    assert.match(res.body, /\/invite\/[A-Za-z0-9_-]{43}/, 'and still shows the link to copy');

    const [msg] = await smtp.waitFor(1);
    assert.equal(msg.headers.to, `<${email}>`);
    assert.equal(msg.subject, 'A note from Quiet Room');
    assert.equal(msg.from, 'Sérène Room <notes@example.org>');
    assert.match(msg.headers.from, /^=\?UTF-8\?B\?/, 'a non-ASCII name is RFC 2047 encoded');
    assert.match(msg.headers['message-id'], /^<[0-9a-f]{32}@example\.org>$/);
    assert.ok(!Number.isNaN(Date.parse(msg.headers.date)), 'a Date header');
    assert.equal(msg.headers['auto-submitted'], 'auto-generated');
    assert.match(msg.headers['content-type'], /^multipart\/alternative/);
    assert.match(msg.text, /create an account/);
    assert.match(msg.html, /<a href="http:\/\/127\.0\.0\.1:\d+\/invite\//);
    assertDiscreet(srv, msg, ['Zelda', 'Canaryname', 'Theo']);

    const link = linkIn(msg, '/invite/');
    assert.ok(link, 'the link is in the text part');
    assert.ok(msg.html.includes(link), 'the same link in the HTML part');
    const c = await acceptInvite(srv, link, { name: 'Zelda Canaryname' });
    assert.equal((await c.get('/account')).status, 200, 'the mailed link works');

    assert.equal(q(srv, `SELECT status || ':' || (body_enc IS NULL) || ':' || message_id FROM outbox`), `sent:true:${msg.headers['message-id']}`);
    assert.ok(!srv.logs.join('\n').includes(link.split('/').pop()), 'the token is never logged');
    assert.ok(!srv.logs.join('\n').includes(email), 'the address is never logged');
});

test('forgotten password: the same answer for every address, one mail with a one-hour single-use link, none for a disabled account', async () => {
    const smtp = await startSmtp();
    stops.push(() => smtp.stop());
    const srv = await mailServer(smtp);
    const t = await therapistOn(srv);

    const anon = new Client(srv);
    const page = await anon.get('/login');
    assert.match(page.body, /href="\/password\/forgot"/, 'the sign-in page links to it');
    const form = await anon.get('/password/forgot');
    assert.equal(form.status, 200);
    assert.match(form.body, /name="email"/);

    const known = await anon.post('/password/forgot', { email: t.email.toUpperCase() });
    const unknown = await anon.post('/password/forgot', { email: `nobody-${process.pid}@example.org` });
    assert.equal(known.status, 200);
    assert.equal(unknown.status, 200);
    const strip = (b, e) => b.replace(/name="_csrf" value="[^"]*"/g, '').split(e).join('EMAIL');
    assert.equal(strip(known.body, t.email.toUpperCase()), strip(unknown.body, `nobody-${process.pid}@example.org`), 'the same page either way');

    const [msg] = await smtp.waitFor(1);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(smtp.messages().length, 1, 'only the known address gets a message');
    assert.equal(msg.headers.to, `<${t.email.toUpperCase()}>`);
    assertDiscreet(srv, msg, ['Theo']);
    assert.equal(q(srv, `SELECT round(extract(epoch FROM expires_at - created_at)) FROM invites WHERE kind = 'reset'`), '3600');

    const link = linkIn(msg, '/reset/');
    const path_ = link.replace(/^https?:\/\/[^/]+/, '');
    const c = new Client(srv);
    assert.equal((await c.get(path_)).status, 200);
    const np = 'a brand new quiet password';
    const done = await c.post(path_, { password: np, password_confirm: np });
    assert.equal(done.status, 303, 'the new password is set');
    const again = new Client(srv);
    assert.equal((await again.get(path_)).status, 404, 'single use');
    const fresh = new Client(srv);
    await fresh.signIn(t.email, np);

    // A disabled account gets nothing, with the same answer.
    q(srv, `UPDATE users SET disabled_at = now() WHERE id = ${t.id}`);
    const dis = await anon.post('/password/forgot', { email: t.email });
    assert.equal(dis.status, 200);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(smtp.messages().length, 1, 'no message for a disabled account');

    // A bad address: a message at the field, what was typed kept.
    const bad = await anon.post('/password/forgot', { email: 'not an address' });
    assert.equal(bad.status, 422);
    assert.match(bad.body, /value="not an address"/);
    assert.match(bad.body, /id="email-error"/);
    const inj = await anon.post('/password/forgot', { email: 'a@example.org\r\nBcc: b@example.org' });
    assert.equal(inj.status, 422, 'CR/LF in an address is refused');
    const long = await anon.post('/password/forgot', { email: `${'a'.repeat(300)}@example.org` });
    assert.equal(long.status, 422, 'an overlong address is refused');
});

test('forgotten password is throttled per address', async () => {
    const smtp = await startSmtp();
    stops.push(() => smtp.stop());
    const srv = await mailServer(smtp);
    const t = await therapistOn(srv);
    const anon = new Client(srv);
    await anon.get('/password/forgot');
    for (let i = 0; i < 5; i++) assert.equal((await anon.post('/password/forgot', { email: t.email })).status, 200);
    await smtp.waitFor(3);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(smtp.messages().length, 3, 'three an hour for one address');
    const links = smtp.messages().map((m) => linkIn(m, '/reset/'));
    const c = new Client(srv);
    assert.equal((await c.get(links[0].replace(/^https?:\/\/[^/]+/, ''))).status, 404, 'a newer link replaces the older one');
    assert.equal((await c.get(links[2].replace(/^https?:\/\/[^/]+/, ''))).status, 200);
});

test('settings are checked at start, one line naming the variable; without SMTP_URL the pages say mail is off', async () => {
    const run = (extra) =>
        spawnSync(process.env.INTERLUDE_BIN, ['check'], { cwd: ROOT, env: { ...process.env, ...DATA_KEY_ENV, DATABASE_URL: 'postgres://unused@127.0.0.1/unused', ...extra }, encoding: 'utf8' });
    const cases = [
        [{ SMTP_URL: 'http://x:25', MAIL_FROM: 'a@example.org' }, /^interlude: SMTP_URL is not valid/],
        [{ SMTP_URL: 'smtp://127.0.0.1:25' }, /^interlude: MAIL_FROM is not set/],
        [{ SMTP_URL: 'smtp://127.0.0.1:25', MAIL_FROM: 'Name <not-an-address>' }, /^interlude: MAIL_FROM=.* is not valid/],
        [{ SMTP_URL: 'smtp://127.0.0.1:25', MAIL_FROM: 'Eve\nBcc: x@example.org <a@example.org>' }, /^interlude: MAIL_FROM has a line break/],
        [{ SMTP_URL: 'smtp://127.0.0.1:25', MAIL_FROM: 'a@example.org', MAIL_REQUIRE_TLS: 'maybe' }, /^interlude: MAIL_REQUIRE_TLS=maybe is not valid/],
        [{ SMTP_URL_FILE: '/nonexistent/smtp' }, /^interlude: SMTP_URL_FILE=\/nonexistent\/smtp cannot be read/],
    ];
    for (const [env, want] of cases) {
        const r = run(env);
        assert.equal(r.status, 2, `${JSON.stringify(env)}: ${r.stderr}`);
        assert.match(r.stderr, want);
        assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    }
    const secret = run({ SMTP_URL: 'ftp://user:s3cret@host', MAIL_FROM: 'a@example.org' });
    assert.ok(!secret.stderr.includes('s3cret'), 'the URL (and its password) is never echoed');

    const help = spawnSync(process.env.INTERLUDE_BIN, ['--help'], { encoding: 'utf8' });
    for (const v of ['SMTP_URL', 'SMTP_URL_FILE', 'MAIL_FROM', 'MAIL_REQUIRE_TLS', 'mail-test']) assert.match(help.stdout, new RegExp(v));

    const srv = await startServer();
    stops.push(() => srv.stop());
    const anon = new Client(srv);
    await anon.get('/login'); // a CSRF token (the page below has no form)
    const f = await anon.get('/password/forgot');
    assert.match(f.body, /id="mail-off"/);
    assert.equal((await anon.post('/password/forgot', { email: 'x@example.org' })).status, 200);
    assert.equal(q(srv, 'SELECT count(*) FROM outbox'), '0');
    const t = await therapistOn(srv);
    const res = await t.post('/clients/invites', { display_name: 'Offline Person', email: `off-${process.pid}@example.org` });
    assert.equal(res.status, 201);
    assert.match(res.body, /mail is off/);
});

test('a risk answer mails the therapist in the entry\'s transaction: a count and a link, no name, nothing written', async () => {
    const smtp = await startSmtp();
    stops.push(() => smtp.stop());
    const srv = await mailServer(smtp);
    const t = await therapistOn(srv);
    const client = await invitedPerson(srv, { kind: 'client', createdBy: t.id, name: 'Quinn Canaryclient' });
    const a = q(srv, `INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, due_date)
                      SELECT l.id, l.version_id, ${t.id}, ${client.id}, current_date, current_date + 7
                      FROM activity_latest l WHERE l.slug = 'phq-9' AND l.source = 'library' RETURNING id`);
    const form = await client.get(`/homework/${a}/practice`);
    const key = /name="idempotency_key" value="([^"]+)"/.exec(form.body)[1];
    const answers = Object.fromEntries([1, 1, 0, 0, 0, 0, 0, 0, 1].map((x, i) => [`phq9_${i + 1}`, String(x)]));
    const res = await client.post(`/homework/${a}/practice`, { ...answers, idempotency_key: key, action: 'submit' });
    assert.equal(res.status, 303);
    assert.equal(q(srv, `SELECT count(*) FROM attention_items WHERE kind = 'risk'`), '1', 'a risk item');
    assert.equal(q(srv, `SELECT count(*) FROM outbox WHERE kind = 'alert'`), '1', 'queued with the entry');
    const [msg] = await smtp.waitFor(1);
    assert.equal(msg.headers.to, `<${t.email}>`);
    assert.equal(msg.subject, 'A note from Quiet Room');
    assert.match(msg.text, /1 item\(s\)/);
    for (const w of ['Quinn', 'Canaryclient', 'PHQ', 'risk']) assert.ok(!`${msg.subject}${msg.text}${msg.html}`.includes(w), `"${w}" in the alert`);
});
