import { fireEvent, screen, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/bindings/AuditRecord';
import type { Instance } from '../../src/bindings/Instance';
import { app } from '../../src/lib/store.svelte';
import {
  asTimeline,
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

const audit = (): AuditRecord[] => [
  {
    id: 1,
    action: 'delete_chat',
    instance_id: 'id-shop-front',
    instance_name: 'shop-front',
    target: '5511912345678@s.whatsapp.net',
    at: NOW - HOUR,
    result: 'ok',
    removed: { chats: 1, messages: 80, media_files: 3, media_bytes: 2_000_000 },
    detail: null,
    requested_by: 'phone' as const,
  },
  {
    id: 2,
    action: 'logout',
    instance_id: 'id-shop-front',
    instance_name: 'shop-front',
    target: null,
    at: NOW - 2 * HOUR,
    result: 'timeout',
    removed: { chats: 0, messages: 0, media_files: 0, media_bytes: 0 },
    detail: 'remove-companion-device was not acknowledged',
    requested_by: 'window' as const,
  },
];

const openPage = (subject: Instance, handlers: Record<string, Handler> = {}) =>
  openApp(
    { name: 'instance', id: subject.id },
    {
      list_instances: () => [subject],
      list_chats: chats,
      timeline: () => asTimeline(audit()),
      get_instance: () => subject,
      ...handlers,
    },
  );

describe('instance page', () => {
  beforeEach(resetAll);
  afterEach(resetAll);

  it('shows the profile, the state in words and the counts', async () => {
    await openPage(connectedShop());
    expect(screen.getByRole('heading', { name: 'shop-front' })).toBeTruthy();
    expect(document.body.textContent).toContain('(11) 98765-4321');
    expect(document.body.textContent).toContain('Padaria Central Ltda');
    expect(screen.getByTestId('state-description').textContent).toContain('Connected since');
    expect(document.body.textContent).toContain('42 chats · 1,873 messages · 128 media files (356 MB)');
  });

  it('lists chats with last message, messages and media, and searches them', async () => {
    const ipc = await openPage(connectedShop());
    expect(ipc.called('list_chats')).toEqual([{ cmd: 'list_chats', args: { name: 'shop-front' } }]);
    const rows = screen.getAllByTestId('chat-row');
    expect(rows.map((r) => r.querySelector('strong')?.textContent)).toEqual([
      'Maria Souza',
      'Suppliers',
      '+55 21 99888 7766',
    ]);
    expect(rows[0].textContent).toContain('214');
    expect(rows[0].textContent).toContain('12 · 24.5 MB');
    const search = screen.getByRole('searchbox', { name: 'Search chats by name or number' });
    await fireEvent.input(search, { target: { value: '99888' } });
    expect(screen.getAllByTestId('chat-row')).toHaveLength(1);
    await fireEvent.input(search, { target: { value: 'supp' } });
    expect(screen.getAllByTestId('chat-row')[0].textContent).toContain('Suppliers');
    await fireEvent.input(search, { target: { value: 'zzz' } });
    expect(screen.getByText('No chat matches this search.')).toBeTruthy();
  });

  it('re-reads chats and counts when the engine says they changed', async () => {
    let round = 0;
    const ipc = await openPage(connectedShop(), {
      list_chats: () => (round++ === 0 ? chats().slice(0, 1) : chats()),
    });
    expect(screen.getAllByTestId('chat-row')).toHaveLength(1);
    await engineEvent({ type: 'chats_changed', instance_id: 'id-shop-front' });
    expect(screen.getAllByTestId('chat-row')).toHaveLength(3);
    expect(ipc.called('get_instance')).toHaveLength(1);
  });

  it('says when the chats cannot be loaded', async () => {
    await openPage(connectedShop(), { list_chats: () => fail('io_error') });
    expect(screen.getByRole('alert').textContent).toContain('could not read or write its files');
  });

  it('reconnects a dropped number and shows not_paired in words', async () => {
    const dropped = instance('support', { state: 'disconnected', reason: 'failed', since: NOW }, { paired: true });
    const ipc = await openPage(dropped, { reconnect: () => fail('not_paired') });
    await fireEvent.click(screen.getByRole('button', { name: 'Reconnect' }));
    await settle();
    expect(ipc.called('reconnect')).toEqual([{ cmd: 'reconnect', args: { name: 'support' } }]);
    expect(screen.getByTestId('toast').textContent).toContain('not linked to a phone yet');
  });

  it('reads reconnecting with the next attempt while the link is down, and offers no inert button', async () => {
    const next = Date.now() + 21_000;
    const down = instance('support', { state: 'reconnecting', next_attempt: next, since: NOW }, { paired: true });
    await openPage(down);
    const line = screen.getByTestId('state-description').textContent;
    expect(line).toContain('Reconnecting since');
    expect(line).toContain('next attempt at');
    expect(screen.getByTestId('state-badge').textContent).toBe('Reconnecting');
    expect(screen.queryByRole('button', { name: 'Reconnect' })).toBeNull();
  });

  it('offers Reconnect once a temporary ban is over, and not before', async () => {
    const banned = (until: number) => instance('promo', { state: 'banned', until, since: NOW }, { paired: true });
    await openPage(banned(Date.now() + HOUR));
    expect(screen.queryByRole('button', { name: 'Reconnect' })).toBeNull();
    resetAll();
    const ipc = await openPage(banned(Date.now() - 1000), {
      reconnect: () => ({ state: 'connecting', via: 'reconnect', since: Date.now() }),
    });
    expect(screen.getByTestId('state-description').textContent).toContain('The WhatsApp ban is over');
    await fireEvent.click(screen.getByRole('button', { name: 'Reconnect' }));
    await settle();
    expect(ipc.called('reconnect')).toEqual([{ cmd: 'reconnect', args: { name: 'promo' } }]);
  });

  it('tells in its timeline what happened to the number, whoever did it', async () => {
    const happened = [
      { instance_id: 'id-shop-front', instance_name: 'shop-front', at: NOW - 10 * 60_000, item: { happened: { kind: 'connection_back', after_ms: 134_000 } } },
      { instance_id: 'id-shop-front', instance_name: 'shop-front', at: NOW - 13 * 60_000, item: { happened: { kind: 'connection_lost', detail: 'WhatsApp stopped answering the keepalive' } } },
      { instance_id: 'id-shop-front', instance_name: 'shop-front', at: NOW - 3 * HOUR, item: { happened: { kind: 'webhook_failed', event: 'MESSAGES_UPSERT', detail: 'refused with status 410' } } },
      { instance_id: 'id-shop-front', instance_name: 'shop-front', at: NOW - 4 * HOUR, item: { happened: { kind: 'unlinked_by_phone' } } },
      { instance_id: 'id-shop-front', instance_name: 'shop-front', at: NOW - 5 * HOUR, item: { happened: { kind: 'linked' } } },
    ];
    await openPage(connectedShop(), { timeline: () => [...happened, ...asTimeline(audit())] });
    await fireEvent.click(screen.getByRole('tab', { name: 'Activity' }));
    await settle();
    const rows = screen.getAllByTestId('audit-row').map((r) => r.textContent ?? '');
    expect(rows[0]).toContain('Connected again after 2 minutes');
    expect(rows[1]).toContain('Connection lost');
    expect(rows[1]).toContain('WhatsApp stopped answering the keepalive');
    expect(rows[2]).toContain('Deleted chat +55 11 91234 5678');
    expect(rows[3]).toContain('Logged out');
    expect(rows[4]).toContain('Webhook MESSAGES_UPSERT not delivered');
    expect(rows[5]).toContain('Unlinked from the phone');
    expect(rows[6]).toContain('Linked to its phone');
  });

  it('offers to link a logged-out number again', async () => {
    await openPage(instance('old-line', { state: 'loggedout', cause: 'user', since: NOW }));
    expect(screen.queryByRole('button', { name: 'Log out' })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Link to a phone' }));
    expect(app.view).toEqual({ name: 'link', id: 'id-old-line' });
  });

  it('saves each setting as it is switched, and puts it back when refused', async () => {
    let refuse = false;
    const ipc = await openPage(connectedShop(), {
      update_settings: ({ settings }) => {
        if (refuse) fail('invalid_settings');
        return { ...connectedShop(), settings };
      },
    });
    await fireEvent.click(screen.getByRole('tab', { name: 'Settings' }));
    const online = screen.getByRole('switch', { name: /Always online/ }) as HTMLInputElement;
    await fireEvent.click(online);
    await settle();
    expect(ipc.called('update_settings')[0].args).toMatchObject({
      name: 'shop-front',
      settings: { always_online: true },
    });
    refuse = true;
    const groups = screen.getByRole('switch', { name: /Ignore groups/ }) as HTMLInputElement;
    await fireEvent.click(groups);
    await settle();
    expect(groups.checked).toBe(false);
    expect(screen.getByRole('alert').textContent).toContain('These settings do not fit together.');
  });

  it('validates the webhook and the proxy with the engine and shows errors in words', async () => {
    const ipc = await openPage(connectedShop(), {
      set_webhook: ({ webhook }) =>
        (webhook as { url: string }).url.startsWith('ftp:') ? fail('invalid_webhook') : connectedShop(),
      set_proxy: ({ proxy }) => (proxy === 'nonsense' ? fail('invalid_proxy') : { ...connectedShop(), proxy }),
    });
    await fireEvent.click(screen.getByRole('tab', { name: 'Settings' }));
    expect((screen.getByRole('textbox', { name: 'Signing secret' }) as HTMLInputElement).value).toBe('whsec_3f9a');
    const url = screen.getByRole('textbox', { name: 'Address (URL)' });
    await fireEvent.input(url, { target: { value: 'ftp://files.example.com' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save webhook' }));
    await settle();
    expect(screen.getByRole('alert').textContent).toContain('This webhook address is not valid.');
    expect(url.getAttribute('aria-invalid')).toBe('true');

    const proxy = screen.getByRole('textbox', { name: 'Proxy address' });
    await fireEvent.input(proxy, { target: { value: 'nonsense' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save proxy' }));
    await settle();
    expect(screen.getAllByRole('alert').map((a) => a.textContent).join()).toContain('This proxy address is not valid.');
    await fireEvent.input(proxy, { target: { value: 'socks5://proxy.local:1080' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save proxy' }));
    await settle();
    expect(ipc.called('set_proxy').at(-1)?.args).toEqual({ name: 'shop-front', proxy: 'socks5://proxy.local:1080' });
    expect(screen.getByTestId('toast').textContent).toContain('Proxy saved');
  });

  it('marks the Authorization field, not the URL, when the Authorization value is wrong', async () => {
    const ipc = await openPage(connectedShop(), {
      set_webhook: () => fail('invalid_webhook_authorization'),
    });
    await fireEvent.click(screen.getByRole('tab', { name: 'Settings' }));
    const url = screen.getByRole('textbox', { name: 'Address (URL)' });
    const auth = screen.getByRole('textbox', { name: /Authorization header/ });
    await fireEvent.input(url, { target: { value: 'https://hooks.example.com/in' } });
    await fireEvent.input(auth, { target: { value: `Bearer ${'a'.repeat(4100)}` } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save webhook' }));
    await settle();
    expect(screen.getByRole('alert').textContent).toBe(
      'The Authorization value has 4,107 characters; at most 4,096 are allowed.',
    );
    expect(auth.getAttribute('aria-invalid')).toBe('true');
    expect(url.getAttribute('aria-invalid')).toBeNull();
    expect(ipc.called('set_webhook')).toHaveLength(0);
    // What only the engine can judge is marked on the same field.
    await fireEvent.input(auth, { target: { value: 'Bearer ok' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save webhook' }));
    await settle();
    expect(screen.getByRole('alert').textContent).toContain('This Authorization value is not valid.');
    expect(auth.getAttribute('aria-invalid')).toBe('true');
    expect(url.getAttribute('aria-invalid')).toBeNull();
  });

  it('says a proxy that failed in words, on the page and in its badge line', async () => {
    const refused = instance(
      'support',
      { state: 'disconnected', reason: 'proxy_auth_failed', detail: 'the proxy 10.0.0.2:1080 refused the login', since: NOW },
      { paired: true },
    );
    await openPage(refused);
    expect(screen.getByTestId('state-description').textContent).toContain('The proxy refused the user name or password');
    expect(screen.getByRole('button', { name: 'Reconnect' })).toBeTruthy();
  });

  it('saves an S3 bucket only when the engine tested it, and never shows the secret again', async () => {
    const saved = {
      ...connectedShop(),
      s3: {
        config: {
          endpoint: 'https://s3.example.com',
          region: 'us-east-1',
          bucket: 'shop-media',
          prefix: 'wa',
          access_key: 'AKIA1',
          secret_key: '********',
          path_style: true,
        },
        uploads_pending: 3,
      },
    };
    const ipc = await openPage(connectedShop(), {
      set_s3: ({ s3 }) => ((s3 as { bucket: string }).bucket === 'missing' ? fail('s3_no_such_bucket') : saved),
    });
    await fireEvent.click(screen.getByRole('tab', { name: 'Settings' }));
    const type = (name: string, value: string) =>
      fireEvent.input(screen.getByLabelText(name), { target: { value } });
    await type('Endpoint URL', 'https://s3.example.com');
    await type('Bucket', 'missing');
    await type('Access key', 'AKIA1');
    await type('Secret key', 'very-secret');
    await fireEvent.click(screen.getByRole('button', { name: 'Test and save' }));
    await settle();
    expect(screen.getByRole('alert').textContent).toContain('There is no bucket with that name at this endpoint.');
    await type('Bucket', 'shop-media');
    await type('Key prefix (optional)', 'wa');
    await fireEvent.click(screen.getByRole('button', { name: 'Test and save' }));
    await settle();
    expect(ipc.called('set_s3').at(-1)?.args).toEqual({
      name: 'shop-front',
      s3: {
        endpoint: 'https://s3.example.com',
        region: '',
        bucket: 'shop-media',
        prefix: 'wa',
        access_key: 'AKIA1',
        path_style: true,
        secret_key: 'very-secret',
      },
    });
    expect(screen.getByTestId('toast').textContent).toContain('Bucket tested and saved');
    expect((screen.getByLabelText('Secret key') as HTMLInputElement).value).toBe('');
    expect(screen.getByTestId('s3-pending').textContent).toContain('3 uploads waiting for the bucket');
  });

  it('asks before removing the webhook, and removes it only when confirmed', async () => {
    let refuse = true;
    const ipc = await openPage(connectedShop(), {
      set_webhook: () => (refuse ? fail('storage_error') : { ...connectedShop(), webhook: null }),
    });
    await fireEvent.click(screen.getByRole('tab', { name: 'Settings' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Remove webhook' }));
    const ask = screen.getByRole('alertdialog');
    expect(within(ask).getByRole('heading', { name: 'Remove the webhook of shop-front?' })).toBeTruthy();
    expect(ask.textContent).toContain('stops sending the events of shop-front to hooks.example.com');
    expect(document.activeElement).toBe(within(ask).getByRole('button', { name: 'Cancel' }));
    await fireEvent.click(within(ask).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(ipc.called('set_webhook')).toHaveLength(0);
    expect(screen.getByRole('textbox', { name: 'Signing secret' })).toBeTruthy();

    // A refusal is said in the dialog and keeps the webhook.
    await fireEvent.click(screen.getByRole('button', { name: 'Remove webhook' }));
    await fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Remove webhook' }));
    await settle();
    expect(within(screen.getByRole('alertdialog')).getByRole('alert').textContent).toContain('could not read or write');
    expect(app.instances['id-shop-front'].webhook).not.toBeNull();

    refuse = false;
    await fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Remove webhook' }));
    await settle();
    expect(ipc.called('set_webhook').at(-1)?.args).toEqual({ name: 'shop-front', webhook: null });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(screen.queryByRole('textbox', { name: 'Signing secret' })).toBeNull();
    expect((screen.getByRole('textbox', { name: 'Address (URL)' }) as HTMLInputElement).value).toBe('');
    expect(screen.getByTestId('toast').textContent).toContain('Webhook removed');
  });

  it('shows the audit log of destructive actions with results in words', async () => {
    const ipc = await openPage(connectedShop());
    await fireEvent.click(screen.getByRole('tab', { name: 'Activity' }));
    await settle();
    expect(ipc.called('timeline')[0].args).toEqual({ name: 'shop-front' });
    const rows = screen.getAllByTestId('audit-row');
    expect(rows[0].textContent).toContain('Deleted chat +55 11 91234 5678');
    expect(rows[0].textContent).toContain('1 chat, 80 messages, 3 media files (2 MB)');
    expect(rows[1].textContent).toContain('WhatsApp did not answer in time.');
    expect(rows[1].textContent).not.toContain('remove-companion-device');
  });

  it('moves between tabs with the arrow keys', async () => {
    await openPage(connectedShop());
    const chatsTab = screen.getByRole('tab', { name: 'Chats' });
    chatsTab.focus();
    await fireEvent.keyDown(chatsTab, { key: 'ArrowRight' });
    expect(screen.getByRole('tab', { name: 'Settings' }).getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(screen.getByRole('tab', { name: 'Settings' }));
  });
});
