// auth.test.mjs: first admin, sign-in, sessions, CSRF, passwords, throttling
// and the audit log, against the real server and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, request, psql, ROOT, query } from '../lib/harness.mjs';
import { Client, createAdmin, PASSWORD } from '../lib/client.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv;
before(async () => {
    srv = await startServer({ env: { SESSION_IDLE_SECONDS: '3' } });
    createAdmin(srv);
});
after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

const q = (sql) => query(srv, sql);

test('the first start logs a one-time setup link that works once', async () => {
    const fresh = await startServer();
    try {
        const line = await fresh.waitForLog(/setup_url/);
        const link = JSON.parse(line).setup_url;
        assert.match(link, /\/setup\/[A-Za-z0-9_-]{43}$/);
        const path = link.replace(/^https?:\/\/[^/]+/, '');
        const c = new Client(fresh);
        assert.equal((await c.get(path)).status, 200);
        const weak = await c.post(path, { display_name: 'Ada', email: 'ada@example.org', password: 'short', password_confirm: 'short' });
        assert.equal(weak.status, 422);
        assert.match(weak.body, /at least 12 characters/);
        assert.match(weak.body, /value="ada@example.org"/, 'what was typed is kept');
        assert.doesNotMatch(weak.body, /value="short"/, 'the password is never sent back');
        const ok = await c.post(path, { display_name: 'Ada', email: 'ada@example.org', password: PASSWORD, password_confirm: PASSWORD });
        assert.equal(ok.status, 303);
        assert.equal((await c.get('/admin/users')).status === 200 || (await c.get('/account')).status === 200, true);
        const again = new Client(fresh);
        assert.equal((await again.get(path)).status, 404, 'the link works once');
        assert.equal(psql(fresh.dbUrl, "SELECT count(*) FROM users WHERE role = 'admin'").trim(), '1');
        const hash = psql(fresh.dbUrl, 'SELECT token_hash FROM invites').trim();
        assert.ok(!hash.includes(path.split('/').pop()), 'only the hash of the token is stored');
    } finally {
        assert.equal(await fresh.stop(), 0);
    }
});

test('no setup link once an administrator exists', async () => {
    const again = await startServer({ dbUrl: srv.dbUrl });
    await sleep(300);
    assert.ok(!again.logs.some((l) => l.includes('setup_url')));
    assert.equal(await again.stop(), 0);
});

test('create-admin refuses a weak password and reads it from stdin only', () => {
    let code = 0;
    let err = '';
    try {
        execFileSync(process.env.INTERLUDE_BIN, ['create-admin', '--email', 'weak@example.org'], {
            cwd: ROOT, input: 'password\n', env: { ...process.env, DATABASE_URL: srv.dbUrl }, stdio: 'pipe',
        });
    } catch (e) {
        code = e.status;
        err = e.stderr.toString();
    }
    assert.notEqual(code, 0);
    assert.match(err, /12 characters/);
    assert.equal(q("SELECT count(*) FROM users WHERE email = 'weak@example.org'"), '0');
});

test('stored hashes are Argon2id with m >= 19456 KiB and t >= 2', () => {
    const hash = q("SELECT password_hash FROM users WHERE email = 'admin@example.org'");
    const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]+$/.exec(hash);
    assert.ok(m, hash.slice(0, 40));
    assert.ok(Number(m[1]) >= 19456);
    assert.ok(Number(m[2]) >= 2);
});

test('sign in, then the pre-login cookie is worthless (no session fixation)', async () => {
    const c = new Client(srv);
    await c.get('/login');
    const before = c.cookieHeader();
    assert.ok(before.includes('interlude='), 'an anonymous session carries the form token');
    const res = await c.post('/login', { email: 'admin@example.org', password: PASSWORD });
    assert.equal(res.status, 303);
    assert.notEqual(c.cookieHeader(), before, 'a new token at login');
    const old = await request(`${srv.url}/api/v1/session`, { headers: { Cookie: before } });
    assert.equal(JSON.parse(old.body).signed_in, false);
    const now = await request(`${srv.url}/api/v1/session`, { headers: { Cookie: c.cookieHeader() } });
    assert.equal(JSON.parse(now.body).signed_in, true);
    assert.match(res.headers['set-cookie'][0], /HttpOnly/);
    assert.match(res.headers['set-cookie'][0], /SameSite=Strict/);
    assert.match(res.headers['set-cookie'][0], /Path=\//);
});

test('logout deletes the session on the server', async () => {
    const c = await new Client(srv).signIn('admin@example.org');
    const cookie = c.cookieHeader();
    assert.equal((await c.post('/logout')).status, 303);
    const after = await request(`${srv.url}/account`, { headers: { Cookie: cookie } });
    assert.equal(after.status, 303);
    assert.equal(after.headers.location, '/login');
});

test('an idle session expires (SESSION_IDLE_SECONDS=3)', async () => {
    const c = await new Client(srv).signIn('admin@example.org');
    assert.equal((await c.get('/account')).status, 200);
    await sleep(4500);
    const res = await c.get('/account');
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/login');
});

test('pages that need a session: HTML redirects to /login, JSON says 401', async () => {
    const anon = new Client(srv);
    const html = await anon.get('/account');
    assert.equal(html.status, 303);
    const json = await anon.get('/api/v1/account');
    assert.equal(json.status, 401);
    assert.equal(JSON.parse(json.body).error.code, 'signin_required');
});

test('CSRF: no token, or another session\'s token -> 403, nothing changes', async () => {
    const a = await new Client(srv).signIn('admin@example.org');
    const b = await new Client(srv).signIn('admin@example.org');
    const count = () => q("SELECT count(*) FROM sessions WHERE user_id = (SELECT id FROM users WHERE email = 'admin@example.org')");
    const n = count();
    assert.equal((await a.post('/logout', {}, { csrf: false })).status, 403);
    assert.equal((await a.post('/logout', {}, { csrf: b.csrf })).status, 403);
    assert.equal((await a.post('/account/sessions/end-others', {}, { csrf: 'x'.repeat(43) })).status, 403);
    assert.equal(count(), n, 'no session was ended');
    const viaJson = await a.postJson('/logout', {}, { csrf: false });
    assert.equal(viaJson.status, 403);
    assert.equal((await a.get('/account')).status, 200, 'still signed in');
    // The login form is protected too.
    const anon = new Client(srv);
    const r = await anon.post('/login', { email: 'admin@example.org', password: PASSWORD }, { csrf: false });
    assert.equal(r.status, 403);
});

test('the JSON API: session token, sign in with X-CSRF-Token', async () => {
    const c = new Client(srv);
    const s = await c.getJson('/session');
    assert.equal(s.json.signed_in, false);
    assert.ok(s.json.csrf);
    const res = await c.postJson('/login', { email: 'admin@example.org', password: PASSWORD });
    assert.equal(res.status, 200);
    const me = await c.getJson('/session');
    assert.equal(me.json.signed_in, true);
    assert.equal(me.json.user.role, 'admin');
});

test('unknown e-mail and wrong password get identical answers', async () => {
    const c = new Client(srv);
    await c.getJson('/session');
    const unknown = await c.postJson('/login', { email: 'nobody@example.org', password: 'wrong password here' });
    const wrong = await c.postJson('/login', { email: 'admin@example.org', password: 'wrong password here' });
    assert.equal(unknown.status, wrong.status);
    assert.equal(unknown.body, wrong.body);
    const h = new Client(srv);
    await h.get('/login');
    const hu = await h.post('/login', { email: 'nobody@example.org', password: 'wrong password here' });
    const hw = await h.post('/login', { email: 'admin@example.org', password: 'wrong password here' });
    assert.equal(hu.status, 422);
    assert.equal(hu.status, hw.status);
    assert.equal(hu.body.replace('nobody@example.org', 'E'), hw.body.replace('admin@example.org', 'E'));
    assert.match(hu.body, /e-mail address or password is not right/);
    q("DELETE FROM login_failures");
});

test('failed sign-ins are throttled per account, across processes', async () => {
    createAdmin(srv, 'throttle@example.org');
    const c = new Client(srv);
    await c.get('/login');
    for (let i = 0; i < 5; i++) {
        const r = await c.post('/login', { email: 'throttle@example.org', password: 'not the password' });
        assert.equal(r.status, 422);
    }
    const blocked = await c.post('/login', { email: 'throttle@example.org', password: PASSWORD });
    assert.equal(blocked.status, 429, 'even the right password waits');
    assert.match(blocked.body, /Please wait 15 minutes/);
    assert.equal(blocked.headers['retry-after'], '900');
    // A second process on the same database sees the same count.
    const other = await startServer({ dbUrl: srv.dbUrl });
    try {
        const c2 = new Client(other);
        await c2.get('/login');
        assert.equal((await c2.post('/login', { email: 'throttle@example.org', password: PASSWORD })).status, 429);
    } finally {
        assert.equal(await other.stop(), 0);
    }
    q("DELETE FROM login_failures");
    assert.equal((await c.post('/login', { email: 'throttle@example.org', password: PASSWORD })).status, 303);
});

test('strangers failing from the same address do not lock out a device that signed in before', async () => {
    q('DELETE FROM login_failures');
    createAdmin(srv, 'device@example.org');
    // This device signed in before: it carries the device cookie.
    const mine = await new Client(srv).signIn('device@example.org');
    assert.match(mine.cookieHeader(), /interlude-device=\d+\.[0-9a-f]{32}/);
    await mine.post('/logout');
    // 30 failed sign-ins to made-up accounts from the same address (all
    // of these tests come from 127.0.0.1: one NAT, one Docker bridge).
    const stranger = new Client(srv);
    await stranger.get('/login');
    for (let i = 0; i < 30; i++) {
        assert.equal((await stranger.post('/login', { email: `made-up-${i}@example.org`, password: 'guessing away' })).status, 422);
    }
    const fresh = new Client(srv);
    await fresh.get('/login');
    const held = await fresh.post('/login', { email: 'device@example.org', password: PASSWORD });
    assert.equal(held.status, 429, 'a new device waits, as before');
    assert.equal(held.headers['retry-after'], '900');
    await mine.get('/login');
    assert.equal((await mine.post('/login', { email: 'device@example.org', password: PASSWORD })).status, 303, 'the known device signs in');
    assert.equal((await mine.get('/account')).status, 200);
    // The cookie is for that account only.
    const borrowed = new Client(srv);
    borrowed.cookies.set('interlude-device', /interlude-device=([^;]+)/.exec(mine.cookieHeader())[1]);
    await borrowed.get('/login');
    createAdmin(srv, 'other-device@example.org');
    assert.equal((await borrowed.post('/login', { email: 'other-device@example.org', password: PASSWORD })).status, 429);
    // The per-account limit still holds, device cookie or not.
    await mine.post('/logout');
    await mine.get('/login');
    for (let i = 0; i < 5; i++) {
        assert.equal((await mine.post('/login', { email: 'device@example.org', password: 'not the password' })).status, 422);
    }
    assert.equal((await mine.post('/login', { email: 'device@example.org', password: PASSWORD })).status, 429);
    q('DELETE FROM login_failures');
});

test('changing the password ends other sessions; sign out everywhere', async () => {
    createAdmin(srv, 'changer@example.org');
    const a = await new Client(srv).signIn('changer@example.org');
    const b = await new Client(srv).signIn('changer@example.org');
    const bad = await a.post('/account/password', { current_password: 'wrong wrong wrong', new_password: 'x', new_password_confirm: 'y' });
    assert.equal(bad.status, 422);
    assert.match(bad.body, /current password is not right/);
    const next = 'evening tide slow lantern';
    const ok = await a.post('/account/password', { current_password: PASSWORD, new_password: next, new_password_confirm: next });
    assert.equal(ok.status, 303);
    assert.equal((await a.get('/account')).status, 200, 'this session stays');
    assert.equal((await b.get('/account')).status, 303, 'the other one ended');
    const c = await new Client(srv).signIn('changer@example.org', next);
    assert.equal((await a.post('/account/sessions/end-others')).status, 303);
    assert.equal((await c.get('/account')).status, 303);
    assert.equal((await a.get('/account')).status, 200);
});

test('a common password is refused', async () => {
    createAdmin(srv, 'common@example.org');
    const a = await new Client(srv).signIn('common@example.org');
    const r = await a.post('/account/password', { current_password: PASSWORD, new_password: 'passwordpassword', new_password_confirm: 'passwordpassword' });
    assert.equal(r.status, 422);
    assert.match(r.body, /commonly used/);
});

test('the audit log records sign-ins and refuses UPDATE and DELETE', async () => {
    const c = new Client(srv);
    await c.get('/login');
    await c.post('/login', { email: 'admin@example.org', password: 'not it at all' });
    await c.post('/login', { email: 'admin@example.org', password: PASSWORD });
    await c.get('/account');
    await c.post('/logout');
    const actions = q('SELECT string_agg(DISTINCT action, \',\') FROM audit_log');
    for (const a of ['login.failure', 'login.success', 'logout']) assert.ok(actions.includes(a), a);
    assert.equal(q("SELECT count(*) FROM audit_log WHERE action = 'login.success' AND ip IS NULL"), '0');
    for (const sql of ['UPDATE audit_log SET action = \'x\'', 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
        assert.throws(() => psql(srv.dbUrl, sql), /append-only/, sql);
    }
    q("DELETE FROM login_failures");
});

test('hashing slots: a burst beyond capacity gets 503 with Retry-After, no crash', async () => {
    // One slot and a costly hash: most of a burst of sign-ins must wait, and
    // those that cannot get a slot in time are told to retry.
    const busy = await startServer({ dbUrl: srv.dbUrl, env: { HASH_SLOTS: '1', ARGON2_MEMORY_KIB: '262144', ARGON2_ITERATIONS: '3' } });
    try {
        const clients = await Promise.all(Array.from({ length: 16 }, async () => {
            const c = new Client(busy);
            await c.get('/login');
            return c;
        }));
        const results = await Promise.all(clients.map((c, i) =>
            c.post('/login', { email: `nobody${i}@example.org`, password: 'not the password' })));
        const statuses = results.map((r) => r.status);
        assert.ok(statuses.every((s) => s === 422 || s === 503), statuses.join(','));
        const refused = results.filter((r) => r.status === 503);
        assert.ok(refused.length > 0, `some were refused: ${statuses.join(',')}`);
        assert.ok(refused.every((r) => r.headers['retry-after']));
        assert.equal((await request(`${busy.url}/healthz`)).status, 200);
    } finally {
        assert.equal(await busy.stop(), 0);
        q("DELETE FROM login_failures");
    }
});

test('TRUST_PROXY=1 takes the client address from the proxy\'s X-Forwarded-For entry', async () => {
    const behind = await startServer({ dbUrl: srv.dbUrl, env: { TRUST_PROXY: '1' } });
    const direct = await startServer({ dbUrl: srv.dbUrl });
    try {
        for (const [s, email] of [[behind, 'proxied@example.org'], [direct, 'direct@example.org']]) {
            const c = new Client(s);
            await c.get('/login');
            await c.post('/login', { email, password: 'not the password' },
                { headers: { 'X-Forwarded-For': '198.51.100.7, 203.0.113.9' } });
        }
        assert.equal(q("SELECT ip FROM login_failures WHERE email_norm = 'proxied@example.org'"), '203.0.113.9');
        assert.equal(q("SELECT ip FROM login_failures WHERE email_norm = 'direct@example.org'"), '127.0.0.1');
    } finally {
        assert.equal(await behind.stop(), 0);
        assert.equal(await direct.stop(), 0);
        q('DELETE FROM login_failures');
    }
});
