// End-to-end test of the panels (clients, actions, event log, metrics, lag
// chart) against the built app in headless Chromium.
//
//   node tests/e2e/panels.mjs               serve dist/ on a free port and test it
//   node tests/e2e/panels.mjs --url URL     test an app already served at URL
//   node tests/e2e/panels.mjs --dist DIR    serve another build (e.g. a release build) instead of dist/
//
// It adds four consumers to one group on the 3-partition topic `orders` and
// waits for one of them to be shown idle; types bad input into the
// create-topic form and checks the error next to the field and that no
// topic appeared (our own parse error, then the engine's refusal); filters
// the event log by broker; opens a consumer's code view. Screenshots go to
// target/e2e/panels-*.png — look at them.
//
// Elements it relies on (see the data-testid list in /work/notes/ui-contract.md):
//   [data-testid=add-consumer-config-group-id] [data-testid=add-consumer-submit] [data-testid=add-consumer-done]
//   [data-testid=consumer-NAME-state] ("idle", "consuming", ...) [data-testid=consumer-NAME-idle]
//   [data-testid=group-GROUP-state] ("Stable", ...)
//   [data-testid=create-topic-partitions] [data-testid=create-topic-partitions-error] ...
//   [data-testid=event-filter-broker] li.event-row[data-brokers]

import path from 'node:path';

import {
  ROOT, SHOTS, appUnderTest, checkList, launch, openSection, setSpeed, shot, text, waitFor,
} from './lib.mjs';

const { pass, count: checksPassed } = checkList();

const consumerStates = (page) =>
  page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('[data-testid^="consumer-"][data-testid$="-state"]')].map((el) => [
        el.dataset.testid.slice('consumer-'.length, -'-state'.length),
        el.textContent,
      ]),
    ),
  );

const topicNames = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=event-filter-topic] option')].map((o) => o.value).filter(Boolean),
  );

async function main() {
  const { url, server } = await appUnderTest();
  console.log(`e2e panels: testing ${url}`);
  const browser = await launch({ width: 1280, height: 720 });
  const { page, errors } = browser;
  try {
    await page.goto(url, { waitUntil: 'load' });
    await waitFor(page, 'the producer card', async () => ({ ok: (await text(page, 'producer-checkout-state')) === 'running' }));
    pass('the clients panel shows the scenario\'s producer, running');

    // 1. Four consumers in one group on a 3-partition topic: one is idle.
    await page.fill('[data-testid=add-consumer-config-group-id]', 'billing');
    await page.selectOption('[data-testid=add-consumer-config-auto-offset-reset]', 'earliest');
    for (let i = 1; i <= 4; i++) {
      await page.click('[data-testid=add-consumer-submit]');
      await waitFor(page, `consumer-${i} to be added`, async () => {
        const done = await text(page, 'add-consumer-done');
        return { ok: done === `Consumer consumer-${i} joins group billing on orders.`, done };
      });
    }
    pass('the add-consumer form added consumer-1..consumer-4 to group billing');
    await setSpeed(page, 10);
    const settled = await waitFor(page, 'the group to settle with one idle consumer', async () => {
      const states = await consumerStates(page);
      const group = await text(page, 'group-billing-state');
      const values = Object.values(states);
      const ok =
        group === 'Stable' &&
        values.length === 4 &&
        values.filter((s) => s === 'idle').length === 1 &&
        values.filter((s) => s === 'consuming').length === 3;
      return { ok, group, states };
    });
    const idle = Object.entries(settled.states).find(([, s]) => s === 'idle')[0];
    const note = await text(page, `consumer-${idle}-idle`);
    if (!note.startsWith('idle: more consumers than partitions')) throw new Error(`idle note: ${note}`);
    await setSpeed(page, 1);
    pass(`${idle} is shown idle ("${note.split(' — ')[0]}"), the other three consume`);
    await page.locator(`[data-testid=consumer-${idle}]`).scrollIntoViewIfNeeded();
    await shot(page.locator('[data-testid=clients-panel]'), 'panels-clients.png');
    await shot(page, 'panels-app.png');

    // 2. Invalid input is refused next to its field and changes nothing.
    const topicsBefore = await topicNames(page);
    await page.click('[data-testid=play-pause]'); // pause: the cluster must not move because of the form
    await openSection(page, 'create-topic');
    await page.fill('[data-testid=create-topic-name]', 'payments');
    await page.fill('[data-testid=create-topic-partitions]', 'abc');
    const statusBefore = await text(page, 'status');
    await page.click('[data-testid=create-topic-submit]');
    const parseError = await text(page, 'create-topic-partitions-error');
    if (parseError !== '"abc" is not a number') throw new Error(`partitions error: ${parseError}`);
    const invalid = await page.getAttribute('[data-testid=create-topic-partitions]', 'aria-invalid');
    const described = await page.getAttribute('[data-testid=create-topic-partitions]', 'aria-describedby');
    if (invalid !== 'true' || !described.includes('create-topic-partitions-error'))
      throw new Error(`aria: invalid=${invalid} describedby=${described}`);
    if ((await text(page, 'status')) !== statusBefore) throw new Error('a command was sent for unparsable input');
    pass(`partitions "abc" is refused next to the field (${parseError}) and nothing is sent`);
    await page.locator('[data-testid=action-create-topic]').scrollIntoViewIfNeeded();
    await shot(page.locator('[data-testid=actions-panel]'), 'panels-invalid.png');

    await page.fill('[data-testid=create-topic-partitions]', '3');
    await page.fill('[data-testid=create-topic-config-retention-ms]', '-5');
    await page.click('[data-testid=create-topic-submit]');
    const engineError = await text(page, 'create-topic-config-retention-ms-error');
    if (engineError !== 'retention.ms must be -1 or >= 0, got -5') throw new Error(`retention error: ${engineError}`);
    await waitFor(page, 'the refusal in the status line', async () => {
      const status = await text(page, 'status');
      return { ok: status.includes('create_topic refused'), status };
    });
    const topicsAfter = await topicNames(page);
    if (JSON.stringify(topicsAfter) !== JSON.stringify(topicsBefore))
      throw new Error(`topics changed: ${topicsBefore} -> ${topicsAfter}`);
    pass(`the engine's refusal shows next to retention.ms (${engineError}); the topics are unchanged (${topicsAfter.join(', ')})`);
    await shot(page.locator('[data-testid=actions-panel]'), 'panels-refused.png');
    await page.click('[data-testid=play-pause]');

    // 3. The event log filtered by broker shows only that broker's events.
    await page.locator('[data-testid=event-log]').scrollIntoViewIfNeeded();
    await page.selectOption('[data-testid=event-filter-broker]', '2');
    const rows = await waitFor(page, 'rows about broker 2', async () => {
      const brokers = await page.evaluate(() =>
        [...document.querySelectorAll('[data-testid=event-log] li.event-row')].map((li) => li.dataset.brokers),
      );
      return { ok: brokers.length > 0, brokers };
    });
    const stray = rows.brokers.filter((b) => !b.split(',').includes('2'));
    if (stray.length) throw new Error(`rows not about broker 2: ${stray}`);
    pass(`the event log filtered by broker 2 shows ${rows.brokers.length} rows, all about broker 2`);
    await page.selectOption('[data-testid=event-filter-broker]', '');
    await shot(page.locator('.col-wide'), 'panels-wide.png');

    // 4. A consumer's configuration as C# code.
    await page.click(`[data-testid=consumer-${idle}-code]`);
    const code = await text(page, `consumer-${idle}-code-view`);
    if (!code.includes('GroupId = "billing",')) throw new Error(`code view: ${code}`);
    pass('the code toggle shows the consumer\'s Confluent.Kafka configuration');
    await page.locator(`[data-testid=consumer-${idle}-code-view]`).scrollIntoViewIfNeeded();
    await shot(page.locator(`[data-testid=consumer-${idle}]`), 'panels-code.png');

    // 5. Tablet width: the panels stack and nothing scrolls sideways.
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) throw new Error(`at 820 px wide the page scrolls sideways by ${overflow} px`);
    await page.locator('[data-testid=actions-panel]').scrollIntoViewIfNeeded();
    await shot(page, 'panels-tablet.png');
    pass('at tablet width the panels fit');

    if (errors.length) throw new Error(errors.join('\n'));
    pass('no errors in the browser console');
    console.log(`e2e panels: ${checksPassed()} checks passed; screenshots in ${path.relative(ROOT, SHOTS)}/panels-*.png`);
  } finally {
    await browser.close();
    if (server) server.close();
  }
}

main().catch((err) => {
  console.error(`e2e panels: FAILED: ${err.message}`);
  process.exitCode = 1;
});
