// Frame-time benchmark of the release build in headless Chromium.
//
//   node tests/e2e/frame_bench.mjs [--quick] [--dist DIR]
//
// For each cluster size it opens `?bench=brokers,partitions,groups,consumers,records_per_sec`
// (the app loads that cluster, plays it at 1×, and records per animation
// frame the interval since the previous frame and the time the tick took —
// simulation, snapshot and render — in window.__kpFrames), lets it warm up,
// records for a while and prints percentiles. A cluster "holds 60 fps" when
// the p95 frame interval is <= 16.7 ms. Also measures the first render
// (navigation start to the first broker card) and the bundle size.
// It first measures an empty page looping on requestAnimationFrame: on a
// loaded machine even that misses frames, and the app cannot do better.
// Results go to stdout and target/bench/frames.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { bundleSize } from './bundle_size.mjs';
import { DIST, ROOT, launch, serveDir } from './lib.mjs';

const quick = process.argv.includes('--quick');
const distArg = process.argv.indexOf('--dist');
const dist = distArg >= 0 ? path.resolve(process.argv[distArg + 1]) : DIST;
const WARMUP_MS = quick ? 2_000 : 4_000;
const RECORD_MS = quick ? 4_000 : 10_000;
const FRAME_BUDGET_MS = 1000 / 60;

// [brokers, partitions, groups, consumers per group, records/s]; the first is issue 6's target.
const SIZES = quick
  ? [[6, 24, 4, 4, 1000]]
  : [
      [6, 24, 4, 4, 1000],
      [3, 6, 1, 2, 100],
      [9, 48, 4, 4, 2000],
      [12, 96, 6, 4, 4000],
      [18, 144, 8, 4, 6000],
      [24, 192, 8, 6, 8000],
    ];

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

const f1 = (n) => (Number.isFinite(n) ? n.toFixed(1) : '-');

/** Main-thread and renderer CPU time (ms) so far: unlike wall time, not inflated by other processes. */
async function cpu(cdp) {
  const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  return { thread: metrics.ThreadTime * 1000, process: metrics.ProcessTime * 1000 };
}

async function measure(page, cdp, base, size) {
  await page.goto(`${base}?bench=${size.join(',')}`, { waitUntil: 'load' });
  await page.waitForSelector('[data-testid=broker-1-state]');
  const name = await page.textContent('[data-testid=scenario-name]');
  if (!name.startsWith('Benchmark')) {
    throw new Error(`the bench cluster did not load: ${await page.textContent('[data-testid=status]')}`);
  }
  await page.waitForTimeout(WARMUP_MS);
  const clock0 = await page.textContent('[data-testid=sim-clock]');
  await page.evaluate(() => {
    window.__kpFrames = [];
  });
  const cpu0 = await cpu(cdp);
  await page.waitForTimeout(RECORD_MS);
  const frames = await page.evaluate(() => window.__kpFrames.slice());
  const cpu1 = await cpu(cdp);
  const clock1 = await page.textContent('[data-testid=sim-clock]');
  const intervals = frames.map((f) => f[0]).filter((v) => v > 0);
  const work = frames.map((f) => f[1]);
  const elements = await page.evaluate(() => document.getElementsByTagName('*').length);
  return {
    size: { brokers: size[0], partitions: size[1], groups: size[2], consumers: size[3], records_per_sec: size[4] },
    frames: frames.length,
    fps: frames.length / (RECORD_MS / 1000),
    interval_ms: stats(intervals),
    work_ms: stats(work),
    sim_clock: [clock0, clock1],
    dom_elements: elements,
    // CPU ms per wall second: the main thread (wasm, Yew, style, layout, paint) and the whole renderer.
    main_thread_cpu_ms_per_s: (cpu1.thread - cpu0.thread) / (RECORD_MS / 1000),
    renderer_cpu_ms_per_s: (cpu1.process - cpu0.process) / (RECORD_MS / 1000),
    holds_60fps: stats(intervals).p95 <= FRAME_BUDGET_MS + 0.5,
  };
}

/** The machine's ceiling right now: an empty page that only loops on requestAnimationFrame. */
async function baseline(page) {
  await page.setContent('<!doctype html><title>baseline</title><p>baseline</p>');
  return page.evaluate(
    (ms) =>
      new Promise((resolve) => {
        const intervals = [];
        let last = null;
        const end = performance.now() + ms;
        const loop = (t) => {
          if (last !== null) intervals.push(t - last);
          last = t;
          if (t < end) requestAnimationFrame(loop);
          else resolve(intervals);
        };
        requestAnimationFrame(loop);
      }),
    RECORD_MS,
  );
}

async function firstRender(page, base) {
  await page.goto(`${base}?paused`, { waitUntil: 'commit' });
  await page.waitForSelector('[data-testid=broker-1-state]');
  return page.evaluate(() => performance.now());
}

async function main() {
  const server = await serveDir(dist, '/');
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await launch({ width: 1280, height: 720 });
  const cdp = await browser.context.newCDPSession(browser.page);
  await cdp.send('Performance.enable');
  const results = [];
  try {
    const renders = [];
    for (let i = 0; i < 3; i++) renders.push(await firstRender(browser.page, base));
    const first_render_ms = stats(renders).p50;
    console.log(`first render (navigation start to the first broker card, median of 3): ${f1(first_render_ms)} ms`);
    const idle = await baseline(browser.page);
    const idleStats = stats(idle);
    console.log(
      `baseline (empty page, rAF only): ${(idle.length / (RECORD_MS / 1000)).toFixed(1)} fps, interval p50/p95/p99 ` +
        `${f1(idleStats.p50)}/${f1(idleStats.p95)}/${f1(idleStats.p99)} ms (what this machine allows right now)`,
    );
    console.log('brokers partitions groups×consumers rec/s | frames fps | interval p50/p95/p99/max ms | work p50/p95/p99 ms | main-thread CPU ms/s | DOM');
    for (const size of SIZES) {
      const r = await measure(browser.page, cdp, base, size);
      results.push(r);
      const s = r.size;
      console.log(
        `${String(s.brokers).padStart(7)} ${String(s.partitions).padStart(10)} ${String(`${s.groups}×${s.consumers}`).padStart(16)} ${String(s.records_per_sec).padStart(5)} | ` +
          `${String(r.frames).padStart(6)} ${f1(r.fps).padStart(4)} | ` +
          `${f1(r.interval_ms.p50)}/${f1(r.interval_ms.p95)}/${f1(r.interval_ms.p99)}/${f1(r.interval_ms.max)} | ` +
          `${f1(r.work_ms.p50)}/${f1(r.work_ms.p95)}/${f1(r.work_ms.p99)} | ${f1(r.main_thread_cpu_ms_per_s)} | ${r.dom_elements}` +
          `${r.holds_60fps ? '' : '  (below 60 fps)'}`,
      );
    }
    const bundle = bundleSize(dist);
    console.log(`bundle gzipped: ${(bundle.total / 1024).toFixed(1)} KB`);
    console.log(`load average: ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    if (browser.errors.length) console.log(`browser errors:\n${browser.errors.join('\n')}`);
    mkdirSync(path.join(ROOT, 'target/bench'), { recursive: true });
    writeFileSync(
      path.join(ROOT, 'target/bench/frames.json'),
      JSON.stringify({ first_render_ms, baseline_interval_ms: idleStats, bundle, results }, null, 2),
    );
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((err) => {
  console.error(`frame bench: FAILED: ${err.stack || err.message}`);
  process.exitCode = 1;
});
