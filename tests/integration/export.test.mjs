// export.test.mjs: a client's record as one download (issue 17, docs/EXPORT.md),
// through HTTP against PostgreSQL. A client with an assignment, two entries
// (one with a canary), a reply, an attention item and a couple partner:
// their own export holds the decrypted canary, every entry, the reply, the
// item (without the clinician's words), and nothing of the partner; the
// FHIR Bundle has the Patient, one Questionnaire per version used and one
// QuestionnaireResponse per entry referring to both. Their therapist's
// export (session or API token) has the same content; another therapist,
// an admin and anybody for a client not theirs are refused; every export is
// audited; the file name says nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request, query } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson } from '../lib/client.mjs';

let srv;
const people = {};
const ids = {};
const CANARY = 'Zq7canaryExport';
const PARTNER_CANARY = 'Zq7canaryPartnerPrivate';
const CLINICIAN = /risk assessment/; // the PHQ-9 alert's clinician wording

const q = (sql) => query(srv, sql);
const keyOf = (body) => /name="idempotency_key" value="([^"]+)"/.exec(body)?.[1];

function assign(client, therapist, slug) {
    return q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, due_date, times_per_week, weeks)
              SELECT l.id, l.version_id, ${therapist.id}, ${client.id}, current_date, NULL, 3, 2
              FROM activity_latest l WHERE l.slug = '${slug}' AND l.source = 'library' RETURNING id`);
}

async function submit(c, assignmentId, answers) {
    const form = await c.get(`/homework/${assignmentId}/practice`);
    assert.equal(form.status, 200, form.body.slice(0, 300));
    const res = await c.post(`/homework/${assignmentId}/practice`, { ...answers, idempotency_key: keyOf(form.body), action: 'submit' });
    assert.equal(res.status, 303, res.body.slice(0, 500));
    return /^\/entries\/(\d+)\/submitted$/.exec(res.headers.location)[1];
}

const phq9 = (v) => Object.fromEntries(v.map((x, i) => [`phq9_${i + 1}`, String(x)]));
const auditRows = (action, subject) => Number(q(`SELECT count(*) FROM audit_log WHERE action = '${action}' AND subject_id = ${subject}`));

// The same content, whoever exported it: the export time aside.
const content = (doc) => {
    const { exported_at: _t, ...rest } = doc;
    return rest;
};

before(async () => {
    srv = await startServer();
    createAdmin(srv);
    people.admin = await new Client(srv).signIn('admin@example.org');
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    people.T1 = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Tess One' });
    people.T2 = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Theo Two' });
    people.A = await invitedPerson(srv, { kind: 'client', createdBy: people.T1.id, name: 'Alex Export' });
    people.P = await invitedPerson(srv, { kind: 'client', createdBy: people.T1.id, name: 'Pat Partner' });
    people.B = await invitedPerson(srv, { kind: 'client', createdBy: people.T2.id, name: 'Blair Other' });

    // A's exercise: two entries, one with the canary; a reply from T1.
    ids.exercise = assign(people.A, people.T1, 'eye-contact-connection');
    ids.e1 = await submit(people.A, ids.exercise, { comfort: '7', connection: '6', what_noticed: `noticed ${CANARY}`, paused: 'no' });
    ids.e2 = await submit(people.A, ids.exercise, { comfort: '3', connection: '4', what_noticed: 'Second time', paused: 'no' });
    const page = await people.T1.get(`/entries/${ids.e1}`);
    const reply = await people.T1.post(`/entries/${ids.e1}/comments`, { body: `reply ${CANARY}`, idempotency_key: keyOf(page.body) });
    assert.equal(reply.status, 303);
    // A measure whose item 9 raises a risk item, acknowledged with a note.
    ids.measure = assign(people.A, people.T1, 'phq-9');
    ids.e3 = await submit(people.A, ids.measure, phq9([1, 1, 0, 0, 0, 0, 0, 0, 1]));
    ids.item = q(`SELECT id FROM attention_items WHERE entry_id = ${ids.e3} AND kind = 'risk'`);
    assert.ok(ids.item);
    const client = await people.T1.get(`/clients/${people.A.id}`);
    const ack = await people.T1.post(`/clients/${people.A.id}/attention/${ids.item}/acknowledge`, { note: 'Called; safety plan in place' });
    assert.ok([200, 303].includes(ack.status), `${ack.status} ${client.status}`);
    // The partner's own, unshared entry is theirs alone.
    ids.partner = assign(people.P, people.T1, 'eye-contact-connection');
    ids.pe = await submit(people.P, ids.partner, { comfort: '5', connection: '5', what_noticed: PARTNER_CANARY, paused: 'no' });
    ids.other = assign(people.B, people.T2, 'eye-contact-connection');
});

after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

test("the client's own export: versioned, decrypted, complete, theirs only, audited, a neutral file name", async () => {
    const before = auditRows('export.self', people.A.id);
    const res = await people.A.get('/account/export');
    assert.equal(res.status, 200, res.body.slice(0, 300));
    assert.match(res.headers['content-type'], /^application\/json/);
    assert.match(res.headers['content-disposition'], /^attachment; filename="my-data-\d{4}-\d{2}-\d{2}\.json"$/);
    assert.equal(res.headers['cache-control'], 'no-store');
    const doc = JSON.parse(res.body);
    assert.equal(doc.format, 'interlude-export');
    assert.equal(doc.version, 1);
    assert.match(doc.exported_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.equal(doc.client.id, Number(people.A.id));
    assert.equal(doc.client.name, 'Alex Export');
    assert.equal(doc.client.email, people.A.email);
    assert.equal(doc.client.role, 'client');

    assert.deepEqual(doc.assignments.map((a) => a.id).sort(), [ids.exercise, ids.measure].map(Number).sort());
    const ex = doc.assignments.find((a) => a.id === Number(ids.exercise));
    assert.equal(ex.therapist, 'Tess One');
    assert.ok(ex.content && typeof ex.content === 'object', 'the version as given');
    assert.ok(ex.client_title && ex.title);

    assert.deepEqual(doc.entries.map((e) => e.id), [ids.e1, ids.e2, ids.e3].map(Number));
    const e1 = doc.entries.find((e) => e.id === Number(ids.e1));
    assert.equal(e1.answers.what_noticed, `noticed ${CANARY}`);
    assert.equal(e1.unreadable, false);
    assert.equal(doc.entries.find((e) => e.id === Number(ids.e2)).answers.what_noticed, 'Second time');
    const e3 = doc.entries.find((e) => e.id === Number(ids.e3));
    assert.ok(e3.score && e3.score.total === 3, JSON.stringify(e3.score));
    assert.equal(e3.score.alerts, undefined, 'the clinician wording stays out');

    assert.equal(doc.replies.length, 1);
    assert.equal(doc.replies[0].body, `reply ${CANARY}`);
    assert.equal(doc.replies[0].entry_id, Number(ids.e1));
    assert.equal(doc.replies[0].author_role, 'therapist');

    assert.equal(doc.attention.length, 1);
    assert.equal(doc.attention[0].kind, 'risk');
    assert.equal(doc.attention[0].entry_id, Number(ids.e3));
    assert.match(doc.attention[0].acknowledged_at, /^\d{4}-\d{2}-\d{2}T/);
    assert.doesNotMatch(res.body, /safety plan/, 'the acknowledgement note is the therapist\'s');
    assert.doesNotMatch(res.body, CLINICIAN);
    assert.ok(!res.body.includes(PARTNER_CANARY), "the partner's entries are not in it");

    assert.equal(auditRows('export.self', people.A.id), before + 1);
    // Bad format: 400, nothing sent.
    const bad = await people.A.get('/account/export?format=pdf');
    assert.equal(bad.status, 400);
});

test('the FHIR Bundle: Patient, a Questionnaire per version used, a QuestionnaireResponse per entry', async () => {
    const res = await people.A.get('/account/export?format=fhir');
    assert.equal(res.status, 200, res.body.slice(0, 300));
    assert.match(res.headers['content-type'], /^application\/fhir\+json/);
    assert.match(res.headers['content-disposition'], /^attachment; filename="my-data-\d{4}-\d{2}-\d{2}-fhir\.json"$/);
    const b = JSON.parse(res.body);
    assert.equal(b.resourceType, 'Bundle');
    assert.equal(b.type, 'collection');
    const resources = b.entry.map((e) => e.resource);
    const patients = resources.filter((r) => r.resourceType === 'Patient');
    assert.equal(patients.length, 1);
    assert.equal(patients[0].name[0].text, 'Alex Export');
    const patientRef = `Patient/${patients[0].id}`;
    const qs = resources.filter((r) => r.resourceType === 'Questionnaire');
    const versions = q(`SELECT count(DISTINCT version_id) FROM assignments WHERE client_id = ${people.A.id}`);
    assert.equal(qs.length, Number(versions));
    assert.equal(new Set(qs.map((x) => x.id)).size, qs.length, 'unique ids');
    for (const x of qs) assert.ok(Array.isArray(x.item) && x.item.length > 0 && x.status === 'active');
    const qrs = resources.filter((r) => r.resourceType === 'QuestionnaireResponse');
    assert.equal(qrs.length, 3);
    const qIds = new Set(qs.map((x) => `Questionnaire/${x.id}`));
    for (const r of qrs) {
        assert.ok(qIds.has(r.questionnaire), r.questionnaire);
        assert.equal(r.subject.reference, patientRef);
        assert.equal(r.status, 'completed');
        assert.match(r.authored, /Z$/);
    }
    assert.ok(res.body.includes(`noticed ${CANARY}`), 'decrypted');
    assert.ok(!res.body.includes(PARTNER_CANARY));
    assert.equal(auditRows('export.self', people.A.id), 2);
});

test("the therapist's export of their client: the same content, by session or API token; audited", async () => {
    const mine = JSON.parse((await people.A.get('/account/export')).body);
    const before = auditRows('export.client', people.A.id);
    const res = await people.T1.get(`/clients/${people.A.id}/export`);
    assert.equal(res.status, 200, res.body.slice(0, 300));
    assert.match(res.headers['content-disposition'], /^attachment; filename="record-\d{4}-\d{2}-\d{2}\.json"$/);
    assert.ok(!/Alex|Export/.test(res.headers['content-disposition']), 'no name in the file name');
    assert.deepEqual(content(JSON.parse(res.body)), content(mine));
    const fhir = await people.T1.get(`/clients/${people.A.id}/export?format=fhir`);
    assert.equal(fhir.status, 200);
    const mineFhir = JSON.parse((await people.A.get('/account/export?format=fhir')).body);
    const theirs = JSON.parse(fhir.body);
    delete mineFhir.timestamp;
    delete theirs.timestamp;
    assert.deepEqual(theirs, mineFhir);
    assert.equal(auditRows('export.client', people.A.id), before + 2);
    assert.equal(Number(q(`SELECT count(*) FROM audit_log WHERE action = 'export.client' AND actor_id = ${people.T1.id} AND object_type = 'user' AND object_id = ${people.A.id}`)), before + 2);

    // A script with T1's read token (/api/v1 only).
    const made = await people.T1.postJson('/account/tokens', { name: 'record copy', scope: 'read', expires_in_days: '30' });
    assert.equal(made.status, 201, made.body);
    const viaToken = await request(`${srv.url}/api/v1/clients/${people.A.id}/export`, { headers: { Authorization: `Bearer ${made.json.token}` } });
    assert.equal(viaToken.status, 200);
    assert.deepEqual(content(JSON.parse(viaToken.body)), content(mine));
    const foreign = await request(`${srv.url}/api/v1/clients/${people.B.id}/export`, { headers: { Authorization: `Bearer ${made.json.token}` } });
    assert.equal(foreign.status, 404);
});

test('refused: another therapist, an admin, a client of another therapist, a client for someone else; nothing audited', async () => {
    const countAll = () => Number(q("SELECT count(*) FROM audit_log WHERE action LIKE 'export.%'"));
    const before = countAll();
    assert.equal((await people.T2.get(`/clients/${people.A.id}/export`)).status, 404);
    assert.equal((await people.T2.get(`/clients/${people.A.id}/export?format=fhir`)).status, 404);
    assert.equal((await people.T1.get(`/clients/${people.B.id}/export`)).status, 404, "a client of another therapist");
    assert.equal((await people.T1.get(`/clients/${people.T2.id}/export`)).status, 404, 'not a client');
    assert.equal((await people.T1.get('/clients/999999/export')).status, 404);
    assert.equal((await people.admin.get(`/clients/${people.A.id}/export`)).status, 403);
    assert.equal((await people.admin.get('/account/export')).status, 403, 'an admin has no clinical record to take');
    assert.equal((await people.T1.get('/account/export')).status, 403);
    assert.equal((await people.A.get(`/clients/${people.A.id}/export`)).status, 403);
    assert.equal((await new Client(srv).get('/account/export')).status, 303, 'signed out: to the sign-in page');
    assert.equal(countAll(), before);
    // B's own export holds nothing of A's.
    const b = await people.B.get('/account/export');
    assert.equal(b.status, 200);
    assert.ok(!b.body.includes(CANARY));
    assert.equal(JSON.parse(b.body).entries.length, 0);
});

test('the links: "Download my data" on the account page, "Export" on the client page', async () => {
    const account = await people.A.get('/account');
    assert.match(account.body, /href="\/account\/export"[^>]*>Download my data</);
    const page = await people.T1.get(`/clients/${people.A.id}`);
    assert.match(page.body, new RegExp(`href="/clients/${people.A.id}/export"[^>]*>Export<`));
    const admin = await people.admin.get('/account');
    assert.doesNotMatch(admin.body, /Download my data/);
});

test('a long record is read in pages: every entry and reply once, in order, all readable', async () => {
    // 250 more entries (copies of the second one's sealed answers: same
    // client and assignment, so they open) and 150 replies on the first.
    q(`INSERT INTO entries (assignment_id, client_id, status, answers_enc, idempotency_key, submitted_at)
       SELECT assignment_id, client_id, 'submitted', answers_enc, 'bulk-export-key-' || g, now()
       FROM entries, generate_series(1, 250) g WHERE id = ${ids.e2}`);
    q(`INSERT INTO comments (entry_id, author_id, body_enc, idempotency_key)
       SELECT entry_id, author_id, body_enc, 'bulk-reply-key-' || g
       FROM comments, generate_series(1, 150) g WHERE entry_id = ${ids.e1}`);
    const res = await people.A.get('/account/export');
    assert.equal(res.status, 200);
    const doc = JSON.parse(res.body);
    assert.equal(doc.entries.length, 253);
    const entryIds = doc.entries.map((e) => e.id);
    assert.deepEqual(entryIds, [...entryIds].sort((a, b) => a - b));
    assert.equal(new Set(entryIds).size, 253);
    assert.ok(doc.entries.every((e) => !e.unreadable && e.answers));
    assert.equal(doc.entries.filter((e) => e.answers.what_noticed === 'Second time').length, 251);
    assert.equal(doc.replies.length, 151);
    assert.equal(new Set(doc.replies.map((r) => r.id)).size, 151);
    assert.ok(doc.replies.every((r) => r.body === `reply ${CANARY}`));
    const fhir = JSON.parse((await people.A.get('/account/export?format=fhir')).body);
    assert.equal(fhir.entry.filter((e) => e.resource.resourceType === 'QuestionnaireResponse').length, 253);
});
