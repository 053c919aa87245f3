// digest.test.mjs: the therapist's digest through a real SMTP server: the
// choice on /account (off by default; bad input answered per field), a
// message with the counts of waiting entries and replies and nothing else
// (no client name, no title, nothing written), never two within an hour,
// none while off. Entries are written straight into the database: the digest
// counts rows and never opens them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, query } from '../lib/harness.mjs';
import { createAdmin, invitedPerson } from '../lib/client.mjs';
import { startSmtp, FORBIDDEN } from '../lib/mail.mjs';

let srv, smtp, adminId;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const q = (sql) => query(srv, sql);

before(async () => {
    smtp = await startSmtp();
    srv = await startServer({
        env: { SMTP_URL: smtp.url, MAIL_FROM: 'Quiet Room <notes@example.org>', PRACTICE_NAME: 'Quiet Room', MAIL_RETRY_SECONDS: '1', HOUSEKEEPING_INTERVAL: '1' },
    });
    const admin = createAdmin(srv, `admin-${process.pid}@example.org`);
    adminId = q(`SELECT id FROM users WHERE email = '${admin.email}'`);
});
after(async () => {
    await srv?.stop('SIGTERM').catch(() => {});
    await smtp?.stop();
});

const mailsTo = (p) => smtp.messages().filter((m) => m.headers.to === `<${p.email}>`);
async function waitMail(p, n = 1, ms = 15000) {
    const until = Date.now() + ms;
    for (;;) {
        const m = mailsTo(p);
        if (m.length >= n) return m;
        if (Date.now() > until) throw new Error(`expected ${n} messages to ${p.email}, got ${m.length}`);
        await sleep(100);
    }
}

let seq = 0;
// A submitted entry of client c on a new assignment from therapist t; with
// reply, also an unread reply of the client on it.
function entry(t, c, { reply = false } = {}) {
    seq += 1;
    const a = q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, due_date)
                 SELECT a.id, (SELECT max(v.id) FROM activity_versions v WHERE v.activity_id = a.id), ${t.id}, ${c.id}, current_date, current_date + 3
                 FROM activities a WHERE a.slug = 'daily-appreciations' AND a.source = 'library' RETURNING id`);
    const e = q(`INSERT INTO entries (assignment_id, client_id, status, answers_enc, idempotency_key, submitted_at)
                 VALUES (${a}, ${c.id}, 'submitted', '\\x00', 'digest-test-entry-${seq}-${process.pid}', now()) RETURNING id`);
    if (reply) q(`INSERT INTO comments (entry_id, author_id, body_enc, idempotency_key) VALUES (${e}, ${c.id}, '\\x00', 'digest-test-reply-${seq}-${process.pid}')`);
    return e;
}

test('a therapist chooses the digest on /account; off by default; a bad choice gets a message and nothing changes', async () => {
    const t = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Tess Choice' });
    const page = await t.get('/account');
    assert.match(page.body, /name="digest" value="off" checked/, 'off unless chosen');
    const bad = await t.post('/account/settings', { inactive_days: '7', digest: 'every minute' });
    assert.equal(bad.status, 422);
    assert.match(bad.body, /id="digest-error">Choose one of the options/);
    assert.equal(q(`SELECT digest FROM users WHERE id = ${t.id}`), 'off');
    const ok = await t.post('/account/settings', { inactive_days: '9', digest: 'daily' });
    assert.equal(ok.status, 303);
    assert.equal(q(`SELECT digest || '|' || inactive_days FROM users WHERE id = ${t.id}`), 'daily|9');
    assert.match((await t.get('/account')).body, /name="digest" value="daily" checked/);
    // Posting only the caseload setting leaves the digest as it is.
    assert.equal((await t.post('/account/settings', { inactive_days: '8' })).status, 303);
    assert.equal(q(`SELECT digest FROM users WHERE id = ${t.id}`), 'daily');
});

test('the digest: counts of waiting entries and replies, no name, no title, nothing written; at most one an hour; none while off', async () => {
    const t = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Theo Therapist' });
    const off = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Olga Off' });
    const c = await invitedPerson(srv, { kind: 'client', createdBy: t.id, name: 'Zelda Canaryname' });
    const c2 = await invitedPerson(srv, { kind: 'client', createdBy: off.id, name: 'Xavier Quietone' });
    entry(t, c, { reply: true });
    entry(t, c);
    entry(off, c2, { reply: true });
    assert.equal((await t.post('/account/settings', { inactive_days: '7', digest: 'immediate' })).status, 303);
    const [msg] = await waitMail(t);
    assert.equal(msg.subject, 'A note from Quiet Room');
    assert.match(msg.text, /2 new entries, 1 unread replies/);
    assert.match(msg.html, /2 new entries, 1 unread replies/);
    assert.match(msg.text, /\/login\r?\n/);
    const all = `${msg.subject}\n${msg.text}\n${msg.html}`.toLowerCase();
    for (const x of ['zelda', 'canaryname', 'xavier', 'theo']) assert.ok(!all.includes(x), `"${x}" in a digest`);
    for (const w of FORBIDDEN.filter((w) => w !== 'therapist')) assert.ok(!new RegExp(`\\b${w}`).test(all), `"${w}" in a digest`);
    const titles = q('SELECT DISTINCT title FROM activity_versions').split('\n').filter(Boolean);
    for (const title of titles) assert.ok(!all.includes(title.toLowerCase()), `the title "${title}" in a digest`);
    assert.equal(q(`SELECT count(*) FROM outbox WHERE kind = 'digest'`), '1');

    // Something new within the hour: no second message.
    entry(t, c);
    await sleep(3000);
    assert.equal(mailsTo(t).length, 1, 'at most one an hour');
    assert.equal(mailsTo(off).length, 0, 'none while off');

    // An hour later: the next one, with the counts of now.
    q(`UPDATE users SET digest_at = digest_at - interval '61 minutes' WHERE id = ${t.id}`);
    const two = await waitMail(t, 2);
    assert.match(two[1].text, /3 new entries, 1 unread replies/);

    // Nothing new since: nothing sent, even an hour later (everything moved
    // an hour back; the frozen-entry trigger set aside for that).
    q(`BEGIN;
       ALTER TABLE entries DISABLE TRIGGER entries_frozen;
       UPDATE entries SET submitted_at = submitted_at - interval '61 minutes' WHERE client_id = ${c.id};
       ALTER TABLE entries ENABLE TRIGGER entries_frozen;
       UPDATE comments SET created_at = created_at - interval '61 minutes' WHERE author_id = ${c.id};
       UPDATE users SET digest_at = digest_at - interval '61 minutes' WHERE id = ${t.id};
       COMMIT;`);
    await sleep(3000);
    assert.equal(mailsTo(t).length, 2, 'nothing new, no message');
});
