// End-to-end test: the release build of the app, served over HTTP on
// 127.0.0.1, in headless Chromium driven by playwright-core.
//
//   node tests/e2e/app.mjs               serve dist/ on a free port and test it
//   node tests/e2e/app.mjs --url URL     test an app already served at URL
//
// It checks that the app rendered what the engine computes (the HTML shell
// holds none of it), drives the clock and the keyboard, watches records
// arrive in the partition logs, kills the leader of a partition and waits
// for the new leader and the shrunk ISR, and saves screenshots to
// target/e2e/ (app.png at 1280×720, tablet.png at 820×1180, and one per
// step) — look at them. It also serves the same build under a sub-path and
// checks that no request leaves 127.0.0.1.
//
// Elements it relies on (keep them, or update this test with the UI):
//   [data-testid=sim-clock]                 the simulated clock ("12.345 s")
//   [data-testid=play-pause] [data-testid=step] [data-testid=speed] (range, log10 of the speed)
//   [data-testid=broker-N-state]            "running" / "crashed" / ...
//   [data-testid=kill-N]                    the Kill button of broker N
//   [data-testid=partition-T-P-summary]     "orders-0: leader broker 2, ISR 2,3 (broker 1 out of sync); ..."
//   [data-testid=log-row-T-P-B]             broker B's row of record cells (button.cell) for T-P
//   [data-testid=help-overlay]              the shortcuts dialog ("?" opens it, Escape closes it)
//   [data-testid=status]                    the outcome of the last command
//   [data-testid=record-detail]             the selected record's key, value, headers
//   engineer B's send form: producer-checkout-produce, produce-checkout-record-{topic,partition,key,value}, produce-checkout-submit

import path from 'node:path';

import { ROOT, SHOTS, appUnderTest, checkList, launch, serveDir, setSpeed, shot, text } from './lib.mjs';

const { pass, count: checksPassed } = checkList();

/** Waits until `predicate(text of testId)` holds; fails naming what it saw. */
async function waitText(page, testId, predicate, what, timeout = 20_000) {
  const started = Date.now();
  let last = null;
  while (Date.now() - started < timeout) {
    last = await text(page, testId);
    if (last !== null && predicate(last)) return last;
    await page.waitForTimeout(50);
  }
  throw new Error(`[data-testid=${testId}]: waited ${timeout} ms for ${what}; last text ${JSON.stringify(last)}`);
}

/** Seconds on the simulated clock. */
function seconds(clock) {
  const m = /^(?:(\d+) min )?(\d+)\.(\d+) s$/.exec(clock.trim());
  if (!m) throw new Error(`unreadable clock ${JSON.stringify(clock)}`);
  return Number(m[1] || 0) * 60 + Number(`${m[2]}.${m[3]}`);
}

async function main() {
  const { url, server, dist } = await appUnderTest();
  console.log(`e2e: testing ${url}`);
  const browser = await launch({ width: 1280, height: 720 });
  const { page, errors, requests } = browser;
  try {
    // 1. The served HTML is only Trunk's shell: what follows was rendered by the wasm app.
    const response = await page.goto(url, { waitUntil: 'load' });
    if (!response || !response.ok()) throw new Error(`GET ${url}: ${response && response.status()}`);
    if ((await response.text()).includes('data-testid')) throw new Error("the served HTML already holds the app's elements");
    pass('the page loads and its HTML is only the Trunk shell');

    // 2. The engine's cluster is on the page: three running brokers and partitions with leaders.
    for (const id of [1, 2, 3]) await waitText(page, `broker-${id}-state`, (t) => t === 'running', 'a running broker');
    const summary = await waitText(page, 'partition-orders-0-summary', (t) => /^orders-0: leader broker \d+, ISR /.test(t), 'a leader');
    pass(`the app rendered the engine's cluster: ${summary.split(';')[0]}`);

    // 3. The clock runs; pause stops it; Step moves it; Space plays again.
    const t0 = seconds(await text(page, 'sim-clock'));
    await waitText(page, 'sim-clock', (t) => seconds(t) > t0 + 0.3, 'the clock to move');
    await page.click('[data-testid=play-pause]');
    const paused = await text(page, 'sim-clock');
    await page.waitForTimeout(300);
    if ((await text(page, 'sim-clock')) !== paused) throw new Error('the clock moved while paused');
    await page.click('[data-testid=step]');
    await waitText(page, 'sim-clock', (t) => seconds(t) > seconds(paused), 'Step to move the clock');
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Space');
    const resumed = await text(page, 'sim-clock');
    await waitText(page, 'sim-clock', (t) => seconds(t) > seconds(resumed), 'Space to resume');
    pass('the clock runs, pauses, steps, and Space resumes it');

    // 4a. Keyboard: Tab from the top of the page reaches the controls, with a visible focus ring.
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Tab');
    let focused = null;
    for (let i = 0; i < 12; i++) {
      focused = await page.evaluate(() => {
        const el = document.activeElement;
        const outline = el ? getComputedStyle(el).outlineStyle : 'none';
        return el && el.closest('[role=toolbar]') ? { testid: el.dataset.testid ?? el.tagName, outline } : null;
      });
      if (focused) break;
      await page.keyboard.press('Tab');
    }
    if (!focused) throw new Error('Tab never reached the simulation controls');
    if (focused.outline === 'none') throw new Error(`the focused control (${focused.testid}) shows no focus outline`);
    pass(`Tab reaches the controls (${focused.testid}) and the focus is visible (outline ${focused.outline})`);
    await page.evaluate(() => document.activeElement?.blur());

    // 4. "?" opens the shortcuts; Escape closes them.
    await page.keyboard.press('Shift+Slash');
    await page.waitForSelector('[data-testid=help-overlay]', { state: 'visible' });
    await shot(page, 'help.png');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=help-overlay]', { state: 'detached' });
    pass('"?" shows the keyboard shortcuts and Escape closes them');

    // 4b. The help is a modal dialog: focus moves into it, Tab and Shift+Tab stay inside,
    //     Escape closes it and focus returns to the button that opened it.
    const inDialog = () => page.evaluate(() => !!document.activeElement?.closest('[role=dialog][aria-modal=true]'));
    await page.focus('.help-btn');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=help-overlay]', { state: 'visible' });
    if (!(await inDialog())) throw new Error('focus did not move into the help dialog');
    for (const key of ['Tab', 'Tab', 'Shift+Tab', 'Tab']) {
      await page.keyboard.press(key);
      if (!(await inDialog())) throw new Error(`${key} moved focus out of the modal help dialog`);
    }
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=help-overlay]', { state: 'detached' });
    const back = await page.evaluate(() => document.activeElement?.classList.contains('help-btn'));
    if (!back) throw new Error('after Escape, focus did not return to the help button');
    pass('the help dialog takes focus, keeps Tab inside, and Escape returns focus to its opener');
    await page.evaluate(() => document.activeElement?.blur());

    // 5. Records the producer sends appear as cells in the partition logs.
    await setSpeed(page, 5);
    const cells = () =>
      page.evaluate(() => document.querySelectorAll('[data-testid^="log-row-orders-"] button.cell').length);
    const before = await cells();
    const deadline = Date.now() + 20_000;
    while ((await cells()) < before + 5) {
      if (Date.now() > deadline) throw new Error(`records did not appear in the log: ${before} cells, then ${await cells()}`);
      await page.waitForTimeout(100);
    }
    pass(`records appear in the partition logs (${before} cells, then ${await cells()})`);
    await shot(page, 'app.png');

    // 6. A hand-written record (the clients panel's send form) lands in the log with its key,
    //    and selecting its cell shows its value and header.
    await page.click('[data-testid=producer-checkout-produce]');
    await page.selectOption('[data-testid=produce-checkout-record-topic]', 'orders');
    await page.fill('[data-testid=produce-checkout-record-partition]', '1');
    await page.fill('[data-testid=produce-checkout-record-key]', 'e2e-key');
    await page.fill('[data-testid=produce-checkout-record-value]', 'hello from the e2e test');
    await page.click('[data-testid=produce-checkout-submit]');
    await waitText(page, 'status', (t) => t.includes('produce applied'), 'the produce command');
    const cell = page.locator('[data-testid^="log-row-orders-1-"] button.cell[aria-label*="key e2e-key"]').first();
    await cell.waitFor({ state: 'attached', timeout: 20_000 });
    await page.click('[data-testid=play-pause]'); // pause, so the cell holds still
    await cell.click();
    await waitText(page, 'record-detail', (t) => t.includes('hello from the e2e test') && t.includes('e2e-key'), 'the record detail');
    pass('a record produced from the form appears in orders-1 and its cell shows its key and value');
    await shot(page, 'record.png');
    await page.click('[data-testid=play-pause]');

    // 7. Kill the leader of orders-0: a new leader is elected and the ISR shrinks.
    const leader = Number(/leader broker (\d+)/.exec(await text(page, 'partition-orders-0-summary'))[1]);
    const killedAt = seconds(await text(page, 'sim-clock'));
    await page.click(`[data-testid=kill-${leader}]`);
    await waitText(page, `broker-${leader}-state`, (t) => t === 'crashed', 'the broker to crash');
    await waitText(page, 'status', (t) => t.includes('kill_broker applied'), 'the command outcome');
    await setSpeed(page, 20);
    const after = await waitText(
      page,
      'partition-orders-0-summary',
      (t) => {
        const m = /^orders-0: leader broker (\d+), ISR ([\d,]+) \(broker (\d+) out of sync\)/.exec(t);
        return m && Number(m[1]) !== leader && !m[2].split(',').includes(String(leader)) && Number(m[3]) === leader;
      },
      `a new leader and an ISR without broker ${leader}`,
      30_000,
    );
    pass(`after killing broker ${leader}: ${after.split(';')[0]}`);
    await setSpeed(page, 1);
    await shot(page, 'after-kill.png');

    // 8. A tablet-sized window still shows the cluster and the logs.
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) throw new Error(`at 820 px wide the page scrolls sideways by ${overflow} px`);
    await shot(page, 'tablet.png');
    await page.setViewportSize({ width: 1280, height: 720 });
    pass('at tablet width nothing overflows sideways');

    // 8b. Autosave: a reload resumes the same run where it was (the killed broker is
    // still down, the clock no earlier than the last save), paused, and says so.
    await page.waitForTimeout(2_500); // one autosave interval
    const clockBefore = seconds(await text(page, 'sim-clock'));
    await page.reload({ waitUntil: 'load' });
    const note = await waitText(page, 'resumed', (t) => t.startsWith('Resumed your last session'), 'the resumed note');
    const clockAfter = seconds(await text(page, 'sim-clock'));
    // The run plays at 1x until the reload: a save (every 2 s) can land between reading
    // the clock and the reload, so the resumed time may be a few ms past clockBefore.
    if (clockAfter > clockBefore + 1 || clockAfter < clockBefore - 4) {
      throw new Error(`resumed at ${clockAfter} s, the page was at ${clockBefore} s before the reload`);
    }
    await waitText(page, `broker-${leader}-state`, (t) => t === 'crashed', 'the killed broker to stay down');
    if (!(await page.getAttribute('[data-testid=play-pause]', 'aria-label')).startsWith('Play')) {
      throw new Error('a resumed run should wait for Play');
    }
    await shot(page, 'resumed.png');
    pass(`a reload resumes the saved session at ${clockAfter} s (was ${clockBefore} s), paused: "${note.split(':')[0]}"`);
    await page.click('[data-testid=resumed-keep]');

    // 8c. The timeline: rewind to before the kill (the same run, replayed), then fork
    // from there so the kill does not happen again.
    const rewindTo = Math.max(0, Math.floor((killedAt - 1) * 1000));
    await page.$eval(
      '[data-testid=timeline]',
      (input, value) => {
        input.value = String(value);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        input.dispatchEvent(new Event('change', { bubbles: true }));
      },
      rewindTo,
    );
    await waitText(page, `broker-${leader}-state`, (t) => t === 'running', 'the broker to run again before its kill');
    const rewound = seconds(await text(page, 'sim-clock'));
    if (Math.abs(rewound * 1000 - rewindTo) > 100) throw new Error(`rewound to ${rewound} s, asked ${rewindTo} ms`);
    // The kill is one of them; the hand-written record of check 6 may be another.
    const fork = await waitText(page, 'fork', (t) => /forget \d+ later commands?\)$/.test(t), 'the fork button');
    await shot(page, 'rewound.png');
    await page.click('[data-testid=fork]');
    await page.waitForSelector('[data-testid=fork]', { state: 'detached' });
    await page.keyboard.press('Space');
    await setSpeed(page, 20);
    await waitText(page, 'sim-clock', (t) => seconds(t) > killedAt + 3, 'the clock to pass the old kill');
    if ((await text(page, `broker-${leader}-state`)) !== 'running') throw new Error('the forked run killed the broker again');
    await setSpeed(page, 1);
    pass(`the timeline rewinds to ${rewound} s (broker ${leader} runs again); "${fork}" makes a run without the kill`);

    // 8d. ?embed: the chrome-less view for an iframe links to the full playground.
    await page.setViewportSize({ width: 900, height: 560 });
    await page.goto(`${url}?scenario=quickstart&embed`, { waitUntil: 'load' });
    await waitText(page, 'broker-1-state', (t) => t === 'running', 'the embedded cluster');
    for (const absent of ['actions-panel', 'clients-panel', 'event-log', 'session', 'scenario']) {
      if (await page.$(`[data-testid=${absent}]`)) throw new Error(`the embedded view shows ${absent}`);
    }
    const full = await page.getAttribute('[data-testid=open-full]', 'href');
    if (!full.endsWith('?scenario=quickstart')) throw new Error(`the full-playground link is ${full}`);
    await page.waitForSelector('[data-testid=log-view]');
    await shot(page, 'embed.png');
    await page.setViewportSize({ width: 1280, height: 720 });
    pass(`?embed shows the clock, cluster and log only, linking to ${new URL(full).search}`);

    // 9. The same build works under a sub-path (Trunk.toml's public_url is relative).
    if (server) {
      const sub = await serveDir(dist, '/kafka/playground/');
      try {
        const subUrl = `http://127.0.0.1:${sub.address().port}/kafka/playground/`;
        await page.goto(subUrl, { waitUntil: 'load' });
        await waitText(page, 'broker-1-state', (t) => t === 'running', 'the app under a sub-path');
        pass(`the same build runs under a sub-path (${new URL(subUrl).pathname})`);
      } finally {
        sub.close();
      }
    }

    // 10. Nothing was fetched from anywhere but the app's own origins.
    const foreign = requests.filter((r) => !r.startsWith('http://127.0.0.1:') && !r.startsWith('data:'));
    if (foreign.length) throw new Error(`requests outside 127.0.0.1: ${foreign.join(', ')}`);
    pass('no external requests');

    if (errors.length) throw new Error(errors.join('\n'));
    pass('no errors in the browser console');
    console.log(`e2e: ${checksPassed()} checks passed; screenshots in ${path.relative(ROOT, SHOTS)}/`);
  } finally {
    await browser.close();
    if (server) server.close();
  }
}

main().catch((err) => {
  console.error(`e2e: FAILED: ${err.message}`);
  process.exitCode = 1;
});
