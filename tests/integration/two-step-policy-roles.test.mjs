// two-step-policy-roles.test.mjs: what the two-step policy holds back,
// against the real server and PostgreSQL, codes from Debian's oathtool: a
// therapist or admin it applies to who has not enrolled reaches their
// account and nothing else (HTML sent to enrol, JSON 403, unsafe routes
// refused before the handler), open sessions included; enrolment opens
// everything; where required it cannot be switched off; clients are never
// required; each setting holds its own roles. The setting itself:
// two-step-policy.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, query } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson, setTwoStepPolicy, PASSWORD } from '../lib/client.mjs';
import { ENROL, assertKeptOut, code, enrol, midStep } from '../lib/twostep.mjs';

let srv;
let adminId;
before(async () => {
    srv = await startServer();
    createAdmin(srv, 'admin@example.org', PASSWORD, 'Ada Admin', { twoStep: true });
    adminId = q("SELECT id FROM users WHERE role = 'admin'");
});
after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

const q = (sql) => query(srv, sql);

function policy(word) {
    setTwoStepPolicy(srv, word);
    assert.equal(q("SELECT value FROM app_meta WHERE key = 'two_step_required'"), word);
}

test('an unenrolled therapist reaches their account and nothing clinical until they enrol', async () => {
    policy('both');
    const t = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Theo' });
    await assertKeptOut(t, ['/clients', '/library', '/assign', '/drafts', '/entries/1', '/homework/1']);
    // Unsafe routes too (with a valid CSRF token): refused before the handler.
    const inv = await t.post('/clients/invites', { display_name: 'X', email: 'x@example.org' });
    assert.equal(inv.status, 303);
    assert.equal(inv.headers.location, ENROL);
    assert.equal(q("SELECT count(*) FROM invites WHERE email = 'x@example.org'"), '0');
    const invJson = await t.postJson('/clients/invites', { display_name: 'X', email: 'x@example.org' });
    assert.equal(invJson.status, 403);
    assert.equal(invJson.json.error.code, 'two_step_enrolment_required');
    // The start page sends there too; the account page says why, without the clinical navigation.
    const home = await t.get('/');
    assert.equal(home.headers.location, ENROL);
    const page = await t.get('/account');
    assert.equal(page.status, 200);
    assert.match(page.body, /requires two-step sign-in for your role/);
    assert.doesNotMatch(page.body, /href="\/clients"/);
    assert.match(page.body, /Set up two-step sign-in/);
    const acct = await t.getJson('/account');
    assert.equal(acct.json.two_step.required, true);
    assert.equal(acct.json.two_step.enabled, false);
    // Enrolment opens everything, in this session and the next.
    const secret = await enrol(t);
    assert.equal((await t.get('/clients')).status, 200);
    assert.equal((await t.getJson('/api/v1/clients')).status, 200);
    await t.post('/logout');
    const again = new Client(srv);
    await again.get('/login');
    const pw = await again.post('/login', { email: t.email, password: PASSWORD });
    assert.equal(pw.headers.location, '/login/code', 'the password alone does not reach /clients');
    assert.equal((await again.get('/clients')).headers.location, '/login/code');
    assert.equal((await again.get('/login/code')).status, 200); // its form's CSRF token
    await midStep();
    const ok = await again.post('/login/code', { code: code(secret, 30) });
    assert.equal(ok.status, 303, ok.body);
    assert.equal((await again.get('/clients')).status, 200);
    // Required, it cannot be switched off (the form is not offered either).
    const off = await again.postJson('/account/two-step/disable', { code: code(secret, 60) });
    assert.equal(off.status, 403);
    assert.equal(off.json.error.code, 'two_step_required');
    assert.equal(q(`SELECT totp_enabled_at IS NOT NULL FROM users WHERE id = ${t.id}`), 't');
    assert.doesNotMatch((await again.get('/account')).body, /Switch two-step sign-in off/);
});

test('an open session is held to a policy turned on meanwhile; clients are never required', async () => {
    policy('off');
    const t = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Tess' });
    assert.equal((await t.get('/clients')).status, 200);
    const c = await invitedPerson(srv, { kind: 'client', createdBy: t.id, name: 'Cal' });
    policy('both');
    await assertKeptOut(t, ['/clients']);
    assert.equal((await c.get('/')).status, 200, 'a client is not asked to enrol');
    assert.equal((await c.get('/progress')).status, 200);
    assert.equal((await c.getJson('/account')).json.two_step.required, false);
});

test('therapists only, admins only: each role is held to its own setting', async () => {
    policy('off');
    const t = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Tam' });
    const a = new Client(srv);
    createAdmin(srv, 'second@example.org', PASSWORD, 'Second Admin', { twoStep: true });
    await a.signIn('second@example.org');
    policy('therapists');
    await assertKeptOut(t, ['/clients']);
    assert.equal((await a.get('/admin/users')).status, 200);
    policy('admins');
    assert.equal((await t.get('/clients')).status, 200);
    await assertKeptOut(a, ['/admin/users', '/admin/audit', '/admin/security']);
    policy('off');
    assert.equal((await a.get('/admin/users')).status, 200);
});
