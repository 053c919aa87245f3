// reminders-schedule.test.mjs: when the scheduler sends a reminder and when
// it does not: the quiet hours (21:00-08:00 local time unless chosen),
// nothing for finished or cancelled homework nor on a day not chosen, one
// overdue nudge per assignment and "only when something is due". (The
// choice, the headers and the stop link: reminders.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reminderWorld, ALL_DAYS } from '../lib/reminders.mjs';

const W = reminderWorld();
const { q, zoneAt, localDay, client, assign, choose, mailsTo, waitMail, handled, assertDiscreet } = W;

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
