// entry-json.test.mjs: the lean JSON entry (issue 19): GET
// /api/v1/entries/{id} answers with the answers by field key and the form
// version they answer, not the page's view; GET /api/v1/forms/{id} gives
// that form, cacheable (ETag, Cache-Control: private, If-None-Match: 304),
// to those who may read it only; the read's audit row and read marks are
// one transaction. The HTML page is unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request, query } from '../lib/harness.mjs';
import { createAdmin, invitedPerson } from '../lib/client.mjs';

let srv;
const people = {};
const ids = {};

const q = (sql) => query(srv, sql);

const keyOf = (body) => /name="idempotency_key" value="([^"]+)"/.exec(body)?.[1];

function assignVersion(client, therapist, activity, version) {
    return q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, times_per_week, weeks)
              VALUES (${activity}, ${version}, ${therapist.id}, ${client.id}, current_date, 3, 2) RETURNING id`);
}

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
    people.T2 = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Theo' });
    people.C = await invitedPerson(srv, { kind: 'client', createdBy: people.T.id, name: 'Cal' });
    people.D = await invitedPerson(srv, { kind: 'client', createdBy: people.T2.id, name: 'Dee' });
    // T's own copy of a library exercise: a custom activity with a version.
    const exercise = q("SELECT id FROM activities WHERE source = 'library' AND slug = 'eye-contact-connection'");
    const dup = await people.T.post(`/library/${exercise}/duplicate`, {});
    const draft = /^\/drafts\/(\d+)$/.exec(dup.headers.location ?? '')?.[1];
    assert.ok(draft, `T's copy: ${dup.status}`);
    ids.custom = q(`SELECT activity_id FROM activity_drafts WHERE id = ${draft}`);
    ids.version = q(`SELECT max(id) FROM activity_versions WHERE activity_id = ${ids.custom}`);
    ids.libraryVersion = q("SELECT version_id FROM activity_latest WHERE slug = 'eye-contact-connection' AND source = 'library'");
    ids.assignment = assignVersion(people.C, people.T, ids.custom, ids.version);
    ids.entry = await submit(people.C, ids.assignment, { comfort: '4', connection: '5', what_noticed: 'noticed lean' });
});

after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

test('the JSON entry: answers by key, the form it answers, the thread; no page view', async () => {
    const { T, C } = people;
    const mine = await C.getJson(`/entries/${ids.entry}`);
    assert.equal(mine.status, 200);
    const j = mine.json;
    assert.equal(String(j.id), ids.entry);
    assert.equal(String(j.assignment_id), ids.assignment);
    assert.equal(String(j.client_id), String(C.id));
    assert.equal(j.status, 'submitted');
    assert.equal(j.role, 'author');
    assert.equal(String(j.form_version_id), ids.version);
    assert.equal(j.form, `/api/v1/forms/${ids.version}`);
    assert.deepEqual(j.answers, { comfort: 4, connection: 5, what_noticed: 'noticed lean' });
    assert.match(j.submitted_at, /^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    assert.match(j.submitted_utc, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(j.comments, []);
    assert.equal(j.reviewed, false);
    // The page's view is gone from the JSON: no labels, no template members.
    for (const k of ['title', 'back_href', 'reply_label', 'reply_value', 'comment_key', 'is_author']) assert.equal(j[k], undefined, k);
    // The HTML page is unchanged: it still shows the question and answer.
    const page = await C.get(`/entries/${ids.entry}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /noticed lean/);

    // The therapist: unread before, read after; one audit row per read.
    const audits = () => Number(q(`SELECT count(*) FROM audit_log WHERE action = 'entry.viewed' AND object_id = ${ids.entry}`));
    const before = audits();
    const theirs = await T.getJson(`/entries/${ids.entry}`);
    assert.equal(theirs.status, 200);
    assert.equal(theirs.json.role, 'therapist');
    assert.equal(theirs.json.new_for_therapist, true);
    assert.equal(q(`SELECT therapist_read_at IS NOT NULL FROM entries WHERE id = ${ids.entry}`), 't');
    assert.equal(audits(), before + 1);
    assert.equal((await T.getJson(`/entries/${ids.entry}`)).json.new_for_therapist, false);
});

test('the audit row and the read marks are one transaction: a failed mark leaves no audit row', async () => {
    const { T } = people;
    const entry = await submit(people.C, ids.assignment, { comfort: '3', connection: '3', what_noticed: 'second' });
    const audits = () => q(`SELECT count(*) FROM audit_log WHERE action = 'entry.viewed' AND object_id = ${entry}`);
    q(`CREATE FUNCTION test_mark_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no marks'; END $$;
       CREATE TRIGGER test_mark_fail BEFORE UPDATE OF therapist_read_at ON entries FOR EACH ROW EXECUTE FUNCTION test_mark_fail();`);
    try {
        const res = await T.getJson(`/entries/${entry}`);
        assert.equal(res.status, 503);
        assert.doesNotMatch(res.body, /second/);
        assert.equal(audits(), '0', 'the audit row went with the failed mark');
        assert.equal(q(`SELECT therapist_read_at IS NULL FROM entries WHERE id = ${entry}`), 't');
    } finally {
        q('DROP TRIGGER test_mark_fail ON entries; DROP FUNCTION test_mark_fail();');
    }
    assert.equal((await T.getJson(`/entries/${entry}`)).status, 200);
    assert.equal(audits(), '1');
});

test('the form: its fields, an ETag and a private day of caching; If-None-Match is 304', async () => {
    const { T, C } = people;
    const res = await C.getJson(`/forms/${ids.version}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['cache-control'], 'private, max-age=86400');
    const etag = res.headers.etag;
    assert.match(etag, new RegExp(`^"v${ids.version}-[0-9a-f]{16}-c"$`));
    assert.equal(String(res.json.id), ids.version);
    const keys = res.json.fields.map((f) => f.key);
    for (const k of ['comfort', 'connection', 'what_noticed']) assert.ok(keys.includes(k), k);
    const scale = res.json.fields.find((f) => f.key === 'comfort');
    assert.equal(scale.type, 'scale');
    assert.equal(typeof scale.label, 'string');
    // The client's copy holds nothing of the clinician's wording or weights.
    assert.equal(res.json.kind, undefined);
    assert.doesNotMatch(res.body, /therapist_label|"weight"/);

    const again = await C.get(`/api/v1/forms/${ids.version}`, { 'If-None-Match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    assert.equal(again.headers.etag, etag);
    assert.equal(again.headers['cache-control'], 'private, max-age=86400');
    const stale = await C.get(`/api/v1/forms/${ids.version}`, { 'If-None-Match': `"v${ids.version}-0000000000000000-c"` });
    assert.equal(stale.status, 200);

    // The therapist's answer differs, and so does its tag: a client's tag
    // is not the therapist's.
    const theirs = await T.getJson(`/forms/${ids.version}`);
    assert.equal(theirs.status, 200);
    assert.notEqual(theirs.headers.etag, etag);
    assert.equal(theirs.json.kind, 'exercise');
    assert.equal((await T.get(`/api/v1/forms/${ids.version}`, { 'If-None-Match': etag })).status, 200);
    // Other answers are not cached.
    assert.equal((await C.getJson(`/entries/${ids.entry}`)).headers['cache-control'], 'no-store');
});

test('the form is refused to those who may not read it', async () => {
    const { T2, D, C } = people;
    // Another therapist: not their activity, not given to a client of theirs.
    const other = await T2.getJson(`/forms/${ids.version}`);
    assert.equal(other.status, 404);
    assert.doesNotMatch(other.body, /comfort/);
    // Another client: not given to them; nor the library's version, which
    // was never given to C either.
    assert.equal((await D.getJson(`/forms/${ids.version}`)).status, 404);
    assert.equal((await C.getJson(`/forms/${ids.libraryVersion}`)).status, 404);
    assert.equal((await C.getJson('/forms/999999999')).status, 404);
    // A therapist reads any library version.
    assert.equal((await T2.getJson(`/forms/${ids.libraryVersion}`)).status, 200);
    // Signed out: 401; a conditional request does not get around it.
    const anon = await request(`${srv.url}/api/v1/forms/${ids.version}`, { headers: { 'If-None-Match': '*' } });
    assert.equal(anon.status, 401);
});

test('a therapist\'s API token reads the entry and its form', async () => {
    const { T } = people;
    const made = await T.postJson('/account/tokens', { name: 'script', scope: 'read', expires_in_days: '30' });
    assert.equal(made.status, 201);
    const headers = { Authorization: `Bearer ${made.json.token}` };
    const entry = await request(`${srv.url}/api/v1/entries/${ids.entry}`, { headers });
    assert.equal(entry.status, 200);
    const form = await request(`${srv.url}${JSON.parse(entry.body).form}`, { headers });
    assert.equal(form.status, 200);
    assert.equal(JSON.parse(form.body).fields.length > 0, true);
    const cached = await request(`${srv.url}${JSON.parse(entry.body).form}`, { headers: { ...headers, 'If-None-Match': form.headers.etag } });
    assert.equal(cached.status, 304);
});
