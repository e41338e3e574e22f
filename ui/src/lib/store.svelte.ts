// What the window knows about the engine: loaded once, then kept current by applying the
// engine's events. Nothing here polls.
import type { ChatSummary } from '../bindings/ChatSummary';
import type { EngineEvent } from '../bindings/EngineEvent';
import type { Instance } from '../bindings/Instance';
import type { WebhookStatus } from '../bindings/WebhookStatus';
import { api, onEngineEvent, savePref } from './api';
import type { Conversation } from './conversation.svelte';
import { chatLabel, formatBytes } from './format';
import { i18n, t } from './i18n/index.svelte';

export interface ExpiringCode {
  code: string;
  expiresAt: number;
}

/** A pairing code, with the number it links (in international digits). */
export interface PairingCode extends ExpiringCode {
  phone: string;
}

/** A QR code, with when the engine issued it (its lifetime is the difference). */
export interface QrCode extends ExpiringCode {
  issuedAt: number;
}

export type View =
  | { name: 'list' }
  | { name: 'add' }
  | { name: 'activity' }
  | { name: 'settings' }
  | { name: 'instance'; id: string }
  | { name: 'link'; id: string };

export type Dialog =
  | { kind: 'logout'; instance: Instance }
  | { kind: 'delete-instance'; instance: Instance }
  | { kind: 'delete-chat'; instance: Instance; chat: ChatSummary }
  /** An export to `destination` (chosen in the save dialog); the whole number without a chat. */
  | { kind: 'export'; instance: Instance; chat: ChatSummary | null; destination: string }
  /** `onRemoved` lets the settings form forget the address it still shows. */
  | { kind: 'remove-webhook'; instance: Instance; onRemoved: () => void }
  | { kind: 'help' }
  | { kind: 'close' };

export interface Toast {
  id: number;
  text: string;
  tone: 'success' | 'warning' | 'error';
}

export type ChatsLoad =
  | { status: 'loading' }
  | { status: 'error'; error: unknown }
  | { status: 'ready'; chats: ChatSummary[] };

const toastMillis = 6000;

export class AppState {
  instances = $state<Record<string, Instance>>({});
  loaded = $state(false);
  loadError = $state<unknown>(null);
  view = $state<View>({ name: 'list' });
  dialog = $state<Dialog | null>(null);
  toasts = $state<Toast[]>([]);
  qr = $state<Record<string, QrCode>>({});
  pairing = $state<Record<string, PairingCode>>({});
  chats = $state<Record<string, ChatsLoad>>({});
  /** Last time each instance reported chat changes (drives "syncing" while linking). */
  chatsChangedAt = $state<Record<string, number>>({});
  /** Each webhook's last delivery and queue, as last read or announced. */
  webhookStatus = $state<Record<string, WebhookStatus>>({});
  /** Bumped when the timeline may have grown, so open timeline views reload. */
  auditVersion = $state(0);
  /** The conversation open on screen, if any: it follows the engine's events too. */
  conversation = $state<Conversation | null>(null);

  sorted = $derived(
    Object.values(this.instances).sort((a, b) =>
      a.name.localeCompare(b.name, undefined, { sensitivity: 'base', numeric: true }),
    ),
  );

  #nextToast = 1;
  #held: EngineEvent[] | null = null;
  #unlisten: (() => void) | null = null;
  #refreshing = new Map<string, Promise<void>>();
  #refreshAgain = new Set<string>();

  /**
   * Subscribes first, then lists. Events that arrive while the list is on its way are held
   * and applied on top of it, so the snapshot never overwrites something newer.
   */
  async start(): Promise<void> {
    if (!this.#unlisten) {
      this.#unlisten = await onEngineEvent((e) => (this.#held ? this.#held.push(e) : this.apply(e)));
    }
    await this.reload();
  }

  async reload(): Promise<void> {
    this.loadError = null;
    this.#held = [];
    try {
      const list = await api.listInstances();
      const byId: Record<string, Instance> = {};
      for (const instance of list) byId[instance.id] = instance;
      this.instances = byId;
      this.loaded = true;
    } catch (error) {
      this.loadError = error;
    } finally {
      const held = this.#held;
      this.#held = null;
      for (const event of held) this.apply(event);
    }
  }

  stop(): void {
    this.#unlisten?.();
    this.#unlisten = null;
  }

  /** Back to a fresh window (tests mount screen after screen on one state). */
  reset(): void {
    this.stop();
    this.instances = {};
    this.loaded = false;
    this.loadError = null;
    this.view = { name: 'list' };
    this.dialog = null;
    this.toasts = [];
    this.qr = {};
    this.pairing = {};
    this.chats = {};
    this.chatsChangedAt = {};
    this.webhookStatus = {};
    this.conversation = null;
    this.#held = null;
    this.#refreshing.clear();
    this.#refreshAgain.clear();
  }

  byName(name: string): Instance | undefined {
    return Object.values(this.instances).find((i) => i.name === name);
  }

  apply(event: EngineEvent): void {
    this.conversation?.apply(event);
    const id = event.instance_id;
    const current = this.instances[id];
    switch (event.type) {
      case 'instance_created':
      case 'instance_updated':
        this.instances[id] = event.instance;
        break;
      case 'deletion_started':
        if (current) current.deleting = true;
        break;
      case 'instance_deleted':
        delete this.instances[id];
        delete this.qr[id];
        delete this.pairing[id];
        delete this.chats[id];
        delete this.webhookStatus[id];
        this.auditVersion += 1;
        break;
      case 'state_changed':
        if (current) current.state = event.state;
        // A code belongs to the attempt that asked for it: once the instance does anything
        // else (another way of linking included), the phone would refuse it.
        if (event.state.state !== 'connecting' || event.state.via !== 'qr') delete this.qr[id];
        if (event.state.state !== 'connecting' || event.state.via !== 'code') delete this.pairing[id];
        // A lost connection, its return, a ban, an unlink: the timeline may have grown.
        if (event.state.state !== 'connecting') this.auditVersion += 1;
        break;
      case 'qr_code':
        this.qr[id] = { code: event.code, issuedAt: event.issued_at, expiresAt: event.expires_at };
        break;
      case 'pairing_code':
        this.pairing[id] = { code: event.code, phone: event.phone, expiresAt: event.expires_at };
        break;
      case 'webhook_status':
        this.webhookStatus[id] = event.status;
        break;
      case 'profile_updated':
        if (current) current.profile = event.profile;
        break;
      case 'chats_changed':
        this.chatsChangedAt[id] = Date.now();
        void this.refresh(id);
        break;
      case 'chat_deleted': {
        const load = this.chats[id];
        if (load?.status === 'ready') {
          load.chats = load.chats.filter((c) => c.jid !== event.report.chat_jid);
        }
        if (event.origin === 'phone' && current) {
          this.toast(
            t('deleteChat.fromPhone', {
              chat: chatLabel(event.report.chat_jid, null),
              name: current.name,
            }),
            'warning',
          );
        }
        this.auditVersion += 1;
        void this.refresh(id);
        break;
      }
    }
  }

  /**
   * Re-reads an instance's counts (and its chats if they are on screen). History sync can
   * send many changes at once: while one refresh runs, further requests fold into one more.
   */
  refresh(id: string): Promise<void> {
    const running = this.#refreshing.get(id);
    if (running) {
      this.#refreshAgain.add(id);
      return running;
    }
    const run = (async () => {
      do {
        this.#refreshAgain.delete(id);
        const instance = this.instances[id];
        if (!instance) return;
        try {
          const fresh = await api.getInstance(instance.name);
          if (this.instances[id]) this.instances[id] = fresh;
          if (this.chats[id]) await this.loadChats(id);
        } catch {
          // The next event or the next visit retries; a failed refresh keeps what is shown.
        }
      } while (this.#refreshAgain.has(id));
    })().finally(() => this.#refreshing.delete(id));
    this.#refreshing.set(id, run);
    return run;
  }

  async loadChats(id: string): Promise<void> {
    const instance = this.instances[id];
    if (!instance) return;
    if (!this.chats[id] || this.chats[id].status === 'error') this.chats[id] = { status: 'loading' };
    try {
      const chats = await api.listChats(instance.name);
      this.chats[id] = { status: 'ready', chats };
    } catch (error) {
      this.chats[id] = { status: 'error', error };
    }
  }

  open(view: View): void {
    this.view = view;
    if (view.name === 'instance' || view.name === 'link') {
      const instance = this.instances[view.id];
      if (instance) void savePref('lastInstance', instance.name);
    }
  }

  toast(text: string, tone: Toast['tone'] = 'success'): void {
    const id = this.#nextToast++;
    this.toasts.push({ id, text, tone });
    setTimeout(() => this.dismiss(id), toastMillis);
  }

  dismiss(id: number): void {
    this.toasts = this.toasts.filter((toast) => toast.id !== id);
  }

  size(bytes: number): string {
    return formatBytes(bytes, i18n.locale);
  }
}

export const app = new AppState();
