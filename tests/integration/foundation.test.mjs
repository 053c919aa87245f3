// foundation.test.mjs: the HTTP core against the real server and PostgreSQL:
// health, errors in the layout, limits, static files, headers, shutdown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { startServer, request, rawRequest, ROOT } from '../lib/harness.mjs';

let srv;
before(async () => {
    srv = await startServer({ env: { MAX_BODY_BYTES: '65536' } });
});
after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

const SECURITY_HEADERS = {
    'content-security-policy': /default-src 'none'.*frame-ancestors 'none'/,
    'x-content-type-options': /^nosniff$/,
    'referrer-policy': /^no-referrer$/,
    'permissions-policy': /camera=\(\)/,
};

function assertSecurityHeaders(res, what) {
    for (const [name, re] of Object.entries(SECURITY_HEADERS)) {
        assert.match(res.headers[name] ?? '', re, `${what}: header ${name}`);
    }
    assert.doesNotMatch(res.headers['content-security-policy'], /unsafe-inline/, what);
    assert.ok(res.headers.date, `${what}: Date header`);
}

test('GET /healthz and /readyz answer 200', async () => {
    assert.equal((await request(`${srv.url}/healthz`)).status, 200);
    const r = await request(`${srv.url}/readyz`);
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).status, 'ready');
});

test('home page renders in the layout with a neutral title', async () => {
    const r = await request(`${srv.url}/`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(r.body, /^<!doctype html>/i);
    assert.match(r.body, /<main id="main"[^>]*>/);
    assert.match(r.body, /<title>[^<]*Interlude<\/title>/);
    assert.doesNotMatch(r.body.match(/<title>([^<]*)<\/title>/)[1], /sex/i);
    assert.equal(r.headers['cache-control'], 'no-store');
});

test('unknown path: 404 page in the layout, JSON under /api/v1', async () => {
    const r = await request(`${srv.url}/no/such/page`);
    assert.equal(r.status, 404);
    assert.match(r.body, /<main id="main"[^>]*>/);
    assert.match(r.body, /There is no page at this address/);
    const j = await request(`${srv.url}/api/v1/no/such/page`);
    assert.equal(j.status, 404);
    assert.equal(j.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(JSON.parse(j.body).error.code, 'not_found');
    const a = await request(`${srv.url}/no/such/page`, { headers: { Accept: 'application/json' } });
    assert.equal(JSON.parse(a.body).error.code, 'not_found');
});

test('wrong method: 405 with Allow', async () => {
    const r = await request(`${srv.url}/healthz`, { method: 'POST' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'GET, HEAD');
    const d = await request(`${srv.url}/`, { method: 'DELETE' });
    assert.equal(d.status, 405);
    assert.equal(d.headers.allow, 'GET, HEAD');
});

test('HEAD is served from GET without a body', async () => {
    const r = await request(`${srv.url}/`, { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.equal(r.raw.length, 0);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
});

test('body over the cap: 413 before it is read', async () => {
    // Declares 10 MiB but sends only the headers: the answer must come anyway.
    const r = await rawRequest(srv.url,
        'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Content-Length: 10485760\r\n\r\n');
    assert.equal(r.status, 413);
});

test('chunked body over the cap is cut off, not buffered', async () => {
    const chunk = 'a='.padEnd(40000, 'x');
    const body = `${(chunk.length).toString(16)}\r\n${chunk}\r\n`.repeat(3) + '0\r\n\r\n';
    const r = await rawRequest(srv.url,
        'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n' + body);
    assert.notEqual(r.status, 200);
    assert.equal((await request(`${srv.url}/healthz`)).status, 200, 'server still up');
});

test('invalid UTF-8 in a form field: 400', async () => {
    for (const bytes of [Buffer.from('a=%FF'), Buffer.from('a=%C0%AF'), Buffer.from([0x61, 0x3d, 0xc3])]) {
        const r = await request(`${srv.url}/`, {
            method: 'POST', body: bytes,
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        });
        assert.equal(r.status, 400, `body ${bytes.toString('hex')}`);
    }
});

test('NUL byte in a form field: 400', async () => {
    const r = await request(`${srv.url}/`, {
        method: 'POST', body: 'a=x%00y',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(r.status, 400);
});

test('invalid UTF-8 in multipart: 400', async () => {
    const body = Buffer.concat([
        Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n'),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from('\r\n--XyZ--\r\n'),
    ]);
    const r = await request(`${srv.url}/`, {
        method: 'POST', body, headers: { 'Content-Type': 'multipart/form-data; boundary=XyZ' },
    });
    assert.equal(r.status, 400);
});

test('1,001 fields: 400; 1,000 fields pass the parser', async () => {
    const many = (n) => Array.from({ length: n }, (_, i) => `f${i}=1`).join('&');
    const bad = await request(`${srv.url}/`, {
        method: 'POST', body: many(1001),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(bad.status, 400);
    const ok = await request(`${srv.url}/`, {
        method: 'POST', body: many(1000),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(ok.status, 405, 'parsed, then refused by the router (/ takes GET only)');
});

test('repeated field name: 400', async () => {
    const r = await request(`${srv.url}/`, {
        method: 'POST', body: 'a=1&a=2',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(r.status, 400);
});

test('JSON bodies: malformed or duplicate keys 400', async () => {
    for (const body of ['{', '{"a":1,"a":2}', '[1,2]', '"x"']) {
        const r = await request(`${srv.url}/api/v1/`, {
            method: 'POST', body, headers: { 'Content-Type': 'application/json' },
        });
        assert.equal(r.status, 400, body);
        assert.ok(JSON.parse(r.body).error.message);
    }
});

test('unsupported body type: 415', async () => {
    const r = await request(`${srv.url}/`, {
        method: 'POST', body: 'hello', headers: { 'Content-Type': 'text/plain' },
    });
    assert.equal(r.status, 415);
});

test('static files: served with type and ETag, 304 when unchanged', async () => {
    const r = await request(`${srv.url}/static/css/site.css`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/css; charset=utf-8');
    assert.ok(r.headers.etag);
    assertSecurityHeaders(r, 'static');
    const again = await request(`${srv.url}/static/css/site.css`, { headers: { 'If-None-Match': r.headers.etag } });
    assert.equal(again.status, 304);
});

test('no way out of static/: .., encoded dots, symlinks -> 404', async () => {
    for (const p of ['/static/../Makefile', '/static/%2e%2e/Makefile', '/static/%2E%2E/Makefile',
        '/static/..%2fMakefile', '/static/css/../../Makefile', '/static/%2e%2e%2fMakefile',
        '/static/./css/site.css', '/static//etc/passwd', '/static/..%5cMakefile']) {
        const r = await request(`${srv.url}${p}`);
        assert.equal(r.status, 404, p);
        assert.doesNotMatch(r.body, /CFLAGS|root:/, p);
    }
});

test('malformed percent-encoding in the path: 400', async () => {
    const r = await request(`${srv.url}/%zz`);
    assert.equal(r.status, 400);
    const n = await request(`${srv.url}/a%00b`);
    assert.equal(n.status, 400);
});

test('every kind of response carries the security headers', async () => {
    const cases = [
        ['GET', '/'], ['GET', '/healthz'], ['GET', '/readyz'], ['GET', '/nope'], ['POST', '/'],
        ['GET', '/api/v1/nope'], ['GET', '/static/css/site.css'], ['GET', '/static/none.css'], ['GET', '/%zz'],
    ];
    for (const [method, p] of cases) {
        assertSecurityHeaders(await request(`${srv.url}${p}`, { method }), `${method} ${p}`);
    }
});

test('request log: route pattern, status, no query string', async () => {
    await request(`${srv.url}/nope?secret=canary-7781`);
    await new Promise((r) => setTimeout(r, 100));
    const lines = srv.logs.join('\n');
    assert.doesNotMatch(lines, /canary-7781/);
    const entries = srv.logs.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    assert.ok(entries.some((e) => e.msg === 'request' && e.status === 404 && e.route === '-'));
    assert.ok(entries.some((e) => e.msg === 'request' && e.route === '/' && typeof e.ms === 'number'));
    // Health checks come every few seconds: only at LOG_LEVEL=debug.
    assert.ok(!entries.some((e) => e.msg === 'request' && e.route === '/readyz' && e.status === 200));
});

test('bad configuration stops the start with one line naming the variable', () => {
    const bin = process.env.INTERLUDE_BIN;
    for (const [name, value] of [['THREADS', 'lots'], ['LISTEN', 'nowhere'], ['LOG_LEVEL', 'chatty'], ['BASE_URL', 'ftp://x']]) {
        let out = '';
        let code = 0;
        try {
            execFileSync(bin, ['check'], { env: { ...process.env, DATABASE_URL: 'postgresql:///x', [name]: value }, stdio: 'pipe' });
        } catch (e) {
            code = e.status;
            out = e.stderr.toString();
        }
        assert.equal(code, 2, name);
        assert.equal(out.trim().split('\n').length, 1, `${name}: one line`);
        assert.match(out, new RegExp(name), name);
    }
});

test('--help lists every variable with its default', () => {
    const out = execFileSync(process.env.INTERLUDE_BIN, ['--help']).toString();
    for (const v of ['DATABASE_URL', 'LISTEN', 'BASE_URL', 'THREADS', 'INTERLUDE_TEMPLATES',
        'INTERLUDE_STATIC', 'INTERLUDE_MIGRATIONS', 'LOG_LEVEL', 'MAX_BODY_BYTES']) {
        assert.match(out, new RegExp(`${v}\\s+default:`), v);
    }
});

test('check: exit code says which part failed', () => {
    const bin = process.env.INTERLUDE_BIN;
    const run = (env) => {
        try {
            execFileSync(bin, ['check'], { env: { ...process.env, ...env }, stdio: 'pipe', cwd: ROOT });
            return 0;
        } catch (e) {
            return e.status;
        }
    };
    assert.equal(run({ DATABASE_URL: srv.dbUrl }), 0);
    assert.equal(run({ DATABASE_URL: srv.dbUrl, INTERLUDE_TEMPLATES: '/nonexistent' }), 3);
    assert.equal(run({ DATABASE_URL: 'postgresql:///nodb?host=/nonexistent' }), 4);
});
