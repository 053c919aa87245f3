// two-step-account.test.mjs: two-step sign-in (TOTP), the rest of it (see
// two-step.test.mjs; split so each file stays within the per-file time
// limit on a loaded machine): throttling, switching it off, the sessions
// list, the password-change fixes, lost devices and create-admin --totp.
// Codes come from Debian's oathtool.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, ROOT, DATA_KEY_ENV, query } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson, PASSWORD } from '../lib/client.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv;
let adminId;
before(async () => {
    srv = await startServer();
    createAdmin(srv);
    adminId = q("SELECT id FROM users WHERE role = 'admin'");
});
after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

const q = (sql) => query(srv, sql);

// The code for `secret` at now + offset seconds, from oathtool.
function code(secret, offset = 0) {
    const at = Math.floor(Date.now() / 1000) + offset;
    return execFileSync('/usr/bin/oathtool', ['--totp', '-b', '-N', `@${at}`, secret], { encoding: 'utf8' }).trim();
}

// The code of a given 30-second step (its middle), from oathtool.
function codeAt(secret, step) {
    return execFileSync('/usr/bin/oathtool', ['--totp', '-b', '-N', `@${step * 30 + 15}`, secret], { encoding: 'utf8' }).trim();
}

// Waits, if needed, so that the next few seconds stay inside one 30-second
// step (a code computed now is then judged in the same step by the server).
async function midStep() {
    const s = (Date.now() / 1000) % 30;
    if (s > 24) await sleep((31 - s) * 1000);
}

async function therapist(name) {
    return invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name });
}

// Enrols c (signed in): returns { secret, recovery }.
async function enrol(c) {
    const start = await c.postJson('/account/two-step');
    assert.equal(start.status, 200, start.body);
    const { secret, otpauth_uri: uri } = start.json;
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await midStep();
    const on = await c.postJson('/account/two-step/confirm', { code: code(secret) });
    assert.equal(on.status, 200, on.body);
    return { secret, uri, recovery: on.json.recovery_codes };
}

// Signs in with the password only: a half-signed-in client.
async function half(email) {
    const c = new Client(srv);
    await c.get('/login');
    const res = await c.post('/login', { email, password: PASSWORD });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/login/code');
    const form = await c.get('/login/code');
    assert.equal(form.status, 200);
    return c;
}

test('wrong codes are throttled with the password failures', async () => {
    const t = await therapist('Tess Throttle');
    const { secret } = await enrol(t);
    const c = await half(t.email);
    for (let i = 0; i < 5; i++) assert.equal((await c.post('/login/code', { code: '000000' })).status, 422);
    await midStep();
    const locked = await c.post('/login/code', { code: code(secret, 30) });
    assert.equal(locked.status, 429, 'even the right code waits');
    assert.equal(locked.headers['retry-after'], '900');
    // The password step of the same account is locked too.
    const d = new Client(srv);
    await d.get('/login');
    assert.equal((await d.post('/login', { email: t.email, password: PASSWORD })).status, 429);
    q('DELETE FROM login_failures');
});

test('switching it off takes a current code', async () => {
    const t = await therapist('Tess Off');
    const { secret } = await enrol(t);
    assert.equal((await t.post('/account/two-step/disable', { code: '123456' })).status, 422);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE actor_id = ${t.id} AND action = 'account.two_step_failure'`), '1');
    await midStep();
    const off = await t.post('/account/two-step/disable', { code: code(secret, 30) });
    assert.equal(off.status, 303);
    assert.equal(q(`SELECT totp_secret IS NULL AND totp_enabled_at IS NULL FROM users WHERE id = ${t.id}`), 't');
    assert.equal(q(`SELECT count(*) FROM recovery_codes WHERE user_id = ${t.id}`), '0');
    const c = new Client(srv);
    await c.signIn(t.email);
    assert.equal((await c.get('/clients')).status, 200, 'the password alone signs in again');
    q('DELETE FROM login_failures');
});

test('the account page lists sessions and ends any one of them, only one\'s own', async () => {
    const t = await therapist('Tess Devices');
    const other = new Client(srv);
    await other.signIn(t.email);
    const page = await t.get('/account');
    const ids = [...page.body.matchAll(/action="\/account\/sessions\/(\d+)\/end"/g)].map((m) => m[1]);
    const otherId = q(`SELECT max(id) FROM sessions WHERE user_id = ${t.id}`);
    // The other session has its own button; this device's row signs out.
    assert.deepEqual(ids, [otherId]);
    assert.match(page.body, /\(this device\)<\/strong><\/td>(?:<td>[^<]*<\/td>){3}<td><form method="post" action="\/logout">/);
    const stranger = await therapist('Tess Stranger');
    assert.equal((await stranger.post(`/account/sessions/${otherId}/end`)).status, 404, 'not someone else\'s');
    assert.equal((await other.get('/clients')).status, 200);
    const end = await t.post(`/account/sessions/${otherId}/end`);
    assert.equal(end.status, 303);
    assert.equal((await other.get('/clients')).headers.location, '/login', 'that session is over');
    assert.equal((await t.get('/clients')).status, 200, 'this one goes on');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE actor_id = ${t.id} AND action = 'account.session_ended' AND object_id = ${otherId}`), '1');
});

test('wrong current passwords count as sign-in failures and are audited; a change rotates the session', async () => {
    const t = await therapist('Tess Password');
    for (let i = 0; i < 5; i++) {
        const res = await t.post('/account/password', { current_password: `wrong guess ${i}`, new_password: 'another long pass phrase', new_password_confirm: 'another long pass phrase' });
        assert.equal(res.status, 422);
    }
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE actor_id = ${t.id} AND action = 'account.password_failure'`), '5');
    const locked = await t.post('/account/password', { current_password: PASSWORD, new_password: 'another long pass phrase', new_password_confirm: 'another long pass phrase' });
    assert.equal(locked.status, 429, 'the right password waits too');
    const d = new Client(srv);
    await d.get('/login');
    assert.equal((await d.post('/login', { email: t.email, password: PASSWORD })).status, 429, 'so does signing in');
    q('DELETE FROM login_failures');

    const before = t.cookieHeader();
    const ok = await t.post('/account/password', { current_password: PASSWORD, new_password: 'another long pass phrase', new_password_confirm: 'another long pass phrase' });
    assert.equal(ok.status, 303);
    assert.notEqual(t.cookieHeader(), before, 'a new session token');
    assert.equal((await t.get('/account')).status, 200);
    const copied = new Client(srv);
    copied.cookies = new Map(before.split('; ').map((kv) => kv.split('=')));
    const res = await copied.get('/account');
    assert.equal(res.status, 303, 'a cookie copied before the change no longer works');
    assert.equal(res.headers.location, '/login');
});

test('a lost device: an admin resets another person\'s second factor, a therapist their client\'s; audited, sessions end', async () => {
    const t = await therapist('Tess Lost');
    await enrol(t);
    const admin = await new Client(srv).signIn('admin@example.org');
    const res = await admin.post(`/admin/users/${t.id}/two-step/reset`);
    assert.equal(res.status, 303);
    assert.equal(q(`SELECT totp_secret IS NULL AND totp_enabled_at IS NULL FROM users WHERE id = ${t.id}`), 't');
    assert.equal(q(`SELECT count(*) FROM recovery_codes WHERE user_id = ${t.id}`), '0');
    assert.equal(q(`SELECT count(*) FROM sessions WHERE user_id = ${t.id}`), '0', 'their sessions end');
    assert.equal((await t.get('/clients')).headers.location, '/login');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE actor_id = ${adminId} AND action = 'account.two_step_reset' AND object_id = ${t.id}`), '1');
    assert.equal((await admin.post(`/admin/users/${adminId}/two-step/reset`)).status, 403, 'not one\'s own');

    const t2 = await therapist('Tess Care');
    const client = await invitedPerson(srv, { kind: 'client', createdBy: t2.id, name: 'Cal Client' });
    await enrol(client);
    const other = await therapist('Tess Other');
    assert.equal((await other.post(`/clients/${client.id}/two-step/reset`)).status, 404, 'not another therapist\'s client');
    assert.equal(q(`SELECT totp_enabled_at IS NOT NULL FROM users WHERE id = ${client.id}`), 't');
    const ok = await t2.post(`/clients/${client.id}/two-step/reset`);
    assert.equal(ok.status, 303);
    assert.equal(q(`SELECT totp_enabled_at IS NULL FROM users WHERE id = ${client.id}`), 't');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'account.two_step_reset' AND object_id = ${client.id} AND subject_id = ${client.id}`), '1');
    const c = new Client(srv);
    await c.signIn(client.email);
    assert.equal((await c.get('/')).status, 200, 'the password alone signs in again, to enrol anew');
});

test('create-admin --totp prints an enrolment secret that signs in, and recovery codes', async () => {
    const out = execFileSync(process.env.INTERLUDE_BIN, ['create-admin', '--email', 'scripted@example.org', '--name', 'Scripted Admin', '--totp'], {
        cwd: ROOT,
        input: `${PASSWORD}\n`,
        env: { ...process.env, ...DATA_KEY_ENV, DATABASE_URL: srv.dbUrl },
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'pipe'],
    });
    const secret = /two-step secret \(base32\): ([A-Z2-7]{32})/.exec(out)?.[1];
    assert.ok(secret, out);
    assert.match(out, /otpauth:\/\/totp\/Interlude:scripted%40example\.org\?secret=/);
    assert.equal(out.match(/[a-z2-9]{5}-[a-z2-9]{5}/g).length, 10);
    const c = await half('scripted@example.org');
    await midStep();
    const ok = await c.post('/login/code', { code: code(secret) });
    assert.equal(ok.status, 303);
    assert.equal((await c.get('/admin/users')).status, 200);
    // The log never carries the secret.
    assert.ok(!srv.logs.some((l) => l.includes(secret)));
});
