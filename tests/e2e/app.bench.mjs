// The app benchmark: cold start to the numbers list painted, the time from the engine
// issuing a QR code to that code on screen, and the release binary's size. It drives the
// real window like the end-to-end test and prints a table. Run it with tests/e2e/bench.sh.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Harness } from './harness.mjs';

const PRODUCT = process.env.SWITCHBOARD_PRODUCT; // the release build people run
const TEST_BUILD = process.env.SWITCHBOARD_APP; // the same, able to reach wa-mock
const WA_MOCK_BIN = process.env.WA_MOCK_BIN;
const NUMBERS = Number(process.env.BENCH_NUMBERS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const harness = new Harness('switchboard-bench-');
const dataDir = join(harness.work, 'data');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const ms = (x) => `${Math.round(x).toLocaleString('en')} ms`;
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** When a process started, in epoch milliseconds (to the kernel's clock tick). */
function processStartedAt(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 22 (start time in ticks since boot), counted after the parenthesised name.
  const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString());
  const bootedAt = Date.now() - Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;
  return bootedAt + (startTicks * 1000) / ticksPerSecond;
}

function newestPid(binary) {
  return Number(execFileSync('pgrep', ['-n', '-f', binary]).toString().trim());
}

async function waitUntilGone(binary) {
  for (let i = 0; i < 100; i++) {
    try {
      execFileSync('pgrep', ['-f', binary]);
    } catch {
      return; // pgrep found nothing
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${binary} did not exit`);
}

/** The epoch time a performance mark was made in the window, with its detail. */
async function marks(browser, name) {
  return browser.execute(
    (n) => performance.getEntriesByName(n).map((e) => ({ at: performance.timeOrigin + e.startTime, detail: e.detail })),
    name,
  );
}

async function seed(count) {
  const browser = await harness.openApp(PRODUCT);
  await browser.$('[data-testid="empty"]').waitForDisplayed({ timeout: 30_000 });
  await browser.setTimeout({ script: 300_000 });
  await browser.executeAsync(async (n, done) => {
    for (let i = 0; i < n; i++) {
      const name = `shop-${String(i).padStart(4, '0')}`;
      await window.__TAURI_INTERNALS__.invoke('create_instance', {
        input: { name, settings: null, webhook: null, proxy: null },
      });
    }
    done();
  }, count);
  await browser.deleteSession();
  await waitUntilGone(PRODUCT);
}

async function coldStart() {
  const browser = await harness.openApp(PRODUCT);
  await browser.waitUntil(async () => (await marks(browser, 'list-painted')).length > 0, { timeout: 30_000 });
  const [painted] = await marks(browser, 'list-painted');
  const startedAt = processStartedAt(newestPid(PRODUCT));
  const firstRow = await browser.$('button[aria-label="Open shop-0000"]');
  assert.ok(await firstRow.isExisting(), 'the painted list shows the numbers');
  await browser.deleteSession();
  await waitUntilGone(PRODUCT);
  return painted.at - startedAt;
}

/** Adds numbers one after another and times each one's first QR code onto the screen. */
async function qrLatencies(runs) {
  const browser = await harness.openApp(TEST_BUILD);
  const latencies = [];
  for (let i = 0; i < runs; i++) {
    await browser.$('button*=Add a number').click();
    await browser.$('#add-name').setValue(`qr-${i}`);
    await browser.waitUntil(async () => (await browser.$('[data-testid="name-status"]').getText()).includes('available'));
    await browser.$('button[type="submit"]').click();
    const image = await browser.$('[data-testid="qr-image"]');
    await image.waitForDisplayed({ timeout: 30_000 });
    const code = await image.getAttribute('data-code');
    await browser.waitUntil(async () => (await marks(browser, 'qr-shown')).some((m) => m.detail.code === code));
    const shown = (await marks(browser, 'qr-shown')).find((m) => m.detail.code === code);
    latencies.push(shown.at - shown.detail.issuedAt);
  }
  await browser.deleteSession();
  return latencies;
}

try {
  assert.ok(PRODUCT && TEST_BUILD && WA_MOCK_BIN, 'run through tests/e2e/bench.sh');
  const admin = await harness.startWaMock(WA_MOCK_BIN);
  await harness.startDriver({ SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_WA_URL: admin.ws_url });

  await seed(NUMBERS);
  const starts = [];
  for (let i = 0; i < RUNS; i++) starts.push(await coldStart());
  const qr = await qrLatencies(RUNS);

  const rows = [
    [`cold start to the list painted (${NUMBERS.toLocaleString('en')} numbers)`, ms(median(starts)), ms(Math.max(...starts)), '<= 1,000 ms'],
    ['QR code issued by the engine to on screen', ms(median(qr)), ms(Math.max(...qr)), '<= 200 ms'],
    ['release binary size', mib(statSync(PRODUCT).size), '', ''],
  ];
  console.log(`\n| measure (${RUNS} runs) | p50 | max | target |\n|---|---|---|---|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
} finally {
  harness.stop();
}
