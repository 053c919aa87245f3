// discretion.test.mjs: client-facing mail is discreet by construction. The
// admin's Mail page sets the practice's short name (checked against the
// words, a message per field) and extends the list of words no message may
// contain (audited). Then EVERY client-facing message is rendered for real
// and read from the Maildir of a real SMTP server: the invitation to a
// client, the reset a client asks for, the reminder and the overdue nudge;
// none may hold a library title (read from library/ and from the database),
// a built-in or added word, or a name. A message that would hold an added
// word is refused, and the log says which word.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, ROOT, query } from '../lib/harness.mjs';
import { Client, createAdmin, invitedPerson } from '../lib/client.mjs';
import { startSmtp, FORBIDDEN } from '../lib/mail.mjs';

let srv, smtp, admin, T;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const q = (sql) => query(srv, sql);

before(async () => {
    smtp = await startSmtp();
    srv = await startServer({
        env: { SMTP_URL: smtp.url, MAIL_FROM: 'Notes <notes@example.org>', PRACTICE_NAME: 'Quiet Room', MAIL_RETRY_SECONDS: '1', HOUSEKEEPING_INTERVAL: '1' },
    });
    const a = createAdmin(srv, `admin-${process.pid}@example.org`);
    admin = new Client(srv);
    await admin.signIn(a.email);
    const adminId = q(`SELECT id FROM users WHERE email = '${a.email}'`);
    T = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Theo Therapist' });
});
after(async () => {
    await srv?.stop('SIGTERM').catch(() => {});
    await smtp?.stop();
});

// Every title in the library as shipped (library/) and as loaded.
function libraryTitles() {
    const files = fs.readdirSync(path.join(ROOT, 'library'), { recursive: true }).filter((f) => f.endsWith('.json'));
    const fromFiles = files.map((f) => JSON.parse(fs.readFileSync(path.join(ROOT, 'library', f), 'utf8')).title).filter(Boolean);
    const fromDb = q('SELECT DISTINCT title FROM activity_versions').split('\n').filter(Boolean);
    return [...new Set([...fromFiles, ...fromDb])];
}

function zoneAt(hour) {
    const now = new Date();
    for (let off = -12; off <= 14; off++) if ((now.getUTCHours() + off + 48) % 24 === hour) return off >= 0 ? `Etc/GMT-${off}` : `Etc/GMT+${-off}`;
    throw new Error('no zone');
}
const localDay = (zone, n) => q(`SELECT to_char((now() AT TIME ZONE '${zone}')::date + ${n}, 'YYYY-MM-DD')`);
function assign(c, start, due) {
    q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, due_date)
       SELECT a.id, (SELECT max(v.id) FROM activity_versions v WHERE v.activity_id = a.id), ${T.id}, ${c.id}, '${start}', '${due}'
       FROM activities a WHERE a.slug = 'honest-check-ins-after-betrayal' AND a.source = 'library'`);
}
const mailsTo = (email) => smtp.messages().filter((m) => m.headers.to === `<${email}>`);
async function waitMail(email, ms = 15000) {
    const until = Date.now() + ms;
    while (mailsTo(email).length === 0) {
        if (Date.now() > until) throw new Error(`no message to ${email}`);
        await sleep(100);
    }
    return mailsTo(email)[0];
}
// A client whose reminder window is now: mode, hour and zone saved through
// the account page.
async function remindedClient(name, { overdue = false } = {}) {
    const zone = zoneAt(14);
    const c = await invitedPerson(srv, { kind: 'client', createdBy: T.id, name });
    if (overdue) assign(c, localDay(zone, -5), localDay(zone, -1));
    else assign(c, localDay(zone, -1), localDay(zone, 3));
    await c.get('/account');
    const res = await c.post('/account/reminders', { reminders: overdue ? 'due' : 'days', 'days[]': ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], hour: '14', time_zone: zone });
    assert.equal(res.status, 303);
    return c;
}

test('the Mail page: the practice name is checked against the words, per field; words are added and removed, audited', async () => {
    const page = await admin.get('/admin/mail');
    assert.equal(page.status, 200);
    for (const w of FORBIDDEN) assert.match(page.body, new RegExp(`<code>${w}</code>`), `the built-in word ${w} is listed`);
    assert.match(page.body, /name="practice_name"[^>]*value="Quiet Room"/, 'PRACTICE_NAME until an admin sets one');

    let res = await admin.post('/admin/mail/words', { word: 'x' });
    assert.equal(res.status, 422);
    assert.match(res.body, /id="word-error">Enter one line of 2 to 40 characters/);
    assert.match(res.body, /name="word"[^>]*value="x"/, 'what was typed is kept');
    res = await admin.post('/admin/mail/words', { word: '  Canaryword ' });
    assert.equal(res.status, 303);
    assert.equal(q('SELECT string_agg(word, \',\') FROM forbidden_words'), 'canaryword', 'stored trimmed, lower-case');
    assert.match((await admin.get('/admin/mail')).body, /<td>canaryword<\/td>/);

    res = await admin.post('/admin/mail/practice', { practice_name: 'Sunrise Therapy Rooms' });
    assert.equal(res.status, 422);
    assert.match(res.body, /id="practice_name-error">The name holds &quot;therapy&quot;/);
    assert.match(res.body, /value="Sunrise Therapy Rooms"/);
    res = await admin.post('/admin/mail/practice', { practice_name: 'Canaryword House' });
    assert.equal(res.status, 422, 'an added word counts too');
    const j = await admin.postJson('/admin/mail/practice', { practice_name: 'A'.repeat(61) });
    assert.equal(j.status, 422);
    assert.ok(j.json.error.fields.practice_name);
    assert.equal(q('SELECT count(*) FROM practice_settings'), '0', 'nothing saved');

    res = await admin.post('/admin/mail/practice', { practice_name: 'Sunrise Room' });
    assert.equal(res.status, 303);
    assert.equal(q('SELECT short_name FROM practice_settings'), 'Sunrise Room');

    res = await admin.post('/admin/mail/words', { word: 'harbour' });
    assert.equal(res.status, 303);
    res = await admin.post('/admin/mail/words/delete', { word: 'harbour' });
    assert.equal(res.status, 303);
    assert.equal((await admin.post('/admin/mail/words/delete', { word: 'harbour' })).status, 404);
    assert.equal(q(`SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE action LIKE 'admin.%word%' OR action LIKE 'admin.practice%'`),
        'admin.forbidden_word_added,admin.practice_name_changed,admin.forbidden_word_added,admin.forbidden_word_removed');
    assert.equal((await T.post('/admin/mail/words', { word: 'harbour' })).status, 403, 'admins only');
});

test('every client-facing message, rendered for real, holds no library title, no word from the lists and no name', async () => {
    const titles = libraryTitles();
    assert.ok(titles.length > 20, `the library's titles (${titles.length})`);
    const words = [...FORBIDDEN, ...q('SELECT word FROM forbidden_words').split('\n').filter(Boolean)];
    assert.ok(words.includes('canaryword'));

    // The invitation to a client.
    const invitee = `ivy-${process.pid}@example.org`;
    assert.equal((await T.post('/clients/invites', { display_name: 'Ivy Canaryname', email: invitee })).status, 201);
    // The reset a client asks for.
    const resetter = await invitedPerson(srv, { kind: 'client', createdBy: T.id, name: 'Rhea Resetname' });
    const anon = new Client(srv);
    await anon.get('/password/forgot');
    assert.equal((await anon.post('/password/forgot', { email: resetter.email })).status, 200);
    // The reminder and the overdue nudge.
    const reminded = await remindedClient('Remy Remindername');
    const nudged = await remindedClient('Nell Nudgename', { overdue: true });

    const messages = {
        invite: await waitMail(invitee),
        reset: await waitMail(resetter.email),
        reminder: await waitMail(reminded.email),
        overdue: await waitMail(nudged.email),
    };
    assert.equal(q(`SELECT string_agg(DISTINCT kind, ',' ORDER BY kind) FROM outbox`), 'invite,overdue,reminder,reset', 'every client-facing kind was rendered');
    const names = ['Ivy', 'Canaryname', 'Rhea', 'Resetname', 'Remy', 'Remindername', 'Nell', 'Nudgename', 'Theo'];
    for (const [kind, msg] of Object.entries(messages)) {
        assert.equal(msg.subject, 'A note from Sunrise Room', `${kind}: the admin's name in a neutral subject`);
        const all = `${msg.subject}\n${msg.from}\n${msg.text}\n${msg.html}`.toLowerCase();
        assert.ok(msg.text.length > 50 && msg.html.length > 50, `${kind}: both parts`);
        for (const w of words) assert.ok(!new RegExp(`(^|[^a-z0-9])${w}`).test(all), `${kind}: the word "${w}"`);
        for (const t of titles) assert.ok(!all.includes(t.toLowerCase()), `${kind}: the title "${t}"`);
        for (const n of names) assert.ok(!all.includes(n.toLowerCase()), `${kind}: the name "${n}"`);
    }
});

test('a message that would hold an added word is refused, and the log names the word', async () => {
    assert.equal((await admin.post('/admin/mail/words', { word: 'look at' })).status, 303);
    const c = await remindedClient('Wes Wordname');
    await srv.waitForLog(/mail refused: it holds a word no message may contain.*look at/, 15000);
    await sleep(1500);
    assert.equal(mailsTo(c.email).length, 0, 'nothing sent');
    assert.equal(q(`SELECT count(*) FROM outbox WHERE recipient = '${c.email}'`), '0', 'nothing queued');
    assert.equal((await admin.post('/admin/mail/words/delete', { word: 'look at' })).status, 303);
});
