// quick-exit.test.mjs: what the quick exit and the sessions list rely on,
// against the real server: the sign-out the quick exit sends as a beacon
// (POST /api/v1/logout, urlencoded, the CSRF token in the body, no
// X-CSRF-Token header) ends the session, and only with the token; the
// sessions list on /account names browsers coarsely, never with the stored
// User-Agent string. The browser side (the draft first, then the sign-out)
// is tests/browser/draft-on-exit.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request, query } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson, PASSWORD } from '../lib/client.mjs';

let srv;
let therapistId;
before(async () => {
    srv = await startServer();
    createAdmin(srv);
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    const t = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Tove' });
    therapistId = t.id;
});
after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

const q = (sql) => query(srv, sql);

// What navigator.sendBeacon sends: a POST with the page's cookies and a
// urlencoded body, no custom headers.
function beacon(c, path, body) {
    return request(`${srv.url}${path}`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: c.cookieHeader() },
    });
}

test('the page carries the sign-out the quick exit sends, with the CSRF token', async () => {
    const c = await invitedPerson(srv, { kind: 'client', createdBy: therapistId, name: 'Cleo' });
    const page = await c.get('/');
    assert.equal(page.status, 200);
    const link = /<a class="quick-exit"[^>]*>/.exec(page.body)?.[0] ?? '';
    assert.match(link, /data-signout="\/api\/v1\/logout"/);
    assert.ok(c.csrf && link.includes(`data-csrf="${c.csrf}"`), 'the session\'s own token');
});

test('the quick exit\'s sign-out beacon ends the session, only with the token', async () => {
    const c = await invitedPerson(srv, { kind: 'client', createdBy: therapistId, name: 'Cora' });
    const sessions = () => q(`SELECT count(*) FROM sessions WHERE user_id = ${c.id}`);
    assert.equal(sessions(), '1');

    for (const body of ['', '_csrf=', '_csrf=not-the-token', `_csrf=${encodeURIComponent(c.csrf)}x`]) {
        const r = await beacon(c, '/api/v1/logout', body);
        assert.equal(r.status, 403, `body ${JSON.stringify(body)}: ${r.status}`);
        assert.equal(JSON.parse(r.body).error.code, 'csrf');
    }
    // Another session's token is no better.
    const other = await invitedPerson(srv, { kind: 'client', createdBy: therapistId, name: 'Otto' });
    assert.equal((await beacon(c, '/api/v1/logout', `_csrf=${encodeURIComponent(other.csrf)}`)).status, 403);
    assert.equal(sessions(), '1', 'still signed in');
    assert.equal((await c.get('/account')).status, 200);

    const r = await beacon(c, '/api/v1/logout', `_csrf=${encodeURIComponent(c.csrf)}`);
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse(r.body), { ok: true });
    assert.equal(sessions(), '0', 'the session row is gone');
    const after = await c.get('/account');
    assert.equal(after.status, 303);
    assert.equal(after.headers.location, '/login', 'whoever picks up the phone finds the sign-in page');
    assert.equal((await c.getJson('/api/v1/progress')).status, 401);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE actor_id = ${c.id} AND action = 'logout'`), '1');
    assert.equal(q(`SELECT count(*) FROM sessions WHERE user_id = ${other.id}`), '1', 'other people stay signed in');
});

test('the sessions list names each browser coarsely, never with its User-Agent string', async () => {
    const email = 'agents@example.org';
    const c = await invitedPerson(srv, { kind: 'client', createdBy: therapistId, name: 'Ana', email });
    const agents = {
        'Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0': 'Firefox on Android',
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1':
            'Safari on iPhone',
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36': 'Chrome on Windows',
        'evil <b>agent</b> "quoted" tracker-id-12345': 'Unknown browser',
    };
    for (const ua of Object.keys(agents)) {
        const s = new Client(srv);
        await s.get('/login', { 'User-Agent': ua });
        const r = await s.post('/login', { email, password: PASSWORD }, { headers: { 'User-Agent': ua } });
        assert.equal(r.status, 303);
    }
    const list = await c.getJson('/account');
    assert.equal(list.status, 200);
    const names = list.json.sessions.map((s) => s.agent);
    for (const name of Object.values(agents)) assert.ok(names.includes(name), `${name} in ${names}`);
    const html = (await c.get('/account')).body;
    for (const [ua, name] of Object.entries(agents)) {
        assert.ok(html.includes(`<td>${name}`), `${name} on the page`);
        assert.ok(!html.includes(ua) && !list.body.includes(ua.slice(0, 40)), 'the raw string never reaches the page');
    }
    assert.doesNotMatch(html, /tracker-id-12345|Gecko|KHTML/);
    // The raw string stays in the table only (to derive the name from).
    assert.equal(q(`SELECT count(*) FROM sessions WHERE user_id = ${c.id} AND user_agent LIKE 'evil%'`), '1');
});
