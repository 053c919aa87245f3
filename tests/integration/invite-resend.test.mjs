// invite-resend.test.mjs: "Send a new link" for an invitation not yet
// accepted: a new link is shown and mailed (a real SMTP server), the old one
// stops working, only the person who sent it can do it, and an accepted or
// revoked invitation cannot be sent again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, query } from '../lib/harness.mjs';
import { Client, createAdmin, acceptInvite, invitedPerson } from '../lib/client.mjs';
import { startSmtp, linkIn } from '../lib/mail.mjs';

const stops = [];
after(async () => {
    for (const s of stops.reverse()) await s();
});

const linkOnPage = (body) => /\/invite\/[A-Za-z0-9_-]{43}/.exec(body)?.[0];

test('a new link replaces the old one, by page and by mail; only the sender; not once accepted or revoked', async () => {
    const smtp = await startSmtp();
    stops.push(() => smtp.stop());
    const srv = await startServer({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'Notes <notes@example.org>', PRACTICE_NAME: 'Quiet Room', MAIL_RETRY_SECONDS: '1' } });
    stops.push(() => srv.stop('SIGTERM').catch(() => {}));
    const q = (sql) => query(srv, sql);
    createAdmin(srv);
    const adminId = q("SELECT id FROM users WHERE role = 'admin'");
    const t = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Tara Sender' });
    const t2 = await invitedPerson(srv, { kind: 'therapist', createdBy: adminId, name: 'Tom Other' });

    const email = `rhea-${process.pid}@example.org`;
    const first = await t.post('/clients/invites', { display_name: 'Rhea Resend', email });
    assert.equal(first.status, 201);
    const old = linkOnPage(first.body);
    const [m1] = await smtp.waitFor(1);
    assert.ok(linkIn(m1, '/invite/').endsWith(old));
    const id = q(`SELECT id FROM invites WHERE email = '${email}'`);
    // The clients page offers it.
    assert.match((await t.get('/clients')).body, new RegExp(`action="/invites/${id}/resend"`));

    assert.equal((await t2.post(`/invites/${id}/resend`)).status, 404, 'not another therapist');
    const again = await t.post(`/invites/${id}/resend`);
    assert.equal(again.status, 201, again.body.slice(0, 300));
    assert.match(again.body, /the one sent before no longer works/);
    const fresh = linkOnPage(again.body);
    assert.ok(fresh && fresh !== old, 'a new link');
    const msgs = await smtp.waitFor(2);
    assert.ok(linkIn(msgs[1], '/invite/').endsWith(fresh), 'the new link is mailed');
    assert.equal(msgs[1].subject, 'A note from Quiet Room');
    assert.equal(q(`SELECT count(*) FROM audit_log WHERE action = 'invite.renewed' AND object_id = ${id}`), '1');

    const stale = await new Client(srv).get(old);
    assert.notEqual(stale.status, 200, 'the old link no longer works');
    const c = await acceptInvite(srv, fresh, { name: 'Rhea Resend' });
    assert.equal((await c.get('/account')).status, 200, 'the new one does');
    const done = await t.post(`/invites/${id}/resend`);
    assert.equal(done.status, 409);
    assert.match(done.body, /already accepted, so it cannot be sent again/);

    // Revoked: refused too. And the administrator's therapist invitation.
    const other = await t.post('/clients/invites', { display_name: 'Ona Revoked', email: `ona-${process.pid}@example.org` });
    assert.equal(other.status, 201);
    const oid = q(`SELECT id FROM invites WHERE email = 'ona-${process.pid}@example.org'`);
    assert.equal((await t.post(`/invites/${oid}/revoke`)).status, 303);
    assert.equal((await t.post(`/invites/${oid}/resend`)).status, 409);

    const admin = await new Client(srv).signIn('admin@example.org');
    const ti = await admin.post('/admin/invites', { display_name: 'Tess New', email: `tess-${process.pid}@example.org` });
    assert.equal(ti.status, 201);
    const tid = q(`SELECT id FROM invites WHERE email = 'tess-${process.pid}@example.org'`);
    const tre = await admin.post(`/invites/${tid}/resend`);
    assert.equal(tre.status, 201);
    assert.match(tre.body, /the one sent before no longer works/);
    assert.notEqual(linkOnPage(tre.body), linkOnPage(ti.body));
});
