// The Department's pages and the province portal: `node province.mjs <server url> <user>
// <password>` drives Debian's Chromium against the Department's running `vitrine serve` (the
// province test's, with institutions bt-b and tv-c and reports received). At a 360×740 phone
// viewport and on a desktop, a manager of the Department signs in and opens the year's
// consolidated view, the report to print, an institution's page and the form of a library (once refused, with the
// message by the field); a teacher opens the portal, filters grade 7 and reads it in English.
// Every page is audited with axe-core (WCAG 2.2 A/AA); on the phone nothing may be wider than the
// screen (wide tables scroll in their own box).
// Prints one JSON line: {refused, grade7, wide, violations}.
import { axeAudit, launch, VIEWPORTS } from './common.mjs';

const [base, user, password] = process.argv.slice(2);
const browser = await launch();
const out = { violations: [], wide: [] };
try {
  for (const [size, view] of Object.entries(VIEWPORTS)) {
    const context = await browser.newContext({ ...view, bypassCSP: true });
    const page = await context.newPage();
    const visit = async (path, name) => {
      await page.goto(`${base}${path}`, { waitUntil: 'load' });
      await axeAudit(page, `${name}-${size}`, out.violations);
      if (size === 'phone') {
        const w = await page.evaluate(() => document.documentElement.scrollWidth);
        if (w > 360) out.wide.push(`${name}: ${w}px`);
      }
    };
    await page.goto(`${base}/staff/province/`, { waitUntil: 'load' });
    await page.fill('#username', user);
    await page.fill('#password', password);
    await Promise.all([page.waitForURL('**/staff/province/'), page.click('form.login button[type=submit]')]);
    await visit('/staff/province/', 'dashboard');
    await visit('/en/staff/province/', 'dashboard-en');
    await visit('/staff/province/report/', 'printed');
    await visit('/staff/province/bt-b/', 'institution');
    await visit('/staff/province/tv-c/form/', 'form');
    await page.fill('#f-visitors', 'rất nhiều');
    await page.click('form[action$="/form/"] button[type=submit]');
    await page.waitForSelector('#e-visitors');
    out.refused = (await page.textContent('#e-visitors')).trim();
    await axeAudit(page, `form-refused-${size}`, out.violations);
    await visit('/tinh/', 'portal');
    await visit('/tinh/?lop=7', 'portal-grade');
    out.grade7 = (await page.textContent('#results li a')).trim();
    await visit('/en/tinh/', 'portal-en');
    await context.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
