// The content checks can fail: each one is run on a copy of the library with
// a planted bad exercise, and must report that exercise (and only the
// planted ones: the same run without them passes, see content.test.mjs).
//
// Run:  node --test tests/content/

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const SEEDS = resolve(REPO, '..', 'shared', 'seeds');
const CHECKER = join(HERE, 'check_content.mjs');

const base = JSON.parse(readFileSync(join(REPO, 'library', 'exercises', 'slow-massage.json'), 'utf8'));

// A valid exercise (a copy of slow-massage) under a new slug, changed by fn.
function planted(slug, fn) {
  const e = structuredClone(base);
  e.slug = slug;
  fn(e);
  return e;
}

// Ten consecutive words of a seed article, read at test time (never stored
// in this repository).
function seedRun() {
  const file = readdirSync(SEEDS).sort()[0];
  const words = readFileSync(join(SEEDS, file), 'utf8').split(/\s+/).filter(Boolean);
  assert.ok(words.length > 40, 'the seed has enough words');
  return words.slice(20, 30).join(' ');
}

const PLANTS = [
  {
    slug: 'planted-week-on-daily-log',
    fn: (e) => {
      e.rhythm = { times_per_week: 3, weeks: 2 };
      e.reflection.fields.unshift({ key: 'times_week', type: 'number', label: 'How many times did you practise this week?' });
    },
    expect: /planted-week-on-daily-log\.json \(times_week\): says "this week" on a log filled 3x a week/,
    check: 'weekly questions fit the schedule',
  },
  {
    slug: 'planted-today-on-weekly-question',
    fn: (e) => {
      e.rhythm = { times_per_week: 5, weeks: 2 };
      e.reflection.fields.unshift({ key: 'mood_week', type: 'scale', label: 'How do you feel today?', min: 0, max: 10,
        min_label: 'Low', max_label: 'Good', once_a_week: true });
    },
    expect: /planted-today-on-weekly-question\.json \(mood_week\): a once_a_week question says "today"/,
    check: 'weekly questions fit the schedule',
  },
  {
    slug: 'planted-no-pause-question',
    fn: (e) => {
      e.reflection.fields = e.reflection.fields.filter((f) => !['paused', 'pause_reason'].includes(f.key));
    },
    expect: /planted-no-pause-question\.json: category "touch" calls for a pause\/stop question/,
    check: 'exercises with touch or a hard conversation ask whether you paused or stopped',
  },
  {
    slug: 'planted-discreet-word-title',
    fn: (e) => { e.client_title = 'Slow sexual massage'; },
    expect: /planted-discreet-word-title\.json: client_title "Slow sexual massage" contains the discreet-word "sexual"/,
    check: 'every exercise has a neutral client_title',
  },
  {
    slug: 'planted-missing-client-title',
    fn: (e) => { delete e.client_title; },
    expect: /planted-missing-client-title\.json: client_title is missing/,
    check: 'every exercise has a neutral client_title',
  },
  {
    slug: 'planted-unlabelled-suds',
    fn: (e) => {
      const f = e.reflection.fields.find((x) => x.key === 'distress_before') ||
        e.reflection.fields[e.reflection.fields.push({ key: 'distress_before', type: 'scale', label: 'Before?', min: 0, max: 10,
          min_label: 'Calm', max_label: 'Very' }) - 1];
      delete f.therapist_label;
    },
    expect: /planted-unlabelled-suds\.json \(distress_before\): needs a therapist_label naming SUDS/,
    check: 'before/after distress scales are labelled SUDS',
  },
  {
    slug: 'planted-copied-run',
    fn: (e) => { e.summary = `Something new. ${seedRun()} and more of our own.`; },
    expect: /planted-copied-run\.json: "/,
    check: 'consecutive words from any seed',
  },
];

test('each content check fails on its planted bad exercise', () => {
  const dir = mkdtempSync(join(tmpdir(), 'interlude-content-'));
  try {
    const lib = join(dir, 'library');
    cpSync(join(REPO, 'library'), lib, { recursive: true });
    for (const p of PLANTS) {
      writeFileSync(join(lib, 'exercises', `${p.slug}.json`), JSON.stringify(planted(p.slug, p.fn), null, 2));
    }
    // A nested node --test would report to this runner instead of stdout
    // while NODE_TEST_CONTEXT is set.
    const env = { ...process.env, CONTENT_LIBRARY: lib };
    delete env.NODE_TEST_CONTEXT;
    const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', CHECKER], {
      env,
      encoding: 'utf8',
      timeout: 50000,
    });
    assert.notEqual(run.status, 0, 'the checker must fail on the planted library');
    const out = run.stdout;
    for (const p of PLANTS) {
      assert.match(out, p.expect, `expected the check "${p.check}" to report ${p.slug}`);
      // The failure is reported under the right test.
      const block = out.split(/\n(?=(?:not )?ok \d+ - )/).find((b) => b.includes(p.slug) && p.expect.test(b));
      assert.ok(block && block.startsWith('not ok') && block.includes(p.check), `${p.slug} fails "${p.check}"`);
    }
    // No real library file is reported: only the planted ones.
    const reported = [...out.matchAll(/library\/exercises\/([a-z0-9-]+)\.json/g)].map((m) => m[1]);
    assert.ok(reported.length > 0);
    assert.deepEqual([...new Set(reported.filter((s) => !s.startsWith('planted-')))], []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
