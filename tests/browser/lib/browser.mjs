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
//     Checker (vnu.jar on Debian's Java) once over all of them at the end;
//   - with JavaScript, the keyboard (issue 7), at desktop size and, for a
//     phone's page (a client's), at phone size too: one round of Tab from
//     the top reaches every visible, enabled link, button, field, summary
//     and [tabindex] (a radio group is one stop), never gets stuck, and
//     every stop looks different focused than not (outline, shadow,
//     border, background, colour or underline; an outline at 3:1 against
//     what is behind it) and is in view, not under something else; the
//     first stop is a skip link, and Enter on it puts focus on <main>;
//     ArrowRight moves the choice in a 0-10 scale. The focus order of
//     every page goes to test-output/keyboard-<journey>.txt.
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

// ---- Keyboard (issue 7: "every action reachable, visible focus") ----

// What a keyboard must reach. An element matched only by [tabindex] with a
// negative one is left out (focus is put there by a script or a link, like
// <main> by the skip link); a link or a control with tabindex="-1" is not.
const INTERACTIVE = 'a[href], button, input:not([type="hidden"]), select, textarea, [tabindex], summary';

// Runs in the page: installs window.__kbd, the keyboard check's tools (see
// Inspector.keyboard), and starts a pass (see start()). Nothing it does
// stays once restore() has run.
function keyboardTools(interactive) {
    // What can show focus: the outline, shadow, border, background, colour
    // and underline.
    const PROPS = [
        'outlineStyle', 'outlineWidth', 'outlineColor', 'outlineOffset', 'boxShadow',
        'borderTopStyle', 'borderRightStyle', 'borderBottomStyle', 'borderLeftStyle',
        'borderTopWidth', 'borderRightWidth', 'borderBottomWidth', 'borderLeftWidth',
        'borderTopColor', 'borderRightColor', 'borderBottomColor', 'borderLeftColor',
        'backgroundColor', 'color', 'textDecorationLine', 'textDecorationThickness', 'textDecorationColor',
    ];
    const NATIVE = 'a[href], button, input, select, textarea, summary';
    // Tab goes through the parts of a date or time field one by one.
    const PARTS = { date: 3, time: 3, 'datetime-local': 6, month: 2, week: 2 };
    const parts = (el) => (el && el.tagName === 'INPUT' && PARTS[el.type]) || 1;

    const describe = (el) => {
        if (!el || el === document.body || el === document.documentElement) return '(nothing: the page itself)';
        let s = el.tagName.toLowerCase();
        if (el.id) s += `#${el.id}`;
        else if (typeof el.className === 'string' && el.className.trim()) s += `.${el.className.trim().split(/\s+/).join('.')}`;
        for (const a of ['href', 'type', 'name', 'value', 'tabindex']) {
            if (el.getAttribute(a) && (a !== 'value' || el.type === 'radio')) s += `[${a}="${el.getAttribute(a)}"]`;
        }
        const labelled = el.labels && el.labels.length ? el.labels[0].innerText : '';
        const text = (el.getAttribute('aria-label') || el.innerText || labelled || el.value || '').trim().replace(/\s+/g, ' ');
        if (text) s += ` "${text.slice(0, 50)}"`;
        return s;
    };
    const opacity = (el) => {
        let o = 1;
        for (let a = el; a && a.nodeType === 1; a = a.parentElement) o *= parseFloat(getComputedStyle(a).opacity);
        return o;
    };
    // The boxes that show an element: itself and, for a control, its
    // labels and what is inside them (a 0-10 scale step is an invisible
    // radio over a span that shows it).
    const boxes = (el) => {
        const list = [el];
        const add = (x) => {
            if (x && !list.includes(x)) list.push(x);
        };
        add(el.closest('label'));
        for (const l of el.labels || []) add(l);
        for (const l of list.slice(1)) for (const d of l.querySelectorAll('*')) add(d);
        return list;
    };
    const look = (el) =>
        boxes(el).map((b) => {
            const cs = getComputedStyle(b);
            const r = b.getBoundingClientRect();
            const seen = cs.visibility === 'visible' && opacity(b) > 0.05 && r.width > 1 && r.height > 1;
            return { seen, style: Object.fromEntries(PROPS.map((p) => [p, cs[p]])) };
        });
    const rgba = (c) => {
        const m = /rgba?\(([^)]*)\)/.exec(c || '');
        if (!m) return null;
        const v = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
        return { r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1 };
    };
    const luminance = ({ r, g, b }) => {
        const f = (x) => {
            x /= 255;
            return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const contrast = (a, b) => {
        const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
        return (x + 0.05) / (y + 0.05);
    };
    // The colour an outline is drawn on: the first background behind it.
    const backdrop = (el, offset) => {
        for (let a = offset >= 0 ? el.parentElement : el; a; a = a.parentElement) {
            const c = rgba(getComputedStyle(a).backgroundColor);
            if (c && c.a > 0.5) return c;
        }
        return { r: 255, g: 255, b: 255, a: 1 };
    };
    const blur = () => {
        if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    };
    // Nothing focused, and the sequential focus navigation starting point
    // at the top of the document.
    const toTop = () => {
        blur();
        const s = document.createElement('span');
        s.tabIndex = -1;
        document.body.prepend(s);
        s.focus({ preventScroll: true });
        s.remove();
    };
    const shown = (el) => {
        if (el.closest('[hidden], [inert]') || el.matches(':disabled')) return false;
        if (parseInt(el.getAttribute('tabindex'), 10) < 0 && !el.matches(NATIVE)) return false;
        if (el.tagName === 'SUMMARY' && !(el.parentElement && el.parentElement.tagName === 'DETAILS')) return false;
        if (!el.checkVisibility({ visibilityProperty: true })) return false;
        const r = el.getBoundingClientRect();
        return r.width > 0 || r.height > 0;
    };
    // A radio group (same form, same name) is one tab stop.
    const groupOf = (el) => (el.type === 'radio' && el.name ? `${el.form ? [...document.forms].indexOf(el.form) : '-'}|${el.name}` : null);
    const candidates = () => [...document.querySelectorAll(interactive)].filter(shown);
    const main = () => document.querySelector('main');
    const scaleSets = () => [...document.querySelectorAll('fieldset.scale')].filter((f) => !f.closest('[hidden]') && f.querySelector('input[type="radio"]:enabled'));

    const k = {
        els: [],
        id(el) {
            let i = k.els.indexOf(el);
            if (i < 0) i = k.els.push(el) - 1;
            return i;
        },
        saved: { href: location.href, x: scrollX, y: scrollY, entries: history.length },
        // Starts a pass: focus at the top, how every element looks when it
        // takes focus, and where every Tab lands. Returns how many presses
        // of Tab one round of the page takes.
        start() {
            k.log = [];
            k.focused = new Map();
            k.hidden = new Map();
            toTop();
            k.onFocus = (e) => {
                const i = k.id(e.target);
                if (!k.focused.has(i)) k.focused.set(i, look(e.target));
            };
            k.onKeyup = (e) => {
                if (e.key !== 'Tab') return;
                const a = document.activeElement;
                if (!a || a === document.body || a === document.documentElement) {
                    k.log.push(-1);
                    return;
                }
                const i = k.id(a);
                k.log.push(i);
                // Scrolled into view (a part of it at least: a tall field
                // shows where the caret is), and not under something else:
                // the middle of the part in view of one of its boxes (a link
                // that wraps has one per line) is the element itself.
                if (k.hidden.has(i)) return;
                const mine = (h) => h && (a.contains(h) || h.contains(a) || [...(a.labels || [])].some((l) => l.contains(h)));
                let foreign = null;
                let inView = false;
                for (const r of a.getClientRects()) {
                    const left = Math.max(r.left, 0);
                    const right = Math.min(r.right, innerWidth);
                    const top = Math.max(r.top, 0);
                    const bottom = Math.min(r.bottom, innerHeight);
                    if (right - left < 1 || bottom - top < 1) continue;
                    inView = true;
                    const hit = document.elementFromPoint((left + right) / 2, (top + bottom) / 2);
                    if (mine(hit)) return;
                    foreign = foreign || hit;
                }
                k.hidden.set(i, inView ? `is hidden behind ${describe(foreign)}` : 'is outside the window');
            };
            document.addEventListener('focusin', k.onFocus, true);
            window.addEventListener('keyup', k.onKeyup, true);
            const groups = new Set();
            let n = 0;
            for (const el of candidates()) {
                const g = groupOf(el);
                if (g && groups.has(g)) continue;
                if (g) groups.add(g);
                n += parts(el);
            }
            return n;
        },
        // Ends a pass and judges it; the starting point is back at the top.
        finish() {
            document.removeEventListener('focusin', k.onFocus, true);
            window.removeEventListener('keyup', k.onKeyup, true);
            const log = k.log;
            const out = { order: [], missing: [], positive: [], trap: null, first: null, skip: false, noRing: [], faint: [], hidden: [], mainHasStops: false, scales: 0 };
            // One round: up to the press that comes back to the first stop.
            const first = log.findIndex((i) => i >= 0);
            let end = log.length;
            if (first >= 0) {
                const again = log.indexOf(log[first], first + 1);
                if (again > 0) end = again;
            }
            const round = log.slice(0, end);
            // Stuck: on the same element after 3 presses in a row (more for
            // a field with parts).
            for (let j = 0, run = 1; j < round.length; j++) {
                run = j > 0 && round[j] >= 0 && round[j] === round[j - 1] ? run + 1 : 1;
                if (round[j] >= 0 && run >= parts(k.els[round[j]]) + 2) {
                    out.trap = describe(k.els[round[j]]);
                    break;
                }
            }
            const order = [...new Set(round.filter((i) => i >= 0))];
            out.order = order.map((i) => describe(k.els[i]));
            if (first >= 0) {
                const f = k.els[log[first]];
                out.first = describe(f);
                const href = f.getAttribute('href') || '';
                out.skip = f.tagName === 'A' && href.startsWith('#') && !!main() && document.getElementById(decodeURIComponent(href.slice(1))) === main();
            }
            const reached = new Set(order.map((i) => k.els[i]));
            const groups = new Set([...reached].map(groupOf).filter(Boolean));
            const all = candidates();
            for (const el of all) {
                if (parseInt(el.getAttribute('tabindex'), 10) > 0) out.positive.push(describe(el));
                if (reached.has(el)) continue;
                const g = groupOf(el);
                if (g && groups.has(g)) continue;
                if (g) groups.add(g); // one report for the group
                out.missing.push(describe(el));
            }
            out.mainHasStops = all.some((el) => main() && main().contains(el));
            out.scales = scaleSets().length;
            for (const i of order) if (k.hidden.has(i)) out.hidden.push(`${describe(k.els[i])} ${k.hidden.get(i)}`);
            // Focused against not focused, box by box (the mouse does not
            // move, so hover is the same in both).
            blur();
            for (const i of order) {
                const el = k.els[i];
                const on = k.focused.get(i);
                if (!on) continue;
                const off = look(el);
                let visible = false;
                let faint = null;
                on.forEach((box, b) => {
                    if (!box.seen || !off[b]) return;
                    const changed = Object.keys(box.style).filter((p) => box.style[p] !== off[b].style[p]);
                    if (changed.some((p) => !p.startsWith('outline'))) visible = true;
                    const s = box.style;
                    if (changed.some((p) => p.startsWith('outline')) && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1) {
                        const c = rgba(s.outlineColor);
                        const ratio = c && c.a > 0.5 ? contrast(c, backdrop(boxes(el)[b], parseFloat(s.outlineOffset))) : 1;
                        if (ratio >= 3) visible = true;
                        else faint = `its focus outline has a contrast of ${ratio.toFixed(2)}:1 with what is behind it (3:1 needed)`;
                    }
                });
                if (visible) continue;
                if (faint) out.faint.push(`${describe(el)}: ${faint}`);
                else out.noRing.push(describe(el));
            }
            toTop();
            return out;
        },
        // After Enter on the skip link.
        skipped: () => ({ onMain: document.activeElement === main(), active: describe(document.activeElement) }),
        // After the Tab that follows.
        next: () => ({ inMain: !!main() && main() !== document.activeElement && main().contains(document.activeElement), active: describe(document.activeElement) }),
        // A 0-10 scale: focus on one step (the chosen one, else the first),
        // with the form's own input, change and click handlers kept out
        // (autosave, show-if) so that ArrowRight can be tried and undone.
        scaleStart(n) {
            const set = scaleSets()[n];
            const radios = [...set.querySelectorAll('input[type="radio"]')];
            k.scale = { radios, was: radios.map((r) => r.checked) };
            k.mute = (e) => e.stopImmediatePropagation();
            for (const t of ['input', 'change', 'click']) window.addEventListener(t, k.mute, true);
            const from = radios.find((r) => r.checked) || radios[0];
            from.focus();
            const legend = set.querySelector('legend');
            return { label: legend ? legend.innerText.trim() : describe(set), value: from.value };
        },
        scaleEnd() {
            const { radios, was } = k.scale;
            const chosen = radios.find((r) => r.checked);
            const focused = radios.includes(document.activeElement) ? document.activeElement.value : null;
            const result = { to: chosen ? chosen.value : null, focused, values: radios.map((r) => r.value) };
            radios.forEach((r, i) => {
                r.checked = was[i];
            });
            for (const t of ['input', 'change', 'click']) window.removeEventListener(t, k.mute, true);
            blur();
            return result;
        },
        // Leaves the page as it was: nothing focused (the next Tab starts
        // at the top), the same history and address (the skip link may
        // have added #main) and scroll position.
        async restore() {
            if (history.length > k.saved.entries) {
                const back = new Promise((done) => {
                    addEventListener('popstate', done, { once: true });
                    setTimeout(done, 2000);
                });
                history.back();
                await back;
            }
            if (location.href !== k.saved.href) history.replaceState(history.state, '', k.saved.href);
            toTop();
            scrollTo(k.saved.x, k.saved.y);
            delete window.__kbd;
        },
    };
    window.__kbd = k;
    return k.start();
}

export class Inspector {
    // outDir: test-output; journey: a short name used in file names;
    // screenshots: false to skip them (the same pages were shot already).
    // keyboard: false to skip the keyboard check (it needs JavaScript in
    // the page, so it never runs with JavaScript disabled).
    constructor({ outDir = path.resolve(ROOT, process.env.TEST_OUTPUT || 'test-output'), journey, screenshots = true, keyboard = true }) {
        this.journey = journey;
        this.screenshots = screenshots;
        this.keyboardCheck = keyboard;
        this.keyboardPasses = 0; // keyboard passes (a page at one size)
        this.keyboardStops = 0; // tab stops seen in them
        this.keyboardMs = 0; // the time they took
        this.shotDir = path.join(outDir, 'screenshots');
        this.htmlDir = path.join(outDir, 'browser-html', journey);
        fs.mkdirSync(this.shotDir, { recursive: true });
        fs.rmSync(this.htmlDir, { recursive: true, force: true });
        for (const f of fs.readdirSync(this.shotDir)) {
            if (f.startsWith(`${journey}-`)) fs.rmSync(path.join(this.shotDir, f), { force: true });
        }
        fs.mkdirSync(this.htmlDir, { recursive: true });
        // The focus order of every page the keyboard check tried.
        this.keyboardFile = path.join(outDir, `keyboard-${journey}.txt`);
        fs.rmSync(this.keyboardFile, { force: true });
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

    // The keyboard check at the page's present size (size names it in the
    // messages): one round of Tab from the top of the page, the skip link,
    // and (scales) ArrowRight in each 0-10 scale. Adds what it finds to
    // problems, and the focus order to the journey's keyboard file; leaves
    // the page as it was.
    async keyboard(page, problems, size, { scales = false, label = '' } = {}) {
        const state = page.__inspector;
        const say = (what, list, max = 8) => {
            if (!list.length) return;
            const more = list.length > max ? `\n        (and ${list.length - max} more)` : '';
            problems.push(`keyboard (${size}): ${what}:\n        ${list.slice(0, max).join('\n        ')}${more}`);
        };
        const started = Date.now();
        const presses = await page.evaluate(keyboardTools, INTERACTIVE);
        // The presses go straight to Chromium, all at once and in order (a
        // round trip each would cost seconds a page); the page logs where
        // each lands. Five more than a round takes, to see it come back.
        if (!state.cdp) state.cdp = await page.context().newCDPSession(page);
        const tab = (type) => state.cdp.send('Input.dispatchKeyEvent', { type, key: 'Tab', code: 'Tab', windowsVirtualKeyCode: 9, nativeVirtualKeyCode: 9 });
        await Promise.all(Array.from({ length: presses + 5 }, () => [tab('rawKeyDown'), tab('keyUp')]).flat());
        const r = await page.evaluate(() => window.__kbd.finish());
        this.keyboardPasses += 1;
        this.keyboardStops += r.order.length;
        fs.appendFileSync(this.keyboardFile, `${label} (${size}) ${new URL(page.url()).pathname}\n    ${r.order.join('\n    ') || '(no tab stop)'}\n`);
        say('not reachable with Tab', r.missing);
        say('a positive tabindex changes the focus order', r.positive);
        if (r.trap) problems.push(`keyboard (${size}): focus is stuck on ${r.trap} (3 presses of Tab)`);
        say('no visible focus indicator (nothing changes when it is focused)', r.noRing);
        say('focus indicator too faint', r.faint);
        say('the focused element cannot be seen', r.hidden);

        // The skip link: the first stop, and Enter on it focuses <main>, so
        // that the next Tab goes into it.
        if (!r.skip) {
            problems.push(`keyboard (${size}): the first Tab stop is ${r.first ?? '(none)'}, not a skip link to <main>`);
        } else {
            await page.keyboard.press('Tab');
            await page.keyboard.press('Enter');
            const skipped = await page.evaluate(() => window.__kbd.skipped());
            if (!skipped.onMain) {
                problems.push(`keyboard (${size}): after Enter on the skip link focus is on ${skipped.active}, not on <main>`);
            } else if (r.mainHasStops) {
                await page.keyboard.press('Tab');
                const next = await page.evaluate(() => window.__kbd.next());
                if (!next.inMain) problems.push(`keyboard (${size}): after the skip link, Tab goes to ${next.active}, outside <main>`);
            }
        }

        // ArrowRight moves the choice in a scale to the next step, and focus
        // with it.
        for (let i = 0; scales && i < r.scales; i++) {
            const from = await page.evaluate((j) => window.__kbd.scaleStart(j), i);
            await page.keyboard.press('ArrowRight');
            const to = await page.evaluate(() => window.__kbd.scaleEnd());
            const next = to.values[(to.values.indexOf(from.value) + 1) % to.values.length];
            if (to.to !== next || to.focused !== next) {
                problems.push(`keyboard (${size}): ArrowRight in the scale "${from.label}" chose ${to.to} (focus on ${to.focused}) after ${from.value}, not ${next}`);
            }
        }
        await page.evaluate(() => window.__kbd.restore());
        this.keyboardMs += Date.now() - started;
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

        // Screenshots, the keyboard and the phone checks; the page's own
        // size comes back after. The keyboard is tried at desktop size and,
        // for a phone's page (a client's), at phone size too.
        const own = page.viewportSize();
        const keyboard = state.javaScript && this.keyboardCheck;
        if (this.screenshots || keyboard) await page.setViewportSize(DESKTOP);
        if (this.screenshots) {
            fs.mkdirSync(this.shotDir, { recursive: true });
            await page.screenshot({ path: path.join(this.shotDir, `${name}-desktop.png`), fullPage: true });
        }
        if (keyboard) await this.keyboard(page, problems, 'desktop', { scales: true, label: name });
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
        if (keyboard && own.width === PHONE.width) await this.keyboard(page, problems, 'phone', { label: name });
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
