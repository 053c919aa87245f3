// faults-pg-exhausted.test.mjs: every PostgreSQL connection slot is taken.
// On a cluster of the test's own with max_connections = 20 (and no slots
// reserved for superusers, so the server's role gets no way around it), the
// server's sessions are terminated and every slot is filled with
// pg_sleep() sessions. Then each kind of request (a page, its JSON twin, a
// practice submission, /readyz) gets 503 with Retry-After within 2 s, and
// /healthz keeps answering 200; the refused submission stores nothing. Once
// the slots are freed, service returns by itself within 3 s and the same
// submission, sent again with its key, is stored once. ~10 s.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, psql } from '../lib/harness.mjs';
import { createAdmin } from '../lib/client.mjs';
import {
    seedPeople, submitPractice, answersFor, newKey, send, sleep, ownCluster, fillConnections, assertConsistent, assertReadable,
} from '../faults/lib.mjs';

let cluster;
let srv;
let filler;
after(async () => {
    if (filler) await filler.release();
    if (srv) await srv.stop('SIGKILL', { expectCode: 137 }).catch(() => {});
    if (cluster) cluster.destroy();
});

test('database connections exhausted: 503 with Retry-After within 2 s, /healthz still 200, then recovery by itself', async () => {
    cluster = ownCluster({
        max_connections: 20,
        superuser_reserved_connections: 0,
        // A backend notices its client went away while in pg_sleep.
        client_connection_check_interval: '100ms',
    });
    srv = await startServer({ dbUrl: cluster.url, env: { THREADS: '2', HASH_SLOTS: '1' } });
    const { clients } = await seedPeople(srv, { clients: 1, assignments: 1, createAdmin });
    const c = clients[0];
    const a = c.assignments[0];
    const agent = new http.Agent({ keepAlive: false });
    const get = (path) => send(agent, srv.url, path, { headers: { Cookie: c.cookieHeader() }, timeoutMs: 5000 });
    assert.equal((await get('/')).status, 200);

    // Take the server's sessions away, then every slot.
    psql(cluster.superUrl, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'interlude'");
    filler = await fillConnections(cluster.superUrl, { count: 30 });
    console.log(`${filler.held} sessions hold every slot (${filler.refused} refused)`);

    const key = newKey();
    const deadline = Date.now() + 3000;
    let rounds = 0;
    while (Date.now() < deadline) {
        rounds++;
        const answers = [
            ['page', await get('/')],
            ['json', await get('/api/v1/')],
            ['readyz', await get('/readyz')],
            ['submit', await submitPractice(agent, srv, c, a, key, answersFor('exhausted'), { timeoutMs: 5000 })],
        ];
        for (const [kind, r] of answers) {
            assert.equal(r.status, 503, `${kind} while the slots are full: ${r.status ?? r.error}`);
            assert.ok(r.headers['retry-after'], `${kind}: Retry-After`);
            assert.ok(r.ms < 2000, `${kind}: answered in ${r.ms} ms`);
        }
        const h = await get('/healthz');
        assert.equal(h.status, 200, '/healthz needs no database');
        await sleep(100);
    }

    // Free the slots: service returns by itself. Back means: from then on,
    // ten requests in a row (pages and the same submission again) succeed.
    const freedAt = Date.now();
    await filler.release();
    filler = null;
    let back = null;
    let streak = 0;
    let r;
    for (let i = 0; Date.now() - freedAt < 10000 && streak < 10; i++) {
        const t = Date.now();
        r = i % 2 ? await submitPractice(agent, srv, c, a, key, answersFor('exhausted'), { timeoutMs: 5000 }) : await get('/');
        if (r.status === 200 || r.status === 303) {
            if (streak++ === 0) back = t - freedAt;
        } else {
            assert.equal(r.status, 503, `${r.status ?? r.error}`);
            streak = 0;
            await sleep(50);
        }
    }
    console.log(`${rounds} rounds of 503; back ${back} ms after the slots were freed`);
    assert.ok(streak >= 10 && back <= 3000, `service back ${back} ms after the slots were freed`);
    assert.equal(psql(cluster.url, `SELECT count(*) FROM entries WHERE client_id = ${c.id}`), '1',
        'the refused submissions stored nothing; sent again, it is stored once');
    r = await submitPractice(agent, srv, c, a, key, answersFor('exhausted'));
    assert.equal(r.status, 303);
    assert.equal((await get('/readyz')).status, 200);
    assertConsistent(srv.dbUrl, [c.id], 'after the exhaustion');
    await assertReadable(agent, srv, c, r.entryId, 'exhausted');
    assert.equal(await srv.stop(), 0);
    srv = null;
});
