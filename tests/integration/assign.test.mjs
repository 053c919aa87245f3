// assign.test.mjs: the therapist's side of homework: assigning (to a client,
// to a couple), validation with a message per field, editing and
// cancelling, the caseload that puts clients needing attention first, the
// client page's record and progress charts, the client's own /progress,
// the audit of reading entries, and the note encrypted at rest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, query } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson } from '../lib/client.mjs';

let srv;
const people = {};
const act = {};
const NOTE = 'Kq9noteCanaryJuniper';

const q = (sql) => query(srv, sql);

function invitedAs(kind, createdBy, name) {
    return invitedPerson(srv, { kind, createdBy, name });
}

// The service's today (TIMEZONE is UTC in the tests), shifted by n days.
function day(n = 0) {
    return q(`SELECT to_char((now() AT TIME ZONE 'UTC')::date + ${n}, 'YYYY-MM-DD')`);
}

const activityId = (slug) => q(`SELECT id FROM activities WHERE slug = '${slug}' AND source = 'library'`);
const latestVersion = (id) => q(`SELECT version_id FROM activity_latest WHERE id = ${id}`);
const keyOf = (body) => /name="idempotency_key" value="([^"]+)"/.exec(body)?.[1];

async function assign(t, fields) {
    return t.post('/assignments', fields);
}

// Assigns and returns the new row's id (the newest of the client's rows).
async function assignOk(t, clientId, fields) {
    const res = await assign(t, { who: `client:${clientId}`, start_date: day(), ...fields });
    assert.equal(res.status, 303, res.body.slice(0, 800));
    return q(`SELECT max(id) FROM assignments WHERE client_id = ${clientId}`);
}

// Submits one entry through the client's own practice form.
async function practise(c, assignmentId, answers) {
    const form = await c.get(`/homework/${assignmentId}/practice`);
    assert.equal(form.status, 200, form.body.slice(0, 300));
    const res = await c.post(`/homework/${assignmentId}/practice`, { ...answers, idempotency_key: keyOf(form.body), action: 'submit' });
    assert.equal(res.status, 303, res.body.slice(0, 500));
    return /^\/entries\/(\d+)\/submitted$/.exec(res.headers.location)[1];
}

before(async () => {
    srv = await startServer();
    createAdmin(srv);
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    people.T1 = await invitedAs('therapist', adminId, 'Tess One');
    people.T2 = await invitedAs('therapist', adminId, 'Theo Two');
    people.A = await invitedAs('client', people.T1.id, 'Alex');
    people.A2 = await invitedAs('client', people.T1.id, 'Sam');
    people.B = await invitedAs('client', people.T2.id, 'Blair');
    act.daily = activityId('daily-appreciations');
    act.eye = activityId('eye-contact-connection');
    act.phq = activityId('phq-9');
    act.balance = activityId('balance-check');
    // A custom exercise of T2's: T1 may not see it, let alone assign it.
    act.custom = q(`INSERT INTO activities (kind, source, slug, owner_id) VALUES ('exercise', 'custom', 'custom-t2-private', ${people.T2.id}) RETURNING id`);
    q(`INSERT INTO activity_versions (activity_id, version, content, content_hash, title, created_by)
       SELECT ${act.custom}, 1, content, 'x', 'T2 private', ${people.T2.id} FROM activity_versions WHERE activity_id = ${act.eye}`);
});

after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

test('the assign form: from the client page and from a library item', async () => {
    const T1 = people.T1;
    const page = await T1.get(`/clients/${people.A.id}`);
    assert.equal(page.status, 200);
    assert.match(page.body, new RegExp(`href="/assign\\?client=${people.A.id}"`));

    const form = await T1.get(`/assign?client=${people.A.id}`);
    assert.equal(form.status, 200);
    assert.match(form.body, new RegExp(`<option value="client:${people.A.id}" selected>Alex</option>`));
    assert.match(form.body, /<optgroup label="Exercises">/);
    assert.match(form.body, /<optgroup label="Questionnaires">/);
    assert.doesNotMatch(form.body, /T2 private/, "another therapist's own activity is not offered");
    assert.match(form.body, new RegExp(`name="start_date" type="date"[^>]*value="${day()}"`));

    // From the library item: the activity is chosen and its rhythm proposed.
    const item = await T1.get(`/library/${act.daily}`);
    assert.match(item.body, /<form method="get" action="\/assign">/);
    assert.match(item.body, new RegExp(`<option value="client:${people.A.id}">Alex</option>`));
    const pre = await T1.get(`/assign?activity=${act.daily}&who=client:${people.A.id}`);
    assert.equal(pre.status, 200);
    assert.match(pre.body, new RegExp(`<option value="${act.daily}" selected>`));
    assert.match(pre.body, /name="times_per_week"[^>]*value="7"/);
    assert.match(pre.body, /name="weeks"[^>]*value="3"/);
    assert.match(pre.body, /value="rhythm" checked/);

    // The JSON twin carries data, never HTML.
    const j = await T1.getJson(`/assign?client=${people.A.id}`);
    assert.equal(j.status, 200);
    assert.doesNotMatch(j.body, /<[a-z/]/i);

    // Not mine: 404, as for an id that does not exist.
    assert.equal((await T1.get(`/assign?client=${people.B.id}`)).status, 404);
    assert.equal((await T1.get(`/assign?activity=${act.custom}`)).status, 404);
    assert.equal((await T1.get('/assign?who=client:abc')).status, 404);
});

test('assign with a rhythm: the latest version, the dates, the note encrypted, audited', async () => {
    const T1 = people.T1;
    const res = await assign(T1, {
        who: `client:${people.A.id}`, activity: act.daily, start_date: day(1), schedule: 'rhythm',
        times_per_week: '5', weeks: '2', note: `Go gently. ${NOTE}`,
    });
    assert.equal(res.status, 303, res.body.slice(0, 800));
    const id = q(`SELECT max(id) FROM assignments WHERE client_id = ${people.A.id}`);
    assert.equal(res.headers.location, `/clients/${people.A.id}?done=assigned&assignment=${id}`);
    // The confirmation says what was given, on which schedule.
    const done = await T1.get(res.headers.location);
    assert.match(done.body, new RegExp(`The homework was assigned: Daily appreciations, 5 times a week for 2 weeks, from ${day(1)}\\. Starts `));
    const row = q(`SELECT activity_id, version_id, therapist_id, to_char(start_date, 'YYYY-MM-DD'), due_date IS NULL,
                          times_per_week, weeks, couple_id IS NULL, partner_assignment_id IS NULL, note_enc IS NOT NULL
                   FROM assignments WHERE id = ${id}`);
    assert.equal(row, [act.daily, latestVersion(act.daily), people.T1.id, day(1), 't', 5, 2, 't', 't', 't'].join('|'));
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'assignment.created' AND object_id = ${id} AND subject_id = ${people.A.id} AND actor_id = ${people.T1.id}`), '1');

    // Rhythm fields left empty: the activity's suggested rhythm (7 x 3).
    const sug = await assignOk(T1, people.A.id, { activity: act.daily, schedule: 'rhythm', times_per_week: '', weeks: '' });
    assert.equal(q(`SELECT times_per_week || 'x' || weeks FROM assignments WHERE id = ${sug}`), '7x3');
    // A due date instead.
    const due = await assignOk(T1, people.A.id, { activity: act.phq, schedule: 'due', due_date: day(7) });
    assert.equal(q(`SELECT to_char(due_date, 'YYYY-MM-DD') || times_per_week IS NULL FROM assignments WHERE id = ${due}`), 't');
    assert.equal(q(`SELECT to_char(due_date, 'YYYY-MM-DD') FROM assignments WHERE id = ${due}`), day(7));

    // The client sees it; the note is theirs to read.
    const dash = await people.A.get('/');
    assert.match(dash.body, /Daily appreciations/);

    // The therapist's client page lists it with its completion.
    const page = await T1.getJson(`/clients/${people.A.id}`);
    const mine = page.json.current.find((a) => String(a.id) === id);
    assert.ok(mine, 'listed as current');
    assert.equal(mine.completion, '0 / 10');
    assert.equal(mine.can_change, true);

    // The note is nowhere in clear: not in the database, not in the logs.
    const dump = execFileSync('pg_dump', ['--no-owner', '-d', srv.dbUrl], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    assert.ok(dump.includes('COPY public.assignments'));
    assert.ok(!dump.includes(NOTE), 'the note is not in the dump');
    assert.ok(!srv.logs.some((l) => l.includes(NOTE)));
    // ...but the edit form opens it for its therapist.
    const edit = await T1.get(`/assignments/${id}/edit`);
    assert.equal(edit.status, 200);
    assert.match(edit.body, new RegExp(`>Go gently\\. ${NOTE}</textarea>`));
});

test('to a couple: two rows pointing at each other, one transaction, each note sealed for its partner', async () => {
    const T1 = people.T1;
    const made = await T1.post('/couples', { partner_a: people.A.id, partner_b: people.A2.id });
    assert.equal(made.status, 303);
    const couple = q(`SELECT id FROM couples WHERE partner_a = ${Math.min(people.A.id, people.A2.id)} AND partner_b = ${Math.max(people.A.id, people.A2.id)}`);
    const before = Number(q('SELECT count(*) FROM assignments'));
    const res = await assign(T1, { who: `couple:${couple}`, activity: act.balance, start_date: day(), schedule: 'due', due_date: day(5), note: `Both ${NOTE}` });
    assert.equal(res.status, 303, res.body.slice(0, 800));
    assert.match(res.headers.location, new RegExp(`^/clients/${Math.min(people.A.id, people.A2.id)}\\?done=assigned&assignment=\\d+$`));
    assert.equal(Number(q('SELECT count(*) FROM assignments')), before + 2);
    const rows = q(`SELECT a.id, a.client_id, a.partner_assignment_id, a.couple_id, a.version_id, encode(a.note_enc, 'hex')
                    FROM assignments a WHERE a.activity_id = ${act.balance} ORDER BY a.id`).split('\n').map((l) => l.split('|'));
    assert.equal(rows.length, 2);
    const [x, y] = rows;
    assert.equal(x[2], y[0], 'the first points at the second');
    assert.equal(y[2], x[0], 'the second points back');
    assert.equal(x[3], couple);
    assert.equal(y[3], couple);
    assert.deepEqual(new Set([x[1], y[1]]), new Set([people.A.id, people.A2.id]));
    assert.equal(x[4], y[4], 'the same version for both');
    assert.notEqual(x[5], y[5], 'each note sealed on its own');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'assignment.created' AND object_id IN (${x[0]}, ${y[0]})`), '2');
    // Each partner sees their own copy.
    assert.match((await people.A.get('/')).body, /Balance check/i);
    assert.match((await people.A2.get('/')).body, /Balance check/i);
    act.coupleRows = [x[0], y[0]];
});

test('bad input: a message per field, what was typed kept; not mine: 404; nothing stored', async () => {
    const T1 = people.T1;
    const count = () => q('SELECT count(*) FROM assignments');
    const before = count();
    const base = { who: `client:${people.A.id}`, activity: act.daily };

    // The due date before the start.
    let res = await assign(T1, { ...base, start_date: '2026-05-10', schedule: 'due', due_date: '2026-05-01', note: 'kept <as> typed' });
    assert.equal(res.status, 422);
    assert.match(res.body, /The due date cannot be before the start date\./);
    assert.match(res.body, /href="#field-due_date"/, 'the summary links to the field');
    assert.match(res.body, /name="due_date" type="date"[^>]*value="2026-05-01"/);
    assert.match(res.body, /name="start_date" type="date"[^>]*value="2026-05-10"/);
    assert.match(res.body, />kept &lt;as&gt; typed<\/textarea>/);
    assert.match(res.body, new RegExp(`<option value="${act.daily}" selected>`));
    assert.match(res.body, new RegExp(`<option value="client:${people.A.id}" selected>`));

    // A rhythm of 0 times a week.
    res = await assign(T1, { ...base, start_date: day(), schedule: 'rhythm', times_per_week: '0', weeks: '60' });
    assert.equal(res.status, 422);
    assert.match(res.body, /Enter a whole number of times a week, from 1 to 14\./);
    assert.match(res.body, /Enter a whole number of weeks, from 1 to 52\./);
    assert.match(res.body, /name="times_per_week"[^>]*value="0"/);
    assert.match(res.body, /value="rhythm" checked/);

    // Neither a due date nor a rhythm (the API, without the radio button).
    let j = await T1.postJson('/assignments', { ...base, start_date: day() });
    assert.equal(j.status, 422);
    assert.match(JSON.parse(j.body).error.fields.schedule, /Choose a due date, a rhythm .* or repeating/);
    // Both at once.
    j = await T1.postJson('/assignments', { ...base, start_date: day(), due_date: day(3), times_per_week: '2', weeks: '2' });
    assert.equal(j.status, 422);
    assert.match(JSON.parse(j.body).error.fields.schedule, /Choose one: a due date, a rhythm, or repeating until a date/);
    // Missing and malformed fields, each with its own message.
    j = await T1.postJson('/assignments', { start_date: '2026-02-30', schedule: 'due', due_date: '' });
    assert.equal(j.status, 422);
    const f = JSON.parse(j.body).error.fields;
    assert.equal(f.who, 'Choose a client or a couple.');
    assert.equal(f.activity, 'Choose an activity.');
    assert.equal(f.start_date, 'Enter a date like 2026-03-14.');
    assert.equal(f.due_date, 'Enter the due date.');
    // A note that is too long.
    j = await T1.postJson('/assignments', { ...base, start_date: day(), schedule: 'due', due_date: day(1), note: 'x'.repeat(2001) });
    assert.equal(j.status, 422);
    assert.match(JSON.parse(j.body).error.fields.note, /2,000/);

    // Someone else's client, someone else's couple or custom activity: 404,
    // even when other fields are wrong too.
    assert.equal((await assign(T1, { ...base, who: `client:${people.B.id}`, start_date: day(), schedule: 'due', due_date: day(2) })).status, 404);
    assert.equal((await assign(T1, { ...base, who: `client:${people.B.id}`, start_date: 'nope' })).status, 404);
    assert.equal((await assign(T1, { ...base, activity: act.custom, start_date: day(), schedule: 'due', due_date: day(2) })).status, 404);
    assert.equal((await assign(T1, { ...base, who: 'couple:999999', start_date: day(), schedule: 'due', due_date: day(2) })).status, 404);
    assert.equal((await assign(people.T2, { ...base, who: `client:${people.A.id}`, start_date: day(), schedule: 'due', due_date: day(2) })).status, 404);
    assert.equal(count(), before, 'nothing was stored');
});

test('edit keeps the version; a new version of the activity changes no assignment; others get 404', async () => {
    const T1 = people.T1;
    const id = await assignOk(T1, people.A.id, { activity: act.eye, schedule: 'rhythm', times_per_week: '3', weeks: '2', note: 'first' });
    const v1 = q(`SELECT version_id FROM assignments WHERE id = ${id}`);
    assert.equal(v1, latestVersion(act.eye));

    // The library gets a new version of this activity.
    q(`INSERT INTO activity_versions (activity_id, version, content, content_hash, title)
       SELECT activity_id, version + 1, content || '{"title": "Eye contact, revised"}', 'rev', 'Eye contact, revised'
       FROM activity_versions WHERE id = ${v1}`);
    const v2 = latestVersion(act.eye);
    assert.notEqual(v2, v1);
    assert.equal(q(`SELECT version_id FROM assignments WHERE id = ${id}`), v1, 'the assignment keeps its version');

    // Editing: dates, schedule and note change; the version does not.
    const form = await T1.get(`/assignments/${id}/edit`);
    assert.equal(form.status, 200);
    assert.match(form.body, /version \d+, kept/);
    let res = await T1.post(`/assignments/${id}`, { start_date: day(2), schedule: 'due', due_date: day(1), note: 'second' });
    assert.equal(res.status, 422, 'the due date before the start');
    assert.match(res.body, /The due date cannot be before the start date\./);
    assert.match(res.body, />second<\/textarea>/);
    res = await T1.post(`/assignments/${id}`, { start_date: day(2), schedule: 'due', due_date: day(9), note: 'second' });
    assert.equal(res.status, 303, res.body.slice(0, 500));
    assert.equal(res.headers.location, `/clients/${people.A.id}?done=changed&assignment=${id}`);
    assert.equal(q(`SELECT version_id || '|' || to_char(start_date, 'YYYY-MM-DD') || '|' || to_char(due_date, 'YYYY-MM-DD') || '|' || (times_per_week IS NULL) FROM assignments WHERE id = ${id}`),
        `${v1}|${day(2)}|${day(9)}|true`);
    assert.match((await T1.get(`/assignments/${id}/edit`)).body, />second<\/textarea>/);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'assignment.updated' AND object_id = ${id}`), '1');

    // A new assignment of it gets the new version.
    const fresh = await assignOk(T1, people.A.id, { activity: act.eye, schedule: 'due', due_date: day(3) });
    assert.equal(q(`SELECT version_id FROM assignments WHERE id = ${fresh}`), v2);

    // A couple's rows change together, each note readable by its own partner.
    const [x, y] = act.coupleRows;
    res = await T1.post(`/assignments/${y}`, { start_date: day(), schedule: 'rhythm', times_per_week: '2', weeks: '4', note: 'together' });
    assert.equal(res.status, 303, res.body.slice(0, 500));
    assert.equal(q(`SELECT string_agg(times_per_week || 'x' || weeks || (due_date IS NULL), ',') FROM assignments WHERE id IN (${x}, ${y})`), '2x4true,2x4true');
    assert.match((await T1.get(`/assignments/${x}/edit`)).body, />together<\/textarea>/);

    // Someone else: 404 for every one of these.
    const T2 = people.T2;
    assert.equal((await T2.get(`/assignments/${id}/edit`)).status, 404);
    assert.equal((await T2.post(`/assignments/${id}`, { start_date: day(), schedule: 'due', due_date: day(1) })).status, 404);
    assert.equal((await T2.post(`/assignments/${id}/cancel`)).status, 404);
    assert.equal((await T1.get('/assignments/999999/edit')).status, 404);
    assert.equal(q(`SELECT cancelled_at IS NULL FROM assignments WHERE id = ${id}`), 't');
});

test('cancel: both rows of a couple; gone from the client dashboard; entries stay', async () => {
    const T1 = people.T1;
    const [x, y] = act.coupleRows;
    const mine = q(`SELECT id FROM assignments WHERE id IN (${x}, ${y}) AND client_id = ${people.A.id}`);
    const entry = await practise(people.A, mine, { equality: '6', agreed_change: 'More walks' });
    const res = await T1.post(`/assignments/${x}/cancel`);
    assert.equal(res.status, 303);
    assert.match(res.headers.location, /\?done=cancelled$/);
    assert.equal(q(`SELECT count(*) FROM assignments WHERE id IN (${x}, ${y}) AND cancelled_at IS NOT NULL`), '2');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'assignment.cancelled' AND object_id IN (${x}, ${y})`), '2');
    // Twice is harmless.
    assert.equal((await T1.post(`/assignments/${x}/cancel`)).status, 303);
    // The clients no longer list it.
    const dash = await people.A.getJson('/');
    assert.equal(dash.status, 200);
    assert.ok(!JSON.stringify(dash.json).includes('Balance check'), 'not on the dashboard');
    assert.doesNotMatch((await people.A2.get('/')).body, /Balance check/i);
    assert.ok(!(await people.A.getJson('/progress')).json.current.some((a) => /Balance check/i.test(a.title)));
    // The entry stays, and the therapist still sees it with the cancelled homework.
    assert.equal(q(`SELECT status FROM entries WHERE id = ${entry}`), 'submitted');
    const page = await T1.getJson(`/clients/${people.A.id}`);
    assert.ok(page.json.timeline.some((e) => e.id === entry));
    const past = page.json.past.find((a) => String(a.id) === mine);
    assert.equal(past.status.state, 'cancelled');
    assert.equal(past.can_change, false);
    assert.equal((await T1.get(`/assignments/${x}/edit`)).status, 404, 'a cancelled one is not edited');
});

test('the caseload: clients needing attention first, with the unread count', async () => {
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    const T3 = await invitedAs('therapist', adminId, 'Tara Three');
    const aaron = await invitedAs('client', T3.id, 'Aaron');
    const mia = await invitedAs('client', T3.id, 'Mia');
    const zed = await invitedAs('client', T3.id, 'Zed');
    // Mia: homework whose due date has passed, not done.
    await assignOk(T3, mia.id, { activity: act.eye, start_date: day(-10), schedule: 'due', due_date: day(-2) });
    // Zed: two submissions not yet read; Aaron: homework, nothing due.
    const z = await assignOk(T3, zed.id, { activity: act.daily, schedule: 'rhythm', times_per_week: '3', weeks: '2' });
    await practise(zed, z, { shared: 'both', warmth: '5' });
    await practise(zed, z, { shared: 'me', warmth: '6' });
    await assignOk(T3, aaron.id, { activity: act.eye, schedule: 'due', due_date: day(4) });

    const list = await T3.getJson('/clients');
    assert.equal(list.status, 200);
    const rows = list.json.caseload;
    assert.deepEqual(rows.map((r) => r.display_name), ['Zed', 'Mia', 'Aaron']);
    assert.deepEqual(rows.map((r) => r.unread), [2, 0, 0]);
    assert.deepEqual(rows.map((r) => r.overdue), [0, 1, 0]);
    assert.deepEqual(rows.map((r) => r.needs_attention), [true, true, false]);
    assert.equal(rows[2].next_due, day(4));
    assert.match(rows[0].last_activity, new RegExp(`^${day()} `));
    assert.equal(rows[2].last_activity, '');
    assert.equal(list.json.attention_count, 2);
    const html = await T3.get('/clients');
    assert.match(html.body, /<strong>2 unread<\/strong>/);
    assert.match(html.body, /<strong>1 overdue<\/strong>/);
    assert.ok(html.body.indexOf('>Zed<') < html.body.indexOf('>Mia<') && html.body.indexOf('>Mia<') < html.body.indexOf('>Aaron<'));
    assert.equal((html.body.match(/class="needs-attention"/g) ?? []).length, 2);

    // Once Zed's entries are read (therapist_read_at, set by the entry page),
    // Zed no longer needs attention: after Mia, then by last activity.
    q(`UPDATE entries SET therapist_read_at = now() WHERE client_id = ${zed.id}`);
    const after = await T3.getJson('/clients');
    assert.deepEqual(after.json.caseload.map((r) => r.display_name), ['Mia', 'Zed', 'Aaron']);
    assert.deepEqual(after.json.caseload.map((r) => r.unread), [0, 0, 0]);
    assert.equal(after.json.attention_count, 1);
});

test('the client page: timeline, scores and charts with a point per entry; the client sees theirs on /progress', async () => {
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    const T4 = await invitedAs('therapist', adminId, 'Tom Four');
    const c = await invitedAs('client', T4.id, 'Cleo');
    const daily = await assignOk(T4, c.id, { activity: act.daily, schedule: 'rhythm', times_per_week: '7', weeks: '3' });
    // The weekly question (week_warmth, once_a_week) is asked on the week's
    // first practice only: on the later ones it is not part of the form.
    await practise(c, daily, { shared: 'both', warmth: '3', receiving_ease: '4', week_warmth: '5' });
    await practise(c, daily, { shared: 'me', warmth: '6', week_warmth: '7' });
    await practise(c, daily, { shared: 'both', warmth: '9', receiving_ease: '8' });
    const phq = await assignOk(T4, c.id, { activity: act.phq, schedule: 'due', due_date: day(7) });
    const phqAnswers = (v) => Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`phq9_${i + 1}`, String(v)]));
    await practise(c, phq, phqAnswers(2)); // 18: Moderately severe
    await practise(c, phq, phqAnswers(1)); // 9: Mild

    const auditsBefore = Number(q(`SELECT count(*) FROM audit_log WHERE action = 'client.entries.viewed' AND subject_id = ${c.id} AND actor_id = ${T4.id}`));
    const page = await T4.getJson(`/clients/${c.id}`);
    assert.equal(page.status, 200);
    assert.equal(Number(q(`SELECT count(*) FROM audit_log WHERE action = 'client.entries.viewed' AND subject_id = ${c.id} AND actor_id = ${T4.id}`)), auditsBefore + 1);
    const d = page.json;
    assert.equal(d.timeline.length, 5);
    assert.ok(d.timeline.every((e) => e.unread === true && e.href === `/entries/${e.id}`));
    const dailyRow = d.current.find((a) => String(a.id) === daily);
    assert.equal(dailyRow.completion, '3 / 21');
    assert.equal(d.scores.length, 2);
    assert.deepEqual(d.scores.map((s) => s.score), ['9', '18']); // newest first
    assert.deepEqual(d.scores.map((s) => s.band), ['Mild', 'Moderately severe']);

    assert.equal(d.charts.length, 2);
    const ex = d.charts.find((ch) => ch.id === `chart-exercise-${act.daily}`);
    assert.ok(ex, 'a chart for the exercise');
    assert.equal(ex.series.length, 3, 'one line per 0-10 scale field');
    assert.deepEqual(ex.series.map((s) => s.points.length), [3, 2, 1]);
    assert.deepEqual(ex.series[0].points.map((p) => p.value), [3, 6, 9]);
    assert.equal(ex.table.rows.length, 3);
    const ms = d.charts.find((ch) => ch.id === `chart-measure-${act.phq}`);
    assert.equal(ms.series[0].points.length, 2);
    assert.equal(ms.bands.length, 5);
    assert.match(ms.desc, /Latest 9 \(Mild\)/);
    // The JSON twin has coordinates and words, no markup.
    assert.doesNotMatch(page.body, /<[a-z/]/i);

    const html = await T4.get(`/clients/${c.id}`);
    assert.equal((html.body.match(/<svg /g) ?? []).length, 2);
    assert.equal((html.body.match(/<circle class="chart-point"/g) ?? []).length, 3 + 2 + 1 + 2);
    // A ring for each charted entry that raised an attention item.
    const marked = q(`SELECT count(DISTINCT entry_id) FROM attention_items WHERE client_id = ${c.id} AND entry_id IS NOT NULL`);
    assert.equal((html.body.match(/<circle class="chart-mark"/g) ?? []).length, Number(marked));
    assert.equal((html.body.match(/<title id="chart-/g) ?? []).length, 2);
    assert.equal((html.body.match(/<desc id="chart-/g) ?? []).length, 2);
    assert.equal((html.body.match(/<table class="table chart-table">/g) ?? []).length, 2);
    assert.doesNotMatch(html.body, /style="/, 'no inline styles');
    assert.equal(/<title>([^<]*)<\/title>/.exec(html.body)[1], 'Client · Interlude', 'a neutral page title');
    // Viewing the page does not mark anything read.
    assert.equal(q(`SELECT count(*) FROM entries WHERE client_id = ${c.id} AND therapist_read_at IS NULL`), '5');

    // The client's own progress: the same charts, decrypted for them alone.
    const mine = await c.getJson('/progress');
    assert.equal(mine.status, 200);
    assert.equal(mine.json.charts.length, 2);
    assert.deepEqual(mine.json.charts.find((ch) => ch.id === `chart-exercise-${act.daily}`).series.map((s) => s.points.length), [3, 2, 1]);
    assert.ok(mine.json.timeline.every((e) => e.unread === false), 'read marks are the therapist\'s business');
    const own = await c.get('/progress');
    assert.equal((own.body.match(/<svg /g) ?? []).length, 2);
    // Nobody else's: a therapist or another client gets no /progress of Cleo.
    assert.equal((await T4.get('/progress')).status, 403);
    const other = await people.B.getJson('/progress');
    assert.equal(other.json.charts.length, 0);
    assert.equal((await people.T1.get(`/clients/${c.id}`)).status, 404);
});

test('no audit row, no entries: the client page answers 503 when the audit cannot be written', async () => {
    const id = people.A.id;
    q(`CREATE FUNCTION refuse_entries_audit() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN IF NEW.action = 'client.entries.viewed' THEN RAISE EXCEPTION 'audit refused'; END IF; RETURN NEW; END $$`);
    q('CREATE TRIGGER refuse_entries_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_entries_audit()');
    try {
        const res = await people.T1.get(`/clients/${id}`);
        assert.equal(res.status, 503);
        assert.doesNotMatch(res.body, /Daily appreciations|More walks/);
        assert.equal((await people.A.get('/progress')).status, 503);
    } finally {
        q('DROP TRIGGER refuse_entries_audit ON audit_log');
        q('DROP FUNCTION refuse_entries_audit()');
    }
    assert.equal((await people.T1.get(`/clients/${id}`)).status, 200);
});
