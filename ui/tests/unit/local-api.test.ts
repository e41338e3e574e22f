import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalApiSettings, LocalApiStatus } from '../../src/bindings/commands';
import LocalApiSection from '../../src/components/LocalApiSection.svelte';
import { fail, localApiOff, resetAll, settle, shell } from './fixtures';

afterEach(resetAll);

/** What the shell answers for `settings`: where it listens while it is on. */
function running(settings: LocalApiSettings, token = 'a'.repeat(64)): LocalApiStatus {
  if (!settings.enabled) return { ...localApiOff(), settings, account_token: token };
  const base = `http://127.0.0.1:${settings.port}/api`;
  return { settings, base_url: base, description_url: `${base}/openapi.json`, account_token: token };
}

async function open(handlers: Parameters<typeof shell>[0] = {}) {
  const ipc = shell(handlers);
  render(LocalApiSection);
  await settle();
  return ipc;
}

describe('the local API section', () => {
  it('is off by default and says the risk beside the choice of other computers', async () => {
    await open();
    expect((screen.getByRole('switch', { name: /local API/i }) as HTMLInputElement).checked).toBe(false);
    expect(screen.queryByRole('textbox', { name: 'Address' })).toBeNull();
    const everywhere = screen.getByRole('checkbox', { name: /Accept connections from other computers/ });
    expect((everywhere as HTMLInputElement).checked).toBe(false);
    expect(everywhere.getAttribute('aria-describedby')).toBe('local-api-risk');
    expect(document.getElementById('local-api-risk')?.textContent).toContain('Anyone on your network');
  });

  it('turns on at the chosen port of this computer and shows where it answers', async () => {
    const ipc = await open({
      set_local_api: ({ settings }) => running(settings as LocalApiSettings),
    });
    await fireEvent.input(screen.getByRole('textbox', { name: 'Port' }), { target: { value: '9100' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await settle();
    await fireEvent.click(screen.getByRole('switch', { name: /local API/i }));
    await settle();
    expect(ipc.called('set_local_api').map((c) => c.args.settings)).toEqual([
      { enabled: false, port: 9100, all_interfaces: false },
      { enabled: true, port: 9100, all_interfaces: false },
    ]);
    expect((screen.getByRole('textbox', { name: 'Address' }) as HTMLInputElement).value).toBe(
      'http://127.0.0.1:9100/api',
    );
    expect(screen.getByRole('link', { name: 'API description (OpenAPI)' }).getAttribute('href')).toBe(
      'http://127.0.0.1:9100/api/openapi.json',
    );
  });

  it('says so in words when the port cannot be used, and stays as it was', async () => {
    const ipc = await open({ set_local_api: () => fail('io_error', 'cannot listen on 127.0.0.1:8790') });
    await fireEvent.click(screen.getByRole('switch', { name: /local API/i }));
    await settle();
    expect(screen.getByRole('alert').textContent).toContain('cannot listen on port 8790');
    expect((screen.getByRole('switch', { name: /local API/i }) as HTMLInputElement).checked).toBe(false);

    await fireEvent.input(screen.getByRole('textbox', { name: 'Port' }), { target: { value: '80' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await settle();
    expect(screen.getByRole('alert').textContent).toContain('1024 to 65535');
    expect(ipc.called('set_local_api')).toHaveLength(1);
  });

  it('replaces the token only after a confirmation', async () => {
    const before = running({ enabled: true, port: 8790, all_interfaces: false }, 'old-token-0123456789');
    const after = running(before.settings, 'new-token-9876543210');
    const ipc = await open({ local_api_status: () => before, regenerate_api_token: () => after });
    const token = screen.getByLabelText('Account token') as HTMLInputElement;
    expect(token.type).toBe('password');
    expect(token.value).toBe('old-token-0123456789');

    await fireEvent.click(screen.getByRole('button', { name: 'New token…' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await settle();
    expect(ipc.called('regenerate_api_token')).toHaveLength(0);

    await fireEvent.click(screen.getByRole('button', { name: 'New token…' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Replace token' }));
    await settle();
    expect(ipc.called('regenerate_api_token')).toHaveLength(1);
    expect((screen.getByLabelText('Account token') as HTMLInputElement).value).toBe('new-token-9876543210');
    await fireEvent.click(screen.getByRole('button', { name: 'Show' }));
    expect((screen.getByLabelText('Account token') as HTMLInputElement).type).toBe('text');
  });

  it('starts from what the shell has', async () => {
    await open({ local_api_status: () => ({ ...localApiOff(), settings: { ...localApiOff().settings, port: 9200 } }) });
    expect((screen.getByRole('textbox', { name: 'Port' }) as HTMLInputElement).value).toBe('9200');
  });
});
