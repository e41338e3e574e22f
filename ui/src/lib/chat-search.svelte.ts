// A search within one chat: the engine walks the chat's pages and answers the messages
// whose text contains what was typed, newest first, a page at a time.
import type { ChatMessage } from '../bindings/ChatMessage';
import { api, toApiError, type ApiError } from './api';

const PAGE = 50;

export class ChatSearch {
  /** Newest first. */
  results = $state<ChatMessage[]>([]);
  status = $state<'idle' | 'searching' | 'ready' | 'error'>('idle');
  error = $state<ApiError | null>(null);
  hasMore = $state(false);
  #text = '';
  #next: string | null = null;
  // Answers to a search that was typed over since are dropped.
  #asked = 0;

  constructor(
    readonly instanceName: string,
    readonly chat: string,
  ) {}

  /** Starts a search for `text`; a blank one clears the results. */
  async run(text: string): Promise<void> {
    const asked = ++this.#asked;
    this.#text = text.trim();
    this.results = [];
    this.hasMore = false;
    this.error = null;
    if (!this.#text) {
      this.status = 'idle';
      return;
    }
    this.status = 'searching';
    await this.#page(asked, null);
  }

  async more(): Promise<void> {
    if (!this.#next || this.status === 'searching') return;
    this.status = 'searching';
    await this.#page(this.#asked, this.#next);
  }

  async #page(asked: number, before: string | null): Promise<void> {
    try {
      const page = await api.searchChat(this.instanceName, this.chat, this.#text, before, PAGE);
      if (asked !== this.#asked) return;
      this.results = [...this.results, ...page.messages];
      this.#next = page.next;
      this.hasMore = page.next !== null;
      this.status = 'ready';
    } catch (raw) {
      if (asked !== this.#asked) return;
      this.error = toApiError(raw);
      this.status = 'error';
    }
  }
}
