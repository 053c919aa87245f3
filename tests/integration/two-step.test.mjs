// two-step.test.mjs: two-step sign-in (TOTP) against the real server and
// PostgreSQL, with codes computed independently by Debian's oathtool:
// enrolment, the code step, replay, clock skew, recovery codes, throttling,
// switching it off, the sessions list, and the password-change fixes.
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

test('enrolment: QR code and key on the page, confirmed with a code, recovery codes once, secret sealed', async () => {
    const t = await therapist('Tess Enrol');
    const start = await t.postJson('/account/two-step');
    assert.equal(start.status, 200);
    const { secret, otpauth_uri: uri } = start.json;
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.ok(uri.startsWith('otpauth://totp/Interlude:'), uri);
    assert.ok(uri.includes(`secret=${secret}`));
    const page = await t.get('/account');
    assert.equal(page.status, 200);
    assert.match(page.body, /<svg class="qr"[^>]*role="img"/);
    assert.match(page.body, /<path d="M\d+ \d+h\d+v1h-\d+z/);
    assert.ok(page.body.includes(secret), 'the key is shown as text too');
    // Stored sealed: the secret's text is nowhere in the row.
    const stored = q(`SELECT encode(totp_secret, 'escape') FROM users WHERE id = ${t.id}`);
    assert.ok(!stored.includes(secret));
    assert.equal(q(`SELECT totp_enabled_at IS NULL FROM users WHERE id = ${t.id}`), 't');

    for (const bad of ['000000', '12345', '1234567', 'abcdef', '']) {
        const res = await t.post('/account/two-step/confirm', { code: bad });
        assert.equal(res.status, 422, `code ${JSON.stringify(bad)}`);
    }
    assert.equal(q(`SELECT totp_enabled_at IS NULL FROM users WHERE id = ${t.id}`), 't', 'still off');
    await midStep();
    const on = await t.post('/account/two-step/confirm', { code: code(secret) });
    assert.equal(on.status, 200);
    const shown = [...on.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]);
    assert.equal(shown.length, 10);
    assert.equal(new Set(shown).size, 10);
    for (const r of shown) assert.match(r, /^[a-z2-9]{5}-[a-z2-9]{5}$/);
    assert.equal(q(`SELECT count(*) FROM recovery_codes WHERE user_id = ${t.id}`), '10');
    const hashes = q(`SELECT string_agg(encode(code_hash, 'escape'), ',') FROM recovery_codes WHERE user_id = ${t.id}`);
    for (const r of shown) assert.ok(!hashes.includes(r), 'only hashes are stored');
    const again = await t.get('/account');
    assert.doesNotMatch(again.body, /<li><code>/, 'recovery codes are shown once');
    assert.match(again.body, /You have 10 unused recovery codes left/);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE actor_id = ${t.id} AND action = 'account.two_step_enabled'`), '1');
    // Starting again while it is on is refused.
    assert.equal((await t.postJson('/account/two-step')).status, 409);
});

test('with two-step on, the password alone reaches nothing but the code step', async () => {
    const t = await therapist('Tess Half');
    const { secret } = await enrol(t);
    const c = await half(t.email);
    const halfCookie = c.cookieHeader();
    for (const path of ['/clients', '/account', '/', '/library', `/clients/${t.id}`]) {
        const res = await c.get(path);
        assert.equal(res.status, 303, path);
        assert.equal(res.headers.location, '/login/code', path);
    }
    for (const path of ['/api/v1/clients', '/api/v1/account', '/api/v1/session']) {
        const res = await c.get(path);
        assert.equal(res.status, 403, path);
        assert.equal(JSON.parse(res.body).error.code, 'second_step_required');
        assert.doesNotMatch(res.body, /Tess/, 'nothing about the person leaks');
    }
    const pw = await c.post('/account/password', { current_password: PASSWORD, new_password: 'another long pass phrase', new_password_confirm: 'another long pass phrase' });
    assert.equal(pw.status, 303);
    assert.equal(pw.headers.location, '/login/code');
    assert.equal((await c.post('/account/two-step/disable', { code: code(secret) })).status, 303);
    assert.equal(q(`SELECT totp_enabled_at IS NOT NULL FROM users WHERE id = ${t.id}`), 't', 'still on');

    for (const bad of ['', '12345', '1234567', 'abcdef', '12 34', 'x'.repeat(200)]) {
        q('DELETE FROM login_failures'); // the throttle has its own test
        const res = await c.post('/login/code', { code: bad });
        assert.equal(res.status, 422, `code ${JSON.stringify(bad)}`);
    }
    q("DELETE FROM login_failures");
    await midStep();
    // One step ahead: the enrolment may have used the current step's code.
    const ok = await c.post('/login/code', { code: code(secret, 30) });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.location, '/');
    assert.notEqual(c.cookieHeader(), halfCookie, 'the session token is rotated');
    assert.equal((await c.get('/clients')).status, 200);
    // The half session's cookie is gone for good.
    const old = new Client(srv);
    old.cookies = new Map(halfCookie.split('; ').map((kv) => kv.split('=')));
    assert.equal((await old.get('/clients')).status, 303);
    assert.equal((await old.get('/clients')).headers.location, '/login');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE actor_id = ${t.id} AND action = 'login.password_ok'`), '1');
    assert.ok(Number(q(`SELECT count(*) FROM audit_log WHERE actor_id = ${t.id} AND action = 'login.failure'`)) >= 6);
});

test('a code, or an earlier step, is never accepted twice; one step of skew either way, not two', async () => {
    const t = await therapist('Tess Replay');
    const { secret } = await enrol(t);
    const last = Number(q(`SELECT totp_last_step FROM users WHERE id = ${t.id}`));
    const now = () => Math.floor(Date.now() / 30000);
    let c = await half(t.email);
    assert.equal((await c.post('/login/code', { code: codeAt(secret, last) })).status, 422, 'replay of the confirming code');
    assert.equal((await c.post('/login/code', { code: codeAt(secret, last - 1) })).status, 422, 'an earlier step');
    await midStep();
    let cur = now();
    assert.equal((await c.post('/login/code', { code: codeAt(secret, cur + 2) })).status, 422, 'two steps ahead');
    assert.equal((await c.post('/login/code', { code: codeAt(secret, cur + 1) })).status, 303, 'one step ahead');
    q('DELETE FROM login_failures');
    c = await half(t.email);
    assert.equal((await c.post('/login/code', { code: codeAt(secret, cur + 1) })).status, 422, 'the same code again');
    // One step behind, once the last step used is put back (as if a minute had passed).
    q(`UPDATE users SET totp_last_step = 0 WHERE id = ${t.id}`);
    await midStep();
    cur = now();
    assert.equal((await c.post('/login/code', { code: codeAt(secret, cur - 2) })).status, 422, 'two steps behind');
    assert.equal((await c.post('/login/code', { code: codeAt(secret, cur - 1) })).status, 303, 'one step behind');
    q('DELETE FROM login_failures');
});

test('a recovery code works once and the page says how many are left', async () => {
    const t = await therapist('Tess Recovery');
    const { recovery } = await enrol(t);
    const c = await half(t.email);
    const ok = await c.post('/login/code', { code: recovery[0].toUpperCase() });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.location, '/account?done=recovery');
    const page = await c.get(ok.headers.location);
    assert.match(page.body, /You have 9 unused recovery codes left/);
    assert.match(page.body, /recovery code/);
    const d = await half(t.email);
    assert.equal((await d.post('/login/code', { code: recovery[0] })).status, 422, 'used once only');
    const j = await d.postJson('/login/code', { code: recovery[1].replace('-', '') });
    assert.equal(j.status, 200);
    assert.equal(j.json.recovery_codes_left, 8);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE actor_id = ${t.id} AND action = 'login.recovery_code'`), '2');
    q('DELETE FROM login_failures');
});
