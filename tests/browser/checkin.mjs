// A visitor checks in on a phone and staff see it counted: `node checkin.mjs <server url>
// <user> <password>` drives Debian's Chromium against a running `vitrine serve`. At a 360×740
// phone viewport it fills in the check-in form and submits it, then signs in to the staff area
// and reads the dashboard. axe-core audits the staff pages it passes (WCAG 2.2 A/AA). Prints one
// JSON line: {thanks, study, visits, violations: [{page, id, nodes}]}.
import { axeAudit, launch, VIEWPORTS } from './common.mjs';


const [base, user, password] = process.argv.slice(2);
const browser = await launch();
const out = { violations: [] };
try {
  // The server's CSP forbids inline scripts; the audit's own script is let through.
  const context = await browser.newContext({ ...VIEWPORTS.phone, bypassCSP: true });
  const page = await context.newPage();
  const audit = (name) => axeAudit(page, name, out.violations);

  await page.goto(`${base}/checkin/`, { waitUntil: 'load' });
  await page.getByLabel('Đoàn học sinh', { exact: true }).check();
  await page.getByLabel('Học tập, nghiên cứu', { exact: true }).check();
  await page.fill('#group_size', '27');
  await page.fill('#organisation', 'Trường THCS Đinh Tiên Hoàng');
  await page.fill('#grade', '6');
  await page.fill('#origin', 'Hoa Lư, Ninh Bình');
  await Promise.all([page.waitForURL('**/checkin/thanks/'), page.click('button[type=submit]')]);
  out.thanks = new URL(page.url()).pathname;

  await page.goto(`${base}/staff/`, { waitUntil: 'load' });
  await audit('login');
  await page.fill('#username', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL('**/staff/'), page.click('form.login button[type=submit]')]);
  out.study = (await page.textContent('#study-this')).trim();
  await audit('dashboard');
  await page.goto(`${base}/staff/visits/`, { waitUntil: 'load' });
  out.visits = await page.locator('table.data tbody tr').count();
  await audit('visits');
  await page.goto(`${base}/en/staff/report/`, { waitUntil: 'load' });
  await audit('report-en');
  await context.close();
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
