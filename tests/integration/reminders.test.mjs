// reminders.test.mjs: reminders a client asks for, through a real SMTP
// server (aiosmtpd writing a Maildir): the choice on /account (off by
// default, bad input answered per field), one reminder at the chosen hour
// of the client's own time zone and never twice a day, the quiet hours, none
// for finished or cancelled homework, one overdue nudge per assignment, the
// one-click stop link (RFC 8058) without a session, and discretion. Time is
// not waited for: each client gets a fixed-offset zone (Etc/GMT-N) in which
// now is the hour the test needs, and the housekeeping runs every second.
// (The therapist's digest: digest.test.mjs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, psql, request } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson } from '../lib/client.mjs';
import { startSmtp, FORBIDDEN } from '../lib/mail.mjs';

let srv, smtp, T;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const q = (sql) => psql(srv.dbUrl, sql).trim();

before(async () => {
    smtp = await startSmtp();
    srv = await startServer({
        env: { SMTP_URL: smtp.url, MAIL_FROM: 'Quiet Room <notes@example.org>', PRACTICE_NAME: 'Quiet Room', MAIL_RETRY_SECONDS: '1', HOUSEKEEPING_INTERVAL: '1' },
    });
    const admin = createAdmin(srv, `admin-${process.pid}@example.org`);
    const adminId = q(`SELECT id FROM users WHERE email = '${admin.email}'`);
    T = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Theo Therapist' });
});
after(async () => {
    await srv?.stop('SIGTERM').catch(() => {});
    await smtp?.stop();
});

// A fixed-offset zone in which the local hour is now `hour` (Etc/GMT-N is N
// hours east of UTC). In the last seconds of an hour it waits for the next,
// so that the hour does not change between choosing and sending.
async function zoneAt(hour) {
    let now = new Date();
    if (now.getUTCMinutes() === 59 && now.getUTCSeconds() >= 45) {
        await sleep((61 - now.getUTCSeconds()) * 1000);
        now = new Date();
    }
    for (let off = -12; off <= 14; off++) {
        if ((now.getUTCHours() + off + 48) % 24 === hour) return off >= 0 ? `Etc/GMT-${off}` : `Etc/GMT+${-off}`;
    }
    throw new Error(`no zone at ${hour}`);
}
// The client's local date in zone, shifted by n days (YYYY-MM-DD).
const localDay = (zone, n = 0) => q(`SELECT to_char((now() AT TIME ZONE '${zone}')::date + ${n}, 'YYYY-MM-DD')`);

// A client of T, with homework given straight in the database (the dates
// are what the scheduler reads).
async function client(name) {
    return invitedPerson(srv, { kind: 'client', createdBy: T.id, name });
}
function assign(c, { start, due, cancelled = false, slug = 'daily-appreciations' }) {
    return q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, due_date, cancelled_at)
              SELECT a.id, (SELECT max(v.id) FROM activity_versions v WHERE v.activity_id = a.id), ${T.id}, ${c.id},
                     '${start}', '${due}', ${cancelled ? 'now()' : 'NULL'}
              FROM activities a WHERE a.slug = '${slug}' AND a.source = 'library' RETURNING id`);
}
async function choose(c, fields) {
    const page = await c.get('/account');
    assert.equal(page.status, 200);
    const res = await c.post('/account/reminders', fields);
    assert.equal(res.status, 303, res.body.slice(0, 600));
    assert.equal(res.headers.location, '/account?done=reminders');
}
const ALL_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const mailsTo = (c) => smtp.messages().filter((m) => m.headers.to === `<${c.email}>`);
async function waitMail(c, n = 1, ms = 15000) {
    const until = Date.now() + ms;
    for (;;) {
        const m = mailsTo(c);
        if (m.length >= n) return m;
        if (Date.now() > until) throw new Error(`expected ${n} messages to ${c.email}, got ${m.length}`);
        await sleep(100);
    }
}
// Waits until the scheduler has handled the client's window (next_at moved
// into the future) and the sender has had time to send what it queued.
async function handled(c) {
    const until = Date.now() + 15000;
    while (q(`SELECT next_at > now() FROM reminder_prefs WHERE client_id = ${c.id}`) !== 't') {
        if (Date.now() > until) throw new Error('the scheduler did not run');
        await sleep(100);
    }
    await sleep(1500);
}

function assertDiscreet(msg, canaries) {
    const all = `${msg.subject}\n${msg.from}\n${msg.text}\n${msg.html}`.toLowerCase();
    for (const w of FORBIDDEN) assert.ok(!new RegExp(`\\b${w}`).test(all), `the word "${w}" in a reminder`);
    const titles = q('SELECT DISTINCT title FROM activity_versions').split('\n').filter(Boolean);
    assert.ok(titles.length > 10, 'the library is loaded');
    for (const t of titles) assert.ok(!all.includes(t.toLowerCase()), `the title "${t}" in a reminder`);
    for (const x of canaries) assert.ok(!all.includes(x.toLowerCase()), `"${x}" in a reminder`);
}

let stopLink; // from the first reminder, for the stop tests

test('the account page: reminders off by default; bad input gets a message per field with what was typed kept', async () => {
    const c = await client('Rita Ready');
    const page = await c.get('/account');
    assert.equal(page.status, 200);
    assert.match(page.body, /Reminders by e-mail/);
    assert.match(page.body, /name="reminders" value="off" checked/, 'off unless switched on');
    assert.equal(q(`SELECT count(*) FROM reminder_prefs WHERE client_id = ${c.id}`), '0');

    const bad = await c.post('/account/reminders', { reminders: 'days', hour: '25', time_zone: 'Mars/Olympus_Mons' });
    assert.equal(bad.status, 422);
    assert.match(bad.body, /id="days-error">Choose at least one day/);
    assert.match(bad.body, /id="hour-error">Choose an hour/);
    assert.match(bad.body, /id="time_zone-error">Enter a time zone/);
    assert.match(bad.body, /value="Mars\/Olympus_Mons"/, 'the typed zone is kept');
    assert.match(bad.body, /name="reminders" value="days" checked/, 'the typed choice is kept');

    const j = await c.postJson('/account/reminders', { reminders: 'sometimes', days: ['mon', 'someday'], hour: '9', time_zone: "UTC'; DROP TABLE users; --" });
    assert.equal(j.status, 422);
    const fields = j.json.error.fields ?? j.json.fields;
    assert.ok(fields.reminders && fields.days && fields.time_zone, JSON.stringify(j.json));
    assert.equal(q(`SELECT count(*) FROM reminder_prefs WHERE client_id = ${c.id}`), '0', 'nothing stored');

    await choose(c, { reminders: 'due', hour: '7', time_zone: 'America/New_York' });
    assert.equal(q(`SELECT mode || '|' || hour || '|' || time_zone || '|' || (next_at > now() - interval '1 hour') FROM reminder_prefs WHERE client_id = ${c.id}`), 'due|7|America/New_York|true');
    const again = await c.get('/account');
    assert.match(again.body, /name="reminders" value="due" checked/);
    assert.match(again.body, /value="America\/New_York"/);
    assert.match(again.body, /<option value="7" selected>07:00/);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'account.reminders_changed' AND actor_id = ${c.id}`), '1');
    const other = await T.post('/account/reminders', { reminders: 'off' });
    assert.equal(other.status, 403, 'a therapist has no reminders');
});

test('one reminder at the chosen hour of the client\'s zone, with the stop headers, discreet, and never twice a day', async () => {
    const zone = await zoneAt(12);
    const c = await client('Ulla Canaryname');
    assign(c, { start: localDay(zone, -3), due: localDay(zone, 3) });
    await choose(c, { reminders: 'days', 'days[]': ALL_DAYS, hour: '12', time_zone: zone });
    const [msg] = await waitMail(c);
    assert.equal(msg.subject, 'A note from Quiet Room');
    assert.equal(msg.headers['auto-submitted'], 'auto-generated');
    assert.match(msg.headers['list-unsubscribe'], /^<http:\/\/127\.0\.0\.1:\d+\/reminders\/stop\/[A-Za-z0-9_-]{43}>$/);
    assert.equal(msg.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
    assert.match(msg.text, /something for you to look at/);
    assert.match(msg.text, /\/login\r?\n/, 'a link to sign in');
    stopLink = /<([^>]+)>/.exec(msg.headers['list-unsubscribe'])[1];
    assert.ok(msg.text.includes(stopLink) && msg.html.includes(stopLink), 'the stop link in both parts');
    assertDiscreet(msg, ['Ulla', 'Canaryname', 'Theo']);
    assert.equal(q(`SELECT kind || '|' || (body_enc IS NULL) FROM outbox WHERE recipient = '${c.email}'`), 'reminder|true');

    // Another window the same local day (the choice saved again, a second
    // node, a clock jump): still one a day.
    q(`UPDATE reminder_prefs SET next_at = now() - interval '1 minute' WHERE client_id = ${c.id}`);
    await handled(c);
    assert.equal(mailsTo(c).length, 1, 'one reminder a day');
    assert.equal(q(`SELECT count(*) FROM reminders_sent WHERE client_id = ${c.id}`), '1');
    assert.ok(!srv.logs.join('\n').includes(stopLink.split('/').pop()), 'the stop token is never logged');
});

test('quiet hours: nothing between 21:00 and 08:00 local time, unless the client chose that hour', async () => {
    const zone = await zoneAt(22);
    const late = await client('Quinn Late');
    const day = await client('Dana Day');
    for (const c of [late, day]) assign(c, { start: localDay(zone, -2), due: localDay(zone, 4) });
    // Dana chose noon; her window is caught up at 22:00 (a node was down).
    await choose(day, { reminders: 'days', 'days[]': ALL_DAYS, hour: '12', time_zone: zone });
    q(`UPDATE reminder_prefs SET next_at = now() - interval '10 hours' WHERE client_id = ${day.id}`);
    await choose(late, { reminders: 'days', 'days[]': ALL_DAYS, hour: '22', time_zone: zone });
    await waitMail(late);
    await handled(day);
    assert.equal(mailsTo(day).length, 0, 'no mail at 22:00 for a client who chose noon');
    assert.equal(q(`SELECT count(*) FROM reminders_sent WHERE client_id = ${day.id}`), '0');
});

test('nothing for finished or cancelled homework, nor on a day not chosen', async () => {
    const zone = await zoneAt(15);
    const done = await client('Fin Ished');
    const id = assign(done, { start: localDay(zone, -2), due: localDay(zone, 2) });
    // Done: one practice submitted (the scheduler counts rows; it never
    // opens the sealed answers).
    q(`INSERT INTO entries (assignment_id, client_id, status, answers_enc, idempotency_key, submitted_at)
       VALUES (${id}, ${done.id}, 'submitted', '\\x00', 'reminders-test-${process.pid}', now())`);
    assign(done, { start: localDay(zone, -2), due: localDay(zone, 2), cancelled: true });
    await choose(done, { reminders: 'days', 'days[]': ALL_DAYS, hour: '15', time_zone: zone });

    const other = await client('Nora Notday');
    assign(other, { start: localDay(zone, -2), due: localDay(zone, 2) });
    const today = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][new Date(`${localDay(zone)}T12:00:00Z`).getUTCDay()];
    await choose(other, { reminders: 'days', 'days[]': ALL_DAYS.filter((d) => d !== today), hour: '15', time_zone: zone });
    q(`UPDATE reminder_prefs SET next_at = now() - interval '1 minute' WHERE client_id = ${other.id}`);

    await handled(done);
    await handled(other);
    assert.equal(mailsTo(done).length, 0, 'done and cancelled homework: no reminder');
    assert.equal(mailsTo(other).length, 0, 'a day not chosen: no reminder');
    assert.equal(q(`SELECT count(*) FROM reminders_sent WHERE client_id IN (${done.id}, ${other.id})`), '0');
});

test('one overdue nudge per assignment, and "only when something is due"', async () => {
    const zone = await zoneAt(10);
    const c = await client('Owen Overdue');
    const late = assign(c, { start: localDay(zone, -6), due: localDay(zone, -2) });
    assign(c, { start: localDay(zone, -1), due: localDay(zone, 5) }); // under way, not due today
    await choose(c, { reminders: 'due', hour: '10', time_zone: zone });
    const [msg] = await waitMail(c);
    assert.match(msg.text, /still waiting for you/);
    assert.equal(msg.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
    assertDiscreet(msg, ['Owen', 'Overdue']);
    assert.equal(q(`SELECT string_agg(assignment_id::text, ',') FROM overdue_nudges WHERE assignment_id IN (SELECT id FROM assignments WHERE client_id = ${c.id})`), late);

    // The next day: the nudge is not repeated, and nothing is due that day.
    q(`DELETE FROM reminders_sent WHERE client_id = ${c.id}; UPDATE reminder_prefs SET next_at = now() - interval '1 minute' WHERE client_id = ${c.id}`);
    await handled(c);
    assert.equal(mailsTo(c).length, 1, 'one nudge, ever');

    // Something due today (mode "due"): a reminder.
    assign(c, { start: localDay(zone, -3), due: localDay(zone, 0) });
    q(`DELETE FROM reminders_sent WHERE client_id = ${c.id}; UPDATE reminder_prefs SET next_at = now() - interval '1 minute' WHERE client_id = ${c.id}`);
    const two = await waitMail(c, 2);
    assert.match(two[1].text, /something for you to look at/);
});

test('the stop link: GET only asks, a one-click POST without a session stops them; a bad token stops nothing', async () => {
    assert.ok(stopLink, 'a reminder was received');
    const cid = q(`SELECT client_id FROM reminder_stops WHERE token_hash = sha256('${stopLink.split('/').pop()}'::bytea)`);
    const page = await request(stopLink);
    assert.equal(page.status, 200);
    assert.match(page.body, new RegExp(`<form method="post" action="/reminders/stop/${stopLink.split('/').pop()}">`));
    assert.equal(q(`SELECT mode FROM reminder_prefs WHERE client_id = ${cid}`), 'days', 'opening the link changes nothing');

    const bad = await request(stopLink.replace(/.{4}$/, 'AAAA'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    assert.equal(bad.status, 404);
    assert.equal(q(`SELECT mode FROM reminder_prefs WHERE client_id = ${cid}`), 'days', 'a bad token stops nothing');

    // As a mail provider does it: no cookie, no CSRF token.
    const res = await request(stopLink, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    assert.equal(res.status, 200, res.body.slice(0, 300));
    assert.match(res.body, /Reminders stopped/);
    assert.equal(q(`SELECT mode || '|' || (next_at IS NULL) FROM reminder_prefs WHERE client_id = ${cid}`), 'off|true');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'reminders.stopped' AND object_id = ${cid}`), '1');
    const again = await request(stopLink, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    assert.equal(again.status, 200, 'a second click answers the same');
});
