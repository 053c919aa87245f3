// nodes.test.mjs: two interlude processes on one database behave as one
// service (several containers behind a load balancer): a session made on one
// works on the other, sign-out and throttling are shared, both write the one
// audit log; and two processes started at once on an empty database apply
// each migration exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, createDatabase, psql, request, ROOT } from '../lib/harness.mjs';
import { Client, createAdmin, PASSWORD } from '../lib/client.mjs';

function migrationFiles() {
    return fs.readdirSync(path.join(ROOT, 'migrations')).filter((f) => /^\d+_.*\.sql$/.test(f));
}

// The "migrations" log line of a server: {"msg":"migrations","applied":N}.
function applied(srv) {
    const line = srv.logs.find((l) => l.includes('"msg":"migrations"'));
    assert.ok(line, `no "migrations" log line:\n${srv.logs.join('\n')}`);
    return JSON.parse(line).applied;
}

test('a session made on one node works on the other; sign-out, throttling and audit are shared', async () => {
    const a = await startServer();
    const b = await startServer({ dbUrl: a.dbUrl });
    try {
        const admin = createAdmin(a, 'nodes@example.org');
        const c = new Client(a);
        await c.signIn(admin.email);

        // The cookie from a, presented to b: the same person, the same CSRF token.
        c.srv = b;
        const who = await c.getJson('/session');
        assert.equal(who.status, 200);
        assert.equal(who.json.signed_in, true);
        assert.equal(who.json.user.email, admin.email);
        const csrf = c.csrf;
        assert.equal((await c.get('/account')).status, 200, 'a page behind the guard, on b');
        assert.equal(c.csrf, csrf, 'one session, one CSRF token, whichever node answers');

        // An unsafe request on b with the token a handed out.
        const out = await c.post('/logout');
        assert.equal(out.status, 303);

        // Signed out on b means signed out on a.
        c.srv = a;
        const after = await c.get('/account');
        assert.equal(after.status, 303, 'the session ended on b is gone on a');
        assert.match(after.headers.location ?? '', /\/login$/);

        const id = psql(a.dbUrl, `SELECT id FROM users WHERE email = '${admin.email}'`);
        assert.equal(psql(a.dbUrl, `SELECT count(*) FROM audit_log WHERE actor_id = ${id} AND action = 'login.success'`), '1');
        assert.equal(psql(a.dbUrl, `SELECT count(*) FROM audit_log WHERE actor_id = ${id} AND action = 'logout'`), '1');

        // Failed sign-ins counted across both nodes: 3 on a and 2 on b make 5.
        for (const [srv, n] of [[a, 3], [b, 2]]) {
            const x = new Client(srv);
            await x.get('/login');
            for (let i = 0; i < n; i++) {
                assert.equal((await x.post('/login', { email: admin.email, password: 'not the password' })).status, 422);
            }
        }
        for (const srv of [a, b]) {
            const x = new Client(srv);
            await x.get('/login');
            const blocked = await x.post('/login', { email: admin.email, password: PASSWORD });
            assert.equal(blocked.status, 429, 'the sixth attempt waits, on either node');
        }
    } finally {
        const codes = await Promise.allSettled([a.stop(), b.stop()]);
        for (const r of codes) if (r.status === 'rejected') throw r.reason;
    }
});

test('two nodes started at once on an empty database: each migration applied exactly once', async () => {
    const files = migrationFiles();
    assert.ok(files.length > 0);
    for (let round = 0; round < 3; round++) {
        const dbUrl = createDatabase();
        const [a, b] = await Promise.all([startServer({ dbUrl }), startServer({ dbUrl })]);
        try {
            assert.equal(psql(dbUrl, 'SELECT count(*) FROM schema_migrations'), String(files.length));
            assert.equal(
                psql(dbUrl, 'SELECT count(DISTINCT version) FROM schema_migrations'),
                String(files.length),
                'one row per file',
            );
            assert.equal(applied(a) + applied(b), files.length, 'between them, each file applied once');
            for (const srv of [a, b]) {
                assert.equal((await request(`${srv.url}/readyz`)).status, 200, `${srv.url} is ready`);
            }
            // Both announced a setup link (no admin yet); the newest one works.
            const links = [a, b]
                .flatMap((s) => s.logs.filter((l) => l.includes('setup_url')))
                .map((l) => JSON.parse(l).setup_url.replace(/^https?:\/\/[^/]+/, ''));
            assert.ok(links.length >= 1);
            const statuses = await Promise.all(links.map((p) => request(`${a.url}${p}`).then((r) => r.status)));
            assert.ok(statuses.includes(200), `one of the setup links works: ${statuses}`);
        } finally {
            const codes = await Promise.allSettled([a.stop(), b.stop()]);
            for (const r of codes) if (r.status === 'rejected') throw r.reason;
        }
    }
});
