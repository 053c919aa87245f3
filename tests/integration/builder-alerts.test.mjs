// builder-alerts.test.mjs: a therapist's own intake form whose yes/no
// question flags "Yes" for their attention (the builder's "Flag for my
// attention" part): bad input refused per input with what was typed kept,
// the rule in the published definition, and a client's Yes raising a risk
// attention item with the therapist's words for the client on the support
// panel, never the clinical ones; a No raises nothing. The builder's rules
// themselves: tests/unit/test_builder.c.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, query } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson } from '../lib/client.mjs';

let srv;
let t1;
let client;
const ids = {};

const q = (sql) => query(srv, sql);

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
        alert_on: f.alert_on, alert_message: f.alert_message, alert_client_message: f.alert_client_message,
    };
    if (f.required) body.required = 'on';
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
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    t1 = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, email: 'flagger@example.org', name: 'Fay Flagger' });
    ids.t1 = q("SELECT id FROM users WHERE email = 'flagger@example.org'");
    client = await invitedPerson(srv, { kind: 'client', createdBy: ids.t1, email: 'answerer@example.org', name: 'Al Answerer' });
    ids.client = q("SELECT id FROM users WHERE email = 'answerer@example.org'");
});

after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

test('a question flags an answer: the client who gives it raises a risk item and reads the therapist\'s words for them, never the clinical ones', async () => {
    const CLINICIAN = 'Reports feeling unsafe at home: ask privately about safety before any couple work.';
    const CARING = 'Thank you for telling me. We will talk about it together, and you can reach out before then.';
    const draft = idFrom(await post303(t1, '/drafts', { kind: 'intake' }), '/drafts');
    await post303(t1, `/drafts/${draft}`, { action: 'save_meta', title: 'Home and safety', summary: '' });
    await post303(t1, `/drafts/${draft}`, { action: 'add_field', type: 'yes_no', label: 'Do you ever feel unsafe at home?' });
    await post303(t1, `/drafts/${draft}`, { action: 'add_field', type: 'short_text', label: 'Anything else?' });
    let b = await builder(t1, draft);
    const f = b.fields[0];
    assert.equal(f.can_alert, true);
    assert.equal(b.fields[1].can_alert, false);
    const page = await t1.get(`/drafts/${draft}`);
    assert.match(fieldBlock(page.body, 0), /<legend>Flag for my attention/);
    assert.match(fieldBlock(page.body, 0), /<select id="field-f0-alert_on" name="alert_on"><option value="" selected>No flag<\/option><option value="yes">Yes<\/option>/);
    assert.match(fieldBlock(page.body, 0), /without clinical words/);
    assert.doesNotMatch(fieldBlock(page.body, 1), /alert_on/, 'a text question cannot flag');

    // Bad input: a message per input, what was typed kept, nothing saved.
    const saved = draftContent(draft);
    let res = await t1.post(`/drafts/${draft}`, fieldForm(f, { alert_on: 'yes', alert_message: '', alert_client_message: 'Kept <as> typed' }));
    assert.equal(res.status, 422);
    let block = fieldBlock(res.body, 0);
    assert.match(block, /<p class="field-error" id="f0-alert_message-error">Write what you want to be reminded of/);
    assert.match(block, /aria-describedby="f0-alert_message-help f0-alert_message-error" aria-invalid="true"/);
    assert.match(block, />Kept &lt;as&gt; typed<\/textarea>/);
    assert.match(block, /<option value="yes" selected>Yes<\/option>/);
    assert.match(res.body, /<a href="#field-f0-alert_message">/, 'in the error summary');
    res = await t1.post(`/drafts/${draft}`, fieldForm(f, { alert_on: 'maybe', alert_message: 'x', alert_client_message: 'y' }));
    assert.equal(res.status, 422);
    assert.match(fieldBlock(res.body, 0), /id="f0-alert_on-error">Choose Yes or No\./);
    res = await t1.post(`/drafts/${draft}`, fieldForm(f, { alert_on: '', alert_message: 'x', alert_client_message: 'y' }));
    assert.equal(res.status, 422);
    assert.match(fieldBlock(res.body, 0), /id="f0-alert_on-error">Choose the answer that raises the flag/);
    assert.equal(draftContent(draft), saved);

    await post303(t1, `/drafts/${draft}`, fieldForm(f, { alert_on: 'yes', alert_message: CLINICIAN, alert_client_message: CARING }));
    assert.deepEqual(JSON.parse(draftContent(draft)).alerts, [
        { item: 'do_you_ever_feel_unsafe_at_home', message: CLINICIAN, client_message: CARING, values: ['yes'] },
    ]);
    b = await builder(t1, draft);
    assert.equal(b.fields[0].alert_summary, 'answers "Yes"');
    assert.match(fieldBlock((await t1.get(`/drafts/${draft}`)).body, 0), /Flags: answers (&quot;|&#34;)Yes(&quot;|&#34;)/);
    const preview = await t1.get(`/drafts/${draft}/preview`);
    assert.doesNotMatch(preview.body, /Before it can be published/);

    const form = idFrom(await post303(t1, `/drafts/${draft}`, { action: 'publish' }), '/library');
    const content = JSON.parse(q(`SELECT content::text FROM activity_versions WHERE activity_id = ${form} AND version = 1`));
    assert.equal(content.alerts.length, 1);
    assert.equal(content.alerts[0].client_message, CARING);

    const today = q("SELECT to_char((now() AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')");
    const due = q("SELECT to_char((now() AT TIME ZONE 'UTC')::date + 7, 'YYYY-MM-DD')");
    async function answer(value) {
        const r = await t1.post('/assignments', { who: `client:${ids.client}`, activity: form, start_date: today, schedule: 'due', due_date: due });
        assert.equal(r.status, 303, r.body.slice(0, 600));
        const a = q(`SELECT max(id) FROM assignments WHERE client_id = ${ids.client} AND activity_id = ${form}`);
        const formPage = await client.get(`/homework/${a}/practice`);
        assert.equal(formPage.status, 200, formPage.body.slice(0, 300));
        const key = /name="idempotency_key" value="([^"]+)"/.exec(formPage.body)[1];
        const sent = await client.post(`/homework/${a}/practice`, { do_you_ever_feel_unsafe_at_home: value, idempotency_key: key, action: 'submit' });
        assert.equal(sent.status, 303, sent.body.slice(0, 600));
        return /^\/entries\/(\d+)\/submitted$/.exec(sent.headers.location)[1];
    }

    const yes = await answer('yes');
    assert.equal(q(`SELECT count(*) FROM attention_items WHERE entry_id = ${yes} AND kind = 'risk' AND client_id = ${ids.client} AND acknowledged_at IS NULL`), '1');
    const done = await client.get(`/entries/${yes}/submitted`);
    assert.equal(done.status, 200);
    const panel = done.body.slice(done.body.indexOf('class="card support-panel"'));
    assert.match(panel, /You deserve support now/);
    assert.ok(panel.includes(`<p>${CARING}</p>`), 'the therapist\'s words for the client, on the panel');
    assert.ok(!done.body.includes(CLINICIAN), 'never the clinical wording');
    const dj = await client.getJson(`/entries/${yes}/submitted`);
    assert.ok(!JSON.stringify(dj.json).includes(CLINICIAN));

    const no = await answer('no');
    assert.equal(q(`SELECT count(*) FROM attention_items WHERE entry_id = ${no}`), '0');
    assert.doesNotMatch((await client.get(`/entries/${no}/submitted`)).body, /You deserve support now/);
});
