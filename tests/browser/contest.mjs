// Taking part in a quiz contest on a phone, and the ranking for staff: `node contest.mjs <server
// url> <user> <password>` drives Debian's Chromium against a running `vitrine serve` whose site
// has the contest `thi` with a round open now. At a 360×740 phone viewport an entrant opens the
// contest page, fills in the entry form (after one refused try), answers the sheet with the
// keyboard-free controls, sends it, sees it received, and opens the public results of the round
// that is over. Then staff sign in on a desktop and
// open the round's ranking and a certificate. Every page passed is audited with axe-core (WCAG
// 2.2 A/AA), the form and sheet at both sizes.
// Prints one JSON line: {questions, refused, received, results, ranked, certificate, wide,
// violations}.
import { axeAudit, launch, VIEWPORTS } from './common.mjs';

const [base, user, password] = process.argv.slice(2);
const browser = await launch();
const out = { violations: [], wide: [] };
async function fits(page, name) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  if (w > 360) out.wide.push(`${name}: ${w}px`);
}
try {
  const context = await browser.newContext({ ...VIEWPORTS.phone, bypassCSP: true });
  const page = await context.newPage();
  const audit = (name) => axeAudit(page, name, out.violations);

  await page.goto(`${base}/thi/thi/`, { waitUntil: 'load' });
  await audit('contest');
  await fits(page, 'contest');
  await Promise.all([page.waitForURL('**/thi/thi/du-thi/'), page.getByRole('link', { name: 'Vào dự thi' }).click()]);
  await audit('entry-form');
  await fits(page, 'entry-form');
  // The school is forgotten first: the form comes back with the message by the field.
  await page.fill('#name', 'Nguyễn Thị Lan');
  await page.fill('#grade', '7');
  await page.getByLabel(/Tôi đồng ý/).check();
  await page.evaluate(() => document.querySelector('#school').removeAttribute('required'));
  await page.click('form.contest-form button[type=submit]');
  await page.waitForSelector('#school-error');
  out.refused = (await page.textContent('#school-error')).trim();
  await audit('entry-refused');
  await page.fill('#school', 'THCS Trần Phú, 7A');
  await page.getByLabel(/Tôi đồng ý/).check();
  await Promise.all([page.waitForURL('**/bai-thi/*/'), page.click('form.contest-form button[type=submit]')]);
  await audit('sheet');
  await fits(page, 'sheet');
  const sets = page.locator('form.contest-sheet fieldset');
  out.questions = await sets.count();
  for (let i = 0; i < out.questions; i++) {
    await sets.nth(i).locator('input').first().check();
  }
  await page.fill('#prediction', '4');
  await page.click('form.contest-sheet button[type=submit]');
  await page.waitForSelector('p.notice[role=status]', { timeout: 10000 }).catch(async (e) => {
    process.stderr.write((await page.content()).slice(0, 3000));
    throw e;
  });
  out.received = (await page.textContent('p.notice[role=status]')).trim();
  await audit('received');
  // The public results page (round 1 is over: published by the test before the run).
  await page.goto(`${base}/thi/thi/ket-qua/`, { waitUntil: 'load' });
  await audit('results');
  await fits(page, 'results');
  out.results = (await page.textContent('#winners-1 tbody th')).trim();
  await context.close();

  const desk = await browser.newContext({ ...VIEWPORTS.desktop, bypassCSP: true });
  const d = await desk.newPage();
  await d.goto(`${base}/en/thi/thi/du-thi/`, { waitUntil: 'load' });
  await axeAudit(d, 'entry-form-desktop-en', out.violations);
  await d.fill('#name', 'Trần Văn Minh');
  await d.fill('#school', 'THCS Lê Lợi');
  await d.fill('#birth_year', '2012');
  await d.getByLabel(/I agree/).check();
  await Promise.all([d.waitForURL('**/en/bai-thi/*/'), d.click('form.contest-form button[type=submit]')]);
  await axeAudit(d, 'sheet-desktop-en', out.violations);
  await d.goto(`${base}/staff/contests/thi/2/`, { waitUntil: 'load' });
  await d.fill('#username', user);
  await d.fill('#password', password);
  await Promise.all([d.waitForURL('**/staff/contests/thi/2/'), d.click('form.login button[type=submit]')]);
  await axeAudit(d, 'ranking', out.violations);
  out.ranked = (await d.textContent('#ranking tbody tr th')).trim();
  await d.click('#ranking tbody tr a');
  await d.waitForURL('**/certificate/*/');
  await axeAudit(d, 'certificate', out.violations);
  out.certificate = (await d.textContent('.recipient')).trim();
  await d.goto(`${base}/staff/contests/`, { waitUntil: 'load' });
  await axeAudit(d, 'contests', out.violations);
  await desk.close();
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
