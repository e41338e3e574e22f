import { emit } from '@tauri-apps/api/event';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import App from '../../src/App.svelte';
import { instance, NOW, resetAll, settle, shell } from './fixtures';

const connected = (name: string) => instance(name, { state: 'connected', since: NOW });

async function askToClose() {
  await emit('close-asked');
  await settle();
}

describe('closing the window', () => {
  beforeEach(resetAll);
  afterEach(resetAll);

  it('asks, saying how many numbers would go offline, and keeps running in the tray when chosen', async () => {
    const ipc = shell({
      list_instances: () => [connected('sales'), connected('support'), instance('new-one', { state: 'disconnected', reason: 'idle', since: NOW })],
      'plugin:window|hide': () => null,
    });
    render(App);
    await settle();
    await askToClose();
    expect(screen.getByRole('alertdialog', { name: 'Keep Switchboard running?' })).toBeTruthy();
    expect(screen.getByTestId('close-online').textContent).toBe('2 numbers are connected right now.');
    expect(document.body.textContent).toContain(
      'If you quit, 2 numbers go offline until you open Switchboard again.',
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Keep running in the tray' }));
    await settle();
    expect(ipc.called('plugin:window|hide')).toHaveLength(1);
    expect(ipc.called('plugin:window|destroy')).toHaveLength(0);
    expect(ipc.prefs.get('closeChoice')).toBe('tray');
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });

  it('quits without remembering when the box is cleared, and Cancel leaves everything open', async () => {
    const ipc = shell({ list_instances: () => [connected('sales')], 'plugin:window|destroy': () => null });
    render(App);
    await settle();
    await askToClose();
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await settle();
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(ipc.called('plugin:window|destroy')).toHaveLength(0);

    await askToClose();
    expect(document.body.textContent).toContain('If you quit, 1 number goes offline');
    await fireEvent.click(screen.getByRole('checkbox', { name: /Remember my choice/ }));
    await fireEvent.click(screen.getByRole('button', { name: 'Quit' }));
    await settle();
    expect(ipc.called('plugin:window|destroy')).toHaveLength(1);
    expect(ipc.prefs.has('closeChoice')).toBe(false);
  });

  it('shows the remembered choice under Language and theme, where it can be changed', async () => {
    const ipc = shell({ list_instances: () => [] });
    ipc.prefs.set('closeChoice', 'quit');
    render(App);
    await settle();
    const select = screen.getByRole('combobox', { name: 'When the window is closed' }) as HTMLSelectElement;
    expect(select.value).toBe('quit');
    await fireEvent.change(select, { target: { value: 'ask' } });
    await settle();
    expect(ipc.prefs.get('closeChoice')).toBe('ask');
  });
});
