import { emit } from '@tauri-apps/api/event';
import { fireEvent, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/bindings/ChatMessage';
import type { Instance } from '../../src/bindings/Instance';
import {
  chats,
  connectedShop,
  engineEvent,
  fail,
  HOUR,
  instance,
  NOW,
  openApp,
  resetAll,
  settle,
  type Handler,
} from './fixtures';

const MARIA = '5511912345678@s.whatsapp.net';

function message(id: string, at: number, extra: Partial<ChatMessage> = {}): ChatMessage {
  return {
    id,
    chat_jid: MARIA,
    from_me: false,
    sender: MARIA,
    sender_name: 'Maria',
    timestamp: at,
    kind: 'text',
    text: `text ${id}`,
    quoted: null,
    location: null,
    file: null,
    delivery: null,
    ...extra,
  };
}

const page = () => ({
  messages: [
    message('M3', NOW - HOUR, {
      from_me: true,
      sender: null,
      sender_name: null,
      text: 'It is ready',
      delivery: 'delivered',
      quoted: { id: 'M1', text: 'Is the order ready?' },
    }),
    message('M2', NOW - 2 * HOUR, {
      kind: 'document',
      text: 'invoice.pdf',
      file: { path: '/data/invoice.pdf', bytes: 2_000_000, mime: 'application/pdf' },
    }),
    message('M1', NOW - 30 * HOUR, { text: 'Is the order ready?' }),
  ],
  next: null,
});

async function openConversation(subject: Instance, handlers: Record<string, Handler> = {}) {
  const ipc = await openApp(
    { name: 'instance', id: subject.id },
    {
      list_instances: () => [subject],
      list_chats: chats,
      audit_log: () => [],
      get_instance: () => subject,
      chat_messages: page,
      ...handlers,
    },
  );
  await fireEvent.click(screen.getByRole('button', { name: 'Open the conversation with Maria Souza' }));
  await settle();
  return ipc;
}

describe('conversation', () => {
  beforeEach(resetAll);
  afterEach(resetAll);

  it('shows the messages oldest first with day separators, files, replies and ticks', async () => {
    const ipc = await openConversation(connectedShop());
    expect(ipc.called('chat_messages')[0].args).toEqual({
      name: 'shop-front',
      chat: MARIA,
      before: null,
      limit: 50,
    });
    const bubbles = screen.getAllByTestId('message');
    expect(bubbles.map((b) => b.querySelector('p')?.textContent)).toEqual([
      'Is the order ready?',
      'invoice.pdf',
      'It is ready',
    ]);
    expect(screen.getAllByRole('separator').length).toBe(2);
    expect(bubbles[1].textContent).toContain('Document · 2 MB');
    expect(bubbles[2].textContent).toContain('In reply to: Is the order ready?');
    expect(bubbles[2].querySelector('[aria-label="Delivered"]')).toBeTruthy();
  });

  it('sends with Enter, keeps a new line with Shift+Enter, and keeps the text when sending fails', async () => {
    let refuse = true;
    const ipc = await openConversation(connectedShop(), {
      send_text: (args) => {
        if (refuse) fail('whatsapp_error');
        const input = args.input as { text: string };
        return message('M4', NOW, { from_me: true, text: input.text, delivery: 'sent' });
      },
    });
    const box = screen.getByRole('textbox', { name: /Write a message/ }) as HTMLTextAreaElement;
    await fireEvent.input(box, { target: { value: 'On my way' } });
    await fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(ipc.called('send_text')).toEqual([]);
    await fireEvent.keyDown(box, { key: 'Enter' });
    await settle();
    expect(ipc.called('send_text')[0].args).toEqual({
      name: 'shop-front',
      input: { chat: MARIA, text: 'On my way' },
    });
    expect(screen.getByRole('alert').textContent).toBeTruthy();
    expect(box.value).toBe('On my way');

    refuse = false;
    await fireEvent.keyDown(box, { key: 'Enter' });
    await settle();
    expect(box.value).toBe('');
    const last = screen.getAllByTestId('message').at(-1)!;
    expect(last.textContent).toContain('On my way');
    expect(last.querySelector('[aria-label="Sent"]')).toBeTruthy();
  });

  it('follows receipts and new messages from engine events', async () => {
    let current = page();
    await openConversation(connectedShop(), { chat_messages: () => current });
    await engineEvent({
      type: 'message_delivery',
      instance_id: 'id-shop-front',
      chat_jid: MARIA,
      message_ids: ['M3'],
      delivery: 'read',
    });
    expect(screen.getAllByTestId('message')[2].querySelector('[aria-label="Read"]')).toBeTruthy();
    current = { ...page(), messages: [message('M5', NOW, { text: 'Thanks!' }), ...page().messages] };
    await engineEvent({ type: 'messages_added', instance_id: 'id-shop-front', chat_jid: MARIA });
    expect(screen.getAllByTestId('message').at(-1)!.textContent).toContain('Thanks!');
  });

  it('searches the chat once typing pauses, pages older matches, and says when nothing matches', async () => {
    const ipc = await openConversation(connectedShop(), {
      search_chat: (args) =>
        args.text === 'order'
          ? args.before === null
            ? { messages: [message('M1', NOW - 30 * HOUR, { text: 'Is the order ready?' })], next: 'cursor-1' }
            : { messages: [message('M0', NOW - 40 * HOUR, { text: 'Order 42, please' })], next: null }
          : { messages: [], next: null },
    });
    const box = screen.getByRole('searchbox', { name: 'Search this chat' });
    await fireEvent.input(box, { target: { value: 'ord' } });
    await fireEvent.input(box, { target: { value: ' order ' } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await settle();
    expect(ipc.called('search_chat').map((c) => c.args)).toEqual([
      { name: 'shop-front', chat: MARIA, text: 'order', before: null, limit: 50 },
    ]);
    const results = screen.getByTestId('search-results');
    expect(results.textContent).toContain('Is the order ready?');
    expect(screen.queryByRole('textbox', { name: /Write a message/ })).toBeTruthy();

    await fireEvent.click(screen.getByRole('button', { name: 'Search older messages' }));
    await settle();
    expect(ipc.called('search_chat')[1].args.before).toBe('cursor-1');
    expect(screen.getByTestId('search-results').textContent).toContain('Order 42, please');
    expect(screen.queryByRole('button', { name: 'Search older messages' })).toBeNull();

    await fireEvent.input(box, { target: { value: 'pix' } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await settle();
    expect(screen.getByTestId('search-results').textContent).toContain('No message in this chat contains “pix”.');

    await fireEvent.input(box, { target: { value: '' } });
    await settle();
    expect(screen.queryByTestId('search-results')).toBeNull();
    expect(screen.getAllByTestId('message').length).toBe(3);
  });

  it('shows stored pictures inline as previews, and keeps the chip when none can be made', async () => {
    const photo = 'data:image/jpeg;base64,/9j/preview';
    const ipc = await openConversation(connectedShop(), {
      chat_messages: () => ({
        messages: [
          message('P2', NOW - HOUR, { kind: 'image', text: 'broken', file: { path: '/d/p2.jpg', bytes: 900, mime: 'image/jpeg' } }),
          message('P1', NOW - 2 * HOUR, { kind: 'image', text: 'the shelf', file: { path: '/d/p1.jpg', bytes: 800_000, mime: 'image/jpeg' } }),
          message('P0', NOW - 3 * HOUR, { kind: 'image', text: 'not downloaded' }),
        ],
        next: null,
      }),
      media_thumbnail: (args) => (args.messageId === 'P1' ? photo : fail('unsupported_media')),
    });
    await settle();
    const bubbles = screen.getAllByTestId('message');
    const shown = bubbles[1].querySelector('img') as HTMLImageElement;
    expect(shown.getAttribute('src')).toBe(photo);
    expect(shown.getAttribute('alt')).toBe('Photo · 800 kB');
    expect(bubbles[2].querySelector('img')).toBeNull();
    expect(bubbles[2].textContent).toContain('Photo · 900 bytes');
    expect(bubbles[0].textContent).toContain('Photo (not downloaded)');
    expect(ipc.called('media_thumbnail').map((c) => c.args.messageId).sort()).toEqual(['P1', 'P2']);
  });

  it('attaches a file chosen in the dialog or dropped on the window, captioned with what was typed', async () => {
    let refuse = true;
    const ipc = await openConversation(connectedShop(), {
      'plugin:dialog|open': () => '/home/ana/shelf.jpg',
      send_media: (args) => {
        if (refuse) fail('media_too_large');
        const input = args.input as { path: string; caption?: string };
        return message(`F-${input.path}`, NOW, { from_me: true, kind: 'document', text: input.caption ?? null, delivery: 'sent' });
      },
    });
    const box = screen.getByRole('textbox', { name: /Write a message/ }) as HTMLTextAreaElement;
    await fireEvent.input(box, { target: { value: 'The new shelf' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Attach…' }));
    await settle();
    expect(ipc.called('send_media')[0].args).toEqual({
      name: 'shop-front',
      input: { chat: MARIA, path: '/home/ana/shelf.jpg', caption: 'The new shelf' },
    });
    expect(screen.getByRole('alert').textContent).toBeTruthy();
    expect(box.value).toBe('The new shelf');

    refuse = false;
    await emit('tauri://drag-drop', { paths: ['/tmp/a.pdf', '/tmp/b.pdf'], position: { x: 10, y: 10 } });
    await settle();
    expect(ipc.called('send_media').slice(1).map((c) => c.args.input)).toEqual([
      { chat: MARIA, path: '/tmp/a.pdf', caption: 'The new shelf' },
      { chat: MARIA, path: '/tmp/b.pdf' },
    ]);
    expect(box.value).toBe('');
  });

  it('opens a stored file with the system\'s app or saves it where chosen, and says when it is gone', async () => {
    let gone = false;
    let chosen: string | null = '/home/ana/Documents/invoice.pdf';
    const ipc = await openConversation(connectedShop(), {
      open_media: () => (gone ? fail('media_not_found') : null),
      'plugin:dialog|save': () => chosen,
      save_media: () => (gone ? fail('media_not_found') : null),
    });
    const invoice = screen.getAllByTestId('message')[1];
    const button = (name: string) =>
      [...invoice.querySelectorAll('button')].find((b) => b.textContent?.trim() === name)!;
    expect(screen.getAllByTestId('message')[0].querySelector('button')).toBeNull();

    await fireEvent.click(button('Open'));
    await settle();
    expect(ipc.called('open_media')[0].args).toEqual({ name: 'shop-front', chat: MARIA, messageId: 'M2' });

    await fireEvent.click(button('Save as…'));
    await settle();
    expect(ipc.called('plugin:dialog|save')[0].args).toMatchObject({
      options: { defaultPath: 'invoice.pdf', filters: [{ name: 'Document', extensions: ['pdf'] }] },
    });
    expect(ipc.called('save_media')[0].args).toEqual({
      name: 'shop-front',
      chat: MARIA,
      messageId: 'M2',
      destination: '/home/ana/Documents/invoice.pdf',
    });
    expect(invoice.querySelector('[role="alert"]')).toBeNull();

    chosen = null;
    await fireEvent.click(button('Save as…'));
    await settle();
    expect(ipc.called('save_media').length).toBe(1);

    gone = true;
    await fireEvent.click(button('Open'));
    await settle();
    expect(invoice.querySelector('[role="alert"]')?.textContent).toBe('This media file is no longer available.');
  });

  it('downloads a file left on WhatsApp on demand, with a spinner, and says when WhatsApp no longer has it', async () => {
    let answer: (() => ChatMessage) | null = null;
    let release: () => void = () => {};
    const ipc = await openConversation(connectedShop(), {
      chat_messages: () => ({
        messages: [
          message('D2', NOW - HOUR, { kind: 'document', text: 'old.pdf' }),
          message('D1', NOW - 2 * HOUR, { kind: 'document', text: 'invoice.pdf' }),
          message('T1', NOW - 3 * HOUR, { text: 'hello' }),
        ],
        next: null,
      }),
      download_media: (args) =>
        new Promise<ChatMessage>((resolve, reject) => {
          release = () => {
            try {
              resolve(answer!());
            } catch (e) {
              reject(e);
            }
          };
          void args;
        }),
    });
    const bubble = (id: string) =>
      screen.getAllByTestId('message').find((b) => b.textContent?.includes(id === 'D1' ? 'invoice.pdf' : 'old.pdf'))!;
    const button = (b: HTMLElement, name: RegExp) => [...b.querySelectorAll('button')].find((x) => name.test(x.textContent ?? ''))!;
    expect(screen.getAllByTestId('message')[0].querySelector('button')).toBeNull();
    expect(bubble('D1').textContent).toContain('Document (not downloaded)');

    answer = () =>
      message('D1', NOW - 2 * HOUR, {
        kind: 'document',
        text: 'invoice.pdf',
        file: { path: '/data/D1.pdf', bytes: 19, mime: 'application/pdf' },
      });
    await fireEvent.click(button(bubble('D1'), /^Download$/));
    await settle();
    expect(ipc.called('download_media')[0].args).toEqual({ name: 'shop-front', chat: MARIA, messageId: 'D1' });
    const busy = button(bubble('D1'), /Downloading…/);
    expect(busy.disabled).toBe(true);
    expect(busy.querySelector('.spinner')).toBeTruthy();
    release();
    await settle();
    expect(bubble('D1').textContent).toContain('Document · 19 bytes');
    expect(button(bubble('D1'), /^Open$/)).toBeTruthy();

    answer = () => fail('media_expired');
    await fireEvent.click(button(bubble('D2'), /^Download$/));
    await settle();
    release();
    await settle();
    expect(bubble('D2').querySelector('[role="alert"]')?.textContent).toBe(
      'WhatsApp no longer has this file. Ask the sender to send it again.',
    );
    expect(button(bubble('D2'), /^Download$/).disabled).toBe(false);

    // A file stored meanwhile (downloaded elsewhere) shows live from the engine's event.
    await engineEvent({
      type: 'media_stored',
      instance_id: 'id-shop-front',
      chat_jid: MARIA,
      message: message('D2', NOW - HOUR, {
        kind: 'document',
        text: 'old.pdf',
        file: { path: '/data/D2.pdf', bytes: 2_000, mime: 'application/pdf' },
      }),
    });
    expect(bubble('D2').textContent).toContain('Document · 2 kB');
    expect(bubble('D2').querySelector('[role="alert"]')).toBeNull();
  });

  it('disables the composer with the reason when the number is not connected', async () => {
    const offline = instance('shop-front', { state: 'disconnected', reason: 'idle', since: NOW });
    await openConversation(offline);
    expect(screen.getByTestId('composer-offline').textContent).toContain('not connected');
    expect((screen.getByRole('textbox', { name: /Write a message/ }) as HTMLTextAreaElement).disabled).toBe(
      true,
    );
  });
});
