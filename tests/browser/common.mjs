// Shared by the browser checks: a static file server for a built site on a loopback port, and
// Debian's Chromium started through playwright-core (no browser download).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.jpg': 'image/jpeg', '.webp': 'image/webp', '.mp3': 'audio/mpeg', '.xml': 'application/xml',
  '.csv': 'text/csv; charset=utf-8', '.txt': 'text/plain; charset=utf-8', '.pdf': 'application/pdf',
};

/** Serve the folder `root` on 127.0.0.1 (any free port), with the site's own 404 page. Every
 *  request for a missing file is remembered in `missing`. */
export async function serveDir(root) {
  const missing = [];
  const server = http.createServer((req, res) => {
    let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = path.join(root, p);
    if (!file.startsWith(root)) { res.writeHead(400); res.end(); return; }
    if (p.endsWith('/')) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) {
        missing.push(p);
        const nf = path.join(root, '404.html');
        res.writeHead(404, { 'content-type': TYPES['.html'] });
        res.end(fs.existsSync(nf) ? fs.readFileSync(nf) : 'not found');
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
      res.end(body);
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, missing, close: () => new Promise((ok) => server.close(ok)) };
}

/** Debian's Chromium, headless, with the flags this machine's closed network needs. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
}

export const VIEWPORTS = {
  phone: { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  desktop: { viewport: { width: 1280, height: 800 } },
};

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

/** Run axe-core (WCAG 2.2 A/AA) on the page as it is now; push each violation, named `name`,
 *  onto `violations`. The context needs `bypassCSP: true` for axe's own script. */
export async function axeAudit(page, name, violations) {
  await page.addScriptTag({ path: AXE });
  const r = await page.evaluate((tags) => window.axe.run(document, {
    runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'],
  }), WCAG);
  for (const v of r.violations) {
    violations.push({ page: name, id: v.id, nodes: v.nodes.map((n) => n.target.join(' ')) });
  }
}
