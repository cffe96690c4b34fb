// The first screen of a 360×740 phone: `node phone.mjs <site folder> <object page>` (a path
// relative to the site, e.g. `o/HL-001/`). Measures where the header, the object's photo and its
// title are on the page; then, with JavaScript off, opens the menu behind its button and follows
// a link; axe-core audits the page with the menu open (WCAG 2.2 A/AA). Prints one JSON line:
// {viewport, header, header_en, photo, title, menu_hidden, menu_shown, menu_went, violations}, positions as
// {top, bottom} in CSS pixels from the top of the page.
import path from 'node:path';
import { serveDir, launch, VIEWPORTS, axeAudit } from './common.mjs';

const [root, objectPage] = process.argv.slice(2);
const site = await serveDir(path.resolve(root));
const browser = await launch();
const out = { violations: [] };
const box = (page, sel) => page.evaluate((sel) => {
  const e = document.querySelector(sel);
  if (!e) return null;
  const r = e.getBoundingClientRect();
  return { top: r.top + window.scrollY, bottom: r.bottom + window.scrollY };
}, sel);
try {
  const context = await browser.newContext(VIEWPORTS.phone);
  const page = await context.newPage();
  await page.goto(`${site.url}/${objectPage}`, { waitUntil: 'load' });
  out.viewport = page.viewportSize();
  out.header = await box(page, '.site-header');
  out.photo = await box(page, '.object-media img');
  out.title = await box(page, 'main h1');
  // The English twin (the museum's English name is longer).
  await page.goto(`${site.url}/en/${objectPage}`, { waitUntil: 'load' });
  out.header_en = await box(page, '.site-header');
  await context.close();

  // Without JavaScript: the menu is behind its button, which opens it.
  const plain = await browser.newContext({ ...VIEWPORTS.phone, javaScriptEnabled: false, bypassCSP: true });
  const p = await plain.newPage();
  await p.goto(`${site.url}/`, { waitUntil: 'load' });
  const search = p.locator('.site-header a[href$="search/"]').filter({ visible: true });
  out.menu_hidden = (await search.count()) === 0;
  await p.click('.site-header summary');
  out.menu_shown = (await search.count()) === 1;
  await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), search.click()]);
  out.menu_went = new URL(p.url()).pathname;
  await plain.close();

  // axe-core (a script itself) on a page with the menu open.
  const scripted = await browser.newContext({ ...VIEWPORTS.phone, bypassCSP: true });
  const a = await scripted.newPage();
  await a.goto(`${site.url}/${objectPage}`, { waitUntil: 'load' });
  await a.click('.site-header summary');
  await axeAudit(a, 'object page, menu open', out.violations);
  await scripted.close();
} finally {
  await browser.close();
  await site.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
