// Realistic engine data for component tests, and a mocked shell that records every call.
import type { AuditRecord } from '../../src/bindings/AuditRecord';
import type { TimelineEntry } from '../../src/bindings/TimelineEntry';
import { emit } from '@tauri-apps/api/event';
import { cleanup, render } from '@testing-library/svelte';
import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { tick } from 'svelte';
import { forgetPictures } from '../../src/lib/pictures';
import App from '../../src/App.svelte';
import type { ChatSummary } from '../../src/bindings/ChatSummary';
import type { LocalApiStatus } from '../../src/bindings/commands';
import type { EngineEvent } from '../../src/bindings/EngineEvent';
import type { Instance } from '../../src/bindings/Instance';
import type { InstanceState } from '../../src/bindings/InstanceState';
import { resetPrefsCache } from '../../src/lib/api';
import { i18n } from '../../src/lib/i18n/index.svelte';
import { app, type View } from '../../src/lib/store.svelte';

export const HOUR = 3_600_000;
export const NOW = Date.UTC(2026, 10, 20, 15, 0, 0);

export function instance(name: string, state: InstanceState, extra: Partial<Instance> = {}): Instance {
  return {
    id: `id-${name}`,
    name,
    token: `token-${name}`,
    state,
    profile: { phone_jid: null, lid: null, push_name: null, business_name: null, picture_url: null },
    settings: {
      reject_calls: false,
      reject_call_message: null,
      ignore_groups: false,
      always_online: false,
      mark_messages_read: false,
      auto_download_media: false,
    },
    webhook: null,
    proxy: null,
    counts: { chats: 0, messages: 0, media_files: 0, media_bytes: 0 },
    deleting: false,
    paired: false,
    created_at: NOW - 30 * 24 * HOUR,
    ...extra,
  };
}

export const connectedShop = (): Instance =>
  instance(
    'shop-front',
    { state: 'connected', since: NOW - 5 * HOUR },
    {
      paired: true,
      profile: {
        phone_jid: '5511987654321@s.whatsapp.net',
        lid: '1234567890@lid',
        push_name: 'Padaria Central',
        business_name: 'Padaria Central Ltda',
        picture_url: null,
      },
      counts: { chats: 42, messages: 1873, media_files: 128, media_bytes: 356_400_000 },
      webhook: {
        url: 'https://hooks.example.com/wa',
        events: [],
        authorization: null,
        secret: 'whsec_3f9a',
        format: 'switchboard',
        by_events: false,
      },
    },
  );

export const chats = (): ChatSummary[] => [
  {
    jid: '5511912345678@s.whatsapp.net',
    name: 'Maria Souza',
    last_message_at: NOW - 2 * HOUR,
    messages: 214,
    media_files: 12,
    media_bytes: 24_500_000,
  },
  {
    jid: '5521998887766@s.whatsapp.net',
    name: null,
    last_message_at: NOW - 26 * HOUR,
    messages: 9,
    media_files: 0,
    media_bytes: 0,
  },
  {
    jid: '120363025246125888@g.us',
    name: 'Suppliers',
    last_message_at: NOW - 3 * HOUR,
    messages: 530,
    media_files: 40,
    media_bytes: 88_000_000,
  },
];

export type Handler = (args: Record<string, unknown>) => unknown;

/** Destructive actions as the timeline carries them. */
export const asTimeline = (records: AuditRecord[]): TimelineEntry[] =>
  records.map((record) => ({
    instance_id: record.instance_id,
    instance_name: record.instance_name,
    at: record.at,
    item: { action: record },
  }));

/** The local API as a fresh install has it: off, on the default port. */
export const localApiOff = (): LocalApiStatus => ({
  settings: { enabled: false, port: 8790, all_interfaces: false },
  base_url: null,
  description_url: null,
  account_token: 'a'.repeat(64),
});

/** Commands every screen may call that a test need not think about. */
const defaults: Record<string, Handler> = {
  local_api_status: localApiOff,
  webhook_status: () => ({ last_delivery: null, pending: 0 }),
};

/** Installs a mocked shell; unknown commands fail the way a missing command would. */
export function shell(handlers: Record<string, Handler>) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  const prefs = new Map<string, unknown>();
  mockWindows('main');
  mockIPC(
    async (cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      if (cmd.startsWith('plugin:store|')) {
        if (cmd === 'plugin:store|load') return 1;
        if (cmd === 'plugin:store|get') return [prefs.get(args.key as string), prefs.has(args.key as string)];
        if (cmd === 'plugin:store|set') return void prefs.set(args.key as string, args.value);
        return null;
      }
      calls.push({ cmd, args });
      const handler = handlers[cmd] ?? defaults[cmd];
      if (!handler) throw { code: 'unknown_command', message: `no handler for ${cmd}` };
      return handler(args);
    },
    { shouldMockEvents: true },
  );
  return {
    calls,
    prefs,
    called: (cmd: string) => calls.filter((c) => c.cmd === cmd),
  };
}

/** Renders the whole app over a mocked shell, then opens `view` once the start-up calls settled. */
export async function openApp(view: View, handlers: Record<string, Handler>) {
  const ipc = shell(handlers);
  render(App);
  await settle();
  app.open(view);
  await settle();
  return ipc;
}

/** A number's page with its chats and an empty timeline; `handlers` add or replace commands. */
export const openNumberPage = (subject: Instance, handlers: Record<string, Handler> = {}) =>
  openApp(
    { name: 'instance', id: subject.id },
    {
      list_instances: () => [subject],
      list_chats: chats,
      timeline: () => [],
      get_instance: () => subject,
      ...handlers,
    },
  );

/** A rejection the way the shell sends it. */
export function fail(code: string, message = `${code}: technical detail`): never {
  throw { code, message };
}

export async function engineEvent(event: EngineEvent): Promise<void> {
  await emit('engine', event);
  await settle();
}

/** Lets promises and Svelte updates run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setTimeout(r, 0));
    await tick();
  }
}

export function resetAll(): void {
  cleanup();
  app.reset();
  clearMocks();
  resetPrefsCache();
  forgetPictures();
  i18n.apply('en');
  delete document.documentElement.dataset.theme;
}
