// bench/run.mjs: `make bench`. Measures Interlude against the limits of the
// machine it runs on, and prints (and writes) a report:
//
//   1. a private PostgreSQL cluster (scripts/pg.sh, durable: fsync and
//      synchronous_commit on, as `make run` gives) and a realistic data set
//      made in SQL with real ciphertexts (bench/sql/dataset.sql, bench/seal.c);
//   2. requests/s and latency of four pages under wrk (bench/lua/), each
//      alternated, round after round, with its references: pgbench running
//      exactly the SQL that page runs (bench/sql/<page>.sql, made from
//      server/db/stmts.c by bench/sqlgen.c) and, for HTML pages, a bare
//      libmicrohttpd server answering a body of the page's size (bench/hello.c);
//   3. p99 at half the maximum rate; sign-in capacity; the dashboard while
//      sign-ins flood in at 10x that capacity; /healthz during a burst of
//      50 parallel sign-ins;
//   4. memory (RSS idle, and with 1,000 open keep-alive connections) and
//      start-up (exec to the first 200 on /readyz, bench/startup.c);
//   5. the reminder scheduler's statement among BENCH_REMINDER_CLIENTS
//      (100,000) clients who chose reminders (bench/sql/reminders_dataset.sql);
//   6. mail: BENCH_MAIL_MESSAGES (2,000) messages a second through the
//      outbox to a local SMTP sink, one node and two nodes.
//
// Pinning (2 cores): the system under test (PostgreSQL and the server, or
// the hello server) on CPU BENCH_SUT_CPU (0), the load generator (wrk or
// pgbench's client) on BENCH_LOAD_CPU (1). The app and its reference get the
// same core for the work measured and the same number of database sessions.
// vmstat runs throughout; each run's steal time is reported.
//
// Environment: BENCH_SECONDS (8) per run, BENCH_ROUNDS (3), BENCH_THREADS
// (the server's THREADS, default 4 as in config.c), BENCH_CONNS (32),
// BENCH_SUT_CPU, BENCH_LOAD_CPU, BENCH_ONLY (comma list of sections:
// pages,halfrate,login,memory,startup,reminders,mail), BENCH_PAGES (comma list of the pages
// to run: dashboard,exercise,caseload,entry,practice), BENCH_KEEP=1 (keep the cluster and
// print its directory), BENCH_PROFILE=<page> (perf record of the server
// during that page's first round; see docs/PERFORMANCE.md), BENCH_LABEL
// (a word for the report's file name).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
const env = process.env;
// The server measured: this tree's, or another checkout's (BENCH_SERVER_DIR,
// with its build/interlude, templates, migrations...: "before" figures).
const SRV = path.resolve(env.BENCH_SERVER_DIR || ROOT);
const BIN = path.join(SRV, 'build/interlude');
const C = {
    seconds: Number(env.BENCH_SECONDS || 8),
    rounds: Number(env.BENCH_ROUNDS || 3),
    threads: Number(env.BENCH_THREADS || 4),
    conns: Number(env.BENCH_CONNS || 32),
    sut: env.BENCH_SUT_CPU ?? '0',
    load: env.BENCH_LOAD_CPU ?? '1',
    only: env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(',')) : null,
    pages: env.BENCH_PAGES ? new Set(env.BENCH_PAGES.split(',')) : null,
    keep: env.BENCH_KEEP === '1',
    profile: env.BENCH_PROFILE || '',
    label: env.BENCH_LABEL || '',
    therapists: 50,
    clients: 2000,
    perClient: 10,
    custom: 5,
    port: Number(env.BENCH_PORT || 18480),
};
const PASSWORD = 'quiet river morning light';
const OUT = path.join(ROOT, 'test-output', 'bench');
fs.mkdirSync(OUT, { recursive: true });
const want = (section) => !C.only || C.only.has(section);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(...a);
const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const n = s.length;
    return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

// ---------------------------------------------------------------- processes

const children = new Set();
function cleanupChildren() {
    for (const p of children) {
        try {
            process.kill(-p.pid, 'SIGKILL');
        } catch {
            // gone
        }
    }
}
process.on('exit', cleanupChildren);
for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
        cleanupChildren();
        stopCluster();
        process.exit(130);
    });
}

// Runs a command to completion; returns stdout (throws on failure).
function sh(cmd, args, opts = {}) {
    const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
    if (r.status !== 0) {
        throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr || ''}${r.stdout || ''}`.slice(0, 4000));
    }
    return r.stdout;
}

// Starts a long-running process in its own process group; output to logFile.
function start(cmd, args, { envx = {}, logFile, cpu, cwd } = {}) {
    const fd = fs.openSync(logFile, 'a');
    const full = cpu !== undefined ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args];
    const p = spawn(full[0], full[1], { env: { ...env, ...envx }, stdio: ['ignore', fd, fd], detached: true, cwd });
    fs.closeSync(fd);
    children.add(p);
    p.exited = new Promise((resolve) => p.on('exit', (code, sig) => resolve({ code, sig })));
    return p;
}

async function stop(p, sig = 'SIGTERM') {
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    process.kill(p.pid, sig);
    const t = setTimeout(() => process.kill(p.pid, 'SIGKILL'), 20000);
    await p.exited;
    clearTimeout(t);
    children.delete(p);
}

// Runs a command and collects stdout (async, so vmstat keeps being read).
function run(cmd, args, { envx = {}, cpu, cwd } = {}) {
    const full = cpu !== undefined ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args];
    return new Promise((resolve, reject) => {
        const p = spawn(full[0], full[1], { env: { ...env, ...envx }, stdio: ['ignore', 'pipe', 'pipe'], cwd });
        let out = '';
        let err = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (err += d));
        p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${err}${out}`.slice(0, 4000)))));
    });
}

function rssKiB(pid) {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
        rss: Number(/VmRSS:\s+(\d+)/.exec(s)[1]),
        hwm: Number(/VmHWM:\s+(\d+)/.exec(s)[1]),
        threads: Number(/Threads:\s+(\d+)/.exec(s)[1]),
    };
}

// ------------------------------------------------------------------ vmstat

const vm = { lines: [], cols: null };
function startVmstat() {
    const p = spawn('vmstat', ['-n', '1'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    children.add(p);
    let partial = '';
    p.stdout.on('data', (d) => {
        const parts = (partial + d).split('\n');
        partial = parts.pop();
        for (const l of parts) {
            const f = l.trim().split(/\s+/);
            if (f.includes('st') && f.includes('id')) vm.cols = f;
            else if (vm.cols && /^\d/.test(f[0])) vm.lines.push({ t: Date.now(), f: f.map(Number) });
        }
    });
    return p;
}
// CPU time of processes that are not this benchmark's (other people's tests
// on a shared machine), from /proc: a busy neighbour shows in the report.
// Processes that start and end between two snapshots are missed.
let postmasterPid = 0;
let serverPid = 0;
function procTicks() {
    const m = new Map();
    for (const d of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(d)) continue;
        try {
            const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
            const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
            m.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
        } catch {
            // gone
        }
    }
    return m;
}
function isOurs(pid, info) {
    return pid === process.pid || info.ppid === process.pid || pid === serverPid || pid === postmasterPid || info.ppid === postmasterPid;
}
function otherCpu(a, b, seconds) {
    let ticks = 0;
    for (const [pid, info] of b) {
        const before = a.get(pid);
        if (before && !isOurs(pid, info)) ticks += info.ticks - before.ticks;
    }
    return (100 * ticks) / (100 * seconds * os.cpus().length); // CLK_TCK = 100
}

// Mean CPU split (%) over [t0, t1]: us, sy, id, wa, st.
function cpuSplit(t0, t1) {
    const rows = vm.lines.filter((l) => l.t > t0 + 1000 && l.t <= t1 + 200);
    const col = (name) => vm.cols.indexOf(name);
    const avg = (name) => (rows.length ? rows.reduce((s, r) => s + r.f[col(name)], 0) / rows.length : NaN);
    return { us: avg('us'), sy: avg('sy'), id: avg('id'), wa: avg('wa'), st: avg('st'), samples: rows.length };
}

// --------------------------------------------------------------- HTTP client

function httpReq(port, method, p, { headers = {}, body } = {}) {
    return new Promise((resolve, reject) => {
        const h = { ...headers };
        if (body !== undefined) h['Content-Length'] = Buffer.byteLength(body);
        const req = http.request({ host: '127.0.0.1', port, method, path: p, headers: h, agent: false }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => {
                const raw = Buffer.concat(chunks);
                resolve({ status: res.statusCode, headers: res.headers, body: raw.toString('utf8'), bytes: raw.length });
            });
        });
        req.setTimeout(30000, () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end(body);
    });
}

const cookieOf = (res) => {
    const set = [].concat(res.headers['set-cookie'] || []);
    return set.length ? set[0].split(';')[0] : null;
};
const csrfOf = (body) => (/name="_csrf" value="([^"]+)"/.exec(body) || [])[1];

// Signs in through the login form, as a browser does; returns the session.
async function signIn(port, email) {
    const form = await httpReq(port, 'GET', '/login');
    const anon = cookieOf(form);
    const body = new URLSearchParams({ _csrf: csrfOf(form.body), email, password: PASSWORD }).toString();
    const res = await httpReq(port, 'POST', '/login', {
        headers: { Cookie: anon, 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
    });
    if (res.status !== 303) throw new Error(`sign-in as ${email}: ${res.status}`);
    const cookie = cookieOf(res);
    const acc = await httpReq(port, 'GET', '/account', { headers: { Cookie: cookie } });
    const token = cookie.split('=')[1];
    return {
        cookie,
        csrf: csrfOf(acc.body),
        tokenHash: '\\x' + crypto.createHash('sha256').update(token).digest('hex'),
    };
}

async function waitReady(port, proc, ms = 30000) {
    const deadline = Date.now() + ms;
    for (;;) {
        if (proc && proc.exitCode !== null) throw new Error(`server exited (${proc.exitCode}); see ${OUT}/server.log`);
        try {
            const r = await httpReq(port, 'GET', '/readyz');
            if (r.status === 200) return;
        } catch {
            // not yet
        }
        if (Date.now() > deadline) throw new Error('server not ready');
        await sleep(20);
    }
}

// ------------------------------------------------------------ the cluster

let pgDir = null;
function stopCluster() {
    if (!pgDir) return;
    if (C.keep) {
        log(`cluster kept in ${pgDir} (bash scripts/pg.sh destroy ${pgDir} removes it)`);
    } else {
        spawnSync('bash', ['scripts/pg.sh', 'destroy', pgDir], { stdio: 'ignore' });
    }
    pgDir = null;
}

function psql(url, sql, extra = []) {
    return sh('psql', ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', ...extra, '-d', url, '-c', sql]).replace(/\n$/, '');
}

// ------------------------------------------------------------ wrk, pgbench

function parseWrk(out) {
    const m = /^BENCH (\{.*\})$/m.exec(out);
    if (!m) throw new Error(`no BENCH line from wrk:\n${out}`);
    const j = JSON.parse(m[1]);
    const ok = Object.entries(j.statuses).reduce((s, [k, v]) => s + (k < 400 ? v : 0), 0);
    return { ...j, p50: j.p50_us / 1000, p90: j.p90_us / 1000, p99: j.p99_us / 1000, ok };
}

// background: a load that only makes the weather (a flood), run at nice 19
// on the load generator's CPU, so that it never delays the wrk that measures
// (two people's machines, not one: the victim's latency is the server's).
async function wrk(script, url, { conns = C.conns, seconds = C.seconds, envx = {}, background = false } = {}) {
    const t0 = Date.now();
    const p0 = procTicks();
    const args = ['-t1', `-c${conns}`, `-d${seconds}s`, '--timeout', '10s', '-s', script, url];
    const out = await run(background ? 'nice' : 'wrk', background ? ['-n', '19', 'wrk', ...args] : args, {
        cpu: C.load,
        envx,
    });
    const r = parseWrk(out);
    r.cpu = cpuSplit(t0, Date.now());
    r.cpu.other = otherCpu(p0, procTicks(), (Date.now() - t0) / 1000);
    return r;
}

async function pgbench(file, vars, { clients = C.threads, seconds = C.seconds, rate = 0 } = {}) {
    const prefix = path.join(OUT, `pgb-${path.basename(file, '.sql')}`);
    for (const f of fs.readdirSync(OUT)) if (f.startsWith(path.basename(prefix) + '.')) fs.rmSync(path.join(OUT, f));
    const args = ['-n', '-M', 'prepared', '-c', String(clients), '-j', '1', '-T', String(seconds), '-f', file, '-l', `--log-prefix=${prefix}`];
    // -R: a Poisson schedule at that rate; the logged latency then counts
    // from the scheduled start (queueing included), like the paced wrk runs.
    if (rate > 0) args.push('-R', String(rate));
    for (const [k, v] of Object.entries(vars)) args.push('-D', `${k}=${v}`);
    args.push(pgUrl);
    const t0 = Date.now();
    const p0 = procTicks();
    const out = await run('pgbench', args, { cpu: C.load });
    const cpu = cpuSplit(t0, Date.now());
    cpu.other = otherCpu(p0, procTicks(), (Date.now() - t0) / 1000);
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)[1]);
    const failed = Number((/number of failed transactions: (\d+)/.exec(out) || [0, 0])[1]);
    const lat = [];
    for (const f of fs.readdirSync(OUT)) {
        if (!f.startsWith(path.basename(prefix) + '.')) continue;
        for (const line of fs.readFileSync(path.join(OUT, f), 'utf8').split('\n')) {
            const x = line.split(' ');
            if (x.length >= 3) lat.push(Number(x[2]));
        }
        fs.rmSync(path.join(OUT, f));
    }
    lat.sort((a, b) => a - b);
    return { rps: tps, p50: pct(lat, 50) / 1000, p90: pct(lat, 90) / 1000, p99: pct(lat, 99) / 1000, requests: lat.length, failed, cpu };
}

// The SQL a page runs, as a pgbench script, from server/db/stmts.c.
function sqlgen(name, ...vars) {
    return sh('build/bench/sqlgen', [name, ...vars]);
}

// --------------------------------------------------------------------- main

let pgUrl;
const R = { started: new Date().toISOString(), config: { ...C, only: C.only ? [...C.only] : null } };

async function main() {
    const t00 = Date.now();
    log(`== make bench: ${C.rounds} rounds of ${C.seconds} s; SUT on CPU ${C.sut}, load generator on CPU ${C.load}; THREADS=${C.threads}, ${C.conns} wrk connections`);
    R.machine = {
        cpus: os.cpus().length,
        model: os.cpus()[0]?.model,
        kernel: os.release(),
        mem_gib: Math.round(os.totalmem() / 2 ** 30),
        loadavg_at_start: os.loadavg()[0],
        postgres: sh('/usr/lib/postgresql/15/bin/postgres', ['--version']).trim(),
        wrk: (spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout || '').split('\n')[0],
        commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim(),
        dirty: spawnSync('git', ['status', '--porcelain', 'server', 'migrations', 'templates'], { encoding: 'utf8' }).stdout.trim() !== '',
        server_dir: SRV === ROOT ? null : SRV,
    };
    startVmstat();
    // A shared machine: wait (up to BENCH_QUIET_WAIT seconds, 120) until
    // other processes use less than 5 % of the CPUs over 3 s.
    const quietWait = Number(env.BENCH_QUIET_WAIT ?? 120);
    for (let waited = 0; ; waited += 3) {
        const a = procTicks();
        await sleep(3000);
        const busy = otherCpu(a, procTicks(), 3);
        if (busy < 5) break;
        if (waited >= quietWait) {
            log(`warning: other processes still use ${busy.toFixed(0)} % of the CPUs: the figures will show it ("other %")`);
            break;
        }
        if (waited === 0) log(`waiting for a quiet machine: other processes use ${busy.toFixed(0)} % of the CPUs`);
    }

    // ---- cluster and data set
    pgDir = fs.mkdtempSync('/tmp/ilbench.');
    fs.chmodSync(pgDir, 0o755);
    pgUrl = sh('taskset', ['-c', C.sut, 'bash', 'scripts/pg.sh', 'start', pgDir]).trim().split('\n').pop();
    postmasterPid = Number(fs.readFileSync(path.join(pgDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    log(`cluster: ${pgDir} (durable: fsync on, synchronous_commit on), pinned to CPU ${C.sut}`);
    const dataKey = crypto.randomBytes(32).toString('hex');
    if (C.keep) fs.writeFileSync(path.join(pgDir, 'data.key'), dataKey, { mode: 0o600 });
    const srvEnv = {
        DATABASE_URL: pgUrl,
        LISTEN: `127.0.0.1:${C.port}`,
        BASE_URL: `http://127.0.0.1:${C.port}`,
        INTERLUDE_DATA_KEY: dataKey,
        INTERLUDE_DATA_KEY_FILE: '',
        INTERLUDE_DATA_KEYS_OLD: '',
        INTERLUDE_DATA_KEYS_OLD_FILE: '',
        THREADS: String(C.threads),
        LOG_LEVEL: 'info',
        // Every request comes from 127.0.0.1: the per-address cap would
        // otherwise stand for the whole load.
        MAX_CONNECTIONS: '2000',
        PER_IP_CONNECTIONS: '2000',
    };
    for (const k of ['INTERLUDE_DATA_KEY_FILE', 'INTERLUDE_DATA_KEYS_OLD', 'INTERLUDE_DATA_KEYS_OLD_FILE']) delete srvEnv[k];
    delete env.INTERLUDE_DATA_KEY_FILE;
    delete env.INTERLUDE_DATA_KEYS_OLD;
    delete env.INTERLUDE_DATA_KEYS_OLD_FILE;
    const serverLog = path.join(OUT, 'server.log');
    fs.writeFileSync(serverLog, '');
    const startServer = async (extra = {}) => {
        const p = start('bash', ['-c', `ulimit -n 8192 && exec ${BIN} serve`], { envx: { ...srvEnv, ...extra }, logFile: serverLog, cpu: C.sut, cwd: SRV });
        await waitReady(Number((extra.LISTEN || srvEnv.LISTEN).split(':')[1]), p);
        return p;
    };

    let srv = await startServer(); // migrates, loads the library
    serverPid = srv.pid;
    sh(BIN, ['create-admin', '--email', 'admin@bench.test', '--name', 'Bench Admin'], {
        input: `${PASSWORD}\n`,
        env: { ...env, ...srvEnv },
        cwd: SRV,
    });
    // The bench measures pages, not enrolment: no two-step requirement
    // (a new installation starts with one, docs/SECURITY.md).
    sh(BIN, ['policy', '--two-step', 'off'], { env: { ...env, ...srvEnv }, cwd: SRV });
    const hash = psql(pgUrl, "SELECT password_hash FROM users WHERE email = 'admin@bench.test'");

    log('== data set');
    const tl0 = Date.now();
    sh('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', `therapists=${C.therapists}`, '-v', `clients=${C.clients}`, '-v', `per_client=${C.perClient}`, '-v', `custom=${C.custom}`, '-v', `hash=${hash}`, '-d', pgUrl, '-f', 'bench/sql/dataset.sql']);
    const tl1 = Date.now();
    const sealEnv = { ...env, INTERLUDE_DATA_KEY: dataKey };
    const pipe = (src, mode, copy) =>
        sh('bash', ['-c', `set -o pipefail; psql -X -A -t -q -F $'\\t' -d "$U" -c "$SRC" | build/bench/seal ${mode} | psql -X -q -v ON_ERROR_STOP=1 -d "$U" -c "$COPY"`], {
            env: { ...sealEnv, U: pgUrl, SRC: src, COPY: copy },
        });
    pipe('SELECT assignment_id, client_id, count, start_epoch, draft, answers FROM bench_entry_src ORDER BY assignment_id', 'entries',
        'COPY entries (assignment_id, client_id, status, answers_enc, shared_with_partner, idempotency_key, submitted_at, created_at, updated_at, therapist_read_at) FROM STDIN');
    const tl2 = Date.now();
    pipe(fs.readFileSync('bench/sql/comments_src.sql', 'utf8').replace(/--.*\n/g, ' ').replace(/;\s*$/, ''), 'comments',
        'COPY comments (entry_id, author_id, body_enc, idempotency_key, created_at, read_at) FROM STDIN');
    const tl3 = Date.now();
    psql(pgUrl, 'DROP TABLE bench_entry_src');
    // The caseload page's therapist: 100 clients, 20,000 entries (issue 14).
    sh('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', `hash=${hash}`, '-d', pgUrl, '-f', 'bench/sql/caseload_dataset.sql']);
    sh('psql', ['-X', '-q', '-d', pgUrl, '-c', 'VACUUM ANALYZE']);
    const tl4 = Date.now();
    const count = (t) => Number(psql(pgUrl, `SELECT count(*) FROM ${t}`));
    R.dataset = {
        method: '(a) real ciphertexts for every entry and reply: build/bench/seal (server/crypto/box.c) streams COPY data',
        therapists: Number(psql(pgUrl, "SELECT count(*) FROM users WHERE role = 'therapist'")),
        clients: Number(psql(pgUrl, "SELECT count(*) FROM users WHERE role = 'client'")),
        activities: count('activities'),
        versions: count('activity_versions'),
        assignments: count('assignments'),
        entries: count('entries'),
        comments: count('comments'),
        audit_rows: count('audit_log'),
        db_size: psql(pgUrl, 'SELECT pg_size_pretty(pg_database_size(current_database()))'),
        seconds: { sql: (tl1 - tl0) / 1000, entries: (tl2 - tl1) / 1000, comments: (tl3 - tl2) / 1000, vacuum_analyze: (tl4 - tl3) / 1000, total: (tl4 - tl0) / 1000 },
    };
    log(`   ${R.dataset.entries} entries, ${R.dataset.comments} replies, ${R.dataset.assignments} assignments, ${R.dataset.db_size}: loaded in ${R.dataset.seconds.total.toFixed(1)} s`);

    // ---- who and what
    const idOf = (sql) => psql(pgUrl, sql);
    const uid = (email) => idOf(`SELECT id FROM users WHERE email = '${email}'`);
    const ids = {
        c1: uid('client1@bench.test'),
        c2: uid('client2@bench.test'),
        c3: uid('client3@bench.test'),
        t1: uid('therapist1@bench.test'),
        tc: uid('caseload@bench.test'),
    };
    ids.exercise = idOf("SELECT id FROM activities WHERE source = 'library' AND slug = 'daily-appreciations'");
    ids.entry = idOf(`SELECT e.id FROM entries e WHERE e.client_id = ${ids.c2} AND e.status = 'submitted' AND EXISTS (SELECT 1 FROM comments c WHERE c.entry_id = e.id) ORDER BY e.id LIMIT 1`);
    ids.entryAsg = idOf(`SELECT assignment_id FROM entries WHERE id = ${ids.entry}`);
    ids.postAsg = idOf(`SELECT a.id FROM assignments a JOIN activities act ON act.id = a.activity_id WHERE a.client_id = ${ids.c3} AND act.slug = 'daily-appreciations' AND a.start_date = current_date - 2 AND a.times_per_week = 7 ORDER BY a.id DESC LIMIT 1`);
    R.ids = ids;
    const S = {
        c1: await signIn(C.port, 'client1@bench.test'),
        c2: await signIn(C.port, 'client2@bench.test'),
        c3: await signIn(C.port, 'client3@bench.test'),
        t1: await signIn(C.port, 'therapist1@bench.test'),
        tc: await signIn(C.port, 'caseload@bench.test'),
    };
    const answers = { shared: 'both', warmth: '7', favourite: 'When you noticed I had tidied the kitchen before your parents came over.', receiving_ease: '6' };
    const postForm = new URLSearchParams(answers).toString();
    const sealedPost = sh('build/bench/seal', ['one', `entry:${ids.c3}:${ids.postAsg}:answers`], {
        input: JSON.stringify({ favourite: answers.favourite, receiving_ease: 6, shared: 'both', warmth: 7 }),
        env: sealEnv,
    }).trim();

    // The pgbench scripts: exactly the statements each page runs, in order.
    const sess = sqlgen('session_load', 'th', 'idle', 'touch');
    const sqlFiles = {
        dashboard: ['-- GET / as a client (h_dashboard): the guard, then the page\n', sess, sqlgen('hw_dashboard', 'uid')],
        exercise: ['-- GET /library/{id} as a therapist (h_activity, assign_targets)\n', sess, sqlgen('activity_get', 'aid', 'uid'), sqlgen('activity_versions', 'aid'), sqlgen('therapist_clients', 'uid'), sqlgen('therapist_couples', 'uid')],
        // The read's audit row and read marks are one transaction (read_tx).
        entry: ['-- GET /api/v1/entries/{id} as its author (homework_entry_access, entry_page, read_tx)\n', sess, sqlgen('hw_entry_get', 'eid'), sqlgen('hw_assignment_get', 'asg'), sqlgen('hw_comments', 'eid'), 'BEGIN;\n', sqlgen('audit_insert', 'uid', 'action', 'otype', 'eid', 'uid', 'ip', 'NULL'), sqlgen('hw_comments_mark_read', 'eid', 'uid', 'yes'), 'COMMIT;\n'],
        caseload: ['-- GET /clients as a therapist with 100 clients and 20,000 entries (h_clients, assign_caseload)\n', sess, sqlgen('therapist_clients', 'uid'), sqlgen('therapist_couples', 'uid'), sqlgen('therapist_invites', 'uid'), sqlgen('clients_overview', 'uid')],
        practice: [
            '-- POST /homework/{id}/practice, action=submit, a fresh key (h_practice_post, submit_tx)\n',
            sess,
            sqlgen('hw_assignment_get', 'asg'),
            '\\set key random(1000000000000000, 9999999999999999)\n',
            'BEGIN;\n',
            sqlgen('hw_sync_commit'),
            sqlgen('hw_entry_by_key', 'uid', 'key'),
            sqlgen('hw_draft_submit', 'asg', 'uid', 'sealed', 'no', 'key'),
            sqlgen('hw_entry_insert', 'asg', 'uid', 'sealed', 'no', 'key').replace(/;\n$/, ' \\gset\n'),
            sqlgen('audit_insert', 'uid', 'action', 'otype', 'id', 'uid', 'ip', 'NULL'),
            'COMMIT;\n',
        ],
    };
    fs.mkdirSync('bench/sql', { recursive: true });
    for (const [k, parts] of Object.entries(sqlFiles)) {
        fs.writeFileSync(`bench/sql/${k}.sql`, `-- bench/sql/${k}.sql: made by bench/run.mjs with build/bench/sqlgen from\n-- server/db/stmts.c; variables come from pgbench -D (see docs/PERFORMANCE.md).\n${parts.join('')}`);
    }
    const base = { idle: 900, touch: 60 };
    const pages = {
        dashboard: { path: '/', sess: S.c1, vars: { ...base, th: S.c1.tokenHash, uid: ids.c1 }, hello: true, expect: 200 },
        exercise: { path: `/library/${ids.exercise}`, sess: S.t1, vars: { ...base, th: S.t1.tokenHash, uid: ids.t1, aid: ids.exercise }, hello: true, expect: 200 },
        caseload: { path: '/clients', sess: S.tc, vars: { ...base, th: S.tc.tokenHash, uid: ids.tc }, hello: true, expect: 200 },
        entry: { path: `/api/v1/entries/${ids.entry}`, accept: 'application/json', sess: S.c2, vars: { ...base, th: S.c2.tokenHash, uid: ids.c2, eid: ids.entry, asg: ids.entryAsg, action: 'entry.viewed', otype: 'entry', ip: '127.0.0.1', yes: 'true' }, hello: false, expect: 200 },
        practice: { path: `/homework/${ids.postAsg}/practice`, post: true, sess: S.c3, vars: { ...base, th: S.c3.tokenHash, uid: ids.c3, asg: ids.postAsg, sealed: sealedPost, no: 'false', action: 'entry.submitted', otype: 'entry', ip: '127.0.0.1' }, hello: false, expect: 303 },
    };
    // Check each page once, and its size (for the hello server).
    for (const [name, pg] of Object.entries(pages)) {
        let res;
        if (pg.post) {
            res = await httpReq(C.port, 'POST', pg.path, {
                headers: { Cookie: pg.sess.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
                body: `_csrf=${encodeURIComponent(pg.sess.csrf)}&action=submit&idempotency_key=bench-check-${Date.now()}&${postForm}`,
            });
        } else {
            res = await httpReq(C.port, 'GET', pg.path, { headers: { Cookie: pg.sess.cookie, Accept: pg.accept || 'text/html' } });
        }
        if (res.status !== pg.expect) throw new Error(`${name}: ${pg.path} answered ${res.status}, expected ${pg.expect}\n${res.body.slice(0, 500)}`);
        pg.bytes = res.bytes;
        log(`   ${name}: ${pg.post ? 'POST' : 'GET'} ${pg.path} -> ${res.status}, ${res.bytes} bytes`);
    }
    R.pages = Object.fromEntries(Object.entries(pages).map(([k, v]) => [k, { path: v.path, bytes: v.bytes }]));

    const pageEnv = (pg, extra = {}) => ({
        BENCH_PATH: pg.path,
        BENCH_COOKIE: pg.sess.cookie,
        BENCH_CSRF: pg.sess.csrf,
        BENCH_ACCEPT: pg.accept || 'text/html',
        BENCH_FORM: postForm,
        ...extra,
    });
    const appRun = (pg, opts = {}) => wrk(pg.post ? 'bench/lua/post.lua' : 'bench/lua/page.lua', `http://127.0.0.1:${C.port}`, { ...opts, envx: pageEnv(pg, opts.envx) });
    R.runs = {};

    // ---- 1. throughput against the references
    if (want('pages')) {
        log(`== pages: requests/s and latency, app vs references (${C.rounds} rounds, alternating)`);
        for (const [name, pg] of Object.entries(pages)) {
            if (C.pages && !C.pages.has(name)) continue;
            const runs = (R.runs[name] = { app: [], pgbench: [], hello: [] });
            let hello = null;
            const helloPort = C.port + 1;
            if (pg.hello) {
                hello = start('build/bench/hello', [], { envx: { LISTEN: `127.0.0.1:${helloPort}`, THREADS: String(C.threads), BODY_BYTES: String(pg.bytes), MAX_CONNECTIONS: '2000', PER_IP_CONNECTIONS: '2000' }, logFile: path.join(OUT, 'hello.log'), cpu: C.sut });
                await sleep(200);
            }
            const entriesBefore = pg.post ? count(`entries WHERE assignment_id = ${ids.postAsg}`) : 0;
            for (let r = 0; r < C.rounds; r++) {
                let perf = null;
                if (C.profile === name && r === 0) perf = start('perf', ['record', '-e', 'cpu-clock', '-F', '999', '-g', '-p', String(srv.pid), '-o', path.join(OUT, `perf-${name}.data`)], { logFile: path.join(OUT, 'perf.log') });
                const a = await appRun(pg);
                if (perf) {
                    await stop(perf, 'SIGINT');
                    fs.writeFileSync(path.join(OUT, `perf-${name}.txt`), spawnSync('perf', ['report', '--stdio', '--no-children', '-i', path.join(OUT, `perf-${name}.data`), '--percent-limit', '0.5'], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout);
                    log(`   perf profile: ${OUT}/perf-${name}.txt`);
                }
                runs.app.push(a);
                await sleep(500);
                const b = await pgbench(`bench/sql/${name === 'practice' ? 'practice' : name}.sql`, pg.vars);
                runs.pgbench.push(b);
                await sleep(500);
                let h = null;
                if (hello) {
                    h = await wrk('bench/lua/page.lua', `http://127.0.0.1:${helloPort}`, { envx: pageEnv(pg) });
                    runs.hello.push(h);
                    await sleep(500);
                }
                const bad = a.requests - a.ok;
                log(`   ${name} round ${r + 1}: app ${a.rps.toFixed(0)}/s p50 ${a.p50.toFixed(2)} p99 ${a.p99.toFixed(2)} ms${bad ? ` (${bad} not 2xx/3xx!)` : ''} st ${a.cpu.st.toFixed(1)}% other ${a.cpu.other.toFixed(0)}% | pgbench ${b.rps.toFixed(0)}/s p50 ${b.p50.toFixed(2)} p99 ${b.p99.toFixed(2)}${b.failed ? ` (${b.failed} failed!)` : ''}${h ? ` | hello ${h.rps.toFixed(0)}/s p99 ${h.p99.toFixed(2)}` : ''}`);
            }
            if (pg.post) {
                const made = count(`entries WHERE assignment_id = ${ids.postAsg}`) - entriesBefore;
                const posted = runs.app.reduce((s, a) => s + (a.statuses['303'] || 0), 0);
                runs.check = { posted_303: posted, entries_made: made };
                log(`   practice: ${posted} POSTs answered 303; ${made} entries made in that assignment (with pgbench's ${runs.pgbench.reduce((s, x) => s + x.requests, 0)})`);
            }
            if (hello) await stop(hello);
        }
    }

    const med = (name, who, key) => median((R.runs[name]?.[who] || []).map((x) => x[key]));

    // The saturated POSTs leave ~100,000 new rows: without this, the
    // autovacuum and checkpoint they cause land in whatever is measured
    // next (the dashboard's p99 at half rate: 10.5 ms instead of 3.5).
    const settle = () => {
        psql(pgUrl, 'VACUUM ANALYZE');
        psql(pgUrl, 'CHECKPOINT'); // the cluster's owner is its superuser
    };

    // ---- 2. p99 at half the maximum rate
    if (want('halfrate') && R.runs.dashboard) {
        log('== p99 at half the maximum rate (paced wrk: Poisson arrivals)');
        R.half = {};
        for (const [name, pg] of Object.entries(pages)) {
            settle();
            const rate = med(name, 'app', 'rps') / 2;
            const conns = 16;
            const r = await appRun(pg, { conns, envx: { BENCH_RATE: rate.toFixed(1) } });
            await sleep(500);
            const ref = await pgbench(`bench/sql/${name}.sql`, pg.vars, { rate });
            R.half[name] = { target_rps: rate, conns, ...r, pgbench: ref };
            log(`   ${name}: target ${rate.toFixed(0)}/s, reached ${r.rps.toFixed(0)}/s with ${conns} connections; p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} ms, st ${r.cpu.st.toFixed(1)}% other ${r.cpu.other.toFixed(0)}% | pgbench -R: ${ref.rps.toFixed(0)}/s p50 ${ref.p50.toFixed(2)} p99 ${ref.p99.toFixed(2)} ms`);
            await sleep(500);
        }
    }

    // ---- 3. signing in
    if (want('login')) {
        settle();
        log('== signing in (ROUTE_HEAVY: Argon2id on the worker pool)');
        const loginEnv = { BENCH_EMAIL_FMT: 'client%d@bench.test', BENCH_EMAIL_FROM: '11', BENCH_EMAIL_TO: '60', BENCH_PASSWORD: PASSWORD };
        const url = `http://127.0.0.1:${C.port}`;
        const cap = await wrk('bench/lua/login.lua', url, { conns: 16, envx: loginEnv });
        const capacity = cap.extra.login_ok / (cap.duration_us / 1e6);
        R.login = { capacity_per_s: capacity, run: cap };
        log(`   capacity: ${capacity.toFixed(1)} sign-ins/s (16 connections; ${cap.extra.busy} busy, ${cap.extra.refused} refused), st ${cap.cpu.st.toFixed(1)}% other ${cap.cpu.other.toFixed(0)}%`);
        await sleep(1000);

        // The dashboard at half its maximum rate, alone and then with a flood
        // of sign-ins offered at 10x capacity (2 requests per sign-in).
        if (R.runs.dashboard || env.BENCH_DASH_RATE) {
            const pg = pages.dashboard;
            const rate = Number(env.BENCH_DASH_RATE) || med('dashboard', 'app', 'rps') / 2;
            const conns = 16;
            const floodConns = 300;
            const alone = await appRun(pg, { conns, envx: { BENCH_RATE: rate.toFixed(1) } });
            await sleep(1000);
            // 2 requests a sign-in (GET /login, POST /login).
            const floodP = wrk('bench/lua/login.lua', url, { conns: floodConns, seconds: C.seconds + 4, background: true, envx: { ...loginEnv, BENCH_RATE: (2 * 10 * capacity).toFixed(1) } });
            await sleep(2000);
            const during = await appRun(pg, { conns, envx: { BENCH_RATE: rate.toFixed(1) } });
            const flood = await floodP;
            await sleep(4000); // the pool's queue drains (jobs older than 2 s are dropped)
            // The same flood without its hashing: only the GET /login half
            // (a page and an anonymous session, a durable INSERT, each), at
            // the rate the flood sent them: what the rest of the flood costs.
            const getsPerS = flood.requests / (flood.duration_us / 1e6) / 2;
            const getP = wrk('bench/lua/page.lua', url, { conns: floodConns, seconds: C.seconds + 3, background: true, envx: { BENCH_PATH: '/login', BENCH_COOKIE: '', BENCH_RATE: getsPerS.toFixed(1) } });
            await sleep(2000);
            const duringGets = await appRun(pg, { conns, envx: { BENCH_RATE: rate.toFixed(1) } });
            const gets = await getP;
            R.flood = { alone, during, flood, duringGets, gets, offered_logins_per_s: (flood.requests / (flood.duration_us / 1e6)) / 2, target_logins_per_s: 10 * capacity };
            log(`   dashboard p99 during GET /login alone at ${gets.rps.toFixed(0)}/s (the flood without hashing): ${duringGets.p99.toFixed(2)} ms (p50 ${duringGets.p50.toFixed(2)}), other ${duringGets.cpu.other.toFixed(0)}%`);
            log(`   dashboard at ${rate.toFixed(0)}/s: p99 ${alone.p99.toFixed(2)} ms alone, ${during.p99.toFixed(2)} ms during the flood (${(100 * (during.p99 / alone.p99 - 1)).toFixed(0)} %); flood offered ~${R.flood.offered_logins_per_s.toFixed(0)} sign-ins/s (target ${(10 * capacity).toFixed(0)}): ${flood.extra.login_ok} ok, ${flood.extra.busy} busy (503)`);
            await sleep(3000);
        }

        // /healthz during a burst of 50 parallel sign-ins (issue 3).
        const hzEnv = { BENCH_PATH: '/healthz', BENCH_ACCEPT: 'application/json', BENCH_RATE: '100' };
        const hzAlone = await wrk('bench/lua/page.lua', url, { conns: 2, envx: hzEnv });
        const burstP = wrk('bench/lua/login.lua', url, { conns: 50, seconds: C.seconds + 2, background: true, envx: loginEnv });
        await sleep(1000);
        const hzDuring = await wrk('bench/lua/page.lua', url, { conns: 2, envx: hzEnv });
        const burst = await burstP;
        R.healthz = { alone: hzAlone, during: hzDuring, burst };
        log(`   /healthz p99: ${hzAlone.p99.toFixed(2)} ms alone, ${hzDuring.p99.toFixed(2)} ms during 50 parallel sign-ins (${burst.extra.login_ok} sign-ins, ${burst.extra.busy} busy)`);
        await sleep(3000);
    }

    // RSS of the server after all that load, before it stops.
    R.memory = { after_load: rssKiB(srv.pid) };
    await stop(srv);

    // ---- 4. memory
    if (want('memory')) {
        log('== memory');
        const port = C.port + 2;
        const p = await startServer({ LISTEN: `127.0.0.1:${port}`, BASE_URL: `http://127.0.0.1:${port}` });
        await sleep(1000);
        const idle = rssKiB(p.pid);
        const holder = spawn('build/bench/conns', ['1000', String(port), '/healthz'], { stdio: ['pipe', 'pipe', 'inherit'] });
        children.add(holder);
        const ready = await new Promise((resolve) => {
            let out = '';
            holder.stdout.on('data', (d) => {
                out += d;
                const m = /READY (\d+) (\d+)/.exec(out);
                if (m) resolve({ open: Number(m[1]), answered: Number(m[2]) });
            });
        });
        await sleep(1000);
        const withConns = rssKiB(p.pid);
        holder.stdin.end();
        await new Promise((r) => holder.on('exit', r));
        children.delete(holder);
        // One page per thread, so each thread has its database connection.
        for (let i = 0; i < C.threads * 2; i++) await httpReq(port, 'GET', '/', { headers: { Cookie: S.c1.cookie } });
        await sleep(500);
        const warm = rssKiB(p.pid);
        await stop(p);
        Object.assign(R.memory, { idle, with_1000: withConns, conns: ready, added_kib: withConns.rss - idle.rss, warm });
        log(`   RSS idle ${(idle.rss / 1024).toFixed(1)} MiB; with ${ready.open} keep-alive connections (${ready.answered} answered) ${(withConns.rss / 1024).toFixed(1)} MiB (+${((withConns.rss - idle.rss) / 1024).toFixed(1)} MiB); after a page on each thread ${(warm.rss / 1024).toFixed(1)} MiB; after the load ${(R.memory.after_load.rss / 1024).toFixed(1)} MiB`);
    }

    // ---- 5. start-up
    if (want('startup')) {
        log('== start-up: exec to the first 200 on /readyz');
        const port = C.port + 3;
        const out = await run(path.join(ROOT, 'build/bench/startup'), ['21', String(port), C.sut, path.join(OUT, 'startup.log'), '--', BIN, 'serve'], {
            cpu: C.load,
            cwd: SRV,
            envx: { ...srvEnv, LISTEN: `127.0.0.1:${port}`, BASE_URL: `http://127.0.0.1:${port}` },
        });
        R.startup = JSON.parse(/STARTUP (\{.*\})/.exec(out)[1]);
        log(`   median ${R.startup.median_ms} ms over ${R.startup.runs} runs (min ${R.startup.min_ms}, max ${R.startup.max_ms})`);
        // The server's own phases (its "start-up" and "first ready" log
        // lines, ms since main began), median of the runs: where the time goes.
        const lines = fs.readFileSync(path.join(OUT, 'startup.log'), 'utf8').split('\n').filter((l) => l.startsWith('{'));
        const parsed = lines.map((l) => { try { return JSON.parse(l); } catch { return {}; } });
        const med = (xs) => { const a = xs.filter((x) => typeof x === 'number').sort((x, y) => x - y); return a.length ? Math.round(a[Math.floor(a.length / 2)] * 10) / 10 : null; };
        const ups = parsed.filter((o) => o.msg === 'start-up');
        const ready = parsed.filter((o) => o.msg === 'first ready').map((o) => o.since_start_ms);
        R.startup.phases = {};
        for (const k of ['config_ms', 'assets_ms', 'migrations_ms', 'library_ms', 'checks_ms']) R.startup.phases[k] = med(ups.map((o) => o[k]));
        const upto = ups.map((o) => o.config_ms + o.assets_ms + o.migrations_ms + o.library_ms + o.checks_ms);
        R.startup.phases.listen_to_first_ready_ms = med(ready.map((r, i) => (upto[i] !== undefined ? r - upto[i] : undefined)));
        R.startup.phases.main_to_first_ready_ms = med(ready);
        log(`   phases (median, ms since main): ${Object.entries(R.startup.phases).map(([k, v]) => `${k.replace(/_ms$/, '')} ${v}`).join(', ')}`);
    }

    // ---- 6. the reminder scheduler at 100,000 clients (issue 13)
    if (want('reminders')) {
        const n = Number(env.BENCH_REMINDER_CLIENTS || 100000);
        log(`== reminder scheduler: STMT_REMINDERS_RUN among ${n} clients who chose reminders`);
        const t0 = Date.now();
        sh('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', `clients=${n}`, '-v', `hash=${hash}`, '-d', pgUrl, '-f', 'bench/sql/reminders_dataset.sql']);
        sh('psql', ['-X', '-q', '-d', pgUrl, '-c', 'VACUUM ANALYZE']);
        const loaded = (Date.now() - t0) / 1000;
        const due = Number(psql(pgUrl, 'SELECT count(*) FROM reminder_prefs WHERE next_at <= now()'));
        // The statement in a transaction rolled back: every run finds the
        // same windows. pgbench on the load CPU, PostgreSQL on the SUT's.
        const file = path.join(OUT, 'reminders_run.sql');
        fs.writeFileSync(file, `BEGIN;\n${sqlgen('reminders_run', 'batch')}\nROLLBACK;\n`);
        const runs = {};
        for (const batch of [500, n]) {
            const out = await run('pgbench', ['-n', '-M', 'prepared', '-c', '1', '-t', '7', '-f', file, '-D', `batch=${batch}`, pgUrl], { cpu: C.load });
            runs[batch] = Number(/latency average = ([\d.]+) ms/.exec(out)[1]);
        }
        // How many reminders that is: the statement once more, rows counted.
        const once = path.join(OUT, 'reminders_once.sql');
        fs.writeFileSync(once, `BEGIN;\n${sqlgen('reminders_run', 'batch').replace(':batch', String(n))}\nROLLBACK;\n`);
        const rows = sh('psql', ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-d', pgUrl, '-f', once]);
        const queued = rows.split('\n').filter((l) => /^\d+\|/.test(l)).length;
        R.reminders = { clients: n, due, queued, batch_ms: runs[500], all_ms: runs[n], loaded_s: loaded };
        log(`   ${due} windows begun among ${n} clients (${queued} reminders to send): one run as the server makes it (500 claimed) ${runs[500].toFixed(1)} ms, all ${due} at once ${runs[n].toFixed(1)} ms (pgbench latency average of 7; data set ${loaded.toFixed(1)} s)`);
    }

    // ---- 7. mail: messages a second through the outbox to a local SMTP sink
    // (aiosmtpd's Sink handler, which accepts and discards), one node and
    // two nodes on one database. The messages are written into the outbox
    // as the server writes them (sealed, build/bench/seal outbox) in one
    // COPY while the nodes run; the clock runs from that commit until every
    // row is marked sent. Each node has one sender thread, which opens an
    // SMTP session per message (libcurl) and polls every 0.5 s when idle.
    if (want('mail')) {
        const n = Number(env.BENCH_MAIL_MESSAGES || 2000);
        log(`== mail: ${n} messages through the outbox to a local SMTP sink, one node, then two`);
        const smtpPort = C.port + 20;
        const sink = start('/usr/bin/python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${smtpPort}`, '-c', 'aiosmtpd.handlers.Sink'], { cpu: C.load, logFile: path.join(OUT, 'smtp.log') });
        for (let i = 0; ; i++) {
            const up = await new Promise((resolve) => {
                const sock = net.connect(smtpPort, '127.0.0.1', () => { sock.destroy(); resolve(true); });
                sock.on('error', () => resolve(false));
            });
            if (up) break;
            if (i > 200) throw new Error('the SMTP sink did not start');
            await sleep(50);
        }
        R.mail = { messages: n };
        for (const nodes of [1, 2]) {
            psql(pgUrl, 'DELETE FROM outbox');
            const procs = [];
            for (let k = 0; k < nodes; k++) {
                const port = C.port + 30 + k;
                procs.push(await startServer({ LISTEN: `127.0.0.1:${port}`, BASE_URL: `http://127.0.0.1:${port}`, SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, MAIL_FROM: 'Quiet Room <notes@bench.test>', MAIL_OUTBOX_MAX: String(n * 2), LOG_LEVEL: 'warn' }));
            }
            const src = `SELECT 'bench-${nodes}-' || g, 'person' || g || '@bench.test' FROM generate_series(1, ${n}) g`;
            const t0 = Date.now();
            pipe(src, 'outbox', 'COPY outbox (message_id, kind, recipient, body_enc) FROM STDIN');
            const queuedAt = Date.now();
            let sent = 0;
            while (sent < n) {
                if (Date.now() - queuedAt > 300000) throw new Error(`mail: only ${sent} of ${n} sent in 5 minutes`);
                await sleep(100);
                sent = Number(psql(pgUrl, "SELECT count(*) FROM outbox WHERE status = 'sent'"));
            }
            const secs = (Date.now() - queuedAt) / 1000;
            const failed = Number(psql(pgUrl, "SELECT count(*) FROM outbox WHERE status <> 'sent' OR tries <> 1"));
            for (const p of procs) await stop(p);
            R.mail[`nodes_${nodes}`] = { seconds: secs, per_second: n / secs, sealed_and_copied_s: (queuedAt - t0) / 1000, not_once: failed };
            log(`   ${nodes} node${nodes > 1 ? 's' : ''}: ${n} messages in ${secs.toFixed(1)} s, ${(n / secs).toFixed(0)} a second${failed ? ` (${failed} not sent exactly once!)` : ', each sent once'}`);
        }
        await stop(sink);
    }

    R.seconds = (Date.now() - t00) / 1000;
    stopCluster();
    report();
    cleanupChildren();
    process.exit(0);
}

// ------------------------------------------------------------------- report

function report() {
    const f1 = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
    const pc = (x) => (Number.isFinite(x) ? `${Math.round(100 * x)} %` : 'n/a');
    const med = (name, who, key) => median((R.runs[name]?.[who] || []).map((x) => x[key]));
    const steal = (name, who) => median((R.runs[name]?.[who] || []).map((x) => x.cpu.st));
    const other = (name, who) => median((R.runs[name]?.[who] || []).map((x) => x.cpu.other));
    const L = [];
    const date = new Date().toISOString().replace(/:\d\d\.\d+Z$/, '').replace('T', '-').replace(':', '');
    L.push(`# Interlude benchmark report ${date}${C.label ? ` (${C.label})` : ''}`, '');
    L.push(`Commit ${R.machine.commit}${R.machine.dirty ? ' (with uncommitted changes in server/, migrations/ or templates/)' : ''}${R.machine.server_dir ? `; server measured: ${R.machine.server_dir}` : ''}; ${R.machine.cpus} × ${R.machine.model}, ${R.machine.mem_gib} GiB, Linux ${R.machine.kernel}; ${R.machine.postgres}; ${R.machine.wrk}.`);
    L.push(`Pinning: PostgreSQL and the server under test (or the hello server) on CPU ${C.sut}; wrk or pgbench's client on CPU ${C.load}. THREADS=${C.threads} (pgbench -c ${C.threads}: the same number of database sessions), wrk -t1 -c${C.conns}, ${C.seconds} s a run, ${C.rounds} rounds alternating app / pgbench / hello; figures are medians of the rounds. Total time ${f1(R.seconds, 0)} s.`, '');
    if (R.dataset) {
        const d = R.dataset;
        L.push(`Data set: ${d.therapists} therapists, ${d.clients} clients, ${d.activities} activities (${d.versions} versions), ${d.assignments} assignments, ${d.entries} entries and ${d.comments} replies with real ciphertexts, ${d.audit_rows} audit rows; ${d.db_size}; loaded in ${f1(d.seconds.total)} s (SQL ${f1(d.seconds.sql)}, sealed entries ${f1(d.seconds.entries)}, replies ${f1(d.seconds.comments)}, VACUUM ANALYZE ${f1(d.seconds.vacuum_analyze)}). Method ${d.method}.`, '');
    }
    if (R.runs && Object.keys(R.runs).length) {
        L.push('## Throughput and latency (saturated: wrk -c' + C.conns + ')', '');
        L.push('| page | bytes | app req/s | p50 ms | p99 ms | pgbench same SQL tx/s | p50 | p99 | app / pgbench | hello req/s | p99 | app / hello | steal % app / pgbench | other % app / pgbench |');
        L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
        for (const name of Object.keys(R.runs)) {
            const hasHello = (R.runs[name].hello || []).length > 0;
            L.push(`| ${name} \`${R.pages[name].path}\` | ${R.pages[name].bytes} | ${f1(med(name, 'app', 'rps'), 0)} | ${f1(med(name, 'app', 'p50'), 2)} | ${f1(med(name, 'app', 'p99'), 2)} | ${f1(med(name, 'pgbench', 'rps'), 0)} | ${f1(med(name, 'pgbench', 'p50'), 2)} | ${f1(med(name, 'pgbench', 'p99'), 2)} | ${pc(med(name, 'app', 'rps') / med(name, 'pgbench', 'rps'))} | ${hasHello ? f1(med(name, 'hello', 'rps'), 0) : '-'} | ${hasHello ? f1(med(name, 'hello', 'p99'), 2) : '-'} | ${hasHello ? pc(med(name, 'app', 'rps') / med(name, 'hello', 'rps')) : '-'} | ${f1(steal(name, 'app'))} / ${f1(steal(name, 'pgbench'))} | ${f1(other(name, 'app'), 0)} / ${f1(other(name, 'pgbench'), 0)} |`);
        }
        L.push('', 'Latency ratios (app p50 / pgbench p50, app p99 / pgbench p99): ' + Object.keys(R.runs).map((n) => `${n} ${f1(med(n, 'app', 'p50') / med(n, 'pgbench', 'p50'), 2)}× / ${f1(med(n, 'app', 'p99') / med(n, 'pgbench', 'p99'), 2)}×`).join('; ') + '.');
        L.push('', 'Every round: ' + Object.keys(R.runs).map((n) => `${n} app ${R.runs[n].app.map((x) => f1(x.rps, 0)).join('/')}, pgbench ${R.runs[n].pgbench.map((x) => f1(x.rps, 0)).join('/')}${R.runs[n].hello.length ? `, hello ${R.runs[n].hello.map((x) => f1(x.rps, 0)).join('/')}` : ''}`).join('; ') + '.');
        const bad = Object.entries(R.runs).flatMap(([n, r]) => r.app.filter((a) => a.requests !== a.ok).map((a) => `${n}: ${a.requests - a.ok} answers not 2xx/3xx ${JSON.stringify(a.statuses)}`));
        if (bad.length) L.push('', '**Errors:** ' + bad.join('; '));
        if (R.runs.practice?.check) L.push('', `The POST made what it said: ${R.runs.practice.check.posted_303} answers 303, ${R.runs.practice.check.entries_made} rows in entries for that assignment (pgbench's rows included: ${R.runs.practice.pgbench.reduce((s, x) => s + x.requests, 0)}).`);
        L.push('');
    }
    if (R.half) {
        L.push('## p99 at half the maximum rate (wrk paced by bench/lua/common.lua: Poisson arrivals at half the median maximum)', '');
        L.push('| page | target req/s | reached | p50 ms | p99 ms | pgbench -R same rate: p50 | p99 | steal % | other % |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|');
        for (const [n, h] of Object.entries(R.half)) L.push(`| ${n} | ${f1(h.target_rps, 0)} | ${f1(h.rps, 0)} | ${f1(h.p50, 2)} | ${f1(h.p99, 2)} | ${f1(h.pgbench?.p50, 2)} | ${f1(h.pgbench?.p99, 2)} | ${f1(h.cpu.st)} | ${f1(h.cpu.other, 0)} |`);
        L.push('', 'wrk: 16 connections; pgbench: THREADS clients with -R (Poisson schedule, latency counted from the scheduled start).');
        L.push('');
    }
    if (R.login) {
        L.push('## Signing in', '');
        L.push(`Capacity: ${f1(R.login.capacity_per_s)} sign-ins/s (GET /login then POST /login, 16 connections, Argon2id m=19 MiB t=2 on HASH_SLOTS=${env.HASH_SLOTS || 'cores − 1 (the default)'} threads; ${R.login.run.extra.busy} busy answers).`);
        if (R.flood) {
            const fl = R.flood;
            L.push(`Flood: ~${f1(fl.offered_logins_per_s, 0)} sign-ins/s offered (target 10 × capacity = ${f1(fl.target_logins_per_s, 0)}; 300 connections, paced): ${fl.flood.extra.login_ok} signed in, ${fl.flood.extra.busy} answered 503 busy. Dashboard at half its maximum rate: p99 ${f1(fl.alone.p99, 2)} ms alone → ${f1(fl.during.p99, 2)} ms during the flood (${pc(fl.during.p99 / fl.alone.p99 - 1)} rise; p50 ${f1(fl.alone.p50, 2)} → ${f1(fl.during.p50, 2)} ms; reached ${f1(fl.alone.rps, 0)} → ${f1(fl.during.rps, 0)} req/s), steal ${f1(fl.during.cpu.st)} %, other processes ${f1(fl.during.cpu.other, 0)} %. The flood's other half alone (GET /login at ${f1(fl.gets.rps, 0)}/s, no hashing): dashboard p99 ${f1(fl.duringGets.p99, 2)} ms, p50 ${f1(fl.duringGets.p50, 2)} ms.`);
        }
        if (R.healthz) L.push(`/healthz (2 connections, ~100 req/s): p99 ${f1(R.healthz.alone.p99, 2)} ms alone, ${f1(R.healthz.during.p99, 2)} ms (max ${f1(R.healthz.during.max_us / 1000, 2)} ms) during a burst of 50 parallel sign-ins (${R.healthz.burst.extra.login_ok} sign-ins, ${R.healthz.burst.extra.busy} busy).`);
        L.push('');
    }
    if (R.memory?.idle) {
        const m = R.memory;
        L.push('## Memory (VmRSS)', '');
        L.push(`Idle after start: ${f1(m.idle.rss / 1024)} MiB (${m.idle.threads} threads). With ${m.conns.open} open keep-alive connections (${m.conns.answered} answered /healthz): ${f1(m.with_1000.rss / 1024)} MiB, +${f1(m.added_kib / 1024)} MiB (${f1(m.added_kib / Math.max(1, m.conns.open), 1)} KiB a connection). After a page on each thread: ${f1(m.warm.rss / 1024)} MiB. The benchmark server after all the load: ${f1(m.after_load.rss / 1024)} MiB (peak ${f1(m.after_load.hwm / 1024)} MiB).`, '');
    }
    if (R.startup) {
        L.push('## Start-up', '', `exec to the first 200 on /readyz (migrations current, library unchanged): median ${R.startup.median_ms} ms over ${R.startup.runs} runs (min ${R.startup.min_ms}, max ${R.startup.max_ms}).`, '');
        if (R.startup.phases) {
            L.push('| phase (the server\'s log, median) | ms |', '|---|---|');
            for (const [k, v] of Object.entries(R.startup.phases)) L.push(`| ${k.replace(/_ms$/, '').replace(/_/g, ' ')} | ${v} |`);
            L.push('');
        }
    }

    if (R.mail) {
        const m = R.mail;
        L.push('## Mail through the outbox', '', `${m.messages} messages (about 1.5 KB, sealed as the server seals them) written into the outbox in one COPY, sent to a local SMTP sink (aiosmtpd's Sink) by each node's sender thread, one SMTP session per message: one node ${f1(m.nodes_1.per_second, 0)} a second (${f1(m.nodes_1.seconds)} s), two nodes on one database ${f1(m.nodes_2.per_second, 0)} a second (${f1(m.nodes_2.seconds)} s); messages not sent exactly once: ${m.nodes_1.not_once + m.nodes_2.not_once}.`, '');
    }
    if (R.reminders) {
        const r = R.reminders;
        L.push('## Reminder scheduler', '', `STMT_REMINDERS_RUN (server/db/stmts.c) among ${r.clients} clients who chose reminders (bench/sql/reminders_dataset.sql: two assignments each, eight time zones), with ${r.due} windows begun (${r.queued} reminders due): one run as the housekeeping makes it (500 clients claimed) ${f1(r.batch_ms)} ms; every begun window in one run ${f1(r.all_ms)} ms (pgbench, 7 transactions rolled back, latency average).`, '');
    }
    // Targets.
    const T = [];
    const add = (what, target, value, ok) => T.push(`| ${what} | ${target} | ${value} | ${ok === undefined ? 'n/a' : ok ? 'met' : '**not met**'} |`);
    if (R.runs?.dashboard) {
        const x = med('dashboard', 'app', 'rps') / med('dashboard', 'pgbench', 'rps');
        add('dashboard vs pgbench (same SQL)', '≥ 60 %', pc(x), x >= 0.6);
        const y = med('dashboard', 'app', 'rps') / med('dashboard', 'hello', 'rps');
        add('dashboard vs hello (same size)', '≥ 40 %', pc(y), y >= 0.4);
    }
    if (R.runs?.exercise) {
        const x = med('exercise', 'app', 'rps') / med('exercise', 'pgbench', 'rps');
        add('exercise page vs pgbench (info)', '-', pc(x));
        const y = med('exercise', 'app', 'rps') / med('exercise', 'hello', 'rps');
        add('exercise page vs hello (info)', '-', pc(y));
    }
    if (R.runs?.caseload) {
        const x = med('caseload', 'app', 'rps') / med('caseload', 'pgbench', 'rps');
        add('caseload (100 clients, 20,000 entries) vs pgbench', '≥ 60 %', pc(x), x >= 0.6);
    }
    if (R.runs?.entry) {
        const x = med('entry', 'app', 'rps') / med('entry', 'pgbench', 'rps');
        add('JSON GET by id vs pgbench', '≥ 60 %', pc(x), x >= 0.6);
    }
    if (R.runs?.practice) {
        const x = med('practice', 'app', 'rps') / med('practice', 'pgbench', 'rps');
        add('practice POST vs pgbench (same transaction)', '≥ 70 %', pc(x), x >= 0.7);
    }
    if (R.half) {
        for (const [n, h] of Object.entries(R.half)) {
            const lim = n === 'practice' ? 10 : 5;
            add(`p99 at half max rate: ${n}`, `≤ ${lim} ms`, `${f1(h.p99, 2)} ms`, h.p99 <= lim);
        }
    }
    if (R.flood) {
        const x = R.flood.during.p99 / R.flood.alone.p99 - 1;
        add('dashboard p99 rise under 10× sign-in flood', '≤ 20 %', pc(x), x <= 0.2);
    }
    if (R.healthz) add('/healthz p99 during 50 parallel sign-ins', '≤ 100 ms', `${f1(R.healthz.during.p99, 2)} ms`, R.healthz.during.p99 <= 100);
    if (R.memory?.idle) {
        add('RSS idle', '≤ 10 MiB', `${f1(R.memory.idle.rss / 1024)} MiB`, R.memory.idle.rss <= 10 * 1024);
        add('RSS added by 1,000 keep-alive connections', '≤ 24 MiB', `${f1(R.memory.added_kib / 1024)} MiB`, R.memory.added_kib <= 24 * 1024 && R.memory.conns.open >= 1000);
    }
    if (R.startup) add('exec to first 200 on /readyz (median)', '≤ 100 ms', `${R.startup.median_ms} ms`, R.startup.median_ms <= 100);
    if (R.mail) {
        add('outbox messages sent exactly once (one and two nodes)', 'all', `${R.mail.nodes_1.not_once + R.mail.nodes_2.not_once} not`, R.mail.nodes_1.not_once + R.mail.nodes_2.not_once === 0);
    }
    if (R.reminders) {
        add(`reminder scheduler run (500 claimed) among ${R.reminders.clients} clients`, '≤ 250 ms', `${f1(R.reminders.batch_ms)} ms`, R.reminders.batch_ms <= 250);
        add(`every begun window (${R.reminders.due}) in one run`, '< 1,000 ms', `${f1(R.reminders.all_ms)} ms`, R.reminders.all_ms < 1000);
    }
    if (R.dataset) add('data set load', '< 60 s', `${f1(R.dataset.seconds.total)} s`, R.dataset.seconds.total < 60);
    L.splice(4, 0, '', '## Targets', '', '| target | limit | measured | |', '|---|---|---|---|', ...T);

    const text = L.join('\n') + '\n';
    fs.mkdirSync('bench/results', { recursive: true });
    const file = `bench/results/report-${date}${C.label ? '-' + C.label : ''}.md`;
    fs.writeFileSync(file, text);
    fs.writeFileSync(file.replace(/\.md$/, '.json'), JSON.stringify(R, null, 1));
    fs.writeFileSync(path.join(OUT, 'report.md'), text);
    log('\n' + text);
    log(`report: ${file} (raw figures: ${file.replace(/\.md$/, '.json')})`);
}

main().catch((e) => {
    console.error(`bench: ${e.stack || e}`);
    cleanupChildren();
    stopCluster();
    process.exit(1);
});
