// attention.test.mjs: attention items end to end, through HTTP against
// PostgreSQL: each kind raised (risk in the transaction of the entry,
// worsening, rising distress, pausing, inactivity by the housekeeping job),
// shown on the caseload (sorted first, risk at the top, badges in words, the
// JSON twin's attention list), listed on the client page and acknowledged
// (audited, sealed note, once); never shown to other therapists, to the
// partner of a couple or to admins. The client sees the support panel with
// the admin's crisis contacts, never the clinician's wording.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, query } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson } from '../lib/client.mjs';

let srv;
const people = {};
const CLINICIAN = /risk assessment/; // the PHQ-9 alert's clinician wording
const CANARY = 'Zq7canaryHeron';

const q = (sql) => query(srv, sql);

function invitedAs(kind, createdBy, name) {
    return invitedPerson(srv, { kind, createdBy, name });
}

function assign(client, therapist, { slug, start = 'current_date', due = 'current_date + 7', tpw = null, weeks = null } = {}) {
    const lit = (v) => (v === null ? 'NULL' : v);
    return q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, due_date, times_per_week, weeks)
              SELECT l.id, l.version_id, ${therapist.id}, ${client.id}, ${start}, ${lit(due)}, ${lit(tpw)}, ${lit(weeks)}
              FROM activity_latest l WHERE l.slug = '${slug}' AND l.source = 'library' RETURNING id`);
}

const keyOf = (body) => /name="idempotency_key" value="([^"]+)"/.exec(body)?.[1];

async function submit(c, assignmentId, answers) {
    const form = await c.get(`/homework/${assignmentId}/practice`);
    assert.equal(form.status, 200, form.body.slice(0, 300));
    const res = await c.post(`/homework/${assignmentId}/practice`, { ...answers, idempotency_key: keyOf(form.body), action: 'submit' });
    assert.equal(res.status, 303, res.body.slice(0, 500));
    const m = /^\/entries\/(\d+)\/submitted$/.exec(res.headers.location);
    assert.ok(m, res.headers.location);
    return m[1];
}

// PHQ-9 answers with the given item values (item 9 last).
const phq9 = (v) => Object.fromEntries(v.map((x, i) => [`phq9_${i + 1}`, String(x)]));

function items(client) {
    return q(`SELECT coalesce(string_agg(kind || ':' || (acknowledged_at IS NULL), ',' ORDER BY id), '') FROM attention_items WHERE client_id = ${client.id}`);
}

before(async () => {
    srv = await startServer({ env: { HOUSEKEEPING_INTERVAL: '1' } });
    createAdmin(srv);
    people.admin = await new Client(srv).signIn('admin@example.org');
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    people.T1 = await invitedAs('therapist', adminId, 'Tess One');
    people.T2 = await invitedAs('therapist', adminId, 'Theo Two');
    people.A = await invitedAs('client', people.T1.id, 'Alex');
    people.P = await invitedAs('client', people.T1.id, 'Pat'); // A's partner
    people.C = await invitedAs('client', people.T1.id, 'Casey');
    people.D = await invitedAs('client', people.T1.id, 'Drew');
    const [lo, hi] = Number(people.A.id) < Number(people.P.id) ? [people.A.id, people.P.id] : [people.P.id, people.A.id];
    q(`INSERT INTO couples (therapist_id, partner_a, partner_b) VALUES (${people.T1.id}, ${lo}, ${hi})`);
});

after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

test('admins set the crisis contacts: bad input kept with a message per field, then added, audited', async () => {
    const bad = await people.admin.post('/admin/support', { label: '', phone: 'call me', url: 'http://x.example', note: 'Free' });
    assert.equal(bad.status, 422);
    assert.match(bad.body, /Enter a name for the contact/);
    assert.match(bad.body, /Enter the number with digits/);
    assert.match(bad.body, /starts with https:\/\//);
    assert.match(bad.body, /value="call me"/, 'what was typed is kept');
    assert.equal(q('SELECT count(*) FROM crisis_contacts'), '0');
    const json = await people.admin.postJson('/admin/support', { label: 'x', phone: '', url: '' });
    assert.equal(json.status, 422);
    assert.ok(json.json.error.fields.phone);

    const ok = await people.admin.post('/admin/support', { label: 'Crisis line (24 hours)', phone: '+44 800 123 456', url: '', note: 'Free and confidential' });
    assert.equal(ok.status, 303);
    assert.equal(q("SELECT count(*) FROM audit_log WHERE action = 'settings.crisis_contact_added'"), '1');
    const page = await people.admin.get('/admin/support');
    assert.match(page.body, /Crisis line \(24 hours\)/);
    assert.equal((await people.T1.get('/admin/support')).status, 403);
    assert.equal((await people.A.post('/admin/support', { label: 'x', phone: '123' })).status, 403);
});

test('risk: PHQ-9 item 9 raises an item with the entry, the client sees care and the contacts, never the clinical wording', async () => {
    const a = assign(people.A, people.T1, { slug: 'phq-9' });
    const entry = await submit(people.A, a, phq9([1, 1, 0, 0, 0, 0, 0, 0, 1]));
    // Raised in the same transaction: there when the redirect arrives.
    assert.equal(q(`SELECT count(*) FROM attention_items WHERE entry_id = ${entry} AND kind = 'risk' AND acknowledged_at IS NULL`), '1');
    assert.equal(q(`SELECT count(*) FROM attention_items WHERE entry_id = ${entry} AND position('risk assessment' IN encode(detail_enc, 'escape')) > 0`), '0', 'the detail is sealed');

    const page = await people.A.get(`/entries/${entry}/submitted`);
    assert.equal(page.status, 200);
    assert.match(page.body, /You deserve support now/);
    assert.match(page.body, /Your therapist will see it\./);
    assert.match(page.body, /Crisis line \(24 hours\)/);
    assert.match(page.body, /href="tel:\+44800123456"/);
    assert.match(page.body, /local emergency number/);
    assert.doesNotMatch(page.body, CLINICIAN);
    assert.match(page.body, /<title>Saved · Interlude<\/title>/, 'a neutral title');
    const pj = await people.A.getJson(`/entries/${entry}/submitted`);
    assert.ok(pj.json.support.messages.length >= 1);
    assert.doesNotMatch(JSON.stringify(pj.json), CLINICIAN);

    // Reading the entry later: the client gets care words, the therapist the clinical ones.
    const mine = await people.A.getJson(`/entries/${entry}`);
    assert.doesNotMatch(JSON.stringify(mine.json), CLINICIAN);
    assert.ok(mine.json.support, 'the support panel is on the entry too');
    assert.doesNotMatch((await people.A.get(`/entries/${entry}`)).body, CLINICIAN);
    const theirs = await people.T1.getJson(`/entries/${entry}`);
    assert.match(JSON.stringify(theirs.json.score.alerts), CLINICIAN);

    // No risk answer: no panel, and no item.
    const b = assign(people.A, people.T1, { slug: 'gad-7' });
    const calm = await submit(people.A, b, Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`gad7_${i + 1}`, '0'])));
    const plain = await people.A.get(`/entries/${calm}/submitted`);
    assert.doesNotMatch(plain.body, /You deserve support now/);
    assert.equal(q(`SELECT count(*) FROM attention_items WHERE entry_id = ${calm}`), '0');
});

test('"your therapist will see it" is said only when it is true', async () => {
    const a = assign(people.D, people.T1, { slug: 'gad-7' });
    q(`DELETE FROM care_team WHERE client_id = ${people.D.id} AND therapist_id = ${people.T1.id}`);
    const entry = await submit(people.D, a, Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`gad7_${i + 1}`, '1'])));
    const page = await people.D.get(`/entries/${entry}/submitted`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /Your therapist will see it/);
    q(`INSERT INTO care_team (therapist_id, client_id) VALUES (${people.T1.id}, ${people.D.id})`);
});

test('the caseload puts risk first, with badges in words and the JSON attention list; others see nothing', async () => {
    const html = await people.T1.get('/clients');
    assert.equal(html.status, 200);
    const rows = [...html.body.matchAll(/<tr class="[^"]*"><th scope="row"><a href="\/clients\/(\d+)">/g)].map((m) => m[1]);
    assert.equal(rows[0], String(people.A.id), 'the client with a risk answer is first');
    assert.match(html.body, /class="badge badge-risk"[^>]*>Risk answer/);
    const json = await people.T1.getJson('/clients');
    const a = json.json.caseload.find((r) => String(r.id) === String(people.A.id));
    assert.equal(a.attention.length, 1);
    assert.equal(a.attention[0].kind, 'risk');
    assert.match(a.attention[0].raised_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(a.attention[0].entry_id);
    assert.equal(json.json.caseload[0].id, a.id);
    // Another therapist, an admin and the partner see nothing of it.
    const t2 = await people.T2.getJson('/clients');
    assert.doesNotMatch(JSON.stringify(t2.json), /"risk"/);
    assert.equal((await people.admin.get('/clients')).status, 403);
    assert.equal((await people.T2.get(`/clients/${people.A.id}`)).status, 404);
    const partner = await people.P.getJson('/');
    assert.doesNotMatch(JSON.stringify(partner.json), /risk|attention/i);
    const item = a.attention[0].id;
    assert.equal((await people.P.post(`/clients/${people.A.id}/attention/${item}/acknowledge`, {})).status, 403);
});

test('acknowledging: someone else\'s, too long, then once with a sealed note, audited; twice is refused', async () => {
    const id = q(`SELECT id FROM attention_items WHERE client_id = ${people.A.id} AND kind = 'risk'`);
    const fp = () => q(`SELECT concat_ws(',', acknowledged_at, acknowledged_by, ack_note_enc IS NULL) FROM attention_items WHERE id = ${id}`);
    const before0 = fp();
    // Another therapist, and the item under another client of T1's.
    assert.equal((await people.T2.post(`/clients/${people.A.id}/attention/${id}/acknowledge`, {})).status, 404);
    assert.equal((await people.T1.post(`/clients/${people.C.id}/attention/${id}/acknowledge`, {})).status, 404);
    // A 100 KB note: 422, the note kept, nothing changed.
    const long = 'x'.repeat(100 * 1024);
    const tooLong = await people.T1.post(`/clients/${people.A.id}/attention/${id}/acknowledge`, { note: long });
    assert.equal(tooLong.status, 422);
    assert.match(tooLong.body, /2,000 characters or fewer/);
    assert.ok(tooLong.body.includes(long), 'what was typed is kept');
    assert.equal(fp(), before0);

    const page = await people.T1.get(`/clients/${people.A.id}`);
    assert.match(page.body, /Needs your attention/);
    assert.match(page.body, /Risk answer/);
    assert.match(page.body, CLINICIAN, 'the therapist reads the clinical detail');
    const ok = await people.T1.post(`/clients/${people.A.id}/attention/${id}/acknowledge`, { note: `Called them, safety plan reviewed ${CANARY}` });
    assert.equal(ok.status, 303);
    assert.equal(q(`SELECT acknowledged_by FROM attention_items WHERE id = ${id}`), String(people.T1.id));
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'attention.acknowledged' AND object_id = ${id} AND actor_id = ${people.T1.id}`), '1');
    assert.equal(q(`SELECT count(*) FROM attention_items WHERE position('${CANARY}' IN encode(ack_note_enc, 'escape')) > 0`), '0', 'the note is sealed');
    const after1 = await people.T1.get(`/clients/${people.A.id}`);
    assert.match(after1.body, new RegExp(`Acknowledged [0-9: -]+ by Tess One`));
    assert.ok(after1.body.includes(CANARY), 'the note reads back');
    const again = await people.T1.post(`/clients/${people.A.id}/attention/${id}/acknowledge`, {});
    assert.equal(again.status, 409);
    const j = await people.T1.getJson('/clients');
    assert.equal(j.json.caseload.find((r) => String(r.id) === String(people.A.id)).attention.length, 0, 'closed items leave the caseload');
    // The table refuses a second acknowledgement or a deletion by itself too.
    assert.throws(() => q(`UPDATE attention_items SET acknowledged_at = now() WHERE id = ${id}`));
    assert.throws(() => q(`DELETE FROM attention_items WHERE id = ${id}`));
});

test('worsening: a worse band than the previous score raises one item', async () => {
    const a1 = assign(people.C, people.T1, { slug: 'phq-9' });
    await submit(people.C, a1, phq9([1, 1, 1, 1, 1, 1, 1, 0, 0])); // 7, Mild
    assert.equal(items(people.C), '');
    const a2 = assign(people.C, people.T1, { slug: 'phq-9' });
    await submit(people.C, a2, phq9([2, 2, 2, 1, 1, 1, 1, 1, 0])); // 11, Moderate
    assert.equal(items(people.C), 'worsening:true');
    const page = await people.T1.get(`/clients/${people.C.id}`);
    assert.match(page.body, /Score 11 \(Moderate\), previously 7 \(Mild\)\./);
    // The chart marks the entry that raised it, over the shaded bands.
    assert.equal((page.body.match(/<circle class="chart-mark"/g) || []).length, 1);
    assert.match(page.body, /<rect class="chart-band /);
    assert.match(page.body, /<td>Scores worse<\/td>/);
    // The client's own progress page shows the chart without the marks.
    const own = await people.C.get('/progress');
    assert.equal(own.status, 200);
    assert.doesNotMatch(own.body, /chart-mark|Scores worse/);
});

test('rising distress three times in a row, and pausing twice, each raise one open item', async () => {
    const c = await invitedAs('client', people.T1.id, 'Robin');
    const a = assign(c, people.T1, { slug: 'settling-before-closeness', due: null, tpw: 3, weeks: 2 });
    const up = { distress_before: '3', distress_after: '5', paused: 'yes', what_noticed: CANARY };
    await submit(c, a, up);
    assert.equal(items(c), '');
    await submit(c, a, up);
    assert.equal(items(c), 'paused:true');
    await submit(c, a, up);
    assert.equal(items(c), 'paused:true,distress_rising:true', 'a third pause does not add a second open item');
    await submit(c, a, { distress_before: '6', distress_after: '2', paused: 'no' });
    assert.equal(items(c), 'paused:true,distress_rising:true');
    const json = await people.T1.getJson('/clients');
    const row = json.json.caseload.find((r) => String(r.id) === String(c.id));
    assert.deepEqual(row.attention.map((i) => i.kind).sort(), ['distress_rising', 'paused']);
    assert.equal(row.attention[0].assignment_id, Number(a));
});

test('inactive: the housekeeping job flags an assignment left untouched for the therapist\'s number of days, once', async () => {
    const quiet = await invitedAs('client', people.T1.id, 'Quinn');
    const a = assign(quiet, people.T1, { slug: 'daily-appreciations', start: 'current_date - 9', due: null, tpw: 3, weeks: 4 });
    const recent = assign(quiet, people.T1, { slug: 'closeness-map', start: 'current_date - 2', due: null, tpw: 3, weeks: 4 });
    // T2's setting: 30 days. Their client's 9-day silence raises nothing.
    const other = await invitedAs('client', people.T2.id, 'Olly');
    const settings = await people.T2.post('/account/settings', { inactive_days: '30' });
    assert.equal(settings.status, 303);
    const b = assign(other, people.T2, { slug: 'daily-appreciations', start: 'current_date - 9', due: null, tpw: 3, weeks: 4 });
    // Repeating every 14 days: one whose current occurrence (begun 9 days
    // ago) is unanswered, and one whose occurrence begun 13 days ago was
    // answered 10 days ago: it waits for the next, and is not silent.
    // Each made in one statement, with its entry: the job runs every second.
    const rep = (start, answeredDaysAgo = null) => q(`WITH a AS (
        INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, due_date, repeat_days)
        SELECT l.id, l.version_id, ${people.T1.id}, ${quiet.id}, ${start}, current_date + 60, 14
        FROM activity_latest l WHERE l.slug = 'phq-9' AND l.source = 'library' RETURNING id),
      e AS (INSERT INTO entries (assignment_id, client_id, status, answers_enc, idempotency_key, submitted_at)
        SELECT id, ${quiet.id}, 'submitted', '\\x00'::bytea, 'repeating-key-' || id, now() - interval '${answeredDaysAgo ?? 0} days'
        FROM a WHERE ${answeredDaysAgo !== null})
      SELECT id FROM a`);
    const repMissed = rep('current_date - 23');
    const repAnswered = rep('current_date - 27', 10);
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline && q(`SELECT count(*) FROM attention_items WHERE assignment_id = ${a}`) === '0') {
        await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(q(`SELECT count(*) FROM attention_items WHERE assignment_id = ${a} AND kind = 'inactive' AND entry_id IS NULL`), '1');
    await new Promise((r) => setTimeout(r, 2500)); // two more ticks
    assert.equal(q(`SELECT count(*) FROM attention_items WHERE assignment_id = ${a}`), '1', 'raised once');
    assert.equal(q(`SELECT count(*) FROM attention_items WHERE assignment_id IN (${recent}, ${b}, ${repAnswered})`), '0');
    assert.equal(q(`SELECT count(*) FROM attention_items WHERE assignment_id = ${repMissed} AND kind = 'inactive'`), '1');
    const page = await people.T1.get('/clients');
    assert.match(page.body, /No practice lately/);
});

test('therapists set their inactivity days on the account page; bad values are refused and kept', async () => {
    const page = await people.T1.get('/account');
    assert.match(page.body, /name="inactive_days"/);
    const bad = await people.T1.post('/account/settings', { inactive_days: '1000' });
    assert.equal(bad.status, 422);
    assert.match(bad.body, /value="1000"/);
    assert.match(bad.body, /from 2 to 60/);
    const client = await people.A.post('/account/settings', { inactive_days: '10' });
    assert.equal(client.status, 403);
});
