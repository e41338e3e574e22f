// The app's own local API, switched on in the window's Settings, called by a real HTTP
// client and a real WebSocket client while the window runs: what the API does shows in the
// window at once, what the window does streams to /ws, an instance token reaches only its
// number, and a token replaced in the window stops working at once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Harness, screenshot } from './harness.mjs';

const APP = process.env.SWITCHBOARD_APP;
const WA_MOCK_BIN = process.env.WA_MOCK_BIN;
const NAME = 'api-shop';
const PHONE = '5511977776666';

const harness = new Harness('switchboard-e2e-api-');
const SCREENSHOTS = join(import.meta.dirname, 'screenshots');
let admin;
let browser;
let port;
let base;
let accountToken;
let instanceToken;
let socket;
const streamed = [];

const freePort = () =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: chosen } = probe.address();
      probe.close(() => resolve(chosen));
    });
  });

async function call(path, { token = accountToken, ...init } = {}) {
  const headers = { 'content-type': 'application/json', ...(token ? { token } : {}) };
  const res = await fetch(`${base}${path}`, { ...init, headers });
  return { status: res.status, body: await res.json() };
}

async function click(selector, within = browser) {
  const el = await within.$(selector);
  await el.waitForClickable({ timeout: 15_000 });
  await el.click();
}

const nav = (label) => click(`button=${label}`, browser.$('.topbar nav'));

function shot(name) {
  screenshot(join(SCREENSHOTS, `api-${name}.png`));
}

/** Resolves with the first streamed event that matches, including one already received. */
function streamedEvent(matches, what) {
  return browser.waitUntil(async () => streamed.find(matches), {
    timeout: 60_000,
    timeoutMsg: `/ws never streamed ${what}`,
  });
}

before(async () => {
  assert.ok(APP && WA_MOCK_BIN, 'SWITCHBOARD_APP and WA_MOCK_BIN are set (see tests/e2e/run.sh)');
  admin = await harness.startWaMock(WA_MOCK_BIN);
  const dataDir = join(harness.work, 'data');
  await harness.startDriver({ SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_WA_URL: admin.ws_url }, 4470);
  browser = await harness.openApp(APP);
  port = await freePort();
});

after(async () => {
  socket?.terminate();
  await browser?.deleteSession().catch(() => {});
  harness.stop();
});

test('Settings turns the local API on, on a chosen port of this computer only', async () => {
  await browser.$('[data-testid="empty"]').waitForDisplayed({ timeout: 30_000 });
  await nav('Settings');
  const portField = await browser.$('#local-api-port');
  await portField.waitForDisplayed();
  await portField.setValue(String(port));
  await click('button=Apply');
  await click('[role="switch"]');
  const address = await browser.$('#local-api-address');
  await address.waitForDisplayed({ timeout: 15_000 });
  base = await address.getValue();
  assert.equal(base, `http://127.0.0.1:${port}/api`);
  await click('button=Show');
  accountToken = await browser.$('#local-api-token').getValue();
  assert.match(accountToken, /^\S{16,}$/);
  shot('settings-on');

  assert.equal((await call('/instance/list', { token: null })).status, 401);
  const wrong = await call('/instance/list', { token: 'x'.repeat(32) });
  assert.deepEqual([wrong.status, wrong.body.error.message], [401, 'Invalid token']);
  const listed = await call('/instance/list');
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.instances, []);
});

test('a number created and linked through the API shows in the window, and /ws streams each step', async () => {
  socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { token: accountToken } });
  socket.on('message', (data) => streamed.push(JSON.parse(data.toString())));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));

  const created = await call('/instance/new', { method: 'POST', body: JSON.stringify({ name: NAME }) });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  instanceToken = created.body.instance.token;
  await nav('Numbers');
  await browser.$(`button[aria-label="Open ${NAME}"]`).waitForDisplayed({ timeout: 15_000 });
  const born = await streamedEvent((e) => e.type === 'instance_created' && e.instance.name === NAME, 'the creation');
  const id = born.instance_id;

  const { status, body } = await call(`/instance/connect/${NAME}`);
  assert.equal(status, 200, JSON.stringify(body));
  await streamedEvent((e) => e.type === 'qr_code' && e.instance_id === id && e.code === body.qrCode, 'the QR code');
  const scanned = await fetch(`${admin.admin_url}/scan?phone=${PHONE}&name=Api%20Shop`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: body.qrCode,
  });
  assert.ok(scanned.ok, 'the phone scanned the QR code the API answered');
  await streamedEvent((e) => e.type === 'state_changed' && e.instance_id === id && e.state.state === 'connected', 'connected');
  await click(`button[aria-label="Open ${NAME}"]`);
  await browser.waitUntil(async () => (await browser.$('[data-testid="state-badge"]').getText()).includes('Connected'), {
    timeout: 15_000,
    timeoutMsg: 'the window never showed the number connected',
  });
  shot('linked-through-api');
});

test("an instance's token reaches only its number and never deletes it", async () => {
  const own = await call('/instance/list', { token: instanceToken });
  assert.equal(own.status, 200);
  assert.deepEqual(
    own.body.instances.map((i) => i.name),
    [NAME],
  );
  const refused = await call(`/instance/delete/${NAME}`, { method: 'DELETE', token: instanceToken });
  assert.deepEqual([refused.status, refused.body.error.message], [401, 'Invalid token']);
  assert.equal((await call('/instance/new', { method: 'POST', token: instanceToken, body: '{"name":"x1"}' })).status, 401);
});

test('deleting the number in the window streams to /ws and frees the name in the API at once', async () => {
  await click('button=Delete number');
  await browser.$('#delete-confirm-name').setValue(NAME);
  const confirm = await browser.$('[role="alertdialog"] button.danger');
  await confirm.waitForEnabled();
  await confirm.click();
  await browser.$('[data-testid="delete-result"]').waitForDisplayed({ timeout: 60_000 });
  await streamedEvent((e) => e.type === 'instance_deleted', 'the deletion');
  await click('button=Close');

  assert.deepEqual((await call('/instance/list')).body.instances, []);
  const again = await call('/instance/new', { method: 'POST', body: JSON.stringify({ name: NAME }) });
  assert.equal(again.status, 200, 'the name is free at once');
  assert.equal((await call('/instance/list', { token: instanceToken })).status, 401, 'the old instance token died with it');
});

test('a token replaced in the window stops working at once', async () => {
  await nav('Settings');
  await click('button=New token…');
  await click('button=Replace token', browser.$('[role="alertdialog"]'));
  await browser.waitUntil(async () => (await browser.$('#local-api-token').getValue()) !== accountToken, {
    timeout: 15_000,
    timeoutMsg: 'the window never showed a new token',
  });
  const replaced = await browser.$('#local-api-token').getValue();
  assert.equal((await call('/instance/list')).status, 401, 'the old account token is refused');
  assert.equal((await call('/instance/list', { token: replaced })).status, 200, 'the new one works');
  shot('token-replaced');
});
