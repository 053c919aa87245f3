// schedule.test.mjs: homework repeating "every N days or weeks until a date"
// (a PHQ-9 every 2 weeks), over HTTP: the assign form proposes it for a
// measure; each occurrence is due on its day on the client's dashboard;
// answered, it waits for the next; missed ones do not pile up; the end;
// bad input (a message per field, values kept, nothing stored); editing;
// the rhythm shown on every page; and the bands behind every measure's
// chart, for the therapist and the client. Time is moved by shifting the
// assignment's dates (and its entries' submission times) back with psql.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, query } from '../lib/harness.mjs';
import { createAdmin, invitedPerson } from '../lib/client.mjs';

let srv;
const people = {};
const act = {};

const q = (sql) => query(srv, sql);

// The service's today (TIMEZONE is UTC in the tests), shifted by n days.
function day(n = 0) {
    return q(`SELECT to_char((now() AT TIME ZONE 'UTC')::date + ${n}, 'YYYY-MM-DD')`);
}

// "Mon 16 Mar" for day(n), plus the year when it is not this year's (as
// homework_date_label writes it).
function label(n) {
    const d = new Date(`${day(n)}T00:00:00Z`);
    const wd = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
    const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
    const year = d.getUTCFullYear() === Number(day(0).slice(0, 4)) ? '' : ` ${d.getUTCFullYear()}`;
    return `${wd} ${d.getUTCDate()} ${mon}${year}`;
}

const activityId = (slug) => q(`SELECT id FROM activities WHERE slug = '${slug}' AND source = 'library'`);
const keyOf = (body) => /name="idempotency_key" value="([^"]+)"/.exec(body)?.[1];
const titleOf = (body) => /<title>([^<]*)<\/title>/.exec(body)?.[1];
const phq = (v) => Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`phq9_${i + 1}`, String(v)]));

async function practise(c, assignmentId, answers) {
    const form = await c.get(`/homework/${assignmentId}/practice`);
    assert.equal(form.status, 200, form.body.slice(0, 300));
    const res = await c.post(`/homework/${assignmentId}/practice`, { ...answers, idempotency_key: keyOf(form.body), action: 'submit' });
    assert.equal(res.status, 303, res.body.slice(0, 500));
    return /^\/entries\/(\d+)\/submitted$/.exec(res.headers.location)[1];
}

// Assigns through the form; returns the new row's id.
async function assignOk(t, clientId, fields) {
    const res = await t.post('/assignments', { who: `client:${clientId}`, start_date: day(), ...fields });
    assert.equal(res.status, 303, res.body.slice(0, 800));
    const id = q(`SELECT max(id) FROM assignments WHERE client_id = ${clientId}`);
    assert.equal(res.headers.location, `/clients/${clientId}?done=assigned&assignment=${id}`);
    return id;
}

// Moves an assignment n days into the past: its dates and the submission
// times of its entries (the frozen-entry trigger is set aside for that, in
// one transaction).
function shiftBack(id, n) {
    q(`BEGIN;
       ALTER TABLE entries DISABLE TRIGGER entries_frozen;
       UPDATE entries SET submitted_at = submitted_at - interval '${n} days' WHERE assignment_id = ${id} AND status = 'submitted';
       ALTER TABLE entries ENABLE TRIGGER entries_frozen;
       UPDATE assignments SET start_date = start_date - ${n}, due_date = due_date - ${n} WHERE id = ${id};
       COMMIT;`);
}

// The client's dashboard as {group key: [cards]}, and the card of id.
async function dashboard(c) {
    const res = await c.getJson('/');
    assert.equal(res.status, 200);
    return Object.fromEntries(res.json.groups.map((g) => [g.key, g.items]));
}
async function card(c, id) {
    const groups = await dashboard(c);
    const found = Object.entries(groups).flatMap(([key, items]) => items.filter((i) => String(i.id) === String(id)).map((i) => ({ group: key, ...i })));
    assert.equal(found.length, 1, `one card for ${id}`);
    return found[0];
}

before(async () => {
    srv = await startServer();
    createAdmin(srv);
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    people.T = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Tess One' });
    people.T2 = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Theo Two' });
    people.C = await invitedPerson(srv, { kind: 'client', createdBy: people.T.id, name: 'Cleo' });
    for (const slug of ['phq-9', 'gad-7', 'who-5', 'pcl-5', 'daily-appreciations', 'eye-contact-connection']) act[slug] = activityId(slug);
});

after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

test('the assign form proposes repeating every 2 weeks for a measure, a rhythm for an exercise', async () => {
    const T = people.T;
    const pre = await T.get(`/assign?activity=${act['phq-9']}&who=client:${people.C.id}`);
    assert.equal(pre.status, 200);
    assert.match(pre.body, /id="field-schedule-repeat" name="schedule" type="radio" value="repeat" checked/);
    assert.match(pre.body, /name="repeat_every"[^>]*value="2"/);
    assert.match(pre.body, /<option value="weeks" selected>weeks<\/option>/);
    assert.match(pre.body, new RegExp(`name="repeat_until" type="date"[^>]*value="${day(84)}"`));
    assert.match(pre.body, /Mood questionnaire \(PHQ-9\) \(suggested: every 2 weeks\)/);
    assert.doesNotMatch(pre.body, /value="due" checked/);

    const ex = await T.get(`/assign?activity=${act['daily-appreciations']}&who=client:${people.C.id}`);
    assert.match(ex.body, /value="rhythm" checked/);
    assert.doesNotMatch(ex.body, /value="repeat" checked/);
    assert.match(ex.body, /name="repeat_every"[^>]*value="2"/, 'the repeat fields are filled in, ready if chosen');

    const j = await T.getJson(`/assign?activity=${act['phq-9']}&who=client:${people.C.id}`);
    assert.equal(j.json.fields.schedule.value, 'repeat');
    assert.equal(j.json.fields.repeat_unit.value, 'weeks');
});

test('every 2 weeks until a date: due on day 0, waits once answered, the next is due on its day, then it ends', async () => {
    const T = people.T, C = people.C;
    const res = await T.post('/assignments', {
        who: `client:${C.id}`, activity: act['phq-9'], start_date: day(), schedule: 'repeat',
        repeat_every: '2', repeat_unit: 'weeks', repeat_until: day(28),
        due_date: day(7), times_per_week: '9', weeks: '', // the other modes' fields are ignored
    });
    assert.equal(res.status, 303, res.body.slice(0, 800));
    const id = q(`SELECT max(id) FROM assignments WHERE client_id = ${C.id}`);
    assert.equal(q(`SELECT repeat_days || '|' || to_char(due_date, 'YYYY-MM-DD') || '|' || (times_per_week IS NULL AND weeks IS NULL) FROM assignments WHERE id = ${id}`),
        `14|${day(28)}|true`);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'assignment.created' AND object_id = ${id}`), '1');
    // The confirmation names the rhythm.
    const done = await T.get(res.headers.location);
    assert.match(done.body, new RegExp(`The homework was assigned: Mood questionnaire \\(PHQ-9\\), every 2 weeks from ${day()} until ${day(28)}\\. Due today\\.`));

    // Day 0: due today, in this week's list, three occurrences in all.
    let c = await card(C, id);
    assert.equal(c.group, 'this_week');
    assert.equal(c.status.state, 'active');
    assert.equal(c.status.label, 'Due today');
    assert.equal(c.status.expected, 3);
    assert.equal(c.action_href, `/homework/${id}/practice`);
    const dash = await C.get('/');
    assert.equal(titleOf(dash.body), 'Your homework · Interlude', 'a neutral title');
    const page = await C.get(`/homework/${id}`);
    assert.equal(page.status, 200);
    assert.match(page.body, new RegExp(`Every 2 weeks until ${label(28)} \\(3 in all\\)`));
    assert.doesNotMatch(titleOf(page.body), /PHQ|Mood|questionnaire/i, 'the measure is not named in the title');

    // Answered (twice the same day: one occurrence, counted once): it waits
    // for the next one, under "Coming up".
    await practise(C, id, phq(1));
    await practise(C, id, phq(2));
    c = await card(C, id);
    assert.equal(c.group, 'upcoming');
    assert.equal(c.status.state, 'upcoming');
    assert.equal(c.status.label, `Next on ${label(14)}`);
    assert.equal(c.status.next_day, day(14));
    assert.equal(c.status.done, 1);
    assert.equal(c.action_href, `/homework/${id}`);
    assert.equal(c.action_label, 'See your entries');
    let hw = await C.getJson(`/homework/${id}`);
    assert.equal(hw.json.done, 1);
    assert.equal(hw.json.status.label, `Next on ${label(14)}`);

    // Two weeks later: the second occurrence is due on its day.
    shiftBack(id, 14);
    c = await card(C, id);
    assert.equal(c.group, 'this_week');
    assert.equal(c.status.label, 'Due today · 1 of 2 so far');
    // Not answered by the next day: still the one open item, never overdue.
    shiftBack(id, 1);
    c = await card(C, id);
    assert.equal(c.status.state, 'active');
    assert.equal(c.status.label, `Due since ${label(-1)} · 1 of 2 so far`);
    await practise(C, id, phq(1));
    c = await card(C, id);
    assert.equal(c.status.label, `Next on ${label(13)} · 2 of 2 so far`);

    // The therapist's client page and the client's progress show the rhythm
    // and what was done.
    const start = day(-15);
    const tp = await T.getJson(`/clients/${C.id}`);
    const row = tp.json.current.find((a) => String(a.id) === id);
    assert.equal(row.schedule, `Every 2 weeks from ${start} until ${day(13)}`);
    assert.equal(row.completion, '2 / 3');
    assert.equal(row.repeat_days, 14);
    const mine = await C.getJson('/progress');
    assert.equal(mine.json.current.find((a) => String(a.id) === id).schedule, `Every 2 weeks from ${start} until ${day(13)}`);
    const html = await T.get(`/clients/${C.id}`);
    assert.match(html.body, new RegExp(`<td>Every 2 weeks from ${start} until ${day(13)}</td>`));

    // The last occurrence is due on the end date itself; missed, the
    // homework has ended with 2 of 3 the day after, and is nobody's overdue
    // item.
    shiftBack(id, 13);
    c = await card(C, id);
    assert.equal(c.group, 'this_week');
    assert.equal(c.status.label, 'Due today · 2 of 3 so far');
    shiftBack(id, 1);
    c = await card(C, id);
    assert.equal(c.group, 'done');
    assert.equal(c.status.state, 'ended');
    assert.equal(c.status.label, `Ended ${label(-1)} · 2 of 3 done`);
    const caseload = await T.getJson('/clients');
    assert.equal(caseload.json.caseload.find((r) => String(r.id) === String(C.id)).overdue, 0);
});

test('missed occurrences do not pile up: one item, the current one, and nothing overdue', async () => {
    const T = people.T;
    const c2 = await invitedPerson(srv, { kind: 'client', createdBy: T.id, name: 'Max' });
    // Started six weeks ago, every 2 weeks until in two weeks: the fourth
    // occurrence (of five) is today's; none was answered.
    const id = await assignOk(T, c2.id, { activity: act['gad-7'], start_date: day(-42), schedule: 'repeat', repeat_every: '14', repeat_unit: 'days', repeat_until: day(14) });
    assert.equal(q(`SELECT repeat_days FROM assignments WHERE id = ${id}`), '14');
    const groups = await dashboard(c2);
    assert.deepEqual(Object.keys(groups), ['this_week']);
    assert.equal(groups.this_week.length, 1);
    assert.equal(groups.this_week[0].status.label, 'Due today · 0 of 4 so far');
    assert.equal(groups.this_week[0].status.expected, 5);
    const row = (await T.getJson('/clients')).json.caseload.find((r) => String(r.id) === String(c2.id));
    assert.equal(row.overdue, 0);
    assert.equal(row.next_due, day());

    // Every day for a week, from yesterday: today's is due; answered, the
    // next is tomorrow.
    const daily = await assignOk(T, c2.id, { activity: act['who-5'], start_date: day(-1), schedule: 'repeat', repeat_every: '1', repeat_unit: 'days', repeat_until: day(5) });
    const who5 = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`who5_${i + 1}`, '3']));
    await practise(c2, daily, who5);
    const cd = await card(c2, daily);
    assert.equal(cd.status.label, `Next on ${label(1)} · 1 of 2 so far`);
    assert.match((await c2.get(`/homework/${daily}`)).body, new RegExp(`Every day until ${label(5)} \\(7 in all\\)`));
});

test('bad input: each invalid field named, what was typed kept, 422, nothing stored', async () => {
    const T = people.T;
    const count = () => q('SELECT count(*) FROM assignments');
    const before = count();
    const base = { who: `client:${people.C.id}`, activity: act['phq-9'], start_date: '2026-05-10', schedule: 'repeat' };
    const cases = [
        [{ repeat_every: '0', repeat_unit: 'weeks', repeat_until: '2026-08-01' }, 'repeat_every', 'Enter a whole number of weeks, from 1 to 13.'],
        [{ repeat_every: '14', repeat_unit: 'weeks', repeat_until: '2026-08-01' }, 'repeat_every', 'Enter a whole number of weeks, from 1 to 13.'],
        [{ repeat_every: '91', repeat_unit: 'days', repeat_until: '2026-08-01' }, 'repeat_every', 'Enter a whole number of days, from 1 to 90.'],
        [{ repeat_every: 'two', repeat_unit: 'days', repeat_until: '2026-08-01' }, 'repeat_every', 'Enter a whole number of days, from 1 to 90.'],
        [{ repeat_every: '', repeat_unit: 'weeks', repeat_until: '2026-08-01' }, 'repeat_every', 'Enter how often it repeats: every 1 to 13 weeks.'],
        [{ repeat_every: '2', repeat_unit: 'months', repeat_until: '2026-08-01' }, 'repeat_unit', 'Choose days or weeks from the list.'],
        [{ repeat_every: '2', repeat_unit: '', repeat_until: '2026-08-01' }, 'repeat_unit', 'Choose days or weeks.'],
        [{ repeat_every: '2', repeat_unit: 'weeks', repeat_until: '2026-05-10' }, 'repeat_until', 'The end date must be after the start date.'],
        [{ repeat_every: '2', repeat_unit: 'weeks', repeat_until: '2026-04-01' }, 'repeat_until', 'The end date must be after the start date.'],
        [{ repeat_every: '2', repeat_unit: 'weeks', repeat_until: '2028-05-11' }, 'repeat_until', 'Choose an end date at most two years after the start date.'],
        [{ repeat_every: '2', repeat_unit: 'weeks', repeat_until: '2026-02-30' }, 'repeat_until', 'Enter a date like 2026-03-14.'],
        [{ repeat_every: '2', repeat_unit: 'weeks', repeat_until: '' }, 'repeat_until', 'Enter the date it repeats until.'],
    ];
    for (const [fields, field, message] of cases) {
        const j = await T.postJson('/assignments', { ...base, ...fields });
        assert.equal(j.status, 422, `${JSON.stringify(fields)}: ${j.body.slice(0, 300)}`);
        assert.deepEqual(JSON.parse(j.body).error.fields, { [field]: message }, JSON.stringify(fields));
    }
    // All three wrong at once: three messages.
    let j = await T.postJson('/assignments', { ...base, repeat_every: '0', repeat_unit: 'years', repeat_until: 'soon' });
    assert.deepEqual(Object.keys(JSON.parse(j.body).error.fields).sort(), ['repeat_every', 'repeat_unit', 'repeat_until']);
    // Two modes at once without choosing (the API): refused on schedule.
    j = await T.postJson('/assignments', { who: base.who, activity: base.activity, start_date: day(), due_date: day(3), repeat_every: '2', repeat_unit: 'weeks', repeat_until: day(30) });
    assert.equal(j.status, 422);
    assert.match(JSON.parse(j.body).error.fields.schedule, /^Choose one:/);

    // The HTML form: the messages, the summary linking to the fields, and
    // every value as typed.
    const res = await T.post('/assignments', { ...base, repeat_every: '30', repeat_unit: 'weeks', repeat_until: '2026-05-01', note: 'kept' });
    assert.equal(res.status, 422);
    assert.match(res.body, /Enter a whole number of weeks, from 1 to 13\./);
    assert.match(res.body, /The end date must be after the start date\./);
    assert.match(res.body, /href="#field-repeat_every"/);
    assert.match(res.body, /href="#field-repeat_until"/);
    assert.match(res.body, /name="repeat_every"[^>]*value="30"[^>]*aria-invalid="true"/);
    assert.match(res.body, /name="repeat_until" type="date"[^>]*value="2026-05-01"/);
    assert.match(res.body, /value="repeat" checked/);
    assert.match(res.body, /<option value="weeks" selected>/);
    assert.match(res.body, />kept<\/textarea>/);
    const days = await T.post('/assignments', { ...base, repeat_every: '500', repeat_unit: 'days', repeat_until: '2026-06-01' });
    assert.match(days.body, /<option value="days" selected>days<\/option>/);
    assert.match(days.body, /name="repeat_every"[^>]*value="500"/);

    assert.equal(count(), before, 'nothing was stored');

    // Without "schedule", the repeating fields alone mean repeating.
    j = await T.postJson('/assignments', { who: base.who, activity: base.activity, start_date: day(), repeat_every: '3', repeat_unit: 'weeks', repeat_until: day(60) });
    assert.equal(j.status, 201, j.body);
    assert.equal(q(`SELECT repeat_days || '|' || to_char(due_date, 'YYYY-MM-DD') FROM assignments WHERE id = ${JSON.parse(j.body).id}`), `21|${day(60)}`);

    // The database keeps the modes apart too.
    const row = JSON.parse(j.body).id;
    for (const bad of ['times_per_week = 2, weeks = 2', 'due_date = NULL', 'repeat_days = 0', 'repeat_days = 92', 'due_date = start_date', 'due_date = start_date + 732']) {
        assert.throws(() => q(`UPDATE assignments SET ${bad} WHERE id = ${row}`), /assignments_repeat|violates check constraint/, bad);
    }
});

test('edit keeps a repeating schedule, changes it, and turns it into a due date and back', async () => {
    const T = people.T;
    const c3 = await invitedPerson(srv, { kind: 'client', createdBy: T.id, name: 'Noor' });
    const id = await assignOk(T, c3.id, { activity: act['phq-9'], schedule: 'repeat', repeat_every: '4', repeat_unit: 'weeks', repeat_until: day(56) });
    let form = await T.get(`/assignments/${id}/edit`);
    assert.equal(form.status, 200);
    assert.match(form.body, /value="repeat" checked/);
    assert.match(form.body, /name="repeat_every"[^>]*value="4"/);
    assert.match(form.body, /<option value="weeks" selected>/);
    assert.match(form.body, new RegExp(`name="repeat_until" type="date"[^>]*value="${day(56)}"`));
    assert.match(form.body, /name="due_date" type="date"[^>]*value=""/);

    // Saved as it is: nothing changes.
    let res = await T.post(`/assignments/${id}`, { start_date: day(), schedule: 'repeat', repeat_every: '4', repeat_unit: 'weeks', repeat_until: day(56), note: '' });
    assert.equal(res.status, 303, res.body.slice(0, 500));
    assert.equal(q(`SELECT repeat_days || '|' || to_char(due_date, 'YYYY-MM-DD') FROM assignments WHERE id = ${id}`), `28|${day(56)}`);
    assert.match((await T.get(res.headers.location)).body, new RegExp(`The homework was changed: Mood questionnaire \\(PHQ-9\\), every 4 weeks from ${day()} until ${day(56)}\\.`));

    // Every 10 days until later; shown again in days.
    res = await T.post(`/assignments/${id}`, { start_date: day(), schedule: 'repeat', repeat_every: '10', repeat_unit: 'days', repeat_until: day(70) });
    assert.equal(res.status, 303);
    assert.equal(q(`SELECT repeat_days || '|' || to_char(due_date, 'YYYY-MM-DD') FROM assignments WHERE id = ${id}`), `10|${day(70)}`);
    form = await T.get(`/assignments/${id}/edit`);
    assert.match(form.body, /name="repeat_every"[^>]*value="10"/);
    assert.match(form.body, /<option value="days" selected>/);

    // A bad change: 422, the message, nothing changed.
    res = await T.post(`/assignments/${id}`, { start_date: day(), schedule: 'repeat', repeat_every: '10', repeat_unit: 'days', repeat_until: day(-3) });
    assert.equal(res.status, 422);
    assert.match(res.body, /The end date must be after the start date\./);
    assert.equal(q(`SELECT repeat_days || '|' || to_char(due_date, 'YYYY-MM-DD') FROM assignments WHERE id = ${id}`), `10|${day(70)}`);

    // To a due date: the repetition is gone.
    res = await T.post(`/assignments/${id}`, { start_date: day(), schedule: 'due', due_date: day(5), repeat_every: '10', repeat_unit: 'days', repeat_until: day(70) });
    assert.equal(res.status, 303);
    assert.equal(q(`SELECT coalesce(repeat_days::text, 'none') || '|' || to_char(due_date, 'YYYY-MM-DD') FROM assignments WHERE id = ${id}`), `none|${day(5)}`);
    form = await T.get(`/assignments/${id}/edit`);
    assert.match(form.body, /value="due" checked/);
    assert.match(form.body, /name="repeat_every"[^>]*value="2"/, 'the repeat fields offer the usual every 2 weeks');

    // And a rhythm to repeating.
    const ex = await assignOk(T, c3.id, { activity: act['eye-contact-connection'], schedule: 'rhythm', times_per_week: '3', weeks: '2' });
    res = await T.post(`/assignments/${ex}`, { start_date: day(), schedule: 'repeat', repeat_every: '1', repeat_unit: 'weeks', repeat_until: day(21) });
    assert.equal(res.status, 303);
    assert.equal(q(`SELECT repeat_days || '|' || (times_per_week IS NULL AND weeks IS NULL) FROM assignments WHERE id = ${ex}`), '7|true');
    const dash = await card(c3, ex);
    assert.equal(dash.status.label, 'Due today');
    assert.equal(dash.status.expected, 4);

    // Someone else's: 404, unchanged.
    assert.equal((await people.T2.post(`/assignments/${ex}`, { start_date: day(), schedule: 'repeat', repeat_every: '2', repeat_unit: 'weeks', repeat_until: day(30) })).status, 404);
    assert.equal(q(`SELECT repeat_days FROM assignments WHERE id = ${ex}`), '7');
});

test('every measure chart draws its bands behind the line, for the therapist and for the client', async () => {
    const T = people.T;
    const c4 = await invitedPerson(srv, { kind: 'client', createdBy: T.id, name: 'Rae' });
    const answers = {
        'phq-9': phq(1),
        'gad-7': Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`gad7_${i + 1}`, '2'])),
        'who-5': Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`who5_${i + 1}`, '2'])),
        'pcl-5': Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`pcl5_${i + 1}`, '1'])),
    };
    const bands = { 'phq-9': 5, 'gad-7': 4, 'who-5': 3, 'pcl-5': 3 };
    for (const slug of Object.keys(answers)) {
        const id = await assignOk(T, c4.id, { activity: act[slug], schedule: 'repeat', repeat_every: '2', repeat_unit: 'weeks', repeat_until: day(28) });
        await practise(c4, id, answers[slug]);
    }
    const therapist = (await T.getJson(`/clients/${c4.id}`)).json.charts;
    const client = (await c4.getJson('/progress')).json.charts;
    for (const [side, charts] of [['therapist', therapist], ['client', client]]) {
        assert.equal(charts.length, 4, side);
        for (const slug of Object.keys(answers)) {
            const ch = charts.find((x) => x.id === `chart-measure-${act[slug]}`);
            assert.ok(ch, `${side}: a chart for ${slug}`);
            assert.equal(ch.has_bands, true, `${side} ${slug}`);
            assert.equal(ch.bands.length, bands[slug], `${side} ${slug}`);
            // Together the bands cover the whole axis, bottom to top.
            const top = Math.min(...ch.bands.map((b) => b.y));
            const bottom = Math.max(...ch.bands.map((b) => b.y + b.height));
            assert.ok(Math.abs(top - ch.plot.y1) < 0.2 && Math.abs(bottom - ch.plot.y2) < 0.2, `${side} ${slug}: bands span the plot`);
        }
    }
    // Drawn before (behind) the line, in both pages.
    for (const page of [await T.get(`/clients/${c4.id}`), await c4.get('/progress')]) {
        assert.equal((page.body.match(/<g class="chart-bands">/g) ?? []).length, 4);
        assert.equal((page.body.match(/<rect class="chart-band band-\d"/g) ?? []).length, 5 + 4 + 3 + 3);
        for (const svg of page.body.split('<svg ').slice(1)) {
            assert.ok(svg.indexOf('chart-bands') < svg.indexOf('chart-series'), 'bands come first, so the line is drawn over them');
        }
    }
});
