// crypto.test.mjs: the data key (encryption at rest, server/crypto): the
// server refuses to start without a usable key, starts with a key file, never
// shows the key, and `interlude rotate-key` runs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, createDatabase, freePort, psql, ROOT, TEST_DATA_KEY } from '../lib/harness.mjs';

const SANITIZER_RE = /AddressSanitizer|LeakSanitizer|runtime error:/;
const OTHER_KEY = '9d2b7c4e1f0a38566e7d8c9b0a1f2e3d4c5b6a79881726354433221100ffeedd';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlude-crypto-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeKey(name, text, mode) {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    fs.chmodSync(p, mode);
    return p;
}

// Runs the binary to completion with the test environment changed by env
// (undefined removes a variable). Returns {code, stdout, stderr}.
async function run(args, env = {}) {
    const port = await freePort();
    const full = {
        ...process.env,
        LISTEN: `127.0.0.1:${port}`,
        BASE_URL: `http://127.0.0.1:${port}`,
        INTERLUDE_TEMPLATES: 'templates',
        INTERLUDE_STATIC: 'static',
        INTERLUDE_MIGRATIONS: 'migrations',
        ...env,
    };
    for (const k of Object.keys(full)) if (full[k] === undefined) delete full[k];
    const r = spawnSync(process.env.INTERLUDE_BIN, args, { cwd: ROOT, env: full, encoding: 'utf8', timeout: 60000 });
    assert.doesNotMatch(r.stderr, SANITIZER_RE);
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// The start stops before anything else with exit code 2 and one line that
// names want and shows no key.
async function refused(env, want) {
    const dbUrl = createDatabase();
    const r = await run(['serve'], { DATABASE_URL: dbUrl, ...env });
    assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.match(r.stderr, want);
    for (const key of [TEST_DATA_KEY, OTHER_KEY]) {
        assert.ok(!r.stderr.toLowerCase().includes(key.slice(8, 24)), 'no key material in the message');
    }
    // Refused before migrating: the database was not touched.
    assert.equal(psql(dbUrl, "SELECT to_regclass('schema_migrations') IS NULL"), 't');
    return r.stderr;
}

test('the server refuses to start without a data key', async () => {
    await refused({ INTERLUDE_DATA_KEY: undefined, INTERLUDE_DATA_KEY_FILE: undefined }, /INTERLUDE_DATA_KEY/);
    await refused({ INTERLUDE_DATA_KEY: '', INTERLUDE_DATA_KEY_FILE: '' }, /INTERLUDE_DATA_KEY/);
});

test('the server refuses a malformed key, two keys, or a key file others can read', async () => {
    await refused({ INTERLUDE_DATA_KEY: OTHER_KEY.slice(1) }, /INTERLUDE_DATA_KEY must be 64 hex digits/);
    await refused({ INTERLUDE_DATA_KEY: `${OTHER_KEY.slice(1)}z` }, /INTERLUDE_DATA_KEY must be 64 hex digits/);
    const good = writeKey('both.key', `${OTHER_KEY}\n`, 0o600);
    await refused({ INTERLUDE_DATA_KEY_FILE: good }, /set only one of INTERLUDE_DATA_KEY and INTERLUDE_DATA_KEY_FILE/);
    const open = writeKey('open.key', `${OTHER_KEY}\n`, 0o644);
    const msg = await refused({ INTERLUDE_DATA_KEY: undefined, INTERLUDE_DATA_KEY_FILE: open }, /INTERLUDE_DATA_KEY_FILE/);
    assert.match(msg, /mode 644/);
    assert.match(msg, /chmod 600/);
    await refused({ INTERLUDE_DATA_KEY: undefined, INTERLUDE_DATA_KEY_FILE: path.join(dir, 'missing.key') }, /cannot open/);
    await refused({ INTERLUDE_DATA_KEYS_OLD: `${TEST_DATA_KEY},nope` }, /INTERLUDE_DATA_KEYS_OLD \(key 2\)/);
});

test('create-admin and check need the key as well', async () => {
    const noKey = { INTERLUDE_DATA_KEY: undefined, INTERLUDE_DATA_KEY_FILE: undefined };
    const dbUrl = createDatabase();
    for (const args of [['create-admin', '--email', 'a@example.org'], ['check'], ['rotate-key']]) {
        const r = await run(args, { DATABASE_URL: dbUrl, ...noKey });
        assert.equal(r.code, 2, args[0]);
        assert.match(r.stderr, /INTERLUDE_DATA_KEY/, args[0]);
    }
});

test('the server starts with a key file (mode 600, trailing newline) and never logs the key', async () => {
    const file = writeKey('data.key', `${OTHER_KEY}\n`, 0o600);
    const srv = await startServer({ env: { INTERLUDE_DATA_KEY: undefined, INTERLUDE_DATA_KEY_FILE: file } });
    try {
        const res = await fetch(`${srv.url}/healthz`);
        assert.equal(res.status, 200);
    } finally {
        assert.equal(await srv.stop(), 0);
    }
    assert.ok(!srv.logs.join('\n').toLowerCase().includes(OTHER_KEY.slice(0, 16)));
});

test('--help lists the key variables without showing a key', async () => {
    const r = await run(['--help'], { INTERLUDE_DATA_KEY: OTHER_KEY });
    assert.equal(r.code, 0);
    for (const v of ['INTERLUDE_DATA_KEY', 'INTERLUDE_DATA_KEY_FILE', 'INTERLUDE_DATA_KEYS_OLD', 'INTERLUDE_DATA_KEYS_OLD_FILE']) {
        assert.match(r.stdout, new RegExp(`${v}\\s+default: \\(none\\)`), v);
    }
    assert.ok(!r.stdout.includes(OTHER_KEY.slice(0, 16)));
    assert.ok(!r.stdout.includes(TEST_DATA_KEY.slice(0, 16)));
});

test('rotate-key: nothing to re-encrypt, exit 0, safe to run again', async () => {
    const srv = await startServer(); // migrates the database
    assert.equal(await srv.stop(), 0);
    for (let i = 0; i < 2; i++) {
        const r = await run(['rotate-key'], { DATABASE_URL: srv.dbUrl, INTERLUDE_DATA_KEYS_OLD: OTHER_KEY });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /current key id [0-9a-f]{8}\n/);
        assert.match(r.stdout, /nothing to re-encrypt/);
        assert.ok(!r.stdout.includes(TEST_DATA_KEY.slice(0, 16)));
    }
});

test('rotate-key: an unreachable database is exit code 4', async () => {
    const r = await run(['rotate-key'], { DATABASE_URL: 'postgresql:///nodb?host=/nonexistent' });
    assert.equal(r.code, 4);
    assert.match(r.stderr, /rotate-key: cannot connect to the database/);
});
