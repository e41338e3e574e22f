// A data folder that another Switchboard holds: the headless server has it open, the app
// is started on it anyway. The window says in words what is wrong, changes nothing, and
// works as soon as the server has stopped and the user tries again.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, screenshot } from './harness.mjs';

const APP = process.env.SWITCHBOARD_APP;
const SERVER_BIN = process.env.SWITCHBOARD_SERVER_BIN;

const harness = new Harness('switchboard-e2e-folder-');
const dataDir = join(harness.work, 'data');
let browser;

after(async () => {
  await browser?.deleteSession().catch(() => {});
  harness.stop();
});

test('the app started on a folder the server holds says so, then opens it once the server stops', async () => {
  assert.ok(APP && SERVER_BIN, 'SWITCHBOARD_APP and SWITCHBOARD_SERVER_BIN are set (see tests/e2e/run.sh)');
  mkdirSync(dataDir);
  const { child: server } = await harness.startAnnounced(
    SERVER_BIN,
    ['--data-dir', dataDir, '--listen', '127.0.0.1:0'],
    'server.log',
  );
  // Logs are the one thing both write; everything else must stay as the server left it.
  const listing = () => readdirSync(dataDir).filter((name) => name !== 'logs').sort();
  const before = listing();

  await harness.startDriver({ SWITCHBOARD_DATA_DIR: dataDir }, 4454);
  browser = await harness.openApp(APP);
  const problem = await browser.$('p*=Another Switchboard (the app or the server) is using this data folder');
  await problem.waitForDisplayed({ timeout: 30_000 });
  screenshot(join(import.meta.dirname, 'screenshots', '0-data-folder-in-use.png'));
  assert.deepEqual(listing(), before, 'the app left the folder as it was');

  const stopped = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await stopped;
  const retry = await browser.$('button=Try again');
  await retry.click();
  await browser.$('[data-testid="empty"]').waitForDisplayed({ timeout: 30_000 });
});
