// access.test.mjs: the access matrix. For every route in the server's own
// table (`interlude routes`) and every kind of person, the status is what
// the table below says; a route without a row fails the test. Then every
// unsafe route is tried without a CSRF token and with another session's
// token: 403, and the database is unchanged. Last, the token column: every
// route with a read and a read-write API token of each person who can have
// them (therapists and the administrator): refused on every HTML page and on
// the routes the server does not mark for tokens (account and security),
// read tokens refused on every unsafe method; elsewhere a token gets what
// its person gets on /api/v1 with their session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, request, ROOT, query } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson } from '../lib/client.mjs';

const ACTORS = ['anon', 'A', 'B', 'T2', 'admin', 'T1']; // the owner (T1) goes last
const all = (s) => Object.fromEntries(ACTORS.map((a) => [a, s]));
const signedIn = (anon, s) => ({ ...all(s), anon });
const only = (who, ok, others, anon = 303) => ({ ...all(others), anon, ...Object.fromEntries(who.map((w) => [w, ok])) });

// Expected HTML status per route and person. A = client of T1, B = client
// of T2, T1/T2 therapists, admin. {id} and {token} values: see paramsFor().
const MATRIX = {
    'GET /': { anon: 200, A: 200, B: 200, T1: 303, T2: 303, admin: 303 },
    'GET /healthz': all(200),
    'GET /readyz': all(200),
    'GET /login': signedIn(200, 303),
    'POST /login': all(422),
    'POST /logout': all(303),
    'GET /session': all(200),
    // twostep.c: nobody here is half-signed-in, so the code step sends
    // everyone on; starting an enrolment sends back to /account, confirming
    // it without a code is 422, switching off what is not on is 409.
    'GET /login/code': all(303),
    'POST /login/code': all(303),
    'POST /account/two-step': signedIn(303, 303),
    'POST /account/two-step/confirm': signedIn(303, 422),
    'POST /account/two-step/disable': signedIn(303, 409),
    'POST /account/sessions/{id}/end': signedIn(303, 404),
    // tokens.c: clients cannot make tokens; an empty form is 422; T1 revokes
    // their own spare token (before()), which is nobody else's to revoke.
    'POST /account/tokens': { ...signedIn(303, 422), A: 403, B: 403 },
    'POST /account/tokens/{id}/revoke': { ...only(['T1'], 303, 404), A: 403, B: 403, anon: 303 },
    // A lost device: the admin resets T3's second factor; T1 their client
    // Sam's (not A: it ends the person's sessions).
    'POST /admin/users/{id}/two-step/reset': only(['admin'], 303, 403),
    'POST /clients/{id}/two-step/reset': { ...only(['T1'], 303, 403), T2: 404 },
    'GET /setup/{token}': all(404),
    'POST /setup/{token}': all(404),
    'GET /account': signedIn(303, 200),
    'POST /account/password': signedIn(303, 422),
    'POST /account/sessions/end-others': signedIn(303, 303),
    'POST /account/settings': { ...only(['T1', 'T2'], 422, 403), anon: 303 },
    'GET /admin/users': only(['admin'], 200, 403),
    'POST /admin/invites': only(['admin'], 422, 403),
    'POST /admin/users/{id}/disable': only(['admin'], 303, 403),
    'POST /admin/users/{id}/enable': only(['admin'], 303, 403),
    'POST /admin/users/{id}/reset-link': only(['admin'], 201, 403),
    'GET /admin/audit': only(['admin'], 200, 403),
    'GET /admin/support': only(['admin'], 200, 403),
    'POST /admin/support': only(['admin'], 422, 403),
    'POST /admin/support/{id}/delete': only(['admin'], 303, 403),
    'GET /reset/{token}': all(404),
    'POST /reset/{token}': all(404),
    'GET /password/forgot': all(200),
    'POST /password/forgot': all(422),
    'GET /admin/mail': only(['admin'], 200, 403),
    // security.c: the two-step policy; a POST without its field is 422.
    'GET /admin/security': only(['admin'], 200, 403),
    'POST /admin/security': only(['admin'], 422, 403),
    // discretion.c: the practice name and the words (nothing posted: 422;
    // removing a word that is not on the list: 404).
    'POST /admin/mail/practice': only(['admin'], 422, 403),
    'POST /admin/mail/words': only(['admin'], 422, 403),
    'POST /admin/mail/words/delete': only(['admin'], 404, 403),
    // reminders.c: a client's choice (nothing posted: 422); the stop link
    // of a reminder mail, whose token is the credential (unknown: 404).
    'POST /account/reminders': { ...only(['A', 'B'], 422, 403), anon: 303 },
    // calendar.c: a client's calendar link (nothing posted: 422; stopping
    // when there is none still answers with the account page); the feed,
    // whose token is the credential (unknown: 404).
    'POST /account/calendar': { ...only(['A', 'B'], 422, 403), anon: 303 },
    'POST /account/calendar/stop': { ...only(['A', 'B'], 303, 403), anon: 303 },
    'GET /calendar/{token}.ics': all(404),
    'GET /reminders/stop/{token}': all(404),
    'POST /reminders/stop/{token}': all(404),
    'GET /clients': only(['T1', 'T2'], 200, 403),
    'POST /clients/invites': only(['T1', 'T2'], 422, 403),
    'POST /couples': only(['T1', 'T2'], 422, 403),
    'GET /clients/{id}': { ...only(['T1'], 200, 403), T2: 404 },
    // Runs before revoke (route order): T1's open invitation gets a new link.
    'POST /invites/{id}/resend': { ...only(['T1'], 201, 403), T2: 404, admin: 404 },
    'POST /invites/{id}/revoke': { ...only(['T1'], 303, 403), T2: 404, admin: 404 },
    // attention.c: an item about A (before()); T1 acknowledges it.
    'POST /clients/{id}/attention/{id}/acknowledge': { ...only(['T1'], 303, 403), T2: 404 },
    'GET /library': only(['T1', 'T2'], 200, 403),
    'GET /library/{id}': only(['T1', 'T2'], 200, 403),
    'GET /library/{id}/fhir': only(['T1', 'T2'], 200, 403),
    // authoring.c: T1's draft and custom items (before()); POSTs without
    // their fields are refused (400) only after the owner check.
    'GET /drafts': only(['T1', 'T2'], 200, 403),
    'POST /drafts': only(['T1', 'T2'], 400, 403),
    'GET /drafts/{id}': { ...only(['T1'], 200, 403), T2: 404 },
    'POST /drafts/{id}': { ...only(['T1'], 400, 403), T2: 404 },
    'GET /drafts/{id}/preview': { ...only(['T1'], 200, 403), T2: 404 },
    'POST /library/{id}/duplicate': { ...only(['T1'], 303, 403), T2: 404 },
    'POST /library/{id}/edit': { ...only(['T1'], 303, 403), T2: 404 },
    'POST /library/{id}/archive': { ...only(['T1'], 303, 403), T2: 404 },
    // homework.c / entries.c: A's couple assignment and A's entry (before()).
    'GET /homework/{id}': { ...only(['A'], 200, 403), B: 404 },
    'GET /homework/{id}/practice': { ...only(['A'], 200, 403), B: 404 },
    'POST /homework/{id}/practice': { ...only(['A'], 400, 403), B: 404 },
    'GET /entries/{id}': { ...only(['A', 'T1'], 200, 403), B: 404, T2: 404 },
    'GET /entries/{id}/submitted': { ...only(['A'], 200, 403), B: 404 },
    'POST /entries/{id}/comments': { ...only(['A', 'T1'], 422, 403), B: 404, T2: 404 },
    'POST /entries/{id}/share': { ...only(['A'], 303, 403), B: 404 },
    'POST /entries/{id}/reviewed': { ...only(['T1'], 303, 403), T2: 404 },
    'GET /entries/{id}/fhir': { ...only(['A', 'T1'], 200, 403), B: 404, T2: 404 },
    // formapi.c: the form of a version of T1's own activity, given to A
    // (access_form_version); T2 may read library versions only.
    'GET /forms/{id}': { ...only(['A', 'T1'], 200, 403), B: 404, T2: 404 },
    // export.c: a client's own record; A's for T1, their therapist (T2: 404).
    'GET /account/export': { ...only(['A', 'B'], 200, 403), anon: 303 },
    'GET /clients/{id}/export': { ...only(['T1'], 200, 403), T2: 404 },
    // assign.c: T1's assignments to A (one to edit, one to cancel: before());
    // an empty POST is refused (422) only after the owner check.
    'GET /assign': only(['T1', 'T2'], 200, 403),
    'POST /assignments': only(['T1', 'T2'], 422, 403),
    'GET /assignments/{id}/edit': { ...only(['T1'], 200, 403), T2: 404 },
    'POST /assignments/{id}': { ...only(['T1'], 422, 403), T2: 404 },
    'POST /assignments/{id}/cancel': { ...only(['T1'], 303, 403), T2: 404 },
    // progress.c: a client's own progress.
    'GET /progress': only(['A', 'B'], 200, 403),
    'GET /invite/{token}': all(404),
    'POST /invite/{token}': all(404),
};

let srv;
let routes;
const people = {};
const ids = {};
const TOKEN_ACTORS = ['T2', 'admin', 'T1']; // clients cannot have tokens
const tokens = {};

const q = (sql) => query(srv, sql);

function invitedAs(kind, createdBy, email, name) {
    return invitedPerson(srv, { kind, createdBy, email, name });
}

before(async () => {
    srv = await startServer();
    routes = JSON.parse(execFileSync(process.env.INTERLUDE_BIN, ['routes'], { cwd: ROOT }).toString());
    createAdmin(srv);
    people.admin = await new Client(srv).signIn('admin@example.org');
    const adminId = q("SELECT id FROM users WHERE email = 'admin@example.org'");
    people.T1 = await invitedAs('therapist', adminId, 't1@example.org', 'Tess One');
    people.T2 = await invitedAs('therapist', adminId, 't2@example.org', 'Theo Two');
    await invitedAs('therapist', adminId, 't3@example.org', 'Spare Three');
    ids.T1 = q("SELECT id FROM users WHERE email = 't1@example.org'");
    ids.T2 = q("SELECT id FROM users WHERE email = 't2@example.org'");
    ids.T3 = q("SELECT id FROM users WHERE email = 't3@example.org'");
    people.A = await invitedAs('client', ids.T1, 'a@example.org', 'Alex');
    people.B = await invitedAs('client', ids.T2, 'b@example.org', 'Blair');
    ids.A = q("SELECT id FROM users WHERE email = 'a@example.org'");
    q(`INSERT INTO invites (token_hash, kind, email, display_name, created_by, expires_at)
       VALUES (sha256('pending-by-t1'::bytea), 'client', 'p@example.org', 'Pending', ${ids.T1}, now() + interval '1 day')`);
    ids.invite = q("SELECT id FROM invites WHERE email = 'p@example.org'");
    ids.activity = q("SELECT min(id) FROM activities WHERE source = 'library'");
    // Authoring: two copies of a library exercise owned by T1 (one to
    // archive), and the open draft of the first.
    const exercise = q("SELECT min(id) FROM activities WHERE source = 'library' AND kind = 'exercise'");
    const copy = async () => {
        const res = await people.T1.post(`/library/${exercise}/duplicate`, {});
        const draft = /^\/drafts\/(\d+)$/.exec(res.headers.location ?? '')?.[1];
        assert.ok(draft, `T1's copy: ${res.status}`);
        return [draft, q(`SELECT activity_id FROM activity_drafts WHERE id = ${draft}`)];
    };
    [ids.draft, ids.custom] = await copy();
    ids.archivable = (await copy())[1];
    // Homework: a couple assignment for A (partner: another client of T1),
    // made with psql, and an entry A submits through HTTP.
    await invitedAs('client', ids.T1, 'a-partner@example.org', 'Sam');
    const partner = q("SELECT id FROM users WHERE email = 'a-partner@example.org'");
    ids.partner = partner;
    const [lo, hi] = Number(ids.A) < Number(partner) ? [ids.A, partner] : [partner, ids.A];
    const couple = q(`INSERT INTO couples (therapist_id, partner_a, partner_b) VALUES (${ids.T1}, ${lo}, ${hi})
                      ON CONFLICT (partner_a, partner_b) DO UPDATE SET therapist_id = EXCLUDED.therapist_id RETURNING id`);
    const assignTo = (client) => q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, couple_id, start_date, times_per_week, weeks)
        SELECT id, version_id, ${ids.T1}, ${client}, ${couple}, current_date, 3, 2 FROM activity_latest
        WHERE slug = 'eye-contact-connection' AND source = 'library' RETURNING id`);
    ids.assignment = assignTo(ids.A);
    const other = assignTo(partner);
    q(`UPDATE assignments SET partner_assignment_id = ${other} WHERE id = ${ids.assignment}`);
    q(`UPDATE assignments SET partner_assignment_id = ${ids.assignment} WHERE id = ${other}`);
    const practice = await people.A.get(`/homework/${ids.assignment}/practice`);
    const key = /name="idempotency_key" value="([^"]+)"/.exec(practice.body)[1];
    const sub = await people.A.post(`/homework/${ids.assignment}/practice`, { comfort: '5', connection: '5', idempotency_key: key, action: 'submit' });
    ids.entry = /^\/entries\/(\d+)\/submitted$/.exec(sub.headers.location ?? '')?.[1];
    assert.ok(ids.entry, `A's entry: ${sub.status}`);
    // Assignments of T1's to A, made by T1 through HTTP: one to edit, one to cancel.
    const assignHttp = async () => {
        const res = await people.T1.post('/assignments', { who: `client:${ids.A}`, activity: exercise, start_date: q("SELECT to_char((now() AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')"), schedule: 'rhythm', times_per_week: '2', weeks: '2' });
        assert.equal(res.status, 303, `T1's assignment: ${res.status}`);
        return q(`SELECT max(id) FROM assignments WHERE client_id = ${ids.A} AND therapist_id = ${ids.T1}`);
    };
    ids.assignEdit = await assignHttp();
    ids.assignCancel = await assignHttp();
    // A version of T1's own activity, given to A (cancelled at once: A's
    // pages stay as they were): its form is A's and T1's to read.
    ids.formVersion = q(`SELECT max(id) FROM activity_versions WHERE activity_id = ${ids.custom}`);
    assert.ok(ids.formVersion, 'the copy has a version');
    q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, times_per_week, weeks, cancelled_at)
       VALUES (${ids.custom}, ${ids.formVersion}, ${ids.T1}, ${ids.A}, current_date, 2, 2, now())`);
    // An attention item about A, and a crisis contact for the admin to remove.
    ids.attention = q(`INSERT INTO attention_items (client_id, kind, assignment_id) VALUES (${ids.A}, 'inactive', ${ids.assignment}) RETURNING id`);
    ids.crisis = q("INSERT INTO crisis_contacts (label, phone) VALUES ('Crisis line', '0800 123') RETURNING id");
    people.anon = new Client(srv);
    await people.anon.getJson('/session');
    // API tokens: a spare one of T1's to revoke, and a read and a
    // read-write token for each person who may have them.
    const makeToken = async (who, scope) => {
        const res = await people[who].postJson('/account/tokens', { name: `${who} ${scope}`, scope, expires_in_days: '30' });
        assert.equal(res.status, 201, `${who}'s ${scope} token: ${res.status}`);
        return res.json;
    };
    ids.token = (await makeToken('T1', 'read')).id;
    for (const who of TOKEN_ACTORS) tokens[who] = { read: (await makeToken(who, 'read')).token, 'read-write': (await makeToken(who, 'read-write')).token };
});

after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

function paramsFor(r) {
    const byPattern = {
        '/admin/users/{id}/disable': ids.T3,
        '/admin/users/{id}/enable': ids.T3,
        '/admin/users/{id}/reset-link': ids.T3,
        '/clients/{id}': ids.A,
        '/clients/{id}/export': ids.A,
        '/invites/{id}/revoke': ids.invite,
        '/invites/{id}/resend': ids.invite,
        '/library/{id}': ids.activity,
        '/library/{id}/fhir': ids.activity,
        '/drafts/{id}': ids.draft,
        '/drafts/{id}/preview': ids.draft,
        '/library/{id}/duplicate': ids.custom,
        '/library/{id}/edit': ids.custom,
        '/library/{id}/archive': ids.archivable,
        '/homework/{id}': ids.assignment,
        '/homework/{id}/practice': ids.assignment,
        '/entries/{id}': ids.entry,
        '/entries/{id}/submitted': ids.entry,
        '/entries/{id}/comments': ids.entry,
        '/entries/{id}/share': ids.entry,
        '/entries/{id}/reviewed': ids.entry,
        '/entries/{id}/fhir': ids.entry,
        '/forms/{id}': ids.formVersion,
        '/assignments/{id}/edit': ids.assignEdit,
        '/assignments/{id}': ids.assignEdit,
        '/assignments/{id}/cancel': ids.assignCancel,
        '/clients/{id}/attention/{id}/acknowledge': [ids.A, ids.attention],
        '/admin/support/{id}/delete': ids.crisis,
        '/account/sessions/{id}/end': '999999999', // nobody's session
        '/admin/users/{id}/two-step/reset': ids.T3,
        '/clients/{id}/two-step/reset': ids.partner,
        '/account/tokens/{id}/revoke': ids.token,
    };
    let path = r.pattern.replace('{token}', 'NoSuchToken0000000000000000000000000000000x');
    if (path.includes('{id}')) {
        assert.ok(byPattern[r.pattern], `no object chosen for ${r.pattern}: add it to paramsFor()`);
        for (const id of [byPattern[r.pattern]].flat()) path = path.replace('{id}', id);
        assert.ok(!path.includes('{id}'), `${r.pattern}: one id for each {id}`);
    }
    return path;
}

// A client for one row: the standing one, or a fresh sign-in for rows that
// end the session (logout).
async function clientFor(actor, r) {
    if (r.pattern !== '/logout') return people[actor];
    if (actor === 'anon') {
        const c = new Client(srv);
        await c.getJson('/session');
        return c;
    }
    const email = { A: 'a@example.org', B: 'b@example.org', T1: 't1@example.org', T2: 't2@example.org', admin: 'admin@example.org' }[actor];
    return new Client(srv).signIn(email);
}

test('every route has a row in the matrix, and every row a route', () => {
    const keys = routes.map((r) => `${r.method} ${r.pattern}`);
    const missing = keys.filter((k) => !(k in MATRIX));
    assert.deepEqual(missing, [], 'routes without a row in MATRIX');
    const stale = Object.keys(MATRIX).filter((k) => !keys.includes(k));
    assert.deepEqual(stale, [], 'rows for routes that no longer exist');
});

test('access matrix: HTML and the JSON twin', async () => {
    const failures = [];
    for (const r of routes) {
        const key = `${r.method} ${r.pattern}`;
        const row = MATRIX[key];
        if (!row) continue; // reported by the test above
        for (const actor of ACTORS) {
            const c = await clientFor(actor, r);
            const path = paramsFor(r);
            const res = r.method === 'GET' ? await c.get(path) : await c.post(path, {});
            // A JSON-only route answers an anonymous visitor 401, not a redirect.
            const want = r.json_only && row[actor] === 303 && actor === 'anon' ? 401 : row[actor];
            if (res.status !== want) failures.push(`${key} as ${actor}: ${res.status}, expected ${want}`);
            if (r.method === 'GET' && r.api) {
                const j = await c.get(`/api/v1${path}`);
                const want = row[actor] === 303 ? (actor === 'anon' && r.roles.length ? 401 : 200) : row[actor];
                if (j.status !== want) failures.push(`${key} as ${actor} (JSON): ${j.status}, expected ${want}`);
                if (!/application\/json/.test(j.headers['content-type'] ?? '')) failures.push(`${key} (JSON): not JSON`);
            }
        }
    }
    assert.deepEqual(failures, []);
});

// withAudit false: leaves out the audit log (requests with a token that
// are refused still write their audit row). Assignments, entries (drafts
// and submitted ones) and activity drafts count with every column of every
// row: the test below shows that a change to any of them is seen.
function fingerprint(withAudit = true) {
    return q(`SELECT md5(concat_ws('|',
        (SELECT string_agg(concat_ws(',', id, email, role, password_hash, disabled_at), ';' ORDER BY id) FROM users),
        (SELECT string_agg(concat_ws(',', id, kind, used_at, revoked_at), ';' ORDER BY id) FROM invites),
        (SELECT string_agg(concat_ws(',', therapist_id, client_id), ';' ORDER BY 1, 2) FROM care_team),
        (SELECT string_agg(concat_ws(',', id, partner_a, partner_b), ';' ORDER BY id) FROM couples),
        (SELECT string_agg(concat_ws(',', id, revoked_at), ';' ORDER BY id) FROM api_tokens),
        (SELECT string_agg(concat_ws(',', id, archived_at), ';' ORDER BY id) FROM activities),
        (SELECT string_agg(md5(a::text), ';' ORDER BY a.id) FROM assignments a),
        (SELECT string_agg(md5(e::text), ';' ORDER BY e.id) FROM entries e),
        (SELECT count(*) FROM comments),
        (SELECT string_agg(md5(d::text), ';' ORDER BY d.id) FROM activity_drafts d),
        ${withAudit ? '(SELECT count(*) FROM audit_log)' : "''"},
        (SELECT count(*) FROM login_failures),
        (SELECT string_agg(concat_ws(',', id, user_id), ';' ORDER BY id) FROM sessions),
        (SELECT string_agg(concat_ws(',', id, acknowledged_at, acknowledged_by), ';' ORDER BY id) FROM attention_items),
        (SELECT string_agg(concat_ws(',', id, label), ';' ORDER BY id) FROM crisis_contacts)))`);
}

// The fingerprint proves nothing unless it can tell: one change in a
// column it did not read before (an assignment's rhythm, an entry's read
// mark, a new entry draft, an activity draft's content) changes it, and
// undoing the change gives the same fingerprint back.
test('the fingerprint sees a change to an assignment, an entry, an entry draft and an activity draft', () => {
    const before = fingerprint();
    const readAt = q(`SELECT coalesce(quote_literal(therapist_read_at), 'NULL') FROM entries WHERE id = ${ids.entry}`);
    let draftEntry;
    const changes = [
        ['an assignment', () => q(`UPDATE assignments SET times_per_week = times_per_week + 1 WHERE id = ${ids.assignment}`),
            () => q(`UPDATE assignments SET times_per_week = times_per_week - 1 WHERE id = ${ids.assignment}`)],
        ['an entry', () => q(`UPDATE entries SET therapist_read_at = '2001-02-03 04:05:06+00' WHERE id = ${ids.entry}`),
            () => q(`UPDATE entries SET therapist_read_at = ${readAt} WHERE id = ${ids.entry}`)],
        ['an entry draft', () => {
            draftEntry = q(`INSERT INTO entries (assignment_id, client_id, status, answers_enc, idempotency_key)
                VALUES (${ids.assignEdit}, ${ids.A}, 'draft', '\\x00'::bytea, 'fingerprint-check-draft') RETURNING id`);
        }, () => q(`DELETE FROM entries WHERE id = ${draftEntry}`)],
        ['an activity draft', () => q(`UPDATE activity_drafts SET content = content || '{"fingerprint_check": true}' WHERE id = ${ids.draft}`),
            () => q(`UPDATE activity_drafts SET content = content - 'fingerprint_check' WHERE id = ${ids.draft}`)],
    ];
    for (const [what, change, undo] of changes) {
        change();
        assert.notEqual(fingerprint(), before, `a change to ${what} is seen`);
        undo();
        assert.equal(fingerprint(), before, `undoing the change to ${what} gives the fingerprint back`);
    }
});

// Unsafe routes whose path token is the only credential and that take no
// session (RFC 8058: a mail provider posts the one-click stop without a
// cookie): instead of 403 they answer an unknown token 404, changing nothing.
const TOKEN_IS_CREDENTIAL = new Set(['POST /reminders/stop/{token}']);

test('CSRF: every unsafe route refuses a missing or foreign token, and nothing changes', async () => {
    const unsafe = routes.filter((r) => r.method !== 'GET');
    assert.ok(unsafe.length > 5);
    const before = fingerprint();
    const failures = [];
    for (const r of unsafe) {
        for (const actor of ACTORS) {
            const c = people[actor];
            const other = actor === 'T1' ? people.T2 : people.T1;
            const path = paramsFor(r);
            const fields = { email: 'x@example.org', password: 'whatever whatever', display_name: 'X' };
            const none = await c.post(path, fields, { csrf: false });
            const foreign = await c.post(path, fields, { csrf: other.csrf });
            const json = await c.postJson(path, fields, { csrf: false });
            const want = TOKEN_IS_CREDENTIAL.has(`${r.method} ${r.pattern}`) ? 404 : 403;
            for (const [how, res] of [['none', none], ['foreign', foreign], ['json', json]]) {
                if (res.status !== want) failures.push(`${r.method} ${r.pattern} as ${actor} (${how}): ${res.status}`);
            }
        }
    }
    assert.deepEqual(failures, []);
    assert.equal(fingerprint(), before, 'the database is unchanged');
});

// The token column. HTML pages never take a token; under /api/v1 a route
// the server does not mark for tokens (`token` in `interlude routes`:
// account, sign-in, two-step and reset-link routes) answers 403, as does
// any unsafe method with a read token; nothing changes (the audit log
// aside: each refusal is recorded). The routes marked for tokens are the
// clinical and administration ones: the list below says which are not, so a
// new route has to be placed on one side or the other.
const NO_TOKEN = new Set([
    'GET /', 'GET /healthz', 'GET /readyz', 'GET /login', 'POST /login', 'POST /logout', 'GET /session',
    'GET /login/code', 'POST /login/code', 'POST /account/two-step', 'POST /account/two-step/confirm',
    'POST /account/two-step/disable', 'POST /account/sessions/{id}/end', 'POST /admin/users/{id}/two-step/reset',
    'POST /clients/{id}/two-step/reset', 'GET /setup/{token}', 'POST /setup/{token}', 'GET /account',
    'POST /account/password', 'POST /account/sessions/end-others', 'POST /account/settings',
    'POST /account/tokens', 'POST /account/tokens/{id}/revoke', 'POST /admin/users/{id}/reset-link',
    'GET /reset/{token}', 'POST /reset/{token}', 'GET /password/forgot', 'POST /password/forgot',
    'GET /invite/{token}', 'POST /invite/{token}', 'POST /invites/{id}/resend',
    // The two-step policy is a security setting: changed by a signed-in
    // administrator, never by a script's token.
    'GET /admin/security', 'POST /admin/security',
    // Mail discretion settings and a client's reminder choice: people's
    // settings, not a script's. The stop link of a reminder is its own
    // credential.
    'POST /admin/mail/practice', 'POST /admin/mail/words', 'POST /admin/mail/words/delete',
    'POST /account/reminders', 'GET /reminders/stop/{token}', 'POST /reminders/stop/{token}',
    'POST /account/calendar', 'POST /account/calendar/stop', 'GET /calendar/{token}.ics',
    // A client's own record is an account route (clients have no tokens);
    // a therapist's export of a client takes one (export.test.mjs).
    'GET /account/export',
]);

async function withToken(token, method, path) {
    const headers = { Authorization: `Bearer ${token}` };
    if (method === 'GET') return request(`${srv.url}${path}`, { headers });
    return request(`${srv.url}${path}`, { method, headers: { ...headers, 'Content-Type': 'application/json' }, body: '{}' });
}

test('token column: which routes take a token is what the server says', () => {
    const wrong = routes.filter((r) => r.token === NO_TOKEN.has(`${r.method} ${r.pattern}`)).map((r) => `${r.method} ${r.pattern}: token ${r.token}`);
    assert.deepEqual(wrong, []);
});

test('token column: refused on HTML pages, on account and security routes, and unsafe with a read token; nothing changes', async () => {
    const before = fingerprint(false);
    const failures = [];
    for (const r of routes) {
        const key = `${r.method} ${r.pattern}`;
        const path = paramsFor(r);
        for (const who of TOKEN_ACTORS) {
            for (const scope of ['read', 'read-write']) {
                const token = tokens[who][scope];
                // An HTML page refuses a token before looking at it, so one
                // person's two tokens are enough there (the owner's: T1).
                // healthz and readyz read no session, so no token either.
                if (who === 'T1') {
                    const html = await withToken(token, r.method, path);
                    const wantHtml = r.api ? 403 : MATRIX[key][who];
                    if (html.status !== wantHtml) failures.push(`${key} (HTML) with ${who}'s ${scope} token: ${html.status}, expected ${wantHtml}`);
                }
                if (!r.api) continue;
                if (r.token && (r.method === 'GET' || scope === 'read-write')) continue; // the next test
                const api = await withToken(token, r.method, `/api/v1${path}`);
                const code = api.status === 403 ? JSON.parse(api.body).error.code : '';
                const wantCode = r.token ? 'read_only_token' : 'token_not_accepted';
                if (api.status !== 403 || code !== wantCode) failures.push(`${key} (API) with ${who}'s ${scope} token: ${api.status} ${code}, expected 403 ${wantCode}`);
                if (!/Bearer .*error="insufficient_scope"/.test(api.headers['www-authenticate'] ?? '')) failures.push(`${key} (API): no WWW-Authenticate`);
            }
        }
    }
    assert.deepEqual(failures, []);
    assert.equal(fingerprint(false), before, 'the database is unchanged');
});

test('token column: elsewhere a token gets what its person gets on /api/v1', async () => {
    const failures = [];
    for (const r of routes.filter((x) => x.api && x.token)) {
        const key = `${r.method} ${r.pattern}`;
        const path = paramsFor(r);
        for (const who of TOKEN_ACTORS) {
            // The person's own answer on the JSON twin, with their session
            // (a redirect is 200 there), then each token's.
            const own = r.method === 'GET' ? await people[who].get(`/api/v1${path}`) : await people[who].postJson(path, {});
            const table = MATRIX[key][who] === 303 ? 200 : MATRIX[key][who];
            if (r.method === 'GET' && own.status !== table) failures.push(`${key} as ${who} (JSON, session): ${own.status}, expected ${table}`);
            for (const scope of r.method === 'GET' ? ['read', 'read-write'] : ['read-write']) {
                const res = await withToken(tokens[who][scope], r.method, `/api/v1${path}`);
                if (res.status !== own.status) failures.push(`${key} with ${who}'s ${scope} token: ${res.status}, their session ${own.status}`);
            }
        }
    }
    assert.deepEqual(failures, []);
});
