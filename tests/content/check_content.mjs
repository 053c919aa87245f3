// Content checks for the Interlude clinical library.
//
// Run:  node --test --test-reporter=tap tests/content/
//
// Validates every JSON file under library/ against the documented format
// (see docs/CONTENT.md) and enforces the "own words" rule: no run of
// OVERLAP_WORDS consecutive words from any seed article may appear in the
// library content or in docs/CONTENT.md. Uses only Node built-ins (node >= 20).

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { join, dirname, resolve, basename, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
// CONTENT_LIBRARY points the checks at another library directory: the
// planted-exercise tests (planted.test.mjs) run them on a copy with bad files.
const LIB = process.env.CONTENT_LIBRARY ? resolve(process.env.CONTENT_LIBRARY) : join(REPO, 'library');
const SEEDS = resolve(REPO, '..', 'shared', 'seeds');
const DOC = join(REPO, 'docs', 'CONTENT.md');

const OVERLAP_WORDS = 10;
const MIN_EXERCISES = 24;

const CATEGORIES = new Set([
  'connection', 'communication', 'touch', 'anxiety', 'consent',
  'trust', 'self-awareness', 'wellbeing', 'rituals',
]);
const AUDIENCES = new Set(['individual', 'couple', 'either']);
const FIELD_TYPES = new Set([
  'short_text', 'long_text', 'scale', 'single_choice', 'multiple_choice',
  'yes_no', 'date', 'number', 'consent', 'section', 'preference_list',
]);
const CHOICE_TYPES = new Set(['single_choice', 'multiple_choice']);
const FIELD_KEYS = new Set([
  'key', 'type', 'label', 'help', 'text', 'required', 'show_if',
  'min', 'max', 'min_label', 'max_label', 'options', 'step', 'once_a_week', 'therapist_label', 'items',
]);
const KEY_RE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const SLUG_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
// Expected item counts for the standard measures we ship.
const MEASURE_ITEMS = { 'phq-9': 9, 'gad-7': 7, 'who-5': 5, 'pcl-5': 20 };

// ---------------------------------------------------------------- loading

function listJson(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

function allJsonUnder(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...allJsonUnder(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

const parseErrors = [];
function load(path) {
  try {
    return { path, rel: relative(REPO, path), data: JSON.parse(readFileSync(path, 'utf8')) };
  } catch (e) {
    parseErrors.push(`${relative(REPO, path)}: invalid JSON: ${e.message}`);
    return null;
  }
}

const allFiles = allJsonUnder(LIB).map(load).filter(Boolean);
const exercises = listJson(join(LIB, 'exercises')).map(load).filter(Boolean);
const intakes = listJson(join(LIB, 'intake')).map(load).filter(Boolean);
const measures = listJson(join(LIB, 'measures')).map(load).filter(Boolean);

function report(errors) {
  if (errors.length) assert.fail(`${errors.length} problem(s):\n  - ${errors.join('\n  - ')}`);
}

const isStr = (v) => typeof v === 'string' && v.trim().length > 0;
const isInt = (v) => Number.isInteger(v);
const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

// ---------------------------------------------------------- form checking

// Validates a list of form fields; returns error strings prefixed by `where`.
function checkFields(fields, where, { minFields = 1, maxFields = Infinity } = {}) {
  const errs = [];
  if (!Array.isArray(fields)) return [`${where}: fields must be an array`];
  const answerable = fields.filter((f) => f && f.type !== 'section');
  if (answerable.length < minFields) errs.push(`${where}: needs at least ${minFields} answerable fields, has ${answerable.length}`);
  if (fields.length > maxFields) errs.push(`${where}: at most ${maxFields} fields allowed, has ${fields.length}`);
  const seen = new Map(); // key -> field (only earlier fields)
  fields.forEach((f, i) => {
    const at = `${where} field #${i + 1}${f && f.key ? ` (${f.key})` : ''}`;
    if (!f || typeof f !== 'object' || Array.isArray(f)) { errs.push(`${at}: not an object`); return; }
    for (const k of Object.keys(f)) if (!FIELD_KEYS.has(k)) errs.push(`${at}: unknown property "${k}"`);
    if (!isStr(f.key)) errs.push(`${at}: missing key`);
    else if (!KEY_RE.test(f.key)) errs.push(`${at}: key must be lowercase snake_case`);
    else if (seen.has(f.key)) errs.push(`${at}: duplicate key "${f.key}"`);
    if (!FIELD_TYPES.has(f.type)) errs.push(`${at}: unknown type "${f.type}"`);
    if (!isStr(f.label)) errs.push(`${at}: missing label`);
    if ('once_a_week' in f && typeof f.once_a_week !== 'boolean') errs.push(`${at}: once_a_week must be boolean`);
    if (f.type === 'section' && f.once_a_week) errs.push(`${at}: a section cannot be once_a_week`);
    for (const k of ['help', 'text', 'min_label', 'max_label', 'therapist_label']) {
      if (k in f && !isStr(f[k])) errs.push(`${at}: ${k} must be a non-empty string`);
    }
    if ('required' in f && typeof f.required !== 'boolean') errs.push(`${at}: required must be boolean`);
    if (f.type === 'section' && f.required) errs.push(`${at}: a section cannot be required`);
    if (f.type !== 'section' && 'text' in f) errs.push(`${at}: "text" is only for sections (use help)`);

    if (f.type === 'scale') {
      if (!isInt(f.min) || !isInt(f.max)) errs.push(`${at}: scale needs integer min and max`);
      else if (!(f.min < f.max)) errs.push(`${at}: scale min must be < max`);
      if (!isStr(f.min_label) || !isStr(f.max_label)) errs.push(`${at}: scale needs min_label and max_label`);
    } else if (f.type === 'number') {
      if ('min' in f && !isNum(f.min)) errs.push(`${at}: number min must be numeric`);
      if ('max' in f && !isNum(f.max)) errs.push(`${at}: number max must be numeric`);
      if (isNum(f.min) && isNum(f.max) && !(f.min < f.max)) errs.push(`${at}: number min must be < max`);
    } else {
      for (const k of ['min', 'max', 'min_label', 'max_label']) {
        if (k in f) errs.push(`${at}: "${k}" only applies to scale/number fields`);
      }
    }

    if (CHOICE_TYPES.has(f.type)) {
      if (!Array.isArray(f.options) || f.options.length < 2) errs.push(`${at}: choice field needs at least 2 options`);
      else {
        const vals = new Set();
        f.options.forEach((o, j) => {
          if (!o || !isStr(o.value) || !isStr(o.label)) errs.push(`${at}: option #${j + 1} needs value and label`);
          else if (vals.has(o.value)) errs.push(`${at}: duplicate option value "${o.value}"`);
          else vals.add(o.value);
          if (o && 'weight' in o && !isNum(o.weight)) errs.push(`${at}: option "${o.value}" weight must be a number`);
          if (o) for (const k of Object.keys(o)) if (!['value', 'label', 'weight'].includes(k)) errs.push(`${at}: option has unknown property "${k}"`);
        });
      }
    } else if ('options' in f) errs.push(`${at}: options only apply to choice fields`);

    // preference_list: 1..200 items {key (snake_case, unique), label, group?},
    // labels and groups at most 200 characters (server/forms/form_check.c).
    if (f.type === 'preference_list') {
      if (!Array.isArray(f.items) || f.items.length === 0) errs.push(`${at}: a preference list needs at least one item`);
      else if (f.items.length > 200) errs.push(`${at}: a preference list may have at most 200 items`);
      else {
        const keys = new Set();
        f.items.forEach((it, j) => {
          if (!it || typeof it !== 'object' || !isStr(it.key) || !KEY_RE.test(it.key)) { errs.push(`${at}: item #${j + 1} needs a snake_case key`); return; }
          if (keys.has(it.key)) errs.push(`${at}: duplicate item key "${it.key}"`);
          keys.add(it.key);
          if (!isStr(it.label) || [...it.label].length > 200) errs.push(`${at}: item "${it.key}" needs a label of at most 200 characters`);
          if ('group' in it && (!isStr(it.group) || [...it.group].length > 200)) errs.push(`${at}: item "${it.key}" group must be text of at most 200 characters`);
          for (const k of Object.keys(it)) if (!['key', 'label', 'group'].includes(k)) errs.push(`${at}: item "${it.key}" has unknown property "${k}"`);
        });
      }
    } else if ('items' in f) errs.push(`${at}: items only apply to preference_list fields`);

    if ('show_if' in f) {
      const s = f.show_if;
      if (!s || typeof s !== 'object' || !isStr(s.field) || !('equals' in s)) {
        errs.push(`${at}: show_if needs {field, equals}`);
      } else if (!seen.has(s.field)) {
        errs.push(`${at}: show_if refers to "${s.field}", which is not an earlier field`);
      } else {
        const ref = seen.get(s.field);
        if (ref.type === 'section') errs.push(`${at}: show_if cannot refer to a section`);
        if (ref.type === 'yes_no' && !['yes', 'no'].includes(s.equals)) errs.push(`${at}: show_if on yes_no must equal "yes" or "no"`);
        if (CHOICE_TYPES.has(ref.type) && Array.isArray(ref.options) && !ref.options.some((o) => o.value === s.equals)) {
          errs.push(`${at}: show_if value "${s.equals}" is not an option of "${s.field}"`);
        }
        if (ref.type === 'consent' && typeof s.equals !== 'boolean') errs.push(`${at}: show_if on consent must equal true/false`);
        // "equals" is ambiguous for a multi-select answer (a list), so it is not allowed.
        if (ref.type === 'multiple_choice') errs.push(`${at}: show_if cannot refer to a multiple_choice field`);
        if (ref.type === 'preference_list') errs.push(`${at}: show_if cannot refer to a preference_list field`);
        // A follow-up of a weekly question is asked with it, never alone.
        if (ref.once_a_week === true && f.once_a_week !== true) errs.push(`${at}: show_if names a once_a_week field, so it must be once_a_week too`);
      }
    }
    if (isStr(f.key) && !seen.has(f.key)) seen.set(f.key, f);
  });
  return errs;
}

// Collects every string value in a JSON document, in document order.
function strings(v, out = []) {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => strings(x, out));
  return out;
}

// Collects every `title` value at any depth.
function titles(v, out = []) {
  if (Array.isArray(v)) v.forEach((x) => titles(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'title') out.push(x);
      titles(x, out);
    }
  }
  return out;
}

// ------------------------------------------------------------- overlap rule

// Two tokenisations, to be robust to how "ignoring punctuation" is read:
// (a) apostrophes and hyphens join ("don't" -> "dont", "non-verbal" -> "nonverbal");
// (b) every non-letter/digit separates ("don't" -> "don", "t").
function tokenVariants(text) {
  const t = text.normalize('NFKC').toLowerCase();
  const joined = t.replace(/[’'`´‘\-‐‑–]/g, '').split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const split = t.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  return [joined, split];
}

function ngrams(words, n) {
  const out = new Set();
  for (let i = 0; i + n <= words.length; i++) out.add(words.slice(i, i + n).join(' '));
  return out;
}

function findOverlaps(text, seedGrams, n) {
  const hits = [];
  for (const words of tokenVariants(text)) {
    for (let i = 0; i + n <= words.length; i++) {
      const g = words.slice(i, i + n).join(' ');
      if (seedGrams.has(g)) hits.push(g);
    }
  }
  return [...new Set(hits)];
}

// ------------------------------------------------------------------ tests

test('library files exist and parse as JSON', () => {
  const errs = [...parseErrors];
  if (!existsSync(LIB)) errs.push(`missing directory ${LIB}`);
  if (!exercises.length) errs.push('no exercises found in library/exercises');
  if (!intakes.length) errs.push('no intake forms found in library/intake');
  if (!measures.length) errs.push('no measures found in library/measures');
  report(errs);
});

test(`at least ${MIN_EXERCISES} exercises`, () => {
  assert.ok(exercises.length >= MIN_EXERCISES, `found ${exercises.length} exercises, need >= ${MIN_EXERCISES}`);
});

test('slugs are valid, match file names and are unique', () => {
  const errs = [];
  const seen = new Map();
  for (const f of allFiles) {
    const slug = f.data && f.data.slug;
    if (!isStr(slug) || !SLUG_RE.test(slug)) { errs.push(`${f.rel}: slug missing or not kebab-case`); continue; }
    if (basename(f.path, '.json') !== slug) errs.push(`${f.rel}: slug "${slug}" does not match file name`);
    if (seen.has(slug)) errs.push(`${f.rel}: slug "${slug}" also used by ${seen.get(slug)}`);
    seen.set(slug, f.rel);
  }
  report(errs);
});

test('exercises have all required fields with the right types', () => {
  const errs = [];
  const known = new Set(['slug', 'title', 'client_title', 'category', 'tags', 'audience', 'summary', 'instructions',
    'duration_minutes', 'rhythm', 'safety_note', 'reflection']);
  for (const { rel, data: e } of exercises) {
    for (const k of Object.keys(e)) if (!known.has(k)) errs.push(`${rel}: unknown property "${k}"`);
    for (const k of ['title', 'summary', 'safety_note']) if (!isStr(e[k])) errs.push(`${rel}: ${k} must be a non-empty string`);
    if (!Array.isArray(e.tags) || !e.tags.length || !e.tags.every((t) => isStr(t) && /^[a-z0-9-]+$/.test(t))) {
      errs.push(`${rel}: tags must be a non-empty array of lowercase strings`);
    } else if (new Set(e.tags).size !== e.tags.length) errs.push(`${rel}: duplicate tags`);
    if (!Array.isArray(e.instructions) || e.instructions.length < 3 || !e.instructions.every(isStr)) {
      errs.push(`${rel}: instructions must be an array of at least 3 non-empty strings`);
    }
    if (!isInt(e.duration_minutes) || e.duration_minutes < 1 || e.duration_minutes > 180) {
      errs.push(`${rel}: duration_minutes must be an integer 1-180`);
    }
    const r = e.rhythm;
    if (!r || typeof r !== 'object' || !isInt(r.times_per_week) || r.times_per_week < 1 || r.times_per_week > 14 ||
        !isInt(r.weeks) || r.weeks < 1 || r.weeks > 26 || Object.keys(r).some((k) => !['times_per_week', 'weeks'].includes(k))) {
      errs.push(`${rel}: rhythm must be {times_per_week: 1-14, weeks: 1-26}`);
    }
    if (!e.reflection || typeof e.reflection !== 'object' || !Array.isArray(e.reflection.fields)) {
      errs.push(`${rel}: reflection.fields must be an array`);
    }
  }
  report(errs);
});

test('exercises use a known category and audience', () => {
  const errs = [];
  for (const { rel, data: e } of exercises) {
    if (!CATEGORIES.has(e.category)) errs.push(`${rel}: unknown category "${e.category}"`);
    if (!AUDIENCES.has(e.audience)) errs.push(`${rel}: unknown audience "${e.audience}"`);
  }
  report(errs);
});

test('every exercise has a real safety note', () => {
  const errs = [];
  for (const { rel, data: e } of exercises) {
    const s = isStr(e.safety_note) ? e.safety_note : '';
    if (s.split(/\s+/).length < 30) errs.push(`${rel}: safety_note is missing or shorter than 30 words`);
    if (!/stop|pause/i.test(s)) errs.push(`${rel}: safety_note should say you may pause or stop`);
    if (!/therapist/i.test(s)) errs.push(`${rel}: safety_note should say when to talk to your therapist`);
  }
  report(errs);
});

test('exercise reflection forms are valid (3-8 fields, types, keys, show_if, scales, options)', () => {
  const errs = [];
  for (const { rel, data: e } of exercises) {
    const fields = e.reflection && e.reflection.fields;
    if (!Array.isArray(fields)) continue; // reported elsewhere
    if (fields.length < 3 || fields.length > 8) errs.push(`${rel}: reflection needs 3-8 fields, has ${fields.length}`);
    errs.push(...checkFields(fields, `${rel} reflection`, { minFields: 3 }));
  }
  report(errs);
});

test('intake forms are valid and history questions are optional with "prefer not to say"', () => {
  const errs = [];
  for (const { rel, data: f } of intakes) {
    for (const k of ['slug', 'title', 'summary']) if (!isStr(f[k])) errs.push(`${rel}: ${k} must be a non-empty string`);
    errs.push(...checkFields(f.fields, rel, { minFields: 5 }));
    if (!Array.isArray(f.fields)) continue;
    if (!f.fields.some((x) => x.type === 'section')) errs.push(`${rel}: group questions with section fields`);
    // Every field after a section whose key starts with "history" (until the next
    // section) must be optional, and choice questions there must offer prefer_not.
    let inHistory = false;
    let historyCount = 0;
    for (const x of f.fields) {
      if (x.type === 'section') { inHistory = /^history/.test(x.key); continue; }
      if (!inHistory) continue;
      historyCount++;
      if (x.required) errs.push(`${rel}: history question "${x.key}" must be optional`);
      if (CHOICE_TYPES.has(x.type) && !(x.options || []).some((o) => o.value === 'prefer_not')) {
        errs.push(`${rel}: history question "${x.key}" needs a "prefer_not" option`);
      }
      if (!CHOICE_TYPES.has(x.type) && !x.show_if) {
        errs.push(`${rel}: history question "${x.key}" should be a choice with prefer_not, or a follow-up shown by show_if`);
      }
    }
    if (!historyCount) errs.push(`${rel}: expected a history section (section key starting with "history")`);
  }
  report(errs);
});

test('measures are valid forms with attribution, license and instructions', () => {
  const errs = [];
  for (const { rel, data: m } of measures) {
    for (const k of ['slug', 'title', 'summary', 'instructions', 'attribution', 'license']) {
      if (!isStr(m[k])) errs.push(`${rel}: ${k} must be a non-empty string`);
    }
    errs.push(...checkFields(m.fields, rel, { minFields: 1 }));
  }
  report(errs);
});

test('measure scoring: items exist, are weighted, bands cover the range', () => {
  const errs = [];
  for (const { rel, data: m } of measures) {
    const s = m.scoring;
    if (!s || typeof s !== 'object') { errs.push(`${rel}: missing scoring`); continue; }
    if (s.method !== 'sum') errs.push(`${rel}: scoring.method must be "sum"`);
    if (!isNum(s.multiplier) || s.multiplier <= 0) errs.push(`${rel}: scoring.multiplier must be a positive number`);
    if (!Array.isArray(s.items) || !s.items.length) { errs.push(`${rel}: scoring.items must be a non-empty array`); continue; }
    if (new Set(s.items).size !== s.items.length) errs.push(`${rel}: duplicate scoring items`);
    const byKey = new Map((m.fields || []).map((f) => [f.key, f]));
    let lo = 0;
    let hi = 0;
    for (const key of s.items) {
      const f = byKey.get(key);
      if (!f) { errs.push(`${rel}: scoring item "${key}" is not a field`); continue; }
      if (f.type !== 'single_choice') { errs.push(`${rel}: scoring item "${key}" must be single_choice`); continue; }
      const ws = (f.options || []).map((o) => o.weight);
      if (!ws.length || !ws.every(isNum)) { errs.push(`${rel}: every option of "${key}" needs a numeric weight`); continue; }
      if (!f.required) errs.push(`${rel}: scoring item "${key}" should be required`);
      lo += Math.min(...ws);
      hi += Math.max(...ws);
    }
    const mult = isNum(s.multiplier) ? s.multiplier : 1;
    lo *= mult;
    hi *= mult;
    const expected = MEASURE_ITEMS[m.slug];
    if (expected && s.items.length !== expected) errs.push(`${rel}: expected ${expected} scored items, found ${s.items.length}`);
    const bands = s.bands;
    if (!Array.isArray(bands) || !bands.length) { errs.push(`${rel}: scoring.bands must be a non-empty array`); continue; }
    bands.forEach((b, i) => {
      if (!b || !isNum(b.min) || !isNum(b.max) || !isStr(b.label)) errs.push(`${rel}: band #${i + 1} needs numeric min, max and a label`);
      else if (b.min > b.max) errs.push(`${rel}: band "${b.label}" has min > max`);
    });
    const sorted = [...bands].filter((b) => b && isNum(b.min) && isNum(b.max)).sort((a, b) => a.min - b.min);
    if (sorted.length) {
      if (sorted[0].min !== lo) errs.push(`${rel}: bands start at ${sorted[0].min}, lowest possible score is ${lo}`);
      if (sorted[sorted.length - 1].max !== hi) errs.push(`${rel}: bands end at ${sorted[sorted.length - 1].max}, highest possible score is ${hi}`);
      for (let i = 1; i < sorted.length; i++) {
        if (sorted[i].min !== sorted[i - 1].max + 1) errs.push(`${rel}: gap or overlap between bands "${sorted[i - 1].label}" and "${sorted[i].label}"`);
      }
    }
  }
  report(errs);
});

// The alert rules of a form (docs/CONTENT.md, "Alerts"): each names an
// earlier field, has the clinician's message AND a client_message (what the
// client is told: the clinician's wording never reaches a client), and
// exactly one condition that fits the field's type. Returns the problems.
export function alertProblems(def, rel) {
  const errs = [];
  if (!def || !('alerts' in def)) return errs;
  if (!Array.isArray(def.alerts)) return [`${rel}: alerts must be an array`];
  const byKey = new Map((def.fields || []).map((f) => [f.key, f]));
  def.alerts.forEach((a, i) => {
    const at = `${rel}: alert #${i + 1}`;
    const f = a && byKey.get(a.item);
    if (!f) { errs.push(`${at} must name a field as its item`); return; }
    if (!isStr(a.message)) errs.push(`${at} (${a.item}) needs a message for the therapist`);
    if (!isStr(a.client_message)) errs.push(`${at} (${a.item}) needs a client_message: what the client is told`);
    const conds = ['min_weight', 'values', 'min'].filter((k) => k in a);
    if (conds.length !== 1) { errs.push(`${at} (${a.item}) needs exactly one of min_weight, values, min`); return; }
    const unknown = Object.keys(a).filter((k) => !['item', 'message', 'client_message', 'min_weight', 'values', 'min'].includes(k));
    if (unknown.length) errs.push(`${at} (${a.item}) has unknown properties: ${unknown.join(', ')}`);
    if (conds[0] === 'min_weight' && (f.type !== 'single_choice' || !isNum(a.min_weight) || !(f.options || []).every((o) => isNum(o.weight))))
      errs.push(`${at} (${a.item}): min_weight needs a number and a weighted single_choice`);
    if (conds[0] === 'min' && (!['scale', 'number'].includes(f.type) || !isNum(a.min)))
      errs.push(`${at} (${a.item}): min needs a number and a scale or number field`);
    if (conds[0] === 'values') {
      const answers = f.type === 'yes_no' ? ['yes', 'no'] : CHOICE_TYPES.has(f.type) ? (f.options || []).map((o) => o.value) : null;
      if (!answers) errs.push(`${at} (${a.item}): values need a choice or yes/no field`);
      else if (!Array.isArray(a.values) || !a.values.length || !a.values.every((v) => answers.includes(v)))
        errs.push(`${at} (${a.item}): values must be a non-empty list of the field's answers`);
    }
  });
  return errs;
}

test('every alert rule is well formed and has a client-facing text', () => {
  const errs = [];
  for (const { rel, data } of [...measures, ...intakes]) errs.push(...alertProblems(data, rel));
  for (const { rel, data } of exercises) errs.push(...alertProblems(data.reflection, rel));
  report(errs);
  // The check itself can fail: a planted alert without a client text is caught.
  const planted = {
    fields: [{ key: 'q', type: 'yes_no', label: 'Q' }],
    alerts: [{ item: 'q', values: ['yes'], message: 'Follow up.' }],
  };
  assert.match(alertProblems(planted, 'planted').join('\n'), /needs a client_message/);
});

test('no title contains the word "sex" (titles show on screens)', () => {
  const errs = [];
  for (const { rel, data } of allFiles) {
    for (const t of titles(data)) {
      if (typeof t === 'string' && /sex/i.test(t)) errs.push(`${rel}: title "${t}"`);
    }
  }
  report(errs);
});

// ------------------------------------------------ schedule-fit, pause, titles

// Words a client-facing title must not contain (docs/CONTENT.md, "Titles"):
// someone glancing at the client's screen must not learn what the work is
// about. Matched as whole words, case-insensitive, plural "s" allowed;
// the entries ending in "*" match any word starting so (sexual, sexuality).
export const DISCRETION_WORDS = [
  'sex*', 'anal', 'anus', 'kink*', 'bdsm', 'fetish*', 'erotic*', 'orgasm*', 'arous*', 'genital*',
  'penetrat*', 'porn*', 'nude', 'naked', 'lust', 'libido', 'affair', 'betrayal', 'betray*',
  'infidelity', 'cheating', 'unfaithful', 'trauma*', 'abuse*', 'assault', 'ptsd', 'intimacy',
  'intimate', 'therapy', 'therapist', 'therapeutic', 'counselling', 'counseling', 'shame',
  'fantasy', 'fantasies', 'bedroom', 'anxiety', 'panic', 'depression', 'forgiveness',
];
const DISCRETION_RE = new RegExp(
  `\\b(?:${DISCRETION_WORDS.map((w) => (w.endsWith('*') ? `${w.slice(0, -1)}\\w*` : `${w}s?`)).join('|')})\\b`, 'i');

export function clientTitleProblems(e, rel) {
  if (!isStr(e.client_title)) return [`${rel}: client_title is missing (the neutral title every client page shows)`];
  const m = e.client_title.match(DISCRETION_RE);
  if (m) return [`${rel}: client_title "${e.client_title}" contains the discreet-word "${m[0]}"`];
  if (e.client_title.length > 60) return [`${rel}: client_title is longer than 60 characters`];
  return [];
}

// Schedule fit (docs/CONTENT.md, "Weekly questions"). A reflection is filled
// in once per practice, rhythm.times_per_week times a week. A question that
// talks about the week ("this week", "last week", "next week", "each week",
// "the week", "per week", "weekly") or asks for a count of days ("on how many
// days") is a weekly question: on a log filled more than once a week it must
// be marked "once_a_week": true, or each log would repeat an overlapping
// weekly total. A once_a_week question must not say "today" or "this time"
// (it speaks for the whole week). Label and help are both read.
const WEEK_RE = /\b(this|last|next|each|every|the|per|past)\s+week\b|\bweekly\b|\bon how many days\b/i;
const TODAY_RE = /\btoday\b|\bthis time\b|\btonight\b/i;

export function scheduleProblems(e, rel) {
  const errs = [];
  const perWeek = e.rhythm && isInt(e.rhythm.times_per_week) ? e.rhythm.times_per_week : 1;
  const fields = (e.reflection && e.reflection.fields) || [];
  for (const f of fields) {
    if (!f || f.type === 'section') continue;
    const text = [f.label, f.help].filter(isStr).join(' ');
    const weekly = f.once_a_week === true;
    const w = text.match(WEEK_RE);
    if (w && perWeek > 1 && !weekly) {
      errs.push(`${rel} (${f.key}): says "${w[0]}" on a log filled ${perWeek}x a week; ask about this practice, or mark it "once_a_week": true`);
    }
    const t = text.match(TODAY_RE);
    if (t && weekly) errs.push(`${rel} (${f.key}): a once_a_week question says "${t[0]}"; it is asked once for the whole week`);
  }
  return errs;
}

// Categories whose exercises involve touch or a hard conversation, so the
// reflection must ask whether the client paused or stopped. Exercises of
// other categories need it too when they carry the "touch" tag.
export const PAUSE_CATEGORIES = new Set(['touch', 'consent', 'anxiety', 'trust', 'communication', 'connection']);

// A pause/stop question is a yes_no field keyed "paused" or "used_stop",
// asked on every log (not once_a_week), with a follow-up shown on "yes".
export function pauseProblems(e, rel) {
  const needs = PAUSE_CATEGORIES.has(e.category) || (Array.isArray(e.tags) && e.tags.includes('touch'));
  if (!needs) return [];
  const fields = (e.reflection && e.reflection.fields) || [];
  const q = fields.find((f) => f && ['paused', 'used_stop'].includes(f.key) && f.type === 'yes_no' && f.once_a_week !== true);
  if (!q) return [`${rel}: category "${e.category}" calls for a pause/stop question (a yes_no field "paused" asked on every log)`];
  const follow = fields.some((f) => f && f.show_if && f.show_if.field === q.key && f.show_if.equals === 'yes');
  if (!follow) return [`${rel}: the pause/stop question "${q.key}" needs a follow-up shown on "yes"`];
  return [];
}

// Before/after distress scales are SUDS (0-10) for the therapist.
export function sudsProblems(e, rel) {
  const errs = [];
  for (const f of (e.reflection && e.reflection.fields) || []) {
    if (!f || !/^distress_(before|after)$/.test(f.key)) continue;
    if (f.type !== 'scale' || f.min !== 0 || f.max !== 10) errs.push(`${rel} (${f.key}): a distress scale runs 0-10`);
    if (!isStr(f.therapist_label) || !/SUDS/.test(f.therapist_label)) errs.push(`${rel} (${f.key}): needs a therapist_label naming SUDS (0-10)`);
  }
  return errs;
}

test('every exercise has a neutral client_title without a discreet word', () => {
  const errs = [];
  for (const { rel, data } of exercises) errs.push(...clientTitleProblems(data, rel));
  report(errs);
});

test('weekly questions fit the schedule ("this week" only once a week)', () => {
  const errs = [];
  for (const { rel, data } of exercises) errs.push(...scheduleProblems(data, rel));
  report(errs);
});

test('exercises with touch or a hard conversation ask whether you paused or stopped', () => {
  const errs = [];
  for (const { rel, data } of exercises) errs.push(...pauseProblems(data, rel));
  report(errs);
});

test('before/after distress scales are labelled SUDS (0-10) for the therapist', () => {
  const errs = [];
  for (const { rel, data } of exercises) errs.push(...sudsProblems(data, rel));
  report(errs);
});

test(`no run of ${OVERLAP_WORDS} consecutive words from any seed appears in the content`, () => {
  assert.ok(existsSync(SEEDS) && statSync(SEEDS).isDirectory(),
    `SEED DIRECTORY MISSING: ${SEEDS} — the overlap check cannot run, so it fails. ` +
    'Provide the seed articles at <repo>/../shared/seeds.');
  const seedFiles = readdirSync(SEEDS).filter((f) => statSync(join(SEEDS, f)).isFile());
  assert.ok(seedFiles.length > 0, `SEED DIRECTORY EMPTY: ${SEEDS} — the overlap check cannot run, so it fails.`);
  const seedGrams = new Set();
  for (const f of seedFiles) {
    for (const words of tokenVariants(readFileSync(join(SEEDS, f), 'utf8'))) {
      for (const g of ngrams(words, OVERLAP_WORDS)) seedGrams.add(g);
    }
  }
  assert.ok(seedGrams.size > 0, `seed files in ${SEEDS} yielded no ${OVERLAP_WORDS}-word runs`);
  const errs = [];
  const targets = allFiles.map((f) => ({ rel: f.rel, text: strings(f.data).join('\n') }));
  if (existsSync(DOC)) targets.push({ rel: relative(REPO, DOC), text: readFileSync(DOC, 'utf8') });
  for (const { rel, text } of targets) {
    for (const hit of findOverlaps(text, seedGrams, OVERLAP_WORDS)) errs.push(`${rel}: "${hit}"`);
  }
  report(errs);
});

test('docs/CONTENT.md exists and documents every measure', () => {
  assert.ok(existsSync(DOC), 'docs/CONTENT.md is missing');
  const doc = readFileSync(DOC, 'utf8');
  const errs = [];
  for (const { data: m } of measures) {
    const name = String(m.slug || '').toUpperCase();
    if (!doc.toUpperCase().includes(name)) errs.push(`docs/CONTENT.md does not mention ${name}`);
  }
  report(errs);
});
