// End-to-end test: the release build of the app, served over HTTP on
// 127.0.0.1, in headless Chromium driven by playwright-core.
//
//   node tests/e2e/app.mjs               serve dist/ on a free port and test it
//   node tests/e2e/app.mjs --url URL     test an app already served at URL
//
// It checks that the app rendered what the engine computes (the HTML shell
// holds none of it), performs one interaction, checks the page changed, and
// saves a screenshot to target/e2e/app.png.
//
// Elements it relies on (keep them, or update this test with the UI):
//   [data-testid=record-value]   text input for a record's value
//   [data-testid=record-size]    "<n> bytes": Record::size_in_bytes of the form's record
//   [data-testid=append-record]  button appending the form's record to the batch
//   [data-testid=batch-count]    "<n> record(s)" in the batch
//   [data-testid=batch-size]     "<n> bytes": RecordBatch::size_in_bytes of the batch
//   [data-testid=batch-records]  list with one <li> per record in the batch

import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = path.join(ROOT, 'dist');
const SCREENSHOT = path.join(ROOT, 'target/e2e/app.png');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT_MS = 20_000;

// playwright-core lives in tools/ (installed by scripts/setup.sh --for-tests).
const require = createRequire(path.join(ROOT, 'tools/node_modules/'));
const { chromium } = require('playwright-core');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** A static file server for dist/, on 127.0.0.1 and a port the OS picks. */
function serveDist() {
  const server = createServer((req, res) => {
    let file = path.normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (file.endsWith('/')) file += 'index.html';
    const full = path.join(DIST, file);
    if (!full.startsWith(DIST + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = readFileSync(full);
      res.writeHead(200, { 'content-type': MIME[path.extname(full)] || 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

let checks = 0;
function pass(what) {
  checks += 1;
  console.log(`  ok ${checks} - ${what}`);
}

/** Waits until the element's text is `expected`; fails naming what it saw. */
async function expectText(page, testId, expected) {
  const selector = `[data-testid=${testId}]`;
  try {
    await page.waitForFunction(
      ([sel, text]) => document.querySelector(sel)?.textContent === text,
      [selector, expected],
      { timeout: STEP_TIMEOUT_MS },
    );
  } catch {
    const actual = await page.evaluate((sel) => document.querySelector(sel)?.textContent ?? null, selector);
    throw new Error(`${selector}: expected text ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`);
  }
}

async function main() {
  const urlArg = process.argv.indexOf('--url');
  let server = null;
  let url;
  if (urlArg >= 0) {
    url = process.argv[urlArg + 1];
  } else {
    statSync(path.join(DIST, 'index.html')); // fail early if the app is not built
    server = await serveDist();
    url = `http://127.0.0.1:${server.address().port}/`;
  }
  console.log(`e2e: testing ${url} in ${CHROMIUM}`);

  const profile = mkdtempSync(path.join(tmpdir(), 'e2e-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 900, height: 640 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: STEP_TIMEOUT_MS,
  });
  const errors = [];
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console error: ${msg.text()} (${msg.location().url})`);
    });
    page.on('response', (res) => {
      if (res.status() >= 400) errors.push(`HTTP ${res.status()} for ${res.url()}`);
    });

    // 1. The page loads, and the served HTML is only a shell: whatever the
    //    checks below find was rendered by the wasm app.
    const response = await page.goto(url, { waitUntil: 'load' });
    if (!response || !response.ok()) throw new Error(`GET ${url}: ${response && response.status()}`);
    const shell = await response.text();
    if (shell.includes('data-testid')) throw new Error('the served HTML already holds the app\'s elements');
    pass('the page loads and its HTML is only the Trunk shell');

    // 2. The app rendered sizes computed by the engine: an empty value and a
    //    null key make a 7-byte record; an empty batch is its 61-byte header.
    await expectText(page, 'record-size', '7 bytes');
    await expectText(page, 'batch-size', '61 bytes');
    pass('the app rendered the engine\'s record and batch sizes');

    // 3. Typing a value changes the record's size as the engine computes it
    //    (the same 17 bytes the engine's unit test pins).
    await page.fill('[data-testid=record-value]', '0123456789');
    await expectText(page, 'record-size', '17 bytes');
    pass('typing a 10-byte value makes the record 17 bytes');

    // 4. Appending it changes the batch: one record, 61 + 17 bytes.
    await page.click('[data-testid=append-record]');
    await expectText(page, 'batch-count', '1 record');
    await expectText(page, 'batch-size', '78 bytes');
    const items = await page.locator('[data-testid=batch-records] li').count();
    if (items !== 1) throw new Error(`expected 1 record in the batch list, found ${items}`);
    pass('appending the record makes a 78-byte batch of one record');

    if (errors.length) throw new Error(errors.join('\n'));
    pass('no errors in the browser console');

    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`e2e: ${checks} checks passed; screenshot at ${path.relative(ROOT, SCREENSHOT)}`);
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
    if (server) server.close();
  }
}

main().catch((err) => {
  console.error(`e2e: FAILED: ${err.message}`);
  process.exitCode = 1;
});
