// axe-core in headless Chromium: `node audit.mjs <site folder> <page path>...` audits every page
// (paths relative to the site, e.g. `o/HL-001/`) at a 360×740 phone viewport and at a desktop
// viewport against WCAG 2.0, 2.1 and 2.2, levels A and AA. Prints one JSON line:
// [{page, viewport, violations: [{id, impact, help, nodes: [{target, html}]}]}].
import { createRequire } from 'node:module';
import path from 'node:path';
import { serveDir, launch, VIEWPORTS } from './common.mjs';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

const [root, ...pages] = process.argv.slice(2);
const site = await serveDir(path.resolve(root));
const browser = await launch();
const results = [];
try {
  for (const [name, opts] of Object.entries(VIEWPORTS)) {
    const context = await browser.newContext(opts);
    const page = await context.newPage();
    for (const p of pages) {
      const response = await page.goto(`${site.url}/${p}`, { waitUntil: 'load' });
      if (!response || (response.status() !== 200 && !p.startsWith('404'))) {
        throw new Error(`${p}: HTTP ${response && response.status()}`);
      }
      await page.addScriptTag({ path: axePath });
      const r = await page.evaluate((tags) => window.axe.run(document, {
        runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'],
      }), TAGS);
      results.push({
        page: p, viewport: name,
        violations: r.violations.map((v) => ({
          id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 300), summary: n.failureSummary })),
        })),
      });
    }
    await context.close();
  }
} finally {
  await browser.close();
  await site.close();
}
process.stdout.write(JSON.stringify(results) + '\n');
