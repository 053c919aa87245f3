// two-step-policy.test.mjs: who must use two-step sign-in (the policy on
// /admin/security and `interlude policy`), against the real server and
// PostgreSQL, with codes computed independently by Debian's oathtool: the
// default of a new and of an existing installation, a therapist or admin
// who has not enrolled reaching their account and nothing else (HTML sent
// to enrol, JSON 403), enrolment opening everything, clients never
// required, the setting audited and CSRF-protected.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, psql, ROOT, DATA_KEY_ENV } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson, setTwoStepPolicy, PASSWORD } from '../lib/client.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ENROL = '/account?need=two-step#two-step';

let srv;
let adminId;
let freshPolicy;
before(async () => {
    srv = await startServer();
    freshPolicy = q("SELECT value FROM app_meta WHERE key = 'two_step_required'");
    createAdmin(srv, 'admin@example.org', PASSWORD, 'Ada Admin', { twoStep: true });
    adminId = q("SELECT id FROM users WHERE role = 'admin'");
});
after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

function q(sql) {
    return psql(srv.dbUrl, sql).trim();
}

function code(secret, offset = 0) {
    const at = Math.floor(Date.now() / 1000) + offset;
    return execFileSync('/usr/bin/oathtool', ['--totp', '-b', '-N', `@${at}`, secret], { encoding: 'utf8' }).trim();
}

async function midStep() {
    const s = (Date.now() / 1000) % 30;
    if (s > 24) await sleep((31 - s) * 1000);
}

// Enrols c (signed in) through the JSON twins: returns the secret.
async function enrol(c) {
    const start = await c.postJson('/account/two-step');
    assert.equal(start.status, 200, start.body);
    await midStep();
    const on = await c.postJson('/account/two-step/confirm', { code: code(start.json.secret) });
    assert.equal(on.status, 200, on.body);
    return start.json.secret;
}

function policy(word) {
    setTwoStepPolicy(srv, word);
    assert.equal(q("SELECT value FROM app_meta WHERE key = 'two_step_required'"), word);
}

// What an unenrolled person gets on the clinical routes: HTML sent to enrol,
// JSON refused with its own code, and nothing of the page itself.
async function assertKeptOut(c, paths) {
    for (const p of paths) {
        const html = await c.get(p);
        assert.equal(html.status, 303, `${p}: ${html.status}`);
        assert.equal(html.headers.location, ENROL, `${p} sends to enrolment`);
        assert.equal(html.body.length < 400, true, `${p}: nothing of the page leaks`);
        const json = await c.getJson(`/api/v1${p}`);
        assert.equal(json.status, 403, `/api/v1${p}: ${json.status}`);
        assert.equal(json.json.error.code, 'two_step_enrolment_required');
    }
}

test('a new installation requires it of therapists and admins; an upgraded one starts with it off', () => {
    assert.equal(freshPolicy, 'both', 'no account existed when 0012 ran');
    // The same migration on an installation that already has people.
    const sql = fs.readFileSync(path.join(ROOT, 'migrations/0012_two_step_policy.sql'), 'utf8');
    const db = `${srv.dbUrl}`;
    const saved = q("SELECT value FROM app_meta WHERE key = 'two_step_required'");
    q("DELETE FROM app_meta WHERE key = 'two_step_required'");
    psql(db, sql);
    assert.equal(q("SELECT value FROM app_meta WHERE key = 'two_step_required'"), 'off');
    // Applied again, it never overwrites what an admin chose.
    q("UPDATE app_meta SET value = 'therapists' WHERE key = 'two_step_required'");
    psql(db, sql);
    assert.equal(q("SELECT value FROM app_meta WHERE key = 'two_step_required'"), 'therapists');
    q(`UPDATE app_meta SET value = '${saved}' WHERE key = 'two_step_required'`);
});

test('the first administrator of a new installation is sent to enrol right after setting it up', async () => {
    const fresh = await startServer();
    try {
        const link = JSON.parse(await fresh.waitForLog(/setup_url/)).setup_url.replace(/^https?:\/\/[^/]+/, '');
        const c = new Client(fresh);
        await c.get(link);
        const made = await c.post(link, { display_name: 'Ada', email: 'ada@example.org', password: PASSWORD, password_confirm: PASSWORD });
        assert.equal(made.status, 303);
        const start = await c.get(made.headers.location);
        assert.equal(start.headers.location, ENROL, 'the start page sends to enrolment');
        assert.equal((await c.get('/admin/users')).headers.location, ENROL);
        const session = await c.getJson('/session');
        assert.equal(session.json.two_step_enrolment_required, true);
        await enrol(c);
        assert.equal((await c.get('/admin/users')).status, 200);
        assert.equal((await c.getJson('/session')).json.two_step_enrolment_required, false);
    } finally {
        assert.equal(await fresh.stop(), 0);
    }
});

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

test('the admin sets the policy on /admin/security (HTML and JSON), audited, CSRF-protected', async () => {
    policy('both');
    const admin = new Client(srv);
    await admin.signIn('admin@example.org');
    // Not enrolled yet: the admin pages, this one included, wait for it.
    assert.equal((await admin.get('/admin/security')).headers.location, ENROL);
    await enrol(admin);
    const page = await admin.get('/admin/security');
    assert.equal(page.status, 200);
    assert.match(page.body, /Now required for: <strong>therapists and administrators<\/strong>/);
    assert.match(page.body, /value="both" checked/);
    assert.match(page.body, /href="\/admin\/security"/, 'in the navigation');

    const bad = await admin.post('/admin/security', { two_step: 'everyone' });
    assert.equal(bad.status, 422);
    assert.match(bad.body, /Choose who must use two-step sign-in/);
    assert.match(bad.body, /aria-invalid|field-error/);
    const badJson = await admin.postJson('/admin/security', { two_step: '' });
    assert.equal(badJson.status, 422);
    assert.ok(badJson.json.error.fields.two_step);
    assert.equal(q("SELECT value FROM app_meta WHERE key = 'two_step_required'"), 'both');

    const noCsrf = await admin.post('/admin/security', { two_step: 'off' }, { csrf: false });
    assert.equal(noCsrf.status, 403);
    assert.equal(q("SELECT value FROM app_meta WHERE key = 'two_step_required'"), 'both');

    const saved = await admin.post('/admin/security', { two_step: 'therapists' });
    assert.equal(saved.status, 303);
    assert.equal(saved.headers.location, '/admin/security?done=saved');
    assert.match((await admin.get('/admin/security?done=saved')).body, /The setting was saved/);
    const j = await admin.getJson('/admin/security');
    assert.deepEqual([j.json.two_step_required, j.json.therapists, j.json.admins], ['therapists', true, false]);
    const viaJson = await admin.postJson('/admin/security', { two_step: 'admins' });
    assert.equal(viaJson.status, 200);
    assert.deepEqual([viaJson.json.two_step_required, viaJson.json.changed], ['admins', true]);
    const same = await admin.postJson('/admin/security', { two_step: 'admins' });
    assert.equal(same.json.changed, false);
    const audited = q(`SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE actor_id = ${adminId} AND action LIKE 'settings.two_step%'`);
    assert.equal(audited, 'settings.two_step_required_therapists,settings.two_step_required_admins', 'one row per change, none for no change');

    const t = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Toni' });
    assert.equal((await t.get('/admin/security')).status, 403);
    assert.equal((await t.postJson('/admin/security', { two_step: 'off' })).status, 403);
});

test('interlude policy shows and sets it, audited without an actor; a wrong word is a usage error', () => {
    const env = { ...process.env, ...DATA_KEY_ENV, DATABASE_URL: srv.dbUrl };
    const run = (args) => spawnSync(process.env.INTERLUDE_BIN, ['policy', ...args], { cwd: ROOT, env, encoding: 'utf8' });
    const rows = () => Number(q("SELECT count(*) FROM audit_log WHERE actor_id IS NULL AND action LIKE 'settings.two_step%'"));
    setTwoStepPolicy(srv, 'off');
    const before = rows();
    const set = run(['--two-step', 'both']);
    assert.equal(set.status, 0, set.stderr);
    assert.match(set.stdout, /required for: both/);
    const show = run([]);
    assert.equal(show.status, 0);
    assert.equal(show.stdout, 'two-step sign-in required for: both\n');
    for (const args of [['--two-step', 'everyone'], ['--two-step'], ['--other', 'off']]) {
        const r = run(args);
        assert.equal(r.status, 64, `${args}: ${r.status}`);
        assert.match(r.stderr, /usage: interlude policy/);
    }
    assert.equal(q("SELECT value FROM app_meta WHERE key = 'two_step_required'"), 'both');
    assert.equal(rows(), before + 1, 'one audit row for the one change');
    assert.equal(q("SELECT action FROM audit_log WHERE actor_id IS NULL ORDER BY id DESC LIMIT 1"), 'settings.two_step_required_both');
});
