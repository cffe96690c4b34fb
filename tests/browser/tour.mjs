// A student does a class tour on a phone and loses the network on the way: `node tour.mjs
// <server url> <class code> <plan JSON> <teacher> <password> <assignment id>`. At a 360×740
// phone viewport it opens the teacher's link, joins as "Minh Anh", answers the first two stops
// of the plan online, goes offline (every request fails), answers the third, checks it waits on
// the phone, reloads the tab while offline (the page comes from the phone's cache), comes back
// online and waits for the page to say it was sent. Then the teacher signs
// in and reads the class's results. axe-core audits the tour and the results (WCAG 2.2 A/AA).
// Prints one JSON line: {first_screen, offline_pending, offline_status, synced_pending, progress,
// violations}; first_screen says where the header and the first stop's heading are right after
// joining, in CSS pixels from the top of the page, with the viewport's height and the crumbs.
import { axeAudit, launch, VIEWPORTS } from './common.mjs';


const [base, code, planJson, user, password, id] = process.argv.slice(2);
const plan = JSON.parse(planJson);
const browser = await launch();
const out = { violations: [] };
try {
  const context = await browser.newContext({ ...VIEWPORTS.phone, bypassCSP: true });
  const page = await context.newPage();
  const audit = (name) => axeAudit(page, name, out.violations);

  // The teacher's link fills in the code; the student types a name only.
  await page.goto(`${base}/T/${code}`, { waitUntil: 'load' });
  await audit('join');
  await page.fill('#name', 'Minh Anh');
  await Promise.all([page.waitForURL('**/tour/**'), page.click('form.join button[type=submit]')]);
  await page.waitForSelector('#tour-who:not([hidden])');
  await audit('tour');
  // Where the first stop is on the page (CSS pixels from its top), against the first screen.
  out.first_screen = await page.evaluate(() => {
    const at = (sel) => {
      const e = document.querySelector(sel);
      if (!e) return null;
      const r = e.getBoundingClientRect();
      return { top: r.top + window.scrollY, bottom: r.bottom + window.scrollY };
    };
    return {
      height: window.innerHeight, header: at('.site-header'), stop: at('#stop-1 h2'),
      crumbs: Array.from(document.querySelectorAll('.crumbs li'), (li) => li.textContent.trim()),
    };
  });

  const answer = async (step) => {
    const stop = page.locator(`#stop-${step.stop}`);
    await stop.waitFor({ state: 'visible' });
    if (step.choices) {
      for (const c of step.choices) await stop.locator(`input[name=choice][value="${c}"]`).check();
    } else if (step.text) {
      await stop.locator('textarea[name=text]').fill(step.text);
    } else {
      await stop.locator('input[name=found]').fill(step.found);
    }
    await stop.locator('button[type=submit]').click();
  };
  // Two answers online: each is sent and the page says nothing is waiting.
  for (const step of plan.slice(0, 2)) {
    await answer(step);
    await page.waitForSelector('#tour[data-pending="0"]');
  }
  // The page and its files are kept on the phone (service worker and cache).
  await page.waitForSelector('#tour[data-kept="1"]');
  // The network goes: the third answer stays on the phone.
  await context.setOffline(true);
  await answer(plan[2]);
  await page.waitForSelector('#tour[data-pending="1"]');
  await page.waitForFunction(() => /Chưa có mạng/.test(document.getElementById('tour-status').textContent));
  out.offline_pending = await page.getAttribute('#tour', 'data-pending');
  out.offline_status = (await page.textContent('#tour-status')).trim();
  // The browser reloads the tab while there is no network (a cheap phone drops it while the
  // camera is open): the kept page opens, and the answer still waits.
  await page.reload({ waitUntil: 'load' });
  await page.waitForSelector('#tour-who:not([hidden])');
  await page.waitForSelector('#tour[data-pending="1"]');
  out.reloaded_who = (await page.textContent('#tour-who')).trim();
  out.reloaded_by_worker = await page.evaluate(() => !!navigator.serviceWorker.controller);
  // It comes back: the page sends what waited, by itself.
  await context.setOffline(false);
  await page.waitForSelector('#tour[data-pending="0"]');
  out.synced_pending = await page.getAttribute('#tour', 'data-pending');

  // The teacher's results, in another browser.
  const teacher = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const tp = await teacher.newPage();
  await tp.goto(`${base}/teach/a/${id}/`, { waitUntil: 'load' });
  await tp.fill('#username', user);
  await tp.fill('#password', password);
  await Promise.all([tp.waitForURL(`**/teach/a/${id}/`), tp.click('form.login button[type=submit]')]);
  const row = tp.locator('#students tbody tr', { hasText: 'Minh Anh' });
  out.progress = (await row.locator('td').first().textContent()).trim();
  await page.close();
  await axeAudit(tp, 'results', out.violations);
  await teacher.close();
  await context.close();
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
