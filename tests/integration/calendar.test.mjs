// calendar.test.mjs: a client's calendar feed (/calendar/<token>.ics):
// made and stopped on /account, shown once and stored as a hash; valid
// iCalendar (checked line by line here and parsed by Debian's
// python3-icalendar); every event named by the client's neutral name and
// nothing else (no title, no therapist, no link); unknown, stopped and
// replaced links are 404.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { startServer, request, query } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson } from '../lib/client.mjs';

let srv;
let T;
let C;
const q = (sql) => query(srv, sql);

before(async () => {
    srv = await startServer();
    createAdmin(srv);
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    T = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Thea Calendarist' });
    C = await invitedPerson(srv, { kind: 'client', createdBy: T.id, name: 'Cleo Canary' });
});
after(async () => {
    await srv?.stop();
});

const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
const compact = (d) => d.replaceAll('-', '');

function assign(c, { start, due = null, times = null, weeks = null, every = null, cancelled = false, slug = 'daily-appreciations' }) {
    return q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, due_date, times_per_week, weeks, repeat_days, cancelled_at)
        SELECT a.id, (SELECT max(v.id) FROM activity_versions v WHERE v.activity_id = a.id), ${T.id}, ${c.id},
               '${start}', ${due ? `'${due}'` : 'NULL'}, ${times ?? 'NULL'}, ${weeks ?? 'NULL'}, ${every ?? 'NULL'}, ${cancelled ? 'now()' : 'NULL'}
        FROM activities a WHERE a.slug = '${slug}' AND a.source = 'library' RETURNING id`);
}

// RFC 5545 by hand: CRLF only, physical lines of at most 75 octets,
// folding with one space, balanced components, the required properties.
function checkIcs(body) {
    assert.ok(body.endsWith('\r\n'), 'ends with CRLF');
    assert.ok(!/[^\r]\n/.test(body), 'every line ends with CRLF');
    const physical = body.split('\r\n').slice(0, -1);
    for (const l of physical) assert.ok(Buffer.byteLength(l) <= 75, `a line of ${Buffer.byteLength(l)} octets: ${l}`);
    const lines = body.replace(/\r\n /g, '').split('\r\n').slice(0, -1);
    assert.equal(lines[0], 'BEGIN:VCALENDAR');
    assert.equal(lines.at(-1), 'END:VCALENDAR');
    assert.ok(lines.includes('VERSION:2.0') && lines.some((l) => l.startsWith('PRODID:')));
    const stack = [];
    const events = [];
    let ev = null;
    for (const l of lines) {
        if (l.startsWith('BEGIN:')) {
            stack.push(l.slice(6));
            if (l === 'BEGIN:VEVENT') ev = {};
        } else if (l.startsWith('END:')) {
            assert.equal(stack.pop(), l.slice(4), 'balanced');
            if (l === 'END:VEVENT') events.push(ev);
        } else if (ev) {
            const i = l.indexOf(':');
            ev[l.slice(0, i)] = l.slice(i + 1);
        }
    }
    assert.equal(stack.length, 0);
    for (const e of events) {
        for (const k of ['UID', 'DTSTAMP', 'DTSTART;VALUE=DATE', 'SUMMARY']) assert.ok(e[k], `an event without ${k}`);
        assert.match(e.DTSTAMP, /^\d{8}T\d{6}Z$/);
        assert.match(e['DTSTART;VALUE=DATE'], /^\d{8}$/);
    }
    assert.equal(new Set(events.map((e) => e.UID)).size, events.length, 'unique UIDs');
    // And a real parser.
    const py = spawnSync('/usr/bin/python3', ['-c', `
import sys, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
for e in cal.walk('VEVENT'):
    print(e.decoded('DTSTART').isoformat(), str(e.get('SUMMARY')))
`], { input: body, encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    return { events, parsed: py.stdout.trim().split('\n').filter(Boolean) };
}

test('a client makes a calendar link; the feed is valid iCalendar, named only as they chose', async () => {
    const acct = await C.get('/account');
    assert.equal(acct.status, 200);
    assert.match(acct.body, /id="calendar-title"/);
    assert.match(acct.body, /value="Me time"/, 'a neutral suggestion');
    // A therapist has no such section or route.
    assert.doesNotMatch((await T.get('/account')).body, /id="calendar-title"/);
    assert.equal((await T.post('/account/calendar', { event_name: 'Walk' })).status, 403);

    const due = assign(C, { start: day(-3), due: day(4) });
    assign(C, { start: day(-1), every: 7, due: day(20) });
    assign(C, { start: day(0), times: 3, weeks: 2 });
    assign(C, { start: day(-2), due: day(5), cancelled: true });
    const answered = assign(C, { start: day(-2), due: day(6) });
    q(`INSERT INTO entries (assignment_id, client_id, status, answers_enc, idempotency_key, submitted_at)
       VALUES (${answered}, ${C.id}, 'submitted', '\\x00', 'calendar-test-${process.pid}', now())`);

    const name = 'Walk; by the sea, slowly ☕ and then a long afternoon of reading';
    const long = await C.post('/account/calendar', { event_name: name });
    assert.equal(long.status, 422, 'over 40 characters');
    assert.match(long.body, /40 characters or fewer/);
    assert.match(long.body, /value="Walk; by the sea/, 'what was typed is kept');
    const telling = await C.post('/account/calendar', { event_name: 'Therapy homework' });
    assert.equal(telling.status, 422);
    assert.match(telling.body, /says nothing of what it is for/);
    assert.equal((await C.post('/account/calendar', { event_name: '' })).status, 422);
    assert.equal(q(`SELECT count(*) FROM calendar_feeds WHERE client_id = ${C.id}`), '0', 'nothing stored on a refusal');

    const made = await C.post('/account/calendar', { event_name: 'Walk; by the sea ☕' });
    assert.equal(made.status, 201, made.body.slice(0, 300));
    const link = /https?:\/\/[^"<\s]+\/calendar\/([A-Za-z0-9_-]{43})\.ics/.exec(made.body);
    assert.ok(link, 'the link is shown');
    assert.match(made.body, /href="webcal:\/\//);
    const token = link[1];
    const hash = crypto.createHash('sha256').update(token).digest('hex');
    assert.equal(q(`SELECT encode(token_hash, 'hex') FROM calendar_feeds WHERE client_id = ${C.id}`), hash, 'only the hash is stored');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'calendar.link_made' AND actor_id = ${C.id}`), '1');

    // No cookie, no session: the token is the credential.
    const feed = await request(`${srv.url}/calendar/${token}.ics`);
    assert.equal(feed.status, 200);
    assert.match(feed.headers['content-type'], /^text\/calendar; charset=utf-8/);
    const { events, parsed } = checkIcs(feed.body);
    // The due date not yet answered, the repeating schedule's occurrences
    // (days -1, 6, 13, 20), the two weeks of the rhythm; not the cancelled
    // one, not the answered one.
    const starts = events.map((e) => e['DTSTART;VALUE=DATE']).sort();
    assert.deepEqual(starts, [day(-1), day(0), day(4), day(6), day(7), day(13), day(20)].map(compact).sort());
    assert.ok(events.every((e) => e.SUMMARY === 'Walk\\; by the sea ☕'), 'every event is named as chosen, escaped');
    assert.equal(parsed.length, events.length);
    assert.ok(parsed.every((l) => l.endsWith(' Walk; by the sea ☕')), `parsed: ${parsed}`);
    assert.ok(events.some((e) => e.UID.startsWith(`${due}-`)));
    // Nothing else: no title of the exercise, no names, no link, no token.
    const titles = q("SELECT DISTINCT title FROM activity_versions WHERE title IS NOT NULL").split('\n').filter(Boolean);
    const text = feed.body.toLowerCase();
    for (const t of titles) assert.ok(!text.includes(t.toLowerCase()), `a title in the feed: ${t}`);
    for (const w of ['thea', 'calendarist', 'cleo', 'canary', 'http', token.toLowerCase()]) assert.ok(!text.includes(w), `"${w}" in the feed`);
    assert.notEqual(q(`SELECT last_read_at FROM calendar_feeds WHERE client_id = ${C.id}`), '', 'last read is recorded');
    assert.match((await C.get('/account')).body, /id="calendar-on"/);

    // A new link replaces the old one; stopping ends it; unknown is 404.
    const again = await C.post('/account/calendar', { event_name: 'Practice' });
    const token2 = /\/calendar\/([A-Za-z0-9_-]{43})\.ics/.exec(again.body)[1];
    assert.equal((await request(`${srv.url}/calendar/${token}.ics`)).status, 404, 'the old link stops');
    const feed2 = await request(`${srv.url}/calendar/${token2}.ics`);
    assert.equal(feed2.status, 200);
    assert.match(feed2.body, /SUMMARY:Practice\r\n/);
    assert.equal((await request(`${srv.url}/calendar/NoSuchToken0000000000000000000000000000000x.ics`)).status, 404);
    assert.equal((await request(`${srv.url}/calendar/${token2}`)).status, 404, 'the .ics is part of the address');
    const stop = await C.post('/account/calendar/stop', {});
    assert.equal(stop.status, 303);
    assert.equal((await request(`${srv.url}/calendar/${token2}.ics`)).status, 404, 'stopped');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'calendar.link_stopped' AND actor_id = ${C.id}`), '1');
});

test('a disabled account\'s feed is gone; an empty calendar is still valid', async () => {
    const D = await invitedPerson(srv, { kind: 'client', createdBy: T.id, name: 'Dora Empty' });
    const made = await D.post('/account/calendar', { event_name: 'Me time' });
    assert.equal(made.status, 201);
    const token = /\/calendar\/([A-Za-z0-9_-]{43})\.ics/.exec(made.body)[1];
    const feed = await request(`${srv.url}/calendar/${token}.ics`);
    assert.equal(feed.status, 200);
    const { events } = checkIcs(feed.body);
    assert.equal(events.length, 0);
    // 40 four-octet characters: folded lines, never a split character.
    const cups = '☕'.repeat(40);
    const wide = await D.post('/account/calendar', { event_name: cups });
    assert.equal(wide.status, 201);
    assign(D, { start: day(0), due: day(2) });
    const token3 = /\/calendar\/([A-Za-z0-9_-]{43})\.ics/.exec(wide.body)[1];
    const folded = await request(`${srv.url}/calendar/${token3}.ics`);
    assert.match(folded.body, /\r\n /, 'long lines are folded');
    const { parsed } = checkIcs(folded.body);
    assert.deepEqual(parsed, [`${day(2)} ${cups}`]);
    q(`UPDATE users SET disabled_at = now() WHERE id = ${D.id}`);
    assert.equal((await request(`${srv.url}/calendar/${token}.ics`)).status, 404);
});
