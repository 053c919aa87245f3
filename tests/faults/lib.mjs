// lib.mjs: helpers shared by the fault tests (tests/integration/faults-*.test.mjs,
// which make test runs, and tests/faults/*.test.mjs, which make test-faults
// runs): people and homework seeded through the real server, practice
// submissions over keep-alive connections, a throwaway PostgreSQL cluster of
// a test's own, and the consistency checks every fault test ends with.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { psql, ROOT } from '../lib/harness.mjs';
import { invitedPerson } from '../lib/client.mjs';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// An idempotency key as the practice form makes them (43 base64url
// characters). The forms' own keys are used where the test can fetch them;
// while the database is away it cannot, and the server accepts any key of
// this shape.
export function newKey() {
    return crypto.randomBytes(32).toString('base64url');
}

export const keyOf = (body) => /name="idempotency_key" value="([^"]+)"/.exec(body)?.[1];

// The answers of the library's "eye-contact-connection" practice, with a
// text that names the submission, so a stored entry can be matched to the
// request that made it.
export function answersFor(tag) {
    return { comfort: '7', connection: '6', what_noticed: `noticed ${tag}`, paused: 'no' };
}

// Seeds through the real server: an administrator (create-admin), one
// therapist and `clients` clients (invitations accepted over HTTP), each
// client with `assignments` assignments of eye-contact-connection.
// Returns { therapist, clients: [Client with .id .email .assignments] }.
export async function seedPeople(srv, { clients = 1, assignments = 1, createAdmin }) {
    const q = (sql) => psql(srv.dbUrl, sql).trim();
    createAdmin(srv);
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    const invited = (kind, createdBy, name) => invitedPerson(srv, { kind, createdBy, name });
    const therapist = await invited('therapist', adminId, 'Tess Therapist');
    const list = [];
    for (let i = 0; i < clients; i++) {
        const c = await invited('client', therapist.id, `Client ${i + 1}`);
        c.assignments = [];
        for (let j = 0; j < assignments; j++) {
            c.assignments.push(q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, times_per_week, weeks)
                SELECT l.id, l.version_id, ${therapist.id}, ${c.id}, current_date, 7, 4
                FROM activity_latest l WHERE l.slug = 'eye-contact-connection' AND l.source = 'library' RETURNING id`));
        }
        list.push(c);
    }
    return { therapist, clients: list };
}

// One HTTP request on a shared keep-alive agent (false: a connection of its
// own). Never throws: returns { status, headers, body, ms } or { error, ms }
// (connection refused or reset, or no answer within timeoutMs). The agent's
// localAddress (a 127.x.y.z) picks the client's address: the server allows
// PER_IP_CONNECTIONS (64) connections from one.
export function send(agent, baseUrl, path, { method = 'GET', headers = {}, body, timeoutMs = 10000 } = {}) {
    const u = new URL(baseUrl);
    const t0 = Date.now();
    const hdrs = { ...headers };
    if (body !== undefined) hdrs['Content-Length'] = Buffer.byteLength(body);
    return new Promise((resolve) => {
        let done = false;
        const finish = (r) => {
            if (!done) {
                done = true;
                resolve({ ...r, ms: Date.now() - t0 });
            }
        };
        const req = http.request({ host: u.hostname, port: u.port, method, path, headers: hdrs, agent, localAddress: agent?.options?.localAddress }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => finish({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', (err) => finish({ error: err.code || err.message }));
        });
        req.setTimeout(timeoutMs, () => {
            req.destroy(new Error('timeout'));
            finish({ error: 'timeout' });
        });
        req.on('error', (err) => finish({ error: err.code || err.message }));
        req.end(body);
    });
}

// Submits one practice as client c: POST /homework/{a}/practice with the
// form's fields, its CSRF token and the given idempotency key. Adds
// entryId for a 303 to /entries/{id}/submitted.
export async function submitPractice(agent, srv, c, assignment, key, answers, opts = {}) {
    const body = new URLSearchParams({ _csrf: c.csrf, ...answers, idempotency_key: key, action: 'submit' }).toString();
    const r = await send(agent, srv.url, `/homework/${assignment}/practice`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: c.cookieHeader() },
        ...opts,
    });
    if (r.status === 303) {
        const m = /^\/entries\/(\d+)\/submitted$/.exec(r.headers.location || '');
        if (m) r.entryId = m[1];
    }
    return r;
}

// Runs jobs (async functions) with at most `width` at once; stops starting
// new ones once stop() returns true. Resolves when all started ones ended.
export async function pool(jobs, width, stop = () => false) {
    let next = 0;
    const worker = async () => {
        while (next < jobs.length && !stop()) {
            const i = next++;
            await jobs[i]();
        }
    };
    await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
}

// What must hold for the given clients' homework whatever happened to the
// server: every entry submitted and complete (submitted_at set, answers
// present), exactly one 'entry.submitted' audit row per entry and none
// without its entry, no draft left, one entry per idempotency key, and every
// comment with its 'comment.created' audit row. Returns the problems found
// (an empty list when consistent).
export function consistencyProblems(dbUrl, clientIds) {
    const ids = clientIds.join(',');
    const q = (sql) => psql(dbUrl, sql).trim();
    const problems = [];
    const check = (what, sql) => {
        const n = Number(q(sql));
        if (n !== 0) problems.push(`${n} ${what}`);
    };
    check('entries not in the submitted state (drafts left behind or half-submitted)',
        `SELECT count(*) FROM entries WHERE client_id IN (${ids}) AND (status <> 'submitted' OR submitted_at IS NULL)`);
    check('entries without their answers',
        `SELECT count(*) FROM entries WHERE client_id IN (${ids}) AND (answers_enc IS NULL OR length(answers_enc) < 40)`);
    check('entries without exactly one entry.submitted audit row',
        `SELECT count(*) FROM entries e WHERE e.client_id IN (${ids}) AND e.status = 'submitted' AND
         (SELECT count(*) FROM audit_log a WHERE a.action = 'entry.submitted' AND a.object_type = 'entry' AND a.object_id = e.id) <> 1`);
    check('entry.submitted audit rows without their entry',
        `SELECT count(*) FROM audit_log a WHERE a.action = 'entry.submitted' AND a.subject_id IN (${ids})
         AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.id = a.object_id AND e.status = 'submitted')`);
    check('idempotency keys used by more than one entry',
        `SELECT count(*) FROM (SELECT client_id, idempotency_key FROM entries WHERE client_id IN (${ids})
         GROUP BY 1, 2 HAVING count(*) > 1) d`);
    check('comments without exactly one comment.created audit row',
        `SELECT count(*) FROM comments c JOIN entries e ON e.id = c.entry_id WHERE e.client_id IN (${ids}) AND
         (SELECT count(*) FROM audit_log a WHERE a.action = 'comment.created' AND a.object_type = 'comment' AND a.object_id = c.id) <> 1`);
    check('comment.created audit rows without their comment',
        `SELECT count(*) FROM audit_log a WHERE a.action = 'comment.created' AND a.subject_id IN (${ids})
         AND NOT EXISTS (SELECT 1 FROM comments c WHERE c.id = a.object_id)`);
    return problems;
}

export function assertConsistent(dbUrl, clientIds, when) {
    assert.deepEqual(consistencyProblems(dbUrl, clientIds), [], `database consistent ${when}`);
}

// Reads an entry back through the API as its author: it must open (the
// answers decrypt under their row's AAD) and hold the answer that was sent.
export async function assertReadable(agent, srv, c, entryId, tag) {
    const r = await send(agent, srv.url, `/api/v1/entries/${entryId}`, { headers: { Cookie: c.cookieHeader() } });
    assert.equal(r.status, 200, `entry ${entryId} opens (${r.status ?? r.error})`);
    const j = JSON.parse(r.body);
    assert.ok(j.answers !== null && typeof j.answers === 'object' && Object.keys(j.answers).length >= 3, `entry ${entryId} has its answers`);
    if (tag !== undefined) {
        assert.ok(Object.values(j.answers).includes(`noticed ${tag}`), `entry ${entryId} holds what was sent (${tag})`);
    }
}

// ---- a PostgreSQL cluster of the test's own (scripts/pg.sh temp) ----

function pgsh(...args) {
    return execFileSync('bash', ['scripts/pg.sh', ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

// PostgreSQL's server programs, where scripts/pg.sh finds them too.
function pgBin(name) {
    const dirs = [process.env.PGBIN, '/usr/lib/postgresql/15/bin'].filter(Boolean);
    const d = dirs.find((x) => fs.existsSync(`${x}/${name}`));
    return d ? `${d}/${name}` : name;
}

// A throwaway cluster (fsync off, Unix socket only). settings: ALTER SYSTEM
// values applied with a restart. Returns { dir, url, superUrl, async
// stop(mode), async start(), destroy() }.
export function ownCluster(settings = {}) {
    const out = pgsh('temp');
    const dir = out.slice(0, out.indexOf(' '));
    const url = out.slice(out.indexOf(' ') + 1);
    const superUrl = url.replace(/\/interlude\?/, '/postgres?');
    const root = process.getuid && process.getuid() === 0;
    // Asynchronous, so that a test's load keeps running while PostgreSQL
    // stops and starts.
    const run = promisify(execFile);
    const asOwner = (cmd, args) =>
        root ? run('runuser', ['-u', 'postgres', '--', cmd, ...args], { cwd: dir })
            : run(cmd, args, { cwd: dir });
    const cluster = {
        dir,
        url,
        superUrl,
        // mode: fast (sessions terminated, checkpoint) or immediate (like a crash).
        async stop(mode = 'fast') {
            await asOwner(pgBin('pg_ctl'), ['-D', `${dir}/data`, '-m', mode, '-w', '-t', '60', 'stop']);
        },
        async start() {
            await run('bash', ['scripts/pg.sh', 'start', dir], { cwd: ROOT });
        },
        destroy() {
            try {
                pgsh('destroy', dir);
            } catch {
                // already gone
            }
        },
    };
    if (Object.keys(settings).length) {
        for (const [k, v] of Object.entries(settings)) psql(superUrl, `ALTER SYSTEM SET ${k} = '${v}'`);
        pgsh('stop', dir);
        pgsh('start', dir);
    }
    return cluster;
}

// Opens `count` sessions on url at once, each running pg_sleep(seconds),
// and waits until each either sleeps or was refused. The server must refuse
// at least one for want of connection slots ("too many clients"), so every
// slot is taken. Returns { held, refused, release() }: release ends the
// psql clients (with client_connection_check_interval set, their backends
// end within that interval).
export async function fillConnections(url, { count = 40, seconds = 300 } = {}) {
    const procs = [];
    for (let i = 0; i < count; i++) {
        const p = spawn('psql', ['-X', '-q', '-d', url, '-c', `SELECT pg_sleep(${seconds})`], { stdio: ['ignore', 'ignore', 'pipe'] });
        p.err = '';
        p.stderr.on('data', (d) => {
            p.err += d;
        });
        p.done = new Promise((resolve) => p.on('exit', resolve));
        p.ended = false;
        p.done.then(() => {
            p.ended = true;
        });
        procs.push(p);
    }
    await sleep(1500);
    const held = procs.filter((p) => !p.ended);
    const refused = procs.filter((p) => p.ended && /too many clients|remaining connection slots/.test(p.err));
    const other = procs.filter((p) => p.ended && !refused.includes(p));
    const release = async () => {
        for (const h of held) h.kill('SIGTERM');
        await Promise.all(held.map((h) => h.done));
    };
    if (refused.length === 0 || other.length > 0) {
        await release();
        throw new Error(`could not fill the connection slots: ${held.length} held, ${refused.length} refused, ` +
            `${other.length} failed otherwise: ${other.map((p) => p.err).join(' | ').slice(0, 500)}`);
    }
    return { held: held.length, refused: refused.length, release };
}
