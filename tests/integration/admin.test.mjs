// admin.test.mjs: the administrator's pages (people, therapist invitations,
// disabling, reset links, the audit log) and the public reset pages, against
// the real server and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer, query } from '../lib/harness.mjs';
import { Client, createAdmin, acceptInvite, PASSWORD } from '../lib/client.mjs';

const NEW_PASSWORD = 'amber lantern over still water';
const LINK_RE = /http:\/\/127\.0\.0\.1:\d+\/(invite|reset)\/[A-Za-z0-9_-]{43}/;

let srv;
let admin; // the signed-in administrator's client
let adminId;

const q = (sql) => query(srv, sql);

// An account with the test PASSWORD, made directly in the database (the
// therapist and client pages are not under test here). Returns its id.
let userCounter = 0;
function makeUser(role, name = `${role} ${++userCounter}`) {
    const email = `${role}${++userCounter}@example.org`;
    const id = q(
        `INSERT INTO users (email, display_name, role, password_hash) SELECT '${email}', '${name}', ` +
            `'${role}', password_hash FROM users WHERE email = 'admin@example.org' RETURNING id`,
    );
    return { id: Number(id), email, name };
}

function linkIn(body) {
    const m = LINK_RE.exec(body);
    assert.ok(m, `a one-time link in: ${body.slice(0, 400)}`);
    return m[0];
}

// A fresh client signed in as email, or the answer of the failed attempt.
async function trySignIn(email, password = PASSWORD) {
    const c = new Client(srv);
    await c.get('/login');
    const res = await c.post('/login', { email, password });
    return { c, res };
}

before(async () => {
    srv = await startServer();
    createAdmin(srv);
    adminId = Number(q("SELECT id FROM users WHERE email = 'admin@example.org'"));
    admin = await new Client(srv).signIn('admin@example.org');
});
after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

test('the People page lists every account, newest first, with role, status and date', async () => {
    const older = makeUser('therapist', 'Theo Older');
    q(`UPDATE users SET created_at = now() - interval '2 days' WHERE id = ${older.id}`);
    const newer = makeUser('client', 'Cleo Newer');
    q(`UPDATE users SET disabled_at = now() WHERE id = ${newer.id}`);

    const res = await admin.get('/admin/users');
    assert.equal(res.status, 200);
    assert.match(res.body, /<title>People · Interlude<\/title>/);
    const iNewer = res.body.indexOf(newer.email);
    const iOlder = res.body.indexOf(older.email);
    assert.ok(iNewer > 0 && iOlder > 0, 'both accounts are listed');
    assert.ok(iNewer < iOlder, 'newest first');
    assert.match(res.body, /Cleo Newer<\/th><td>client\d+@example\.org<\/td><td>client<\/td><td>Disabled<\/td>/);
    assert.match(res.body, /Theo Older<\/th><td>therapist\d+@example\.org<\/td><td>therapist<\/td><td>Active<\/td>/);
    assert.match(res.body, new RegExp(`action="/admin/users/${newer.id}/enable"`), 'a disabled account can be enabled');
    assert.match(res.body, new RegExp(`action="/admin/users/${older.id}/disable"`));
    assert.match(res.body, new RegExp(`action="/admin/users/${older.id}/reset-link"`));
    assert.doesNotMatch(res.body, new RegExp(`action="/admin/users/${adminId}/disable"`), 'no disable button for oneself');
    assert.match(res.body, /action="\/admin\/invites"/);
    // Every form posts the session's CSRF token.
    const forms = res.body.match(/<form[^>]*method="post"[\s\S]*?<\/form>/g);
    assert.ok(forms.length >= 4);
    for (const f of forms) assert.match(f, /name="_csrf" value="[A-Za-z0-9_-]+"/);

    const api = await admin.getJson('/admin/users');
    assert.equal(api.status, 200);
    const row = api.json.users.find((u) => u.email === older.email);
    assert.deepEqual(
        { role: row.role, disabled: row.disabled, display_name: row.display_name },
        { role: 'therapist', disabled: false, display_name: 'Theo Older' },
    );
    assert.match(row.created, /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(api.json.users.find((u) => u.email === newer.email).disabled, true);
});

test('inviting a therapist shows the link once; only its hash is stored; the link signs them up', async () => {
    const page = await admin.get('/admin/users');
    const res = await admin.post('/admin/invites', { display_name: 'Thea Invited', email: 'thea@example.org' });
    assert.equal(res.status, 201);
    assert.match(res.body, /does not send e-mail/);
    const link = linkIn(res.body);
    assert.ok(link.startsWith(`${srv.url}/invite/`), link);
    const token = link.split('/').pop();
    assert.ok(!srv.logs.some((l) => l.includes(token)), 'the token is never logged');
    assert.equal(
        q("SELECT encode(token_hash, 'hex') FROM invites WHERE email = 'thea@example.org'"),
        crypto.createHash('sha256').update(token).digest('hex'),
        'only the SHA-256 of the token is stored',
    );
    assert.equal(
        q("SELECT kind || ' ' || (expires_at - created_at)::text || ' ' || created_by FROM invites WHERE email = 'thea@example.org'"),
        `therapist 7 days ${adminId}`,
    );
    const inv = q("SELECT id FROM invites WHERE email = 'thea@example.org'");
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'invite.created' AND object_type = 'invite' AND object_id = ${inv} AND actor_id = ${adminId}`), '1');

    // The People page now lists it as pending, with a revoke button.
    const after1 = await admin.get('/admin/users');
    assert.match(after1.body, /thea@example\.org/);
    assert.match(after1.body, new RegExp(`action="/invites/${inv}/revoke"`));
    assert.doesNotMatch(page.body, /thea@example\.org/);

    const t = await acceptInvite(srv, link, { name: 'Thea' });
    const me = await t.getJson('/session');
    assert.equal(me.json.user.role, 'therapist');
    assert.equal(me.json.user.email, 'thea@example.org');
    const after2 = await admin.get('/admin/users');
    assert.doesNotMatch(after2.body, new RegExp(`action="/invites/${inv}/revoke"`), 'no longer pending');

    // The JSON twin answers 201 with the link.
    const api = await admin.postJson('/admin/invites', { display_name: 'Tom Api', email: 'tom.api@example.org' });
    assert.equal(api.status, 201);
    assert.match(api.json.link, LINK_RE);
    assert.equal(api.json.kind, 'therapist');
});

test('an invitation with a bad e-mail gets 422 with the message, and the typed name is kept', async () => {
    const before1 = q('SELECT count(*) FROM invites');
    const res = await admin.post('/admin/invites', { display_name: 'Tess <Typed>', email: 'not-an-address' });
    assert.equal(res.status, 422);
    assert.match(res.body, /Enter an e-mail address like name@example\.org\./);
    assert.match(res.body, /value="Tess &lt;Typed&gt;"/, 'the name is kept, escaped');
    assert.match(res.body, /value="not-an-address"/);
    assert.match(res.body, /href="#field-email"/, 'the summary links to the field');
    assert.match(res.body, /aria-invalid="true"/);
    assert.match(res.body, /<h2>Accounts<\/h2>/, 'the rest of the page is still there');
    const empty = await admin.post('/admin/invites', { display_name: '', email: 'ok@example.org' });
    assert.equal(empty.status, 422);
    assert.match(empty.body, /Enter a name\./);
    const api = await admin.postJson('/admin/invites', { display_name: 'Tess', email: 'nope' });
    assert.equal(api.status, 422);
    assert.ok(api.json.error.fields.email);
    assert.equal(q('SELECT count(*) FROM invites'), before1, 'nothing was created');
});

test('an invitation for an e-mail that already has an account gets 422', async () => {
    const existing = makeUser('client');
    const res = await admin.post('/admin/invites', { display_name: 'Dup', email: existing.email.toUpperCase() });
    assert.equal(res.status, 422);
    assert.match(res.body, /An account with this e-mail address already exists\./);
    assert.equal(q(`SELECT count(*) FROM invites WHERE lower(email) = '${existing.email}'`), '0');
});

test('disabling a therapist ends their sessions and stops sign-in; enabling lets them in again', async () => {
    const t = makeUser('therapist');
    const tc = await new Client(srv).signIn(t.email);
    assert.equal((await tc.get('/account')).status, 200);

    const res = await admin.post(`/admin/users/${t.id}/disable`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/admin/users?done=disabled');
    const notice = await admin.get(res.headers.location);
    assert.match(notice.body, /class="notice"[^>]*>The account was disabled/);
    assert.equal(q(`SELECT disabled_at IS NOT NULL FROM users WHERE id = ${t.id}`), 't');
    assert.equal(q(`SELECT count(*) FROM sessions WHERE user_id = ${t.id}`), '0');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'account.disabled' AND object_type = 'user' AND object_id = ${t.id} AND actor_id = ${adminId}`), '1');

    const gone = await tc.get('/account');
    assert.equal(gone.status, 303);
    assert.equal(gone.headers.location, '/login');
    const { res: refused } = await trySignIn(t.email);
    assert.equal(refused.status, 422, 'a disabled account cannot sign in');

    const en = await admin.post(`/admin/users/${t.id}/enable`);
    assert.equal(en.status, 303);
    assert.equal(en.headers.location, '/admin/users?done=enabled');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'account.enabled' AND object_id = ${t.id}`), '1');
    const { res: ok } = await trySignIn(t.email);
    assert.equal(ok.status, 303, 'enabled again: they can sign in');
});

test('an administrator cannot disable themself', async () => {
    const res = await admin.post(`/admin/users/${adminId}/disable`);
    assert.equal(res.status, 422);
    assert.match(res.body, /You cannot disable your own account/);
    assert.equal(q(`SELECT disabled_at IS NULL FROM users WHERE id = ${adminId}`), 't');
    assert.equal((await admin.get('/admin/users')).status, 200, 'still signed in');
    const api = await admin.postJson(`/admin/users/${adminId}/disable`);
    assert.equal(api.status, 422);
    assert.equal(api.json.error.code, 'cannot_disable_self');
});

test('unknown account ids get 404 on disable, enable and reset link', async () => {
    for (const action of ['disable', 'enable', 'reset-link']) {
        const res = await admin.post(`/admin/users/999999/${action}`);
        assert.equal(res.status, 404, action);
    }
    assert.equal(q("SELECT count(*) FROM audit_log WHERE object_id = 999999"), '0');
});

test('a reset link sets a new password, ends old sessions, signs them in, and works once', async () => {
    const u = makeUser('therapist', 'Rhea Reset');
    const old = await new Client(srv).signIn(u.email);

    const first = linkIn((await admin.post(`/admin/users/${u.id}/reset-link`)).body);
    const made = await admin.post(`/admin/users/${u.id}/reset-link`);
    assert.equal(made.status, 201);
    assert.match(made.body, /Rhea Reset/);
    const link = linkIn(made.body);
    assert.ok(link.startsWith(`${srv.url}/reset/`));
    const path = link.replace(srv.url, '');
    assert.ok(!srv.logs.some((l) => l.includes(path.split('/').pop())), 'the token is never logged');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'account.reset_link_created' AND object_id = ${u.id}`), '2');
    assert.equal(q(`SELECT (expires_at - created_at)::text FROM invites WHERE kind = 'reset' AND user_id = ${u.id} AND revoked_at IS NULL`), '1 day');
    const earlier = new Client(srv);
    assert.equal((await earlier.get(first.replace(srv.url, ''))).status, 404, 'a newer link replaces the earlier one');

    const c = new Client(srv);
    const form = await c.get(path);
    assert.equal(form.status, 200);
    assert.match(form.body, new RegExp(u.email));
    assert.match(form.body, /name="password_confirm"/);
    const weak = await c.post(path, { password: u.email, password_confirm: u.email });
    assert.equal(weak.status, 422, 'the e-mail address is not a password');
    const mismatch = await c.post(path, { password: NEW_PASSWORD, password_confirm: 'something else entirely' });
    assert.equal(mismatch.status, 422);
    assert.match(mismatch.body, /The two passwords are not the same\./);
    const done = await c.post(path, { password: NEW_PASSWORD, password_confirm: NEW_PASSWORD });
    assert.equal(done.status, 303);
    assert.equal(done.headers.location, '/');
    const me = await c.getJson('/session');
    assert.equal(me.json.user.email, u.email, 'signed in by the reset');

    const kicked = await old.get('/account');
    assert.equal(kicked.status, 303, 'sessions from before the reset were ended');
    assert.equal((await trySignIn(u.email, PASSWORD)).res.status, 422, 'the old password no longer works');
    assert.equal((await trySignIn(u.email, NEW_PASSWORD)).res.status, 303);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'account.password_reset' AND actor_id = ${u.id} AND object_id = ${u.id}`), '1');

    const again = await new Client(srv).get(path);
    assert.equal(again.status, 404);
    assert.match(again.body, /This link has expired or was already used\./);
    const replay = await c.post(path, { password: PASSWORD, password_confirm: PASSWORD });
    assert.equal(replay.status, 404, 'a used link cannot set a password');
    assert.equal((await trySignIn(u.email, NEW_PASSWORD)).res.status, 303);
    assert.equal((await new Client(srv).get(`/reset/${'A'.repeat(43)}`)).status, 404, 'unknown token');
});

test('one reset link used twice at the same moment: exactly one use wins', async () => {
    const u = makeUser('therapist');
    const path = linkIn((await admin.post(`/admin/users/${u.id}/reset-link`)).body).replace(srv.url, '');
    const a = new Client(srv);
    const b = new Client(srv);
    await a.get(path);
    await b.get(path);
    // With two hash slots both pass the lookup before either has hashed (the
    // default is cores - 1: one on two cores, where the second waits and
    // finds the link used): only marking the link used inside the
    // transaction can stop the second.
    const [ra, rb] = await Promise.all([
        a.post(path, { password: NEW_PASSWORD, password_confirm: NEW_PASSWORD }),
        b.post(path, { password: 'second winner tries too', password_confirm: 'second winner tries too' }),
    ]);
    assert.deepEqual([ra.status, rb.status].sort(), [303, 404]);
    const winner = ra.status === 303 ? NEW_PASSWORD : 'second winner tries too';
    const loser = ra.status === 303 ? 'second winner tries too' : NEW_PASSWORD;
    assert.equal((await trySignIn(u.email, winner)).res.status, 303);
    assert.equal((await trySignIn(u.email, loser)).res.status, 422);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'account.password_reset' AND actor_id = ${u.id}`), '1');
});

test('reset links: none for a disabled account; an expired one gets 404', async () => {
    const u = makeUser('therapist');
    q(`UPDATE users SET disabled_at = now() WHERE id = ${u.id}`);
    const res = await admin.post(`/admin/users/${u.id}/reset-link`);
    assert.equal(res.status, 422);
    assert.match(res.body, /This account is disabled/);
    assert.equal(q(`SELECT count(*) FROM invites WHERE user_id = ${u.id}`), '0');

    const v = makeUser('therapist');
    const link = linkIn((await admin.post(`/admin/users/${v.id}/reset-link`)).body);
    q(`UPDATE invites SET expires_at = now() - interval '1 second' WHERE user_id = ${v.id}`);
    const gone = await new Client(srv).get(link.replace(srv.url, ''));
    assert.equal(gone.status, 404);
    assert.match(gone.body, /This link has expired or was already used\./);
});

test('no reset link for a client: the administrator could read their reflections with it', async () => {
    const u = makeUser('client');
    const page = await admin.get('/admin/users');
    assert.doesNotMatch(page.body, new RegExp(`action="/admin/users/${u.id}/reset-link"`));
    assert.match(page.body, new RegExp(`action="/admin/users/${u.id}/disable"`), 'disabling stays');
    const res = await admin.post(`/admin/users/${u.id}/reset-link`);
    assert.equal(res.status, 403);
    assert.equal((await admin.postJson(`/admin/users/${u.id}/reset-link`)).status, 403);
    assert.equal(q(`SELECT count(*) FROM invites WHERE user_id = ${u.id}`), '0');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'account.reset_link_refused' AND object_id = ${u.id}`), '2');
});

test('the audit log shows sign-ins and invitations, newest first, and reading it is audited', async () => {
    const res = await admin.get('/admin/audit');
    assert.equal(res.status, 200);
    assert.match(res.body, /<title>Audit log · Interlude<\/title>/);
    assert.match(res.body, /<td>login\.success<\/td>/);
    assert.match(res.body, /<td>invite\.created<\/td><td>invite \d+<\/td>/);
    assert.match(res.body, /Ada Admin<br>admin@example\.org/);
    assert.ok(Number(q(`SELECT count(*) FROM audit_log WHERE action = 'audit.viewed' AND actor_id = ${adminId}`)) >= 1);

    const api = await admin.getJson('/admin/audit');
    assert.equal(api.status, 200);
    const at = api.json.entries.map((e) => e.at);
    assert.deepEqual([...at].sort().reverse(), at, 'newest first');
    assert.equal(api.json.entries[0].action, 'audit.viewed', 'this very reading is the newest entry');
    const invite = api.json.entries.find((e) => e.action === 'invite.created');
    assert.equal(invite.object_type, 'invite');
    assert.equal(typeof invite.object_id, 'number');
    assert.equal(invite.actor.email, 'admin@example.org');
});

test('the audit log has only when, who, action (and the API token that made it), object, about and address', async () => {
    const res = await admin.get('/admin/audit');
    const head = /<thead>([\s\S]*?)<\/thead>/.exec(res.body)[1];
    const cols = [...head.matchAll(/<th scope="col">([^<]*)<\/th>/g)].map((m) => m[1]);
    assert.deepEqual(cols, ['When (UTC)', 'Who', 'Action', 'Object', 'About', 'Address']);
    assert.match(res.body, /<caption>/);
    const api = await admin.getJson('/admin/audit');
    for (const e of api.json.entries) {
        assert.deepEqual(Object.keys(e).sort(), ['action', 'actor', 'at', 'ip', 'object_id', 'object_type', 'subject', 'token_id']);
    }
});

test('the audit log filters by person (actor, subject or account) and by inclusive dates', async () => {
    const p = makeUser('therapist', 'Pia Person');
    await new Client(srv).signIn(p.email);
    await admin.post(`/admin/users/${p.id}/disable`);
    await admin.post(`/admin/users/${p.id}/enable`);
    const c = makeUser('client', 'Cal Client');
    q(`INSERT INTO audit_log (at, actor_id, action, object_type, object_id, subject_id) VALUES
        ('2020-01-14 23:59:59+00', ${adminId}, 'test.before', 'user', ${adminId}, NULL),
        ('2020-01-15 00:00:00+00', ${p.id}, 'test.first_day', 'homework', 7, ${c.id}),
        ('2020-01-16 23:59:59+00', ${adminId}, 'test.last_day', NULL, NULL, NULL),
        ('2020-01-17 00:00:00+00', ${adminId}, 'test.after', NULL, NULL, NULL)`);

    const mine = await admin.getJson(`/admin/audit?person=${encodeURIComponent(p.email.toUpperCase())}`);
    assert.equal(mine.status, 200);
    const actions = mine.json.entries.map((e) => e.action);
    for (const a of ['login.success', 'account.disabled', 'account.enabled', 'test.first_day']) assert.ok(actions.includes(a), a);
    for (const e of mine.json.entries) {
        const about = e.actor?.email === p.email || e.subject?.email === p.email || (e.object_type === 'user' && e.object_id === p.id);
        assert.ok(about, JSON.stringify(e));
    }
    const byClient = await admin.getJson(`/admin/audit?person=${encodeURIComponent(c.email)}`);
    assert.deepEqual(byClient.json.entries.map((e) => e.action), ['test.first_day'], 'the subject matches too');
    assert.equal(byClient.json.entries[0].subject.name, 'Cal Client');
    const html = await admin.get(`/admin/audit?person=${encodeURIComponent(c.email)}`);
    assert.match(html.body, /<td>Cal Client<br>client\d+@example\.org<\/td>/, 'the About column');
    assert.match(html.body, new RegExp(`value="${c.email}"`), 'the filter is kept in the form');
    const nobody = await admin.getJson('/admin/audit?person=nobody%40example.org');
    assert.equal(nobody.status, 200);
    assert.deepEqual(nobody.json.entries, []);

    const range = await admin.getJson('/admin/audit?from=2020-01-15&to=2020-01-16');
    assert.deepEqual(range.json.entries.map((e) => e.action), ['test.last_day', 'test.first_day'], 'both days included, nothing outside');
    const oneDay = await admin.getJson('/admin/audit?from=2020-01-15&to=2020-01-15');
    assert.deepEqual(oneDay.json.entries.map((e) => e.action), ['test.first_day']);
    const upTo = await admin.getJson('/admin/audit?to=2020-01-14');
    assert.deepEqual(upTo.json.entries.map((e) => e.action), ['test.before']);
    const both = await admin.getJson(`/admin/audit?person=${encodeURIComponent(p.email)}&from=2020-01-01&to=2020-12-31`);
    assert.deepEqual(both.json.entries.map((e) => e.action), ['test.first_day']);
    const empty = await admin.getJson('/admin/audit?person=&from=&to=');
    assert.equal(empty.status, 200, 'empty filters mean no filter');
    assert.ok(empty.json.entries.length > 5);
});

test('a bad date or person in the audit filter gets 422 with the message in the form', async () => {
    const res = await admin.get('/admin/audit?from=2024-02-30&to=2024-03-01&person=ada%40example.org');
    assert.equal(res.status, 422);
    assert.match(res.body, /Enter the date as YYYY-MM-DD/);
    assert.match(res.body, /value="2024-02-30"/, 'what was typed is kept');
    assert.match(res.body, /value="ada@example.org"/);
    assert.match(res.body, /href="#field-from"/);
    assert.doesNotMatch(res.body, /<thead>/, 'no entries under a refused filter');
    for (const bad of ['from=yesterday', 'to=2024-1-01', 'to=2024-13-01', 'from=0000-01-01', 'from=2023-02-29']) {
        assert.equal((await admin.get(`/admin/audit?${bad}`)).status, 422, bad);
    }
    assert.equal((await admin.get('/admin/audit?from=2024-02-29')).status, 200, 'a leap day is a date');
    const reversed = await admin.getJson('/admin/audit?from=2024-03-02&to=2024-03-01');
    assert.equal(reversed.status, 422);
    assert.ok(reversed.json.error.fields.to);
    const who = await admin.getJson('/admin/audit?person=not-an-address');
    assert.equal(who.status, 422);
    assert.ok(who.json.error.fields.person);
});

test('the audit log pages by 100', async () => {
    q(`INSERT INTO audit_log (at, action) SELECT timestamptz '2019-06-01 12:00:00+00' + n * interval '1 second', 'test.page' FROM generate_series(1, 150) n`);
    const p1 = await admin.getJson('/admin/audit?from=2019-06-01&to=2019-06-01');
    assert.equal(p1.json.entries.length, 100);
    assert.equal(p1.json.next_page, 2);
    assert.equal(p1.json.prev_page, undefined);
    assert.equal(p1.json.entries[0].at, '2019-06-01 12:02:30');
    const p2 = await admin.getJson('/admin/audit?from=2019-06-01&to=2019-06-01&page=2');
    assert.equal(p2.json.entries.length, 50);
    assert.equal(p2.json.next_page, undefined);
    assert.equal(p2.json.prev_page, 1);
    assert.equal(p2.json.entries[49].at, '2019-06-01 12:00:01');
    assert.equal(p2.json.entries[49].actor, null);
    const html = await admin.get('/admin/audit?from=2019-06-01&to=2019-06-01');
    assert.match(html.body, /name="page" value="2"/, 'a link to the older entries');
    assert.match(html.body, /<td>—<\/td><td>test\.page<\/td>/, 'nobody is shown as a dash');
    for (const bad of ['0', '-1', 'x', '01', '100001']) {
        assert.equal((await admin.get(`/admin/audit?page=${bad}`)).status, 400, bad);
    }
});

test('therapists and clients get 403 on every /admin route, HTML and JSON', async () => {
    const victim = makeUser('therapist');
    for (const role of ['therapist', 'client']) {
        const u = makeUser(role);
        const c = await new Client(srv).signIn(u.email);
        for (const path of ['/admin/users', '/admin/audit']) {
            assert.equal((await c.get(path)).status, 403, `${role} GET ${path}`);
            assert.equal((await c.getJson(path)).status, 403, `${role} GET /api/v1${path}`);
        }
        const posts = [
            ['/admin/invites', { display_name: 'Sneaky', email: `sneaky-${role}@example.org` }],
            [`/admin/users/${victim.id}/disable`, {}],
            [`/admin/users/${victim.id}/enable`, {}],
            [`/admin/users/${victim.id}/reset-link`, {}],
            [`/admin/users/${adminId}/disable`, {}],
        ];
        for (const [path, body] of posts) {
            assert.equal((await c.post(path, body)).status, 403, `${role} POST ${path}`);
            assert.equal((await c.postJson(path, body)).status, 403, `${role} POST /api/v1${path}`);
        }
        const res = await c.get('/admin/audit');
        assert.doesNotMatch(res.body, /login\.success/);
    }
    assert.equal(q("SELECT count(*) FROM invites WHERE email LIKE 'sneaky-%'"), '0');
    assert.equal(q(`SELECT count(*) FROM invites WHERE user_id = ${victim.id}`), '0');
    assert.equal(q(`SELECT count(*) FROM users WHERE disabled_at IS NOT NULL AND id IN (${victim.id}, ${adminId})`), '0');
    const anon = new Client(srv);
    const r = await anon.get('/admin/users');
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, '/login');
});

test('admin POSTs without the CSRF token get 403 and change nothing', async () => {
    const u = makeUser('therapist');
    const before1 = q('SELECT count(*) FROM invites');
    const attempts = [
        ['/admin/invites', { display_name: 'No Token', email: 'no-token@example.org' }],
        [`/admin/users/${u.id}/disable`, {}],
        [`/admin/users/${u.id}/reset-link`, {}],
    ];
    for (const [path, body] of attempts) {
        assert.equal((await admin.post(path, body, { csrf: false })).status, 403, path);
        assert.equal((await admin.post(path, body, { csrf: 'A'.repeat(43) })).status, 403, `${path} with a wrong token`);
        assert.equal((await admin.postJson(path, body, { csrf: false })).status, 403, `/api/v1${path}`);
    }
    assert.equal(q('SELECT count(*) FROM invites'), before1);
    assert.equal(q(`SELECT disabled_at IS NULL FROM users WHERE id = ${u.id}`), 't');

    // The public reset form needs its session's token as well.
    const link = linkIn((await admin.post(`/admin/users/${u.id}/reset-link`)).body);
    const c = new Client(srv);
    await c.get(link.replace(srv.url, ''));
    const res = await c.post(link.replace(srv.url, ''), { password: NEW_PASSWORD, password_confirm: NEW_PASSWORD }, { csrf: false });
    assert.equal(res.status, 403);
    assert.equal((await trySignIn(u.email, PASSWORD)).res.status, 303, 'the password did not change');
});
