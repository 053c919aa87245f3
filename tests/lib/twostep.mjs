// twostep.mjs: helpers for the two-step policy tests
// (tests/integration/two-step-policy*.test.mjs): codes from Debian's
// oathtool (not the server's own code), enrolment through the JSON twins,
// and what a person the policy holds back gets.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

// Where the guard sends someone who must still enrol.
export const ENROL = '/account?need=two-step#two-step';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The code for `secret` at now + offset seconds.
export function code(secret, offset = 0) {
    const at = Math.floor(Date.now() / 1000) + offset;
    return execFileSync('/usr/bin/oathtool', ['--totp', '-b', '-N', `@${at}`, secret], { encoding: 'utf8' }).trim();
}

// Waits, if needed, so that the next few seconds stay inside one 30-second step.
export async function midStep() {
    const s = (Date.now() / 1000) % 30;
    if (s > 24) await sleep((31 - s) * 1000);
}

// Enrols c (signed in) through the JSON twins: returns the secret.
export async function enrol(c) {
    const start = await c.postJson('/account/two-step');
    assert.equal(start.status, 200, start.body);
    await midStep();
    const on = await c.postJson('/account/two-step/confirm', { code: code(start.json.secret) });
    assert.equal(on.status, 200, on.body);
    return start.json.secret;
}

// What an unenrolled person gets on routes the policy closes: HTML sent to
// enrol, JSON refused with its own code, and nothing of the page itself.
export async function assertKeptOut(c, paths) {
    for (const p of paths) {
        const html = await c.get(p);
        assert.equal(html.status, 303, `${p}: ${html.status}`);
        assert.equal(html.headers.location, ENROL, `${p} sends to enrolment`);
        assert.equal(html.body.length < 400, true, `${p}: nothing of the page leaks`);
        const json = await c.getJson(`/api/v1${p}`);
        assert.equal(json.status, 403, `/api/v1${p}: ${json.status}`);
        assert.equal(json.json.error.code, 'two_step_enrolment_required');
    }
}
