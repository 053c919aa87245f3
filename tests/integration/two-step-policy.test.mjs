// two-step-policy.test.mjs: who must use two-step sign-in, set by an
// administrator (/admin/security and its JSON twin) or `interlude policy`,
// against the real server and PostgreSQL, codes from Debian's oathtool: the
// default of a new installation (its first administrator is sent to enrol)
// and of an upgraded one, the setting audited, validated and CSRF-protected.
// What the policy holds back, role by role: two-step-policy-roles.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, psql, ROOT, DATA_KEY_ENV, query } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson, setTwoStepPolicy, PASSWORD } from '../lib/client.mjs';
import { ENROL, enrol } from '../lib/twostep.mjs';

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

const q = (sql) => query(srv, sql);

function policy(word) {
    setTwoStepPolicy(srv, word);
    assert.equal(q("SELECT value FROM app_meta WHERE key = 'two_step_required'"), word);
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
