// reminders.test.mjs: reminders a client asks for, through a real SMTP
// server (aiosmtpd writing a Maildir): the choice on /account (off by
// default, bad input answered per field), one reminder at the chosen hour
// of the client's own time zone and never twice a day, with the stop
// headers, discreet; the one-click stop link (RFC 8058) without a session.
// (Quiet hours, finished and cancelled homework, the overdue nudge:
// reminders-schedule.test.mjs; the world: tests/lib/reminders.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, startServer } from '../lib/harness.mjs';
import { reminderWorld, ALL_DAYS } from '../lib/reminders.mjs';

const W = reminderWorld();
const { q, zoneAt, localDay, client, assign, choose, mailsTo, waitMail, handled, assertDiscreet } = W;

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

    const empty = await c.post('/account/reminders', { reminders: 'due', hour: '9', time_zone: '' });
    assert.equal(empty.status, 422);
    assert.match(empty.body, /id="time_zone-error">Enter a time zone/, 'reminders on need a time zone');

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
    const other = await W.T.post('/account/reminders', { reminders: 'off' });
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
    assert.ok(!W.srv.logs.join('\n').includes(stopLink.split('/').pop()), 'the stop token is never logged');
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

test('two nodes on one database: every reminder once', async () => {
    const other = await startServer({
        dbUrl: W.srv.dbUrl,
        env: { SMTP_URL: W.smtp.url, MAIL_FROM: 'Quiet Room <notes@example.org>', PRACTICE_NAME: 'Quiet Room', MAIL_RETRY_SECONDS: '1', HOUSEKEEPING_INTERVAL: '1' },
    });
    try {
        const zone = await zoneAt(16);
        // Clients who never sign in: made straight in the database, with a
        // window that is open now (the choice itself: the tests above).
        const people = [];
        for (let i = 0; i < 6; i++) {
            const email = `twin-${i}-${process.pid}@example.org`;
            const id = q(`INSERT INTO users (email, display_name, role, password_hash) VALUES ('${email}', 'Twin ${i}', 'client', 'x') RETURNING id`);
            const c = { id, email };
            assign(c, { start: localDay(zone, -1), due: localDay(zone, 2) });
            people.push(c);
        }
        q(`INSERT INTO reminder_prefs (client_id, mode, weekdays, hour, time_zone, next_at)
           SELECT id, 'days', 127, 16, '${zone}', now() - interval '1 minute' FROM users WHERE email LIKE 'twin-%-${process.pid}@example.org'`);
        for (const c of people) await waitMail(c);
        await handled(people[people.length - 1]); // and a second for late duplicates
        for (const c of people) {
            assert.equal(mailsTo(c).length, 1, `one reminder for ${c.email}`);
            assert.equal(q(`SELECT count(*) FROM outbox WHERE recipient = '${c.email}'`), '1');
            assert.equal(q(`SELECT count(*) FROM reminders_sent WHERE client_id = ${c.id}`), '1');
        }
    } finally {
        await other.stop('SIGTERM');
    }
});
