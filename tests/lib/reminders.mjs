// reminders.mjs: the world of the reminder tests (reminders.test.mjs,
// reminders-schedule.test.mjs): a server whose housekeeping runs every
// second, a real SMTP server (aiosmtpd, a Maildir), a therapist, and helpers
// that put a client's window at the hour a test needs: each client gets a
// fixed-offset zone (Etc/GMT-N) in which now is that hour.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, query } from './harness.mjs';
import { createAdmin, invitedPerson } from './client.mjs';
import { startSmtp, FORBIDDEN } from './mail.mjs';

export const ALL_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Registers the before/after hooks of the calling test file; returns the
// helpers (w.srv, w.smtp and w.T are set once before() has run).
export function reminderWorld() {
    const w = { sleep };
    const q = (sql) => query(w.srv, sql);
    w.q = q;
    before(async () => {
        w.smtp = await startSmtp();
        w.srv = await startServer({
            env: { SMTP_URL: w.smtp.url, MAIL_FROM: 'Quiet Room <notes@example.org>', PRACTICE_NAME: 'Quiet Room', MAIL_RETRY_SECONDS: '1', HOUSEKEEPING_INTERVAL: '1' },
        });
        const admin = createAdmin(w.srv, `admin-${process.pid}@example.org`);
        const adminId = q(`SELECT id FROM users WHERE email = '${admin.email}'`);
        w.T = await invitedPerson(w.srv, { kind: 'therapist', createdBy: adminId, name: 'Theo Therapist' });
    });
    after(async () => {
        await w.srv?.stop('SIGTERM').catch(() => {});
        await w.smtp?.stop();
    });

    // A fixed-offset zone in which the local hour is now `hour` (Etc/GMT-N
    // is N hours east of UTC). In the last seconds of an hour it waits for
    // the next, so that the hour does not change between choosing and
    // sending.
    w.zoneAt = async (hour) => {
        let now = new Date();
        if (now.getUTCMinutes() === 59 && now.getUTCSeconds() >= 45) {
            await sleep((61 - now.getUTCSeconds()) * 1000);
            now = new Date();
        }
        for (let off = -12; off <= 14; off++) {
            if ((now.getUTCHours() + off + 48) % 24 === hour) return off >= 0 ? `Etc/GMT-${off}` : `Etc/GMT+${-off}`;
        }
        throw new Error(`no zone at ${hour}`);
    };
    // The local date in zone, shifted by n days (YYYY-MM-DD).
    w.localDay = (zone, n = 0) => q(`SELECT to_char((now() AT TIME ZONE '${zone}')::date + ${n}, 'YYYY-MM-DD')`);
    // A client of T, with homework given straight in the database (the
    // dates are what the scheduler reads).
    w.client = (name) => invitedPerson(w.srv, { kind: 'client', createdBy: w.T.id, name });
    w.assign = (c, { start, due, cancelled = false, slug = 'daily-appreciations' }) =>
        q(`INSERT INTO assignments (activity_id, version_id, therapist_id, client_id, start_date, due_date, cancelled_at)
           SELECT a.id, (SELECT max(v.id) FROM activity_versions v WHERE v.activity_id = a.id), ${w.T.id}, ${c.id},
                  '${start}', '${due}', ${cancelled ? 'now()' : 'NULL'}
           FROM activities a WHERE a.slug = '${slug}' AND a.source = 'library' RETURNING id`);
    w.choose = async (c, fields) => {
        const page = await c.get('/account');
        assert.equal(page.status, 200);
        const res = await c.post('/account/reminders', fields);
        assert.equal(res.status, 303, res.body.slice(0, 600));
        assert.equal(res.headers.location, '/account?done=reminders');
    };
    w.mailsTo = (c) => w.smtp.messages().filter((m) => m.headers.to === `<${c.email}>`);
    w.waitMail = async (c, n = 1, ms = 15000) => {
        const until = Date.now() + ms;
        for (;;) {
            const m = w.mailsTo(c);
            if (m.length >= n) return m;
            if (Date.now() > until) throw new Error(`expected ${n} messages to ${c.email}, got ${m.length}`);
            await sleep(100);
        }
    };
    // Waits until the scheduler has handled the client's window (next_at
    // moved into the future) and the sender has had time to send what it
    // queued.
    w.handled = async (c) => {
        const until = Date.now() + 15000;
        while (q(`SELECT next_at > now() FROM reminder_prefs WHERE client_id = ${c.id}`) !== 't') {
            if (Date.now() > until) throw new Error('the scheduler did not run');
            await sleep(100);
        }
        await sleep(1500);
    };
    // No forbidden word, no library title, no canary in a message.
    w.assertDiscreet = (msg, canaries) => {
        const all = `${msg.subject}\n${msg.from}\n${msg.text}\n${msg.html}`.toLowerCase();
        for (const word of FORBIDDEN) assert.ok(!new RegExp(`\\b${word}`).test(all), `the word "${word}" in a reminder`);
        const titles = q('SELECT DISTINCT title FROM activity_versions').split('\n').filter(Boolean);
        assert.ok(titles.length > 10, 'the library is loaded');
        for (const t of titles) assert.ok(!all.includes(t.toLowerCase()), `the title "${t}" in a reminder`);
        for (const x of canaries) assert.ok(!all.includes(x.toLowerCase()), `"${x}" in a reminder`);
    };
    return w;
}
