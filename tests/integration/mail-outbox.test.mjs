// mail-outbox.test.mjs: the outbox against a real SMTP server (aiosmtpd
// writing a Maildir) when the relay is down, defers (451), refuses, or
// speaks STARTTLS; two nodes and a killed node. (mail.test.mjs: what is
// sent, and how it reads; split so each file keeps within node's 60 s.)
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

test('the relay down: messages wait, then go when it is back, none lost, none twice', async () => {
    const port = await freePort();
    const srv = await mailServer({ url: `smtp://127.0.0.1:${port}` });
    const t = await therapistOn(srv);
    for (let i = 0; i < 3; i++) assert.equal((await t.post('/clients/invites', { display_name: `Person ${i}`, email: `down-${i}-${process.pid}@example.org` })).status, 201);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(q(srv, `SELECT count(*) FROM outbox WHERE status = 'queued' AND tries >= 1 AND last_error IS NOT NULL`), '3', 'tried, deferred');

    const admin = new Client(srv);
    const adm = createAdmin(srv, `watch-${process.pid}@example.org`);
    await admin.signIn(adm.email);
    const page = await admin.get('/admin/mail');
    assert.equal(page.status, 200);
    assert.match(page.body, /id="mail-retrying">3</);
    assert.ok(!page.body.includes(`down-0-${process.pid}`), 'no address on the admin page');

    const smtp = await startSmtp({ port });
    stops.push(() => smtp.stop());
    q(srv, `UPDATE outbox SET next_at = now()`); // skip the rest of the backoff
    const msgs = await smtp.waitFor(3);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(smtp.messages().length, 3, 'none twice');
    assert.equal(new Set(msgs.map((m) => m.headers.to)).size, 3, 'none lost');
    assert.equal(q(srv, `SELECT count(*) FROM outbox WHERE status = 'sent' AND body_enc IS NULL`), '3');
});

test('451 then 250: retried with the same Message-ID; a message that keeps failing is shown to the admin', async () => {
    const smtp = await startSmtp({ failFirst: 1 });
    stops.push(() => smtp.stop());
    const srv = await mailServer(smtp, { env: { MAIL_MAX_TRIES: '3' } });
    const t = await therapistOn(srv);
    assert.equal((await t.post('/clients/invites', { display_name: 'Retry Person', email: `retry-${process.pid}@example.org` })).status, 201);
    const [msg] = await smtp.waitFor(1, 20000);
    assert.equal(q(srv, `SELECT tries || ':' || status || ':' || message_id FROM outbox`), `2:sent:${msg.headers['message-id']}`);

    // A relay that defers every time: failed after MAIL_MAX_TRIES.
    const always = await startSmtp({ failFirst: 1000 });
    stops.push(() => always.stop());
    const srv2 = await mailServer(always, { env: { MAIL_MAX_TRIES: '2' } });
    const t2 = await therapistOn(srv2);
    assert.equal((await t2.post('/clients/invites', { display_name: 'Never Person', email: `never-${process.pid}@example.org` })).status, 201);
    const until = Date.now() + 20000;
    while (q(srv2, `SELECT count(*) FROM outbox WHERE status = 'failed'`) !== '1') {
        assert.ok(Date.now() < until, 'marked failed');
        await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(q(srv2, `SELECT (body_enc IS NULL) || ':' || last_error FROM outbox`), 'true:the relay answered 451');
    const adm = createAdmin(srv2, `fails-${process.pid}@example.org`);
    const a = new Client(srv2);
    await a.signIn(adm.email);
    const page = await a.get('/admin/mail');
    assert.match(page.body, /the relay answered 451/);
    assert.match(page.body, /id="mail-failed">1</);
    assert.ok(!page.body.includes(`never-${process.pid}`), 'no address');
});

test('two nodes on one database send each message exactly once; a node killed with messages waiting leaves them to the other', async () => {
    const port = await freePort();
    const a = await mailServer({ url: `smtp://127.0.0.1:${port}` });
    const t = await therapistOn(a);
    for (let i = 0; i < 12; i++) assert.equal((await t.post('/clients/invites', { display_name: `Node Person ${i}`, email: `node-${i}-${process.pid}@example.org` })).status, 201);
    await a.stop('SIGKILL', { expectCode: null }).catch(() => {});
    const smtp = await startSmtp({ port });
    stops.push(() => smtp.stop());
    const b = await mailServer(smtp, { dbUrl: a.dbUrl });
    const c = await mailServer(smtp, { dbUrl: a.dbUrl });
    q(b, `UPDATE outbox SET next_at = now()`);
    const t2 = await therapistOn(b);
    for (let i = 12; i < 24; i++) assert.equal((await t2.post('/clients/invites', { display_name: `Node Person ${i}`, email: `node-${i}-${process.pid}@example.org` })).status, 201);
    await smtp.waitFor(24, 30000);
    await new Promise((r) => setTimeout(r, 1500));
    const msgs = smtp.messages();
    assert.equal(msgs.length, 24, 'each once');
    assert.equal(new Set(msgs.map((m) => m.headers.to)).size, 24);
    assert.equal(new Set(msgs.map((m) => m.headers['message-id'])).size, 24);
    void c;
});

test('STARTTLS with a throwaway certificate; MAIL_REQUIRE_TLS refuses a relay without it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlude-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const smtp = await startSmtp({ tls: { cert, key } });
    stops.push(() => smtp.stop());
    const env = { ...process.env, ...DATA_KEY_ENV, DATABASE_URL: 'postgres://unused@127.0.0.1/unused', ...MAIL_ENV(smtp), SMTP_CA_FILE: cert, MAIL_REQUIRE_TLS: '1' };
    const ok = spawnSync(process.env.INTERLUDE_BIN, ['mail-test', '--to', 'tls@example.org'], { cwd: ROOT, env, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    const [msg] = await smtp.waitFor(1);
    assert.equal(msg.headers.to, '<tls@example.org>');

    const plain = await startSmtp();
    stops.push(() => plain.stop());
    const no = spawnSync(process.env.INTERLUDE_BIN, ['mail-test', '--to', 'tls@example.org'], { cwd: ROOT, env: { ...env, SMTP_URL: plain.url }, encoding: 'utf8' });
    assert.equal(no.status, 1, 'no TLS offered: not sent');
    assert.equal(plain.messages().length, 0);
});

