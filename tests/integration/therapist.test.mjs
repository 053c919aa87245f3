// therapist.test.mjs: a therapist's clients: invitations (create, accept,
// revoke), the care team, couples and the client page, and who may not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, query } from '../lib/harness.mjs';
import { Client, createAdmin, acceptInvite, PASSWORD } from '../lib/client.mjs';

let srv;
let adminId;
let admin; // { email, password, name }
before(async () => {
    srv = await startServer();
    admin = createAdmin(srv);
    adminId = q(`SELECT id FROM users WHERE email = '${admin.email}'`);
});
after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

const q = (sql) => query(srv, sql);

let seq = 0;
function uniq(prefix) {
    seq += 1;
    return `${prefix}${seq}-${process.pid}`;
}

const hashOf = (token) => `('\\x' || encode(sha256('${token}'::bytea), 'hex'))::bytea`;

// Inserts a one-time link of any kind straight into the database.
function insertInvite(token, kind, { email = null, name = null, createdBy = adminId, userId = null } = {}) {
    const lit = (v) => (v === null ? 'NULL' : `'${v}'`);
    return q(`INSERT INTO invites (token_hash, kind, email, display_name, created_by, user_id, expires_at)
              VALUES (${hashOf(token)}, '${kind}', ${lit(email)}, ${lit(name)}, ${lit(createdBy)}, ${lit(userId)},
                      now() + interval '1 day') RETURNING id`);
}

// A new therapist, signed in (the admin pages are not needed).
async function newTherapist(name = 'Theo Therapist') {
    const token = uniq('therapist-token-');
    const email = `${token}@example.org`;
    insertInvite(token, 'therapist', { email, name });
    const c = await acceptInvite(srv, `/invite/${token}`, { name });
    c.id = q(`SELECT id FROM users WHERE email = '${email}'`);
    c.email = email;
    assert.equal(q(`SELECT role FROM users WHERE id = ${c.id}`), 'therapist');
    return c;
}

// The therapist invites a client; returns { link, path, token, id }.
async function invite(therapist, name, email) {
    const res = await therapist.post('/clients/invites', { display_name: name, email });
    assert.equal(res.status, 201, res.body.slice(0, 500));
    const m = /(https?:\/\/[^\s<"]+)\/invite\/([A-Za-z0-9_-]{43})/.exec(res.body);
    assert.ok(m, 'the page shows the link');
    const token = m[2];
    const id = q(`SELECT id FROM invites WHERE token_hash = ${hashOf(token)}`);
    return { link: `${m[1]}/invite/${token}`, path: `/invite/${token}`, token, id, base: m[1] };
}

// A client of therapist, signed in; c.id is their user id.
async function newClient(therapist, name = 'Cleo Client') {
    const email = `${uniq('client')}@example.org`;
    const inv = await invite(therapist, name, email);
    const c = await acceptInvite(srv, inv.link, { name });
    c.id = q(`SELECT id FROM users WHERE email = '${email}'`);
    c.email = email;
    return c;
}

test('a therapist invites a client, who accepts and joins the care team', async () => {
    const t = await newTherapist();
    const empty = await t.get('/clients');
    assert.equal(empty.status, 200);
    assert.match(empty.body, /<title>Clients · Interlude<\/title>/);
    assert.match(empty.body, /No clients yet — invite someone below\./);

    const email = `${uniq('mira')}@example.org`;
    const inv = await invite(t, 'Mira', email);
    assert.equal(inv.base, srv.url, 'the link starts with BASE_URL');
    assert.equal(q(`SELECT kind || ' ' || created_by || ' ' || email || ' ' || display_name FROM invites WHERE id = ${inv.id}`),
        `client ${t.id} ${email} Mira`);
    assert.equal(q(`SELECT expires_at BETWEEN now() + interval '7 days' - interval '5 minutes' AND now() + interval '7 days' FROM invites WHERE id = ${inv.id}`), 't');
    assert.equal(q(`SELECT count(*) FROM invites WHERE encode(token_hash, 'escape') LIKE '%${inv.token}%'`), '0', 'only the hash is stored');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'invite.created' AND actor_id = ${t.id} AND object_type = 'invite' AND object_id = ${inv.id}`), '1');
    const pending = await t.get('/clients');
    assert.match(pending.body, new RegExp(`action="/invites/${inv.id}/revoke"`), 'the pending invitation can be revoked');

    // The accept page: the e-mail address is shown, not editable; the name is prefilled.
    const anon = new Client(srv);
    const form = await anon.get(inv.path);
    assert.equal(form.status, 200);
    assert.ok(form.body.includes(email));
    assert.doesNotMatch(form.body, /name="email"/, 'the e-mail address cannot be changed');
    assert.match(form.body, /name="display_name"[^>]*value="Mira"/);
    // A posted e-mail address is ignored: the invitation's is used.
    const ok = await anon.post(inv.path, { display_name: 'Mira M', email: 'other@example.org', password: PASSWORD, password_confirm: PASSWORD });
    assert.equal(ok.status, 303, ok.body.slice(0, 300));
    assert.equal(ok.headers.location, '/');
    const clientId = q(`SELECT id FROM users WHERE email = '${email}' AND role = 'client' AND display_name = 'Mira M'`);
    assert.ok(clientId, 'the account has the invitation\'s e-mail address');
    assert.equal(q(`SELECT count(*) FROM users WHERE email = 'other@example.org'`), '0');
    assert.equal(q(`SELECT count(*) FROM care_team WHERE therapist_id = ${t.id} AND client_id = ${clientId}`), '1');
    assert.equal(q(`SELECT used_at IS NOT NULL FROM invites WHERE id = ${inv.id}`), 't');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'invite.accepted' AND actor_id = ${clientId} AND object_type = 'invite' AND object_id = ${inv.id}`), '1');
    const home = await anon.get('/');
    assert.equal(home.status, 200, 'the new client is signed in');
    assert.match(home.body, /Your homework/);

    const list = await t.get('/clients');
    assert.equal(list.status, 200);
    assert.match(list.body, new RegExp(`href="/clients/${clientId}">Mira M</a>`));
    assert.ok(list.body.includes(email));
    assert.doesNotMatch(list.body, /No clients yet/);
    assert.doesNotMatch(list.body, new RegExp(`/invites/${inv.id}/revoke`), 'no longer pending');

    const api = await t.getJson('/clients');
    assert.equal(api.status, 200);
    assert.deepEqual(api.json.clients.map((c) => c.email), [email]);

    assert.ok(!srv.logs.some((l) => l.includes(inv.token)), 'the token is never logged');
});

test('an invitation with a bad e-mail address is refused, the name kept', async () => {
    const t = await newTherapist();
    const before = q('SELECT count(*) FROM invites');
    const res = await t.post('/clients/invites', { display_name: 'Nadia <b>', email: 'not-an-address' });
    assert.equal(res.status, 422);
    assert.match(res.body, /Enter an e-mail address like name@example\.org\./);
    assert.match(res.body, /id="field-display_name"[^>]*value="Nadia &lt;b&gt;"/, 'the typed name is kept (escaped)');
    assert.match(res.body, /href="#field-email"/, 'the error summary links to the field');
    assert.equal(q('SELECT count(*) FROM invites'), before);

    const taken = await t.post('/clients/invites', { display_name: 'Ada again', email: admin.email.toUpperCase() });
    assert.equal(taken.status, 422);
    assert.match(taken.body, /already an account with this e-mail address/);
    assert.equal(q('SELECT count(*) FROM invites'), before);

    const api = await t.postJson('/clients/invites', { display_name: '', email: 'x@example.org' });
    assert.equal(api.status, 422);
    assert.equal(api.json.error.fields.display_name, 'Enter a name.');
});

test('a weak password on accepting creates nothing and keeps the link usable', async () => {
    const t = await newTherapist();
    const email = `${uniq('weak')}@example.org`;
    const inv = await invite(t, 'Wen', email);
    const c = new Client(srv);
    assert.equal((await c.get(inv.path)).status, 200);
    const users = q('SELECT count(*) FROM users');
    const teams = q('SELECT count(*) FROM care_team');
    const weak = await c.post(inv.path, { display_name: 'Wen', password: 'short', password_confirm: 'short' });
    assert.equal(weak.status, 422);
    assert.match(weak.body, /at least 12 characters/);
    assert.doesNotMatch(weak.body, /value="short"/, 'the password is never sent back');
    const mismatch = await c.post(inv.path, { display_name: 'Wen', password: PASSWORD, password_confirm: `${PASSWORD}x` });
    assert.equal(mismatch.status, 422);
    assert.match(mismatch.body, /The two passwords are not the same\./);
    assert.equal(q('SELECT count(*) FROM users'), users);
    assert.equal(q('SELECT count(*) FROM care_team'), teams);
    assert.equal(q(`SELECT used_at IS NULL FROM invites WHERE id = ${inv.id}`), 't');
    await acceptInvite(srv, inv.link, { name: 'Wen' });
    assert.equal(q(`SELECT count(*) FROM users WHERE email = '${email}'`), '1');
});

test('accepting with an e-mail address taken meanwhile is refused and uses nothing', async () => {
    const t = await newTherapist();
    const email = `${uniq('twice')}@example.org`;
    const first = await invite(t, 'Ivo', email);
    const second = await invite(t, 'Ivo', email);
    await acceptInvite(srv, first.link, { name: 'Ivo' });
    const teams = q('SELECT count(*) FROM care_team');
    const c = new Client(srv);
    assert.equal((await c.get(second.path)).status, 200);
    const res = await c.post(second.path, { display_name: 'Ivo', password: PASSWORD, password_confirm: PASSWORD });
    assert.equal(res.status, 422);
    assert.match(res.body, /already an account with this e-mail address/);
    assert.equal(q(`SELECT count(*) FROM users WHERE lower(email) = lower('${email}')`), '1');
    assert.equal(q('SELECT count(*) FROM care_team'), teams);
    assert.equal(q(`SELECT used_at IS NULL FROM invites WHERE id = ${second.id}`), 't', 'rolled back');
});

test('an invitation link works once', async () => {
    const t = await newTherapist();
    const inv = await invite(t, 'Ola', `${uniq('ola')}@example.org`);
    await acceptInvite(srv, inv.link, { name: 'Ola' });
    const users = q('SELECT count(*) FROM users');
    const c = new Client(srv);
    const again = await c.get(inv.path);
    assert.equal(again.status, 404);
    assert.match(again.body, /This invitation has expired or was already used\. Ask for a new one\./);
    await c.get('/login'); // a session for the CSRF token
    const post = await c.post(inv.path, { display_name: 'Ola 2', password: PASSWORD, password_confirm: PASSWORD });
    assert.equal(post.status, 404);
    assert.equal(q('SELECT count(*) FROM users'), users);
});

test('an expired invitation link is refused', async () => {
    const t = await newTherapist();
    const inv = await invite(t, 'Eli', `${uniq('eli')}@example.org`);
    q(`UPDATE invites SET expires_at = now() - interval '1 second' WHERE id = ${inv.id}`);
    assert.equal((await new Client(srv).get(inv.path)).status, 404);
});

test('a revoked invitation link is refused', async () => {
    const t = await newTherapist();
    const email = `${uniq('rev')}@example.org`;
    const inv = await invite(t, 'Rae', email);
    const c = new Client(srv);
    assert.equal((await c.get(inv.path)).status, 200);
    const res = await t.post(`/invites/${inv.id}/revoke`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/clients?done=revoked');
    assert.equal(q(`SELECT revoked_at IS NOT NULL FROM invites WHERE id = ${inv.id}`), 't');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'invite.revoked' AND actor_id = ${t.id} AND object_id = ${inv.id}`), '1');
    const page = await t.get('/clients?done=revoked');
    assert.match(page.body, /The invitation was revoked\./);
    assert.doesNotMatch(page.body, new RegExp(`/invites/${inv.id}/revoke`));

    assert.equal((await new Client(srv).get(inv.path)).status, 404);
    // The form loaded before revoking cannot be posted either.
    const late = await c.post(inv.path, { display_name: 'Rae', password: PASSWORD, password_confirm: PASSWORD });
    assert.equal(late.status, 404);
    assert.equal(q(`SELECT count(*) FROM users WHERE email = '${email}'`), '0');
    // Revoking twice is refused, and nothing is audited again.
    assert.equal((await t.post(`/invites/${inv.id}/revoke`)).status, 409);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'invite.revoked' AND object_id = ${inv.id}`), '1');
});

test('setup and reset links are not accepted at /invite', async () => {
    const setup = uniq('setup-token-');
    const reset = uniq('reset-token-');
    const setupId = insertInvite(setup, 'setup', { createdBy: null });
    const resetId = insertInvite(reset, 'reset', { userId: adminId });
    const users = q('SELECT count(*) FROM users');
    for (const [token, id] of [[setup, setupId], [reset, resetId]]) {
        const c = new Client(srv);
        assert.equal((await c.get(`/invite/${token}`)).status, 404, token);
        await c.get('/login');
        const post = await c.post(`/invite/${token}`, { display_name: 'Mallory', email: `${token}@example.org`, password: PASSWORD, password_confirm: PASSWORD });
        assert.equal(post.status, 404, token);
        assert.equal(q(`SELECT used_at IS NULL FROM invites WHERE id = ${id}`), 't');
    }
    assert.equal(q('SELECT count(*) FROM users'), users);
});

test('only the creator may revoke an invitation; others get 404', async () => {
    const mine = await newTherapist('Mine');
    const other = await newTherapist('Other');
    const inv = await invite(mine, 'Pia', `${uniq('pia')}@example.org`);
    const res = await other.post(`/invites/${inv.id}/revoke`);
    assert.equal(res.status, 404);
    const unknown = await other.post('/invites/999999999/revoke');
    assert.equal(unknown.status, 404);
    assert.equal(res.body, unknown.body, 'the same answer as an unknown id');
    assert.equal(q(`SELECT revoked_at IS NULL FROM invites WHERE id = ${inv.id}`), 't');

    // An admin did not make it either.
    const a = await new Client(srv).signIn(admin.email);
    assert.equal((await a.post(`/invites/${inv.id}/revoke`)).status, 404);
    assert.equal(q(`SELECT revoked_at IS NULL FROM invites WHERE id = ${inv.id}`), 't');
    // A client may not call it at all.
    const client = await newClient(mine);
    assert.equal((await client.post(`/invites/${inv.id}/revoke`)).status, 403);
    assert.equal(q(`SELECT revoked_at IS NULL FROM invites WHERE id = ${inv.id}`), 't');

    // The admin revokes their own (therapist) invitation and goes back to the people page.
    const token = uniq('admin-made-');
    const id = insertInvite(token, 'therapist', { email: `${token}@example.org`, name: 'T' });
    const done = await a.post(`/invites/${id}/revoke`);
    assert.equal(done.status, 303);
    assert.match(done.headers.location, /^\/admin\/users\?/);
    assert.equal(q(`SELECT revoked_at IS NOT NULL FROM invites WHERE id = ${id}`), 't');
    // An accepted invitation cannot be revoked.
    const acc = await invite(mine, 'Acc', `${uniq('acc')}@example.org`);
    await acceptInvite(srv, acc.link, { name: 'Acc' });
    assert.equal((await mine.post(`/invites/${acc.id}/revoke`)).status, 409);
    assert.equal(q(`SELECT revoked_at IS NULL FROM invites WHERE id = ${acc.id}`), 't');
});

test('a client page is shown only to a therapist on the care team', async () => {
    const mine = await newTherapist('Mine');
    const other = await newTherapist('Other');
    const client = await newClient(mine, 'Sam Private');

    const page = await mine.get(`/clients/${client.id}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1>Sam Private<\/h1>/);
    assert.ok(page.body.includes(client.email));
    assert.doesNotMatch(page.body, /<title>[^<]*Sam/, 'the name is never in the title');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'client.viewed' AND actor_id = ${mine.id} AND subject_id = ${client.id}`), '1');

    const audits = q(`SELECT count(*) FROM audit_log WHERE action = 'client.viewed'`);
    const unknown = await other.get('/clients/999999999');
    assert.equal(unknown.status, 404);
    const denied = await other.get(`/clients/${client.id}`);
    assert.equal(denied.status, 404);
    assert.equal(denied.body, unknown.body, 'the same answer as an unknown id');
    assert.doesNotMatch(denied.body, /Sam Private/);
    const api = await other.getJson(`/clients/${client.id}`);
    assert.equal(api.status, 404);
    assert.doesNotMatch(api.body, /Sam Private|@example/);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'client.viewed'`), audits, 'nothing viewed');
    const otherList = await other.get('/clients');
    assert.doesNotMatch(otherList.body, /Sam Private/);

    // Neither the client nor an admin uses these pages.
    assert.equal((await client.get('/clients')).status, 403);
    assert.equal((await client.getJson('/clients')).status, 403);
    assert.equal((await client.get(`/clients/${client.id}`)).status, 403);
    const a = await new Client(srv).signIn(admin.email);
    assert.equal((await a.get(`/clients/${client.id}`)).status, 403);
    const anon = await new Client(srv).get('/clients');
    assert.equal(anon.status, 303);
    assert.equal(anon.headers.location, '/login');
});

test('couples: two of my clients, once, never someone else\'s', async () => {
    const t = await newTherapist('Couples');
    const other = await newTherapist('Elsewhere');
    const a = await newClient(t, 'Ann');
    const b = await newClient(t, 'Ben');
    const stranger = await newClient(other, 'Stranger');
    const count = () => q('SELECT count(*) FROM couples');
    const start = count();

    const notMine = await t.post('/couples', { partner_a: a.id, partner_b: stranger.id });
    assert.equal(notMine.status, 422);
    assert.match(notMine.body, /Choose one of your clients\./);
    assert.match(notMine.body, new RegExp(`<option value="${a.id}" selected>`), 'the choice is kept');
    assert.doesNotMatch(notMine.body, /Stranger/);
    const same = await t.post('/couples', { partner_a: a.id, partner_b: a.id });
    assert.equal(same.status, 422);
    assert.match(same.body, /Choose two different people\./);
    const junk = await t.post('/couples', { partner_a: 'x', partner_b: '' });
    assert.equal(junk.status, 422);
    assert.equal(count(), start);

    // Posted in descending order: stored as (smaller, larger).
    const ok = await t.post('/couples', { partner_a: b.id, partner_b: a.id });
    assert.equal(ok.status, 303, ok.body.slice(0, 300));
    assert.equal(ok.headers.location, '/clients?done=couple');
    assert.equal(count(), String(Number(start) + 1));
    const row = q(`SELECT id || ' ' || therapist_id || ' ' || partner_a || ' ' || partner_b FROM couples ORDER BY id DESC LIMIT 1`).split(' ');
    assert.deepEqual(row.slice(1), [t.id, String(Math.min(a.id, b.id)), String(Math.max(a.id, b.id))]);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'couple.created' AND actor_id = ${t.id} AND object_type = 'couple' AND object_id = ${row[0]}`), '1');

    const dup = await t.post('/couples', { partner_a: a.id, partner_b: b.id });
    assert.equal(dup.status, 422);
    assert.match(dup.body, /already a couple/);
    const dupApi = await t.postJson('/couples', { partner_a: String(b.id), partner_b: String(a.id) });
    assert.equal(dupApi.status, 422);
    assert.ok(dupApi.json.error.fields.partner_b);
    assert.equal(count(), String(Number(start) + 1));

    const list = await t.get('/clients');
    assert.match(list.body, /<td><a href="\/clients\/\d+">Ann<\/a><\/td><td><a href="\/clients\/\d+">Ben<\/a><\/td>/);
    const page = await t.get(`/clients/${a.id}`);
    assert.match(page.body, new RegExp(`With <a href="/clients/${b.id}">Ben</a>`));

    // The other therapist cannot pair my clients.
    const theirs = await other.post('/couples', { partner_a: stranger.id, partner_b: a.id });
    assert.equal(theirs.status, 422);
    assert.equal(count(), String(Number(start) + 1));
});

test('POSTs without the CSRF token are refused and change nothing', async () => {
    const t = await newTherapist();
    const a = await newClient(t, 'Cai');
    const b = await newClient(t, 'Dee');
    const inv = await invite(t, 'Fay', `${uniq('fay')}@example.org`);
    const counts = () => q(`SELECT (SELECT count(*) FROM invites) || ' ' || (SELECT count(*) FROM couples) || ' ' || (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM invites WHERE revoked_at IS NOT NULL OR used_at IS NOT NULL)`);
    const start = counts();

    for (const csrf of [false, 'not-the-token']) {
        const r1 = await t.post('/clients/invites', { display_name: 'Gus', email: `${uniq('gus')}@example.org` }, { csrf });
        assert.equal(r1.status, 403);
        const r2 = await t.post('/couples', { partner_a: a.id, partner_b: b.id }, { csrf });
        assert.equal(r2.status, 403);
        const r3 = await t.post(`/invites/${inv.id}/revoke`, {}, { csrf });
        assert.equal(r3.status, 403);
        const anon = new Client(srv);
        assert.equal((await anon.get(inv.path)).status, 200);
        const r4 = await anon.post(inv.path, { display_name: 'Fay', password: PASSWORD, password_confirm: PASSWORD }, { csrf });
        assert.equal(r4.status, 403);
    }
    assert.equal(counts(), start);
});
