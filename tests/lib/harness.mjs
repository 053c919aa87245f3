// harness.mjs: helpers for the integration tests (node 20, no dependencies).
//
// Environment (set by tests/run.sh):
//   INTERLUDE_BIN     server binary (default build/interlude, relative to the repo)
//   PG_SUPERUSER_URL  superuser URL of the throwaway cluster (its "postgres" db)
//   PG_DIR            the cluster's directory (informational)
//
//   const srv = await startServer({ env: { LOG_LEVEL: 'debug' } });
//   const res = await request(`${srv.url}/static/../Makefile`);
//   psql(srv.dbUrl, 'SELECT count(*) FROM users');   // -> '0'
//   await srv.stop();                                  // throws on crash/leak
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const SANITIZER_RE = /AddressSanitizer|LeakSanitizer|runtime error:/;
const live = new Set();
let dbCounter = 0;

// The data key (INTERLUDE_DATA_KEY) of every server the tests start and of
// the binary run directly (create-admin, check, rotate-key): a fixed key made
// for the tests, never used anywhere else. It is also put into process.env,
// with the other key variables removed (a developer's shell may have
// INTERLUDE_DATA_KEY_FILE, and the two must not both be set), so a test that
// runs the binary with { ...process.env } gets it too.
export const TEST_DATA_KEY = 'fe5fab1d4651041dab57a90409a80760c90e61acbccd4dabed2b51da516e1fb9';
export const DATA_KEY_ENV = {
    INTERLUDE_DATA_KEY: TEST_DATA_KEY,
    INTERLUDE_DATA_KEY_FILE: undefined,
    INTERLUDE_DATA_KEYS_OLD: undefined,
    INTERLUDE_DATA_KEYS_OLD_FILE: undefined,
};
for (const [k, v] of Object.entries(DATA_KEY_ENV)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
}

// Servers a test forgot to stop must not outlive the test process.
process.on('exit', () => {
    for (const p of live) {
        try {
            p.kill('SIGKILL');
        } catch {
            // already gone
        }
    }
});

function binary() {
    return path.resolve(ROOT, process.env.INTERLUDE_BIN || 'build/interlude');
}

function superuserUrl() {
    const url = process.env.PG_SUPERUSER_URL;
    if (!url) {
        throw new Error('PG_SUPERUSER_URL is not set: run the integration tests through tests/run.sh');
    }
    return url;
}

// The same URL with another database name (keeps host/user/query as they are).
export function withDatabase(url, db) {
    const m = /^(postgres(?:ql)?:\/\/[^/?]*)(\/[^?]*)?(\?.*)?$/.exec(url);
    if (!m) throw new Error(`cannot parse database URL ${url}`);
    return `${m[1]}/${encodeURIComponent(db)}${m[3] || ''}`;
}

// Runs one SQL command with psql -At; returns stdout without its final newline.
export function psql(dbUrl, sql) {
    const out = execFileSync('psql', ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-d', dbUrl, '-c', sql], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    return out.replace(/\n$/, '');
}

// One SQL command against a started server's database (srv from
// startServer): psql's output with surrounding white space removed, so a
// single value reads as itself ("42", "t", ""). The q() of the tests.
export function query(srv, sql) {
    return psql(srv.dbUrl, sql).trim();
}

// A fresh, empty database on the throwaway cluster; returns its URL.
export function createDatabase() {
    const name = `it_${process.pid}_${++dbCounter}_${crypto.randomBytes(3).toString('hex')}`;
    psql(superuserUrl(), `CREATE DATABASE "${name}"`);
    return withDatabase(superuserUrl(), name);
}

// A free TCP port on 127.0.0.1 (the kernel picks it; released before use).
export async function freePort() {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const { port } = srv.address();
    srv.close();
    await once(srv, 'close');
    return port;
}

function tail(lines, n = 60) {
    return lines.slice(-n).join('\n');
}

// Starts the server on a fresh database and a free port, waits for /healthz.
//   env:       extra environment (a value of undefined removes that variable;
//              the data key is TEST_DATA_KEY: to give INTERLUDE_DATA_KEY_FILE
//              instead, also pass INTERLUDE_DATA_KEY: undefined)
//   dbUrl:     reuse this database instead of creating one (e.g. a restart)
//   args:      command-line arguments (default ['serve'])
//   timeoutMs: how long to wait for /healthz (default 10000)
// Returns {url, port, proc, logs, stdout, dbUrl, waitForLog, stop}:
//   logs / stdout      the server's stderr / stdout lines so far
//   waitForLog(re, ms) first stderr line matching re (RegExp or substring)
//   stop(signal = 'SIGTERM', {expectCode = 0, killAfterMs = 15000})
//                      signals the server (null: only waits), waits for it to
//                      exit and resolves with the exit code (128+N for signal N);
//                      throws when the code is not expectCode, on a sanitizer
//                      report in stderr, or when it had to be SIGKILLed.
// The child is unref()ed: wait for it through stop(), not once(proc, 'exit')
// alone (an empty event loop ends the test). A server left running when the
// test process exits is killed.
export async function startServer({ env = {}, dbUrl, args = ['serve'], timeoutMs = 10000 } = {}) {
    dbUrl = dbUrl || createDatabase();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const fullEnv = {
        ...process.env,
        DATABASE_URL: dbUrl,
        LISTEN: `127.0.0.1:${port}`,
        BASE_URL: url,
        INTERLUDE_TEMPLATES: 'templates',
        INTERLUDE_STATIC: 'static',
        INTERLUDE_MIGRATIONS: 'migrations',
        ...DATA_KEY_ENV,
        LOG_LEVEL: 'info',
        THREADS: '4',
        ...env,
    };
    for (const k of Object.keys(fullEnv)) {
        if (fullEnv[k] === undefined) delete fullEnv[k];
    }

    const bin = binary();
    const proc = spawn(bin, args, { cwd: ROOT, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(proc);
    const logs = [];
    const stdout = [];
    const collect = (stream, into) => {
        let partial = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk) => {
            const parts = (partial + chunk).split('\n');
            partial = parts.pop();
            into.push(...parts);
        });
        stream.on('end', () => {
            if (partial) into.push(partial);
            partial = '';
        });
    };
    collect(proc.stdout, stdout);
    collect(proc.stderr, logs);

    // 'close' fires once the process has exited and its pipes are drained.
    let exit = null;
    let spawnError = null;
    const closed = new Promise((resolve) => {
        proc.on('error', (err) => {
            spawnError = err;
            resolve();
        });
        proc.on('close', (code, signal) => {
            exit = { code, signal };
            live.delete(proc);
            resolve();
        });
    });
    // Let a test process end even when a server is left running (the exit
    // handler above kills it); stop() keeps the event loop busy while waiting.
    proc.unref();
    proc.stdout.unref();
    proc.stderr.unref();

    const describeExit = () =>
        spawnError
            ? `could not run ${bin}: ${spawnError.message}`
            : exit
              ? `exit code ${exit.code}${exit.signal ? `, signal ${exit.signal}` : ''}`
              : 'still running';

    async function stop(signal = 'SIGTERM', { expectCode = 0, killAfterMs = 15000 } = {}) {
        if (!exit && !spawnError) {
            if (signal) proc.kill(signal);
            let timer;
            const timedOut = new Promise((resolve) => {
                timer = setTimeout(() => resolve('timeout'), killAfterMs);
            });
            if ((await Promise.race([closed, timedOut])) === 'timeout') {
                proc.kill('SIGKILL');
                await closed;
                throw new Error(`server did not exit within ${killAfterMs} ms of ${signal}\n${tail(logs)}`);
            }
            clearTimeout(timer);
        }
        if (spawnError) throw new Error(describeExit());
        const code = exit.signal ? 128 + (os.constants.signals[exit.signal] || 0) : exit.code;
        const text = logs.join('\n');
        if (SANITIZER_RE.test(text)) {
            throw new Error(`sanitizer report from the server (${describeExit()}):\n${tail(logs, 200)}`);
        }
        if (code !== expectCode) {
            throw new Error(`server ended with ${describeExit()}, expected exit code ${expectCode}\n${tail(logs)}`);
        }
        return code;
    }

    // Resolves with the first stderr line matching re (RegExp or substring).
    async function waitForLog(re, ms = 5000) {
        const test = (l) => (typeof re === 'string' ? l.includes(re) : re.test(l));
        const deadline = Date.now() + ms;
        for (;;) {
            const hit = logs.find(test);
            if (hit !== undefined) return hit;
            if (Date.now() > deadline) throw new Error(`no log line matching ${re}\n${tail(logs)}`);
            await sleep(25);
        }
    }

    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (exit || spawnError) {
            await closed;
            throw new Error(`server exited before it was healthy (${describeExit()})\n${tail(logs, 200)}`);
        }
        try {
            const res = await request(`${url}/healthz`, { timeoutMs: 1000 });
            if (res.status === 200) break;
        } catch {
            // not listening yet
        }
        if (Date.now() > deadline) {
            proc.kill('SIGKILL');
            await closed;
            throw new Error(`server not healthy after ${timeoutMs} ms (${describeExit()})\n${tail(logs, 200)}`);
        }
        await sleep(50);
    }

    return { url, port, proc, logs, stdout, dbUrl, waitForLog, stop };
}

function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

// Splits "http://host:port/raw/path?q" without normalising the path.
// url may be a string or a Buffer (its bytes are sent as they are).
function splitUrl(url) {
    const s = Buffer.isBuffer(url) ? url.toString('latin1') : url;
    const m = /^http:\/\/([^/:?#]+)(?::(\d+))?(.*)$/s.exec(s);
    if (!m) throw new Error(`request: only http://host[:port]/path URLs: ${s}`);
    return { host: m[1], port: Number(m[2] || 80), path: m[3] || '/' };
}

// One HTTP/1.1 request over node:http, path sent exactly as given ("..",
// "%2e%2e" and non-UTF-8 bytes stay). body: string or Buffer. headers: object;
// Content-Length is set for a body unless given. For bytes node refuses to
// send (control characters in headers, bad request lines) use rawRequest.
// Returns {status, headers, body (utf8 string), raw (Buffer)}.
export function request(url, { method = 'GET', headers = {}, body, timeoutMs = 10000 } = {}) {
    const { host, port, path: rawPath } = splitUrl(url);
    const hdrs = { ...headers };
    const has = (name) => Object.keys(hdrs).some((k) => k.toLowerCase() === name);
    if (body !== undefined && !has('content-length') && !has('transfer-encoding')) {
        hdrs['Content-Length'] = Buffer.byteLength(body);
    }
    return new Promise((resolve, reject) => {
        const req = http.request({ host, port, method, path: rawPath, headers: hdrs, agent: false }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => {
                const raw = Buffer.concat(chunks);
                resolve({ status: res.statusCode, headers: res.headers, body: raw.toString('utf8'), raw });
            });
            res.on('error', reject);
        });
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`request timed out after ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(body);
    });
}

// Sends bytes as they are on a fresh TCP connection and collects the answer
// until the server closes the connection, or nothing came for idleMs after
// the first byte, or timeoutMs passed. The connection is not half-closed
// (send "Connection: close" to have the server close it).
// Returns {status (or null), raw (Buffer), text (latin1)}.
export function rawRequest(url, data, { timeoutMs = 10000, idleMs = 500 } = {}) {
    const { host, port } = splitUrl(url);
    return new Promise((resolve, reject) => {
        const chunks = [];
        let idle = null;
        const sock = net.connect({ host, port }, () => sock.write(data));
        const total = setTimeout(() => sock.destroy(), timeoutMs);
        sock.on('data', (c) => {
            chunks.push(c);
            clearTimeout(idle);
            idle = setTimeout(() => sock.destroy(), idleMs);
        });
        sock.on('error', (err) => {
            if (chunks.length === 0) reject(err);
        });
        sock.on('close', () => {
            clearTimeout(total);
            clearTimeout(idle);
            const raw = Buffer.concat(chunks);
            const text = raw.toString('latin1');
            const m = /^HTTP\/\d\.\d (\d{3})/.exec(text);
            resolve({ status: m ? Number(m[1]) : null, raw, text });
        });
    });
}
