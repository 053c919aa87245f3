// access.test.mjs: the access matrix. For every route in the server's own
// table (`interlude routes`) and every kind of person, the status is what
// the table below says; a route without a row fails the test. Then every
// unsafe route is tried without a CSRF token and with another session's
// token: 403, and the database is unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, request, psql, ROOT } from '../lib/harness.mjs';
import { Client, createAdmin, acceptInvite } from '../lib/client.mjs';

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
    'GET /setup/{token}': all(404),
    'POST /setup/{token}': all(404),
    'GET /account': signedIn(303, 200),
    'POST /account/password': signedIn(303, 422),
    'POST /account/sessions/end-others': signedIn(303, 303),
    'GET /admin/users': only(['admin'], 200, 403),
    'POST /admin/invites': only(['admin'], 422, 403),
    'POST /admin/users/{id}/disable': only(['admin'], 303, 403),
    'POST /admin/users/{id}/enable': only(['admin'], 303, 403),
    'POST /admin/users/{id}/reset-link': only(['admin'], 201, 403),
    'GET /admin/audit': only(['admin'], 200, 403),
    'GET /reset/{token}': all(404),
    'POST /reset/{token}': all(404),
    'GET /clients': only(['T1', 'T2'], 200, 403),
    'POST /clients/invites': only(['T1', 'T2'], 422, 403),
    'POST /couples': only(['T1', 'T2'], 422, 403),
    'GET /clients/{id}': { ...only(['T1'], 200, 403), T2: 404 },
    'POST /invites/{id}/revoke': { ...only(['T1'], 303, 403), T2: 404, admin: 404 },
    'GET /invite/{token}': all(404),
    'POST /invite/{token}': all(404),
};

let srv;
let routes;
const people = {};
const ids = {};

function q(sql) {
    return psql(srv.dbUrl, sql).trim();
}

async function invitedAs(kind, createdBy, email, name) {
    const token = `matrix-${kind}-${email.replace(/[^a-z0-9]/g, '')}`.slice(0, 60);
    q(`INSERT INTO invites (token_hash, kind, email, display_name, created_by, expires_at)
       VALUES (sha256('${token}'::bytea), '${kind}', '${email}', '${name}', ${createdBy}, now() + interval '1 day')`);
    return acceptInvite(srv, `/invite/${token}`, { name });
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
    people.anon = new Client(srv);
    await people.anon.getJson('/session');
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
        '/invites/{id}/revoke': ids.invite,
    };
    let path = r.pattern.replace('{token}', 'NoSuchToken0000000000000000000000000000000x');
    if (path.includes('{id}')) {
        assert.ok(byPattern[r.pattern], `no object chosen for ${r.pattern}: add it to paramsFor()`);
        path = path.replace('{id}', byPattern[r.pattern]);
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
            if (res.status !== row[actor]) failures.push(`${key} as ${actor}: ${res.status}, expected ${row[actor]}`);
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

function fingerprint() {
    return q(`SELECT md5(concat_ws('|',
        (SELECT string_agg(concat_ws(',', id, email, role, password_hash, disabled_at), ';' ORDER BY id) FROM users),
        (SELECT string_agg(concat_ws(',', id, kind, used_at, revoked_at), ';' ORDER BY id) FROM invites),
        (SELECT string_agg(concat_ws(',', therapist_id, client_id), ';' ORDER BY 1, 2) FROM care_team),
        (SELECT string_agg(concat_ws(',', id, partner_a, partner_b), ';' ORDER BY id) FROM couples),
        (SELECT count(*) FROM audit_log),
        (SELECT count(*) FROM login_failures),
        (SELECT string_agg(concat_ws(',', id, user_id), ';' ORDER BY id) FROM sessions)))`);
}

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
            for (const [how, res] of [['none', none], ['foreign', foreign], ['json', json]]) {
                if (res.status !== 403) failures.push(`${r.method} ${r.pattern} as ${actor} (${how}): ${res.status}`);
            }
        }
    }
    assert.deepEqual(failures, []);
    assert.equal(fingerprint(), before, 'the database is unchanged');
});
