import { fireEvent, screen, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExportReport } from '../../src/bindings/ExportReport';
import { i18n } from '../../src/lib/i18n/index.svelte';
import { connectedShop, engineEvent, fail, openNumberPage, resetAll, settle, type Handler } from './fixtures';

const MARIA = '5511912345678@s.whatsapp.net';

const openPage = openNumberPage;

const dialog = () => screen.getByRole('alertdialog');

interface Pending {
  exportId: string;
  finish: (report: Partial<ExportReport>) => void;
  refuse: (code: string) => void;
}

/** An export_to_zip handler that stays pending until the test ends it. */
function pendingExport(): { handler: Handler; started: () => Pending } {
  let pending: Pending | null = null;
  const handler: Handler = (args) =>
    new Promise((resolve, reject) => {
      const request = (args as { request: { export_id: string; destination: string } }).request;
      pending = {
        exportId: request.export_id,
        finish: (report) =>
          resolve({
            export_id: request.export_id,
            path: request.destination,
            chats: 1,
            messages: 0,
            media_files: 0,
            media_missing: 0,
            bytes: 1000,
            ...report,
          }),
        refuse: (code) => reject({ code, message: `${code}: technical detail` }),
      };
    });
  return {
    handler,
    started: () => {
      if (!pending) throw new Error('no export was started');
      return pending;
    },
  };
}

const progress = (exportId: string, done: number, total: number) =>
  engineEvent({ type: 'export_progress', instance_id: 'id-shop-front', export_id: exportId, done, total });

describe('export', () => {
  beforeEach(resetAll);
  afterEach(resetAll);

  it('asks where to save the number, shows the progress, and reports the file', async () => {
    const run = pendingExport();
    const ipc = await openPage(connectedShop(), {
      'plugin:dialog|save': () => '/home/ana/shop-front',
      export_to_zip: run.handler,
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Export…' }));
    await settle();
    const [save] = ipc.called('plugin:dialog|save');
    expect(JSON.stringify(save.args)).toContain('shop-front.zip');
    // The name typed without an extension gets one.
    expect(ipc.called('export_to_zip')).toEqual([
      {
        cmd: 'export_to_zip',
        args: {
          name: 'shop-front',
          request: { export_id: run.started().exportId, destination: '/home/ana/shop-front.zip', language: 'en' },
        },
      },
    ]);
    const d = dialog();
    expect(within(d).getByRole('heading', { name: 'Exporting shop-front' })).toBeTruthy();
    expect(d.textContent).toContain('To /home/ana/shop-front.zip');
    expect(d.textContent).toContain('Counting the messages…');
    await progress(run.started().exportId, 30, 120);
    expect((within(d).getByRole('progressbar') as HTMLProgressElement).value).toBe(0.25);
    expect(d.textContent).toContain('25% written');
    // Another export's progress is not this one's.
    await progress('someone-else', 120, 120);
    expect(d.textContent).toContain('25% written');
    run.started().finish({ messages: 1873, media_files: 1, media_missing: 2 });
    await settle();
    expect(screen.queryByRole('alertdialog')).toBeNull();
    const toasts = screen.getAllByTestId('toast').map((t) => t.textContent);
    expect(toasts.join('\n')).toContain('Exported 1,873 messages and 1 media file to /home/ana/shop-front.zip');
    expect(toasts.join('\n')).toContain('2 media files were no longer available');
  });

  it('cancels by its id and says that nothing was written', async () => {
    const run = pendingExport();
    const ipc = await openPage(connectedShop(), {
      'plugin:dialog|save': () => '/home/ana/shop.zip',
      export_to_zip: run.handler,
      cancel_export: () => run.started().refuse('export_cancelled'),
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Export…' }));
    await settle();
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Cancel export' }));
    await settle();
    expect(ipc.called('cancel_export')).toEqual([
      { cmd: 'cancel_export', args: { exportId: run.started().exportId } },
    ]);
    expect(dialog().textContent).toContain('Export cancelled. No file was written.');
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });

  it("writes the transcript in the window's language", async () => {
    const run = pendingExport();
    const ipc = await openPage(connectedShop(), {
      'plugin:dialog|save': () => '/home/ana/loja.zip',
      export_to_zip: run.handler,
    });
    i18n.apply('pt-BR');
    await settle();
    await fireEvent.click(screen.getByRole('button', { name: 'Exportar…' }));
    await settle();
    expect(ipc.called('export_to_zip')[0].args.request).toMatchObject({ language: 'pt-BR' });
  });

  it('starts nothing when the save dialog is closed', async () => {
    const ipc = await openPage(connectedShop(), { 'plugin:dialog|save': () => null });
    await fireEvent.click(screen.getByRole('button', { name: 'Export…' }));
    await settle();
    expect(ipc.called('export_to_zip')).toHaveLength(0);
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });

  it('exports the open chat from its header', async () => {
    const run = pendingExport();
    const ipc = await openPage(connectedShop(), {
      chat_messages: () => ({ messages: [], next: null }),
      'plugin:dialog|save': () => '/tmp/maria.zip',
      export_to_zip: run.handler,
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Open the conversation with Maria Souza' }));
    await settle();
    await fireEvent.click(within(screen.getByTestId('conversation')).getByRole('button', { name: 'Export…' }));
    await settle();
    expect(JSON.stringify(ipc.called('plugin:dialog|save')[0].args)).toContain('shop-front-5511912345678.zip');
    expect(ipc.called('export_to_zip')[0].args).toEqual({
      name: 'shop-front',
      request: { export_id: run.started().exportId, destination: '/tmp/maria.zip', chat: MARIA, language: 'en' },
    });
    expect(within(dialog()).getByRole('heading', { name: 'Exporting the chat with Maria Souza' })).toBeTruthy();
  });
});

describe('export first', () => {
  beforeEach(resetAll);
  afterEach(resetAll);

  const deletedChat = () => ({
    chat_jid: MARIA,
    delete_media: false,
    message: 'Chat deleted successfully',
    messages_removed: 214,
    media_files_removed: 0,
    media_bytes_removed: 0,
  });

  it('deletes the chat only once its export is saved', async () => {
    const run = pendingExport();
    const ipc = await openPage(connectedShop(), {
      'plugin:dialog|save': () => '/tmp/maria.zip',
      export_to_zip: run.handler,
      delete_chat: deletedChat,
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Delete chat with Maria Souza' }));
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Export first…' }));
    await settle();
    expect(dialog().textContent).toContain('The chat is deleted only once its export is saved.');
    await progress(run.started().exportId, 1, 2);
    expect(dialog().textContent).toContain('50% written');
    expect(ipc.called('delete_chat')).toHaveLength(0);
    expect((within(dialog()).getByRole('button', { name: 'Delete chat' }) as HTMLButtonElement).disabled).toBe(true);
    run.started().finish({ messages: 214 });
    await settle();
    expect(ipc.calls.map((c) => c.cmd).filter((c) => c === 'export_to_zip' || c === 'delete_chat')).toEqual([
      'export_to_zip',
      'delete_chat',
    ]);
    expect(ipc.called('export_to_zip')[0].args).toMatchObject({ request: { chat: MARIA } });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    // Both outcomes are told: where the export went, and the deletion.
    const toasts = screen.getAllByTestId('toast').map((t) => t.textContent).join('\n');
    expect(toasts).toContain('Exported 214 messages and no media files to /tmp/maria.zip');
    expect(toasts).toContain('Chat with Maria Souza deleted');
  });

  it('never deletes the chat when the export fails or is cancelled', async () => {
    for (const code of ['io_error', 'export_cancelled']) {
      resetAll();
      const run = pendingExport();
      const ipc = await openPage(connectedShop(), {
        'plugin:dialog|save': () => '/tmp/maria.zip',
        export_to_zip: run.handler,
        delete_chat: deletedChat,
      });
      await fireEvent.click(screen.getByRole('button', { name: 'Delete chat with Maria Souza' }));
      await fireEvent.click(within(dialog()).getByRole('button', { name: 'Export first…' }));
      await settle();
      run.started().refuse(code);
      await settle();
      expect(ipc.called('delete_chat'), code).toHaveLength(0);
      expect(within(dialog()).getByTestId('nothing-deleted').textContent).toBe('Nothing was deleted.');
      expect(dialog().textContent).toContain(
        code === 'io_error' ? 'The export failed and no file was written' : 'Export cancelled.',
      );
    }
  });

  it('deletes the number only after its export, and only once the name is typed', async () => {
    const run = pendingExport();
    const ipc = await openPage(connectedShop(), {
      'plugin:dialog|save': () => '/tmp/shop.zip',
      export_to_zip: run.handler,
      delete_instance: () => new Promise(() => {}),
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Delete number' }));
    const first = within(dialog()).getByRole('button', { name: 'Export first…' }) as HTMLButtonElement;
    expect(first.disabled).toBe(true);
    await fireEvent.input(within(dialog()).getByRole('textbox'), { target: { value: 'shop-front' } });
    expect(first.disabled).toBe(false);
    await fireEvent.click(first);
    await settle();
    expect(dialog().textContent).toContain('The number is deleted only once its export is saved.');
    expect(ipc.called('delete_instance')).toHaveLength(0);
    // Esc cannot abandon the export-then-delete half-way.
    await fireEvent.keyDown(dialog(), { key: 'Escape' });
    expect(screen.getByRole('alertdialog')).toBeTruthy();
    run.started().finish({});
    await settle();
    expect(ipc.called('export_to_zip')[0].args).toEqual({
      name: 'shop-front',
      request: { export_id: run.started().exportId, destination: '/tmp/shop.zip', language: 'en' },
    });
    expect(ipc.called('delete_instance')).toEqual([
      { cmd: 'delete_instance', args: { name: 'shop-front', deleteS3Media: false } },
    ]);
  });

  it('shows a failed save dialog in words and deletes nothing', async () => {
    const ipc = await openPage(connectedShop(), {
      'plugin:dialog|save': () => fail('io_error'),
      delete_chat: deletedChat,
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Delete chat with Maria Souza' }));
    await fireEvent.click(within(dialog()).getByRole('button', { name: 'Export first…' }));
    await settle();
    expect(ipc.called('export_to_zip')).toHaveLength(0);
    expect(ipc.called('delete_chat')).toHaveLength(0);
    expect(within(dialog()).getByRole('alert').textContent).toContain('file');
  });
});
