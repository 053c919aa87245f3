// library-content.test.mjs: what the library's content asks of the pages
// (issue 15): the client reads an activity's neutral client_title on every
// page (list, homework, practice, entry, progress, tab titles) while the
// therapist keeps the descriptive title; a weekly question
// ("once_a_week": true) is asked on the first practice of a week only; the
// SUDS label of a distress scale is the therapist's alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, query } from '../lib/harness.mjs';
import { createAdmin, invitedPerson } from '../lib/client.mjs';

let srv;
const people = {};

const q = (sql) => query(srv, sql);

function assign(client, therapist, { slug, start = 'current_date', tpw = 3, weeks = 2 }) {
    return q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, times_per_week, weeks)
              SELECT l.id, l.version_id, ${therapist.id}, ${client.id}, ${start}, ${tpw}, ${weeks}
              FROM activity_latest l WHERE l.slug = '${slug}' AND l.source = 'library' RETURNING id`);
}

const keyOf = (body) => /name="idempotency_key" value="([^"]+)"/.exec(body)?.[1];
const titleOf = (body) => /<title>([^<]*)<\/title>/.exec(body)?.[1];

async function submit(c, id, answers) {
    const form = await c.get(`/homework/${id}/practice`);
    assert.equal(form.status, 200);
    const res = await c.post(`/homework/${id}/practice`, { ...answers, idempotency_key: keyOf(form.body), action: 'submit' });
    assert.equal(res.status, 303, res.body.slice(0, 400));
    return /^\/entries\/(\d+)\/submitted$/.exec(res.headers.location)[1];
}

before(async () => {
    srv = await startServer();
    createAdmin(srv);
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    people.T = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Tara' });
    people.C = await invitedPerson(srv, { kind: 'client', createdBy: people.T.id, name: 'Cal' });
});

after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

test('the client reads the neutral client_title everywhere; the therapist the descriptive title and the SUDS label', async () => {
    const { T, C } = people;
    const title = 'Rebuilding closeness after an affair';
    const neutral = 'Rebuilding together';
    assert.equal(q("SELECT title || '|' || (content->>'client_title') FROM activity_latest WHERE slug = 'rebuilding-after-an-affair'"), `${title}|${neutral}`);
    const id = assign(C, T, { slug: 'rebuilding-after-an-affair', tpw: 1, weeks: 6 });

    const dash = await C.getJson('/');
    assert.equal(dash.json.groups[0].items.find((i) => String(i.id) === id).title, neutral);
    const dashHtml = await C.get('/');
    assert.match(dashHtml.body, new RegExp(`>${neutral}</a>`));
    assert.doesNotMatch(dashHtml.body, /affair/i);

    const hw = await C.getJson(`/homework/${id}`);
    assert.equal(hw.json.activity.title, neutral);
    const hwHtml = await C.get(`/homework/${id}`);
    assert.equal(titleOf(hwHtml.body), 'Your homework · Interlude');
    assert.doesNotMatch(hwHtml.body, /Rebuilding closeness after an affair/);

    const form = await C.get(`/homework/${id}/practice`);
    assert.equal(titleOf(form.body), 'Practice · Interlude');
    assert.match(form.body, new RegExp(`<h1>${neutral}</h1>`));
    assert.doesNotMatch(form.body, /Rebuilding closeness after an affair|SUDS/);

    const entry = await submit(C, id, { distress_before: '6', distress_after: '3', safety: '5', paused: 'no' });
    const mine = await C.getJson(`/entries/${entry}`);
    assert.equal(mine.json.activity_title, neutral);
    const clientLabel = q("SELECT f->>'label' FROM activity_latest, jsonb_array_elements(content->'reflection'->'fields') f WHERE slug = 'rebuilding-after-an-affair' AND f->>'key' = 'distress_before'");
    assert.equal(mine.json.answers.distress_before, 6);
    const myForm = await C.getJson(mine.json.form);
    assert.equal(myForm.json.fields.find((f) => f.key === 'distress_before').label, clientLabel, 'the client reads the question as asked');
    assert.doesNotMatch(JSON.stringify(myForm.json), /SUDS|affair/i, 'the clinical label is not the client\'s');
    const mineHtml = await C.get(`/entries/${entry}`);
    assert.equal(titleOf(mineHtml.body), 'Entry · Interlude');
    assert.doesNotMatch(mineHtml.body, /affair|SUDS/i);

    const progress = await C.getJson('/progress');
    assert.equal(progress.json.current.find((a) => String(a.id) === id).title, neutral);
    assert.ok(progress.json.timeline.every((e) => e.title === neutral));
    const progressHtml = await C.get('/progress');
    assert.doesNotMatch(progressHtml.body, /affair|SUDS/i);

    // The therapist: the descriptive title, and SUDS on the scales.
    const theirs = await T.getJson(`/entries/${entry}`);
    assert.equal(theirs.json.activity_title, title);
    const theirForm = await T.getJson(theirs.json.form);
    const suds = theirForm.json.fields.find((f) => f.key === 'distress_before');
    assert.match(suds.therapist_label, /^SUDS before \(0–10\)/, 'the therapist reads the SUDS label');
    assert.equal(theirs.json.answers.distress_before, 6);
    const page = await T.getJson(`/clients/${C.id}`);
    assert.equal(page.json.current.find((a) => String(a.id) === id).title, title);
    assert.equal(page.json.timeline.find((e) => String(e.id) === entry).title, title);
    assert.ok(JSON.stringify(page.json.charts).includes('SUDS before (0–10)'), 'the chart names SUDS for the therapist');
    assert.ok(JSON.stringify(progress.json.charts).length > 2, 'the client has the chart too');
    assert.ok(!JSON.stringify(progress.json.charts).includes('SUDS'), 'without the clinical label');
});

test('a weekly question is asked on the first practice of a week only', async () => {
    const { T, C } = people;
    const id = assign(C, T, { slug: 'daily-appreciations', tpw: 7, weeks: 3 });
    const weekly = /name="week_warmth"/;

    const first = await C.get(`/homework/${id}/practice`);
    assert.match(first.body, weekly, 'the first practice of the week asks the weekly question');
    assert.match(first.body, /name="week_themes"/);
    // Required-ness of the per-practice fields holds; the weekly ones are optional.
    const e1 = await submit(C, id, { shared: 'both', warmth: '7', week_warmth: '8', week_themes: 'kindness' });

    const second = await C.get(`/homework/${id}/practice`);
    assert.equal(second.status, 200);
    assert.doesNotMatch(second.body, weekly, 'a later practice in the same week does not');
    assert.doesNotMatch(second.body, /name="week_themes"/);
    assert.match(second.body, /name="warmth"/);
    // Posting the weekly answer anyway stores nothing of it.
    const e2 = await submit(C, id, { shared: 'me', warmth: '6', week_warmth: '2' });
    const a1 = (await C.getJson(`/entries/${e1}`)).json.answers;
    const a2 = (await C.getJson(`/entries/${e2}`)).json.answers;
    assert.equal(a1.week_warmth, 8);
    assert.equal(a2.week_warmth, undefined, 'nothing stored for the weekly question');
    assert.equal(a2.warmth, 6);

    // A week on, the question comes back: the weeks count from the start date.
    q(`UPDATE assignments SET start_date = current_date - 7 WHERE id = ${id}`);
    // (Submitted entries are frozen by a trigger: the test moves them in time
    // with triggers off for that one statement.)
    q(`SET session_replication_role = replica; UPDATE entries SET submitted_at = submitted_at - interval '7 days' WHERE assignment_id = ${id}`);
    const nextWeek = await C.get(`/homework/${id}/practice`);
    assert.match(nextWeek.body, weekly);
    // An entry made yesterday, in that same new week, takes it away again.
    q(`SET session_replication_role = replica; UPDATE entries SET submitted_at = now() - interval '1 day' WHERE id = ${e2}`);
    q(`UPDATE assignments SET start_date = current_date - 8 WHERE id = ${id}`);
    assert.doesNotMatch((await C.get(`/homework/${id}/practice`)).body, weekly);
});
