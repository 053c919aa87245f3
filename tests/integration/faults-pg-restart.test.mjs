// faults-pg-restart.test.mjs: PostgreSQL goes away under load and comes back.
// On a cluster of the test's own (scripts/pg.sh temp), 24 loops keep
// signed-in clients busy (dashboard, JSON twin, practice submissions,
// /readyz, /healthz) while PostgreSQL is stopped, kept down 3 s and started
// again: once with a fast shutdown (sessions terminated) and once with an
// immediate one (as a crash: no checkpoint, recovery at start); then once
// more while the server is idle, after which its very first requests must
// succeed (its threads' dead sessions are replaced before use). Throughout,
// every answer is a success or a 503 with Retry-After, each within 5 s: no
// crash, no connection dropped, no hang; while the database is down,
// requests that need it do get 503. Service returns by itself: from at most
// 10 s after the database is back, every request succeeds. Every
// submission acknowledged with a 303, before or after, is in the database,
// complete and readable, and nothing is half-written. ~20 s.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer } from '../lib/harness.mjs';
import { createAdmin } from '../lib/client.mjs';
import {
    seedPeople, submitPractice, pool, answersFor, newKey, send, sleep, ownCluster, assertConsistent, assertReadable,
} from '../faults/lib.mjs';

const LOOPS = 24;
const DOWN_MS = 3000;
const RECOVERY_LIMIT_MS = 10000;
const GIVE_UP_MS = 12000; // longest the load is kept up after the database is back

let cluster;
let srv;
after(async () => {
    if (srv) await srv.stop('SIGKILL', { expectCode: 137 }).catch(() => {});
    if (cluster) cluster.destroy();
});

test('PostgreSQL restarted under load (fast, then immediate): 503 meanwhile, never a crash or a hang, back by itself within 10 s', async () => {
    cluster = ownCluster();
    srv = await startServer({ dbUrl: cluster.url, env: { THREADS: '4' } });
    const { clients } = await seedPeople(srv, { clients: 4, assignments: 1, createAdmin });
    const ids = clients.map((c) => c.id);
    const agent = new http.Agent({ keepAlive: true, maxSockets: LOOPS + 4 });
    const results = [];
    let running = true;
    let n = 0;

    const one = async (w) => {
        const c = clients[w % clients.length];
        const kind = ['dashboard', 'json', 'submit', 'submit', 'readyz', 'healthz'][n++ % 6];
        const t = Date.now();
        let r;
        if (kind === 'submit') {
            const tag = `pg-${n}`;
            const key = newKey();
            r = await submitPractice(agent, srv, c, c.assignments[0], key, answersFor(tag), { timeoutMs: 5000 });
            Object.assign(r, { tag, key, c });
        } else {
            const path = { dashboard: '/', json: '/api/v1/', readyz: '/readyz', healthz: '/healthz' }[kind];
            r = await send(agent, srv.url, path, { headers: { Cookie: c.cookieHeader() }, timeoutMs: 5000 });
        }
        results.push({ ...r, kind, t, end: Date.now() });
    };
    const loops = Array.from({ length: LOOPS }, async (_, w) => {
        while (running) await one(w);
    });

    // Load keeps up after the database is back until it has been served
    // without a failure for 2 s (at most 12 s).
    const ok = (r) => r.status === 200 || (r.kind === 'submit' && r.status === 303);
    const settled = async (backAt) => {
        while (Date.now() - backAt < GIVE_UP_MS) {
            await sleep(200);
            const lastBad = results.filter((r) => r.t >= backAt && !ok(r)).reduce((m, r) => Math.max(m, r.end), backAt);
            if (Date.now() - lastBad >= 2000) return;
        }
    };
    const phases = [];
    try {
        for (const mode of ['fast', 'immediate']) {
            await sleep(1500);
            const downAt = Date.now();
            await cluster.stop(mode);
            const stoppedAt = Date.now();
            await sleep(DOWN_MS);
            const startAt = Date.now(); // it cannot answer before this
            await cluster.start();
            const backAt = Date.now(); // pg.sh start returned: it answers
            await settled(backAt);
            phases.push({ mode, downAt, stoppedAt, startAt, backAt, until: Date.now() });
        }
    } finally {
        running = false;
        await Promise.all(loops);
        agent.destroy();
    }

    // Never a dropped connection, a timeout or an unexpected status.
    const errors = results.filter((r) => r.error);
    assert.deepEqual(errors.map((r) => `${r.kind}: ${r.error}`).slice(0, 10), [], 'every request got an answer');
    for (const r of results) {
        if (ok(r)) continue;
        assert.equal(r.status, 503, `${r.kind}: status ${r.status}: ${r.body.slice(0, 200)}`);
        assert.ok(r.headers['retry-after'], `${r.kind}: 503 with Retry-After`);
    }
    assert.ok(results.every((r) => r.ms < 5000), 'every answer within 5 s');
    assert.ok(results.filter((r) => r.kind === 'healthz').every((r) => r.status === 200), '/healthz answers 200 throughout');

    for (const p of phases) {
        const during = results.filter((r) => r.t >= p.stoppedAt && r.end <= p.startAt && r.kind !== 'healthz');
        const notRefused = during.filter((r) => r.status !== 503);
        assert.ok(during.length > 0 && notRefused.length === 0,
            `${p.mode}: requests that need the database get 503 while it is down (${notRefused.length} of ${during.length} did not: ` +
            `${notRefused.slice(0, 5).map((r) => `${r.kind} ${r.status} at +${r.t - p.stoppedAt} ms`).join(', ')})`);
        // The last failure after the database came back, and what followed.
        const afterBack = results.filter((r) => r.t >= p.backAt && r.t < p.until).sort((a, b) => a.t - b.t);
        const lastBad = afterBack.filter((r) => !ok(r)).pop();
        const recoveredAt = lastBad ? lastBad.end : p.backAt;
        const recoveryMs = recoveredAt - p.backAt;
        const good = afterBack.filter((r) => r.t > recoveredAt);
        console.log(`${p.mode}: stop took ${p.stoppedAt - p.downAt} ms; back ${recoveryMs} ms after PostgreSQL; ` +
            `${during.length} answers 503 while down; ${good.length} successes after`);
        assert.ok(recoveryMs <= RECOVERY_LIMIT_MS, `${p.mode}: service back ${recoveryMs} ms after the database`);
        assert.ok(good.length >= 50, `${p.mode}: ${good.length} successes after recovery (want 50)`);
    }

    // An idle server: PostgreSQL restarts while nothing asks for it. Its
    // worker threads' sessions died unseen; the first requests after the
    // database is back must not pay for that with a 503.
    await cluster.stop('fast');
    await cluster.start();
    const idle = [];
    for (let i = 0; i < 24; i++) {
        const c = clients[i % clients.length];
        idle.push(await send(false, srv.url, i % 2 ? '/' : '/api/v1/', { headers: { Cookie: c.cookieHeader() }, timeoutMs: 5000 }));
    }
    assert.deepEqual(idle.map((r) => r.status ?? r.error), idle.map(() => 200),
        'after a restart the server did not witness, the first request on every thread succeeds');

    // Every acknowledged submission is there and opens; nothing half-written.
    assertConsistent(srv.dbUrl, ids, 'after two PostgreSQL restarts under load');
    const acked = results.filter((r) => r.kind === 'submit' && r.status === 303);
    assert.ok(acked.length > 100, `${acked.length} submissions acknowledged`);
    const reader = new http.Agent({ keepAlive: true, maxSockets: 10 });
    await pool(acked.map((r) => () => assertReadable(reader, srv, r.c, r.entryId, r.tag)), 10);
    reader.destroy();
    console.log(`${results.length} requests, ${acked.length} submissions acknowledged and read back`);
    assert.equal(await srv.stop(), 0);
    srv = null;
});
