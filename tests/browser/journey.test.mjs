// journey.test.mjs: the browser suite (run by tests/run.sh as "browser",
// once, against the plain build). The same journey twice, on two fresh
// servers: with JavaScript (screenshots at desktop and phone size, the
// keyboard check on every page, and a keyboard-only part at the end), then
// with JavaScript disabled; then the Nu HTML Checker over the raw HTML of
// every page both visited. See lib/journey.mjs, lib/keyboard.mjs and
// lib/browser.mjs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkHtml, requireTools, routesNotVisited } from './lib/browser.mjs';
import { journey } from './lib/journey.mjs';

const inspectors = [];

test('Chromium, Java and the node modules are installed', () => {
    requireTools();
});

journey({ name: 'js', javaScript: true, screenshots: true, inspectors });
journey({ name: 'nojs', javaScript: false, screenshots: false, inspectors });

test('every page visited is valid HTML (Nu HTML Checker)', (t) => {
    const visits = inspectors.flatMap((i) => i.visits);
    assert.ok(visits.length > 0, 'no page was visited');
    const { files, errors } = checkHtml(visits);
    const axe = inspectors.reduce((n, i) => n + i.axeViolations, 0);
    const axeChecked = inspectors.reduce((n, i) => n + i.axeChecked, 0);
    const sum = (key) => inspectors.reduce((n, i) => n + i[key], 0);
    // Read by tests/run.sh, which prints it after the suite's counts.
    t.diagnostic(
        `browser: ${visits.length} pages visited (${axeChecked} with axe), ${axe} axe violations, ` +
            `${errors.length} vnu errors (${files} files checked); keyboard: ${sum('keyboardPasses')} passes, ` +
            `${sum('keyboardStops')} tab stops, ${(sum('keyboardMs') / 1000).toFixed(1)} s`,
    );
    const unvisited = routesNotVisited(visits);
    if (unvisited.length) t.diagnostic(`browser: page routes no journey visits yet: ${unvisited.join(' ')}`);
    assert.equal(errors.length, 0, `vnu errors:\n  - ${errors.join('\n  - ')}`);
});
