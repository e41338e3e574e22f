// Page tests: the built UI in Debian's Chromium, its IPC answered by a Node-side handler,
// under the app's own content security policy. Every main screen and dialog is checked and
// photographed in light and dark into ui/screenshots/ for a person to look at.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { chats, instances, profilePng, qrLikePng, timeline } from './fixtures.mjs';

const uiDir = fileURLToPath(new URL('../..', import.meta.url));
const shotsDir = join(uiDir, 'screenshots');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let server;
let baseUrl;
let csp;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

before(async () => {
  const conf = JSON.parse(await readFile(join(uiDir, '..', 'tauri.conf.json'), 'utf8'));
  csp = conf.app.security.csp;
  await build({ root: uiDir, logLevel: 'error' });
  const port = await freePort();
  server = await preview({ root: uiDir, logLevel: 'error', preview: { host: '127.0.0.1', port, strictPort: true } });
  baseUrl = `http://127.0.0.1:${port}/`;
  await mkdir(shotsDir, { recursive: true });
});

after(async () => {
  await new Promise((resolve) => server?.httpServer.close(resolve));
});

/** What the mocked shell knows; each screen starts from a fresh copy. */
function world() {
  return {
    instances: instances(),
    chats: chats(),
    timeline: timeline(),
    /** The saved preferences the window starts with (language, theme…). */
    prefs: {},
    calls: [],
    /** Per-command overrides: return a value, or throw { code, message }. */
    override: {},
  };
}

function engineError(code, message) {
  return { err: { code, message } };
}

function answer(w, cmd, args) {
  w.calls.push({ cmd, args });
  if (w.override[cmd]) {
    try {
      const value = w.override[cmd](args);
      // A promise answers when it settles (an export that runs until the test ends it).
      if (value instanceof Promise) return value.then((ok) => ({ ok }), (e) => engineError(e.code, e.message));
      return { ok: value };
    } catch (e) {
      return engineError(e.code, e.message);
    }
  }
  const byName = (name) => w.instances.find((i) => i.name === name);
  const found = (name) => byName(name) ?? null;
  switch (cmd) {
    case 'plugin:store|load':
      return { ok: 1 };
    case 'plugin:store|get':
      return { ok: [w.prefs[args.key] ?? null, args.key in w.prefs] };
    case 'plugin:store|set':
    case 'plugin:store|save':
      return { ok: null };
    case 'list_instances':
      return { ok: w.instances };
    case 'get_instance':
      return found(args.name) ? { ok: found(args.name) } : engineError('instance_not_found', 'no such');
    case 'check_instance_name':
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(args.name)) return engineError('invalid_name', 'bad');
      return byName(args.name) ? engineError('name_taken', 'taken') : { ok: null };
    case 'create_instance': {
      const created = {
        ...w.instances.find((i) => i.name === 'new-branch'),
        id: `id-${args.input.name}`,
        name: args.input.name,
      };
      w.instances.push(created);
      return { ok: created };
    }
    case 'connect_qr':
      return { ok: { state: 'connecting', via: 'qr', since: Date.now() } };
    case 'connect_code':
      return { ok: 'K7QM2XWP' };
    case 'set_proxy':
      return { ok: { ...found(args.name), proxy: args.proxy } };
    case 'set_webhook':
      return { ok: { ...found(args.name), webhook: null } };
    case 'reconnect':
      return { ok: { state: 'connecting', via: 'reconnect', since: Date.now() } };
    case 'list_chats':
      return { ok: w.chats };
    case 'timeline':
      return { ok: args.name ? w.timeline.filter((e) => e.instance_name === args.name) : w.timeline };
    case 'qr_image':
      return { ok: qrLikePng(args.code) };
    case 'profile_picture':
      return { ok: found(args.name)?.profile.picture_url ? profilePng() : null };
    case 'logout':
      return { ok: { instance_id: `id-${args.name}`, name: args.name, whatsapp: 'confirmed' } };
    case 'delete_instance': {
      const gone = byName(args.name);
      return {
        ok: {
          instance_id: gone.id,
          name: gone.name,
          removed: gone.counts,
          whatsapp_logout: 'confirmed',
          webhook: gone.webhook ? 'delivered' : 'not_configured',
        },
      };
    }
    case 'delete_chat': {
      const chat = w.chats.find((c) => c.jid === args.chat);
      w.chats = w.chats.filter((c) => c !== chat);
      return {
        ok: {
          chat_jid: chat.jid,
          delete_media: args.deleteMedia,
          message: 'Chat deleted successfully',
          messages_removed: chat.messages,
          media_files_removed: args.deleteMedia ? chat.media_files : 0,
          media_bytes_removed: args.deleteMedia ? chat.media_bytes : 0,
        },
      };
    }
    case 'local_api_status':
      return {
        ok: {
          settings: { enabled: false, port: 8790, all_interfaces: false },
          base_url: null,
          description_url: null,
          account_token: 'f'.repeat(64),
        },
      };
    default:
      return engineError('unknown_command', `no handler for ${cmd}`);
  }
}

// Stands in for the Tauri runtime inside the page: commands go to Node, events come back.
const bridge = () => {
  const callbacks = new Map();
  const listeners = new Map();
  let next = 1;
  window.__TAURI_INTERNALS__ = {
    metadata: {
      currentWindow: { label: 'main' },
      currentWebview: { windowLabel: 'main', label: 'main' },
    },
    transformCallback(callback, once = false) {
      const id = next++;
      callbacks.set(id, (data) => {
        if (once) callbacks.delete(id);
        return callback?.(data);
      });
      return id;
    },
    unregisterCallback(id) {
      callbacks.delete(id);
    },
    convertFileSrc(path) {
      return path;
    },
    async invoke(cmd, args = {}) {
      if (cmd === 'plugin:event|listen') {
        if (!listeners.has(args.event)) listeners.set(args.event, []);
        listeners.get(args.event).push(args.handler);
        return args.handler;
      }
      if (cmd === 'plugin:event|unlisten') {
        const ids = listeners.get(args.event) ?? [];
        listeners.set(args.event, ids.filter((id) => id !== args.eventId));
        return null;
      }
      const reply = await window.__switchboardIpc(cmd, JSON.parse(JSON.stringify(args)));
      if ('err' in reply) throw reply.err;
      return reply.ok;
    },
  };
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = {
    unregisterListener(_event, id) {
      callbacks.delete(id);
    },
  };
  window.__switchboardEmit = (event, payload) => {
    for (const id of listeners.get(event) ?? []) callbacks.get(id)?.({ event, id, payload });
  };
};

/** The list renders after its data arrives: wait for it rather than count too early. */
async function settlesAt(locator, expected) {
  for (let tries = 0; tries < 100 && (await locator.count()) !== expected; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(await locator.count(), expected);
}

/** A toast must never cover the buttons beside what raised it. */
async function assertToastClearOf(page, buttons) {
  const toast = await page.getByTestId('toast').boundingBox();
  assert.ok(toast, 'a toast is shown');
  for (const name of buttons) {
    const box = await page.getByRole('button', { name, exact: true }).boundingBox();
    const apart =
      box.x >= toast.x + toast.width || toast.x >= box.x + box.width || box.y >= toast.y + toast.height || toast.y >= box.y + box.height;
    assert.ok(apart, `the toast covers "${name}"`);
  }
}

/** What spills sideways: the page, the top bar, a scroller, or a clipped button. */
function sidewaysOverflow(page) {
  return page.evaluate(() => {
    const found = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) found.push(`the page is ${root.scrollWidth}px wide`);
    const bar = document.querySelector('.topbar');
    if (bar.scrollWidth > bar.clientWidth) found.push(`the top bar needs ${bar.scrollWidth}px`);
    for (const el of document.querySelectorAll('main *')) {
      const style = getComputedStyle(el);
      if (/auto|scroll/.test(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
        found.push(`${el.tagName.toLowerCase()}.${el.className} scrolls sideways`);
      }
    }
    for (const button of document.querySelectorAll('.topbar button, main button')) {
      const box = button.getBoundingClientRect();
      if (box.width === 0) continue;
      if (box.left < 0 || box.right > window.innerWidth) found.push(`"${button.textContent.trim()}" is outside the window`);
      if (button.scrollWidth > button.clientWidth + 1) found.push(`"${button.textContent.trim()}" is clipped`);
    }
    return found;
  });
}

async function openBrowser(theme, locale = 'en-US') {
  const profile = await mkdtemp(join(tmpdir(), 'switchboard-pages-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumFlags,
    viewport: { width: 1180, height: 760 },
    deviceScaleFactor: 1,
    colorScheme: theme,
    locale,
    timezoneId: 'America/Sao_Paulo',
  });
  const problems = [];
  // The app's own policy on every document, and nothing but loopback ever.
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.hostname !== '127.0.0.1') {
      problems.push(`remote request: ${url}`);
      return route.abort();
    }
    if (route.request().resourceType() !== 'document') return route.continue();
    const response = await route.fetch();
    return route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': csp } });
  });
  let w = world();
  await context.exposeFunction('__switchboardIpc', (cmd, args) => answer(w, cmd, args));
  await context.addInitScript(bridge);
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));

  return {
    page,
    problems,
    get world() {
      return w;
    },
    /** A fresh window on fresh data. */
    async start(setup = () => {}) {
      w = world();
      setup(w);
      await page.goto(baseUrl);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
    },
    emit: (payload) => page.evaluate((p) => window.__switchboardEmit('engine', p), payload),
    async shot(name) {
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: join(shotsDir, `${name}-${theme}.png`) });
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

for (const theme of ['light', 'dark']) {
  describe(`screens in ${theme}`, () => {
    let b;
    before(async () => {
      b = await openBrowser(theme);
    });
    after(async () => {
      await b?.close();
    });

    const openNumber = async (name) => {
      await b.page.getByRole('button', { name: `Open ${name}` }).click();
      await b.page.getByRole('heading', { level: 1, name }).waitFor();
    };

    test('numbers list', async () => {
      await b.start();
      const rows = b.page.getByTestId('instance-row');
      await settlesAt(rows, 8);
      const shop = rows.filter({ hasText: 'shop-front' });
      assert.match(await shop.innerText(), /Connected/);
      assert.match(await shop.innerText(), /356 MB/);
      assert.match(await rows.filter({ hasText: 'promo-2024' }).innerText(), /Banned by WhatsApp until/);
      assert.match(await rows.filter({ hasText: 'support' }).innerText(), /Reconnecting since .* next attempt at/);
      await b.shot('01-numbers');
      await b.page.getByRole('button', { name: /^Disconnected/ }).click();
      await settlesAt(rows, 1);
      await b.page.getByRole('button', { name: /^Reconnecting/ }).click();
      await settlesAt(rows, 1);
    });

    test('empty list', async () => {
      await b.start((w) => (w.instances = []));
      await b.page.getByTestId('empty').waitFor();
      await b.shot('02-empty');
    });

    test('add a number', async () => {
      await b.start();
      await b.page.getByRole('button', { name: '+ Add a number' }).click();
      const name = b.page.getByRole('textbox', { name: 'Name' });
      await name.fill('sales-2');
      await b.page.getByText('Another number already has this name.').waitFor();
      await name.fill('my shop');
      await b.page.getByText('no spaces or slashes').waitFor();
      await b.shot('03-add-invalid');
      await name.fill('bakery-east');
      await b.page.getByText('This name is available').waitFor();
      await b.page.getByText('Optional settings').click();
      await b.shot('04-add-options');
    });

    test('link by QR, expiry and success', async () => {
      await b.start();
      await b.page.getByRole('button', { name: '+ Add a number' }).click();
      await b.page.getByRole('textbox', { name: 'Name' }).fill('bakery-east');
      await b.page.getByText('This name is available').waitFor();
      await b.page.getByRole('button', { name: 'Add and link' }).click();
      await b.page.getByRole('heading', { name: 'Link bakery-east' }).waitFor();
      await b.emit({ type: 'qr_code', instance_id: 'id-bakery-east', code: '2@first,abc', issued_at: Date.now(), expires_at: Date.now() + 60_000 });
      const qr = b.page.getByTestId('qr-image');
      await qr.waitFor();
      const box = await qr.boundingBox();
      assert.ok(box.width >= 280, `QR is ${box.width}px wide`);
      await b.shot('05-link-qr');
      await b.emit({ type: 'qr_code', instance_id: 'id-bakery-east', code: '2@second,def', issued_at: Date.now(), expires_at: Date.now() + 20_000 });
      await b.page.getByText(/This code changes in (19|20) s/).waitFor();
      await b.emit({
        type: 'state_changed',
        instance_id: 'id-bakery-east',
        state: { state: 'disconnected', reason: 'qr_expired', since: Date.now() },
      });
      await b.page.getByRole('button', { name: 'Show a new QR' }).waitFor();
      await b.shot('06-link-expired');
      await b.page.getByRole('button', { name: 'Show a new QR' }).click();
      assert.equal(b.world.calls.filter((c) => c.cmd === 'connect_qr').length, 2);
      await b.emit({
        type: 'profile_updated',
        instance_id: 'id-bakery-east',
        profile: { phone_jid: '5511900001111@s.whatsapp.net', lid: null, push_name: 'Padaria Leste', business_name: null, picture_url: null },
      });
      await b.emit({ type: 'state_changed', instance_id: 'id-bakery-east', state: { state: 'connected', since: Date.now() } });
      await b.page.getByTestId('link-success').waitFor();
      await b.shot('07-link-success');
    });

    test('link with a phone number', async () => {
      await b.start();
      await openNumber('new-branch');
      await b.page.getByRole('button', { name: 'Link to a phone' }).click();
      await b.page.getByRole('tab', { name: 'Link with phone number instead' }).click();
      await b.page.getByRole('textbox', { name: 'Country code' }).fill('55');
      await b.page.getByRole('textbox', { name: 'Phone number' }).fill('11 91234 5678');
      await b.shot('08-link-phone-form');
      b.world.override.connect_code = () => {
        setTimeout(() => {
          b.emit({ type: 'state_changed', instance_id: 'id-new-branch', state: { state: 'connecting', via: 'code', since: Date.now() } });
          b.emit({
            type: 'pairing_code',
            instance_id: 'id-new-branch',
            code: 'K7QM2XWP',
            phone: '5511912345678',
            expires_at: Date.now() + 180_000,
          });
        }, 0);
        return 'K7QM2XWP';
      };
      await b.page.getByRole('button', { name: 'Get a code' }).click();
      await b.page.getByTestId('pairing-code').waitFor();
      assert.equal((await b.page.getByTestId('pairing-code').innerText()).trim(), 'K7QM-2XWP');
      const call = b.world.calls.find((c) => c.cmd === 'connect_code');
      assert.deepEqual(call.args, { name: 'new-branch', phone: '5511912345678' });
      assert.equal(await b.page.getByTestId('pairing-phone').innerText(), 'This code links +55 11 91234 5678 only.');
      await b.shot('09-link-phone-code');
    });

    test('instance page: chats, settings, activity', async () => {
      await b.start();
      await openNumber('shop-front');
      await b.page.getByTestId('chat-row').first().waitFor();
      assert.equal(await b.page.getByTestId('chat-row').count(), 8);
      await b.shot('10-instance-chats');
      await b.page.getByRole('tab', { name: 'Settings' }).click();
      b.world.override.set_proxy = () => {
        throw { code: 'invalid_proxy', message: 'unsupported scheme' };
      };
      await b.page.getByRole('textbox', { name: 'Proxy address' }).fill('ftp://nope');
      await b.page.getByRole('button', { name: 'Save proxy' }).click();
      await b.page.getByText('This proxy address is not valid.').waitFor();
      await b.shot('11-instance-settings');
      delete b.world.override.set_proxy;
      await b.page.getByRole('textbox', { name: 'Proxy address' }).fill('socks5://10.0.0.9:1080');
      await b.page.getByRole('button', { name: 'Save proxy' }).click();
      await assertToastClearOf(b.page, ['Save proxy', 'Remove proxy', 'Save webhook', 'Remove webhook']);
      await b.page.getByRole('tab', { name: 'Activity' }).click();
      await b.page.getByTestId('audit-row').first().waitFor();
      await b.shot('12-instance-activity');
    });

    test('a number needing attention', async () => {
      await b.start();
      await openNumber('promo-2024');
      await b.shot('13-instance-banned');
    });

    test('activity of every number', async () => {
      await b.start();
      await b.page.getByRole('button', { name: 'Activity' }).click();
      await b.page.getByTestId('audit-row').first().waitFor();
      assert.equal(await b.page.getByTestId('audit-row').count(), 9);
      // A deleted number still shows, by name and id.
      assert.match(await b.page.getByTestId('audit-row').nth(7).innerText(), /black-friday\s+deleted · id-temp/);
      await b.shot('14-activity');
    });

    test('log out dialog', async () => {
      await b.start();
      await openNumber('shop-front');
      await b.page.getByRole('button', { name: 'Log out' }).click();
      const dialog = b.page.getByRole('alertdialog');
      await dialog.waitFor();
      await b.shot('15-dialog-logout');
      await b.page.keyboard.press('Enter');
      assert.equal(b.world.calls.filter((c) => c.cmd === 'logout').length, 0);
      await b.page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    });

    test('delete instance dialog: gate, progress, result', async () => {
      await b.start();
      await openNumber('shop-front');
      await b.page.getByRole('button', { name: 'Delete number' }).click();
      const dialog = b.page.getByRole('alertdialog');
      const confirm = dialog.getByRole('button', { name: 'Delete forever' });
      await b.page.keyboard.type('shop-fron');
      assert.equal(await confirm.isDisabled(), true);
      await b.shot('16-dialog-delete-instance');
      await b.page.keyboard.press('Enter');
      assert.equal(b.world.calls.filter((c) => c.cmd === 'delete_instance').length, 0);
      await b.page.keyboard.type('t');
      assert.equal(await confirm.isDisabled(), false);
      // The typed name matches: Enter in the field confirms.
      await b.page.keyboard.press('Enter');
      await dialog.getByRole('heading', { name: 'shop-front was deleted' }).waitFor();
      await b.shot('17-dialog-delete-result');
    });

    test('delete chat dialog, connected and not', async () => {
      await b.start();
      await openNumber('shop-front');
      await b.page.getByRole('button', { name: 'Delete chat with Maria Souza' }).click();
      const dialog = b.page.getByRole('alertdialog');
      await dialog.getByRole('checkbox', { name: /Also delete the 12 media files \(24\.5 MB\)/ }).check();
      await b.shot('18-dialog-delete-chat');
      await dialog.getByRole('button', { name: 'Delete chat' }).click();
      await b.page.getByTestId('toast').waitFor();
      // The engine announces the deletion; the list follows it.
      await b.emit({
        type: 'chat_deleted',
        instance_id: 'id-shop-front',
        origin: 'local',
        report: {
          chat_jid: '5511912345678@s.whatsapp.net',
          delete_media: true,
          message: 'Chat deleted successfully (including media)',
          messages_removed: 214,
          media_files_removed: 12,
          media_bytes_removed: 24_500_000,
        },
      });
      await b.page.getByRole('button', { name: 'Delete chat with Maria Souza' }).waitFor({ state: 'detached' });
      await b.shot('19-toast-chat-deleted');

      await b.start();
      await openNumber('support');
      await b.page.getByRole('button', { name: 'Delete chat with Maria Souza' }).click();
      await b.page.getByTestId('not-connected').waitFor();
      assert.equal(await b.page.getByRole('alertdialog').getByRole('button', { name: 'Delete chat', exact: true }).isDisabled(), true);
      await b.shot('20-dialog-delete-chat-offline');
    });

    test('export with progress, and export first in the delete-chat dialog', async () => {
      await b.start((w) => {
        w.override['plugin:dialog|save'] = () => '/home/ana/Documents/shop-front.zip';
        w.override.export_to_zip = () => new Promise(() => {});
      });
      await openNumber('shop-front');
      await b.page.getByRole('button', { name: 'Export…' }).click();
      const exporting = b.page.getByRole('alertdialog', { name: 'Exporting shop-front' });
      await exporting.waitFor();
      const started = b.world.calls.find((c) => c.cmd === 'export_to_zip');
      assert.equal(started.args.request.destination, '/home/ana/Documents/shop-front.zip');
      await b.emit({ type: 'export_progress', instance_id: 'id-shop-front', export_id: started.args.request.export_id, done: 1300, total: 2000 });
      await exporting.getByText('65% written').waitFor();
      await b.shot('26-export-progress');

      await b.start((w) => {
        w.override['plugin:dialog|save'] = () => '/home/ana/Documents/maria.zip';
        w.override.export_to_zip = () => Promise.reject({ code: 'export_destination_invalid', message: 'no' });
      });
      await openNumber('shop-front');
      await b.page.getByRole('button', { name: 'Delete chat with Maria Souza' }).click();
      const d = b.page.getByRole('alertdialog', { name: 'Delete the chat with Maria Souza?' });
      await d.getByRole('button', { name: 'Export first…' }).click();
      await d.getByText('Nothing was deleted.').waitFor();
      assert.equal(b.world.calls.filter((c) => c.cmd === 'delete_chat').length, 0);
      await b.shot('27-export-first-failed');
    });

    test('another language', async () => {
      await b.start();
      await b.page.getByRole('button', { name: 'Language and theme' }).click();
      await b.shot('22-prefs');
      await b.page.getByRole('combobox', { name: 'Language' }).selectOption('pt-BR');
      await b.page.getByRole('heading', { name: 'Números' }).waitFor();
      await b.page.keyboard.press('Escape');
      await b.page.getByTestId('prefs').waitFor({ state: 'hidden' });
      await b.shot('21-numbers-pt-BR');
    });

    test('keyboard shortcuts and their help', async () => {
      await b.start();
      await b.page.keyboard.press('?');
      const help = b.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
      await help.waitFor();
      assert.match(await help.innerText(), /Add a number[\s\S]*Search on this page[\s\S]*Back to all numbers/);
      await b.shot('23-help');
      await b.page.keyboard.press('Escape');
      await help.waitFor({ state: 'detached' });
      await b.page.keyboard.press('n');
      await b.page.getByRole('heading', { name: 'Add a number' }).waitFor();
      // The name field has the focus, so N is a letter again, not a shortcut.
      await b.page.keyboard.type('n');
      assert.equal(await b.page.getByRole('textbox', { name: 'Name' }).inputValue(), 'n');
      await b.page.keyboard.press('Alt+ArrowLeft');
      assert.equal(await b.page.getByRole('textbox', { name: 'Name' }).count(), 1, 'Alt+← is ignored while typing');
      await b.page.getByRole('textbox', { name: 'Name' }).blur();
      await b.page.keyboard.press('Alt+ArrowLeft');
      await b.page.getByRole('heading', { name: 'Numbers' }).waitFor();
      await b.page.keyboard.press('/');
      assert.equal(await b.page.evaluate(() => document.activeElement?.getAttribute('type')), 'search');
    });

    test('closing the window asks whether to keep running in the tray', async () => {
      await b.start();
      await b.page.evaluate(() => window.__switchboardEmit('close-asked', null));
      const ask = b.page.getByRole('alertdialog', { name: 'Keep Switchboard running?' });
      await ask.waitFor();
      assert.match(await ask.innerText(), /Keep running in the tray/);
      await b.shot('25-close-to-tray');
      await b.page.getByRole('button', { name: 'Cancel' }).click();
      await ask.waitFor({ state: 'detached' });
    });

    test('a webhook is removed only after a confirmation', async () => {
      await b.start();
      await openNumber('shop-front');
      await b.page.getByRole('tab', { name: 'Settings' }).click();
      await b.page.getByRole('button', { name: 'Remove webhook' }).click();
      const ask = b.page.getByRole('alertdialog');
      await ask.getByRole('heading', { name: 'Remove the webhook of shop-front?' }).waitFor();
      await b.shot('24-dialog-remove-webhook');
      assert.equal(b.world.calls.filter((c) => c.cmd === 'set_webhook').length, 0);
      await ask.getByRole('button', { name: 'Remove webhook' }).click();
      await ask.waitFor({ state: 'detached' });
      assert.deepEqual(b.world.calls.filter((c) => c.cmd === 'set_webhook').map((c) => c.args), [
        { name: 'shop-front', webhook: null },
      ]);
    });

    test('nothing broke the policy or left the machine', () => {
      assert.deepEqual(b.problems, []);
    });
  });
}

// The window's minimum size (tauri.conf.json): nothing may spill sideways in any language.
describe('the narrowest window in every language', () => {
  let b;
  let minWidth;
  let minHeight;
  before(async () => {
    const conf = JSON.parse(await readFile(join(uiDir, '..', 'tauri.conf.json'), 'utf8'));
    ({ minWidth, minHeight } = conf.app.windows[0]);
    b = await openBrowser('light');
    await b.page.setViewportSize({ width: minWidth, height: minHeight });
  });
  after(async () => {
    await b?.close();
  });

  for (const locale of ['en', 'pt-BR', 'es', 'id']) {
    test(`${locale} fits`, async () => {
      assert.equal(minWidth, 860);
      await b.start((w) => (w.prefs.language = locale));
      await settlesAt(b.page.getByTestId('instance-row'), 8);
      assert.equal(await b.page.evaluate(() => document.documentElement.lang), locale);
      const add = b.page.locator('.topbar .btn.primary');
      assert.ok(await add.isVisible(), 'the add button is shown');
      assert.deepEqual(await sidewaysOverflow(b.page), []);
      await b.shot(`30-narrow-numbers-${locale}`);

      await b.page.getByTestId('instance-row').filter({ hasText: 'shop-front' }).click();
      await b.page.getByRole('heading', { level: 1, name: 'shop-front' }).waitFor();
      await b.page.getByTestId('chat-row').first().waitFor();
      assert.deepEqual(await sidewaysOverflow(b.page), []);
      await b.shot(`31-narrow-instance-${locale}`);

      await b.page.locator('#instance-tab-settings').click();
      assert.deepEqual(await sidewaysOverflow(b.page), []);
      await b.page.locator('#proxy-url').fill('socks5://10.0.0.9:1080');
      await b.page.locator('#proxy-url').press('Enter');
      await b.page.getByTestId('toast').waitFor();
      const proxyButtons = await b.page.locator('#proxy-url').locator('xpath=ancestor::form').getByRole('button').allInnerTexts();
      await assertToastClearOf(b.page, proxyButtons);

      await b.page.locator('.topbar nav button').first().click();
      await b.page.getByTestId('instance-row').filter({ hasText: 'new-branch' }).click();
      await b.page.locator('.profile .actions .btn.primary').click();
      await b.page.locator('#link-tab-code').click();
      await b.page.locator('#link-country').waitFor();
      assert.deepEqual(await sidewaysOverflow(b.page), []);
      await b.shot(`33-narrow-link-${locale}`);

      await add.click();
      await b.page.locator('#add-name').waitFor();
      assert.deepEqual(await sidewaysOverflow(b.page), []);
      await b.page.locator('#add-name').blur();
      await b.page.keyboard.press('?');
      await b.page.getByRole('dialog').waitFor();
      await b.shot(`32-narrow-help-${locale}`);
    });
  }

  test('nothing broke the policy or left the machine', () => {
    assert.deepEqual(b.problems, []);
  });
});

test('the screenshots folder is filled', async () => {
  const files = await readdir(shotsDir);
  for (const theme of ['light', 'dark']) {
    assert.ok(files.filter((f) => f.endsWith(`-${theme}.png`)).length >= 20, `${theme} screenshots`);
  }
});
