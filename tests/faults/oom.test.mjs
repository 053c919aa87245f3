// oom.test.mjs: the allocation-failure sweep over the request paths that
// write: sign-in, practice submission, reply. Run by make test-faults
// (tests/faults/run.sh), against the release build with the LD_PRELOAD shim
// tests/faults/failmalloc.c (build/faults/failmalloc.so): nothing of it is
// in the product.
//
// Allocation failure aborts interlude by design (server/util/xalloc.c, like
// Redis' zmalloc). So for each path and each sampled N, the Nth allocation
// after the trigger fails (mode "once": only that one, as when a library
// copes with a NULL; mode "from": that one and every later one, as real
// exhaustion), and the test requires:
//   - the process either answers (success, a 5xx, or a closed connection)
//     and stays healthy, or dies of SIGABRT after its one line
//     "interlude: out of memory (...)": any other death (SIGSEGV, an
//     assertion, a hang) fails;
//   - a correct sign-in is never answered as a wrong password, nor counted
//     as a failed one;
//   - after a restart where it died, the database is consistent: a
//     submission or reply is there entirely (with its audit row, readable
//     through the API) or not at all, and a 303 always means it is there;
//     every new session has its login.success audit row and the reverse;
//   - the same request sent again (same idempotency key) succeeds, and
//     makes no second entry or reply.
// The server runs with one HTTP thread and one hashing thread, warmed up
// (connections open, statements prepared) before any trigger, so the count
// after the trigger is the request's own allocations.
//
// OOM_SAMPLES (default 40): N values per path in "once" mode (every N from 1
// to 12, then evenly spread up to the path's count); a third as many in
// "from" mode. OOM_PATHS="signin submit reply" to choose.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, createDatabase, psql, ROOT } from '../lib/harness.mjs';
import { Client, createAdmin, PASSWORD } from '../lib/client.mjs';
import { seedPeople, send, sleep, answersFor, keyOf, consistencyProblems } from './lib.mjs';

const SHIM = path.join(ROOT, 'build/faults/failmalloc.so');
const SAMPLES = Number(process.env.OOM_SAMPLES || 40);
const PATHS = (process.env.OOM_PATHS || 'signin submit reply').split(/\s+/).filter(Boolean);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'interlude-oom-'));
const CTL = path.join(work, 'ctl');
const STATUS = path.join(work, 'status');

let dbUrl;
let srv;
let people;
let restarts = 0;
const q = (sql) => psql(dbUrl, sql).trim();

async function boot() {
    srv = await startServer({
        dbUrl,
        env: { LD_PRELOAD: SHIM, FAILMALLOC_CTL: CTL, FAILMALLOC_STATUS: STATUS, THREADS: '1', HASH_SLOTS: '1' },
        timeoutMs: 20000,
    });
}

const alive = () => srv.proc.exitCode === null && srv.proc.signalCode === null;

async function signal(sig, expect) {
    fs.rmSync(STATUS, { force: true });
    srv.proc.kill(sig);
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
        try {
            const s = fs.readFileSync(STATUS, 'utf8');
            if (s.startsWith(expect)) return s.trim();
        } catch {
            // not written yet
        }
        if (!alive()) return null;
        await sleep(2);
    }
    throw new Error(`failmalloc did not answer ${sig}`);
}

async function arm(n, mode) {
    fs.writeFileSync(CTL, `${n} ${mode}\n`);
    await signal('SIGUSR1', 'armed');
}

// Disarms; returns the number of allocations since arming (null if dead).
async function disarm() {
    if (!alive()) return null;
    const s = await signal('SIGUSR2', 'count');
    return s ? Number(s.split(' ')[1]) : null;
}

// ---- the three paths ----
// prepare(): un-armed steps (a fresh form, its key); fire(ctx): the request
// under test; snapshot(ctx): what it may have written; judge(ctx, res,
// before, after): problems; retry(ctx): the same request again, un-armed.

const paths = {
    signin: {
        async prepare() {
            const c = new Client(srv);
            const form = await c.get('/login');
            assert.equal(form.status, 200);
            return { c };
        },
        fire(ctx) {
            const body = new URLSearchParams({ _csrf: ctx.c.csrf, email: people.client.email, password: PASSWORD }).toString();
            return send(false, srv.url, '/login', {
                method: 'POST', body, timeoutMs: 5000,
                headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: ctx.c.cookieHeader() },
            });
        },
        snapshot() {
            const uid = people.client.id;
            const [sessions, audits, failures] = q(`SELECT (SELECT count(*) FROM sessions WHERE user_id = ${uid}) || ' ' ||
                (SELECT count(*) FROM audit_log WHERE action = 'login.success' AND actor_id = ${uid}) || ' ' ||
                (SELECT count(*) FROM login_failures)`).split(' ').map(Number);
            return { sessions, audits, failures };
        },
        async judge(ctx, res, b, a) {
            const problems = [];
            if (a.failures !== b.failures) problems.push('a correct sign-in was counted as a failed one');
            if (a.sessions - b.sessions !== a.audits - b.audits) {
                problems.push(`${a.sessions - b.sessions} new sessions but ${a.audits - b.audits} new login.success audit rows`);
            }
            if (res.status === 303) {
                if (a.audits - b.audits !== 1) problems.push('a 303 without its login.success audit row');
                const c = new Client(srv);
                c.remember(res);
                const acct = await c.get('/account');
                if (acct.status !== 200) problems.push(`the session from the 303 does not work (${acct.status})`);
            } else if (res.status !== undefined && res.status < 500 && /not right/.test(res.body)) {
                problems.push(`a correct password answered as a wrong one (${res.status})`);
            }
            return problems;
        },
        async retry() {
            const c = new Client(srv);
            await c.signIn(people.client.email);
        },
    },

    submit: {
        async prepare() {
            const c = people.client;
            const form = await c.get(`/homework/${people.assignment}/practice`);
            assert.equal(form.status, 200);
            return { key: keyOf(form.body), tag: `oom-${Date.now()}-${Math.random().toString(36).slice(2)}` };
        },
        fire(ctx) {
            const c = people.client;
            const body = new URLSearchParams({ _csrf: c.csrf, ...answersFor(ctx.tag), idempotency_key: ctx.key, action: 'submit' }).toString();
            return send(false, srv.url, `/homework/${people.assignment}/practice`, {
                method: 'POST', body, timeoutMs: 5000,
                headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: c.cookieHeader() },
            });
        },
        snapshot(ctx) {
            return { ids: q(`SELECT id FROM entries WHERE client_id = ${people.client.id} AND idempotency_key = '${ctx.key}'`).split('\n').filter(Boolean) };
        },
        async judge(ctx, res, b, a) {
            const problems = [];
            if (a.ids.length > 1) problems.push(`${a.ids.length} entries for one key`);
            if (res.status === 303) {
                const id = /^\/entries\/(\d+)\/submitted$/.exec(res.headers.location || '')?.[1];
                if (!id || a.ids[0] !== id) problems.push(`a 303 (${res.headers.location}) without its entry`);
            }
            if (a.ids.length === 1) problems.push(...(await readable(people.client, a.ids[0], (j) => Object.values(j.answers ?? {}).includes(`noticed ${ctx.tag}`))));
            return problems;
        },
        async retry(ctx, a) {
            const res = await this.fire(ctx);
            assert.equal(res.status, 303, `submit again: ${res.status ?? res.error}`);
            const id = /^\/entries\/(\d+)\/submitted$/.exec(res.headers.location)[1];
            if (a.ids.length === 1) assert.equal(id, a.ids[0], 'the same entry');
            assert.equal(this.snapshot(ctx).ids.length, 1);
        },
    },

    reply: {
        async prepare() {
            const t = people.therapist;
            const page = await t.get(`/entries/${people.entry}`);
            assert.equal(page.status, 200);
            return { key: keyOf(page.body), tag: `oom reply ${Date.now()} ${Math.random().toString(36).slice(2)}` };
        },
        fire(ctx) {
            const t = people.therapist;
            const body = new URLSearchParams({ _csrf: t.csrf, body: ctx.tag, idempotency_key: ctx.key }).toString();
            return send(false, srv.url, `/entries/${people.entry}/comments`, {
                method: 'POST', body, timeoutMs: 5000,
                headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: t.cookieHeader() },
            });
        },
        snapshot(ctx) {
            return { ids: q(`SELECT id FROM comments WHERE author_id = ${people.therapist.id} AND idempotency_key = '${ctx.key}'`).split('\n').filter(Boolean) };
        },
        async judge(ctx, res, b, a) {
            const problems = [];
            if (a.ids.length > 1) problems.push(`${a.ids.length} replies for one key`);
            if (res.status === 303) {
                const id = /#c-(\d+)$/.exec(res.headers.location || '')?.[1];
                if (!id || a.ids[0] !== id) problems.push(`a 303 (${res.headers.location}) without its reply`);
            }
            if (a.ids.length === 1) {
                problems.push(...(await readable(people.therapist, people.entry, (j) => j.comments?.some((x) => x.body === ctx.tag))));
            }
            return problems;
        },
        async retry(ctx, a) {
            const res = await this.fire(ctx);
            assert.equal(res.status, 303, `reply again: ${res.status ?? res.error}`);
            if (a.ids.length === 1) assert.match(res.headers.location, new RegExp(`#c-${a.ids[0]}$`), 'the same reply');
            assert.equal(this.snapshot(ctx).ids.length, 1);
        },
    },
};

async function readable(who, entryId, holds) {
    const r = await who.getJson(`/entries/${entryId}`);
    if (r.status !== 200) return [`entry ${entryId} does not open (${r.status})`];
    return holds(r.json) ? [] : [`entry ${entryId} does not hold what was sent`];
}

// One trial: returns { outcome, problems }.
async function trial(name, n, mode) {
    const p = paths[name];
    const ctx = await p.prepare();
    const b = p.snapshot(ctx);
    const logFrom = srv.logs.length;
    await arm(n, mode);
    const res = await p.fire(ctx);
    await sleep(30); // allocations after the answer (completion, log line) count too
    const count = await disarm();
    const problems = [];
    let outcome;
    let a = null;
    if (!alive() || count === null) {
        await sleep(50);
        const old = srv;
        let code = null;
        try {
            code = await old.stop(null, { expectCode: 134, killAfterMs: 5000 });
        } catch (err) {
            problems.push(`died otherwise: ${err.message.split('\n')[0]}`);
        }
        const lines = old.logs.slice(logFrom);
        if (code === 134 && !lines.some((l) => l.startsWith('interlude: out of memory'))) {
            problems.push(`SIGABRT without the out-of-memory line: ${lines.slice(-5).join(' | ')}`);
        }
        outcome = 'aborted';
        a = p.snapshot(ctx); // before the restart's own sign-ins (warm-up)
        restarts++;
        await boot();
        await warm();
    } else if (res.error === 'timeout') {
        outcome = 'hang';
        problems.push('no answer within 5 s');
    } else if (res.error) {
        outcome = 'closed';
    } else if (res.status >= 500) {
        outcome = `${res.status}`;
    } else if (res.status === 303) {
        outcome = 'success';
    } else {
        outcome = `${res.status}`;
        problems.push(`answered ${res.status}: ${res.body.slice(0, 160)}`);
    }
    if (outcome !== 'aborted') {
        const h = await send(false, srv.url, '/healthz', { timeoutMs: 3000 });
        if (h.status !== 200) problems.push(`unhealthy afterwards (${h.status ?? h.error})`);
    }
    a ??= p.snapshot(ctx);
    problems.push(...(await p.judge(ctx, res, b, a)));
    problems.push(...consistencyProblems(dbUrl, [people.client.id]));
    if (problems.length === 0) {
        try {
            await p.retry(ctx, a);
        } catch (err) {
            problems.push(`the same request again failed: ${err.message.split('\n')[0]}`);
        }
    }
    return { outcome, problems, count };
}

// Warm-up: one of each path un-armed, so both threads have their database
// connection and every statement prepared before a trigger.
async function warm() {
    people.client = await refresh(people.client);
    people.therapist = await refresh(people.therapist);
    for (const name of PATHS) {
        const ctx = await paths[name].prepare();
        const res = await paths[name].fire(ctx);
        assert.ok([200, 303].includes(res.status), `warm-up ${name}: ${res.status ?? res.error}`);
    }
}

// A fresh session for a seeded person (a crash may have come at any point).
async function refresh(who) {
    const c = new Client(srv);
    await c.signIn(who.email);
    return Object.assign(c, { id: who.id, email: who.email });
}

function samples(total) {
    const ns = new Set();
    for (let i = 1; i <= Math.min(12, total); i++) ns.add(i);
    const rest = Math.max(0, SAMPLES - ns.size);
    for (let i = 1; i <= rest; i++) ns.add(12 + Math.round((i * (total - 12)) / rest));
    ns.add(total + 5); // past the end: nothing fails
    return [...ns].filter((n) => n >= 1).sort((x, y) => x - y);
}

before(async () => {
    assert.ok(fs.existsSync(SHIM), `${SHIM} is missing (make test-faults builds it)`);
    dbUrl = createDatabase();
    await boot();
    const seeded = await seedPeople(srv, { clients: 1, assignments: 1, createAdmin });
    people = { client: seeded.clients[0], therapist: seeded.therapist, assignment: seeded.clients[0].assignments[0] };
    const form = await people.client.get(`/homework/${people.assignment}/practice`);
    const sub = await people.client.post(`/homework/${people.assignment}/practice`,
        { ...answersFor('seed'), idempotency_key: keyOf(form.body), action: 'submit' });
    assert.equal(sub.status, 303);
    people.entry = /\/entries\/(\d+)\//.exec(sub.headers.location)[1];
    await warm();
});

after(async () => {
    if (srv && alive()) await srv.stop();
    fs.rmSync(work, { recursive: true, force: true });
});

for (const name of PATHS) {
    test(`allocation failures while ${name === 'signin' ? 'signing in' : name === 'submit' ? 'submitting a practice' : 'replying'}: a clean abort or a clean answer, never a half-written record`, { timeout: 900000 }, async () => {
        // How many allocations the request makes (count only).
        const counts = [];
        for (let i = 0; i < 3; i++) {
            const ctx = await paths[name].prepare();
            await arm(0, 'once');
            const res = await paths[name].fire(ctx);
            await sleep(30);
            counts.push(await disarm());
            assert.ok([200, 303].includes(res.status), `${name} un-failed: ${res.status ?? res.error}`);
        }
        const total = counts.sort((x, y) => x - y)[1];
        const plan = [
            ...samples(total).map((n) => [n, 'once']),
            ...samples(total).filter((_, i) => i % 3 === 0).map((n) => [n, 'from']),
        ];
        const t0 = Date.now();
        const tally = {};
        const failures = [];
        for (const [n, mode] of plan) {
            const r = await trial(name, n, mode);
            const k = `${mode}:${r.outcome}`;
            tally[k] = (tally[k] || 0) + 1;
            if (r.problems.length) failures.push(`N=${n} ${mode} (${r.outcome}): ${r.problems.join('; ')}`);
        }
        console.log(`${name}: ${total} allocations per request; ${plan.length} trials in ${Math.round((Date.now() - t0) / 1000)} s; ` +
            Object.entries(tally).sort().map(([k, v]) => `${k} ${v}`).join(', '));
        assert.deepEqual(failures, [], `${name}: every trial clean`);
    });
}

test('after the sweep: the whole database is consistent and the server stops cleanly', async () => {
    assert.deepEqual(consistencyProblems(dbUrl, [people.client.id]), []);
    console.log(`${restarts} restarts after an abort`);
    assert.equal(await srv.stop(), 0);
    srv = null;
});
