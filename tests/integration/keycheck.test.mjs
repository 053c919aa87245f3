// keycheck.test.mjs: a server started with the wrong data key (a restore
// with a new key, a typo in a secret) says so and writes nothing, instead of
// looking healthy (crypto/keycheck.h, migrations/0015_data_keys.sql).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, createDatabase, psql, ROOT, TEST_DATA_KEY } from '../lib/harness.mjs';
import { Client } from '../lib/client.mjs';

const OTHER_KEY = '9d2b7c4e1f0a38566e7d8c9b0a1f2e3d4c5b6a79881726354433221100ffeedd';

// The key ids the server logs: read them from data_keys after a start with
// one key only (the ids are not computed here, so a change of the id
// recipe cannot make this test pass by accident).
function keyRows(dbUrl) {
    const out = psql(dbUrl, "SELECT key_id || ':' || CASE WHEN check_value IS NULL THEN 'f' ELSE 't' END FROM data_keys ORDER BY first_seen, key_id");
    return out.split('\n').map((l) => l.trim()).filter(Boolean);
}

function check(dbUrl, env) {
    const r = spawnSync(process.env.INTERLUDE_BIN, ['check'], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: dbUrl, INTERLUDE_TEMPLATES: 'templates', INTERLUDE_STATIC: 'static', INTERLUDE_MIGRATIONS: 'migrations', INTERLUDE_DATA_KEY: TEST_DATA_KEY, ...env },
        encoding: 'utf8',
        timeout: 30000,
    });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

async function readyz(srv) {
    const r = await new Client(srv).get('/readyz', { Accept: 'application/json' });
    return { status: r.status, body: JSON.parse(r.body) };
}

test('the data keys are checked at start, in /readyz and by interlude check; a wrong key writes nothing', async () => {
    const dbUrl = createDatabase();
    // 1. The first start registers its key with a check value.
    let srv = await startServer({ dbUrl });
    let rows;
    try {
        assert.equal((await readyz(srv)).status, 200);
        rows = keyRows(dbUrl);
        assert.equal(rows.length, 1, `one key registered: ${rows}`);
        assert.match(rows[0], /^[0-9a-f]{8}:t$/);
    } finally {
        await srv.stop();
    }
    const first = rows[0].slice(0, 8);
    assert.equal(check(dbUrl, {}).code, 0, 'check passes with the right key');

    // 2. Started with another key only (a restore under a new key).
    srv = await startServer({ dbUrl, env: { INTERLUDE_DATA_KEY: OTHER_KEY } });
    try {
        const r = await readyz(srv);
        assert.equal(r.status, 503);
        assert.equal(r.body.reason, 'data key');
        assert.match(r.body.detail, new RegExp(`data key ${first} is missing`));
        assert.ok(!JSON.stringify(r.body).includes(OTHER_KEY.slice(0, 16)), 'no key material');
        // Nothing is written: a sign-in is refused before it is tried, the page says why.
        const c = new Client(srv);
        await c.get('/login');
        const audit = psql(dbUrl, 'SELECT count(*) FROM audit_log');
        const res = await c.post('/login', { email: 'nobody@example.org', password: 'whatever-it-is' });
        assert.equal(res.status, 503);
        assert.match(res.body, /cannot save anything/);
        assert.equal(keyRows(dbUrl).length, 1, 'the wrong key is not registered');
        assert.equal(psql(dbUrl, 'SELECT count(*) FROM audit_log'), audit, 'not even a failed sign-in is recorded');
        await srv.waitForLog(/data key check failed/);
        assert.ok(!srv.logs.join('\n').includes(OTHER_KEY.slice(0, 16)) && !srv.logs.join('\n').includes(TEST_DATA_KEY.slice(0, 16)));
    } finally {
        await srv.stop();
    }
    const bad = check(dbUrl, { INTERLUDE_DATA_KEY: OTHER_KEY });
    assert.equal(bad.code, 5, bad.out);
    assert.match(bad.out, new RegExp(`data key ${first} is missing`));

    // 3. The new key with the old one kept for reading: ready, both known.
    srv = await startServer({ dbUrl, env: { INTERLUDE_DATA_KEY: OTHER_KEY, INTERLUDE_DATA_KEYS_OLD: TEST_DATA_KEY } });
    try {
        assert.equal((await readyz(srv)).status, 200);
        rows = keyRows(dbUrl);
        assert.equal(rows.length, 2, `${rows}`);
        assert.ok(rows.every((r) => r.endsWith(':t')));
    } finally {
        await srv.stop();
    }
    const second = rows.find((r) => !r.startsWith(first)).slice(0, 8);

    // 4. rotate-key re-seals everything with the new key and forgets the old one:
    // the new key alone is then enough.
    const rot = spawnSync(process.env.INTERLUDE_BIN, ['rotate-key'], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: dbUrl, INTERLUDE_DATA_KEY: OTHER_KEY, INTERLUDE_DATA_KEYS_OLD: TEST_DATA_KEY },
        encoding: 'utf8',
        timeout: 30000,
    });
    assert.equal(rot.status, 0, rot.stderr);
    assert.deepEqual(keyRows(dbUrl), [`${second}:t`]);
    assert.equal(check(dbUrl, { INTERLUDE_DATA_KEY: OTHER_KEY }).code, 0);

    // 5. A check value that does not open (same id, another key: here a
    // changed byte) is caught too.
    psql(dbUrl, `UPDATE data_keys SET check_value = set_byte(check_value, 40, get_byte(check_value, 40) # 1) WHERE key_id = '${second}'`);
    const wrong = check(dbUrl, { INTERLUDE_DATA_KEY: OTHER_KEY });
    assert.equal(wrong.code, 5, wrong.out);
    assert.match(wrong.out, new RegExp(`the data key with id ${second} is not the key`));
});
