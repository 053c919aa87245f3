// smoke.test.mjs: the server starts, answers /healthz and stops cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request } from '../lib/harness.mjs';

test('server starts, answers /healthz with 200 and exits 0 on SIGTERM', async () => {
    const srv = await startServer();
    try {
        const res = await request(`${srv.url}/healthz`);
        assert.equal(res.status, 200);
    } finally {
        assert.equal(await srv.stop(), 0);
    }
});
