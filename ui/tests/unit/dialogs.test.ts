import { fireEvent, screen, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Instance } from '../../src/bindings/Instance';
import { knownErrorCodes } from '../../src/lib/errors';
import { en } from '../../src/lib/i18n/en';
import { app } from '../../src/lib/store.svelte';
import {
  chats,
  connectedShop,
  engineEvent,
  fail,
  instance,
  NOW,
  openNumberPage,
  resetAll,
  settle,
} from './fixtures';

const openPage = openNumberPage;

const dialog = () => screen.getByRole('alertdialog');

describe('log out dialog', () => {
  beforeEach(resetAll);
  afterEach(resetAll);

  it('explains what logging out does and keeps', async () => {
    await openPage(connectedShop());
    await fireEvent.click(screen.getByRole('button', { name: 'Log out' }));
    const d = dialog();
    expect(d.getAttribute('aria-modal')).toBe('true');
    expect(within(d).getByRole('heading', { name: 'Log out shop-front?' })).toBeTruthy();
    expect(d.getAttribute('aria-labelledby')).toBe(within(d).getByRole('heading').id);
    expect(d.textContent).toContain('leaves the list of linked devices on the phone');
    expect(d.textContent).toContain('its settings and its chats stay in Switchboard');
    expect(d.textContent).toContain('new QR code');
    // The safe choice has the focus.
    expect(document.activeElement).toBe(within(d).getByRole('button', { name: 'Cancel' }));
  });

  it('logs out and reports the outcome as a toast', async () => {
    const ipc = await openPage(connectedShop(), {
      logout: () => ({ instance_id: 'id-shop-front', name: 'shop-front', whatsapp: 'unconfirmed' }),
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Log out' }));
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Log out' }));
    await settle();
    expect(ipc.called('logout')).toEqual([{ cmd: 'logout', args: { name: 'shop-front' } }]);
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(screen.getByTestId('toast').textContent).toContain('WhatsApp did not confirm in time');
  });

  it('cancels with Esc and never confirms with Enter', async () => {
    const ipc = await openPage(connectedShop(), { logout: () => fail('timeout') });
    const opener = screen.getByRole('button', { name: 'Log out' });
    opener.focus();
    await fireEvent.click(opener);
    const confirm = within(dialog()).getByRole('button', { name: 'Log out' });
    confirm.focus();
    const notPrevented = await fireEvent.keyDown(confirm, { key: 'Enter' });
    expect(notPrevented).toBe(false);
    expect(ipc.called('logout')).toHaveLength(0);
    await fireEvent.keyDown(confirm, { key: 'Escape' });
    await settle();
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it('keeps the focus inside the dialog', async () => {
    await openPage(connectedShop());
    await fireEvent.click(screen.getByRole('button', { name: 'Log out' }));
    const [cancel, confirm] = within(dialog()).getAllByRole('button');
    confirm.focus();
    await fireEvent.keyDown(confirm, { key: 'Tab' });
    expect(document.activeElement).toBe(cancel);
    await fireEvent.keyDown(cancel, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(confirm);
    expect(document.querySelector('.shell')?.hasAttribute('inert')).toBe(true);
  });

  it.each([...knownErrorCodes, 'brand_new_code'])('shows %s in plain words, never the raw message', async (code) => {
    await openPage(connectedShop(), { logout: () => fail(code, `raw ${code} trace at src/engine.rs:42`) });
    await fireEvent.click(screen.getByRole('button', { name: 'Log out' }));
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Log out' }));
    await settle();
    const alert = within(dialog()).getByRole('alert');
    const key = (knownErrorCodes as readonly string[]).includes(code) ? `error.${code}` : 'error.unknown';
    expect(alert.textContent).toBe(en[key as keyof typeof en]);
    expect(alert.textContent).not.toContain('engine.rs');
  });
});

describe('delete instance dialog', () => {
  beforeEach(resetAll);
  afterEach(resetAll);

  it('lists what goes with the real counts and warns about the logout', async () => {
    await openPage(connectedShop());
    await fireEvent.click(screen.getByRole('button', { name: 'Delete number' }));
    const d = dialog();
    expect(within(d).getByRole('heading', { name: 'Delete shop-front?' })).toBeTruthy();
    const list = within(d).getByTestId('delete-counts').textContent;
    expect(list).toContain('42 chats with 1,873 messages');
    expect(list).toContain('128 media files (356 MB)');
    expect(list).toContain('its settings and linked session');
    expect(list).toContain('its webhook to hooks.example.com');
    expect(d.textContent).toContain('This cannot be undone.');
    expect(d.textContent).toContain('it will be logged out of WhatsApp first');
    expect(document.activeElement).toBe(within(d).getByRole('textbox', { name: 'Type shop-front to confirm' }));
  });

  it('keeps Delete disabled until the name is typed exactly', async () => {
    await openPage(connectedShop());
    await fireEvent.click(screen.getByRole('button', { name: 'Delete number' }));
    const input = within(dialog()).getByRole('textbox', { name: 'Type shop-front to confirm' });
    const del = within(dialog()).getByRole('button', { name: 'Delete forever' }) as HTMLButtonElement;
    for (const attempt of ['', 'shop', 'Shop-Front', 'shop-front ', ' shop-front']) {
      await fireEvent.input(input, { target: { value: attempt } });
      expect(del.disabled, JSON.stringify(attempt)).toBe(true);
    }
    await fireEvent.input(input, { target: { value: 'shop-front' } });
    expect(del.disabled).toBe(false);
  });

  it('confirms with Enter in the name field once the name matches, and only then', async () => {
    const ipc = await openPage(connectedShop(), { delete_instance: () => new Promise(() => {}) });
    await fireEvent.click(screen.getByRole('button', { name: 'Delete number' }));
    const input = within(dialog()).getByRole('textbox', { name: 'Type shop-front to confirm' });
    for (const attempt of ['', 'shop-fron', 'Shop-front']) {
      await fireEvent.input(input, { target: { value: attempt } });
      await fireEvent.keyDown(input, { key: 'Enter' });
      await settle();
      expect(ipc.called('delete_instance'), JSON.stringify(attempt)).toHaveLength(0);
    }
    // Enter on the delete button itself stays inert: only the typed name confirms.
    await fireEvent.input(input, { target: { value: 'shop-front' } });
    await fireEvent.keyDown(within(dialog()).getByRole('button', { name: 'Delete forever' }), { key: 'Enter' });
    await settle();
    expect(ipc.called('delete_instance')).toHaveLength(0);
    await fireEvent.keyDown(input, { key: 'Enter' });
    await fireEvent.keyDown(input, { key: 'Enter' });
    await settle();
    expect(ipc.called('delete_instance')).toEqual([{ cmd: 'delete_instance', args: { name: 'shop-front', deleteS3Media: false } }]);
    expect(dialog().getAttribute('aria-busy')).toBe('true');
  });

  it('shows progress, then the result, then frees the page', async () => {
    let finish!: () => void;
    const ipc = await openPage(connectedShop(), {
      delete_instance: () =>
        new Promise((resolve) => {
          finish = () =>
            resolve({
              instance_id: 'id-shop-front',
              name: 'shop-front',
              removed: { chats: 42, messages: 1873, media_files: 128, media_bytes: 356_400_000 },
              whatsapp_logout: 'confirmed',
              webhook: 'delivered',
            });
        }),
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Delete number' }));
    await fireEvent.input(within(dialog()).getByRole('textbox'), { target: { value: 'shop-front' } });
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Delete forever' }));
    await settle();
    expect(dialog().getAttribute('aria-busy')).toBe('true');
    expect(dialog().textContent).toContain('Deleting shop-front…');
    // Esc cannot abandon a deletion half-way.
    await fireEvent.keyDown(dialog(), { key: 'Escape' });
    expect(screen.getByRole('alertdialog')).toBeTruthy();
    await engineEvent({ type: 'deletion_started', instance_id: 'id-shop-front', name: 'shop-front' });
    finish();
    await settle();
    await engineEvent({
      type: 'instance_deleted',
      instance_id: 'id-shop-front',
      report: {
        instance_id: 'id-shop-front',
        name: 'shop-front',
        removed: { chats: 42, messages: 1873, media_files: 128, media_bytes: 356_400_000 },
        whatsapp_logout: 'confirmed',
        webhook: 'delivered',
      },
    });
    expect(ipc.called('delete_instance')).toEqual([{ cmd: 'delete_instance', args: { name: 'shop-front', deleteS3Media: false } }]);
    const d = dialog();
    expect(within(d).getByRole('heading', { name: 'shop-front was deleted' })).toBeTruthy();
    expect(within(d).getByTestId('delete-result').textContent).toContain(
      'Removed 42 chats, 1,873 messages and 128 media files (356 MB).',
    );
    expect(d.textContent).toContain('WhatsApp confirmed that the device was removed');
    expect(d.textContent).toContain('The webhook was told about the deletion.');
    await fireEvent.click(within(d).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(app.view).toEqual({ name: 'list' });
    expect(screen.getByTestId('empty')).toBeTruthy();
  });

  it('says deletion_in_progress in words and lets the person cancel', async () => {
    await openPage(connectedShop(), { delete_instance: () => fail('deletion_in_progress') });
    await fireEvent.click(screen.getByRole('button', { name: 'Delete number' }));
    await fireEvent.input(within(dialog()).getByRole('textbox'), { target: { value: 'shop-front' } });
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Delete forever' }));
    await settle();
    expect(within(dialog()).getByRole('alert').textContent).toBe('This number is being deleted.');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });
});

describe('delete instance dialog with an S3 bucket', () => {
  beforeEach(resetAll);
  afterEach(resetAll);

  const bucket = {
    endpoint: 'https://s3.example.com',
    bucket: 'shop-media',
    prefix: 'wa/id-shop-front/',
    found: { objects: 12, bytes: 3_400_000 },
    removed: { objects: 0, bytes: 0 },
    failed: [],
    error: null,
  };
  const withBucket = (): Instance => ({
    ...connectedShop(),
    s3: {
      config: {
        endpoint: bucket.endpoint,
        region: 'us-east-1',
        bucket: bucket.bucket,
        prefix: 'wa',
        access_key: 'AKIA1',
        secret_key: '********',
        path_style: true,
      },
      uploads_pending: 0,
    },
  });

  it('says what the bucket holds, keeps it by default and deletes it when ticked', async () => {
    const ipc = await openPage(withBucket(), {
      s3_media_usage: () => ({ ...bucket, choice: 'keep' }),
      delete_instance: ({ deleteS3Media }) => ({
        instance_id: 'id-shop-front',
        name: 'shop-front',
        removed: { chats: 42, messages: 1873, media_files: 128, media_bytes: 356_400_000 },
        whatsapp_logout: 'confirmed',
        webhook: 'delivered',
        s3_media: deleteS3Media
          ? { ...bucket, choice: 'delete', removed: bucket.found }
          : { ...bucket, choice: 'keep' },
      }),
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Delete number' }));
    await settle();
    const option = within(dialog()).getByTestId('delete-s3');
    expect(option.textContent).toContain('In the S3 bucket shop-media at https://s3.example.com: 12 files (3.4 MB)');
    const box = within(option).getByRole('checkbox') as HTMLInputElement;
    expect(box.checked).toBe(false);
    await fireEvent.click(box);
    await fireEvent.input(within(dialog()).getByRole('textbox'), { target: { value: 'shop-front' } });
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Delete forever' }));
    await settle();
    expect(ipc.called('delete_instance')).toEqual([
      { cmd: 'delete_instance', args: { name: 'shop-front', deleteS3Media: true } },
    ]);
    expect(within(dialog()).getByTestId('delete-s3-outcome').textContent).toContain(
      '12 files (3.4 MB) were deleted from the S3 bucket shop-media.',
    );
  });
});

describe('delete chat dialog', () => {
  beforeEach(resetAll);
  afterEach(resetAll);

  const deleteFirstChat = () => fireEvent.click(screen.getByRole('button', { name: 'Delete chat with Maria Souza' }));

  it('names the chat, offers to delete its media, and reports as a toast', async () => {
    let deleted = false;
    const ipc = await openPage(connectedShop(), {
      list_chats: () => chats().filter((c) => !deleted || !c.name?.startsWith('Maria')),
      delete_chat: () => (deleted = true) && ({
        chat_jid: '5511912345678@s.whatsapp.net',
        delete_media: true,
        message: 'Chat deleted successfully (including media)',
        messages_removed: 214,
        media_files_removed: 12,
        media_bytes_removed: 24_500_000,
      }),
    });
    await deleteFirstChat();
    const d = dialog();
    expect(within(d).getByRole('heading', { name: 'Delete the chat with Maria Souza?' })).toBeTruthy();
    expect(d.textContent).toContain('The other participants keep their copy.');
    const media = within(d).getByRole('checkbox', {
      name: 'Also delete the 12 media files (24.5 MB) stored on this computer',
    }) as HTMLInputElement;
    expect(media.checked).toBe(false);
    await fireEvent.click(media);
    await fireEvent.click(within(d).getByRole('button', { name: 'Delete chat' }));
    await settle();
    expect(ipc.called('delete_chat')).toEqual([
      {
        cmd: 'delete_chat',
        args: { name: 'shop-front', chat: '5511912345678@s.whatsapp.net', deleteMedia: true },
      },
    ]);
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(screen.getByTestId('toast').textContent).toContain(
      'Chat with Maria Souza deleted, with 12 media files (24.5 MB)',
    );
    await engineEvent({
      type: 'chat_deleted',
      instance_id: 'id-shop-front',
      origin: 'local',
      report: {
        chat_jid: '5511912345678@s.whatsapp.net',
        delete_media: true,
        message: '',
        messages_removed: 214,
        media_files_removed: 12,
        media_bytes_removed: 24_500_000,
      },
    });
    expect(screen.queryByRole('button', { name: 'Delete chat with Maria Souza' })).toBeNull();
  });

  it('is disabled with an explanation while the number is not connected', async () => {
    const dropped = { ...connectedShop(), state: { state: 'reconnecting' as const, since: NOW } };
    const ipc = await openPage(dropped);
    await deleteFirstChat();
    const d = dialog();
    const del = within(d).getByRole('button', { name: 'Delete chat' }) as HTMLButtonElement;
    expect(del.disabled).toBe(true);
    expect(within(d).getByTestId('not-connected').textContent).toContain(
      'shop-front is not connected. A chat can only be deleted while connected',
    );
    expect(del.getAttribute('aria-describedby')).toBe('delete-chat-blocked');
    expect((within(d).getByRole('checkbox') as HTMLInputElement).disabled).toBe(true);
    await fireEvent.click(del);
    expect(ipc.called('delete_chat')).toHaveLength(0);
    // It unlocks when the number comes back.
    await engineEvent({ type: 'state_changed', instance_id: 'id-shop-front', state: { state: 'connected', since: NOW } });
    expect(del.disabled).toBe(false);
  });

  it('shows not_connected and chat_not_found in words when the engine refuses', async () => {
    let code = 'not_connected';
    await openPage(connectedShop(), { delete_chat: () => fail(code) });
    await deleteFirstChat();
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Delete chat' }));
    await settle();
    expect(within(dialog()).getByRole('alert').textContent).toBe(en['error.not_connected']);
    code = 'chat_not_found';
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Delete chat' }));
    await settle();
    expect(within(dialog()).getByRole('alert').textContent).toBe(en['error.chat_not_found']);
  });

  it('cancels with Esc, and Enter on the checkbox or the button does not delete', async () => {
    const ipc = await openPage(connectedShop(), { delete_chat: () => fail('timeout') });
    await deleteFirstChat();
    const d = dialog();
    expect(await fireEvent.keyDown(within(d).getByRole('checkbox'), { key: 'Enter' })).toBe(false);
    expect(await fireEvent.keyDown(within(d).getByRole('button', { name: 'Delete chat' }), { key: 'Enter' })).toBe(false);
    expect(ipc.called('delete_chat')).toHaveLength(0);
    await fireEvent.keyDown(d, { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });

  it('tells when a chat was deleted on the phone', async () => {
    await openPage(instance('shop', { state: 'connected', since: NOW }, { paired: true }));
    await engineEvent({
      type: 'chat_deleted',
      instance_id: 'id-shop',
      origin: 'phone',
      report: {
        chat_jid: '5521998887766@s.whatsapp.net',
        delete_media: false,
        message: '',
        messages_removed: 9,
        media_files_removed: 0,
        media_bytes_removed: 0,
      },
    });
    expect(screen.getByTestId('toast').textContent).toContain(
      'The chat with +55 21 99888 7766 was deleted on the phone of shop',
    );
  });
});
