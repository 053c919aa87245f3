// lifecycle.test.mjs: readiness follows the database, and SIGTERM lets an
// in-flight request finish before the process exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { startServer, request, ROOT } from '../lib/harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('/readyz is 503 while PostgreSQL is down and 200 once it is back, without a restart', async () => {
    const dir = process.env.PG_DIR;
    assert.ok(dir, 'PG_DIR is set by tests/run.sh');
    const srv = await startServer();
    try {
        assert.equal((await request(`${srv.url}/readyz`)).status, 200);
        execFileSync('bash', [`${ROOT}/scripts/pg.sh`, 'stop', dir], { stdio: 'pipe' });
        const down = await request(`${srv.url}/readyz`);
        assert.equal(down.status, 503);
        assert.ok(down.headers['retry-after']);
        assert.equal((await request(`${srv.url}/healthz`)).status, 200, 'alive while the database is down');
        execFileSync('bash', [`${ROOT}/scripts/pg.sh`, 'start', dir], { stdio: 'pipe' });
        let status = 0;
        for (let i = 0; i < 50 && status !== 200; i++) {
            status = (await request(`${srv.url}/readyz`)).status;
            if (status !== 200) await sleep(200);
        }
        assert.equal(status, 200);
    } finally {
        try { execFileSync('bash', [`${ROOT}/scripts/pg.sh`, 'start', dir], { stdio: 'pipe' }); } catch { /* already up */ }
        assert.equal(await srv.stop(), 0);
    }
});

test('SIGTERM during a slow request: the request completes, then exit 0', async () => {
    // A lock timeout longer than the test, so the request really waits.
    const srv = await startServer({ env: { DB_LOCK_TIMEOUT_MS: '15000', DB_STATEMENT_TIMEOUT_MS: '15000' } });
    // Hold a lock that the sign-in page's new anonymous session must wait
    // for: a real slow request. (/readyz gives up after a second by design.)
    const locker = spawn('psql', ['-X', '-q', '-d', srv.dbUrl], { stdio: ['pipe', 'pipe', 'pipe'] });
    locker.stdin.write('BEGIN; LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE; SELECT \'locked\';\n');
    await new Promise((resolve) => locker.stdout.on('data', (d) => { if (String(d).includes('locked')) resolve(); }));
    let answeredAt = 0;
    const slow = request(`${srv.url}/login`, { timeoutMs: 15000 }).then((r) => { answeredAt = Date.now(); return r; });
    await sleep(300);
    const exited = srv.stop('SIGTERM');
    await sleep(700);
    assert.equal(answeredAt, 0, 'still waiting for the lock when SIGTERM arrived');
    const releasedAt = Date.now();
    locker.stdin.write('COMMIT;\n\\q\n');
    const res = await slow;
    assert.equal(res.status, 200, 'the in-flight request was answered');
    assert.ok(answeredAt >= releasedAt, 'answered only after the lock was released');
    assert.equal(await exited, 0);
});
