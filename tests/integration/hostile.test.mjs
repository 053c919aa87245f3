// hostile.test.mjs: hostile input against the real server and PostgreSQL.
// Every case must be refused with a 4xx (400 where the service decides,
// whatever libmicrohttpd answers for oversized headers), must not store
// anything (the row counts of users, sessions and login_failures stay the
// same), and must leave the server answering GET /healthz with 200.
//
// Bodies go to POST /login with a valid session cookie and CSRF token, so
// that a body the parser wrongly let through would reach the sign-in
// handler, which records a failed sign-in: the first test shows that a
// well-formed wrong sign-in does add that row, so "nothing stored" means
// something. Everything runs on loopback and stops by itself (~20 s).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, request, rawRequest, psql } from '../lib/harness.mjs';
import { Client } from '../lib/client.mjs';

let srv;
let anon; // an anonymous visitor with the login form's session and CSRF token

before(async () => {
    srv = await startServer();
    anon = new Client(srv);
    const form = await anon.get('/login');
    assert.equal(form.status, 200);
    assert.ok(anon.csrf, 'the login form carries a CSRF token');
});

after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

const FORM = 'application/x-www-form-urlencoded';
const BOUNDARY = 'hostile-boundary-7d4a';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

function counts() {
    return psql(srv.dbUrl,
        "SELECT (SELECT count(*) FROM users) || ' users, ' || (SELECT count(*) FROM sessions) || ' sessions, ' || " +
        "(SELECT count(*) FROM login_failures) || ' login failures'");
}

async function assertHealthy(what) {
    const h = await request(`${srv.url}/healthz`, { timeoutMs: 5000 });
    assert.equal(h.status, 200, `GET /healthz after ${what}`);
}

// A test whose requests must store nothing and leave the server healthy.
function hostile(name, fn) {
    test(name, async () => {
        const was = counts();
        await fn();
        assert.equal(counts(), was, `${name}: nothing stored`);
        await assertHealthy(name);
    });
}

// POSTs body (string or Buffer) to path with the visitor's cookie and token.
function send(path, body, contentType, extraHeaders = {}) {
    return request(`${srv.url}${path}`, {
        method: 'POST',
        body,
        headers: {
            'Content-Type': contentType,
            Cookie: anon.cookieHeader(),
            'X-CSRF-Token': anon.csrf,
            ...extraHeaders,
        },
    });
}

// A sign-in form body with the token, plus extra (already encoded) text.
function loginForm(extra) {
    const base = Buffer.from(`_csrf=${encodeURIComponent(anon.csrf)}&email=nobody%40example.org&password=wrong-password-1234`);
    return extra === undefined ? base : Buffer.concat([base, Buffer.from('&'), Buffer.from(extra)]);
}

// One multipart part; name and value may be Buffers (sent as they are).
function part(name, value) {
    return Buffer.concat([
        Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="`),
        Buffer.from(name),
        Buffer.from('"\r\n\r\n'),
        Buffer.from(value),
        Buffer.from('\r\n'),
    ]);
}

function multipart(...parts) {
    return Buffer.concat([
        part('_csrf', anon.csrf), part('email', 'nobody@example.org'), part('password', 'wrong-password-1234'),
        ...parts, Buffer.from(`--${BOUNDARY}--\r\n`),
    ]);
}

// A raw request on its own connection; returns the status or null when the
// server closed the connection without an answer.
async function raw(head) {
    const r = await rawRequest(srv.url, head, { timeoutMs: 10000 });
    return r.status;
}

function assert4xx(status, what) {
    // libmicrohttpd may also just close a connection it will not read.
    assert.ok(status === null || (status >= 400 && status < 500), `${what}: got ${status}`);
}

// Invalid UTF-8: overlong forms, surrogates, past U+10FFFF, bytes that never
// start a sequence, a stray continuation byte, a truncated sequence.
const BAD_UTF8 = {
    'overlong 2-byte "/"': [0xc0, 0xaf],
    'overlong 3-byte': [0xe0, 0x80, 0xaf],
    'overlong 4-byte': [0xf0, 0x80, 0x80, 0xaf],
    'overlong NUL': [0xc0, 0x80],
    'UTF-16 surrogate': [0xed, 0xa0, 0x80],
    'past U+10FFFF': [0xf4, 0x90, 0x80, 0x80],
    '5-byte form': [0xf8, 0x88, 0x80, 0x80, 0x80],
    'byte FF': [0xff],
    'stray continuation': [0x80],
    'truncated sequence': [0xe2, 0x82],
};
const pct = (bytes) => bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

// Sends the same POST as send(), the body in pieces of `piece` bytes 20 ms
// apart, as a slow network delivers it; returns the status.
async function sendInPieces(path, body, contentType, piece) {
    const sock = net.connect({ host: '127.0.0.1', port: srv.port });
    const chunks = [];
    sock.on('data', (c) => chunks.push(c));
    const closed = new Promise((resolve) => sock.on('close', resolve));
    sock.on('error', () => {});
    sock.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\n` +
        `Cookie: ${anon.cookieHeader()}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    for (let i = 0; i < body.length; i += piece) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        sock.write(body.subarray(i, i + piece));
    }
    await closed;
    const m = /^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'));
    return m ? Number(m[1]) : null;
}

test('control: a well-formed wrong sign-in is stored, in every body encoding', async () => {
    const failures = () => Number(psql(srv.dbUrl, 'SELECT count(*) FROM login_failures'));
    const refused = (status, what) => assert.ok([401, 403, 422].includes(status) || status === 200, `${what}: status ${status}`);
    // Each with its own address, so the per-account limit stays far away.
    const cases = [
        ['urlencoded', () => send('/login', Buffer.from(`_csrf=${encodeURIComponent(anon.csrf)}&email=control1%40example.org&password=wrong-password-1234`), FORM)],
        ['multipart', () => send('/login', Buffer.concat([part('_csrf', anon.csrf), part('email', 'control2@example.org'),
            part('password', 'wrong-password-1234'), Buffer.from(`--${BOUNDARY}--\r\n`)]), MULTIPART)],
        // In pieces that end inside parts: libmicrohttpd then reports a value
        // in several calls, which must not look like a repeated field.
        ['multipart in pieces', async () => ({
            status: await sendInPieces('/login', Buffer.concat([part('_csrf', anon.csrf), part('email', 'control3@example.org'),
                part('password', 'wrong-password-1234'), Buffer.from(`--${BOUNDARY}--\r\n`)]), MULTIPART, 37),
        })],
        ['JSON', () => send('/api/v1/login', JSON.stringify({ email: 'control4@example.org', password: 'wrong-password-1234' }), 'application/json')],
    ];
    for (const [what, run] of cases) {
        const was = failures();
        refused((await run()).status, what);
        assert.equal(failures(), was + 1, `${what}: the failed sign-in was recorded`);
    }
});

hostile('100,000 form fields: 400, and the server still answers', async () => {
    const many = Array.from({ length: 100000 }, (_, i) => `${i.toString(36)}=1`).join('&');
    const started = Date.now();
    const r = await send('/login', loginForm(many), FORM);
    assert.equal(r.status, 400);
    assert.match(r.body, /Too many fields/);
    assert.ok(Date.now() - started < 10000, 'refused in reasonable time');
    // The same as a JSON object with 100,000 members.
    const obj = Object.fromEntries(Array.from({ length: 100000 }, (_, i) => [i.toString(36), 1]));
    const j = await send('/api/v1/login', JSON.stringify(obj), 'application/json');
    assert.equal(j.status, 400);
    // And as multipart (2,000 parts fit in the body cap).
    const parts = Array.from({ length: 2000 }, (_, i) => part(`f${i}`, '1'));
    const m = await send('/login', multipart(...parts), MULTIPART);
    assert.equal(m.status, 400);
});

hostile('invalid UTF-8 in the query: 400', async () => {
    for (const [what, bytes] of Object.entries(BAD_UTF8)) {
        const r = await request(`${srv.url}/login?next=${pct(bytes)}`);
        assert.equal(r.status, 400, `query value, ${what}`);
        const k = await request(`${srv.url}/healthz?${pct(bytes)}=1`);
        assert.equal(k.status, 400, `query key, ${what}`);
        const rawq = await raw(Buffer.concat([
            Buffer.from('GET /login?next='), Buffer.from(bytes), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
        ]));
        assert4xx(rawq, `raw bytes in the query, ${what}`);
    }
});

hostile('invalid UTF-8 in the path: 400', async () => {
    for (const [what, bytes] of Object.entries(BAD_UTF8)) {
        const r = await request(`${srv.url}/setup/${pct(bytes)}`);
        assert.equal(r.status, 400, `percent-encoded, ${what}`);
        const a = await request(`${srv.url}/api/v1/${pct(bytes)}`);
        assert.equal(a.status, 400, `under /api/v1, ${what}`);
        const rp = await raw(Buffer.concat([
            Buffer.from('GET /'), Buffer.from(bytes), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
        ]));
        assert4xx(rp, `raw bytes in the path, ${what}`);
    }
});

hostile('invalid UTF-8 in a form: 400', async () => {
    for (const [what, bytes] of Object.entries(BAD_UTF8)) {
        let r = await send('/login', loginForm(`note=${pct(bytes)}`), FORM);
        assert.equal(r.status, 400, `percent-encoded value, ${what}`);
        r = await send('/login', loginForm(Buffer.concat([Buffer.from('note='), Buffer.from(bytes)])), FORM);
        assert.equal(r.status, 400, `raw value, ${what}`);
        r = await send('/login', loginForm(`${pct(bytes)}=1`), FORM);
        assert.equal(r.status, 400, `field name, ${what}`);
    }
});

hostile('invalid UTF-8 in multipart: 400', async () => {
    for (const [what, bytes] of Object.entries(BAD_UTF8)) {
        let r = await send('/login', multipart(part('note', Buffer.from(bytes))), MULTIPART);
        assert.equal(r.status, 400, `value, ${what}`);
        r = await send('/login', multipart(part(Buffer.from(bytes), 'x')), MULTIPART);
        assert.equal(r.status, 400, `name, ${what}`);
    }
});

hostile('invalid UTF-8 in JSON: 400', async () => {
    for (const [what, bytes] of Object.entries(BAD_UTF8)) {
        const value = Buffer.concat([Buffer.from('{"email":"nobody@example.org","password":"x'), Buffer.from(bytes), Buffer.from('"}')]);
        let r = await send('/api/v1/login', value, 'application/json');
        assert.equal(r.status, 400, `value, ${what}`);
        const key = Buffer.concat([Buffer.from('{"email":"nobody@example.org","password":"wrong-password-1234","'), Buffer.from(bytes), Buffer.from('":1}')]);
        r = await send('/api/v1/login', key, 'application/json');
        assert.equal(r.status, 400, `key, ${what}`);
    }
    for (const esc of ['\\ud800', '\\udfff', '\\ud800\\u0041', '\\udc00\\ud800']) {
        const r = await send('/api/v1/login', `{"email":"nobody@example.org","password":"x${esc}"}`, 'application/json');
        assert.equal(r.status, 400, `lone surrogate escape ${esc}`);
    }
});

hostile('NUL bytes in query, path, form, multipart and JSON: 400', async () => {
    assert.equal((await request(`${srv.url}/login?next=a%00b`)).status, 400, 'query value');
    assert.equal((await request(`${srv.url}/login?a%00b=1`)).status, 400, 'query key');
    assert.equal((await request(`${srv.url}/setup/a%00b`)).status, 400, 'path');
    assert.equal((await send('/login', loginForm('note=a%00b'), FORM)).status, 400, 'form, escaped');
    assert.equal((await send('/login', loginForm(Buffer.from('note=a\0b')), FORM)).status, 400, 'form, raw');
    assert.equal((await send('/login', multipart(part('note', Buffer.from('a\0b'))), MULTIPART)).status, 400, 'multipart value');
    assert.equal((await send('/api/v1/login', '{"email":"nobody@example.org","password":"a\\u0000b"}', 'application/json')).status, 400, 'JSON \\u0000');
    assert.equal((await send('/api/v1/login', Buffer.from('{"email":"nobody@example.org","password":"a\0b"}'), 'application/json')).status, 400, 'JSON raw NUL');
    assert.equal((await send('/api/v1/login', '{"email":"nobody@example.org","password":"x","a\\u0000":1}', 'application/json')).status, 400, 'JSON key');
    // A raw NUL in the request line or a header never reaches the service:
    // libmicrohttpd 0.9.75 ends the line there (newer versions refuse it).
    // So the path is "/a" (no such page) and the header value "a".
    assert4xx(await raw(Buffer.from('GET /a\0/../healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')), 'request line');
    const header = await raw(Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\nConnection: close\r\n\r\n'));
    assert.ok(header === null || header < 500, `raw NUL in a header: got ${header}`);
});

hostile('malformed multipart: missing boundary, never closed, garbage: 400', async () => {
    const body = multipart();
    let r = await send('/login', body, 'multipart/form-data');
    assert.equal(r.status, 400, 'no boundary parameter');
    r = await send('/login', body, 'multipart/form-data; boundary=');
    assert.equal(r.status, 400, 'empty boundary');
    const unclosed = Buffer.concat([part('_csrf', anon.csrf), part('email', 'nobody@example.org'),
        part('password', 'wrong-password-1234'), Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nand then nothing`)]);
    r = await send('/login', unclosed, MULTIPART);
    assert.equal(r.status, 400, 'boundary never closed');
    r = await send('/login', Buffer.from('this is not multipart at all\r\n--\r\n\r\n'), MULTIPART);
    assert.equal(r.status, 400, 'garbage');
    r = await send('/login', Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--${BOUNDARY}--\r\n`), MULTIPART);
    assert.equal(r.status, 400, 'a part without a name');
    r = await send('/login', Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\nx\r\n--${BOUNDARY}--\r\n`), MULTIPART);
    assert.equal(r.status, 400, 'a file upload');
});

hostile('duplicate keys in query, form, multipart and JSON: 400', async () => {
    assert.equal((await request(`${srv.url}/login?next=a&next=b`)).status, 400, 'query');
    assert.equal((await send('/login', loginForm('email=other%40example.org'), FORM)).status, 400, 'form');
    assert.equal((await send('/login', multipart(part('password', 'second')), MULTIPART)).status, 400, 'multipart');
    const r = await send('/api/v1/login', '{"email":"nobody@example.org","password":"a","password":"b"}', 'application/json');
    assert.equal(r.status, 400, 'JSON');
});

hostile('a 64 KiB cookie and 100 headers of 1 KiB: 4xx, server up', async () => {
    const cookie = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: interlude=${'c'.repeat(64 * 1024)}\r\nConnection: close\r\n\r\n`);
    assert4xx(cookie, '64 KiB cookie');
    await assertHealthy('a 64 KiB cookie');
    let headers = '';
    for (let i = 0; i < 100; i++) headers += `X-Filler-${i}: ${'h'.repeat(1024)}\r\n`;
    assert4xx(await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`), '100 headers of 1 KiB');
});

hostile('a request line of 100 KiB: 414 or another 4xx', async () => {
    const line = await raw(`GET /${'a'.repeat(100 * 1024)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert4xx(line, '100 KiB request line');
    // Under the connection's memory but over the path limit: our own 414.
    const r = await request(`${srv.url}/${'a'.repeat(4096)}`);
    assert.equal(r.status, 414);
});

hostile('slowloris: 200 connections trickling headers, /healthz still answers within 1 s', async () => {
    const SOCKETS = 200;
    const SECONDS = 8;
    // Spread over four loopback addresses (50 each, under the per-address
    // limit), as a botnet would be: all 200 reach the server.
    const sockets = [];
    const head = Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'z'.repeat(SECONDS + 2));
    for (let i = 0; i < SOCKETS; i++) {
        const s = net.connect({ host: '127.0.0.1', port: srv.port, localAddress: `127.0.0.${2 + (i % 4)}` });
        s.on('error', () => {});
        sockets.push(s);
    }
    let sent = 0;
    const timer = setInterval(() => {
        for (const s of sockets) if (!s.destroyed) s.write(head.subarray(sent, sent + 1));
        sent++;
    }, 1000);
    try {
        const deadline = Date.now() + SECONDS * 1000;
        let probes = 0;
        while (Date.now() < deadline) {
            const t0 = Date.now();
            const r = await request(`${srv.url}/healthz`, { timeoutMs: 1000 });
            const ms = Date.now() - t0;
            assert.equal(r.status, 200);
            assert.ok(ms < 1000, `GET /healthz took ${ms} ms during the attack`);
            probes++;
            await new Promise((resolve) => setTimeout(resolve, 200));
        }
        assert.ok(probes >= SECONDS, `${probes} probes answered`);
        const open = sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;
        assert.ok(open > 0, 'the slow connections were accepted (the test did attack)');
    } finally {
        clearInterval(timer);
        for (const s of sockets) s.destroy();
    }
});
