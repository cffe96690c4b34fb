// Choosing labels to print: `node labels.mjs <site folder> <list of parts address> <choice>`
// opens the list of parts of a large exhibition's label sheet in Chromium, types the choice into
// its form and sends it, then opens every part the list still offers. Prints one JSON line:
// {status, parts: [pathname], sheets: [{path, status, shown: [ID], hidden}]}.
import path from 'node:path';
import { serveDir, launch, VIEWPORTS } from './common.mjs';

const [root, address, choice] = process.argv.slice(2);
const site = await serveDir(path.resolve(root));
const browser = await launch();
let out;
try {
  const context = await browser.newContext(VIEWPORTS.desktop);
  const page = await context.newPage();
  await page.goto(`${site.url}${address}`, { waitUntil: 'load' });
  await page.fill('#chon', choice);
  await Promise.all([page.waitForURL(/chon=/), page.click('#choose button[type=submit]')]);
  const links = await page.locator('ul.parts li:not([hidden]) a').evaluateAll(
    (as) => as.map((a) => a.href));
  out = { status: await page.textContent('#choose-status'), parts: [], sheets: [] };
  for (const href of links) {
    const u = new URL(href);
    out.parts.push(u.pathname + u.search);
    await page.goto(href, { waitUntil: 'load' });
    out.sheets.push({
      path: u.pathname,
      status: await page.textContent('#choose-status'),
      choice: await page.inputValue('#chon'),
      shown: await page.locator('.label[data-id]:visible').evaluateAll((ls) => ls.map((l) => l.dataset.id)),
      hidden: await page.locator('.label[data-id][hidden]').count(),
    });
  }
  await context.close();
} finally {
  await browser.close();
  await site.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
