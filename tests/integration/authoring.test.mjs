// authoring.test.mjs: therapists' own exercises and intake forms: duplicate
// a library exercise, change it in the builder with plain form posts only,
// publish a new version (assigned homework keeps its version), build an
// intake form with every field type, refuse bad input with the message next
// to the input, archive, and keep it all away from other people. A
// question's flag: builder-alerts.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, psql, ROOT, query } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson } from '../lib/client.mjs';

let srv;
let t1;
let t2;
let client;
let admin;
const ids = {};

const q = (sql) => query(srv, sql);

function invited(kind, createdBy, email, name) {
    return invitedPerson(srv, { kind, createdBy, email, name });
}

// POSTs a plain form and expects a 303; returns the Location.
async function post303(c, url, fields) {
    const res = await c.post(url, fields);
    assert.equal(res.status, 303, `${url} ${JSON.stringify(fields)}: ${res.status} ${res.body.slice(0, 400)}`);
    return res.headers.location;
}

function idFrom(location, prefix) {
    const m = new RegExp(`^${prefix}/(\\d+)`).exec(location);
    assert.ok(m, `${location} is not under ${prefix}`);
    return m[1];
}

// The builder's data (the JSON twin of the page).
async function builder(c, draft) {
    const res = await c.getJson(`/drafts/${draft}`);
    assert.equal(res.status, 200);
    return res.json;
}

// The save_field form of a field as the builder shows it, with changes.
function fieldForm(f, changes = {}) {
    const body = {
        action: 'save_field', field: String(f.index), key: f.key, label: f.label, help: f.help, text: f.text,
        min: f.min, max: f.max, min_label: f.min_label, max_label: f.max_label, options: f.options,
        show_if_field: f.show_if_field, show_if_value: f.show_if_value,
    };
    if (f.can_alert) Object.assign(body, { alert_on: f.alert_on, alert_message: f.alert_message, alert_client_message: f.alert_client_message });
    if (f.required) body.required = 'on';
    if (f.decimals) body.decimals = 'on';
    return { ...body, ...changes };
}

// The HTML of the builder's block for field index (its <li>).
function fieldBlock(html, index) {
    const start = html.indexOf(`id="field-${index}"`);
    assert.ok(start >= 0, `no block for field ${index}`);
    return html.slice(start, html.indexOf('</li>', start));
}

function draftContent(draft) {
    return q(`SELECT content::text FROM activity_drafts WHERE id = ${draft}`);
}

before(async () => {
    srv = await startServer();
    createAdmin(srv);
    admin = await new Client(srv).signIn('admin@example.org');
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    t1 = await invited('therapist', adminId, 'author1@example.org', 'Ada Author');
    t2 = await invited('therapist', adminId, 'author2@example.org', 'Bo Other');
    ids.t1 = q("SELECT id FROM users WHERE email = 'author1@example.org'");
    client = await invited('client', ids.t1, 'client1@example.org', 'Cy Client');
    ids.client = q("SELECT id FROM users WHERE email = 'client1@example.org'");
    ids.eye = q("SELECT id FROM activities WHERE source = 'library' AND slug = 'eye-contact-connection'");
    ids.phq = q("SELECT id FROM activities WHERE source = 'library' AND slug = 'phq-9'");
});

after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

test('duplicating a library exercise makes my own copy; the original is untouched', async () => {
    const before = q(`SELECT string_agg(id || ':' || content_hash, ',') FROM activity_versions WHERE activity_id = ${ids.eye}`);
    const page = await t1.get(`/library/${ids.eye}`);
    assert.match(page.body, new RegExp(`action="/library/${ids.eye}/duplicate"`));
    assert.doesNotMatch(page.body, new RegExp(`/library/${ids.eye}/edit"`), 'no Edit button on a library item');
    assert.doesNotMatch(page.body, new RegExp(`/library/${ids.eye}/archive"`), 'no Archive button on a library item');

    const loc = await post303(t1, `/library/${ids.eye}/duplicate`, {});
    ids.eyeDraft = idFrom(loc, '/drafts');
    const row = q(`SELECT a.id || '|' || a.source || '|' || a.owner_id || '|' || a.copied_from || '|' || a.slug || '|' || v.version || '|' || v.title
                   FROM activities a JOIN activity_versions v ON v.activity_id = a.id
                   WHERE a.copied_from = ${ids.eye} AND a.owner_id = ${ids.t1}`).split('|');
    ids.copy = row[0];
    assert.deepEqual(row.slice(1, 4), ['custom', ids.t1, ids.eye]);
    assert.match(row[4], /^custom-[0-9a-f]{16}$/);
    assert.equal(row[5], '1');
    assert.equal(row[6], 'Four minutes of eye contact (my copy)');
    assert.equal(q(`SELECT activity_id FROM activity_drafts WHERE id = ${ids.eyeDraft}`), ids.copy);
    assert.equal(q(`SELECT string_agg(id || ':' || content_hash, ',') FROM activity_versions WHERE activity_id = ${ids.eye}`), before);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'activity.duplicated' AND object_id = ${ids.copy}`), '1');

    const mine = await t1.get(`/library/${ids.copy}`);
    assert.equal(mine.status, 200);
    assert.match(mine.body, new RegExp(`action="/library/${ids.copy}/edit"`));
    assert.match(mine.body, new RegExp(`action="/library/${ids.copy}/archive"`));
    // Edit reopens the same open draft.
    assert.equal(await post303(t1, `/library/${ids.copy}/edit`, {}), `/drafts/${ids.eyeDraft}`);
});

test('the builder changes the copy with plain form posts; publishing makes version 2 with exactly those changes', async () => {
    const draft = ids.eyeDraft;
    const v1 = JSON.parse(q(`SELECT content::text FROM activity_versions WHERE activity_id = ${ids.copy} AND version = 1`));
    ids.v1 = q(`SELECT id FROM activity_versions WHERE activity_id = ${ids.copy} AND version = 1`);
    // An assignment made earlier, on version 1.
    ids.assignment = q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, times_per_week, weeks)
                        VALUES (${ids.copy}, ${ids.v1}, ${ids.t1}, ${ids.client}, current_date, 3, 2) RETURNING id`);

    const html = await t1.get(`/drafts/${draft}`);
    assert.equal(html.status, 200);
    assert.match(html.body, /Move down/);
    assert.match(html.body, /name="action" value="publish"/);
    let b = await builder(t1, draft);
    assert.deepEqual(b.fields.map((f) => f.key), ['comfort', 'connection', 'what_noticed', 'paused', 'pause_reason']);

    // 1. A new label for the first question.
    assert.equal(await post303(t1, `/drafts/${draft}`, fieldForm(b.fields[0], { label: 'How at ease did the eye contact feel?' })), `/drafts/${draft}#field-0`);
    // 2. A scale with labelled ends.
    assert.equal(await post303(t1, `/drafts/${draft}`, { action: 'add_field', type: 'scale', label: 'How close do you feel now?' }), `/drafts/${draft}#field-5`);
    b = await builder(t1, draft);
    assert.equal(b.fields[5].key, 'how_close_do_you_feel_now');
    assert.ok(b.fields[5].todo, 'a new scale still needs its end labels');
    await post303(t1, `/drafts/${draft}`, fieldForm(b.fields[5], { min: '0', max: '10', min_label: 'Far apart', max_label: 'Very close', required: 'on' }));
    // 3. A single choice with options.
    await post303(t1, `/drafts/${draft}`, { action: 'add_field', type: 'single_choice', label: 'Where did you practise?' });
    b = await builder(t1, draft);
    await post303(t1, `/drafts/${draft}`, fieldForm(b.fields[6], { options: 'home | At home\nAway from home' }));
    // 4. A question shown only on an earlier yes/no answer.
    await post303(t1, `/drafts/${draft}`, { action: 'add_field', type: 'long_text', label: 'What helped you keep going?' });
    b = await builder(t1, draft);
    assert.deepEqual(b.fields[7].show_if_choices.map((c) => c.value), ['comfort', 'connection', 'what_noticed', 'paused', 'pause_reason', 'how_close_do_you_feel_now', 'where_did_you_practise']);
    await post303(t1, `/drafts/${draft}`, fieldForm(b.fields[7], { show_if_field: 'paused', show_if_value: 'no' }));
    // 5. Move the single choice above the new scale.
    assert.equal(await post303(t1, `/drafts/${draft}`, { action: 'move_up', field: '6', key: 'where_did_you_practise' }), `/drafts/${draft}#field-5`);
    // 6. Remove the free-text question.
    await post303(t1, `/drafts/${draft}`, { action: 'remove_field', field: '2', key: 'what_noticed' });

    const preview = await t1.get(`/drafts/${draft}/preview`);
    assert.equal(preview.status, 200);
    assert.match(preview.body, /<fieldset disabled/);
    assert.match(preview.body, /Where did you practise\?/);
    assert.match(preview.body, /Far apart/);

    const loc = await post303(t1, `/drafts/${draft}`, { action: 'publish' });
    assert.equal(loc, `/library/${ids.copy}`);
    assert.equal(q(`SELECT count(*) FROM activity_drafts WHERE id = ${draft}`), '0');
    assert.equal(q(`SELECT string_agg(version::text, ',' ORDER BY version) FROM activity_versions WHERE activity_id = ${ids.copy}`), '1,2');
    const v2 = JSON.parse(q(`SELECT content::text FROM activity_versions WHERE activity_id = ${ids.copy} AND version = 2`));

    const f = Object.fromEntries(v1.reflection.fields.map((x) => [x.key, x]));
    const expected = structuredClone(v1);
    expected.reflection.fields = [
        { ...f.comfort, label: 'How at ease did the eye contact feel?' },
        f.connection,
        f.paused,
        f.pause_reason,
        {
            key: 'where_did_you_practise', type: 'single_choice', label: 'Where did you practise?',
            options: [{ value: 'home', label: 'At home' }, { value: 'away_from_home', label: 'Away from home' }],
        },
        {
            key: 'how_close_do_you_feel_now', type: 'scale', label: 'How close do you feel now?', required: true,
            min: 0, max: 10, min_label: 'Far apart', max_label: 'Very close',
        },
        {
            key: 'what_helped_you_keep_going', type: 'long_text', label: 'What helped you keep going?',
            show_if: { field: 'paused', equals: 'no' },
        },
    ];
    assert.deepEqual(v2, expected);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'activity.published' AND object_id = ${ids.copy}`), '1');

    // Assigned earlier: still version 1, and version 1 is as it was.
    assert.equal(q(`SELECT version_id FROM assignments WHERE id = ${ids.assignment}`), ids.v1);
    assert.deepEqual(JSON.parse(q(`SELECT content::text FROM activity_versions WHERE id = ${ids.v1}`)), v1);

    const page = await t1.getJson(`/library/${ids.copy}`);
    assert.equal(page.json.version, 2);
    assert.equal(page.json.fields.length, 7);

    // Editing again starts from version 2; publishing it unchanged adds nothing.
    const again = idFrom(await post303(t1, `/library/${ids.copy}/edit`, {}), '/drafts');
    assert.notEqual(again, draft);
    assert.equal((await builder(t1, again)).next_version, 3);
    await post303(t1, `/drafts/${again}`, { action: 'publish' });
    assert.equal(q(`SELECT max(version) FROM activity_versions WHERE activity_id = ${ids.copy}`), '2');
});

const INTAKE = [
    ['section', 'About you', { text: 'Answer only what you are comfortable sharing.' }],
    ['short_text', 'What name would you like us to use?', { required: 'on', help: 'A first name is enough.' }],
    ['long_text', 'What brings you here?', {}],
    ['scale', 'How hopeful do you feel?', { min: '1', max: '5', min_label: 'Not hopeful', max_label: 'Very hopeful' }],
    ['single_choice', 'How did you hear of us?', { options: 'friend | From a friend\nweb | Online\nother | Another way' }],
    ['multiple_choice', 'Which areas would you like to work on?', { options: 'Communication\nCloseness\nTrust' }],
    ['yes_no', 'Do you have a partner or partners?', {}],
    ['number', 'For how many years?', { min: '0', max: '80', decimals: 'on', show_if_field: 'do_you_have_a_partner_or_partners', show_if_value: 'yes' }],
    ['date', 'When did you last see a doctor?', {}],
    ['consent', 'I understand that I may skip, pause or stop at any time.', { required: 'on' }],
];

test('an intake form from scratch with every field type: preview, publish, form_check', async () => {
    const draft = idFrom(await post303(t1, '/drafts', { kind: 'intake' }), '/drafts');
    ids.intakeDraft = draft;
    assert.equal(await post303(t1, `/drafts/${draft}`, { action: 'save_meta', title: 'Getting to know you', summary: 'Before our first session.' }), `/drafts/${draft}#details`);
    for (const [i, [type, label, settings]] of INTAKE.entries()) {
        assert.equal(await post303(t1, `/drafts/${draft}`, { action: 'add_field', type, label }), `/drafts/${draft}#field-${i}`);
        const b = await builder(t1, draft);
        await post303(t1, `/drafts/${draft}`, fieldForm(b.fields[i], settings));
    }
    const b = await builder(t1, draft);
    assert.deepEqual(b.fields.map((f) => f.type), INTAKE.map(([type]) => type));
    assert.ok(b.fields.every((f) => f.todo === null), 'nothing left to do');

    const preview = await t1.get(`/drafts/${draft}/preview`);
    assert.equal(preview.status, 200);
    const html = preview.body;
    assert.doesNotMatch(html, /Before it can be published/);
    assert.match(html, /<fieldset disabled/);
    assert.match(html, /<div class="form-section"[^>]*><h3>About you<\/h3><p>Answer only what you are comfortable sharing\.<\/p>/);
    assert.match(html, /name="what_name_would_you_like_us_to_use" type="text"/);
    assert.match(html, /<textarea id="f-what_brings_you_here"/);
    assert.equal((html.match(/name="how_hopeful_do_you_feel" value="\d"/g) || []).length, 5);
    assert.match(html, /Not hopeful/);
    assert.match(html, /type="radio" name="how_did_you_hear_of_us" value="web"/);
    assert.match(html, /type="checkbox" name="which_areas_would_you_like_to_work_on\[\]" value="closeness"/);
    assert.match(html, /type="radio" name="do_you_have_a_partner_or_partners" value="yes"/);
    assert.match(html, /id="wrap-f-for_how_many_years" hidden/, 'shown only on "yes"');
    assert.match(html, /name="when_did_you_last_see_a_doctor" type="date"/);
    assert.match(html, /name="i_understand_that_i_may_skip_pause_or" type="checkbox"/, 'a long key ends at a whole word');

    const loc = await post303(t1, `/drafts/${draft}`, { action: 'publish' });
    ids.intake = idFrom(loc, '/library');
    assert.equal(q(`SELECT kind || source || owner_id || coalesce(copied_from::text, '-') FROM activities WHERE id = ${ids.intake}`), `intakecustom${ids.t1}-`);
    const content = JSON.parse(q(`SELECT content::text FROM activity_versions WHERE activity_id = ${ids.intake} AND version = 1`));
    assert.equal(content.title, 'Getting to know you');
    assert.equal(content.fields.length, INTAKE.length);
    assert.deepEqual(content.fields[7], {
        key: 'for_how_many_years', type: 'number', label: 'For how many years?', min: 0, max: 80, step: 'any',
        show_if: { field: 'do_you_have_a_partner_or_partners', equals: 'yes' },
    });
    assert.deepEqual(content.fields[5].options.map((o) => o.value), ['communication', 'closeness', 'trust']);

    const page = await t1.getJson(`/library/${ids.intake}`);
    assert.equal(page.status, 200);
    assert.deepEqual(page.json.fields.map((f) => f.type), INTAKE.map(([type]) => type));
    const fhir = JSON.parse((await t1.get(`/library/${ids.intake}/fhir`)).body);
    assert.equal(fhir.resourceType, 'Questionnaire');

    // The published form passes form_check: the server refuses to start
    // with a library file that does not.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authoring-'));
    fs.cpSync(path.join(ROOT, 'library'), dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'intake', `${content.slug}.json`), JSON.stringify(content));
    const checked = await startServer({ env: { INTERLUDE_LIBRARY: dir } });
    assert.equal(psql(checked.dbUrl, `SELECT count(*) FROM activities WHERE slug = '${content.slug}'`).trim(), '1');
    assert.equal(await checked.stop(), 0);
    fs.rmSync(dir, { recursive: true, force: true });
});

test('bad input: 422 with the message next to the input and what was typed kept; nothing saved or published', async () => {
    const draft = idFrom(await post303(t1, '/drafts', { kind: 'intake' }), '/drafts');
    await post303(t1, `/drafts/${draft}`, { action: 'save_meta', title: 'Checks', summary: '' });
    for (const [type, label] of [['yes_no', 'Did it help?'], ['short_text', 'What else?'], ['scale', 'How much?'], ['single_choice', 'Which one?']]) {
        await post303(t1, `/drafts/${draft}`, { action: 'add_field', type, label });
    }
    const b = await builder(t1, draft);
    const saved = draftContent(draft);
    const published = q('SELECT count(*) FROM activity_versions');

    // show_if naming a later field.
    let res = await t1.post(`/drafts/${draft}`, fieldForm(b.fields[1], { label: 'What else helped?', show_if_field: 'how_much', show_if_value: '3' }));
    assert.equal(res.status, 422);
    let block = fieldBlock(res.body, 1);
    assert.match(block, /<p class="field-error" id="f1-show_if_field-error">Choose a question that comes before this one/);
    assert.match(block, /id="field-f1-show_if_field" name="show_if_field" aria-invalid="true"/);
    assert.match(block, /value="What else helped\?"/, 'the typed label is kept');
    assert.match(block, /name="show_if_value" type="text" value="3"/, 'the typed value is kept');
    assert.match(res.body, /href="#field-f1-show_if_field"/, 'listed in the summary');

    // A scale whose min is not below its max.
    res = await t1.post(`/drafts/${draft}`, fieldForm(b.fields[2], { min: '5', max: '5', min_label: 'Low end', max_label: 'High end' }));
    assert.equal(res.status, 422);
    block = fieldBlock(res.body, 2);
    assert.match(block, /id="f2-max-error">The highest value must be more than the lowest/);
    assert.match(block, /name="min" [^>]*value="5"/);
    assert.match(block, /name="max" [^>]*value="5"[^>]*aria-invalid="true"/);
    assert.match(block, /value="Low end"/);

    // A choice without options.
    res = await t1.post(`/drafts/${draft}`, fieldForm(b.fields[3], { options: '', help: 'Pick the closest' }));
    assert.equal(res.status, 422);
    block = fieldBlock(res.body, 3);
    assert.match(block, /id="f3-options-error">Give at least two options/);
    assert.match(block, /value="Pick the closest"/);

    // An empty title.
    res = await t1.post(`/drafts/${draft}`, { action: 'save_meta', title: '  ', summary: 'Kept as typed' });
    assert.equal(res.status, 422);
    const details = res.body.slice(res.body.indexOf('id="details"'), res.body.indexOf('id="fields"'));
    assert.match(details, /id="title-error">Enter a title\./);
    assert.match(details, /id="field-title" name="title" [^>]*aria-invalid="true"/);
    assert.match(details, /Kept as typed<\/textarea>/);

    // Moves and removals that would leave a question depending on a later one.
    await post303(t1, `/drafts/${draft}`, fieldForm(b.fields[1], { show_if_field: 'did_it_help', show_if_value: 'yes' }));
    const withDep = draftContent(draft);
    res = await t1.post(`/drafts/${draft}`, { action: 'move_up', field: '1', key: 'what_else' });
    assert.equal(res.status, 422);
    assert.match(fieldBlock(res.body, 1), /cannot move above it/);
    res = await t1.post(`/drafts/${draft}`, { action: 'remove_field', field: '0', key: 'did_it_help' });
    assert.equal(res.status, 422);
    assert.match(fieldBlock(res.body, 0), /Question 2 \(&quot;What else\?&quot;\) is shown depending on the answer to this one/);
    // A value the earlier question cannot have.
    res = await t1.post(`/drafts/${draft}`, fieldForm({ ...b.fields[1], index: 1 }, { show_if_field: 'did_it_help', show_if_value: 'perhaps' }));
    assert.equal(res.status, 422);
    assert.match(fieldBlock(res.body, 1), /id="f1-show_if_value-error">Enter yes or no\./);
    assert.equal(draftContent(draft), withDep, 'nothing was saved');
    assert.notEqual(saved, withDep);

    // Publishing an unfinished draft: the messages, and nothing published.
    res = await t1.post(`/drafts/${draft}`, { action: 'publish' });
    assert.equal(res.status, 422);
    assert.match(fieldBlock(res.body, 2), /Label the lowest end/);
    assert.match(fieldBlock(res.body, 3), /Give at least two options/);
    assert.equal(q('SELECT count(*) FROM activity_versions'), published);
    assert.equal(q(`SELECT count(*) FROM activity_drafts WHERE id = ${draft}`), '1');

    // A form without questions: form_check's message at the top.
    const empty = idFrom(await post303(t1, '/drafts', { kind: 'exercise' }), '/drafts');
    res = await t1.post(`/drafts/${empty}`, { action: 'publish' });
    assert.equal(res.status, 422);
    assert.match(res.body, /<p class="field-error" role="alert">The form needs at least one question\.<\/p>/);
    assert.match(res.body, /id="title-error">Enter a title\./);
    assert.match(res.body, /id="safety_note-error">Write a safety note/);
    assert.equal(q('SELECT count(*) FROM activity_versions'), published);

    // Malformed posts.
    assert.equal((await t1.post(`/drafts/${draft}`, { action: 'explode' })).status, 400);
    assert.equal((await t1.post(`/drafts/${draft}`, { action: 'remove_field', field: '99' })).status, 400);
    assert.equal((await t1.post(`/drafts/${draft}`, { action: 'remove_field', field: '0', key: 'what_else' })).status, 409);
    assert.equal((await t1.post('/drafts', { kind: 'measure' })).status, 400);
    // JSON: the same checks, as an error object.
    const j = await t1.postJson(`/drafts/${draft}`, { action: 'save_meta', title: '' });
    assert.equal(j.status, 422);
    assert.equal(j.json.error.fields.title, 'Enter a title.');
});

test('library items are duplicated, never edited; questionnaires are not copied', async () => {
    assert.equal((await t1.post(`/library/${ids.eye}/edit`, {})).status, 403);
    assert.equal((await t1.post(`/library/${ids.eye}/archive`, {})).status, 403);
    assert.equal((await t1.post(`/library/${ids.phq}/duplicate`, {})).status, 409);
    assert.doesNotMatch((await t1.get(`/library/${ids.phq}`)).body, /\/duplicate"/);
    assert.equal(q(`SELECT count(*) FROM activities WHERE copied_from = ${ids.phq}`), '0');
});

test('archiving hides my item from the library list; it still opens, and assigned homework keeps it', async () => {
    const listed = async () => (await t1.getJson('/library')).json.items.map((i) => String(i.id));
    assert.ok((await listed()).includes(ids.copy));
    assert.equal(await post303(t1, `/library/${ids.copy}/archive`, {}), `/library/${ids.copy}`);
    assert.ok(!(await listed()).includes(ids.copy));
    assert.ok((await listed()).includes(ids.eye));
    const page = await t1.get(`/library/${ids.copy}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /archived/);
    assert.doesNotMatch(page.body, /\/archive"/);
    assert.equal(q(`SELECT version_id FROM assignments WHERE id = ${ids.assignment}`), ids.v1);
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'activity.archived' AND object_id = ${ids.copy}`), '1');
});

test('another therapist gets 404 on my drafts and my items; clients 403; nobody signed in goes to sign in', async () => {
    const draft = idFrom(await post303(t1, `/library/${ids.intake}/edit`, {}), '/drafts');
    const content = draftContent(draft);
    const gets = [`/drafts/${draft}`, `/drafts/${draft}/preview`, `/library/${ids.intake}`, `/library/${ids.copy}`];
    const posts = [
        [`/drafts/${draft}`, { action: 'save_meta', title: 'Taken over' }],
        [`/drafts/${draft}`, { action: 'publish' }],
        [`/drafts/${draft}`, { action: 'discard' }],
        [`/library/${ids.intake}/duplicate`, {}],
        [`/library/${ids.intake}/edit`, {}],
        [`/library/${ids.intake}/archive`, {}],
    ];
    for (const url of gets) assert.equal((await t2.get(url)).status, 404, `T2 GET ${url}`);
    for (const [url, body] of posts) assert.equal((await t2.post(url, body)).status, 404, `T2 POST ${url}`);
    assert.doesNotMatch((await t2.get('/drafts')).body, new RegExp(`/drafts/${draft}"`));
    assert.equal(draftContent(draft), content);
    assert.equal(q(`SELECT archived_at IS NULL FROM activities WHERE id = ${ids.intake}`), 't');
    assert.equal(q(`SELECT count(*) FROM activities WHERE copied_from = ${ids.intake}`), '0');

    for (const who of [client, admin]) {
        for (const url of ['/drafts', ...gets]) assert.equal((await who.get(url)).status, 403, `GET ${url}`);
        for (const [url, body] of [['/drafts', { kind: 'exercise' }], ...posts]) assert.equal((await who.post(url, body)).status, 403, `POST ${url}`);
    }
    const anon = new Client(srv);
    await anon.getJson('/session');
    assert.equal((await anon.get(`/drafts/${draft}`)).status, 303);

    // My own draft list shows it; discarding it leaves the item as it was.
    assert.match((await t1.get('/drafts')).body, new RegExp(`/drafts/${draft}"`));
    assert.equal(await post303(t1, `/drafts/${draft}`, { action: 'discard' }), `/library/${ids.intake}`);
    assert.equal(q(`SELECT count(*) FROM activity_drafts WHERE id = ${draft}`), '0');
    assert.equal(q(`SELECT max(version) FROM activity_versions WHERE activity_id = ${ids.intake}`), '1');
});
