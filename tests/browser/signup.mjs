// Signing up for an event on a phone, and the door list: `node signup.mjs <server url> <user>
// <password>` drives Debian's Chromium against a running `vitrine serve` whose site has the event
// `gan` (40 places, a school event). At a 360×740 phone viewport a family signs up from the event
// page, a teacher signs up a class (after one refused try), then staff sign in, find the
// family's code on the door list and record that they came. The pages passed are audited with
// axe-core (WCAG 2.2 A/AA) at the phone size, and the form and the door list again on a desktop.
// The class then cancels from its confirmation page.
// Prints one JSON line: {family, klass, refused, wide, marked, violations: [{page, id, nodes}]}.
import { axeAudit, launch, VIEWPORTS } from './common.mjs';

const [base, user, password] = process.argv.slice(2);
const browser = await launch();
const out = { violations: [], wide: [] };
/** Pages wider than the phone's screen make people scroll sideways. */
async function fits(page, name) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  if (w > 360) out.wide.push(`${name}: ${w}px`);
}
try {
  const context = await browser.newContext({ ...VIEWPORTS.phone, bypassCSP: true });
  const page = await context.newPage();
  const audit = (name) => axeAudit(page, name, out.violations);

  await page.goto(`${base}/su-kien/gan/`, { waitUntil: 'load' });
  await audit('event');
  await Promise.all([page.waitForURL('**/su-kien/gan/dang-ky/'), page.getByRole('link', { name: 'Đăng ký trực tuyến' }).click()]);
  await audit('signup-form');
  await fits(page, 'signup-form');
  await page.getByLabel('Cá nhân, gia đình', { exact: true }).check();
  await page.fill('#people', '3');
  await Promise.all([page.waitForURL('**/dang-ky/*/'), page.click('form.signup-form button[type=submit]')]);
  out.family = {
    h1: (await page.textContent('h1')).trim(),
    code: (await page.textContent('.ticket-code strong')).trim(),
    qr: await page.locator('.ticket-qr svg').count(),
  };
  await audit('confirmation');
  await fits(page, 'confirmation');

  // A teacher forgets the school first: the form comes back with the message by the field.
  await page.goto(`${base}/su-kien/gan/dang-ky/`, { waitUntil: 'load' });
  await page.getByLabel('Một lớp học sinh (giáo viên đăng ký)', { exact: true }).check();
  await page.fill('#people', '35');
  await page.fill('#grade', '7');
  await page.click('form.signup-form button[type=submit]');
  await page.waitForSelector('#organisation-error');
  out.refused = (await page.textContent('#organisation-error')).trim();
  await audit('signup-refused');
  await page.fill('#organisation', 'THCS Trương Hán Siêu');
  await Promise.all([page.waitForURL('**/dang-ky/*/'), page.click('form.signup-form button[type=submit]')]);
  out.klass = { h1: (await page.textContent('h1')).trim() };
  // The class cannot come after all: cancelled from its own confirmation page.
  await Promise.all([page.waitForURL('**/dang-ky/*/'), page.click('form.cancel-signup button[type=submit]')]);
  out.klass.cancelled = (await page.textContent('h1')).trim();

  // At the door: staff sign in, type the family's code and record that 3 came.
  await page.goto(`${base}/staff/events/`, { waitUntil: 'load' });
  await page.fill('#username', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL('**/staff/events/'), page.click('form.login button[type=submit]')]);
  await audit('staff-events');
  await page.click('a[href="/staff/events/gan/"]');
  await page.waitForURL('**/staff/events/gan/');
  await page.fill('#code', out.family.code.toLowerCase());
  await Promise.all([page.waitForURL('**/staff/events/gan/?code=*'), page.click('form.filters button[type=submit]')]);
  await audit('door-found');
  await fits(page, 'door');
  await Promise.all([page.waitForURL('**marked=*'), page.click('.door-found button[type=submit]')]);
  out.marked = (await page.textContent('p.notice')).trim();
  await context.close();

  const desk = await browser.newContext({ ...VIEWPORTS.desktop, bypassCSP: true });
  const d = await desk.newPage();
  await d.goto(`${base}/en/su-kien/gan/dang-ky/`, { waitUntil: 'load' });
  await axeAudit(d, 'signup-form-desktop-en', out.violations);
  await d.goto(`${base}/staff/events/gan/`, { waitUntil: 'load' });
  await d.fill('#username', user);
  await d.fill('#password', password);
  await Promise.all([d.waitForURL('**/staff/events/gan/'), d.click('form.login button[type=submit]')]);
  await axeAudit(d, 'door-desktop', out.violations);
  await desk.close();
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
