// A curator with no terminal, in Chromium: `node editor.mjs <server url> <user> <password>
// <photo path>`. At a desktop viewport the curator signs in, opens an exhibition, creates an
// object (ID, titles, dating), fills in its material, uploads a photo with its alt text,
// publishes, and then a visitor's fresh browser opens the object's public page and its QR code.
// axe-core audits the editor's pages (WCAG 2.2 A/AA).
// Then the curator creates an event from a plan day and lands on its form, creates a contest,
// writes a question of its bank, and sees a wrong question refused beside its choices.
// Prints one JSON line: {landed, created, saved, photo, published, event_title, contest_title,
// question, question_error, question_kept, public_status, public_title, image_ok, qr_status,
// qr_type, violations}.
import { axeAudit, launch, VIEWPORTS } from './common.mjs';


const [base, user, password, photo] = process.argv.slice(2);
const browser = await launch();
const out = { violations: [] };
try {
  const context = await browser.newContext({ ...VIEWPORTS.desktop, bypassCSP: true });
  const page = await context.newPage();
  const audit = (name) => axeAudit(page, name, out.violations);

  await page.goto(`${base}/staff/login/`, { waitUntil: 'load' });
  await page.fill('#username', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL('**/staff/content/'), page.click('form button[type=submit]')]);
  out.landed = new URL(page.url()).pathname;
  await audit('content');

  await Promise.all([page.waitForURL('**/e/co-do-hoa-lu/'), page.click('#exhibits a[href$="/e/co-do-hoa-lu/"]')]);
  await audit('exhibit');
  await page.fill('#new-id', 'HL-120');
  await page.fill('#new-title-vi', 'Chân tảng đá hoa sen');
  await page.fill('#new-title-en', 'Lotus-carved stone column base');
  await page.fill('#new-date-display-vi', 'Thế kỷ 10');
  await page.fill('#new-date-from', '968');
  await page.fill('#new-date-to', '1009');
  await page.selectOption('#new-section-pick', '1');
  await Promise.all([page.waitForURL('**/o/HL-120/'), page.click('#create-object')]);
  out.created = new URL(page.url()).pathname;
  await audit('object');

  await page.fill('#f-material-vi', 'Đá xanh');
  await page.fill('#f-material-en', 'Grey-blue stone');
  await Promise.all([page.waitForLoadState('load'), page.click('#save')]);
  await page.waitForSelector('#saved');
  out.saved = (await page.textContent('#saved')).trim();

  await page.setInputFiles('#photo', photo);
  await page.fill('#alt-vi', 'Chân tảng đá tròn, mặt trên chạm cánh sen');
  await page.fill('#alt-en', 'Round stone base with lotus petals carved on top');
  await Promise.all([page.waitForURL('**/o/HL-120/**'), page.click('#upload')]);
  out.photo = (await page.locator('section.photos li code').first().textContent()).trim();

  await page.goto(`${base}/staff/content/`, { waitUntil: 'load' });
  await Promise.all([page.waitForLoadState('load'), page.click('#publish')]);
  await page.waitForSelector('#done');
  out.published = (await page.textContent('#done')).trim();
  await audit('published');

  // A new event from a plan day: its form in the editor.
  await page.fill('#ev-slug', 'dem-tho-2027');
  await page.fill('#ev-title-vi', 'Đêm thơ Ngày Sách');
  await page.selectOption('#ev-day', 'ngay-sach');
  await Promise.all([page.waitForURL('**/events/dem-tho-2027/'), page.click('#create-event')]);
  out.event_title = await page.inputValue('#f-title-vi');
  await audit('event');

  // A new contest, its settings form, and a first question of its bank.
  await page.goto(`${base}/staff/content/`, { waitUntil: 'load' });
  await page.fill('#ct-slug', 'thi-thu-2027');
  await page.fill('#ct-title-vi', 'Thi thử di sản');
  await Promise.all([page.waitForURL('**/contests/thi-thu-2027/'), page.click('#create-contest')]);
  out.contest_title = await page.inputValue('#f-title-vi');
  await audit('contest');
  await Promise.all([page.waitForURL('**/questions/new/'), page.click('#add-question')]);
  await audit('question-new');
  await page.fill('#f-prompt-vi', 'Kinh đô Hoa Lư thuộc tỉnh nào ngày nay?');
  await page.fill('#f-prompt-en', 'Which province is the old capital Hoa Lư in today?');
  await page.fill('#f-choices-1-vi', 'Ninh Bình');
  await page.fill('#f-choices-1-en', 'Ninh Bình');
  await page.check('#f-choices-1-correct');
  await page.fill('#f-choices-2-vi', 'Thanh Hoá');
  await page.fill('#f-choices-2-en', 'Thanh Hoá');
  await Promise.all([
    page.waitForURL((u) => u.pathname.includes('/questions/') && !u.pathname.endsWith('/new/')),
    page.click('#save'),
  ]);
  out.question = new URL(page.url()).pathname;
  await audit('question');
  // Two right answers to a single-choice question: refused, with the message beside the choices
  // and what was typed kept.
  await page.check('#f-choices-2-correct');
  await Promise.all([page.waitForLoadState('load'), page.click('#save')]);
  out.question_error = (await page.textContent('#choices-error')).trim();
  out.question_kept = await page.inputValue('#f-choices-2-vi');
  await audit('question-error');

  // A visitor: a new browser with no session.
  const visitor = await browser.newContext({ ...VIEWPORTS.phone });
  const v = await visitor.newPage();
  const res = await v.goto(`${base}/o/HL-120/`, { waitUntil: 'load' });
  out.public_status = res.status();
  out.public_title = (await v.textContent('h1')).trim();
  await v.locator('main img').first().scrollIntoViewIfNeeded();
  out.image_ok = await v.waitForFunction(() => {
    const img = document.querySelector('main img');
    return !!img && img.complete && img.naturalWidth > 0;
  }, null, { timeout: 15000 }).then(() => true, () => false);
  const qr = await v.request.get(`${base}/qr/HL-120.png`);
  out.qr_status = qr.status();
  out.qr_type = qr.headers()['content-type'];
} catch (e) {
  out.error = String(e && e.stack || e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
