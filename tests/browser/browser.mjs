// What the browser tests need besides the server (tests/integration/harness.mjs starts that):
// Debian's Chromium driven by playwright-core, a static server for the test page on its own
// port (so the page's origin differs from the S3 endpoint's and CORS is really exercised),
// and a directory for screenshots.
//
//   const site = await startPageServer();     // site.origin('localhost') = http://localhost:PORT
//   const browser = await launchChromium();
//   ...
//   await browser.close(); await site.close();
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { ROOT } from '../integration/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PAGE_DIR = path.join(here, 'page');

// Debian's package; never a browser downloaded by playwright.
export const CHROMIUM = process.env.MINICLOUD_CHROMIUM || '/usr/bin/chromium';

// Screenshots and other artefacts: $MINICLOUD_TEST_OUTPUT (ctest sets it inside the build
// tree), else tests/out/browser (ignored by git).
export function outputDir() {
  const dir = process.env.MINICLOUD_TEST_OUTPUT || path.join(ROOT, 'tests', 'out', 'browser');
  mkdirSync(dir, { recursive: true });
  return dir;
}

// Headless, and quiet: no network of its own (updates, sync, QUIC probes). playwright's
// launch() gives every browser a fresh temporary profile and deletes it on close().
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/test does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

// Serves tests/browser/page/ on 127.0.0.1 and an ephemeral port. The same server is two
// origins to the browser: http://localhost:PORT and http://127.0.0.1:PORT.
export async function startPageServer() {
  const server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://page').pathname);
    const file = path.join(PAGE_DIR, path.normalize(pathname === '/' ? '/upload.html' : pathname));
    if (!file.startsWith(PAGE_DIR + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = server.address().port;
  return {
    port,
    origin: (host) => `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}
