// Keyboard-only use of the demo site in headless Chromium: `node keyboard.mjs <site folder>`.
// Tabs to and operates the language switch, search, the deep-zoom viewer and the audio player,
// and audits the open zoom viewer with axe-core. Exits non-zero with a message on the first
// failure; prints one line per step passed.
import { createRequire } from 'node:module';
import path from 'node:path';
import assert from 'node:assert/strict';
import { serveDir, launch, VIEWPORTS } from './common.mjs';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const [root] = process.argv.slice(2);
const site = await serveDir(path.resolve(root));
const browser = await launch();
const steps = [];
function ok(msg) { steps.push(msg); process.stdout.write(`ok: ${msg}\n`); }

/** Press Tab until `selector` has the focus (at most `max` presses); fails otherwise. Returns
 *  how many presses it took. */
async function tabTo(page, selector, max = 40) {
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press('Tab');
    const hit = await page.evaluate((s) => {
      const a = document.activeElement;
      return !!a && a.matches(s);
    }, selector);
    if (hit) return i;
  }
  const where = await page.evaluate(() => document.activeElement && document.activeElement.outerHTML.slice(0, 120));
  throw new Error(`${page.url()}: ${selector} not reached in ${max} Tab presses (focus on ${where})`);
}

/** The focused element shows a visible focus indicator (an outline or a box shadow). */
async function focusVisible(page) {
  return page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
  });
}

async function navigated(page, action) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), action()]);
}

try {
  for (const [vp, opts] of Object.entries(VIEWPORTS)) {
    const context = await browser.newContext(opts);
    const page = await context.newPage();

    // 1. The language switch.
    await page.goto(`${site.url}/`);
    let n = await tabTo(page, 'a.lang-switch');
    assert.ok(await focusVisible(page), 'the language switch shows its focus');
    await navigated(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, '/en/');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await tabTo(page, 'a.lang-switch');
    await navigated(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await page.getAttribute('html', 'lang'), 'vi');
    ok(`${vp}: language switch reached in ${n} Tab presses, Enter goes to English and back`);

    // 2. Search: from the menu (on a phone, behind its button: Enter opens it), type a query,
    // open a result.
    if (await page.locator('.site-header summary').isVisible()) {
      await tabTo(page, '.site-header summary');
      assert.ok(await focusVisible(page), 'the menu button shows its focus');
      await page.keyboard.press('Enter');
    }
    await tabTo(page, 'nav.main-nav a[href$="search/"]');
    await navigated(page, () => page.keyboard.press('Enter'));
    await tabTo(page, 'input#q');
    await page.keyboard.type('Hoa Lư');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#search-results li a');
    const count = await page.locator('#search-results li').count();
    assert.ok(count > 0);
    const status = await page.textContent('#search-status');
    assert.ok(status.trim().length > 0, 'the result count is announced in the status region');
    n = await tabTo(page, '#search-results li a');
    const target = await page.evaluate(() => document.activeElement.href);
    await navigated(page, () => page.keyboard.press('Enter'));
    assert.equal(page.url(), target);
    ok(`${vp}: search by keyboard: ${count} results for "Hoa Lư", first result opened with Enter (${target})`);

    // 3. The deep-zoom viewer: open, zoom, pan, fit, stay inside, close with Escape.
    await page.goto(`${site.url}/o/HL-001/`);
    await page.waitForSelector('button.zoom-open:not([hidden])');
    await tabTo(page, 'button.zoom-open');
    assert.ok(await focusVisible(page), 'the zoom button shows its focus');
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog.zoom[open]');
    assert.ok(await page.evaluate(() => document.activeElement.matches('dialog .zoom-view')), 'focus moves into the viewer');
    await page.waitForFunction(() => {
      const imgs = document.querySelectorAll('.zoom-layer img');
      return imgs.length > 0 && Array.from(imgs).every((i) => i.complete && i.naturalWidth > 0);
    });
    const box = () => page.evaluate(() => {
      const i = document.querySelector('.zoom-layer img');
      return { w: parseFloat(i.style.width), x: parseFloat(i.style.left) };
    });
    const fit = await box();
    await page.keyboard.press('+');
    await page.waitForFunction((w) => parseFloat(document.querySelector('.zoom-layer img').style.width) > w * 1.2, fit.w);
    const zoomed = await box();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((x) => parseFloat(document.querySelector('.zoom-layer img').style.left) !== x, zoomed.x);
    await page.keyboard.press('0');
    await page.waitForFunction((w) => Math.abs(parseFloat(document.querySelector('.zoom-layer img').style.width) - w) < 0.5, fit.w);
    // The buttons work from the keyboard too.
    await tabTo(page, 'dialog .zoom-bar button[aria-label]', 6);
    await page.keyboard.press('Enter');
    await page.waitForFunction((w) => parseFloat(document.querySelector('.zoom-layer img').style.width) > w * 1.2, fit.w);
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      // Inside the viewer, or on the browser's own controls (body): never on the page behind it.
      const where = await page.evaluate(() => {
        const a = document.activeElement;
        return !a || a === document.body || !!a.closest('dialog.zoom') ? 'ok' : a.outerHTML.slice(0, 120);
      });
      assert.equal(where, 'ok', 'Tab never reaches the page behind the open viewer');
    }
    await page.addScriptTag({ path: axePath });
    const audit = await page.evaluate(() => window.axe.run(document.querySelector('dialog.zoom'), {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'] },
    }));
    assert.deepEqual(audit.violations.map((v) => `${v.id}: ${v.help} ${v.nodes.map((x) => x.html).join(' ')}`), [], 'axe finds nothing in the open viewer');
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog.zoom', { state: 'detached' });
    assert.ok(await page.evaluate(() => document.activeElement.matches('button.zoom-open')), 'focus returns to the zoom button');
    ok(`${vp}: zoom viewer: Enter opens it, + zooms, arrows pan, 0 fits, buttons work, Tab never leaves it for the page, Escape closes and returns focus; axe finds nothing in it`);

    // 4. The audio guide: play and pause with the keyboard; the transcript opens with Enter.
    await page.goto(`${site.url}/o/HL-002/`);
    await tabTo(page, 'section.audio audio');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => { const a = document.querySelector('section.audio audio'); return !a.paused && a.currentTime > 0; });
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('section.audio audio').paused);
    await tabTo(page, 'section.audio details summary');
    await page.keyboard.press('Enter');
    assert.ok(await page.evaluate(() => document.querySelector('section.audio details').open), 'the transcript opens');
    ok(`${vp}: audio guide plays and pauses with Space, transcript opens with Enter`);

    await context.close();
  }
  assert.deepEqual(site.missing.filter((p) => !p.endsWith('favicon.ico')), [], 'no request went to a missing file');
} finally {
  await browser.close();
  await site.close();
}
