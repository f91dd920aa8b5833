// Shared by the browser scripts in tests/e2e: a static server for dist/
// on 127.0.0.1 (optionally under a sub-path), and headless Chromium driven
// by playwright-core (installed in tools/ by scripts/setup.sh --for-tests).

import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = path.join(ROOT, 'dist');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const STEP_TIMEOUT_MS = 20_000;

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

/**
 * Serves `dir` on 127.0.0.1 at a port the OS picks. With `prefix`
 * ("/some/path/"), files are served only under that sub-path, as a host
 * would serve a site built with `trunk build --public-url /some/path/`.
 */
export function serveDir(dir = DIST, prefix = '/') {
  const server = createServer((req, res) => {
    let file = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (!file.startsWith(prefix)) {
      res.writeHead(404).end('outside the public url');
      return;
    }
    file = path.normalize('/' + file.slice(prefix.length));
    if (file.endsWith('/')) file += 'index.html';
    const full = path.join(dir, file);
    if (!full.startsWith(dir + path.sep)) {
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

/** Headless Chromium with a throwaway profile; `close()` cleans up. */
export async function launch(viewport = { width: 1280, height: 720 }) {
  const profile = mkdtempSync(path.join(tmpdir(), 'e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
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
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const errors = [];
  const requests = [];
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console error: ${msg.text()} (${msg.location().url})`);
  });
  page.on('request', (req) => requests.push(req.url()));
  page.on('response', (res) => {
    if (res.status() >= 400) errors.push(`HTTP ${res.status()} for ${res.url()}`);
  });
  return {
    context,
    page,
    errors,
    requests,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// ---- helpers the check scripts share ----

/**
 * The app a check script tests: `--url URL` as given, else the release build
 * in dist/ (or `--dist DIR`) served on 127.0.0.1 from `dist`. `server` and
 * `dist` are null for a given URL; close the server when done.
 */
export async function appUnderTest() {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : null;
  };
  const given = arg('--url');
  if (given) return { url: given, server: null, dist: null };
  const dist = arg('--dist') ? path.resolve(arg('--dist')) : DIST;
  statSync(path.join(dist, 'index.html')); // fail early if the app is not built
  const server = await serveDir(dist, '/');
  return { url: `http://127.0.0.1:${server.address().port}/`, server, dist };
}

/** Where the scripts save their screenshots. */
export const SHOTS = path.join(ROOT, 'target/e2e');

/** Numbered "ok N - what" lines; `count()` for the summary. */
export function checkList() {
  let checks = 0;
  return {
    pass(what) {
      checks += 1;
      console.log(`  ok ${checks} - ${what}`);
    },
    count: () => checks,
  };
}

/** The text of the element with this data-testid, or null. */
export const text = (page, testId) =>
  page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? null, testId);

/** Polls `probe` until it returns `{ ok: true, ... }`; fails naming `what` and the last value seen. */
export async function waitFor(page, what, probe, timeout = 30_000) {
  const started = Date.now();
  let last;
  while (Date.now() - started < timeout) {
    last = await probe();
    if (last && last.ok) return last;
    await page.waitForTimeout(100);
  }
  throw new Error(`waited ${timeout} ms for ${what}; last saw ${JSON.stringify(last)}`);
}

/** Screenshot of a page or locator into target/e2e/. */
export async function shot(target, name) {
  mkdirSync(SHOTS, { recursive: true });
  await target.screenshot({ path: path.join(SHOTS, name) });
}

/** Sets the speed slider (its value is log10 of the speed). */
export async function setSpeed(page, speed) {
  await page.locator('[data-testid=speed]').evaluate((el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, Math.log10(speed));
}

/** Opens an actions-panel section (a <details>) by clicking its summary. */
export async function openSection(page, id) {
  const details = page.locator(`[data-testid=action-${id}]`);
  if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
}
