// preferences.test.mjs: the preference_list field type on a couple
// assignment ("Our shared list"): each partner answers privately; once both
// have submitted, each sees on their own entry page only the items BOTH
// marked yes or maybe: never the other's no, never an item only one of them
// wants, never the other's notes; nothing before both submitted. The
// therapist reads both full lists; a third client and another therapist see
// nothing; each FHIR export is its author's own; bad answers are 422 with
// nothing submitted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, query } from '../lib/harness.mjs';
import { createAdmin, invitedPerson } from '../lib/client.mjs';

let srv;
const people = {};
const rows = {};
const entries = {};
const NOTE_A = 'Aq7noteCanaryWillow';
const NOTE_B = 'Bz4noteCanaryHeron';

const q = (sql) => query(srv, sql);
const day = (n = 0) => q(`SELECT to_char((now() AT TIME ZONE 'UTC')::date + ${n}, 'YYYY-MM-DD')`);
const keyOf = (body) => /name="idempotency_key" value="([^"]+)"/.exec(body)?.[1];
const reveal = (body) => /<section[^>]*id="reveal">([\s\S]*?)<\/section>/.exec(body)?.[1];
const submitted = (assignment) => Number(q(`SELECT count(*) FROM entries WHERE assignment_id = ${assignment} AND status = 'submitted'`));

// A's and B's lists. Both yes/maybe: hand_holding, long_hug, blindfold.
// A no: back_stroke; B no: kissing_slow; only A: massage.
const A_ANSWERS = {
    'wishes.hand_holding': 'yes', 'wishes.hand_holding.note': NOTE_A,
    'wishes.long_hug': 'maybe',
    'wishes.back_stroke': 'no',
    'wishes.kissing_slow': 'yes',
    'wishes.massage': 'yes',
    'wishes.blindfold': 'yes',
    paused: 'no',
};
const B_ANSWERS = {
    'wishes.hand_holding': 'maybe',
    'wishes.long_hug': 'yes',
    'wishes.back_stroke': 'yes',
    'wishes.kissing_slow': 'no', 'wishes.kissing_slow.note': NOTE_B,
    'wishes.blindfold': 'maybe',
    paused: 'no',
};

async function practise(c, assignmentId, answers) {
    const form = await c.get(`/homework/${assignmentId}/practice`);
    assert.equal(form.status, 200, form.body.slice(0, 300));
    return c.post(`/homework/${assignmentId}/practice`, { ...answers, idempotency_key: keyOf(form.body), action: 'submit' });
}

async function practiseOk(c, assignmentId, answers) {
    const res = await practise(c, assignmentId, answers);
    assert.equal(res.status, 303, res.body.slice(0, 500));
    return /^\/entries\/(\d+)\/submitted$/.exec(res.headers.location)[1];
}

before(async () => {
    srv = await startServer();
    createAdmin(srv);
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    people.T1 = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Tess One' });
    people.T2 = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Theo Two' });
    people.A = await invitedPerson(srv, { kind: 'client', createdBy: people.T1.id, name: 'Alex' });
    people.B = await invitedPerson(srv, { kind: 'client', createdBy: people.T1.id, name: 'Sam' });
    people.C = await invitedPerson(srv, { kind: 'client', createdBy: people.T1.id, name: 'Charlie' });
    const made = await people.T1.post('/couples', { partner_a: people.A.id, partner_b: people.B.id });
    assert.ok([200, 303].includes(made.status), made.body.slice(0, 300));
    const couple = q(`SELECT id FROM couples WHERE partner_a = ${Math.min(people.A.id, people.B.id)} AND partner_b = ${Math.max(people.A.id, people.B.id)}`);
    const activity = q("SELECT id FROM activities WHERE slug = 'our-shared-list' AND source = 'library'");
    assert.ok(activity, 'the library exercise is loaded');
    const res = await people.T1.post('/assignments', { who: `couple:${couple}`, activity, start_date: day(), schedule: 'due', due_date: day(7) });
    assert.equal(res.status, 303, res.body.slice(0, 800));
    for (const who of ['A', 'B'])
        rows[who] = q(`SELECT id FROM assignments WHERE couple_id = ${couple} AND client_id = ${people[who].id}`);
    assert.ok(rows.A && rows.B);
});

after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

test('the practice form renders the list grouped, one fieldset per group and item, on radios and a note', async () => {
    const form = await people.A.get(`/homework/${rows.A}/practice`);
    assert.equal(form.status, 200);
    for (const g of ['Touch', 'Words', 'Settings', 'Pace', 'New things to try'])
        assert.match(form.body, new RegExp(`<fieldset class="pref-group"><legend>${g}</legend>`));
    assert.match(form.body, /<input type="radio" id="f-wishes-0-yes" name="wishes.hand_holding" value="yes">/);
    assert.match(form.body, /name="wishes.hand_holding" value="maybe"/);
    assert.match(form.body, /name="wishes.hand_holding" value="no"/);
    assert.match(form.body, /<label class="pref-note-label" for="f-wishes-0-note">Note/);
    assert.match(form.body, /name="wishes.hand_holding.note" type="text"/);
});

test('bad answers: an item not on the list, a made-up choice, a note without a choice: 422, nothing submitted', async () => {
    const cases = [
        { ...A_ANSWERS, 'wishes.not_on_the_list': 'yes' },
        { ...A_ANSWERS, 'wishes.hand_holding': 'sometimes' },
        { ...A_ANSWERS, 'wishes.pet_names.note': 'only in private' },
        { ...A_ANSWERS, 'wishes.hand_holding.extra': 'yes' },
    ];
    for (const answers of cases) {
        const res = await practise(people.A, rows.A, answers);
        assert.equal(res.status, 422, JSON.stringify(answers).slice(0, 200));
        assert.match(res.body, /id="f-wishes-error"/);
        assert.equal(submitted(rows.A), 0, 'nothing submitted');
    }
    // What was typed is shown again: A's note and choices survive.
    const res = await practise(people.A, rows.A, cases[0]);
    assert.match(res.body, new RegExp(`name="wishes.hand_holding.note" type="text" value="${NOTE_A}"`));
    assert.match(res.body, /id="f-wishes-2-no" name="wishes.back_stroke" value="no" checked/);
    // The JSON twin: 422 naming the field; nothing submitted.
    const form = await people.A.get(`/homework/${rows.A}/practice`);
    const j = await people.A.post(`/homework/${rows.A}/practice`, { ...cases[0], idempotency_key: keyOf(form.body), action: 'submit' }, { headers: { accept: 'application/json' } });
    assert.equal(j.status, 422);
    assert.ok(JSON.parse(j.body).error.fields.wishes);
    assert.equal(submitted(rows.A), 0);
});

test('before both have answered: nothing is revealed', async () => {
    entries.A = await practiseOk(people.A, rows.A, A_ANSWERS);
    const page = await people.A.get(`/entries/${entries.A}`);
    assert.equal(page.status, 200);
    const r = reveal(page.body);
    assert.ok(r, 'the reveal section is there');
    assert.match(r, /What you both said yes or maybe to/);
    assert.match(r, /shown once you have both answered/);
    assert.doesNotMatch(r, /<li>/);
    const j = await people.A.getJson(`/entries/${entries.A}`);
    assert.equal(j.json.reveal.ready, false);
    assert.deepEqual(j.json.reveal.fields, []);
});

test('once both have answered, each sees only the overlap: never the other\'s no, notes or one-sided items', async () => {
    entries.B = await practiseOk(people.B, rows.B, B_ANSWERS);
    for (const [who, mine, theirs] of [['A', NOTE_A, NOTE_B], ['B', NOTE_B, NOTE_A]]) {
        const page = await people[who].get(`/entries/${entries[who]}`);
        assert.equal(page.status, 200);
        const r = reveal(page.body);
        const listed = [...r.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]);
        assert.deepEqual(listed.sort(), ['A long hug', 'Closing eyes or a blindfold for one partner', 'Holding hands'], who);
        assert.match(r, /<h4>Touch<\/h4>/);
        assert.match(r, /<h4>New things to try<\/h4>/);
        assert.doesNotMatch(r, /Slow strokes|Slow kissing|massage|Maybe|\bNo\b/, `${who}: no one-sided item, no choice shown`);
        assert.ok(!page.body.includes(theirs), `${who} never reads the other's note`);
        assert.ok(page.body.includes(mine), `${who} reads their own note`);
        const j = await people[who].getJson(`/entries/${entries[who]}`);
        assert.equal(j.json.reveal.ready, true);
        assert.ok(!j.body.includes(theirs));
        const items = j.json.reveal.fields[0].groups.flatMap((g) => g.items.map((i) => i.label)).sort();
        assert.deepEqual(items, ['A long hug', 'Closing eyes or a blindfold for one partner', 'Holding hands']);
        assert.deepEqual(Object.keys(j.json.reveal.fields[0].groups[0].items[0]), ['label'], 'labels only');
    }
    // Each read of the other's entry for the overlap is audited, by the reader.
    for (const [who, other] of [['A', 'B'], ['B', 'A']])
        assert.ok(Number(q(`SELECT count(*) FROM audit_log WHERE action = 'entry.overlap_viewed' AND object_type = 'entry'
            AND object_id = ${entries[other]} AND actor_id = ${people[who].id}`)) >= 1, who);
    // A's own list is A's own: A's "no" to back strokes is there, B's "no" to kissing is not.
    const a = await people.A.get(`/entries/${entries.A}`);
    assert.match(a.body, /No: Slow strokes on the back and shoulders\./);
    assert.match(a.body, /Yes: [^<]*Slow kissing/);
});

test('a shared entry never shows the list to the partner', async () => {
    const share = await people.A.post(`/entries/${entries.A}/share`, { share: 'on' });
    assert.equal(share.status, 303);
    const page = await people.B.get(`/entries/${entries.A}`);
    assert.equal(page.status, 200);
    assert.ok(!page.body.includes(NOTE_A));
    assert.doesNotMatch(page.body, /Slow strokes|Slow kissing|massage/);
    assert.equal(reveal(page.body), undefined, 'no reveal on a partner\'s view');
    // Nor in the JSON twin, which gives answers by key.
    const j = await people.B.getJson(`/entries/${entries.A}`);
    assert.equal(j.status, 200);
    assert.equal(j.json.role, 'partner');
    assert.ok(!j.body.includes(NOTE_A) && !/"choice"/.test(j.body), 'no preference list in the partner\'s JSON');
    assert.equal(j.json.reveal, undefined);
    assert.equal((await people.B.get(`/entries/${entries.A}/fhir`)).status, 404);
});

test('the therapist reads both full lists; a third client and another therapist see nothing', async () => {
    const a = await people.T1.get(`/entries/${entries.A}`);
    assert.equal(a.status, 200);
    assert.ok(a.body.includes(NOTE_A));
    assert.match(a.body, /No: Slow strokes on the back and shoulders\./);
    assert.equal(reveal(a.body), undefined);
    const b = await people.T1.get(`/entries/${entries.B}`);
    assert.ok(b.body.includes(NOTE_B));
    assert.match(b.body, /No: Slow kissing \(note: /);
    for (const who of ['C', 'T2']) {
        for (const id of [entries.A, entries.B]) {
            assert.equal((await people[who].get(`/entries/${id}`)).status, 404, who);
            assert.equal((await people[who].get(`/entries/${id}/fhir`)).status, 404, who);
        }
        // The client's homework page: another client gets 404; a therapist is refused by role.
        assert.equal((await people[who].get(`/homework/${rows.A}`)).status, who === 'C' ? 404 : 403, who);
    }
});

test('the FHIR export of each entry is its author\'s own: a group with a choice per answered item', async () => {
    for (const [who, own, other, no] of [['A', NOTE_A, NOTE_B, 'back_stroke'], ['B', NOTE_B, NOTE_A, 'kissing_slow']]) {
        const res = await people[who].get(`/entries/${entries[who]}/fhir`);
        assert.equal(res.status, 200);
        const qr = JSON.parse(res.body);
        assert.equal(qr.resourceType, 'QuestionnaireResponse');
        const group = qr.item.find((i) => i.linkId === 'wishes');
        assert.ok(group && !group.answer && Array.isArray(group.item));
        const no_item = group.item.find((i) => i.linkId === `wishes.${no}`);
        assert.equal(no_item.answer[0].valueCoding.code, 'no');
        assert.ok(res.body.includes(own));
        assert.ok(!res.body.includes(other));
        const t = await people.T1.get(`/entries/${entries[who]}/fhir`);
        assert.equal(t.status, 200);
        assert.deepEqual(JSON.parse(t.body).item, qr.item, 'the therapist downloads the same');
    }
    const qa = JSON.parse((await people.A.get(`/entries/${entries.A}/fhir`)).body);
    assert.ok(!qa.item.find((i) => i.linkId === 'wishes').item.some((i) => i.linkId === 'wishes.pet_names'), 'unanswered items left out');
});
