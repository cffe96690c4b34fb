// The 404 page of a static host (case-sensitive paths): `node notfound.mjs <site folder>
// <address>...` opens each address (e.g. `/o/hl-001/`) in Chromium at a phone viewport and
// reports what the page offers. Prints one JSON line: [{address, status, suggestion}], the
// suggestion being the href of the object link the page shows, or null.
import path from 'node:path';
import { serveDir, launch, VIEWPORTS } from './common.mjs';

const [root, ...addresses] = process.argv.slice(2);
const site = await serveDir(path.resolve(root));
const browser = await launch();
const out = [];
try {
  const context = await browser.newContext(VIEWPORTS.phone);
  const page = await context.newPage();
  for (const address of addresses) {
    const res = await page.goto(`${site.url}${address}`, { waitUntil: 'load' });
    // The list of IDs is read only for object addresses; wait until the page has settled.
    await page.waitForLoadState('networkidle');
    const link = page.locator('#nf-object:not([hidden]) a');
    out.push({
      address,
      status: res.status(),
      suggestion: (await link.count()) ? new URL(await link.getAttribute('href'), page.url()).pathname : null,
    });
  }
  await context.close();
} finally {
  await browser.close();
  await site.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
