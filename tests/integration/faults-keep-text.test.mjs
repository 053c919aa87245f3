// faults-keep-text.test.mjs: no typed word is lost to a database fault, and
// the health checks answer while the database waits (issue 23).
//   - every form that carries typed text, with the database made read-only
//     and with its table's write permission revoked: the form comes back with
//     the exact text, 503 + Retry-After and the "not saved yet" message,
//     nothing is stored; with the fault gone the same POST (same idempotency
//     key) stores exactly once;
//   - a lock held on entries longer than lock_timeout: the submit answers
//     within the timeout, text kept;
//   - every database worker waiting on a lock: /healthz answers in under
//     100 ms, `interlude healthcheck` exits 0, /readyz says why it is not
//     ready.
// The app connects as a role that owns its database but is no superuser, so
// a REVOKE binds it; faults are made through the superuser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { startServer, psql, request, withDatabase, ROOT, DATA_KEY_ENV, query } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson } from '../lib/client.mjs';

const LOCK_MS = 1000;
let srv, su, dbName, role;
const people = {};

const q = (sql) => query(srv, sql);
const qs = (sql) => psql(su, sql).trim();
const esc = (t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const keyOf = (body) => /name="idempotency_key" value="([^"]+)"/.exec(body)?.[1];
const NOT_SAVED = 'Not saved yet — your text is still here. Please try again in a moment.';

// Text as a person types it: quotes, markup, an ampersand, a line break, accents.
const typed = (what) => `${what} ${crypto.randomBytes(3).toString('hex')}: "it's <hard> & slow"\nsecond line, café`;

// ALTER DATABASE and pg_terminate_backend from the cluster's own "postgres"
// database: sessions in the app's database are read-only meanwhile.
const qAdmin = (sql) => psql(process.env.PG_SUPERUSER_URL, sql).trim();

function terminateApp() {
    qAdmin(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '${dbName}' AND pid <> pg_backend_pid()`);
}

// The database read-only for new sessions, and the app's sessions ended so
// that they reconnect into it.
function readOnly(on) {
    qAdmin(on ? `ALTER DATABASE "${dbName}" SET default_transaction_read_only = on` : `ALTER DATABASE "${dbName}" RESET default_transaction_read_only`);
    terminateApp();
}

function revoke(tables, on) {
    for (const t of tables) qs(on ? `REVOKE INSERT, UPDATE ON ${t} FROM "${role}"` : `GRANT INSERT, UPDATE ON ${t} TO "${role}"`);
}

const FAULTS = {
    'read-only database': { on: () => readOnly(true), off: () => readOnly(false) },
    'permission revoked': { on: (c) => revoke(c.tables, true), off: (c) => revoke(c.tables, false) },
};

function day(n = 0) {
    return q(`SELECT to_char((now() AT TIME ZONE 'UTC')::date + ${n}, 'YYYY-MM-DD')`);
}

function assignPractice(client, therapist) {
    return q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, times_per_week, weeks)
              SELECT l.id, l.version_id, ${therapist.id}, ${client.id}, current_date, 3, 2
              FROM activity_latest l WHERE l.slug = 'eye-contact-connection' AND l.source = 'library' RETURNING id`);
}

function assertNotSaved(res, text, what) {
    assert.equal(res.status, 503, `${what}: ${res.status} ${res.body.slice(0, 300)}`);
    assert.match(res.headers['retry-after'] ?? '', /^\d+$/, `${what}: Retry-After`);
    assert.ok(res.body.includes(esc(NOT_SAVED)), `${what}: the message at the top`);
    assert.ok(res.body.includes(esc(text)), `${what}: the text exactly as typed`);
    assert.ok(res.body.indexOf(esc(NOT_SAVED)) < res.body.indexOf(esc(text)), `${what}: message above the form`);
    assert.ok(res.body.includes('data-keep="'), `${what}: the form keeps its text in the browser too`);
}

// Each free-text form: make(c) prepares one submission and returns
// { path, fields, text, stored() -> number of rows it made, done(res) }.
const FORMS = [
    {
        name: 'practice submit',
        tables: ['entries'],
        async make() {
            const a = assignPractice(people.C, people.T);
            const form = await people.C.get(`/homework/${a}/practice`);
            const key = keyOf(form.body);
            const text = typed('practice');
            return {
                path: `/homework/${a}/practice`,
                fields: { comfort: '7', connection: '6', what_noticed: text, paused: 'no', idempotency_key: key, action: 'submit' },
                text,
                key,
                stored: () => Number(q(`SELECT count(*) FROM entries WHERE assignment_id = ${a} AND status = 'submitted'`)),
                done: (res) => assert.match(res.headers.location ?? '', /^\/entries\/\d+\/submitted$/),
            };
        },
    },
    {
        name: 'practice draft',
        tables: ['entries'],
        async make() {
            const a = assignPractice(people.C, people.T);
            const form = await people.C.get(`/homework/${a}/practice`);
            const text = typed('draft');
            return {
                path: `/homework/${a}/practice`,
                fields: { comfort: '4', what_noticed: text, idempotency_key: keyOf(form.body), action: 'draft' },
                text,
                stored: () => Number(q(`SELECT count(*) FROM entries WHERE assignment_id = ${a}`)),
                done: (res) => assert.match(res.headers.location ?? '', /practice\?saved=1$/),
            };
        },
    },
    {
        name: 'reply to an entry',
        tables: ['comments'],
        async make() {
            const a = assignPractice(people.C, people.T);
            const form = await people.C.get(`/homework/${a}/practice`);
            const res = await people.C.post(`/homework/${a}/practice`, { comfort: '7', connection: '6', what_noticed: 'ok', paused: 'no', idempotency_key: keyOf(form.body), action: 'submit' });
            const entry = /\/entries\/(\d+)\//.exec(res.headers.location)[1];
            const page = await people.T.get(`/entries/${entry}`);
            const key = keyOf(page.body);
            const text = typed('reply');
            return {
                who: people.T,
                path: `/entries/${entry}/comments`,
                fields: { body: text, idempotency_key: key },
                text,
                key,
                stored: () => Number(q(`SELECT count(*) FROM comments WHERE entry_id = ${entry}`)),
                done: (r) => assert.match(r.headers.location ?? '', new RegExp(`^/entries/${entry}#c-\\d+$`)),
            };
        },
    },
    {
        name: 'assign with a personal note',
        tables: ['assignments'],
        async make() {
            const text = typed('note');
            const act = q(`SELECT id FROM activities WHERE slug = 'eye-contact-connection' AND source = 'library'`);
            return {
                who: people.T,
                path: '/assignments',
                fields: { who: `client:${people.D.id}`, activity: act, start_date: day(), schedule: 'due', due_date: day(7), note: text },
                text,
                stored: () => Number(q(`SELECT count(*) FROM assignments WHERE client_id = ${people.D.id}`)),
                done: (r) => assert.match(r.headers.location ?? '', /done=assigned/),
            };
        },
    },
    {
        name: 'change an assignment and its note',
        tables: ['assignments'],
        async make() {
            const a = assignPractice(people.D, people.T);
            const before = q(`SELECT md5(coalesce(note_enc, ''::bytea)) || updated_at FROM assignments WHERE id = ${a}`);
            const text = typed('changed note');
            return {
                who: people.T,
                path: `/assignments/${a}`,
                fields: { start_date: day(), schedule: 'due', due_date: day(9), note: text },
                text,
                stored: () => (q(`SELECT md5(coalesce(note_enc, ''::bytea)) || updated_at FROM assignments WHERE id = ${a}`) === before ? 0 : 1),
                done: (r) => assert.match(r.headers.location ?? '', /done=changed/),
            };
        },
    },
    {
        name: 'the exercise builder',
        tables: ['activity_drafts'],
        async make() {
            const res = await people.T.post('/drafts', { kind: 'exercise' });
            const draft = /\/drafts\/(\d+)/.exec(res.headers.location)[1];
            const text = typed('instructions');
            return {
                who: people.T,
                path: `/drafts/${draft}`,
                fields: { action: 'save_meta', title: 'Slow breathing', summary: 'A calm start.', instructions: text },
                text,
                stored: () => Number(q(`SELECT count(*) FROM activity_drafts WHERE id = ${draft} AND content::text LIKE '%instructions%' AND content::text LIKE '%' || 'second line' || '%'`)),
                done: (r) => assert.match(r.headers.location ?? '', /#details$/),
            };
        },
    },
    {
        name: 'invite a client',
        tables: ['invites'],
        async make() {
            const text = `Ré ${crypto.randomBytes(2).toString('hex')} "O'Brien" <x> & co`;
            const email = `keep-${crypto.randomBytes(4).toString('hex')}@example.org`;
            return {
                who: people.T,
                path: '/clients/invites',
                fields: { display_name: text, email },
                text,
                stored: () => Number(q(`SELECT count(*) FROM invites WHERE email = '${email}'`)),
                done: (r) => assert.equal(r.status, 201),
            };
        },
    },
    {
        name: 'acknowledge an attention item with a note',
        tables: ['attention_items'],
        async make() {
            const a = assignPractice(people.D, people.T);
            const item = q(`INSERT INTO attention_items (client_id, kind, assignment_id) VALUES (${people.D.id}, 'inactive', ${a}) RETURNING id`);
            const text = typed('acknowledged');
            return {
                who: people.T,
                path: `/clients/${people.D.id}/attention/${item}/acknowledge`,
                fields: { note: text },
                text,
                stored: () => Number(q(`SELECT count(*) FROM attention_items WHERE id = ${item} AND acknowledged_at IS NOT NULL`)),
                done: (r) => assert.match(r.headers.location ?? '', /done=acknowledged/),
            };
        },
    },
    {
        name: 'add a crisis contact',
        tables: ['crisis_contacts'],
        async make() {
            const text = typed('Crisis line');
            return {
                who: people.admin,
                path: '/admin/support',
                fields: { label: text.replace(/\n/g, ' ').slice(0, 100), phone: '0800 111 222', url: '', note: text.slice(0, 280) },
                text: text.slice(0, 280),
                stored: () => Number(q('SELECT count(*) FROM crisis_contacts')),
                done: (r) => assert.match(r.headers.location ?? '', /done=added/),
            };
        },
    },
];

before(async () => {
    role = `it_app_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
    dbName = `it_keep_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
    const superuser = process.env.PG_SUPERUSER_URL;
    psql(superuser, `CREATE ROLE "${role}" LOGIN NOSUPERUSER`);
    psql(superuser, `CREATE DATABASE "${dbName}" OWNER "${role}"`);
    su = withDatabase(superuser, dbName);
    const appUrl = su.replace(/user=[^&]*/, `user=${role}`);
    assert.notEqual(appUrl, su, 'the superuser URL names its user');
    srv = await startServer({ dbUrl: appUrl, env: { DB_LOCK_TIMEOUT_MS: String(LOCK_MS), DB_STATEMENT_TIMEOUT_MS: '4000' } });
    assert.equal(q('SELECT rolsuper FROM pg_roles WHERE rolname = current_user'), 'f');
    createAdmin(srv);
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    people.T = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Tess' });
    people.C = await invitedPerson(srv, { kind: 'client', createdBy: people.T.id, name: 'Cam' });
    people.D = await invitedPerson(srv, { kind: 'client', createdBy: people.T.id, name: 'Dee' });
    people.admin = await new Client(srv).signIn('admin@example.org');
});

after(async () => {
    if (srv) {
        try {
            readOnly(false);
        } catch { /* best effort */ }
        await srv.stop();
    }
});

for (const form of FORMS) {
    for (const [faultName, fault] of Object.entries(FAULTS)) {
        test(`${form.name}, ${faultName}: the form again with the exact text, 503, nothing stored; then stored once`, async () => {
            const c = await form.make();
            const who = c.who ?? people.C;
            const before = c.stored();
            fault.on(form);
            let res;
            try {
                res = await who.post(c.path, c.fields);
                assertNotSaved(res, c.text, `${form.name} (${faultName})`);
                assert.equal(c.stored(), before, 'nothing stored');
                // The JSON twin says the same.
                const j = await who.postJson(c.path, c.fields);
                assert.equal(j.status, 503, j.body.slice(0, 200));
                assert.equal(j.json.saved, false);
                assert.equal(j.json.error.code, 'not_saved');
                assert.ok(j.headers['retry-after']);
                assert.equal(c.stored(), before, 'nothing stored by the JSON twin');
            } finally {
                fault.off(form);
            }
            // The form as it came back is posted again: its key is the one typed into.
            if (c.key) assert.equal(keyOf(res.body), c.key, 'the same idempotency key');
            res = await who.post(c.path, c.fields);
            assert.ok(res.status === 303 || res.status === 201, `after the fault: ${res.status} ${res.body.slice(0, 300)}`);
            c.done(res);
            assert.equal(c.stored(), before + 1, 'stored exactly once');
            if (c.key) {
                res = await who.post(c.path, c.fields);
                assert.ok(res.status === 303, `the same form again: ${res.status}`);
                assert.equal(c.stored(), before + 1, 'still once');
            }
        });
    }
}

// Holds `LOCK TABLE table IN ACCESS EXCLUSIVE MODE` in a psql session for ms;
// resolves once the lock is held, with a promise for the session's end.
async function holdLock(table, ms) {
    const proc = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', su], { stdio: ['pipe', 'pipe', 'pipe'] });
    const ended = new Promise((resolve) => proc.on('close', resolve));
    proc.stdin.write(`BEGIN;\nLOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE;\nSELECT pg_sleep(${ms / 1000});\nCOMMIT;\n`);
    proc.stdin.end();
    const deadline = Date.now() + 5000;
    while (qs(`SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = '${table}' AND l.mode = 'AccessExclusiveLock' AND l.granted`) === '0') {
        if (Date.now() > deadline) throw new Error('the lock was not taken');
        await new Promise((r) => setTimeout(r, 20));
    }
    return { ended };
}

test('a lock on entries held longer than lock_timeout: the submit answers within the timeout, text kept', async () => {
    const c = await FORMS[0].make();
    const lock = await holdLock('entries', 4000);
    const t0 = Date.now();
    const res = await people.C.post(c.path, c.fields);
    const ms = Date.now() - t0;
    assertNotSaved(res, c.text, 'submit behind a lock');
    assert.ok(ms < LOCK_MS + 1500, `answered in ${ms} ms (lock_timeout ${LOCK_MS} ms)`);
    assert.equal(c.stored(), 0);
    await lock.ended;
    const again = await people.C.post(c.path, c.fields);
    assert.equal(again.status, 303, again.body.slice(0, 300));
    assert.equal(c.stored(), 1);
});

function healthcheck(server) {
    return new Promise((resolve) => {
        execFile(process.env.INTERLUDE_BIN, ['healthcheck'], { cwd: ROOT, env: { ...process.env, ...DATA_KEY_ENV, DATABASE_URL: server.dbUrl, LISTEN: `127.0.0.1:${server.port}` } }, (err) => resolve(err ? err.code ?? 1 : 0));
    });
}

test('every database worker waiting on a lock: /healthz under 100 ms, healthcheck exits 0, /readyz says why', async () => {
    // A server whose statements wait long, so its four workers stay stuck.
    const slow = await startServer({ dbUrl: srv.dbUrl, env: { DB_LOCK_TIMEOUT_MS: '8000', DB_STATEMENT_TIMEOUT_MS: '9000', THREADS: '4' } });
    try {
        const client = new Client(slow);
        await client.signIn(people.C.email);
        const forms = [];
        // Forms opened on the first server; the same person posts them here.
        for (let i = 0; i < 6; i++) forms.push(await FORMS[0].make());
        const lock = await holdLock('entries', 5000);
        const posts = forms.map((c) => client.post(c.path, c.fields).catch((e) => ({ status: 0, body: String(e), headers: {} })));
        // Let every worker pick up a submission and block.
        const deadline = Date.now() + 3000;
        const waiting = () => Number(qs(`SELECT count(*) FROM pg_stat_activity WHERE datname = '${dbName}' AND wait_event_type = 'Lock'`));
        while (waiting() < 4) {
            if (Date.now() > deadline) break;
            await new Promise((r) => setTimeout(r, 25));
        }
        assert.equal(waiting(), 4, 'all four workers wait on the lock');
        const times = [];
        for (let i = 0; i < 5; i++) {
            const t0 = process.hrtime.bigint();
            const h = await request(`${slow.url}/healthz`, { timeoutMs: 2000 });
            times.push(Number(process.hrtime.bigint() - t0) / 1e6);
            assert.equal(h.status, 200);
        }
        assert.ok(Math.max(...times) < 100, `/healthz took ${times.map((t) => t.toFixed(1)).join(', ')} ms`);
        const hc = await healthcheck(slow);
        assert.equal(hc, 0, 'interlude healthcheck exits 0');
        // /readyz: once the workers have been stuck over a second.
        await new Promise((r) => setTimeout(r, 1200));
        const t0 = Date.now();
        const r = await request(`${slow.url}/readyz`, { timeoutMs: 3000 });
        assert.ok(Date.now() - t0 < 1500, `/readyz answered in ${Date.now() - t0} ms`);
        assert.equal(r.status, 503);
        const body = JSON.parse(r.body);
        assert.equal(body.reason, 'database slow');
        assert.equal(body.error.reason, 'database slow');
        await lock.ended;
        const results = await Promise.all(posts);
        for (const x of results) assert.ok([303, 503].includes(x.status), `a waiting submit ended ${x.status}`);
        const ready = await request(`${slow.url}/readyz`);
        assert.equal(ready.status, 200, ready.body);
    } finally {
        await slow.stop();
    }
});
