// homework.test.mjs: the client's side of homework: the dashboard, the
// assignment page, the practice form with its server-side draft and
// autosave, submission (once per form), entries, replies and read marks,
// sharing between partners, audit, encryption at rest and the frozen entry.
// Assignments are made with psql here (the therapist's pages are tested in
// their own file).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, request, query } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson } from '../lib/client.mjs';

let srv;
const ids = {};
const people = {};
const CANARY = 'Zq7canaryWillow';

const q = (sql) => query(srv, sql);

function invitedAs(kind, createdBy, name) {
    return invitedPerson(srv, { kind, createdBy, name });
}

// An assignment of a library activity's newest version, straight into the
// database. start/due are SQL date expressions.
function assign(client, therapist, { slug = 'eye-contact-connection', start = 'current_date', due = null, tpw = 3, weeks = 2 } = {}) {
    const lit = (v) => (v === null ? 'NULL' : v);
    return q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, due_date, times_per_week, weeks)
              SELECT l.id, l.version_id, ${therapist.id}, ${client.id}, ${start}, ${lit(due)}, ${lit(tpw)}, ${lit(weeks)}
              FROM activity_latest l WHERE l.slug = '${slug}' AND l.source = 'library' RETURNING id`);
}

// Two rows for a couple, pointing at each other. Returns [a's, b's].
function assignCouple(a, b, therapist, opts = {}) {
    const [lo, hi] = Number(a.id) < Number(b.id) ? [a.id, b.id] : [b.id, a.id];
    let couple = q(`SELECT id FROM couples WHERE partner_a = ${lo} AND partner_b = ${hi}`);
    if (!couple) couple = q(`INSERT INTO couples (therapist_id, partner_a, partner_b) VALUES (${therapist.id}, ${lo}, ${hi}) RETURNING id`);
    const x = assign(a, therapist, opts);
    const y = assign(b, therapist, opts);
    q(`UPDATE assignments SET couple_id = ${couple}, partner_assignment_id = ${y} WHERE id = ${x}`);
    q(`UPDATE assignments SET couple_id = ${couple}, partner_assignment_id = ${x} WHERE id = ${y}`);
    return [x, y];
}

const esc = (t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const keyOf = (body) => /name="idempotency_key" value="([^"]+)"/.exec(body)?.[1];
const titleOf = (body) => /<title>([^<]*)<\/title>/.exec(body)?.[1];

// Opens the practice form and posts it with the given answers.
async function practise(c, assignmentId, answers, action = 'submit') {
    const form = await c.get(`/homework/${assignmentId}/practice`);
    assert.equal(form.status, 200, form.body.slice(0, 300));
    const key = keyOf(form.body);
    assert.ok(key, 'the form carries an idempotency key');
    const res = await c.post(`/homework/${assignmentId}/practice`, { ...answers, idempotency_key: key, action });
    return { res, key };
}

async function submitEntry(c, assignmentId, answers) {
    const { res } = await practise(c, assignmentId, answers);
    assert.equal(res.status, 303, res.body.slice(0, 500));
    const m = /^\/entries\/(\d+)\/submitted$/.exec(res.headers.location);
    assert.ok(m, res.headers.location);
    return m[1];
}

const GOOD = { comfort: '7', connection: '6', what_noticed: 'Warm hands', paused: 'no' };

before(async () => {
    srv = await startServer();
    createAdmin(srv);
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    people.T1 = await invitedAs('therapist', adminId, 'Tess One');
    people.T2 = await invitedAs('therapist', adminId, 'Theo Two');
    people.A = await invitedAs('client', people.T1.id, 'Alex');
    people.A2 = await invitedAs('client', people.T1.id, 'Sam');
    people.B = await invitedAs('client', people.T2.id, 'Blair');
    people.E = await invitedAs('client', people.T1.id, 'Eli');
});

after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

test('the dashboard: an honest empty state, then this week, overdue, coming up and done', async () => {
    const c = await invitedAs('client', people.T1.id, 'Dana');
    const empty = await c.get('/');
    assert.equal(empty.status, 200);
    assert.match(empty.body, /No homework yet — your therapist will add some\./);
    assert.equal(titleOf(empty.body), 'Your homework · Interlude');
    assert.match(empty.body, /src="\/static\/js\/quick-exit\.js"/, 'the quick exit script is on client pages');

    const week = assign(c, people.T1, { tpw: 3, weeks: 2 });
    const overdue = assign(c, people.T1, { slug: 'daily-appreciations', start: "current_date - 10", due: 'current_date - 1', tpw: null, weeks: null });
    const upcoming = assign(c, people.T1, { slug: 'balance-check', start: 'current_date + 3', tpw: 2, weeks: 1 });
    const done = assign(c, people.T1, { slug: 'phq-9', due: 'current_date + 5', tpw: null, weeks: null });
    const cancelled = assign(c, people.T1, { slug: 'closeness-map' });
    const answers = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`phq9_${i + 1}`, '0']));
    await submitEntry(c, done, answers);
    q(`UPDATE assignments SET cancelled_at = now() WHERE id = ${cancelled}`);

    const res = await c.getJson('/');
    assert.equal(res.status, 200);
    const groups = Object.fromEntries(res.json.groups.map((g) => [g.key, g.items.map((i) => String(i.id))]));
    assert.deepEqual(groups, { this_week: [week], overdue: [overdue], upcoming: [upcoming], done: [done] });
    const card = res.json.groups[0].items[0];
    assert.equal(card.status.label, '0 of 6 practices this fortnight');
    assert.equal(card.action_href, `/homework/${week}/practice`);
    assert.equal(card.action_label, 'Log a practice');
    assert.doesNotMatch(JSON.stringify(res.json), /<[a-z]/i, 'no HTML in the JSON twin');

    const html = await c.get('/');
    assert.match(html.body, /This week/);
    assert.match(html.body, /Overdue/);
    assert.match(html.body, /Coming up/);
    assert.match(html.body, /0 of 6 practices this fortnight/);
    assert.doesNotMatch(html.body, new RegExp(`/homework/${cancelled}"`), 'a cancelled assignment disappears');
    assert.equal((await c.get(`/homework/${cancelled}`)).status, 404);
    assert.doesNotMatch(html.body, /No homework yet/);
});

test('the full loop: draft, sign out and in, draft prefilled, submit, therapist reads and replies, client reads', async () => {
    const A = people.A;
    const id = assign(A, people.T1);
    const page = await A.get(`/homework/${id}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /Looking after yourself/);
    assert.match(page.body, /Log a practice/);
    assert.match(page.body, /3 times a week for 2 weeks/);
    assert.equal(titleOf(page.body), 'Your homework · Interlude', 'a neutral page title');

    // A draft: required scales may stay empty.
    const { res: saved } = await practise(A, id, { what_noticed: `draft ${CANARY}` }, 'draft');
    assert.equal(saved.status, 303, saved.body.slice(0, 300));
    assert.equal(saved.headers.location, `/homework/${id}/practice?saved=1`);
    const after = await A.get(saved.headers.location);
    assert.match(after.body, /Draft saved at \d\d:\d\d/);
    assert.equal(q(`SELECT count(*) FROM entries WHERE assignment_id = ${id} AND status = 'draft'`), '1');

    // Sign out; the draft is on the server, not in the browser.
    assert.equal((await A.post('/logout')).status, 303);
    const again = await new Client(srv).signIn(A.email);
    people.A = again;
    again.id = A.id;
    again.email = A.email;
    const form = await again.get(`/homework/${id}/practice`);
    assert.equal(form.status, 200);
    assert.ok(form.body.includes(`draft ${CANARY}</textarea>`), 'the draft is filled in');
    assert.equal(titleOf(form.body), 'Practice · Interlude');
    assert.match(form.body, /src="\/static\/js\/autosave\.js" defer/);
    assert.match(form.body, /name="action" value="draft"/);
    assert.match(form.body, /name="action" value="submit"/);
    assert.doesNotMatch(form.body, /name="share"/, 'no share choice outside a couple');
    assert.match(form.body, /<li data-target="wrap-f-pause_reason" data-field="paused" data-value="yes"><\/li>/, 'the follow-up rule for show-if.js');

    const key = keyOf(form.body);
    const sub = await again.post(`/homework/${id}/practice`, { ...GOOD, what_noticed: `final ${CANARY}`, paused: 'yes', pause_reason: `why ${CANARY}`, idempotency_key: key, action: 'submit' });
    assert.equal(sub.status, 303, sub.body.slice(0, 500));
    const entry = /^\/entries\/(\d+)\/submitted$/.exec(sub.headers.location)[1];
    const conf = await again.get(sub.headers.location);
    assert.equal(conf.status, 200);
    assert.match(conf.body, /Saved\. Your therapist will see it\./);
    assert.equal(q(`SELECT count(*) FROM entries WHERE assignment_id = ${id} AND status = 'draft'`), '0', 'the draft became the entry');
    assert.equal(q(`SELECT status || ' ' || idempotency_key FROM entries WHERE id = ${entry}`), `submitted ${key}`);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'entry.submitted' AND object_id = ${entry} AND subject_id = ${A.id}`), '1');

    // The therapist: unread before, read after.
    const T1 = people.T1;
    assert.equal(q(`SELECT therapist_read_at IS NULL FROM entries WHERE id = ${entry}`), 't');
    const first = await T1.getJson(`/entries/${entry}`);
    assert.equal(first.status, 200);
    assert.equal(first.json.new_for_therapist, true);
    assert.ok(Object.values(first.json.answers).includes(`final ${CANARY}`));
    assert.equal(q(`SELECT therapist_read_at IS NOT NULL FROM entries WHERE id = ${entry}`), 't');
    const second = await T1.get(`/entries/${entry}`);
    assert.equal(second.status, 200);
    assert.doesNotMatch(second.body, /<strong>new<\/strong>/);
    assert.equal(titleOf(second.body), 'Entry · Interlude');

    // The therapist replies; the client sees it unread, then read.
    const reply = await T1.post(`/entries/${entry}/comments`, { body: `reply ${CANARY}`, idempotency_key: keyOf(second.body) });
    assert.equal(reply.status, 303, reply.body.slice(0, 300));
    assert.match(reply.headers.location, new RegExp(`^/entries/${entry}#c-\\d+$`));
    const dash = await again.getJson('/');
    assert.equal(dash.json.groups[0].items.find((i) => String(i.id) === id).unread_label, '1 new reply');
    const seen = await again.get(`/entries/${entry}`);
    assert.equal(seen.status, 200);
    assert.ok(seen.body.includes(`reply ${CANARY}`));
    assert.match(seen.body, /Tess One \(your therapist\) · [\d :-]+ · <strong>new<\/strong>/);
    const seenAgain = await again.getJson(`/entries/${entry}`);
    assert.equal(seenAgain.json.comments.length, 1);
    assert.equal(seenAgain.json.comments[0].unread, false);
    assert.equal(seenAgain.json.comments[0].body, `reply ${CANARY}`);

    // The client adds a note; it is unread for the therapist until opened.
    const note = await again.post(`/entries/${entry}/comments`, { body: `note ${CANARY}`, idempotency_key: keyOf(seen.body) });
    assert.equal(note.status, 303);
    const t1view = await T1.getJson(`/entries/${entry}`);
    assert.equal(t1view.json.comments.find((c) => c.body === `note ${CANARY}`).unread, true);
    assert.equal((await T1.getJson(`/entries/${entry}`)).json.comments.find((c) => c.body === `note ${CANARY}`).unread, false);
    people.loopEntry = entry;
});

test('couples: a private entry is invisible to the partner; a shared one is read-only; un-sharing hides it', async () => {
    const { A, A2, T1 } = people;
    const [mine, theirs] = assignCouple(A, A2, T1, { slug: 'settling-before-closeness' });
    const form = await A.get(`/homework/${mine}/practice`);
    assert.match(form.body, /Share this entry with my partner/);
    const def = await A.getJson(`/homework/${mine}/practice`);
    const answers = {};
    for (const f of def.json.fields) {
        if (f.is_scale) answers[f.key] = String(f.min);
        else if (f.is_yes_no) answers[f.key] = 'yes';
        else if (f.is_single_choice) answers[f.key] = f.options[0].value;
        else if (f.is_multiple_choice) answers[f.name] = [f.options[0].value];
        else if (f.is_long_text || f.is_short_text) answers[f.key] = `couple ${CANARY}`;
    }
    const entry = await submitEntry(A, mine, answers);

    for (const path of [`/entries/${entry}`, `/api/v1/entries/${entry}`, `/entries/${entry}/fhir`]) {
        assert.equal((await A2.get(path)).status, 404, `${path} is private`);
        assert.equal((await people.B.get(path)).status, 404);
        assert.equal((await people.T2.get(path)).status, 404);
    }
    const partnerPage = await A2.get(`/homework/${theirs}`);
    assert.equal(partnerPage.status, 200);
    assert.doesNotMatch(partnerPage.body, new RegExp(`/entries/${entry}"`));
    assert.match(partnerPage.body, /Your partner has not shared an entry/);
    // The partner may not share, comment on, or open A's assignment.
    assert.equal((await A2.post(`/entries/${entry}/share`, { share: 'on' })).status, 404);
    assert.equal((await A2.get(`/homework/${mine}`)).status, 404);

    const share = await A.post(`/entries/${entry}/share`, { share: 'on' });
    assert.equal(share.status, 303);
    assert.equal(q(`SELECT shared_with_partner FROM entries WHERE id = ${entry}`), 't');
    const seen = await A2.get(`/entries/${entry}`);
    assert.equal(seen.status, 200);
    assert.ok(seen.body.includes(`couple ${CANARY}`));
    assert.match(seen.body, /Shared by Alex/);
    assert.doesNotMatch(seen.body, /Notes and replies/, 'no thread for the partner');
    assert.doesNotMatch(seen.body, /\/entries\/\d+\/share/, 'no share button for the partner');
    assert.doesNotMatch(seen.body, /\/comments"/);
    const seenJson = await A2.getJson(`/entries/${entry}`);
    assert.equal(seenJson.status, 200);
    assert.equal(seenJson.json.comments, undefined);
    assert.equal(seenJson.json.can_share, undefined);
    assert.equal(seenJson.json.therapist_read, undefined);
    assert.equal(seenJson.json.role, 'partner');
    assert.equal(seenJson.json.score, undefined);
    assert.equal((await A2.post(`/entries/${entry}/comments`, { body: 'hello', idempotency_key: 'k'.repeat(20) })).status, 404);
    assert.equal((await A2.get(`/entries/${entry}/fhir`)).status, 404, 'the partner gets no export');
    assert.equal((await A2.get(`/entries/${entry}/submitted`)).status, 404);
    const listed = await A2.get(`/homework/${theirs}`);
    assert.match(listed.body, new RegExp(`href="/entries/${entry}"`), 'listed under "Shared by your partner"');

    const unshare = await A.post(`/entries/${entry}/share`, { share: 'off' });
    assert.equal(unshare.status, 303);
    assert.equal((await A2.get(`/entries/${entry}`)).status, 404);
    assert.equal((await A2.getJson(`/entries/${entry}`)).status, 404);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action IN ('entry.shared', 'entry.unshared') AND object_id = ${entry}`), '2');

    // Shared at submission with the checkbox.
    const shared = await submitEntry(A, mine, { ...answers, share: 'on' });
    assert.equal((await A2.get(`/entries/${shared}`)).status, 200);
    // Outside a couple there is nothing to share.
    assert.equal((await A.post(`/entries/${people.loopEntry}/share`, {})).status, 400);
});

test('the same POST twice (same idempotency key) makes one entry and both answer the same 303', async () => {
    const { E } = people;
    const id = assign(E, people.T1);
    const form = await E.get(`/homework/${id}/practice`);
    const key = keyOf(form.body);
    const body = { ...GOOD, idempotency_key: key, action: 'submit' };
    const one = await E.post(`/homework/${id}/practice`, body);
    const two = await E.post(`/homework/${id}/practice`, body);
    assert.equal(one.status, 303);
    assert.equal(two.status, 303);
    assert.equal(two.headers.location, one.headers.location);
    const [three, four] = await Promise.all([E.post(`/homework/${id}/practice`, body), E.post(`/homework/${id}/practice`, body)]);
    assert.equal(three.headers.location, one.headers.location);
    assert.equal(four.headers.location, one.headers.location);
    assert.equal(q(`SELECT count(*) FROM entries WHERE assignment_id = ${id}`), '1');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'entry.submitted' AND subject_id = ${E.id}`), '1');

    // A late autosave of that same form does not bring it back as a draft.
    const late = await E.post(`/api/v1/homework/${id}/practice`, { ...body, action: 'draft' }, { headers: { 'X-CSRF-Token': E.csrf } });
    assert.equal(late.status, 409);
    assert.equal(q(`SELECT count(*) FROM entries WHERE assignment_id = ${id}`), '1');

    // A new render is a new key: a second practice.
    const again = await submitEntry(E, id, GOOD);
    assert.notEqual(`/entries/${again}/submitted`, one.headers.location);
    assert.equal(q(`SELECT count(*) FROM entries WHERE assignment_id = ${id} AND status = 'submitted'`), '2');

    // Replies are made once per form too.
    const entry = /\/entries\/(\d+)\//.exec(one.headers.location)[1];
    const page = await E.get(`/entries/${entry}`);
    const ck = keyOf(page.body);
    const r1 = await E.post(`/entries/${entry}/comments`, { body: 'one note', idempotency_key: ck });
    const r2 = await E.post(`/entries/${entry}/comments`, { body: 'one note', idempotency_key: ck });
    assert.equal(r1.status, 303);
    assert.equal(r2.headers.location, r1.headers.location);
    assert.equal(q(`SELECT count(*) FROM comments WHERE entry_id = ${entry}`), '1');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'comment.created' AND subject_id = ${E.id}`), '1');
});

test('the version assigned is the one shown, even after the activity gets a new version', async () => {
    const { E } = people;
    const id = assign(E, people.T1, { slug: 'five-senses-meditation' });
    const activity = q(`SELECT activity_id FROM assignments WHERE id = ${id}`);
    const oldLabel = q(`SELECT content->'reflection'->'fields'->0->>'label' FROM activity_versions WHERE id = (SELECT version_id FROM assignments WHERE id = ${id})`);
    assert.ok(oldLabel.length > 5);
    q(`INSERT INTO activity_versions (activity_id, version, content, content_hash, title)
       SELECT activity_id, version + 1,
              jsonb_set(jsonb_set(content, '{reflection,fields,0,label}', '"A brand new question"'), '{title}', '"Renamed practice"'),
              'test-' || version, 'Renamed practice'
       FROM activity_versions WHERE activity_id = ${activity} ORDER BY version DESC LIMIT 1`);
    const form = await E.get(`/homework/${id}/practice`);
    assert.equal(form.status, 200);
    assert.ok(form.body.includes(esc(oldLabel)), 'the assigned version\'s question');
    assert.doesNotMatch(form.body, /A brand new question/);
    assert.doesNotMatch(form.body, /Renamed practice/);
    const page = await E.get(`/homework/${id}`);
    assert.doesNotMatch(page.body, /Renamed practice/);
    const json = await E.getJson(`/homework/${id}/practice`);
    const answers = {};
    for (const f of json.json.fields) {
        if (f.is_scale) answers[f.key] = String(f.max);
        else if (f.is_yes_no) answers[f.key] = 'no';
        else if (f.is_single_choice) answers[f.key] = f.options[0].value;
    }
    const entry = await submitEntry(E, id, answers);
    const view = await E.getJson(`/entries/${entry}`);
    // The lean entry names the version it answers; that version's form
    // holds the question as it was asked.
    assert.equal(view.json.form, `/api/v1/forms/${view.json.form_version_id}`);
    const asked = await E.getJson(view.json.form);
    assert.equal(asked.status, 200);
    assert.equal(asked.json.fields[0].label, oldLabel);
    assert.ok(asked.json.fields[0].key in view.json.answers);
    assert.notEqual(view.json.activity_title, 'Renamed practice');
});

test('validation: a required scale left empty is 422 with the message, the other answers kept', async () => {
    const { E } = people;
    const id = assign(E, people.T1);
    const { res } = await practise(E, id, { connection: '4', what_noticed: 'kept <text>', paused: 'yes', pause_reason: 'a reason' });
    assert.equal(res.status, 422);
    assert.match(res.body, /Please check your answers/);
    assert.match(res.body, /href="#f-comfort"/, 'the summary links to the question');
    assert.match(res.body, /Please answer this question\./);
    assert.ok(res.body.includes('kept &lt;text&gt;</textarea>'), 'typed text kept, escaped');
    assert.match(res.body, /name="connection" value="4" checked/);
    assert.ok(res.body.includes('a reason</textarea>'));
    assert.match(res.body, /name="idempotency_key" value="[A-Za-z0-9_-]{43}"/);
    assert.equal(q(`SELECT count(*) FROM entries WHERE assignment_id = ${id} AND status = 'submitted'`), '0');

    const api = await E.post(`/api/v1/homework/${id}/practice`, { connection: '4', idempotency_key: 'x'.repeat(20), action: 'submit' });
    assert.equal(api.status, 422);
    const j = JSON.parse(api.body);
    assert.equal(j.error.fields.comfort, 'Please answer this question.');

    // A scale out of range is refused even in a draft.
    const { res: bad } = await practise(E, id, { comfort: '11' }, 'draft');
    assert.equal(bad.status, 422);
    // Missing key or unknown action: refused, nothing stored.
    assert.equal((await E.post(`/homework/${id}/practice`, { ...GOOD, action: 'submit' })).status, 400);
    assert.equal((await E.post(`/homework/${id}/practice`, { ...GOOD, action: 'send', idempotency_key: 'y'.repeat(20) })).status, 400);
    assert.equal(q(`SELECT count(*) FROM entries WHERE assignment_id = ${id} AND status = 'submitted'`), '0');
});

test('drafts: required answers are not checked; the autosave endpoint answers JSON 200 and the draft is there', async () => {
    const { E } = people;
    const id = assign(E, people.T1);
    const form = await E.get(`/homework/${id}/practice`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)[1];
    const body = new URLSearchParams({ _csrf: csrf, idempotency_key: keyOf(form.body), action: 'draft', what_noticed: 'autosaved words' });
    const res = await request(`${srv.url}/api/v1/homework/${id}/practice`, {
        method: 'POST',
        body: body.toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: E.cookieHeader(), 'X-CSRF-Token': csrf },
    });
    assert.equal(res.status, 200, res.body);
    assert.match(res.headers['content-type'], /application\/json/);
    const j = JSON.parse(res.body);
    assert.equal(j.saved, true);
    assert.match(j.saved_at, /^\d\d:\d\d$/);
    assert.equal(q(`SELECT count(*) FROM entries WHERE assignment_id = ${id} AND status = 'draft'`), '1');
    const again = await E.get(`/homework/${id}/practice`);
    assert.ok(again.body.includes('autosaved words</textarea>'));
    assert.match(again.body, /Your draft from \d\d:\d\d is filled in below\./);
    // Saving again replaces the one draft.
    const r2 = await E.postJson(`/homework/${id}/practice`, { idempotency_key: keyOf(again.body), action: 'draft', what_noticed: 'second words', comfort: '3' });
    assert.equal(r2.status, 200);
    assert.equal(q(`SELECT count(*) FROM entries WHERE assignment_id = ${id}`), '1');
    assert.ok((await E.get(`/homework/${id}/practice`)).body.includes('second words</textarea>'));
    // The draft is nobody's to open as an entry, not even its author's.
    const draftId = q(`SELECT id FROM entries WHERE assignment_id = ${id}`);
    assert.equal((await E.get(`/entries/${draftId}`)).status, 404);
    assert.equal((await people.T1.get(`/entries/${draftId}`)).status, 404);
    // Without CSRF the autosave is refused.
    const noCsrf = await request(`${srv.url}/api/v1/homework/${id}/practice`, {
        method: 'POST', body: 'action=draft', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: E.cookieHeader() },
    });
    assert.equal(noCsrf.status, 403);
    // The script is served from static/ (CSP: 'self' scripts only).
    const js = await request(`${srv.url}/static/js/autosave.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers['content-type'], /javascript/);
    assert.match(js.body, /X-CSRF-Token/);
    assert.equal((await request(`${srv.url}/static/js/quick-exit.js`)).status, 200);
    assert.equal((await request(`${srv.url}/static/js/show-if.js`)).status, 200);
});

test('a questionnaire shows its score; the FHIR download is a QuestionnaireResponse', async () => {
    const { E, T1 } = people;
    const id = assign(E, T1, { slug: 'phq-9', due: 'current_date + 7', tpw: null, weeks: null });
    const answers = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`phq9_${i + 1}`, i === 8 ? '1' : '2']));
    const entry = await submitEntry(E, id, answers);
    const view = await T1.getJson(`/entries/${entry}`);
    assert.equal(view.json.score.total, 17);
    assert.equal(view.json.score.alerts.length, 1, 'item 9 raises its alert');
    const page = await E.get(`/entries/${entry}`);
    assert.match(page.body, /17 of 27/);
    for (const who of [E, T1]) {
        const f = await who.get(`/entries/${entry}/fhir`);
        assert.equal(f.status, 200);
        assert.match(f.headers['content-disposition'], new RegExp(`attachment; filename="entry-${entry}\\.json"`));
        const r = JSON.parse(f.body);
        assert.equal(r.resourceType, 'QuestionnaireResponse');
        assert.equal(r.status, 'completed');
        assert.ok(r.item.length >= 9);
    }
    assert.equal((await people.T2.get(`/entries/${entry}/fhir`)).status, 404);
    // Reviewed: the therapist only.
    assert.equal((await E.post(`/entries/${entry}/reviewed`)).status, 403);
    assert.equal((await people.T2.post(`/entries/${entry}/reviewed`)).status, 404);
    assert.equal(q(`SELECT reviewed_at IS NULL FROM entries WHERE id = ${entry}`), 't');
    assert.equal((await T1.post(`/entries/${entry}/reviewed`)).status, 303);
    assert.equal(q(`SELECT reviewed_at IS NOT NULL FROM entries WHERE id = ${entry}`), 't');
    assert.match((await T1.get(`/entries/${entry}`)).body, /reviewed \d{4}-/);
    // An empty note is refused.
    const empty = await E.post(`/entries/${entry}/comments`, { body: '   ', idempotency_key: 'e'.repeat(20) });
    assert.equal(empty.status, 422);
    assert.match(empty.body, /Write a few words before sending\./);
    assert.equal(q(`SELECT count(*) FROM comments WHERE entry_id = ${entry}`), '0');
    assert.equal((await people.T2.post(`/entries/${entry}/comments`, { body: 'x', idempotency_key: 'f'.repeat(20) })).status, 404);
});

test('reads are audited (subject, no content); a failed audit write shows nothing (503)', async () => {
    const { A, T1 } = people;
    const entry = people.loopEntry;
    const rows = q(`SELECT actor_id || ' ' || object_type || ' ' || subject_id FROM audit_log WHERE action = 'entry.viewed' AND object_id = ${entry} ORDER BY id`).split('\n');
    assert.ok(rows.includes(`${T1.id} entry ${A.id}`), 'the therapist\'s reads');
    assert.ok(rows.includes(`${A.id} entry ${A.id}`), 'the client\'s reads');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE concat_ws(' ', action, object_type, ip) LIKE '%${CANARY}%'`), '0');

    const before = q(`SELECT count(*) FROM audit_log WHERE action = 'entry.viewed'`);
    q(`CREATE FUNCTION test_audit_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit down'; END $$`);
    q(`CREATE TRIGGER test_audit_fail BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION test_audit_fail()`);
    try {
        const res = await T1.get(`/entries/${entry}`);
        assert.equal(res.status, 503);
        assert.ok(!res.body.includes(CANARY), 'no content without its audit row');
        const api = await T1.getJson(`/entries/${entry}`);
        assert.equal(api.status, 503);
        assert.ok(!api.body.includes(CANARY));
        assert.equal((await T1.get(`/entries/${entry}/fhir`)).status, 503);
    } finally {
        q('DROP TRIGGER test_audit_fail ON audit_log');
        q('DROP FUNCTION test_audit_fail()');
    }
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'entry.viewed'`), before);
    assert.equal((await T1.get(`/entries/${entry}`)).status, 200);
});

test('through the therapist\'s form: a couple\'s homework with a personal note, each partner reads it', async () => {
    const { A, A2, T1 } = people;
    const [lo, hi] = Number(A.id) < Number(A2.id) ? [A.id, A2.id] : [A2.id, A.id];
    const couple = q(`SELECT id FROM couples WHERE partner_a = ${lo} AND partner_b = ${hi}`);
    const activity = q("SELECT id FROM activities WHERE slug = 'closeness-map' AND source = 'library'");
    const today = q("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')");
    const res = await T1.post('/assignments', {
        who: `couple:${couple}`, activity, start_date: today, schedule: 'rhythm', times_per_week: '2', weeks: '1', note: `note ${CANARY}`,
    });
    assert.equal(res.status, 303, res.body.slice(0, 500));
    const [x, y] = q(`SELECT id FROM assignments WHERE couple_id = ${couple} AND activity_id = ${activity} ORDER BY id`).split('\n');
    const mine = q(`SELECT id FROM assignments WHERE id IN (${x}, ${y}) AND client_id = ${A.id}`);
    const theirs = mine === x ? y : x;
    for (const [who, id] of [[A, mine], [A2, theirs]]) {
        const page = await who.get(`/homework/${id}`);
        assert.equal(page.status, 200);
        assert.match(page.body, /A note from your therapist/);
        assert.ok(page.body.includes(`note ${CANARY}`), 'the note, decrypted');
        assert.match(page.body, /Twice a week for 1 week/);
        const dash = await who.getJson('/');
        assert.ok(dash.json.groups.some((g) => g.items.some((i) => String(i.id) === id)));
    }
    assert.equal((await A.get(`/homework/${theirs}`)).status, 404, 'each partner has their own row');
    assert.match((await A.get(`/homework/${mine}/practice`)).body, /Share this entry with my partner/);
});

test('a submitted entry cannot be changed or deleted in the database', () => {
    const entry = people.loopEntry;
    assert.throws(() => q(`UPDATE entries SET answers_enc = '\\x00' WHERE id = ${entry}`), /never changed/);
    assert.throws(() => q(`DELETE FROM entries WHERE id = ${entry}`), /never deleted/);
    q(`UPDATE entries SET reviewed_at = now() WHERE id = ${entry}`); // marks may change
});

test('what clients and therapists write is in neither the database dump nor the logs', () => {
    // Every answer field got the canary (the loop, the couple's entries), and replies and notes too.
    assert.ok(Number(q('SELECT count(*) FROM comments')) >= 2);
    const dump = execFileSync('pg_dump', ['--no-owner', '-d', srv.dbUrl], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    assert.ok(dump.includes('COPY public.entries'), 'the dump has the entries');
    assert.ok(!dump.includes(CANARY), 'the canary is not in the dump');
    assert.ok(!dump.toLowerCase().includes(CANARY.toLowerCase()));
    assert.ok(!dump.includes('Warm hands'));
    assert.ok(!srv.logs.some((l) => l.includes(CANARY)), 'nor in the server logs');
    assert.ok(!srv.logs.some((l) => l.includes('Warm hands')));
});

test('JSON twins carry no HTML and nothing of another person', async () => {
    const { A, T1 } = people;
    const entry = people.loopEntry;
    for (const path of ['/', `/entries/${entry}`, `/entries/${entry}/submitted`]) {
        const r = await A.getJson(path);
        assert.equal(r.status, 200, path);
        const s = JSON.stringify(r.json);
        assert.doesNotMatch(s, /<\/?[a-z][^>]*>/i, `${path}: no HTML`);
        assert.ok(!s.includes(T1.email), `${path}: no therapist e-mail`);
        assert.ok(!s.includes(people.A2.email) && !s.includes('"Sam"'), `${path}: nothing of the partner`);
        assert.equal(r.json.csrf, undefined);
    }
    const hw = await A.getJson(`/homework/${q(`SELECT assignment_id FROM entries WHERE id = ${entry}`)}`);
    assert.equal(hw.status, 200);
    assert.equal(hw.json.entries[0].id, Number(entry));
    assert.doesNotMatch(JSON.stringify(hw.json), /<\/?[a-z][^>]*>/i);
});
