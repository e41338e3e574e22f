// The real app window, driven through WebDriver, against wa-mock playing WhatsApp and the
// phone: add a number, link it by QR, answer a customer in the conversation, export that
// chat through the save dialog, delete it with "Export first…", receive history and a
// document, delete that chat with its media, log out, link again by pairing code, a server that stops answering and a temporary ban that ends, get unlinked from the
// phone, delete the instance and reuse its name at once.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import JSZip from 'jszip';
import { profilePng } from '../../ui/tests/pages/fixtures.mjs';
import { Harness, screenshot } from './harness.mjs';
import { answerSaveDialog } from './save-dialog.mjs';

const APP = process.env.SWITCHBOARD_APP;
const WA_MOCK_BIN = process.env.WA_MOCK_BIN;
const NAME = 'sales-desk';
const PHONE = '5511988887777';
const JID = `${PHONE}@s.whatsapp.net`;
const CUSTOMER = '5511944443333';
const CUSTOMER_JID = `${CUSTOMER}@s.whatsapp.net`;
const QUESTION = 'Do you deliver on Sundays?';
const ANSWER = 'Yes, from 9 to 1.';

const harness = new Harness('switchboard-e2e-');
const dataDir = join(harness.work, 'data');
const exportsDir = join(harness.work, 'exports');
let admin;
let browser;

async function adminCall(path, init = {}) {
  const res = await fetch(`${admin.admin_url}${path}`, init);
  const body = await res.text();
  assert.ok(res.ok, `${path} answered ${res.status}: ${body}`);
  return body ? JSON.parse(body) : null;
}

async function received() {
  return adminCall(`/devices/${encodeURIComponent(JID)}/received`);
}

async function waitForText(selector, expected, timeout = 30_000) {
  // Query afresh on every poll: the element may be re-rendered while we wait. Any match
  // will do (several toasts may be up at once).
  await browser.waitUntil(
    async () => {
      for (const el of await browser.$$(selector)) {
        if ((await el.getText().catch(() => '')).includes(expected)) return true;
      }
      return false;
    },
    { timeout, timeoutMsg: `${selector} never showed "${expected}"` },
  );
}

async function click(selector) {
  const el = await browser.$(selector);
  await el.waitForClickable({ timeout: 15_000 });
  await el.click();
}

async function linkWithQr() {
  const qr = await browser.$('[data-testid="qr-image"]');
  await qr.waitForDisplayed({ timeout: 30_000 });
  const code = await qr.getAttribute('data-code');
  assert.match(code, /^2@/, 'a WhatsApp pairing QR');
  const linked = await adminCall(`/scan?phone=${PHONE}&name=Sales%20Desk`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: code,
  });
  assert.equal(linked.jid, JID);
  await browser.$('[data-testid="link-success"]').waitForDisplayed({ timeout: 60_000 });
}

async function openInstancePage() {
  await click('button*=All numbers');
  await click(`button[aria-label="Open ${NAME}"]`);
  await browser.$('[data-testid="state-badge"]').waitForDisplayed();
}

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
}

/** An exported ZIP as a reader sees it: its messages, its manifest, its entry names. */
async function readExport(path) {
  const zip = await JSZip.loadAsync(readFileSync(path));
  const jsonl = await zip.file('messages.jsonl').async('string');
  return {
    messages: jsonl.split('\n').filter(Boolean).map((line) => JSON.parse(line)),
    manifest: JSON.parse(await zip.file('manifest.json').async('string')),
    names: Object.keys(zip.files).sort(),
  };
}

/** The customer's chat as it stood before its deletion: the question and the answer. */
async function assertCustomerExport(path) {
  const { messages, manifest, names } = await readExport(path);
  assert.deepEqual(
    messages.map((m) => [m.from_me, m.text]),
    [[false, QUESTION], [true, ANSWER]],
    'messages.jsonl holds both messages, oldest first',
  );
  assert.ok(messages.every((m) => m.chat_jid === CUSTOMER_JID), 'only the customer chat');
  assert.equal(manifest.chat, CUSTOMER_JID);
  assert.deepEqual(manifest.counts, { chats: 1, messages: 2, media_files: 0, media_missing: 0 });
  assert.deepEqual(names, ['manifest.json', 'messages.jsonl', 'transcript.html']);
  assert.deepEqual(manifest.files.map((f) => f.path).sort(), ['messages.jsonl', 'transcript.html']);
}

function instanceFolders() {
  const dir = join(dataDir, 'instances');
  return existsSync(dir) ? readdirSync(dir) : [];
}

before(async () => {
  assert.ok(APP && WA_MOCK_BIN, 'SWITCHBOARD_APP and WA_MOCK_BIN are set (see tests/e2e/run.sh)');
  admin = await harness.startWaMock(WA_MOCK_BIN);
  await harness.startDriver({ SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_WA_URL: admin.ws_url });
  browser = await harness.openApp(APP);
});

// What the window showed at the end of each step, for a person to look at.
const SCREENSHOTS = join(import.meta.dirname, 'screenshots');
let step = 0;
afterEach(async (t) => {
  if (!browser) return;
  step += 1;
  const slug = t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 50);
  screenshot(join(SCREENSHOTS, `${step}-${slug}.png`));
});

after(async () => {
  await browser?.deleteSession().catch(() => {});
  harness.stop();
});

test('a fresh data folder shows the invitation to add a number', async () => {
  await browser.$('[data-testid="empty"]').waitForDisplayed({ timeout: 30_000 });
});

test('add a number, scan its QR with the phone, and see it connected with its profile', async () => {
  await click('button*=Add a number');
  await browser.$('#add-name').setValue(NAME);
  await waitForText('[data-testid="name-status"]', 'available');
  const picture = Buffer.from(profilePng().split(',')[1], 'base64');
  await adminCall(`/phones/${PHONE}/picture`, { method: 'PUT', body: picture });
  await click('button[type="submit"]');
  await linkWithQr();
  await openInstancePage();
  await waitForText('[data-testid="state-badge"]', 'Connected');
  const page = await browser.$('main').getText();
  // The number as its country writes it: 5511988887777 is Brazil's (11) 98888-7777.
  assert.ok(page.includes('(11) 98888-7777'), 'the linked phone number is shown');
  const avatar = await browser.$('main img.avatar');
  await avatar.waitForDisplayed({ timeout: 30_000 });
  assert.equal(await avatar.getAttribute('src'), `data:image/png;base64,${picture.toString('base64')}`, "the phone's profile picture");
  assert.equal(instanceFolders().length, 1, 'one instance folder on disk');
});

test('a customer writes: the chat opens on their message, and the answer reaches their phone', async () => {
  await adminCall(`/devices/${encodeURIComponent(JID)}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ chat: CUSTOMER_JID, from: CUSTOMER_JID, text: QUESTION }),
  });
  await click('button[aria-label^="Open the conversation with"]');
  await waitForText('[data-testid="conversation"]', QUESTION);
  const box = await browser.$('[data-testid="conversation"] textarea');
  await box.setValue(ANSWER);
  await browser.keys('Enter');
  await waitForText('[data-testid="conversation"]', ANSWER);
  // The customer's phone decrypts it: the very text that was typed.
  await browser.waitUntil(
    async () => (await adminCall(`/phones/${CUSTOMER}/received`)).some((r) => r.text === ANSWER && !r.error),
    { timeout: 30_000, timeoutMsg: "the answer never reached the customer's phone" },
  );
  // The customer's phone confirms delivery, then reading: the ticks follow.
  await browser.$('[data-testid="conversation"] .tick[aria-label="Read"]').waitForDisplayed({ timeout: 30_000 });
});

test("the open chat is exported to the ZIP file named in GTK's save dialog", async () => {
  mkdirSync(exportsDir, { recursive: true });
  const file = join(exportsDir, 'customer.zip');
  await click('[data-testid="conversation"] button.export');
  await answerSaveDialog(file, { screenshot: join(SCREENSHOTS, 'save-dialog.png') });
  await waitForText('[data-testid="toast"]', `Exported 2 messages and no media files to ${file}`);
  await assertCustomerExport(file);
  await click('button*=Back to chats');
});

test('"Export first…" saves the chat, then deletes it, on the phone too', async () => {
  const file = join(exportsDir, 'before-delete.zip');
  await click('button[aria-label^="Delete chat with"]');
  const exportFirst = await browser.$('[role="alertdialog"]').$('button*=Export first');
  await exportFirst.waitForClickable();
  await exportFirst.click();
  await answerSaveDialog(file);
  await waitForText('[data-testid="toast"]', `Exported 2 messages and no media files to ${file}`);
  await waitForText('[data-testid="toast"]', 'deleted');
  // Had the deletion not waited, the export would have found the chat empty.
  await assertCustomerExport(file);
  await browser.$('[data-testid="chats-empty"]').waitForDisplayed();
  const sent = await received();
  assert.ok(
    sent.some((r) => r.kind === 'app-state' && r.action === 'deleteChat' && r.chat === CUSTOMER_JID),
    'wa-mock received deleteChat for the customer chat',
  );
});

test('history chats are listed; one is deleted with its media, on the phone too', async () => {
  await click('#instance-tab-settings'); // the number's tab, not the app's Settings page
  await click('label*=Download media automatically');
  await click('button=Chats');
  const customer = '5511955554444@s.whatsapp.net';
  const sentAt = Math.floor(Date.now() / 1000) - 3600;
  await adminCall(`/devices/${encodeURIComponent(JID)}/history`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      chats: [{ jid: customer, name: 'Ana', messages: [{ id: 'H1', from_me: false, timestamp: sentAt, text: 'Is my order ready?' }] }],
    }),
  });
  const invoice = Buffer.from('%PDF-1.4 invoice 42');
  await adminCall(`/devices/${encodeURIComponent(JID)}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      chat: customer,
      from: customer,
      text: 'Here is the invoice',
      media: { kind: 'document', mime: 'application/pdf', file_name: 'invoice.pdf', bytes_base64: invoice.toString('base64') },
    }),
  });
  await browser.$('button[aria-label="Delete chat with Ana"]').waitForExist({ timeout: 30_000 });
  await waitForText('main', '1 media file');
  const [instanceId] = instanceFolders();
  const mediaDir = join(dataDir, 'instances', instanceId, 'media');
  assert.equal(filesUnder(mediaDir).length, 1, 'the document was downloaded');

  await click('button[aria-label="Delete chat with Ana"]');
  await click('[role="alertdialog"] input[type="checkbox"]');
  await click('[role="alertdialog"] button.danger');
  await waitForText('[data-testid="toast"]', 'with 1 media file');
  assert.deepEqual(filesUnder(mediaDir), [], "the chat's media files are gone");
  const sent = await received();
  assert.ok(
    sent.some((r) => r.kind === 'app-state' && r.action === 'deleteChat' && r.chat === customer && r.delete_media === true),
    'wa-mock received deleteChat with delete_media',
  );
  await browser.$('button[aria-label="Delete chat with Ana"]').waitForExist({ reverse: true });
});

test('log out: the device leaves the phone, the instance stays', async () => {
  await click('button=Log out');
  await click('[role="alertdialog"] button.danger');
  await waitForText('[data-testid="state-badge"]', 'Logged out');
  const sent = await received();
  assert.ok(
    sent.some((item) => item.kind === 'remove-companion-device'),
    'wa-mock received remove-companion-device',
  );
  const devices = await adminCall('/devices');
  assert.ok(!devices.some((d) => d.jid === JID && d.connected), 'no longer connected on the phone side');
  assert.equal(instanceFolders().length, 1, 'the instance is kept');
});

test('link again with a pairing code typed on the phone', async () => {
  await click('button=Link to a phone');
  await click('#link-tab-code');
  await browser.$('#link-country').setValue(PHONE.slice(0, 2));
  await browser.$('#link-phone').setValue(PHONE.slice(2));
  await click('button=Get a code');
  const shown = await browser.$('[data-testid="pairing-code"]');
  await shown.waitForDisplayed({ timeout: 30_000 });
  const code = (await shown.getText()).replace(/[^0-9A-Z]/gi, '');
  assert.equal(code.length, 8, `an 8-character code, got "${code}"`);
  await adminCall('/pair-code', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone: PHONE, code }),
  });
  await browser.$('[data-testid="link-success"]').waitForDisplayed({ timeout: 60_000 });
  await openInstancePage();
  await waitForText('[data-testid="state-badge"]', 'Connected');
});

test('the server stops answering: the state leaves connected, and comes back when it answers', async () => {
  await adminCall(`/devices/${encodeURIComponent(JID)}/freeze`, { method: 'POST' });
  // The client's keepalive notices a silent server after one or two unanswered pings.
  await waitForText('[data-testid="state-badge"]', 'Reconnecting', 150_000);
  await waitForText('[data-testid="state-description"]', 'Reconnecting since');
  await adminCall(`/devices/${encodeURIComponent(JID)}/thaw`, { method: 'POST' });
  await waitForText('[data-testid="state-badge"]', 'Connected', 60_000);
  await waitForText('[data-testid="state-description"]', 'Connected since');
});

test('a temporary ban ends while the user watches: the number reconnects by itself', async () => {
  await adminCall(`/devices/${encodeURIComponent(JID)}/ban`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ temporary_seconds: 5 }),
  });
  await waitForText('[data-testid="state-badge"]', 'Banned');
  await waitForText('[data-testid="state-description"]', 'Banned by WhatsApp until');
  await waitForText('[data-testid="state-badge"]', 'Connected', 60_000);
  // The number's timeline tells both: the outage with its length, and the ban.
  await click('#instance-tab-activity');
  await waitForText('#instance-panel', 'Connected again after');
  await waitForText('#instance-panel', 'Banned by WhatsApp until');
  await waitForText('#instance-panel', 'Connection lost');
  await click('#instance-tab-chats');
});

test('unlinked from the phone: the state turns to logged out at once', async () => {
  await adminCall(`/devices/${encodeURIComponent(JID)}/logout`, { method: 'POST' });
  await waitForText('[data-testid="state-badge"]', 'Logged out');
  await waitForText('[data-testid="state-description"]', 'phone');
});

test('delete the instance: its folder is gone and the name is free at once', async () => {
  await click('button=Delete number');
  const confirm = await browser.$('[role="alertdialog"] button.danger');
  assert.equal(await confirm.isEnabled(), false, 'Delete stays disabled until the name is typed');
  await browser.$('#delete-confirm-name').setValue(NAME);
  await confirm.waitForEnabled();
  await confirm.click();
  await browser.$('[data-testid="delete-result"]').waitForDisplayed({ timeout: 60_000 });
  assert.deepEqual(instanceFolders(), [], 'no instance folder remains');
  await click('button=Close');

  await click('button*=Add a number');
  await browser.$('#add-name').setValue(NAME);
  await waitForText('[data-testid="name-status"]', 'available');
  await click('button[type="submit"]');
  await browser.$('[data-testid="qr-image"]').waitForDisplayed({ timeout: 30_000 });
  assert.equal(instanceFolders().length, 1, 'the same name was created again');
});
