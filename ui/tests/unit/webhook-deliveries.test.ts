import { fireEvent, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WebhookStatus } from '../../src/bindings/WebhookStatus';
import { i18n } from '../../src/lib/i18n/index.svelte';
import { connectedShop, engineEvent, fail, instance, NOW, openNumberPage, resetAll, settle } from './fixtures';

const delivered = (): WebhookStatus => ({
  last_delivery: { event: 'TEST', at: NOW - 60_000, status: 200, error: null },
  pending: 0,
});

async function openSettings(handlers: Parameters<typeof openNumberPage>[1] = {}) {
  const ipc = await openNumberPage(connectedShop(), handlers);
  await fireEvent.click(screen.getByRole('tab', { name: 'Settings' }));
  await settle();
  return ipc;
}

describe('webhook deliveries', () => {
  beforeEach(resetAll);
  afterEach(resetAll);

  it('shows the last delivery and the queue as the engine reports them', async () => {
    const ipc = await openSettings({
      webhook_status: () => ({
        last_delivery: { event: 'MESSAGES_UPSERT', at: NOW - 60_000, status: 503, error: 'status 503' },
        pending: 3,
      }),
    });
    expect(ipc.called('webhook_status')[0].args).toEqual({ name: 'shop-front' });
    const last = screen.getByTestId('webhook-last');
    expect(last.textContent).toContain('(MESSAGES_UPSERT)');
    expect(last.textContent).toContain('not delivered, the receiver answered HTTP 503.');
    expect(last.classList.contains('failed')).toBe(true);
    expect(screen.getByTestId('webhook-pending').textContent).toBe('3 events waiting to be sent.');

    // Each attempt the engine announces replaces what is shown.
    await engineEvent({ type: 'webhook_status', instance_id: 'id-shop-front', status: delivered() });
    expect(screen.getByTestId('webhook-last').textContent).toContain('delivered, HTTP 200.');
    expect(screen.getByTestId('webhook-last').classList.contains('failed')).toBe(false);
    expect(screen.getByTestId('webhook-pending').textContent).toBe('No events waiting to be sent.');
  });

  it('sends a test event and says how it went, delivered or queued again', async () => {
    let answer: WebhookStatus = delivered();
    const ipc = await openSettings({ send_test_webhook: () => answer });
    expect(screen.getByTestId('webhook-last').textContent).toContain('Nothing has been sent to this address yet.');
    await fireEvent.click(screen.getByRole('button', { name: 'Send a test event' }));
    await settle();
    expect(ipc.called('send_test_webhook')).toEqual([{ cmd: 'send_test_webhook', args: { name: 'shop-front' } }]);
    expect(screen.getByTestId('toast').textContent).toContain('Test event delivered (HTTP 200).');
    expect(screen.getByTestId('webhook-last').textContent).toContain('(TEST)');

    answer = {
      last_delivery: { event: 'TEST', at: NOW, status: null, error: 'request failed: connection refused' },
      pending: 1,
    };
    await fireEvent.click(screen.getByRole('button', { name: 'Send a test event' }));
    await settle();
    expect(screen.getAllByTestId('toast').at(-1)?.textContent).toContain('it stays queued and will be tried again');
    expect(screen.getByTestId('webhook-last').textContent).toContain('not delivered, no answer (request failed: connection refused).');
    expect(screen.getByTestId('webhook-pending').textContent).toBe('1 event waiting to be sent.');
  });

  it('says a refusal in words next to the button', async () => {
    await openSettings({ send_test_webhook: () => fail('webhook_not_configured') });
    await fireEvent.click(screen.getByRole('button', { name: 'Send a test event' }));
    await settle();
    expect(screen.getByRole('alert').textContent).toBe('Save a webhook address first.');
  });

  it('is not offered without a webhook, and speaks every language', async () => {
    await openNumberPage(instance('plain', { state: 'disconnected', reason: 'idle', since: NOW }));
    await fireEvent.click(screen.getByRole('tab', { name: 'Settings' }));
    expect(screen.queryByRole('button', { name: 'Send a test event' })).toBeNull();
    resetAll();
    await openSettings({ webhook_status: () => ({ last_delivery: null, pending: 2 }) });
    i18n.apply('pt-BR');
    await settle();
    expect(screen.getByTestId('webhook-pending').textContent).toBe('2 eventos aguardando envio.');
    expect(screen.getByRole('button', { name: 'Enviar um evento de teste' })).toBeTruthy();
  });
});
