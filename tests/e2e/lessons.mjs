// End-to-end test of the lessons, against the built app in headless Chromium.
//
//   node tests/e2e/lessons.mjs               serve dist/ on a free port and test it
//   node tests/e2e/lessons.mjs --url URL     test an app already served at URL
//
// Every scenario in the picker opens (the compiled-in ones at once, the
// others fetched from dist/scenarios/ where Trunk copies them) with its name
// and, except the sandbox, its lesson panel. One fetched lesson is played to
// its question, answered, played on to the check, and the verdict with the
// explanation appears. A lesson file the site fails to serve is reported and
// the running cluster stays. Screenshots: target/e2e/lessons-*.png.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { ROOT, SHOTS, appUnderTest, checkList, launch, setSpeed, shot, text, waitFor } from './lib.mjs';

const { pass, count: checksPassed } = checkList();

async function main() {
  const { url, server } = await appUnderTest();
  console.log(`e2e lessons: testing ${url}`);
  const browser = await launch({ width: 1280, height: 720 });
  const { page, errors } = browser;
  try {
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('[data-testid=scenario] option', { state: 'attached' });
    const options = await page.$$eval('[data-testid=scenario] option', (os) => os.map((o) => o.value));
    const files = ['new-cluster', ...readdirSync(path.join(ROOT, 'scenarios')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5))];
    const missing = files.filter((f) => !options.includes(f));
    if (missing.length) throw new Error(`scenarios not in the picker: ${missing.join(', ')}`);
    pass(`the picker offers all ${options.length} scenarios`);

    // 1. Each one opens with its name; every lesson shows its panel.
    for (const id of options) {
      await page.selectOption('[data-testid=scenario]', id);
      const name = id === 'new-cluster' ? 'New cluster' : JSON.parse(readFileSync(path.join(ROOT, `scenarios/${id}.json`), 'utf8')).name;
      await waitFor(page, `${id} to open`, async () => ({ ok: (await text(page, 'scenario-name'))?.startsWith(name) }));
      const lesson = await page.$('[data-testid=lesson]');
      if (Boolean(lesson) !== (id !== 'new-cluster')) throw new Error(`${id}: lesson panel ${lesson ? 'shown' : 'missing'}`);
      const status = await text(page, 'status');
      if (status && status.startsWith('Could not load')) throw new Error(`${id}: ${status}`);
    }
    pass(`every scenario opens by its name, each lesson with its panel (${options.length - 1} lessons)`);

    // 2. A fetched lesson end to end: ?scenario=idempotence pauses at its question.
    await page.goto(`${url}?scenario=idempotence`, { waitUntil: 'load' });
    await waitFor(page, 'the idempotence lesson', async () => ({ ok: !!(await page.$('[data-testid=lesson]')) }));
    await setSpeed(page, 20);
    await page.waitForSelector('[data-testid=lesson-question]', { timeout: 30_000 });
    const paused = await page.getAttribute('[data-testid=play-pause]', 'aria-label');
    if (!paused.startsWith('Play')) throw new Error('the run should pause at the question');
    await shot(page, 'lessons-question.png');
    await page.click('[data-testid=lesson-choice-0] input');
    await page.click('[data-testid=lesson-play]');
    const check = await waitFor(page, 'the check', async () => {
      const t = await text(page, 'lesson-check');
      return { ok: !!t, t };
    });
    await shot(page, 'lessons-check.png');
    pass(`a fetched lesson asks, pauses, takes an answer and checks it: "${check.t.slice(0, 60)}…"`);
    await setSpeed(page, 1);

    // 3. A lesson file the site cannot serve: the app says so and keeps the cluster.
    await page.route('**/scenarios/read-committed.json', (route) => route.fulfill({ status: 404, body: 'gone' }));
    await page.selectOption('[data-testid=scenario]', 'read-committed');
    const status = await waitFor(page, 'the failed fetch', async () => {
      const t = await text(page, 'status');
      return { ok: t && t.includes('read-committed.json'), t };
    });
    status.t = status.t.replace(/✕$/, ''); // the dismiss button's text
    if (status.t !== 'Could not load the scenario: could not fetch scenarios/read-committed.json: HTTP 404')
      throw new Error(`status: ${status.t}`);
    if (!(await text(page, 'scenario-name')).startsWith(JSON.parse(readFileSync(path.join(ROOT, 'scenarios/idempotence.json'), 'utf8')).name))
      throw new Error('the running lesson should stay');
    pass(`a missing lesson file is reported ("${status.t}") and the running lesson stays`);

    if (errors.filter((e) => !e.includes('404')).length) throw new Error(errors.join('\n'));
    pass('no errors in the browser console');
    console.log(`e2e lessons: ${checksPassed()} checks passed; screenshots in ${path.relative(ROOT, SHOTS)}/`);
  } finally {
    await browser.close();
    if (server) server.close();
  }
}

main().catch((err) => {
  console.error(`e2e lessons: FAILED: ${err.message}`);
  process.exit(1);
});
