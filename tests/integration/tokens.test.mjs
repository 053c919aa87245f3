// tokens.test.mjs: personal API tokens for scripts (issue 16). Made on
// /account by therapists and administrators, shown once, stored as a hash,
// revocable; "Authorization: Bearer" on /api/v1 acts as the person with the
// token's scope and no CSRF token; never on HTML pages or account routes;
// every request audited with the token's id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer, request, query } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson, setTwoStepPolicy } from '../lib/client.mjs';

let srv;
let adminId;
let admin;
let T; // a therapist
let C; // T's client
let T2; // another therapist

const q = (sql) => query(srv, sql);

// A request with "Authorization: <auth>" and nothing else (no cookie).
async function withToken(auth, path, { method = 'GET', body, headers = {} } = {}) {
    const h = { Authorization: auth, ...headers };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const res = await request(`${srv.url}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    let json = null;
    if (/json/.test(res.headers['content-type'] ?? '')) json = JSON.parse(res.body);
    return { ...res, json };
}
const bearer = (token) => `Bearer ${token}`;

// Makes a token as c (signed in) through the JSON twin; returns the answer.
async function makeToken(c, { name = 'nightly export', scope = 'read', days = '30' } = {}) {
    const res = await c.postJson('/account/tokens', { name, scope, expires_in_days: days });
    assert.equal(res.status, 201, res.body);
    return res.json;
}

function auditCount(tokenId, action) {
    return Number(q(`SELECT count(*) FROM audit_log WHERE token_id = ${tokenId}${action ? ` AND action = '${action}'` : ''}`));
}

function assertInvalid(res, what) {
    assert.equal(res.status, 401, `${what}: ${res.status} ${res.body}`);
    assert.match(res.headers['www-authenticate'] ?? '', /^Bearer realm="interlude", error="invalid_token"$/, what);
    assert.equal(res.json?.error?.code, 'invalid_token', what);
}

before(async () => {
    srv = await startServer();
    createAdmin(srv);
    adminId = q("SELECT id FROM users WHERE role = 'admin'");
    admin = await new Client(srv).signIn('admin@example.org');
    T = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Tess Token' });
    T2 = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Theo Token' });
    C = await invitedPerson(srv, { kind: 'client', createdBy: T.id, name: 'Casey' });
});

after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

test('clients cannot make tokens, and their account page offers none', async () => {
    const res = await C.postJson('/account/tokens', { name: 'x', scope: 'read', expires_in_days: '30' });
    assert.equal(res.status, 403);
    const page = await C.get('/account');
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /API tokens/);
    assert.equal(q(`SELECT count(*) FROM api_tokens WHERE user_id = ${C.id}`), '0');
    // A client's token written straight into the database is refused too.
    const forged = `itl_${crypto.randomBytes(32).toString('base64url')}`;
    q(`INSERT INTO api_tokens (user_id, name, scope, token_hash, expires_at)
       VALUES (${C.id}, 'forged', 'read-write', sha256('${forged}'::bytea), now() + interval '1 day')`);
    assertInvalid(await withToken(bearer(forged), '/api/v1/progress'), "a client's token");
});

test('bad input: a message per field, what was typed kept, nothing stored', async () => {
    const before = q('SELECT count(*) FROM api_tokens');
    const cases = [
        [{ name: '', scope: 'read', expires_in_days: '30' }, 'name'],
        [{ name: '   ', scope: 'read', expires_in_days: '30' }, 'name'],
        [{ name: 'x'.repeat(81), scope: 'read', expires_in_days: '30' }, 'name'],
        [{ name: 'tab\there', scope: 'read', expires_in_days: '30' }, 'name'],
        [{ name: 'ok', scope: 'admin', expires_in_days: '30' }, 'scope'],
        [{ name: 'ok', expires_in_days: '30' }, 'scope'],
        [{ name: 'ok', scope: 'read', expires_in_days: '0' }, 'expires_in_days'],
        [{ name: 'ok', scope: 'read', expires_in_days: '366' }, 'expires_in_days'],
        [{ name: 'ok', scope: 'read', expires_in_days: '30.5' }, 'expires_in_days'],
        [{ name: 'ok', scope: 'read', expires_in_days: '-1' }, 'expires_in_days'],
        [{ name: 'ok', scope: 'read', expires_in_days: '99999999999999999999' }, 'expires_in_days'],
        [{ name: 'ok', scope: 'read' }, 'expires_in_days'],
    ];
    for (const [fields, bad] of cases) {
        const res = await T.postJson('/account/tokens', fields);
        assert.equal(res.status, 422, `${JSON.stringify(fields)}: ${res.status}`);
        assert.deepEqual(Object.keys(res.json.error.fields), [bad], JSON.stringify(fields));
    }
    const page = await T.post('/account/tokens', { name: 'my "script" <x>', scope: 'read-write', expires_in_days: '400' });
    assert.equal(page.status, 422);
    assert.match(page.body, /value="my &quot;script&quot; &lt;x&gt;"/);
    assert.match(page.body, /from 1 to 365/);
    assert.match(page.body, /value="read-write" checked/);
    assert.equal(q('SELECT count(*) FROM api_tokens'), before);
});

test('a token is shown once and only its hash is stored', async () => {
    const made = await makeToken(T, { name: 'weekly report', scope: 'read', days: '30' });
    assert.match(made.token, /^itl_[A-Za-z0-9_-]{43}$/);
    assert.equal(made.scope, 'read');
    const row = q(`SELECT user_id, name, scope, encode(token_hash, 'hex'), (expires_at - now()) BETWEEN interval '29 days 23 hours' AND interval '30 days', last_used_at IS NULL FROM api_tokens WHERE id = ${made.id}`);
    const sha = crypto.createHash('sha256').update(made.token).digest('hex');
    assert.equal(row, `${T.id}|weekly report|read|${sha}|t|t`);
    // The token itself is nowhere in the database.
    assert.equal(q(`SELECT count(*) FROM api_tokens t WHERE t::text LIKE '%${made.token.slice(4)}%'`), '0');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'token.created' AND object_id = ${made.id} AND actor_id = ${T.id}`), '1');
    // Listed on the account page (HTML and JSON) without the token.
    const page = await T.get('/account');
    assert.match(page.body, /weekly report/);
    assert.ok(!page.body.includes(made.token));
    const j = await T.getJson('/account');
    const listed = j.json.api_tokens.tokens.find((t) => t.id === made.id);
    assert.equal(listed.name, 'weekly report');
    assert.equal(listed.last_used, '');
    assert.ok(!j.body.includes(made.token));
    // Through the HTML form: the page shows the new token once.
    const form = await T.post('/account/tokens', { name: 'from the page', scope: 'read-write', expires_in_days: '7' });
    assert.equal(form.status, 201);
    const shown = /<code class="secret">(itl_[A-Za-z0-9_-]{43})<\/code>/.exec(form.body)?.[1];
    assert.ok(shown, 'the new token is on the page');
    assert.equal(q(`SELECT count(*) FROM api_tokens WHERE token_hash = sha256('${shown}'::bytea) AND scope = 'read-write'`), '1');
    const again = await T.get('/account');
    assert.ok(!again.body.includes(shown), 'not shown a second time');
    assert.match(again.body, /from the page/);
});

test('a read token reads as its person, refuses every unsafe method, needs no CSRF', async () => {
    const { token, id } = await makeToken(T, { scope: 'read' });
    const viaSession = await T.getJson('/clients');
    const viaToken = await withToken(bearer(token), '/api/v1/clients');
    assert.equal(viaToken.status, 200, viaToken.body);
    assert.deepEqual(viaToken.json, viaSession.json);
    assert.equal(viaToken.headers['set-cookie'], undefined, 'no session is made');
    const one = await withToken(bearer(token), `/api/v1/clients/${C.id}`);
    assert.equal(one.status, 200);
    // Access is the person's: another therapist's client is not theirs.
    const T2client = await invitedPerson(srv, { kind: 'client', createdBy: T2.id, name: 'Robin' });
    assert.equal((await withToken(bearer(token), `/api/v1/clients/${T2client.id}`)).status, 404);
    // And their role: a therapist's token is not an administrator.
    assert.equal((await withToken(bearer(token), '/api/v1/admin/users')).status, 403);
    const invites = q('SELECT count(*) FROM invites');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        const res = await withToken(bearer(token), '/api/v1/clients/invites', { method, body: { email: 'r@example.org', display_name: 'R' } });
        if (method === 'POST') {
            assert.equal(res.status, 403, res.body);
            assert.equal(res.json.error.code, 'read_only_token');
            assert.match(res.headers['www-authenticate'], /error="insufficient_scope"/);
        } else {
            assert.ok(res.status === 403 || res.status === 405, `${method}: ${res.status}`);
        }
    }
    assert.equal(q('SELECT count(*) FROM invites'), invites, 'nothing was made');
    assert.ok(auditCount(id, 'token.refused') >= 1);
});

test('a read-write token changes data without a CSRF token or cookie', async () => {
    const { token, id } = await makeToken(T, { scope: 'read-write' });
    const res = await withToken(bearer(token), '/api/v1/clients/invites', { method: 'POST', body: { email: 'scripted@example.org', display_name: 'Scripted' } });
    assert.equal(res.status, 201, res.body);
    assert.equal(q(`SELECT created_by FROM invites WHERE email = 'scripted@example.org'`), String(T.id));
    // The handler's own audit row names the token, as does the request's.
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'invite.created' AND actor_id = ${T.id} AND token_id = ${id}`), '1');
    // A urlencoded body works the same.
    const form = await request(`${srv.url}/api/v1/clients/invites`, {
        method: 'POST',
        headers: { Authorization: bearer(token), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'email=scripted2%40example.org&display_name=Scripted+Two',
    });
    assert.equal(form.status, 201, form.body);
    // A wrong CSRF token sent along changes nothing: it is not looked at.
    const withCsrf = await withToken(bearer(token), '/api/v1/clients/invites', { method: 'POST', body: { email: 'scripted3@example.org', display_name: 'Three' }, headers: { 'X-CSRF-Token': 'nonsense' } });
    assert.equal(withCsrf.status, 201);
});

test('every request made with a token is audited with its id; last use is shown', async () => {
    const { token, id } = await makeToken(T, { scope: 'read' });
    assert.equal(auditCount(id), 0);
    assert.equal(q(`SELECT last_used_at IS NULL FROM api_tokens WHERE id = ${id}`), 't');
    await withToken(bearer(token), '/api/v1/library');
    await withToken(bearer(token), `/api/v1/clients/${C.id}`);
    assert.equal(auditCount(id, 'token.request'), 2);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE token_id = ${id} AND action = 'client.viewed' AND subject_id = ${C.id} AND actor_id = ${T.id}`), '1');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE token_id = ${id} AND action = 'token.request' AND object_type = 'api_token' AND object_id = ${id} AND actor_id = ${T.id}`), '2');
    assert.equal(q(`SELECT last_used_at > now() - interval '1 minute' FROM api_tokens WHERE id = ${id}`), 't');
    // The administrator's audit page shows which token made a request.
    const log = await admin.getJson('/admin/audit');
    assert.ok(log.json.entries.some((e) => e.action === 'token.request' && e.token_id === id && e.object_id === id), 'token.request on /admin/audit');
    assert.ok(log.json.entries.some((e) => e.action === 'client.viewed' && e.token_id === id), 'client.viewed with its token');
    const html = await admin.get('/admin/audit');
    assert.match(html.body, new RegExp(`token\\.request<br>with API token ${id}<`));
    const j = await T.getJson('/account');
    assert.match(j.json.api_tokens.tokens.find((t) => t.id === id).last_used, /^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    // Requests of a cookie session name no token.
    const rows = Number(q('SELECT count(*) FROM audit_log WHERE token_id IS NULL'));
    await T.get(`/clients/${C.id}`);
    assert.equal(Number(q('SELECT count(*) FROM audit_log WHERE token_id IS NULL')), rows + 2);
});

test('tokens never work on HTML pages, even with a valid session cookie', async () => {
    const { token, id } = await makeToken(T, { scope: 'read-write' });
    for (const path of ['/clients', `/clients/${C.id}`, '/library', '/account', '/']) {
        const res = await withToken(bearer(token), path);
        assert.equal(res.status, 403, `${path}: ${res.status}`);
        assert.match(res.body, /under \/api\/v1 only/);
        const both = await request(`${srv.url}${path}`, { headers: { Authorization: bearer(token), Cookie: T.cookieHeader() } });
        assert.equal(both.status, 403, `${path} with a cookie: ${both.status}`);
    }
    // An HTML form post with a token and no CSRF token changes nothing.
    const invites = q('SELECT count(*) FROM invites');
    const post = await request(`${srv.url}/clients/invites`, {
        method: 'POST',
        headers: { Authorization: bearer(token), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'email=html%40example.org&display_name=Html',
    });
    assert.equal(post.status, 403);
    assert.equal(q('SELECT count(*) FROM invites'), invites);
    assert.equal(auditCount(id), 0, 'the token was not even looked up');
    assert.equal(q(`SELECT last_used_at IS NULL FROM api_tokens WHERE id = ${id}`), 't');
});

test('tokens never work on account and security routes, nor make tokens', async () => {
    const { token, id } = await makeToken(T, { scope: 'read-write' });
    const adminToken = (await makeToken(admin, { scope: 'read-write' })).token;
    const tokensBefore = q('SELECT count(*) FROM api_tokens');
    const hashBefore = q(`SELECT password_hash FROM users WHERE id = ${T.id}`);
    const refused = [
        ['GET', '/api/v1/account', token],
        ['GET', '/api/v1/session', token],
        ['POST', '/api/v1/account/tokens', token, { name: 'child', scope: 'read-write', expires_in_days: '365' }],
        ['POST', `/api/v1/account/tokens/${id}/revoke`, token],
        ['POST', '/api/v1/account/password', token, { current_password: 'quiet river morning light', new_password: 'a brand new passphrase', new_password_confirm: 'a brand new passphrase' }],
        ['POST', '/api/v1/account/two-step', token],
        ['POST', '/api/v1/account/two-step/disable', token, { code: '123456' }],
        ['POST', '/api/v1/account/sessions/end-others', token],
        ['POST', '/api/v1/account/settings', token, { inactive_days: '9' }],
        ['POST', '/api/v1/logout', token],
        ['POST', `/api/v1/clients/${C.id}/two-step/reset`, token],
        ['POST', `/api/v1/admin/users/${T2.id}/reset-link`, adminToken],
        ['POST', `/api/v1/admin/users/${T2.id}/two-step/reset`, adminToken],
    ];
    for (const [method, path, tok, body] of refused) {
        const res = await withToken(bearer(tok), path, { method, body: body ?? (method === 'POST' ? {} : undefined) });
        assert.equal(res.status, 403, `${method} ${path}: ${res.status} ${res.body}`);
        assert.equal(res.json.error.code, 'token_not_accepted', path);
        assert.match(res.headers['www-authenticate'], /error="insufficient_scope"/, path);
    }
    assert.equal(q('SELECT count(*) FROM api_tokens'), tokensBefore, 'no token was made');
    assert.equal(q(`SELECT revoked_at IS NULL FROM api_tokens WHERE id = ${id}`), 't');
    assert.equal(q(`SELECT password_hash FROM users WHERE id = ${T.id}`), hashBefore);
    assert.equal(q("SELECT count(*) FROM invites WHERE kind = 'reset'"), '0');
    assert.ok(auditCount(id, 'token.refused') >= 10);
});

test('malformed, unknown, expired and revoked tokens: 401 with WWW-Authenticate', async () => {
    const { token, id } = await makeToken(T, { scope: 'read' });
    assert.equal((await withToken(bearer(token), '/api/v1/library')).status, 200);
    assert.equal((await withToken(`bearer ${token}`, '/api/v1/library')).status, 200, 'the scheme is case-insensitive');
    const unknown = `itl_${crypto.randomBytes(32).toString('base64url')}`;
    const malformed = ['Bearer', 'Bearer ', `Bearer ${token}x`, `Bearer ${token} extra`, `Bearer ${token.slice(4)}`, 'Bearer itl_short', `Bearer ${token.slice(0, -1)}!`, `Bearer "${token}"`, `Bearer ${unknown}`];
    for (const auth of malformed) assertInvalid(await withToken(auth, '/api/v1/library'), JSON.stringify(auth));
    // Other schemes are not ours: the request is simply not signed in.
    const basic = await withToken(`Basic ${Buffer.from('a:b').toString('base64')}`, '/api/v1/library');
    assert.equal(basic.status, 401);
    assert.equal(basic.json.error.code, 'signin_required');
    assert.equal(basic.headers['www-authenticate'], 'Bearer realm="interlude"');
    // Expired (set in the past by SQL): refused, and the refusal is audited.
    q(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = ${id}`);
    assertInvalid(await withToken(bearer(token), '/api/v1/library'), 'expired');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'token.refused' AND object_id = ${id} AND actor_id = ${T.id}`), '1');
    // Revoked through the account page; revoking again changes nothing.
    const r = await makeToken(T, { name: 'to revoke', scope: 'read-write' });
    assert.equal((await withToken(bearer(r.token), '/api/v1/library')).status, 200);
    const rev = await T.post(`/account/tokens/${r.id}/revoke`);
    assert.equal(rev.status, 303);
    assert.equal(rev.headers.location, '/account?done=token-revoked');
    assertInvalid(await withToken(bearer(r.token), '/api/v1/library'), 'revoked');
    assertInvalid(await withToken(bearer(r.token), '/api/v1/clients/invites', { method: 'POST', body: {} }), 'revoked, POST');
    assert.equal((await T.postJson(`/account/tokens/${r.id}/revoke`)).status, 200);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'token.revoked' AND object_id = ${r.id}`), '1');
    // Someone else's token cannot be revoked (404, as for none).
    const other = await makeToken(T2, { scope: 'read' });
    assert.equal((await T.post(`/account/tokens/${other.id}/revoke`)).status, 404);
    assert.equal((await withToken(bearer(other.token), '/api/v1/library')).status, 200);
    // Revocation is on the account page.
    const page = await T.get('/account');
    assert.match(page.body, /<td>to revoke<\/td>.*?revoked<\/td>/s);
});

test('a token in the address is refused, valid or not, with or without a session', async () => {
    const { token, id } = await makeToken(T, { scope: 'read' });
    for (const path of [`/api/v1/library?access_token=${token}`, `/api/v1/clients?access_token=${token}`, '/library?access_token=x']) {
        const res = await request(`${srv.url}${path}`);
        assert.equal(res.status, 400, `${path}: ${res.status}`);
        assert.match(res.headers['www-authenticate'] ?? '', /error="invalid_request"/);
        const signedIn = await T.get(path.replace(/^\/api\/v1/, ''));
        assert.equal(signedIn.status, 400);
    }
    assert.equal(auditCount(id), 0);
});

test("a disabled person's tokens stop; two-step sign-in does not stop them", async () => {
    const { token } = await makeToken(T2, { scope: 'read' });
    assert.equal((await withToken(bearer(token), '/api/v1/library')).status, 200);
    // Two-step sign-in switched on (by SQL: the code step is tested elsewhere).
    q(`UPDATE users SET totp_secret = '\\x00'::bytea, totp_enabled_at = now() WHERE id = ${T2.id}`);
    assert.equal((await withToken(bearer(token), '/api/v1/library')).status, 200);
    const off = await admin.post(`/admin/users/${T2.id}/disable`);
    assert.equal(off.status, 303);
    assertInvalid(await withToken(bearer(token), '/api/v1/library'), 'disabled');
    assert.equal((await admin.post(`/admin/users/${T2.id}/enable`)).status, 303);
    assert.equal((await withToken(bearer(token), '/api/v1/library')).status, 200);
});

test("an administrator's token does the administrator's work, and nothing clinical", async () => {
    const { token, id } = await makeToken(admin, { scope: 'read-write' });
    const users = await withToken(bearer(token), '/api/v1/admin/users');
    assert.equal(users.status, 200);
    const add = await withToken(bearer(token), '/api/v1/admin/support', { method: 'POST', body: { label: 'Night line', phone: '0800 000 000' } });
    assert.ok(add.status === 201 || add.status === 200, `${add.status} ${add.body}`);
    assert.equal(q("SELECT count(*) FROM crisis_contacts WHERE label = 'Night line'"), '1');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'settings.crisis_contact_added' AND token_id = ${id}`), '1');
    assert.equal((await withToken(bearer(token), `/api/v1/clients/${C.id}`)).status, 403);
    assert.equal((await withToken(bearer(token), '/api/v1/clients')).status, 403);
});

test('a token made before the two-step policy applied stops until its owner enrols', async () => {
    const { token } = await makeToken(T, { scope: 'read' });
    assert.equal((await withToken(bearer(token), '/api/v1/clients')).status, 200);
    setTwoStepPolicy(srv, 'therapists');
    try {
        const held = await withToken(bearer(token), '/api/v1/clients');
        assert.equal(held.status, 403, held.body);
        assert.equal(held.json?.error?.code, 'two_step_enrolment_required');
        // Enrolled (as the enrolment would leave it): the token works again.
        q(`UPDATE users SET totp_secret = '\\x00'::bytea, totp_enabled_at = now() WHERE id = ${T.id}`);
        assert.equal((await withToken(bearer(token), '/api/v1/clients')).status, 200);
    } finally {
        setTwoStepPolicy(srv, 'off');
        q(`UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL WHERE id = ${T.id}`);
    }
});
