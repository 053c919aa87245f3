// library.test.mjs: the shipped library in the database, browsing, search,
// the client preview, FHIR download, and clean upgrades of the library.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, psql, ROOT, query } from '../lib/harness.mjs';
import { Client, createAdmin, acceptInvite } from '../lib/client.mjs';

let srv;
let therapist;
const shipped = fs.readdirSync(path.join(ROOT, 'library', 'exercises')).filter((f) => f.endsWith('.json'));

const q = (sql) => query(srv, sql);

before(async () => {
    srv = await startServer();
    createAdmin(srv);
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    q(`INSERT INTO invites (token_hash, kind, email, display_name, created_by, expires_at)
       VALUES (sha256('lib-therapist'::bytea), 'therapist', 'lib@example.org', 'Lee', ${adminId}, now() + interval '1 day')`);
    therapist = await acceptInvite(srv, '/invite/lib-therapist', { name: 'Lee' });
});
after(async () => {
    if (srv) assert.equal(await srv.stop(), 0);
});

test('the library loads at first start: every shipped file, once', () => {
    assert.ok(shipped.length >= 24);
    assert.equal(q("SELECT count(*) FROM activities WHERE kind = 'exercise' AND source = 'library'"), String(shipped.length));
    assert.equal(q("SELECT count(*) FROM activities WHERE kind = 'measure'"), '4');
    assert.equal(q("SELECT count(*) FROM activities WHERE kind = 'intake'"), '1');
    assert.equal(q('SELECT count(*) FROM activity_versions'), q('SELECT count(*) FROM activities'));
});

test('a restart with the same files adds nothing', async () => {
    const before = q('SELECT count(*) FROM activity_versions');
    const again = await startServer({ dbUrl: srv.dbUrl });
    assert.equal(await again.stop(), 0);
    assert.equal(q('SELECT count(*) FROM activity_versions'), before);
});

test('the library lists >= 24 exercises, each with a safety note and a reflection form', async () => {
    const list = await therapist.getJson('/library?kind=exercise');
    assert.equal(list.status, 200);
    assert.ok(list.json.items.length >= 24);
    for (const item of list.json.items) {
        const one = await therapist.getJson(`/library/${item.id}`);
        assert.equal(one.status, 200);
        assert.ok(one.json.activity.safety_note.length > 40, `${item.title}: safety note`);
        assert.ok(one.json.fields.length >= 3, `${item.title}: reflection form`);
        const html = await therapist.get(`/library/${item.id}`);
        assert.match(html.body, /Looking after yourself/);
        const title = /<title>([^<]*)<\/title>/.exec(html.body)[1];
        assert.doesNotMatch(title, /sex/i, `neutral page title: ${title}`);
    }
});

test('search, category and tag filters', async () => {
    const all = await therapist.getJson('/library');
    const some = await therapist.getJson('/library?q=breathing');
    assert.ok(some.json.items.length > 0 && some.json.items.length < all.json.items.length);
    const cat = all.json.items.find((i) => i.category).category;
    const byCat = await therapist.getJson(`/library?category=${encodeURIComponent(cat)}`);
    assert.ok(byCat.json.items.every((i) => i.category === cat));
    const measures = await therapist.getJson('/library?kind=measure');
    assert.equal(measures.json.items.length, 4);
    const none = await therapist.getJson('/library?q=zzzzqqqqxxxx');
    assert.equal(none.json.items.length, 0);
    const html = await therapist.get('/library?q=zzzzqqqqxxxx');
    assert.match(html.body, /Nothing matches this search/);
    assert.equal((await therapist.get('/library?kind=recipe')).status, 400);
});

test('the preview renders every field of a form, as a client would see it', async () => {
    const measures = await therapist.getJson('/library?kind=measure');
    const phq = measures.json.items.find((i) => /PHQ-9/.test(i.title));
    const html = await therapist.get(`/library/${phq.id}`);
    assert.equal(html.status, 200);
    assert.equal((html.body.match(/type="radio"/g) || []).length >= 9 * 4, true);
    assert.match(html.body, /<fieldset disabled/);
});

test('FHIR Questionnaire download', async () => {
    const measures = await therapist.getJson('/library?kind=measure');
    const gad = measures.json.items.find((i) => /GAD-7/.test(i.title));
    const res = await therapist.get(`/library/${gad.id}/fhir`);
    assert.equal(res.status, 200);
    assert.match(res.headers['content-disposition'], /attachment; filename="questionnaire-\d+-v1\.json"/);
    const qn = JSON.parse(res.body);
    assert.equal(qn.resourceType, 'Questionnaire');
    assert.ok(qn.item.filter((i) => i.type === 'choice').length >= 7);
    const opt = qn.item.find((i) => i.type === 'choice').answerOption[3];
    const urls = opt.extension.map((e) => e.url);
    assert.ok(urls.some((u) => u.endsWith('itemWeight')));
    assert.ok(urls.some((u) => u.endsWith('ordinalValue')));
});

test('clients and admins cannot browse the library; an unknown id is 404', async () => {
    const admin = await new Client(srv).signIn('admin@example.org');
    assert.equal((await admin.get('/library')).status, 403);
    assert.equal((await therapist.get('/library/999999')).status, 404);
});

test('versions are immutable in the database', () => {
    assert.throws(() => psql(srv.dbUrl, "UPDATE activity_versions SET title = 'x'"), /immutable/);
    assert.throws(() => psql(srv.dbUrl, 'DELETE FROM activity_versions'), /immutable/);
});

test('a changed library file becomes a new version; the old one stays', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'library-'));
    fs.cpSync(path.join(ROOT, 'library'), dir, { recursive: true });
    const file = path.join(dir, 'exercises', shipped[0]);
    const ex = JSON.parse(fs.readFileSync(file, 'utf8'));
    ex.summary = `${ex.summary} (revised)`;
    fs.writeFileSync(file, JSON.stringify(ex));
    const before = q(`SELECT count(*) FROM activity_versions v JOIN activities a ON a.id = v.activity_id WHERE a.slug = '${ex.slug}'`);
    const upgraded = await startServer({ dbUrl: srv.dbUrl, env: { INTERLUDE_LIBRARY: dir } });
    assert.equal(await upgraded.stop(), 0);
    const versions = q(`SELECT string_agg(version::text || ':' || (summary LIKE '%(revised)'), ',' ORDER BY version) FROM activity_versions v JOIN activities a ON a.id = v.activity_id WHERE a.slug = '${ex.slug}'`);
    assert.equal(before, '1');
    assert.equal(versions, '1:false,2:true');
    fs.rmSync(dir, { recursive: true, force: true });
});

test('a broken library file stops the start with the file named', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'library-'));
    fs.cpSync(path.join(ROOT, 'library'), dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'exercises', 'broken.json'), '{"slug": "broken", "title": "x", "reflection": {"fields": [{"key": "a", "type": "nope", "label": "A"}]}}');
    await assert.rejects(startServer({ dbUrl: srv.dbUrl, env: { INTERLUDE_LIBRARY: dir }, timeoutMs: 5000 }), /broken\.json/);
    fs.rmSync(dir, { recursive: true, force: true });
});
