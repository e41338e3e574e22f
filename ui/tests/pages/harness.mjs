// What every page test shares: the built UI served on loopback, opened in Debian's Chromium
// under the app's own content security policy, its IPC answered by a Node-side handler.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { chats, instances, profilePng, qrLikePng, timeline } from './fixtures.mjs';

export const uiDir = fileURLToPath(new URL('../..', import.meta.url));
export const shotsDir = join(uiDir, 'screenshots');
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

/** Builds the UI and serves it for the calling test file, stopping it when the file ends. */
export function serveBuiltUi() {
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
}

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
export async function settlesAt(locator, expected) {
  for (let tries = 0; tries < 100 && (await locator.count()) !== expected; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(await locator.count(), expected);
}

/** A toast must never cover the buttons beside what raised it. */
export async function assertToastClearOf(page, buttons) {
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
export function sidewaysOverflow(page) {
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

export async function openBrowser(theme, locale = 'en-US') {
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
