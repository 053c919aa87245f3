// client.mjs: a signed-in (or anonymous) HTTP client for integration tests:
// a cookie jar, the session's CSRF token sent with every POST, and helpers
// to create the first administrator and sign people in.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { DATA_KEY_ENV, request, ROOT, query } from './harness.mjs';

export const PASSWORD = 'quiet river morning light';

export class Client {
    constructor(srv) {
        this.srv = srv;
        this.cookies = new Map();
        this.csrf = null;
    }

    cookieHeader() {
        return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }

    remember(res) {
        let set = res.headers['set-cookie'] ?? [];
        if (!Array.isArray(set)) set = [set];
        for (const c of set) {
            const [pair, ...attrs] = c.split(';');
            const i = pair.indexOf('=');
            const name = pair.slice(0, i).trim();
            const value = pair.slice(i + 1).trim();
            if (value === '' || attrs.some((a) => /max-age=0/i.test(a))) this.cookies.delete(name);
            else this.cookies.set(name, value);
        }
        const m = /name="_csrf" value="([^"]+)"/.exec(res.body ?? '');
        if (m) this.csrf = m[1];
        if (/json/.test(res.headers['content-type'] ?? '')) {
            try {
                const j = JSON.parse(res.body);
                if (j && typeof j.csrf === 'string') this.csrf = j.csrf;
            } catch { /* not JSON */ }
        }
        return res;
    }

    async get(path, headers = {}) {
        const res = await request(`${this.srv.url}${path}`, { headers: { Cookie: this.cookieHeader(), ...headers } });
        return this.remember(res);
    }

    async getJson(path) {
        const res = await this.get(path.startsWith('/api/v1') ? path : `/api/v1${path}`);
        return { ...res, json: res.body ? JSON.parse(res.body) : null };
    }

    // POSTs a urlencoded form; the CSRF token is added unless csrf: false
    // (or another token is given as csrf: '...').
    async post(path, fields = {}, { csrf, headers = {} } = {}) {
        const body = new URLSearchParams();
        const token = csrf === undefined ? this.csrf : csrf;
        if (token) body.append('_csrf', token);
        for (const [k, v] of Object.entries(fields)) {
            if (Array.isArray(v)) for (const x of v) body.append(k, x);
            else body.append(k, v);
        }
        const res = await request(`${this.srv.url}${path}`, {
            method: 'POST',
            body: body.toString(),
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: this.cookieHeader(), ...headers },
        });
        return this.remember(res);
    }

    // POSTs JSON to /api/v1 with the X-CSRF-Token header.
    async postJson(path, obj = {}, { csrf } = {}) {
        const token = csrf === undefined ? this.csrf : csrf;
        const headers = { 'Content-Type': 'application/json', Cookie: this.cookieHeader() };
        if (token) headers['X-CSRF-Token'] = token;
        const res = await request(`${this.srv.url}/api/v1${path}`, { method: 'POST', body: JSON.stringify(obj), headers });
        this.remember(res);
        return { ...res, json: res.body ? JSON.parse(res.body) : null };
    }

    // Signs in through the login form; asserts it worked.
    async signIn(email, password = PASSWORD) {
        await this.get('/login');
        const res = await this.post('/login', { email, password });
        assert.equal(res.status, 303, `sign-in as ${email}: ${res.status} ${res.body.slice(0, 300)}`);
        await this.get('/account'); // picks up the new session's CSRF token
        return this;
    }
}

function cliEnv(srv) {
    return { ...process.env, ...DATA_KEY_ENV, DATABASE_URL: srv.dbUrl, INTERLUDE_COMMON_PASSWORDS: srv.env?.INTERLUDE_COMMON_PASSWORDS ?? 'data/common-passwords.txt' };
}

// Sets who must use two-step sign-in with `interlude policy --two-step
// WORD` (off | therapists | admins | both) on srv's database.
export function setTwoStepPolicy(srv, word) {
    return execFileSync(process.env.INTERLUDE_BIN, ['policy', '--two-step', word], {
        cwd: ROOT,
        env: cliEnv(srv),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
    });
}

// Creates an administrator with `interlude create-admin` on srv's database.
// A new installation requires two-step sign-in of admins and therapists
// (migrations/0012_two_step_policy.sql); most tests are about something
// else, so this also switches that requirement off, unless twoStep: true
// (the policy tests, two-step-policy.test.mjs, switch it back on).
export function createAdmin(srv, email = 'admin@example.org', password = PASSWORD, name = 'Ada Admin', { twoStep = false } = {}) {
    execFileSync(process.env.INTERLUDE_BIN, ['create-admin', '--email', email, '--name', name], {
        cwd: ROOT,
        input: `${password}\n`,
        env: cliEnv(srv),
        stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (!twoStep) setTwoStepPolicy(srv, 'off');
    return { email, password, name };
}

// Accepts an invitation link (path /invite/<token>) as a new person and
// returns their signed-in client.
export async function acceptInvite(srv, link, { name = 'New Person', password = PASSWORD } = {}) {
    const path = link.replace(/^https?:\/\/[^/]+/, '');
    const c = new Client(srv);
    const form = await c.get(path);
    assert.equal(form.status, 200, `invite page ${path}: ${form.status}`);
    const res = await c.post(path, { display_name: name, password, password_confirm: password });
    assert.equal(res.status, 303, `accepting ${path}: ${res.status} ${res.body.slice(0, 300)}`);
    await c.get('/account');
    return c;
}

// Makes a person the quick way: an invitation of `kind` (therapist or client)
// from `createdBy`, written straight into the database as if it had been
// sent, then accepted through the real form. email defaults to one made from
// the (random) token. Returns their signed-in client, with .id and .email.
let inviteSeq = 0;
export async function invitedPerson(srv, { kind, createdBy, name, email }) {
    inviteSeq += 1;
    const token = `${kind}-${inviteSeq}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    const address = email ?? `${token}@example.org`;
    const q = (sql) => query(srv, sql);
    q(`INSERT INTO invites (token_hash, kind, email, display_name, created_by, expires_at)
       VALUES (sha256('${token}'::bytea), '${kind}', '${address}', '${name}', ${createdBy}, now() + interval '1 day')`);
    const c = await acceptInvite(srv, `/invite/${token}`, { name });
    c.id = q(`SELECT id FROM users WHERE email = '${address}'`);
    c.email = address;
    return c;
}
