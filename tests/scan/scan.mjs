// scan.mjs: the outsiders' scanners against a throwaway instance (make scan,
// through tests/scan/run.sh). Starts its own PostgreSQL cluster
// (scripts/pg.sh temp) and build/interlude on a free loopback port, seeds an
// administrator, a therapist, two clients (a couple) with homework, entries,
// replies, a draft and a custom exercise, and pending invitations, so every
// form has something to work on. Then, for each role (nobody signed in, the
// client, the therapist, the administrator, in that order: an
// administrator's scan disables accounts):
//   - crawl: every page the role reaches and every form on it
//     (tests/scan/crawl.mjs);
//   - wapiti: its own crawl from those pages with the sql, xss,
//     permanentxss, csrf, crlf and redirect modules, signed in by cookie,
//     /logout excluded (it runs first: sqlmap's payloads add fields to the
//     therapist's drafts by the hundred, which would slow wapiti's crawl);
//   - sqlmap: every form (POST as urlencoded and, through its /api/v1 twin,
//     as JSON with X-CSRF-Token; GET forms on their query) and the ids and
//     tokens in the paths, with the role's session cookie; level 2 (the
//     cookie is tested too), risk 1 (no OR payloads that could rewrite
//     whole tables), PostgreSQL payloads (--dbms); _csrf is left alone
//     (--skip: the token is the session's and stable, and must stay valid
//     for a payload to reach its handler).
// A fresh session is made for each tool and checked afterwards: a scan
// whose session died on the way proves nothing and fails.
//
// Findings: sqlmap's injection points (its log), HTTP 500s it provoked;
// wapiti's vulnerabilities and anomalies (500s, timeouts). Each is matched
// against tests/scan/exclusions.txt (tool, kind, route pattern, parameter,
// and a reason): anything not excluded fails the run. The summary and the
// tools' own reports go to test-output/scan/.
//
// Before all that, a control run (tests/scan/control.py, SCAN_CONTROL=0 to
// skip it): the same tools, options and parsing against a tiny site with
// planted flaws, each of which must be reported.
//
// Environment: SCAN_ROLES="anonymous client therapist admin",
// SCAN_TOOLS="sqlmap wapiti", SCAN_JOBS=2 (sqlmap processes at once),
// SQLMAP_LEVEL=2 (1: fewer payloads and no cookie; 2 adds the session cookie),
// WAPITI_MAX_SCAN=240 and WAPITI_MAX_ATTACK=90 (seconds per role / module).
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startServer, psql, ROOT } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson, PASSWORD } from '../lib/client.mjs';
import { ownCluster, answersFor, keyOf } from '../faults/lib.mjs';
import { crawl, pattern } from './crawl.mjs';

const ROLES = (process.env.SCAN_ROLES || 'anonymous client therapist admin').split(/\s+/).filter(Boolean);
const TOOLS = (process.env.SCAN_TOOLS || 'sqlmap wapiti').split(/\s+/).filter(Boolean);
const JOBS = Number(process.env.SCAN_JOBS || 2);
const SQLMAP_LEVEL = Number(process.env.SQLMAP_LEVEL || 2);
const WAPITI_MAX_SCAN = Number(process.env.WAPITI_MAX_SCAN || 240);
const WAPITI_MAX_ATTACK = Number(process.env.WAPITI_MAX_ATTACK || 90);
const OUT = path.resolve(ROOT, process.env.TEST_OUTPUT || 'test-output', 'scan');

const log = (...a) => console.log(...a);
const since = (t) => `${Math.round((Date.now() - t) / 1000)} s`;

// ---- exclusions ----

// tests/scan/exclusions.txt: tool | kind | route pattern | parameter | reason
function loadExclusions() {
    const file = path.join(ROOT, 'tests/scan/exclusions.txt');
    const rules = [];
    for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
        const line = raw.trim();
        if (!line || line.startsWith('#')) continue;
        const [tool, kind, route, param, reason] = line.split('|').map((s) => s.trim());
        if (!tool || !kind || !route || !param || !reason) throw new Error(`exclusions.txt: a rule needs five fields: ${line}`);
        rules.push({ tool, kind, route, param, reason, used: 0 });
    }
    return rules;
}

function excluded(rules, f) {
    const rule = rules.find((r) => r.tool === f.tool && r.kind === f.kind && r.route === f.route && (r.param === '*' ? false : r.param === f.param));
    if (rule) rule.used++;
    return rule;
}

// ---- processes ----

function run(cmd, args, { timeoutMs, logFile }) {
    return new Promise((resolve) => {
        const t0 = Date.now();
        const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        p.stdout.on('data', (d) => {
            out += d;
        });
        p.stderr.on('data', (d) => {
            out += d;
        });
        const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
        p.on('error', (err) => {
            out += `\n${err.message}`;
        });
        p.on('close', (code, signal) => {
            clearTimeout(timer);
            if (logFile) fs.writeFileSync(logFile, out);
            resolve({ code, signal, out, ms: Date.now() - t0 });
        });
    });
}

async function inPool(items, width, fn) {
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
        while (next < items.length) {
            const i = next++;
            await fn(items[i], i);
        }
    }));
}

// ---- the instance ----

async function seed(srv) {
    const q = (sql) => psql(srv.dbUrl, sql).trim();
    createAdmin(srv, 'admin@example.org');
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    const invited = (kind, createdBy, name, email) => invitedPerson(srv, { kind, createdBy, name, email });
    const therapist = await invited('therapist', adminId, 'Tess Therapist', 'therapist@example.org');
    const client = await invited('client', therapist.id, 'Alex Client', 'client@example.org');
    const partner = await invited('client', therapist.id, 'Sam Partner', 'partner@example.org');
    const [lo, hi] = Number(client.id) < Number(partner.id) ? [client.id, partner.id] : [partner.id, client.id];
    const couple = q(`INSERT INTO couples (therapist_id, partner_a, partner_b) VALUES (${therapist.id}, ${lo}, ${hi}) RETURNING id`);
    const assign = (who, slug, extra = '') => q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, times_per_week, weeks${extra ? ', couple_id' : ''})
        SELECT l.id, l.version_id, ${therapist.id}, ${who.id}, current_date, 3, 4${extra ? `, ${extra}` : ''}
        FROM activity_latest l WHERE l.slug = '${slug}' AND l.source = 'library' RETURNING id`);
    const practice = assign(client, 'eye-contact-connection');
    const measure = q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, due_date)
        SELECT l.id, l.version_id, ${therapist.id}, ${client.id}, current_date, current_date + 7
        FROM activity_latest l WHERE l.slug = 'phq-9' AND l.source = 'library' RETURNING id`);
    const mine = assign(client, 'settling-before-closeness', couple);
    const theirs = assign(partner, 'settling-before-closeness', couple);
    q(`UPDATE assignments SET partner_assignment_id = ${theirs} WHERE id = ${mine}`);
    q(`UPDATE assignments SET partner_assignment_id = ${mine} WHERE id = ${theirs}`);

    // Entries, a reply and a note, a draft; all through the real forms.
    const submit = async (c, a, answers, action = 'submit') => {
        const form = await c.get(`/homework/${a}/practice`);
        const res = await c.post(`/homework/${a}/practice`, { ...answers, idempotency_key: keyOf(form.body), action });
        if (res.status !== 303) throw new Error(`seed: practice ${a} ${action}: ${res.status}`);
        return /\/entries\/(\d+)\//.exec(res.headers.location)?.[1];
    };
    const entry = await submit(client, practice, answersFor('seed one'));
    await submit(client, practice, answersFor('seed two'));
    await submit(client, measure, Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`phq9_${i + 1}`, '1'])));
    const shared = await submit(client, mine, {
        ...Object.fromEntries((await client.getJson(`/homework/${mine}/practice`)).json.fields
            .filter((f) => f.is_scale || f.is_yes_no).map((f) => [f.key, f.is_scale ? String(f.min) : 'no'])),
        share: 'on',
    });
    const page = await therapist.get(`/entries/${entry}`);
    await therapist.post(`/entries/${entry}/comments`, { body: 'A reply from the therapist.', idempotency_key: keyOf(page.body) });
    const own = await client.get(`/entries/${entry}`);
    await client.post(`/entries/${entry}/comments`, { body: 'A note from the client.', idempotency_key: keyOf(own.body) });
    await submit(client, practice, { what_noticed: 'a draft' }, 'draft');

    // The therapist's own content: an authoring draft and a custom copy.
    await therapist.post('/drafts', { kind: 'exercise' });
    const lib = q("SELECT id FROM activities WHERE slug = 'eye-contact-connection' AND source = 'library'");
    await therapist.post(`/library/${lib}/duplicate`, {});
    // An invitation and a reset link nobody opened, for the public forms.
    const tokens = { invite: `scan-open-invite-${process.pid}`, reset: `scan-open-reset-${process.pid}` };
    q(`INSERT INTO invites (token_hash, kind, email, display_name, created_by, expires_at)
       VALUES (sha256('${tokens.invite}'::bytea), 'client', 'invited@example.org', 'Invited Person', ${therapist.id}, now() + interval '1 day')`);
    q(`INSERT INTO invites (token_hash, kind, created_by, user_id, expires_at)
       VALUES (sha256('${tokens.reset}'::bytea), 'reset', ${adminId}, ${partner.id}, now() + interval '1 day')`);
    // Pending invitations (revoke forms).
    const admin = await new Client(srv).signIn('admin@example.org');
    await admin.post('/admin/invites', { email: 'pending-therapist@example.org', display_name: 'Pending Therapist' });
    await therapist.post('/clients/invites', { email: 'pending-client@example.org', display_name: 'Pending Client' });
    return { entry, shared, practice, mine, couple, therapist, client, partner, tokens };
}

const ACCOUNTS = {
    client: 'client@example.org',
    therapist: 'therapist@example.org',
    admin: 'admin@example.org',
};

// A fresh session for a role (anonymous: the login form's session). The
// scanners' wrong sign-ins from 127.0.0.1 fill the per-address throttle (30
// failures in 15 minutes: the defence at work); it is emptied first, so
// each role and each tool starts from no failures.
async function session(srv, role) {
    psql(srv.dbUrl, 'DELETE FROM login_failures');
    const c = new Client(srv);
    if (role === 'anonymous') {
        const form = await c.get('/login');
        if (form.status !== 200 || !c.csrf) throw new Error('no login form');
        return c;
    }
    return c.signIn(ACCOUNTS[role], PASSWORD);
}

// Still the same session? (anonymous: still has its token and cookie)
async function sessionAlive(c, role) {
    const r = await c.get(role === 'anonymous' ? '/api/v1/session' : '/account');
    return r.status === 200 && (role !== 'anonymous' || /"csrf"/.test(r.body));
}

const START = {
    anonymous: (s) => ['/login', `/invite/${s.tokens.invite}`, `/reset/${s.tokens.reset}`],
    client: (s) => ['/', '/progress', '/account', `/homework/${s.practice}`, `/homework/${s.practice}/practice`, `/entries/${s.entry}`, `/entries/${s.shared}`],
    therapist: (s) => ['/clients', `/clients/${s.client.id}`, '/library', '/drafts', '/assign', `/entries/${s.entry}`, '/account'],
    admin: () => ['/admin/users', '/admin/audit', '/account'],
};
const SKIP = (p) => /^\/(api\/v1\/)?logout\b/.test(p) || p.startsWith('/static/') || /\/fhir$/.test(p);

// ---- sqlmap ----

function sqlmapTargets(role, person, forms, pages) {
    const seen = new Set();
    const targets = [];
    // The path's own parameters (ids, tokens), marked with * for sqlmap:
    // one page of each route pattern that has one.
    for (const p of pages) {
        const m = /^(.*\/)(\d+|[A-Za-z0-9_-]{20,})(\/[^?]*)?$/.exec(p.replace(/\?.*$/, ''));
        if (!m) continue;
        const key = `URI ${pattern(p)} ${m[1]}`;
        if (seen.has(key)) continue;
        seen.add(key);
        targets.push({ role, kind: 'uri', method: 'GET', path: `${m[1]}${m[2]}*${m[3] || ''}`, route: pattern(p) });
    }
    for (const f of forms) {
        if (SKIP(f.action)) continue;
        const names = f.fields.map(([n]) => n).filter((n) => n !== '_csrf');
        const key = `${f.method} ${pattern(f.action)} ${[...new Set(names)].sort().join(',')} ${f.variant}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (f.method === 'GET') {
            const qs = new URLSearchParams(f.fields).toString();
            const action = f.action.replace(/\?.*$/, '');
            if (!qs) continue; // nothing to inject
            targets.push({ role, kind: 'form', method: 'GET', path: `${action}?${qs}`, route: pattern(action) });
            targets.push({ role, kind: 'json', method: 'GET', path: `/api/v1${action}?${qs}`, route: pattern(action) });
            continue;
        }
        const form = new URLSearchParams();
        for (const [n, v] of f.fields) form.append(n, n === '_csrf' ? person.csrf : v);
        const json = {};
        for (const [n, v] of f.fields) {
            if (n === '_csrf') continue;
            if (n.endsWith('[]')) (json[n] ||= []).push(v);
            else json[n] = v;
        }
        const route = pattern(f.action);
        if (names.length === 0) continue; // only the token: nothing to inject
        targets.push({ role, kind: 'form', method: 'POST', path: f.action, route, body: form.toString(), type: 'application/x-www-form-urlencoded', variant: f.variant });
        if (!f.action.startsWith('/api/v1')) {
            targets.push({ role, kind: 'json', method: 'POST', path: `/api/v1${f.action}`, route, body: JSON.stringify(json), type: 'application/json', variant: f.variant });
        }
    }
    // The session cookie (level 2) once a role, not with every target.
    if (targets.length) targets[0].testCookie = true;
    return targets;
}

async function runSqlmap(srv, role, person, targets, rules, findings, dir) {
    let tested = 0;
    let params = 0;
    await inPool(targets, JOBS, async (t, i) => {
        const base = path.join(dir, `${role}-${i}`);
        // -u/--data rather than a request file (-r): sqlmap reads its targets
        // from standard input whenever that is not a terminal, unless -u is given.
        const headers = ['Accept: text/html'];
        if (t.kind === 'json') headers.push(`X-CSRF-Token: ${person.csrf}`);
        const args = ['-u', `${srv.url}${t.path}`, `--cookie=${person.cookieHeader()}`, `--headers=${headers.join('\n')}`,
            '--batch', `--dbms=${t.dbms || 'PostgreSQL'}`, `--level=${SQLMAP_LEVEL}`, '--risk=1',
            `--skip=${['_csrf', ...(t.testCookie ? [] : [...person.cookies.keys()])].join(',')}`, `--output-dir=${base}.out`, '--flush-session', '--timeout=15', '--retries=1',
            '--disable-coloring', '-v', '1', '--skip-waf', '--answers=follow=Y'];
        if (t.body !== undefined) args.push(`--data=${t.body}`);
        if (t.technique) args.push(`--technique=${t.technique}`);
        fs.writeFileSync(`${base}.args`, `${JSON.stringify(args, null, 1)}\n`);
        // Sign-in is throttled per address; with TRUST_PROXY=1 on this
        // instance, a random X-Forwarded-For per request keeps the payloads
        // reaching the handler rather than the 429.
        if (t.route === '/login') args.push('--tamper=xforwardedfor');
        const r = await run('sqlmap', args, { timeoutMs: 600000, logFile: `${base}.log` });
        tested++;
        const names = [...r.out.matchAll(/testing (?:if )?(?:\(custom\) )?(?:POST|GET|JSON|URI|Cookie) parameter '([^']+)'/g)].map((m) => m[1]);
        params += new Set(names).size;
        const where = `${t.method} ${t.path}${t.kind === 'json' ? ' (JSON)' : ''}${t.variant ? ` [${t.variant}]` : ''}`;
        const add = (kind, param, detail) => {
            const f = { tool: 'sqlmap', kind, route: t.route, param, where, role, detail };
            const rule = excluded(rules, f);
            findings.push({ ...f, excluded: rule?.reason });
        };
        if (r.signal || (r.code !== 0 && !/all tested parameters do not appear to be injectable|no parameter\(s\) found/.test(r.out))) {
            add('error', '-', `sqlmap ended ${r.signal || `with ${r.code}`}: ${r.out.split('\n').filter((l) => /CRITICAL|ERROR/.test(l)).slice(-2).join(' ')}`);
        }
        for (const m of r.out.matchAll(/Parameter: (.+?) \((.+?)\)\n([\s\S]*?)\n---/g)) add('injection', m[1], `${m[2]}: ${m[3].replace(/\s+/g, ' ').slice(0, 300)}`);
        if (/identified the following injection point/.test(r.out) && !/Parameter: /.test(r.out)) add('injection', '?', 'see the log');
        const errs = /HTTP error codes detected during run:\s*\n?(.*)/.exec(r.out);
        // "422 (Unprocessable Entity) - 146 times, 400 (Bad Request) - 500 times":
        // the status is what starts an item, not any 500 (a count can be 500).
        if (errs && /(?:^|, )500 \(/.test(errs[1].trim())) add('http-500', '-', errs[1].trim());
        if (r.code === 0 && /no parameter\(s\) found/.test(r.out)) add('error', '-', 'sqlmap found no parameter to test');
    });
    return { tested, params };
}

// ---- wapiti ----

function wapitiCookieFile(srv, person, file) {
    // wapiti's JSON cookie jar (as wapiti-getcookie writes it).
    const host = new URL(srv.url).hostname;
    const jar = { [host]: { '/': {} } };
    for (const [name, value] of person.cookies) {
        jar[host]['/'][name] = { value, version: 0, expires: null, secure: false, port: null };
    }
    fs.writeFileSync(file, JSON.stringify(jar));
}

const WAPITI_MODULES = ['sql', 'xss', 'permanentxss', 'csrf', 'crlf', 'redirect'];

async function runWapiti(srv, role, person, starts, rules, findings, dir, modules = WAPITI_MODULES) {
    const base = path.join(dir, `wapiti-${role}`);
    wapitiCookieFile(srv, person, `${base}.cookies.json`);
    // wapiti loads every module, used or not, and its "wapp" module fetches
    // its database from GitHub when the configuration folder has none: an
    // empty one keeps the scan on loopback.
    fs.mkdirSync(`${base}.config`, { recursive: true });
    fs.writeFileSync(`${base}.config/apps.json`, '{}');
    const args = ['-u', `${srv.url}/`, '--scope', 'folder', '-m', modules.join(','),
        '-c', `${base}.cookies.json`, '--skip', '_csrf',
        '-x', `${srv.url}/logout`, '-x', `${srv.url}/api/v1/logout`, '-x', `${srv.url}/static/*`,
        // The scanners' own posts add entries and replies by the hundred:
        // 30 pages of each folder (/entries/, /library/) are enough.
        '-d', '4', '--max-files-per-dir', '30', '--max-links-per-page', '60',
        '--max-scan-time', String(WAPITI_MAX_SCAN), '--max-attack-time', String(WAPITI_MAX_ATTACK),
        '--timeout', '10', '-f', 'json', '-o', `${base}.json`, '--flush-session', '--store-session', `${base}.session`,
        '--store-config', `${base}.config`, '--no-bugreport', '-v', '1'];
    for (const s of starts) args.push('-s', `${srv.url}${s}`);
    const r = await run('/usr/bin/python3', [path.join(ROOT, 'tests/scan/wapiti.py'), ...args], { timeoutMs: (WAPITI_MAX_SCAN + 6 * WAPITI_MAX_ATTACK + 120) * 1000, logFile: `${base}.log` });
    let report;
    try {
        report = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8'));
    } catch (err) {
        findings.push({ tool: 'wapiti', kind: 'error', route: '-', param: '-', where: role, role, detail: `no report (exit ${r.code}): ${r.out.slice(-500)}` });
        return { urls: 0 };
    }
    const add = (kind, category, v) => {
        const u = new URL(v.path || '/', srv.url);
        const route = pattern(u.pathname.replace(/^\/api\/v1(?=\/)/, ''));
        const f = { tool: 'wapiti', kind: `${kind}:${category}`, route, param: v.parameter || '-', where: `${v.method} ${v.path}`, role, detail: `${v.info || ''}`.slice(0, 300) };
        const rule = excluded(rules, f);
        findings.push({ ...f, excluded: rule?.reason });
    };
    for (const [category, list] of Object.entries(report.vulnerabilities || {})) for (const v of list) add('vulnerability', category, v);
    for (const [category, list] of Object.entries(report.anomalies || {})) for (const v of list) add('anomaly', category, v);
    const urls = Number(/Wapiti found (\d+) URLs and forms/.exec(r.out)?.[1] || 0);
    const stopped = /Max (attack|scan) time was reached/i.test(r.out);
    if (/Max scan time was reached/.test(r.out)) {
        findings.push({ tool: 'wapiti', kind: 'error', route: '-', param: '-', where: role, role, detail: `the crawl did not finish within ${WAPITI_MAX_SCAN} s` });
    }
    // Each module must have attacked something: a module that printed no
    // request (as once happened for no reason found) proves nothing.
    const attacked = {};
    for (const m of r.out.split(/\[\*\] Launching module /).slice(1)) {
        const name = m.split('\n')[0].trim();
        attacked[name] = (m.match(/^\[\+\] /gm) || []).length;
    }
    for (const mod of ['sql', 'xss', 'csrf', 'permanentxss'].filter((m) => modules.includes(m))) {
        if (!attacked[mod]) {
            findings.push({ tool: 'wapiti', kind: 'error', route: '-', param: '-', where: role, role, detail: `module ${mod} attacked nothing` });
        }
    }
    if (/Downloading from the web/.test(r.out)) {
        findings.push({ tool: 'wapiti', kind: 'error', route: '-', param: '-', where: role, role, detail: 'wapiti tried to download from the web' });
    }
    if (/Traceback \(most recent call last\)|^\s*File ".*wapitiCore/m.test(r.out)) {
        findings.push({ tool: 'wapiti', kind: 'error', route: '-', param: '-', where: role, role, detail: 'a module raised an exception (see its log)' });
    }
    return { urls, stopped, attacked, ms: r.ms };
}

// ---- control: the same tools and parsing against planted flaws ----

// tests/scan/control.py has an SQL injection in a query parameter and in a
// form field, a reflected XSS and an open redirect. Returns what the real
// scan's parsing makes of the tools' reports on it; main() requires each
// planted flaw among them, so that no finding on Interlude is not simply a
// tool that did not run, or output the parsing misread.
async function control(dir) {
    const cdir = path.join(dir, 'control');
    fs.mkdirSync(cdir, { recursive: true });
    const p = spawn('/usr/bin/python3', [path.join(ROOT, 'tests/scan/control.py')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const found = [];
    try {
        const port = await new Promise((resolve, reject) => {
            p.stdout.once('data', (d) => resolve(Number(String(d).trim())));
            p.on('exit', () => reject(new Error('tests/scan/control.py did not start')));
        });
        const site = { url: `http://127.0.0.1:${port}` };
        const nobody = { cookieHeader: () => 'control=1', csrf: '', cookies: new Map([['control', '1']]) };
        const targets = [
            // Boolean, error and UNION techniques are enough to show detection;
            // SQLite's time-based test alone takes 10 s.
            { role: 'control', kind: 'form', method: 'GET', path: '/note?id=1', route: '/note', dbms: 'SQLite', technique: 'BEU' },
            { role: 'control', kind: 'form', method: 'POST', path: '/search', route: '/search', body: 'term=note', type: 'application/x-www-form-urlencoded', dbms: 'SQLite', technique: 'BEU' },
        ];
        await runSqlmap(site, 'control', nobody, targets, [], found, cdir);
        await runWapiti(site, 'control', nobody, ['/'], [], found, cdir, ['sql', 'xss', 'redirect']);
    } finally {
        p.kill();
    }
    return found;
}

const PLANTED = [
    ['sqlmap', 'injection', '/note', 'id'],
    ['sqlmap', 'injection', '/search', 'term'],
    ['wapiti', /^vulnerability:SQL Injection/, '/note', 'id'],
    ['wapiti', /^vulnerability:Cross Site Scripting/, '/hello', 'name'],
    ['wapiti', /^vulnerability:Open Redirect/, '/go', 'next'],
];

// ---- main ----

async function main() {
    const t0 = Date.now();
    fs.rmSync(OUT, { recursive: true, force: true });
    fs.mkdirSync(OUT, { recursive: true });
    const rules = loadExclusions();
    if (process.env.SCAN_CONTROL !== '0') {
        const tc = Date.now();
        const found = await control(OUT);
        const missed = PLANTED.filter(([tool, kind, route, param]) => TOOLS.includes(tool) &&
            !found.some((f) => f.tool === tool && (typeof kind === 'string' ? f.kind === kind : kind.test(f.kind)) && f.route === route && f.param.startsWith(param)));
        const odd = found.filter((f) => f.kind === 'error');
        log(`scan: control (planted flaws, tests/scan/control.py): ${found.length - odd.length} found in ${since(tc)}: ` +
            found.filter((f) => f.kind !== 'error').map((f) => `${f.tool} ${f.kind} ${f.route} ${f.param}`).join('; '));
        if (missed.length || odd.length) {
            for (const m of missed) log(`  CONTROL MISSED: ${m[0]} ${m[1]} ${m[2]} ${m[3]}`);
            for (const f of odd) log(`  CONTROL ERROR: ${f.tool} ${f.detail}`);
            log('scan: the scanners did not find the planted flaws: their results on Interlude would mean nothing');
            process.exitCode = 1;
            return;
        }
    }
    const cluster = ownCluster();
    let srv;
    const findings = [];
    const summary = [];
    try {
        srv = await startServer({
            dbUrl: cluster.url,
            env: { TRUST_PROXY: '1', SESSION_IDLE_SECONDS: '7200', THREADS: '4', HASH_SLOTS: '2', LOG_LEVEL: process.env.SCAN_LOG_LEVEL || 'warn' },
        });
        const s = await seed(srv);
        log(`scan: instance on ${srv.url} seeded in ${since(t0)}`);
        for (const role of ROLES) {
            const tr = Date.now();
            const crawler = await session(srv, role);
            const found = await crawl(srv, crawler, START[role](s), { skip: SKIP });
            fs.writeFileSync(path.join(OUT, `pages-${role}.txt`), `${found.pages.join('\n')}\n`);
            const line = { role, pages: found.pages.length, forms: new Set(found.forms.map((f) => `${f.method} ${pattern(f.action)}`)).size };
            if (TOOLS.includes('wapiti')) {
                const tw = Date.now();
                const person = await session(srv, role);
                const r = await runWapiti(srv, role, person, [...new Set([...START[role](s), ...found.pages])].slice(0, 60), rules, findings, OUT);
                if (!(await sessionAlive(person, role))) {
                    findings.push({ tool: 'wapiti', kind: 'error', route: '-', param: '-', where: role, role, detail: 'the session died during the scan' });
                }
                Object.assign(line, { wapitiUrls: r.urls, wapitiTime: since(tw), wapitiStoppedByLimit: r.stopped });
            }
            if (TOOLS.includes('sqlmap')) {
                const ts = Date.now();
                const person = await session(srv, role);
                const fresh = await crawl(srv, person, START[role](s), { skip: SKIP }); // forms with this session's token
                const targets = sqlmapTargets(role, person, fresh.forms, fresh.pages);
                fs.writeFileSync(path.join(OUT, `sqlmap-targets-${role}.json`), JSON.stringify(targets, null, 1));
                const r = await runSqlmap(srv, role, person, targets, rules, findings, OUT);
                if (!(await sessionAlive(person, role))) {
                    findings.push({ tool: 'sqlmap', kind: 'error', route: '-', param: '-', where: role, role, detail: 'the session died during the scan' });
                }
                Object.assign(line, { sqlmapTargets: r.tested, sqlmapParams: r.params, sqlmapTime: since(ts) });
            }
            line.time = since(tr);
            summary.push(line);
            log(`scan: ${JSON.stringify(line)}`);
        }
        fs.writeFileSync(path.join(OUT, 'server.log'), `${srv.logs.join('\n')}\n`);
        const h = await Client.prototype.get.call(new Client(srv), '/healthz');
        if (h.status !== 200) findings.push({ tool: 'scan', kind: 'error', route: '-', param: '-', where: '-', role: '-', detail: 'server unhealthy after the scans' });
        await srv.stop();
        srv = null;
    } finally {
        if (srv) await srv.stop('SIGKILL', { expectCode: 137 }).catch(() => {});
        cluster.destroy();
    }

    const open = findings.filter((f) => !f.excluded);
    const waived = findings.filter((f) => f.excluded);
    fs.writeFileSync(path.join(OUT, 'findings.json'), JSON.stringify({ summary, findings }, null, 1));
    log('');
    log('scan summary');
    for (const l of summary) {
        log(`  ${l.role}: ${l.pages} pages, ${l.forms} forms` +
            (l.sqlmapTargets !== undefined ? `; sqlmap ${l.sqlmapTargets} targets, ${l.sqlmapParams} parameters, ${l.sqlmapTime}` : '') +
            (l.wapitiUrls !== undefined ? `; wapiti ${l.wapitiUrls} URLs, ${l.wapitiTime}${l.wapitiStoppedByLimit ? ' (stopped by its time limit)' : ''}` : ''));
    }
    for (const f of waived) log(`  excluded: ${f.tool} ${f.kind} ${f.where} ${f.param}: ${f.excluded}`);
    for (const r of rules.filter((x) => x.used === 0)) log(`  note: exclusion not used: ${r.tool} | ${r.kind} | ${r.route} | ${r.param}`);
    for (const f of open) log(`  FINDING (${f.role}): ${f.tool} ${f.kind} ${f.where} parameter ${f.param}: ${f.detail}`);
    log(`scan: ${open.length} findings, ${waived.length} excluded, in ${since(t0)}; reports in ${path.relative(ROOT, OUT)}/`);
    process.exitCode = open.length ? 1 : 0;
}

main().catch((err) => {
    console.error(`scan: ${err.stack || err}`);
    process.exitCode = 2;
});
