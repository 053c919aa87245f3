// crawl.mjs: finds every page, form and JSON endpoint a signed-in person can
// reach, for the scanners (tests/scan/scan.mjs). No dependencies: the HTML
// is our own templates' output, so a few regular expressions read it.
import { request } from '../lib/harness.mjs';

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'" };
export const unescape = (s) => s.replace(/&(amp|lt|gt|quot|#39|apos);/g, (_, e) => ENTITIES[e]);

function attrs(tag) {
    const out = {};
    for (const m of tag.matchAll(/([a-zA-Z_:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
        out[m[1].toLowerCase()] = unescape(m[2] ?? m[3] ?? m[4] ?? '');
    }
    return out;
}

// A plausible value for an empty field, so the handler gets past validation.
function sample(type, name) {
    // A confirmation that differs: no scanner request ever sets a password
    // (nor uses up an invitation or a reset link on its first try).
    if (/confirm/.test(name)) return 'scan-confirmation-differs';
    if (type === 'email' || /email/.test(name)) return 'scan@example.org';
    if (type === 'password' || /password/.test(name)) return 'wrong-password-1234';
    if (type === 'date' || /date/.test(name)) return new Date().toISOString().slice(0, 10);
    if (type === 'number' || type === 'range') return '1';
    return 'scan';
}

// The forms of a page: [{ method, action, fields: [[name, value]], variant }],
// one per submit button that carries a name (builder buttons, Save/Submit).
export function formsOf(html, pageUrl) {
    const forms = [];
    for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
        const fa = attrs(m[1]);
        const method = (fa.method || 'get').toUpperCase();
        const action = fa.action ? unescape(fa.action) : pageUrl;
        const body = m[2];
        const fields = [];
        const radios = new Map();
        const buttons = [];
        for (const t of body.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi)) {
            const a = attrs(t[1]);
            if (a.name) fields.push([a.name, unescape(t[2]) || sample('text', a.name)]);
        }
        for (const t of body.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
            const a = attrs(t[1]);
            const opts = [...t[2].matchAll(/<option\b([^>]*)>/gi)].map((o) => attrs(o[1]));
            const chosen = opts.find((o) => 'selected' in o && o.value) || opts.find((o) => o.value);
            if (a.name && chosen) fields.push([a.name, chosen.value]);
        }
        for (const t of body.matchAll(/<button\b([^>]*)>/gi)) {
            const a = attrs(t[1]);
            if (a.name && (a.type || 'submit') === 'submit') buttons.push([a.name, a.value ?? '']);
        }
        for (const t of body.matchAll(/<input\b([^>]*)>/gi)) {
            const a = attrs(t[1]);
            if (!a.name) continue;
            const type = (a.type || 'text').toLowerCase();
            if (type === 'submit' || type === 'image' || type === 'reset' || type === 'file' || type === 'button') continue;
            if (type === 'radio') {
                if (!radios.has(a.name) || 'checked' in a) radios.set(a.name, a.value ?? 'on');
            } else if (type === 'checkbox') {
                if ('checked' in a || !fields.some(([n]) => n === a.name)) fields.push([a.name, a.value ?? 'on']);
            } else {
                const value = /confirm/.test(a.name) && type === 'password' ? '' : a.value;
                fields.push([a.name, value || (type === 'hidden' ? '' : sample(type, a.name))]);
            }
        }
        for (const [n, v] of radios) fields.push([n, v]);
        const variants = buttons.length ? buttons : [null];
        for (const b of variants) forms.push({ method, action, fields: b ? [...fields, b] : fields, variant: b ? `${b[0]}=${b[1]}` : '' });
    }
    return forms;
}

export function linksOf(html) {
    return [...html.matchAll(/\bhref="([^"]*)"/g)].map((m) => unescape(m[1]).replace(/#.*$/, '')).filter((h) => h.startsWith('/') && !h.startsWith('//'));
}

// A path as its route pattern: numbers are {id}, long random words {token}.
export const pattern = (p) => p.replace(/\?.*$/, '').replace(/\/\d+(?=\/|$)/g, '/{id}')
    .replace(/\/[A-Za-z0-9_-]{20,}(?=\/|$)/g, '/{token}');

// Breadth-first over the pages person (a Client) can reach from starts.
// skip(path) leaves a link alone. At most perPattern pages of one route
// pattern and `max` pages in all. Returns { pages: [path], forms: [...] }.
export async function crawl(srv, person, starts, { skip = () => false, max = 200, perPattern = 2 } = {}) {
    const seen = new Set();
    const perPat = new Map();
    const queue = [...starts];
    const pages = [];
    const forms = [];
    while (queue.length && pages.length < max) {
        const path = queue.shift();
        if (seen.has(path) || skip(path)) continue;
        seen.add(path);
        const pat = pattern(path) + (path.includes('?') ? '?' : '');
        if ((perPat.get(pat) || 0) >= perPattern) continue;
        perPat.set(pat, (perPat.get(pat) || 0) + 1);
        const res = await request(`${srv.url}${path}`, { headers: { Cookie: person.cookieHeader() } });
        if (res.status !== 200 || !/text\/html/.test(res.headers['content-type'] || '')) continue;
        pages.push(path);
        for (const f of formsOf(res.body, path)) forms.push({ ...f, page: path });
        for (const l of linksOf(res.body)) if (!seen.has(l)) queue.push(l);
    }
    return { pages, forms };
}
