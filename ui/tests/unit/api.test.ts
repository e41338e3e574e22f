import { afterEach, describe, expect, it } from 'vitest';
import { api, ApiError } from '../../src/lib/api';
import { connectedShop, fail, resetAll, shell } from './fixtures';

afterEach(resetAll);

describe('the generated command functions', () => {
  it('send each command under its Rust name, arguments in camelCase, and answer its result', async () => {
    const report = {
      chat_jid: '5511912345678@s.whatsapp.net',
      delete_media: true,
      message: 'Chat deleted successfully (including media)',
      messages_removed: 3,
      media_files_removed: 1,
      media_bytes_removed: 2048,
    };
    const ipc = shell({ delete_chat: () => report, list_instances: () => [connectedShop()] });

    await expect(api.deleteChat('shop-front', '5511912345678', true)).resolves.toEqual(report);
    await expect(api.listInstances()).resolves.toEqual([connectedShop()]);

    expect(ipc.calls).toEqual([
      { cmd: 'delete_chat', args: { name: 'shop-front', chat: '5511912345678', deleteMedia: true } },
      { cmd: 'list_instances', args: {} },
    ]);
  });

  it('pass an absent value as null, the way the Rust side reads None', async () => {
    const ipc = shell({ set_webhook: () => connectedShop(), timeline: () => [] });

    await api.setWebhook('shop-front', null);
    await api.timeline(null);

    expect(ipc.calls).toEqual([
      { cmd: 'set_webhook', args: { name: 'shop-front', webhook: null } },
      { cmd: 'timeline', args: { name: null } },
    ]);
  });

  it('turn a coded rejection into an ApiError that keeps the code and the message', async () => {
    shell({ get_instance: () => fail('instance_not_found', "no instance named 'ghost'") });

    const error = await api.getInstance('ghost').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'instance_not_found', message: "no instance named 'ghost'" });
  });
});
