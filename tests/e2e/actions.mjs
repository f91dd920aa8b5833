// End-to-end test of the network faults, transactions, topic/consumer/
// producer actions and keyboard access, against the built app in headless
// Chromium.
//
//   node tests/e2e/actions.mjs               serve dist/ on a free port and test it
//   node tests/e2e/actions.mjs --url URL     test an app already served at URL
//
// It drops one produce acknowledgement to the producer `checkout` and waits
// for the retry it causes (the fault then heals itself); partitions two
// brokers and heals them with the fault's Heal button; refuses a bad
// probability and an unknown config name next to their fields; runs a
// transaction from a producer's card; checks that every new control has a
// label and is reachable with Tab, and that the event log moves with the
// arrow keys. Screenshots: target/e2e/actions-*.png.

import { readFileSync } from 'node:fs';
import path from 'node:path';

import {
  ROOT, SHOTS, appUnderTest, checkList, launch, openSection, setSpeed, shot, text, waitFor,
} from './lib.mjs';

const { pass, count: checksPassed } = checkList();

const faultTexts = (page) =>
  page.evaluate(() => [...document.querySelectorAll('[data-testid$="-text"][data-testid^="fault-"]')].map((e) => e.textContent));

/** The option value of a node by its label ("producer checkout" -> "client-4"). */
const nodeValue = (page, label) =>
  page.evaluate(
    (label) => [...document.querySelectorAll('[data-testid=add-fault-to] option')].find((o) => o.textContent === label)?.value,
    label,
  );

async function main() {
  const { url, server } = await appUnderTest();
  console.log(`e2e actions: testing ${url}`);
  const browser = await launch({ width: 1280, height: 720 });
  const { page, errors } = browser;
  try {
    await page.goto(url, { waitUntil: 'load' });
    await waitFor(page, 'the producer card', async () => ({ ok: (await text(page, 'producer-checkout-state')) === 'running' }));

    // 1. A lost acknowledgement: drop the next produce response to checkout; it retries.
    await openSection(page, 'add-fault');
    const checkout = await nodeValue(page, 'producer checkout');
    if (!checkout) throw new Error('producer checkout is not offered as a fault end');
    await page.selectOption('[data-testid=add-fault-to]', checkout);
    await page.selectOption('[data-testid=add-fault-kind]', 'ProduceResponse');
    await page.fill('[data-testid=add-fault-probability]', 'abc');
    const before = await faultTexts(page);
    await page.click('[data-testid=add-fault-submit]');
    const refused = await text(page, 'add-fault-probability-error');
    if (refused !== '"abc" is not a number') throw new Error(`probability error: ${refused}`);
    if ((await faultTexts(page)).length !== before.length) throw new Error('a refused fault was installed');
    pass('a probability of "abc" is refused next to its field and installs nothing');
    await page.fill('[data-testid=add-fault-probability]', '1');
    // Read before installing: the producer notices the loss at the next
    // response on that connection, well under a second of simulated time.
    const retries = async () => Number((await text(page, 'producer-checkout-stats')).match(/retries(\d+)/)?.[1] ?? NaN);
    const retriesBefore = await retries();
    await page.click('[data-testid=add-fault-submit]');
    const listed = await waitFor(page, 'the fault in the list', async () => {
      const t = await faultTexts(page);
      return { ok: t.length === 1, t };
    });
    const sentence = listed.t[0];
    if (!sentence.startsWith('The next produce response from any node to producer checkout is dropped: the producer notices when the next response arrives first, closes the connection and retries; it is idempotent, so the broker discards the duplicate'))
      throw new Error(`fault sentence: ${sentence}`);
    pass(`the fault reads: "${sentence}"`);
    await shot(page.locator('[data-testid=actions-panel]'), 'actions-fault.png');
    await setSpeed(page, 20);
    const seen = await waitFor(
      page,
      'the producer to retry and the one-shot fault to heal itself',
      async () => {
        const r = await retries();
        const t = await faultTexts(page);
        return { ok: r > retriesBefore && t.length === 0, r, t };
      },
      60_000,
    );
    await setSpeed(page, 1);
    pass(`the lost acknowledgement made checkout retry (retries ${retriesBefore} → ${seen.r}); the fault used itself up`);

    // 2. Partition two brokers; Heal removes it.
    await page.selectOption('[data-testid=add-fault-type]', 'partition');
    await page.selectOption('[data-testid=add-fault-from]', 'broker-1');
    await page.selectOption('[data-testid=add-fault-to]', 'broker-2');
    await page.click('[data-testid=add-fault-submit]');
    const part = await waitFor(page, 'the partition in the list', async () => {
      const t = await faultTexts(page);
      return { ok: t.length === 1 && t[0].startsWith('Network partition: broker 1 and broker 2'), t };
    });
    pass(`partition listed: "${part.t[0]}"`);
    await page.locator('[data-testid$="-heal"][data-testid^="fault-"]').first().click();
    await waitFor(page, 'the partition to heal', async () => ({ ok: (await faultTexts(page)).length === 0 }));
    pass('Heal removed the partition');

    // 3. Alter a config by its Kafka name; an unknown name is refused.
    await openSection(page, 'alter-config');
    await page.fill('[data-testid=alter-config-name]', 'retention.mss');
    await page.fill('[data-testid=alter-config-value]', '60000');
    await page.click('[data-testid=alter-config-submit]');
    const unknown = await text(page, 'alter-config-name-error');
    if (!unknown?.includes('unknown field `retention.mss`')) throw new Error(`unknown config: ${unknown}`);
    await page.fill('[data-testid=alter-config-name]', 'retention.ms');
    await page.click('[data-testid=alter-config-submit]');
    const altered = await text(page, 'alter-config-done');
    if (altered !== 'orders: retention.ms=60000.') throw new Error(`alter config: ${altered}`);
    pass('retention.mss is refused next to the name; retention.ms=60000 is applied');

    // 4. A transactional producer: begin, commit from its card.
    await openSection(page, 'add-producer');
    await page.fill('[data-testid=add-producer-name]', 'payments');
    await page.fill('[data-testid=add-producer-config-transactional-id]', 'payments-tx');
    await page.click('[data-testid=add-producer-submit]');
    await setSpeed(page, 5);
    const txn = (want) =>
      waitFor(page, `the transaction state ${want}`, async () => {
        const t = await text(page, 'producer-payments-txn');
        return { ok: !!t && t.includes(want), t };
      });
    await txn('READY');
    await page.click('[data-testid=producer-payments-begin]');
    await txn('IN_TRANSACTION');
    await page.locator('[data-testid=producer-payments]').scrollIntoViewIfNeeded();
    await shot(page.locator('[data-testid=producer-payments]'), 'actions-transaction.png');
    await page.click('[data-testid=producer-payments-commit]');
    await txn('READY');
    await setSpeed(page, 1);
    pass('payments began and committed a transaction from its card (READY → IN_TRANSACTION → READY)');

    // 5. Every new control has a label and is reachable by Tab.
    for (const id of ['add-fault', 'set-workload', 'alter-config', 'delete-topic', 'seek']) await openSection(page, id);
    const controls = await page.evaluate(() => {
      const ids = ['add-fault', 'set-workload', 'alter-config', 'delete-topic', 'seek'];
      const out = [];
      for (const id of ids) {
        for (const el of document.querySelectorAll(`[data-testid=action-${id}] :is(input, select, button)`)) {
          const label =
            el.getAttribute('aria-label') ||
            (el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent.trim()) ||
            el.closest('label')?.textContent.trim() ||
            (el.tagName === 'BUTTON' ? el.textContent.trim() : '');
          out.push({ testid: el.dataset.testid ?? `${id}:${el.tagName}`, label, disabled: el.disabled });
        }
      }
      for (const el of document.querySelectorAll('[data-testid^=producer-payments-]:is(button)')) {
        out.push({ testid: el.dataset.testid, label: el.getAttribute('aria-label') || el.textContent.trim(), disabled: el.disabled });
      }
      return out;
    });
    const unlabelled = controls.filter((c) => !c.label);
    if (unlabelled.length) throw new Error(`controls without a label: ${unlabelled.map((c) => c.testid).join(', ')}`);
    const wanted = new Set(controls.filter((c) => !c.disabled).map((c) => c.testid));
    const reached = new Set();
    await page.evaluate(() => document.activeElement?.blur());
    await page.locator('[data-testid=clients-panel] h2').first().click(); // start just before the producer cards
    for (let i = 0; i < 600 && reached.size < wanted.size; i++) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => document.activeElement?.dataset?.testid ?? null);
      if (id && wanted.has(id)) reached.add(id);
    }
    const missing = [...wanted].filter((id) => !reached.has(id));
    if (missing.length) throw new Error(`not reachable by Tab: ${missing.join(', ')}`);
    pass(`all ${wanted.size} new controls have a label and Tab reaches each of them`);
    await shot(page.locator('[data-testid=actions-panel]'), 'actions-panel.png');

    // 6. The event log moves with the arrow keys.
    const rows = page.locator('[data-testid=event-rows] [data-testid=event-row]');
    await rows.first().waitFor();
    await page.click('[data-testid=play-pause]'); // hold the list still
    await rows.first().focus();
    const focusedIndex = () =>
      page.evaluate(() => [...document.querySelectorAll('[data-testid=event-rows] [data-testid=event-row]')].indexOf(document.activeElement));
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const two = await focusedIndex();
    await page.keyboard.press('ArrowUp');
    const one = await focusedIndex();
    await page.keyboard.press('End');
    const last = await focusedIndex();
    const count = await rows.count();
    await page.keyboard.press('Home');
    const first = await focusedIndex();
    if (two !== 2 || one !== 1 || last !== count - 1 || first !== 0)
      throw new Error(`arrow keys in the event log: ↓↓ ${two}, ↑ ${one}, End ${last} of ${count}, Home ${first}`);
    pass(`the event log moves with ↓ ↑ End Home (${count} rows)`);
    await page.click('[data-testid=play-pause]');

    // 7. Export the session as JSON; a tampered import is refused and changes nothing.
    await page.locator('[data-testid=session] summary').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=session-export]')]);
    const file = path.join(SHOTS, 'session.json');
    await download.saveAs(file);
    const session = JSON.parse(readFileSync(file, 'utf8'));
    const kinds = session.actions.map((a) => a.do.type);
    for (const k of ['add_fault', 'heal_fault', 'alter_topic_config', 'add_producer', 'begin_transaction', 'commit_transaction'])
      if (!kinds.includes(k)) throw new Error(`the exported command log lacks ${k}: ${kinds.join(', ')}`);
    pass(`Export JSON downloads the scenario with its seed and ${kinds.length} logged commands`);
    const clockBefore = await text(page, 'sim-clock');
    await page.setInputFiles('[data-testid=session-import]', {
      name: 'tampered.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify({ ...session, actions: [{ at: 5, do: { type: 'explode_broker' } }] })),
    });
    const refusedImport = await waitFor(page, 'the import to be refused', async () => {
      const t = await text(page, 'status');
      return { ok: !!t && t.includes('explode_broker'), t };
    });
    if ((await text(page, 'producer-payments-state')) === null) throw new Error('the refused import replaced the cluster');
    if ((await text(page, 'sim-clock')) < clockBefore) throw new Error('the refused import reset the clock');
    pass(`a tampered file is refused by name ("${refusedImport.t.trim().slice(0, 90)}…") and the cluster stays`);

    // 8. A share link replays the session: the producer added by the log comes back.
    await page.click('[data-testid=session-share]');
    const shareUrl = await page.inputValue('[data-testid=session-share-url]');
    if (!shareUrl.includes('#s=')) throw new Error(`share link: ${shareUrl.slice(0, 80)}`);
    await page.goto('about:blank');
    await page.goto(shareUrl, { waitUntil: 'load' });
    await waitFor(page, 'the shared session to load', async () => ({ ok: (await text(page, 'broker-1-state')) === 'running' }));
    if ((await text(page, 'producer-payments-state')) !== null) throw new Error('payments exists before its command replays');
    await setSpeed(page, 50);
    await waitFor(page, 'the replayed log to add payments', async () => ({ ok: (await text(page, 'producer-payments-state')) !== null }), 60_000);
    await setSpeed(page, 1);
    pass(`the share link (${shareUrl.length} characters) replays the run: payments is added again at its time`);
    await page.goto('about:blank');
    await page.goto(shareUrl.replace(/#s=.*/, '#s=%7B%22name%E0%A4%A'), { waitUntil: 'load' });
    const damaged = await waitFor(page, 'the damaged link to be refused', async () => {
      const t = await text(page, 'status');
      return { ok: !!t && t.includes('not valid percent-encoding') && (await text(page, 'broker-1-state')) === 'running', t };
    });
    pass(`a damaged link says so ("${damaged.t.trim().slice(0, 80)}…") and the default cluster runs`);

    if (errors.length) throw new Error(errors.join('\n'));
    pass('no errors in the browser console');
    console.log(`e2e actions: ${checksPassed()} checks passed; screenshots in ${path.relative(ROOT, SHOTS)}/`);
  } finally {
    await browser.close();
    if (server) server.close();
  }
}

main().catch((err) => {
  console.error(`e2e actions: FAILED: ${err.message}`);
  process.exitCode = 1;
});
