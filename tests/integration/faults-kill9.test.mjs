// faults-kill9.test.mjs: kill -9 while 1,000 practice submissions are in
// flight (over 100 keep-alive connections on loopback, from 10 clients, each
// on its own address 127.0.1.x, as the server allows 64 connections from one).
// After a restart on the same database: every submission that got its 303
// is there, complete and readable through the API (its answers decrypt and
// are the ones sent); none is half-written (no draft left, no entry without
// its answers or its audit row, no audit row without its entry, no key used
// twice); the entries that exist are between the acknowledged ones and
// those sent. Then every submission that got no 303 is sent again with its
// own idempotency key, as a client retries: each gets its 303, those whose
// COMMIT had happened before the kill come back as the same entry, and the
// 1,000 keys make exactly 1,000 entries, all readable. Takes ~10 s.
// (tests/faults/lib.mjs has the helpers; docs/SECURITY.md says what it proves.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, psql } from '../lib/harness.mjs';
import { createAdmin } from '../lib/client.mjs';
import {
    seedPeople, submitPractice, pool, answersFor, keyOf, send, assertConsistent, assertReadable,
} from '../faults/lib.mjs';

const SUBMISSIONS = 1000;
const CONNECTIONS = 100;
const CLIENTS = 10;
const KILL_AFTER = 300; // answers received before the kill

let srv;
after(async () => {
    if (srv) await srv.stop('SIGKILL', { expectCode: 137 }).catch(() => {});
});

test('kill -9 during 1,000 concurrent submissions: every 303 survives, nothing is half-written, retries complete the rest', async () => {
    srv = await startServer({ env: { THREADS: '4' } });
    const { clients } = await seedPeople(srv, { clients: CLIENTS, assignments: 2, createAdmin });
    const ids = clients.map((c) => c.id);
    // Each client its own address and 10 connections.
    const agents = clients.map((_, i) => new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS / CLIENTS, localAddress: `127.0.1.${i + 1}` }));
    clients.forEach((c, i) => {
        c.agent = agents[i];
    });

    // The jobs, each with the idempotency key of its own rendering of the
    // practice form (as a browser has it before posting).
    const jobs = [];
    for (let i = 0; i < SUBMISSIONS; i++) {
        const c = clients[i % CLIENTS];
        jobs.push({ i, c, assignment: c.assignments[i % 2], tag: `kill9-${i}` });
    }
    await pool(jobs.map((j) => async () => {
        const r = await send(j.c.agent, srv.url, `/homework/${j.assignment}/practice`, { headers: { Cookie: j.c.cookieHeader() } });
        assert.equal(r.status, 200, `practice form: ${r.status ?? r.error}`);
        j.key = keyOf(r.body);
        assert.ok(j.key);
    }), CONNECTIONS);

    // Fire them all, 100 at a time; kill -9 once 300 answers are back.
    let answered = 0;
    let killed = false;
    let killing = null;
    const t0 = Date.now();
    await pool(jobs.map((j) => async () => {
        j.sent = true;
        j.res = await submitPractice(j.c.agent, srv, j.c, j.assignment, j.key, answersFor(j.tag));
        answered++;
        if (answered >= KILL_AFTER && !killed) {
            killed = true;
            killing = srv.stop('SIGKILL', { expectCode: 137 });
        }
    }), CONNECTIONS, () => killed);
    await killing;
    const old = srv;
    srv = null;
    for (const a of agents) a.destroy();

    const acked = jobs.filter((j) => j.res?.status === 303);
    const inFlight = jobs.filter((j) => j.sent && j.res?.status !== 303);
    const unsent = jobs.filter((j) => !j.sent);
    for (const j of jobs.filter((x) => x.res && x.res.status !== undefined && x.res.status !== 303)) {
        assert.fail(`submission ${j.i} answered ${j.res.status} before the kill: ${j.res.body.slice(0, 200)}`);
    }
    assert.ok(acked.length >= KILL_AFTER - 1, `${acked.length} acknowledged before the kill`);
    assert.ok(inFlight.length > 0, 'the kill caught submissions in flight');
    console.log(`kill -9 after ${Date.now() - t0} ms: ${acked.length} acknowledged, ${inFlight.length} in flight, ${unsent.length} not sent`);

    // Restart on the same database; the sessions are rows, so the cookies work.
    srv = await startServer({ dbUrl: old.dbUrl, env: { THREADS: '4' } });
    const agents2 = clients.map((_, i) => new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS / CLIENTS, localAddress: `127.0.1.${i + 1}` }));
    clients.forEach((c, i) => {
        c.agent = agents2[i];
    });
    assertConsistent(srv.dbUrl, ids, 'after kill -9 and restart');
    const rows = psql(srv.dbUrl, `SELECT id || ' ' || client_id || ' ' || assignment_id || ' ' || idempotency_key FROM entries WHERE client_id IN (${ids.join(',')})`)
        .split('\n').filter(Boolean).map((l) => l.split(' '));
    const byKey = new Map(rows.map(([id, client, assignment, key]) => [key, { id, client, assignment }]));
    assert.equal(byKey.size, rows.length);
    for (const j of acked) {
        const row = byKey.get(j.key);
        assert.ok(row, `acknowledged submission ${j.i} (entry ${j.res.entryId}) is in the database`);
        assert.equal(row.id, j.res.entryId);
        assert.equal(row.client, j.c.id);
        assert.equal(row.assignment, j.assignment);
    }
    for (const j of unsent) assert.ok(!byKey.has(j.key), `submission ${j.i} was never sent, yet stored`);
    const sentKeys = new Set(jobs.filter((j) => j.sent).map((j) => j.key));
    for (const key of byKey.keys()) assert.ok(sentKeys.has(key), `an entry with a key nobody sent: ${key}`);
    const committedInFlight = inFlight.filter((j) => byKey.has(j.key)).length;
    console.log(`after restart: ${rows.length} entries (${acked.length} acknowledged + ${committedInFlight} committed while their answer was lost)`);

    // Every stored entry opens and holds what its request sent.
    await pool(jobs.filter((j) => byKey.has(j.key)).map((j) => () => assertReadable(j.c.agent, srv, j.c, byKey.get(j.key).id, j.tag)), CONNECTIONS);

    // The clients retry what got no 303, with the same keys.
    const retried = jobs.filter((j) => j.res?.status !== 303);
    await pool(retried.map((j) => async () => {
        const r = await submitPractice(j.c.agent, srv, j.c, j.assignment, j.key, answersFor(j.tag));
        assert.equal(r.status, 303, `retry of ${j.i}: ${r.status ?? r.error}`);
        if (byKey.has(j.key)) assert.equal(r.entryId, byKey.get(j.key).id, `retry of ${j.i} finds the entry its lost answer made`);
        j.res = r;
    }), CONNECTIONS);
    assert.equal(psql(srv.dbUrl, `SELECT count(*) FROM entries WHERE client_id IN (${ids.join(',')})`), String(SUBMISSIONS));
    assert.equal(new Set(jobs.map((j) => j.res.entryId)).size, SUBMISSIONS, 'one entry per submission');
    assertConsistent(srv.dbUrl, ids, 'after the retries');
    await pool(retried.map((j) => () => assertReadable(j.c.agent, srv, j.c, j.res.entryId, j.tag)), CONNECTIONS);
    for (const a of agents2) a.destroy();
    assert.equal(await srv.stop(), 0);
    srv = null;
});
