// mail.mjs: a real SMTP server for the tests (Debian's python3-aiosmtpd,
// run by /usr/bin/python3, whose modules it is), writing every message it
// accepts into a Maildir; and a reader of those messages: headers, both
// MIME parts decoded, the link in them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { freePort, ROOT } from './harness.mjs';

const PYTHON = '/usr/bin/python3';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function listening(port, timeoutMs = 10000) {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
        const ok = await new Promise((resolve) => {
            const s = net.connect(port, '127.0.0.1', () => {
                s.destroy();
                resolve(true);
            });
            s.on('error', () => resolve(false));
        });
        if (ok) return;
        await sleep(100);
    }
    throw new Error(`the SMTP server did not listen on ${port}`);
}

// Starts a sink on port (a free one by default). With failFirst or tls it
// runs tests/lib/smtp_sink.py; else `python3 -m aiosmtpd` as documented.
export async function startSmtp({ port, dir, failFirst = 0, tls } = {}) {
    port = port ?? (await freePort());
    // aiosmtpd makes the Maildir (new/, cur/, tmp/) only when the directory
    // does not exist yet.
    dir = dir ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'interlude-mail-')), 'Maildir');
    const args =
        failFirst || tls
            ? [path.join(ROOT, 'tests/lib/smtp_sink.py'), String(port), dir, '--fail-first', String(failFirst), ...(tls ? ['--tls', tls.cert, tls.key] : [])]
            : ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', dir];
    const proc = spawn(PYTHON, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (d) => (err += d));
    const exited = new Promise((r) => proc.on('close', r));
    process.on('exit', () => proc.kill('SIGKILL'));
    try {
        await listening(port);
    } catch (e) {
        proc.kill('SIGKILL');
        throw new Error(`${e.message}: ${err}`);
    }
    return {
        port,
        dir,
        url: `smtp://127.0.0.1:${port}`,
        async stop() {
            proc.kill('SIGTERM');
            const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
            await exited;
            clearTimeout(t);
        },
        messages: () => readMaildir(dir),
        async waitFor(n, timeoutMs = 15000) {
            const until = Date.now() + timeoutMs;
            for (;;) {
                const m = readMaildir(dir);
                if (m.length >= n) return m;
                if (Date.now() > until) throw new Error(`expected ${n} messages, got ${m.length}`);
                await sleep(100);
            }
        },
    };
}

// Every message of the Maildir, oldest first, parsed.
export function readMaildir(dir) {
    const nd = path.join(dir, 'new');
    if (!fs.existsSync(nd)) return [];
    return fs
        .readdirSync(nd)
        .map((f) => ({ f, t: fs.statSync(path.join(nd, f)).mtimeMs }))
        .sort((a, b) => a.t - b.t)
        .map(({ f }) => parseMessage(fs.readFileSync(path.join(nd, f), 'utf8')));
}

function parseHeaders(text) {
    const headers = {};
    for (const line of text.replace(/\r\n/g, '\n').replace(/\n[ \t]+/g, ' ').split('\n')) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
    return headers;
}

// Decodes an RFC 2047 encoded word (B encoding, UTF-8) inside a header.
export function decodeWords(s) {
    return s.replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_, b) => Buffer.from(b, 'base64').toString('utf8'));
}

export function parseMessage(raw) {
    const norm = raw.replace(/\r\n/g, '\n');
    const cut = norm.indexOf('\n\n');
    const headers = parseHeaders(norm.slice(0, cut));
    const body = norm.slice(cut + 2);
    const m = /boundary="([^"]+)"/.exec(headers['content-type'] ?? '');
    const parts = {};
    if (m) {
        for (const chunk of body.split(`--${m[1]}`)) {
            const c = chunk.replace(/^\n/, '');
            const k = c.indexOf('\n\n');
            if (k < 0) continue;
            const ph = parseHeaders(c.slice(0, k));
            const type = (ph['content-type'] ?? '').split(';')[0];
            let content = c.slice(k + 2);
            if (/base64/i.test(ph['content-transfer-encoding'] ?? '')) content = Buffer.from(content.replace(/\s+/g, ''), 'base64').toString('utf8');
            if (type) parts[type] = content;
        }
    }
    return { raw, headers, text: parts['text/plain'] ?? '', html: parts['text/html'] ?? '', subject: decodeWords(headers.subject ?? ''), from: decodeWords(headers.from ?? '') };
}

// The first link to path prefix (e.g. '/invite/') in a message's text part.
export function linkIn(msg, prefix) {
    const m = new RegExp(`https?://[^\\s<>"]+${prefix}[A-Za-z0-9_-]+`).exec(msg.text);
    return m ? m[0] : null;
}

// The words no client-facing message may contain (the list).
export const FORBIDDEN = ['sex', 'sexual', 'intimacy', 'therapy', 'therapist', 'trauma', 'affair', 'betrayal'];
