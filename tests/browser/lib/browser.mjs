// browser.mjs: the browser tests' tools. playwright-core drives Debian's
// Chromium (headless); every page a journey reaches goes through
// Inspector.check(), which judges it the way a person and a checker would:
//
//   - the status the server answered is the one the step expected;
//   - no console error and no Content-Security-Policy violation;
//   - axe-core finds no violation at any impact level (light colours, and the
//     colour contrast again in dark mode);
//   - at a phone's width (390x844) nothing needs horizontal scrolling and
//     every link, button and field in <main> is at least 44x44 CSS px (links
//     inside a sentence excepted, as WCAG's target size allows);
//   - a screenshot at desktop (1280x800) and phone size, full page, under
//     test-output/screenshots/;
//   - the raw HTML the server sent is kept, and checkHtml() runs the Nu HTML
//     Checker (vnu.jar on Debian's Java) once over all of them at the end.
//
// Chromium, Java or node_modules missing is a failure that says what to
// install, never a skip.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT } from '../../lib/harness.mjs';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
export const MIN_TARGET = 44;
// The axe rules whose outcome a phone's narrower layout can change.
const PHONE_RULES = ['scrollable-region-focusable', 'color-contrast', 'target-size', 'region', 'landmark-one-main'];

const INSTALL = 'bash scripts/deps.sh --browser && npm ci --ignore-scripts   (or: apt-get install -y --no-install-recommends chromium default-jre-headless)';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const requireHere = createRequire(path.join(ROOT, 'package.json'));

// Throws, saying what to install, when a tool the browser tests need is missing.
export function requireTools() {
    const missing = [];
    if (!fs.existsSync(CHROMIUM)) missing.push(`Chromium (${CHROMIUM})`);
    if (spawnSync('java', ['-version'], { stdio: 'ignore' }).status !== 0) missing.push('Java (java on PATH)');
    for (const m of ['playwright-core', 'axe-core', 'vnu-jar']) {
        try {
            requireHere.resolve(m);
        } catch {
            missing.push(`node module ${m}`);
        }
    }
    if (missing.length) {
        throw new Error(`the browser tests need ${missing.join(', ')}.\nInstall them with:\n  ${INSTALL}`);
    }
}

export async function launch() {
    requireTools();
    const { chromium } = requireHere('playwright-core');
    // Playwright gives each launch a fresh, throwaway profile directory of
    // its own (it refuses --user-data-dir with launch()).
    return chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
        ],
    });
}

// In every page before its own scripts: remember CSP violations.
function cspRecorder() {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber} ${e.sample || ''}`);
    });
}

function slug(s) {
    return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
}

// Runs in the page: horizontal overflow and too-small tap targets.
function layoutProbe(minTarget) {
    const doc = document.documentElement;
    const result = { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, wide: [], small: [] };
    const describe = (el) => {
        let s = el.tagName.toLowerCase();
        if (el.id) s += `#${el.id}`;
        else if (el.className && typeof el.className === 'string') s += `.${el.className.trim().split(/\s+/).join('.')}`;
        if (el.getAttribute('href')) s += `[href="${el.getAttribute('href')}"]`;
        if (el.getAttribute('name')) s += `[name="${el.getAttribute('name')}"]`;
        const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ');
        if (text) s += ` "${text.slice(0, 40)}"`;
        return s;
    };
    if (doc.scrollWidth > doc.clientWidth) {
        // The outermost elements that stick out on the right and are not
        // clipped by a box that scrolls (an absolutely positioned one is
        // clipped only by a box that is also its containing block).
        const clipped = (el) => {
            let abs = ['absolute', 'fixed'].includes(getComputedStyle(el).position);
            for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
                const cs = getComputedStyle(a);
                if (abs && cs.position === 'static') continue;
                if (cs.overflowX !== 'visible') return true;
                abs = cs.position === 'absolute' || cs.position === 'fixed';
            }
            return false;
        };
        const out = new Set();
        for (const el of document.body.querySelectorAll('*')) {
            if (el.getBoundingClientRect().right > doc.clientWidth + 0.5 && !clipped(el)) out.add(el);
        }
        for (const el of out) {
            if (!out.has(el.parentElement)) result.wide.push(`${describe(el)} reaches ${Math.round(el.getBoundingClientRect().right)}px`);
        }
    }
    const main = document.querySelector('main');
    if (!main) return result;
    const visible = (el) => {
        if (el.closest('[hidden]')) return false;
        const cs = getComputedStyle(el);
        if (cs.display === 'none' || cs.visibility === 'hidden') return false;
        const r = el.getBoundingClientRect();
        return r.width > 1 || r.height > 1;
    };
    const sel = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, [role="button"], [tabindex]:not([tabindex="-1"])';
    for (const el of main.querySelectorAll(sel)) {
        if (!visible(el)) continue;
        let r = el.getBoundingClientRect();
        // An inline element that wraps is as tall as one of its lines.
        if (getComputedStyle(el).display === 'inline' && el.getClientRects().length > 1) {
            const lines = [...el.getClientRects()];
            r = { width: Math.max(...lines.map((l) => l.width)), height: Math.max(...lines.map((l) => l.height)) };
        }
        // A checkbox or radio is tapped through its label as well.
        if (el.matches('input[type="checkbox"], input[type="radio"]')) {
            const label = el.closest('label') || (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`));
            if (label) {
                const l = label.getBoundingClientRect();
                const left = Math.min(r.left, l.left);
                const top = Math.min(r.top, l.top);
                r = { width: Math.max(r.right, l.right) - left, height: Math.max(r.bottom, l.bottom) - top };
            }
        }
        // A link inside a sentence is exempt (WCAG 2.5.8, "inline").
        if (el.tagName === 'A' && getComputedStyle(el).display === 'inline') {
            const block = el.parentElement && el.parentElement.closest('p, li, dd, td, th, div, span');
            if (block && block.textContent.replace(/\s+/g, ' ').trim() !== el.textContent.replace(/\s+/g, ' ').trim()) continue;
        }
        if (r.width < minTarget - 0.5 || r.height < minTarget - 0.5) {
            result.small.push(`${describe(el)} is ${Math.round(r.width)}x${Math.round(r.height)}`);
        }
    }
    return result;
}

export class Inspector {
    // outDir: test-output; journey: a short name used in file names;
    // screenshots: false to skip them (the same pages were shot already).
    constructor({ outDir = path.resolve(ROOT, process.env.TEST_OUTPUT || 'test-output'), journey, screenshots = true }) {
        this.journey = journey;
        this.screenshots = screenshots;
        this.shotDir = path.join(outDir, 'screenshots');
        this.htmlDir = path.join(outDir, 'browser-html', journey);
        fs.mkdirSync(this.shotDir, { recursive: true });
        fs.rmSync(this.htmlDir, { recursive: true, force: true });
        for (const f of fs.readdirSync(this.shotDir)) {
            if (f.startsWith(`${journey}-`)) fs.rmSync(path.join(this.shotDir, f), { force: true });
        }
        fs.mkdirSync(this.htmlDir, { recursive: true });
        this.visits = []; // {label, url, file}
        this.axeViolations = 0;
        this.axeChecked = 0; // pages axe ran on
        this.axeSource = fs.readFileSync(requireHere.resolve('axe-core/axe.min.js'), 'utf8');
    }

    // A new browser context for one person, with the CSP recorder and this
    // inspector's listeners on its pages.
    async context(browser, { phone = false, javaScript = true } = {}) {
        const ctx = await browser.newContext({
            viewport: phone ? PHONE : DESKTOP,
            isMobile: phone,
            hasTouch: phone,
            deviceScaleFactor: 1,
            javaScriptEnabled: javaScript,
            colorScheme: 'light',
            reducedMotion: 'reduce',
        });
        await ctx.addInitScript(cspRecorder);
        ctx.on('page', (p) => this.watch(p, javaScript));
        return ctx;
    }

    watch(page, javaScript) {
        const state = { console: [], doc: null, javaScript };
        page.__inspector = state;
        page.on('console', (m) => {
            if (m.type() === 'error') state.console.push({ text: m.text(), url: m.location().url });
        });
        page.on('pageerror', (e) => state.console.push({ text: `uncaught: ${e.message}`, url: '' }));
        page.on('response', (r) => {
            const req = r.request();
            if (req.resourceType() !== 'document' || r.frame() !== page.mainFrame()) return;
            if (r.status() >= 300 && r.status() < 400) return;
            state.doc = r;
        });
    }

    // Runs axe-core in the page; adds its violations to problems. phone:
    // only the rules a narrower layout can change.
    async axe(page, problems, { phone = false } = {}) {
        const hasAxe = await page.evaluate(() => typeof window.axe === 'object');
        if (!hasAxe) await page.evaluate(this.axeSource);
        const runAxe = (options) =>
            page.evaluate(async (opts) => {
                const r = await window.axe.run(document, opts);
                return r.violations.map((v) => ({
                    id: v.id,
                    impact: v.impact,
                    help: v.help,
                    nodes: v.nodes.map((x) => `${x.target.join(' ')}: ${x.failureSummary.replace(/\s+/g, ' ')}`),
                }));
            }, options);
        if (phone) {
            const found = await runAxe({ runOnly: PHONE_RULES, resultTypes: ['violations'] });
            this.axeViolations += found.length;
            for (const v of found) {
                problems.push(`axe ${v.id} at phone size (${v.impact}): ${v.help}\n        ${v.nodes.slice(0, 6).join('\n        ')}`);
            }
            return;
        }
        const violations = await runAxe({ resultTypes: ['violations'] });
        await page.emulateMedia({ colorScheme: 'dark' });
        for (const v of await runAxe({ runOnly: ['color-contrast'], resultTypes: ['violations'] })) {
            violations.push({ ...v, id: `${v.id} (dark mode)` });
        }
        await page.emulateMedia({ colorScheme: 'light' });
        this.axeViolations += violations.length;
        for (const v of violations) {
            problems.push(`axe ${v.id} (${v.impact}): ${v.help}\n        ${v.nodes.slice(0, 6).join('\n        ')}`);
        }
        this.axeChecked += 1;
    }

    // Judges the page as it is now (see the top of this file); label names
    // the step, status is what the server should have answered. Throws one
    // error listing every problem found.
    async check(page, label, { status = 200 } = {}) {
        const state = page.__inspector;
        const problems = [];
        const n = String(this.visits.length + 1).padStart(2, '0');
        const name = `${this.journey}-${n}-${slug(label)}`;
        await page.waitForLoadState('load');

        const doc = state.doc;
        if (!doc) {
            problems.push('no document response seen');
        } else {
            if (doc.status() !== status) problems.push(`status ${doc.status()}, expected ${status}`);
            if (doc.url() !== page.url().replace(/#.*$/, '')) problems.push(`last document ${doc.url()} is not the page shown (${page.url()})`);
            const body = await doc.body();
            const file = path.join(this.htmlDir, `${name}.html`);
            fs.mkdirSync(this.htmlDir, { recursive: true });
            fs.writeFileSync(file, body);
            this.visits.push({ label: `${this.journey}: ${label}`, url: new URL(page.url()).pathname, file });
        }

        // Console errors (the browser's own line for the expected non-200
        // status of this very document is not one) and CSP violations.
        const expected = `the server responded with a status of ${status}`;
        for (const m of state.console) {
            if (status >= 400 && m.url === page.url() && m.text.includes(expected)) continue;
            problems.push(`console error: ${m.text}${m.url ? ` (${m.url})` : ''}`);
        }
        state.console = [];
        const csp = await page.evaluate(() => window.__cspViolations || []);
        for (const v of csp) problems.push(`CSP violation: ${v}`);

        // A C NULL printed as text, or a template tag left unrendered.
        const shown = await page.locator('body').innerText();
        for (const bad of ['(null)', '{{', '}}']) {
            const i = shown.indexOf(bad);
            if (i >= 0) problems.push(`the page shows "${bad}": ...${shown.slice(Math.max(0, i - 60), i + 20).replace(/\s+/g, ' ')}...`);
        }

        // axe-core, in light then (contrast only) dark colours. Not with
        // JavaScript disabled: axe.run needs the page's timers, which do not
        // run then (the same pages are judged in a journey with JavaScript).
        if (page.__inspector.javaScript) await this.axe(page, problems);

        // Screenshots and the phone checks; the page's own size comes back after.
        const own = page.viewportSize();
        if (this.screenshots) {
            await page.setViewportSize(DESKTOP);
            fs.mkdirSync(this.shotDir, { recursive: true });
            await page.screenshot({ path: path.join(this.shotDir, `${name}-desktop.png`), fullPage: true });
        }
        await page.setViewportSize(PHONE);
        if (state.javaScript && own.width !== PHONE.width) {
            // What a phone's layout changes: boxes that now scroll, overlaps.
            await this.axe(page, problems, { phone: true });
        }
        const probe = await page.evaluate(layoutProbe, MIN_TARGET);
        if (probe.scrollWidth > probe.clientWidth) {
            problems.push(`scrolls sideways at ${PHONE.width}px: ${probe.scrollWidth} > ${probe.clientWidth}\n        ${probe.wide.slice(0, 8).join('\n        ')}`);
        }
        for (const s of probe.small) problems.push(`tap target under ${MIN_TARGET}x${MIN_TARGET}: ${s}`);
        if (this.screenshots) {
            await page.screenshot({ path: path.join(this.shotDir, `${name}-phone.png`), fullPage: true });
        }
        await page.setViewportSize(own);

        if (problems.length) {
            throw new Error(`${label} (${page.url()}):\n  - ${problems.join('\n  - ')}`);
        }
    }
}

// Runs the Nu HTML Checker once over the HTML of every visit; returns
// {files, errors: ["label (path): line N: message", ...]}.
export function checkHtml(visits) {
    if (visits.length === 0) return { files: 0, errors: [] };
    const jar = requireHere.resolve('vnu-jar/build/dist/vnu.jar');
    const files = visits.map((v) => v.file);
    const run = spawnSync('java', ['-Xss2m', '-jar', jar, '--errors-only', '--format', 'json', ...files], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
    });
    if (run.error) throw run.error;
    // vnu writes its JSON report to stderr and exits 1 when there are errors.
    let report;
    try {
        report = JSON.parse(run.stderr);
    } catch {
        throw new Error(`vnu.jar gave no JSON report (exit ${run.status}):\n${run.stderr}\n${run.stdout}`);
    }
    const byFile = new Map(visits.map((v) => [`file:${v.file}`, v]));
    const errors = [];
    for (const m of report.messages || []) {
        if (m.type !== 'error' && m.type !== 'non-document-error') continue;
        const v = byFile.get(m.url) || { label: m.url, url: '' };
        errors.push(`${v.label} (${v.url}): line ${m.lastLine ?? '?'}: ${m.message}${m.extract ? `\n        ${m.extract.replace(/\s+/g, ' ')}` : ''}`);
    }
    return { files: files.length, errors };
}

// The page routes (GET, HTML) of the binary under test that no visit
// reached, as "/pattern" strings: what the journeys do not cover yet.
export function routesNotVisited(visits) {
    const bin = process.env.INTERLUDE_BIN || path.join(ROOT, 'build/interlude');
    const routes = JSON.parse(execFileSync(bin, ['routes'], { encoding: 'utf8' }));
    const paths = visits.map((v) => v.url);
    const unvisited = [];
    for (const r of routes) {
        if (r.method !== 'GET' || r.json_only) continue;
        const re = new RegExp(`^${r.pattern.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
        if (!paths.some((p) => re.test(p))) unvisited.push(r.pattern);
    }
    return unvisited;
}
