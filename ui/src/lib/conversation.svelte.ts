// One open conversation: its messages a page at a time (older pages on demand), kept
// current by engine events, and answering it. Nothing polls.
import type { ChatMessage } from '../bindings/ChatMessage';
import type { EngineEvent } from '../bindings/EngineEvent';
import { api, toApiError, type ApiError } from './api';

const PAGE = 50;

function byTime(a: ChatMessage, b: ChatMessage): number {
  return a.timestamp - b.timestamp || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export class Conversation {
  /** Oldest first, as the view shows them. */
  messages = $state<ChatMessage[]>([]);
  status = $state<'loading' | 'ready' | 'error'>('loading');
  error = $state<ApiError | null>(null);
  loadingOlder = $state(false);
  hasOlder = $state(false);
  /** Whether the last change put messages in front (an older page), for the view to keep its place. */
  grewAtStart = $state(false);
  #next: string | null = null;

  constructor(
    readonly instanceId: string,
    readonly instanceName: string,
    readonly chat: string,
  ) {}

  /** The newest page, merged with what is shown (new messages, new delivery states). */
  async loadNewest(): Promise<void> {
    try {
      const page = await api.chatMessages(this.instanceName, this.chat, null, PAGE);
      if (this.status !== 'ready') {
        this.#next = page.next;
        this.hasOlder = page.next !== null;
      }
      this.#merge(page.messages);
      this.status = 'ready';
      this.error = null;
    } catch (raw) {
      if (this.status !== 'ready') this.status = 'error';
      this.error = toApiError(raw);
    }
  }

  async loadOlder(): Promise<void> {
    if (!this.#next || this.loadingOlder) return;
    this.loadingOlder = true;
    try {
      const page = await api.chatMessages(this.instanceName, this.chat, this.#next, PAGE);
      this.#next = page.next;
      this.hasOlder = page.next !== null;
      this.#merge(page.messages);
    } catch (raw) {
      this.error = toApiError(raw);
    } finally {
      this.loadingOlder = false;
    }
  }

  /** Sends a text; throws the engine's error so the composer can keep what was typed. */
  async send(text: string): Promise<void> {
    try {
      this.#merge([await api.sendText(this.instanceName, { chat: this.chat, text })]);
    } catch (raw) {
      throw toApiError(raw);
    }
  }

  /** Sends a file from this computer, captioned; throws the engine's error like `send`. */
  async sendFile(path: string, caption: string): Promise<void> {
    try {
      const input = { chat: this.chat, path, ...(caption.trim() ? { caption } : {}) };
      this.#merge([await api.sendMedia(this.instanceName, input)]);
    } catch (raw) {
      throw toApiError(raw);
    }
  }

  /** A message as the engine answered it now (a file downloaded for it, say). */
  put(message: ChatMessage): void {
    if (message.chat_jid === this.chat) this.#merge([message]);
  }

  apply(event: EngineEvent): void {
    if (event.instance_id !== this.instanceId) return;
    if (event.type === 'messages_added' && event.chat_jid === this.chat) {
      void this.loadNewest();
    } else if (event.type === 'media_stored') {
      this.put(event.message);
    } else if (event.type === 'message_delivery' && event.chat_jid === this.chat) {
      for (const m of this.messages) {
        if (event.message_ids.includes(m.id)) m.delivery = event.delivery;
      }
    }
  }

  #merge(incoming: ChatMessage[]): void {
    const byId = new Map(this.messages.map((m) => [m.id, m]));
    for (const m of incoming) byId.set(m.id, m);
    const first = this.messages[0]?.id;
    const merged = [...byId.values()].sort(byTime);
    this.grewAtStart = first !== undefined && merged[0].id !== first;
    this.messages = merged;
  }
}
