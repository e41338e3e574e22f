// The app benchmark: cold start to the numbers list painted, the time from the engine
// issuing a QR code to that code on screen, the resident memory of the app and its WebKit
// processes with 100 numbers connected, a chat of 100,000 messages opened until its first
// page is painted, and the release binary's size. It drives the real
// window like the end-to-end test and prints a table. Run it with tests/e2e/bench.sh.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, waitUntilGone } from './harness.mjs';

const PRODUCT = process.env.SWITCHBOARD_PRODUCT; // the release build people run
const TEST_BUILD = process.env.SWITCHBOARD_APP; // the same, able to reach wa-mock
const WA_MOCK_BIN = process.env.WA_MOCK_BIN;
const NUMBERS = Number(process.env.BENCH_NUMBERS ?? 1000);
const CONNECTED = Number(process.env.BENCH_CONNECTED ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SEED_CHAT_BIN = process.env.SEED_CHAT_BIN; // tests/engine-support's seed-long-chat
const CHAT_MESSAGES = Number(process.env.BENCH_CHAT_MESSAGES ?? 100_000);

const harness = new Harness('switchboard-bench-');
const dataDir = join(harness.work, 'data');
const emptyDir = join(harness.work, 'empty');
let driverEnv = {};
// Far from the end-to-end tests' ports, so a bench and a test run can share the machine.
let driverPort = 4600;

/** A session on a driver of its own: a driver whose last session is still closing
 * never answers a new one. */
async function openApp(application) {
  driverPort += 2;
  await harness.startDriver(driverEnv, driverPort);
  return harness.openApp(application);
}

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

/** The epoch time a performance mark was made in the window, with its detail. */
async function marks(browser, name) {
  return browser.execute(
    (n) => performance.getEntriesByName(n).map((e) => ({ at: performance.timeOrigin + e.startTime, detail: e.detail })),
    name,
  );
}

async function seed(count) {
  const browser = await openApp(PRODUCT);
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

/** From the process's start to the list painted; the floor is the same app on an empty
 * folder, painting its empty list. */
async function coldStart({ empty }) {
  driverEnv = { ...driverEnv, SWITCHBOARD_DATA_DIR: empty ? emptyDir : dataDir };
  const browser = await openApp(PRODUCT);
  await browser.waitUntil(async () => (await marks(browser, 'list-painted')).length > 0, { timeout: 30_000 });
  const [painted] = await marks(browser, 'list-painted');
  const startedAt = processStartedAt(newestPid(PRODUCT));
  const shown = await browser.$(empty ? '[data-testid="empty"]' : 'button[aria-label="Open shop-0000"]');
  assert.ok(await shown.isExisting(), 'the painted list shows the numbers, or that there are none');
  await browser.deleteSession();
  await waitUntilGone(PRODUCT);
  return painted.at - startedAt;
}

/** Adds numbers one after another and times each one's first QR code onto the screen. */
async function qrLatencies(runs) {
  const browser = await openApp(TEST_BUILD);
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

/** The app's process and every process under it (WebKit's web and network processes). */
function processTree(root) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid);
  }
  return tree;
}

/** The processes' memory together, two ways: each one's resident set summed (counts the
 * libraries they share once per process) and their proportional sets (shared pages split
 * between the processes that map them: what they cost together). */
function residentBytes(pids) {
  const total = { rss: 0, pss: 0, byProcess: [] };
  for (const pid of pids) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    total.rss += Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const pss = Number(/^Pss:\s+(\d+) kB/m.exec(rollup)[1]) * 1024;
    total.pss += pss;
    total.byProcess.push(`${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()} ${mib(pss)}`);
  }
  return total;
}

/** Links `count` numbers through the app's own local API (wa-mock's phones scan the QR
 * codes), then measures the app and its WebKit processes together. */
async function connectedMemory(admin, count) {
  const memDir = join(harness.work, 'connected');
  driverEnv = { SWITCHBOARD_DATA_DIR: memDir, SWITCHBOARD_WA_URL: admin.ws_url };
  const browser = await openApp(TEST_BUILD);
  await browser.$('[data-testid="empty"]').waitForDisplayed({ timeout: 30_000 });
  // The floor: the same processes with no number, once the window has settled.
  await new Promise((r) => setTimeout(r, 5_000));
  const idle = residentBytes(processTree(newestPid(TEST_BUILD)));
  const status = await browser.executeAsync((done) => {
    const settings = { enabled: true, port: 18790, all_interfaces: false };
    window.__TAURI_INTERNALS__.invoke('set_local_api', { settings }).then(done, (e) => done({ error: e }));
  });
  assert.ok(status.base_url, `the local API is on: ${JSON.stringify(status)}`);
  // The API allows each token 100 requests a minute: a refused one waits as told.
  const api = async (path, init = {}) => {
    for (;;) {
      const res = await fetch(`${status.base_url}${path}`, {
        ...init,
        headers: { token: status.account_token, 'content-type': 'application/json' },
      });
      const body = await res.json();
      if (res.status === 429) {
        await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
        continue;
      }
      assert.ok(res.ok, `${path}: ${res.status} ${JSON.stringify(body)}`);
      return body;
    }
  };
  for (let i = 0; i < count; i++) {
    const name = `linked-${String(i).padStart(3, '0')}`;
    await api('/instance/new', { method: 'POST', body: JSON.stringify({ name }) });
    const { qrCode } = await api(`/instance/connect/${name}`);
    const scanned = await fetch(`${admin.admin_url}/scan?phone=55119${String(i).padStart(8, '0')}&name=${name}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: qrCode,
    });
    assert.ok(scanned.ok, `wa-mock scanned ${name}`);
  }
  await browser.waitUntil(
    async () => {
      const { instances } = await api('/instance/list');
      return instances.filter((i) => i.status === 'connected').length === count;
    },
    { timeout: 300_000, interval: 1_000, timeoutMsg: `${count} numbers never all connected` },
  );
  // Let history sync and the window's list settle before measuring.
  await new Promise((r) => setTimeout(r, 5_000));
  const bytes = residentBytes(processTree(newestPid(TEST_BUILD)));
  await browser.deleteSession();
  return { bytes, idle };
}

/** Clicks a chat in the chats list and answers the time until its newest message is on
 * screen: from the click to the frame callback after the frame that first holds it. */
async function openUntilPainted(browser, chatName, newest) {
  const label = `Open the conversation with ${chatName}`;
  await browser.$(`button[aria-label="${label}"]`).waitForClickable({ timeout: 30_000 });
  const took = await browser.executeAsync(
    (label, text, done) => {
      const started = performance.now();
      document.querySelector(`button[aria-label="${label}"]`).click();
      // A frame callback runs before its frame is painted; the next one, after.
      let shown = false;
      const frame = () => {
        if (shown) return done(performance.now() - started);
        const log = document.querySelector('[data-testid="conversation"] [role="log"]');
        shown = log !== null && log.textContent.includes(text);
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    },
    label,
    newest,
  );
  await browser.$('button*=Back to chats').click();
  return took;
}

/**
 * A chat of `messages` messages, seeded into a fresh data folder before the app starts,
 * opened `runs` times until its first page is painted; beside it the floor, a chat of a
 * single page opened the same way. Answers both lists of times.
 */
async function conversationPainted(admin, messages, runs) {
  const chatDir = join(harness.work, 'long-chat');
  const seeded = JSON.parse(execFileSync(SEED_CHAT_BIN, [chatDir, String(messages)]).toString());
  driverEnv = { SWITCHBOARD_DATA_DIR: chatDir, SWITCHBOARD_WA_URL: admin.ws_url };
  await waitUntilGone(TEST_BUILD); // the one app of the run before, still closing
  const browser = await openApp(TEST_BUILD);
  const instance = await browser.$(`button[aria-label="Open ${seeded.instance}"]`);
  await instance.waitForClickable({ timeout: 30_000 });
  await instance.click();
  const long = [];
  const floor = [];
  for (let i = 0; i < runs; i++) {
    long.push(await openUntilPainted(browser, 'Long chat', `message ${messages - 1}`));
    floor.push(await openUntilPainted(browser, 'One page', 'message 49'));
  }
  await browser.deleteSession();
  await waitUntilGone(TEST_BUILD);
  return { long, floor };
}

try {
  assert.ok(PRODUCT && TEST_BUILD && WA_MOCK_BIN && SEED_CHAT_BIN, 'run through tests/e2e/bench.sh');
  const admin = await harness.startWaMock(WA_MOCK_BIN);
  driverEnv = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_WA_URL: admin.ws_url };

  await seed(NUMBERS);
  const starts = [];
  const emptyStarts = [];
  for (let i = 0; i < RUNS; i++) {
    starts.push(await coldStart({ empty: false }));
    emptyStarts.push(await coldStart({ empty: true }));
  }
  const qr = await qrLatencies(RUNS);
  const memory = await connectedMemory(admin, CONNECTED);
  const chat = await conversationPainted(admin, CHAT_MESSAGES, RUNS);

  const ratio = (x, floor) => `${(x / floor).toFixed(2)}x`;
  const rows = [
    [
      `cold start to the list painted (${NUMBERS.toLocaleString('en')} numbers)`,
      ms(median(starts)),
      ms(Math.max(...starts)),
      `${ms(median(emptyStarts))} (no numbers)`,
      ratio(median(starts), median(emptyStarts)),
      '<= 1,000 ms',
    ],
    ['QR code issued by the engine to on screen', ms(median(qr)), ms(Math.max(...qr)), '', '', '<= 200 ms'],
    ...['pss', 'rss'].map((kind) => [
      `${kind === 'pss' ? 'proportional (PSS)' : 'resident (RSS summed)'} memory, app and WebKit processes, ${CONNECTED} numbers connected`,
      mib(memory.bytes[kind]),
      '',
      `${mib(memory.idle[kind])} (no numbers)`,
      ratio(memory.bytes[kind], memory.idle[kind]),
      // The target is read on PSS: summed resident sets count each shared library once
      // per process that maps it.
      kind === 'pss' ? '<= 300 MB (286.1 MiB)' : '',
    ]),
    [
      `a chat of ${CHAT_MESSAGES.toLocaleString('en')} messages opened to its first page painted`,
      ms(median(chat.long)),
      ms(Math.max(...chat.long)),
      `${ms(median(chat.floor))} (one-page chat)`,
      ratio(median(chat.long), median(chat.floor)),
      '<= 150 ms',
    ],
    ['release binary size', mib(statSync(PRODUCT).size), '', '', '', ''],
  ];
  console.log(`\n| measure (${RUNS} runs) | p50 | max | floor | ratio | target |\n|---|---|---|---|---|---|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  // Where the memory is: each process's proportional set, connected and idle.
  console.log(`\nPSS by process, ${CONNECTED} connected: ${memory.bytes.byProcess.join(', ')}`);
  console.log(`PSS by process, no numbers: ${memory.idle.byProcess.join(', ')}`);
} finally {
  harness.stop();
}
