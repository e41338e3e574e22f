import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import App from '../../src/App.svelte';
import { asTimeline, engineEvent, fail, HOUR, NOW, resetAll, settle, shell } from './fixtures';

const deletedNumber = {
  id: 7,
  action: 'delete_instance' as const,
  instance_id: 'id-gone',
  instance_name: 'black-friday',
  target: null,
  at: NOW - HOUR,
  result: 'ok',
  removed: { chats: 210, messages: 4400, media_files: 380, media_bytes: 950_000_000 },
  detail: 'confirmed',
  requested_by: 'account_token' as const,
};

describe('activity page', () => {
  beforeEach(resetAll);
  afterEach(resetAll);

  it('lists what happened to every number, deleted numbers included by name and id', async () => {
    const ban = {
      instance_id: 'id-gone',
      instance_name: 'black-friday',
      at: NOW - 2 * HOUR,
      item: { happened: { kind: 'banned', until: null } },
    };
    const ipc = shell({ list_instances: () => [], timeline: () => [...asTimeline([deletedNumber]), ban] });
    render(App);
    await settle();
    await fireEvent.click(screen.getByRole('button', { name: 'Activity' }));
    await settle();
    expect(ipc.called('timeline')[0].args).toEqual({ name: null });
    const [row, banned] = screen.getAllByTestId('audit-row');
    expect(row.textContent).toContain('black-friday');
    expect(row.textContent).toContain('deleted · id-gone');
    expect(row.textContent).toContain('Deleted the number');
    expect(row.textContent).toContain('210 chats, 4,400 messages, 380 media files (950 MB)');
    expect(banned.textContent).toContain('Banned by WhatsApp');
    expect(screen.getByTestId('audit-by').textContent).toBe('through the API, with the account token');
  });

  it('reads the log again after a deletion', async () => {
    let records: (typeof deletedNumber)[] = [];
    const ipc = shell({ list_instances: () => [], timeline: () => asTimeline(records) });
    render(App);
    await settle();
    await fireEvent.click(screen.getByRole('button', { name: 'Activity' }));
    await settle();
    expect(screen.getByTestId('audit-empty').textContent).toBe('Nothing has happened yet.');
    records = [deletedNumber];
    await engineEvent({
      type: 'instance_deleted',
      instance_id: 'id-gone',
      report: {
        instance_id: 'id-gone',
        name: 'black-friday',
        removed: deletedNumber.removed,
        whatsapp_logout: 'confirmed',
        webhook: 'not_configured',
      },
    });
    expect(ipc.called('timeline')).toHaveLength(2);
    expect(screen.getAllByTestId('audit-row')).toHaveLength(1);
  });

  it('says in words when the log cannot be read', async () => {
    shell({ list_instances: () => [], timeline: () => fail('shutting_down') });
    render(App);
    await settle();
    await fireEvent.click(screen.getByRole('button', { name: 'Activity' }));
    await settle();
    expect(screen.getByRole('alert').textContent).toContain('Switchboard is closing.');
  });
});
