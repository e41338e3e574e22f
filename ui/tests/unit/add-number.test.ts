import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import App from '../../src/App.svelte';
import { app } from '../../src/lib/store.svelte';
import { fail, instance, NOW, resetAll, settle, shell } from './fixtures';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function openAdd() {
  render(App);
  await settle();
  await fireEvent.click(screen.getAllByRole('button', { name: /Add a number/ })[0]);
  return screen.getByRole('textbox', { name: 'Name' });
}

const nameStatus = () => screen.getByTestId('name-status').textContent ?? '';

describe('add a number', () => {
  beforeEach(resetAll);
  afterEach(resetAll);

  it('checks the name rules as the person types', async () => {
    const ipc = shell({ list_instances: () => [], check_instance_name: () => null });
    const name = await openAdd();
    await fireEvent.input(name, { target: { value: 'my shop' } });
    expect(nameStatus()).toContain('no spaces or slashes');
    expect(name.getAttribute('aria-invalid')).toBe('true');
    await fireEvent.input(name, { target: { value: '-shop' } });
    expect(nameStatus()).toContain('Start with a letter or a digit.');
    await fireEvent.input(name, { target: { value: 'x'.repeat(65) } });
    expect(nameStatus()).toContain('at most 64 characters');
    expect(screen.getByRole('button', { name: 'Add and link' })).toHaveProperty('disabled', true);
    // Rule-breaking names never reach the engine.
    await wait(350);
    expect(ipc.called('check_instance_name')).toHaveLength(0);
    await fireEvent.input(name, { target: { value: 'shop-front' } });
    expect(nameStatus()).toContain('Checking…');
    await wait(350);
    await settle();
    expect(nameStatus()).toContain('This name is available');
    expect(ipc.called('check_instance_name')).toEqual([{ cmd: 'check_instance_name', args: { name: 'shop-front' } }]);
  });

  it('opens with the name field focused', async () => {
    shell({ list_instances: () => [] });
    const name = await openAdd();
    expect(document.activeElement).toBe(name);
  });

  it('says which letter of an accented name cannot be used, and the hint says a–z', async () => {
    const ipc = shell({ list_instances: () => [], check_instance_name: () => null });
    const name = await openAdd();
    expect(screen.getByText(/^Letters a–z, digits 0–9, dashes/)).toBeTruthy();
    await fireEvent.input(name, { target: { value: 'loja-são-paulo' } });
    expect(nameStatus()).toContain('Use letters a–z without accents: “ã” cannot be used.');
    expect(name.getAttribute('aria-invalid')).toBe('true');
    await wait(350);
    expect(ipc.called('check_instance_name')).toHaveLength(0);
  });

  it('asks the engine once typing pauses and shows a taken name in words', async () => {
    const ipc = shell({
      list_instances: () => [],
      check_instance_name: ({ name }) => (name === 'sales' ? fail('name_taken') : null),
    });
    const name = await openAdd();
    for (const partial of ['s', 'sa', 'sal', 'sale', 'sales']) {
      await fireEvent.input(name, { target: { value: partial } });
    }
    await wait(350);
    await settle();
    expect(ipc.called('check_instance_name')).toHaveLength(1);
    expect(nameStatus()).toContain('Another number already has this name.');
    expect(screen.getByRole('button', { name: 'Add and link' })).toHaveProperty('disabled', true);
  });

  it('creates the number with its options and goes on to link it by QR', async () => {
    const created = instance('shop-front', { state: 'disconnected', reason: 'idle', since: NOW });
    const ipc = shell({
      list_instances: () => [],
      check_instance_name: () => null,
      create_instance: () => created,
      connect_qr: () => ({ state: 'connecting', via: 'qr', since: NOW }),
    });
    const name = await openAdd();
    await fireEvent.input(name, { target: { value: 'shop-front' } });
    await fireEvent.click(screen.getByText('Optional settings'));
    await fireEvent.click(screen.getByRole('switch', { name: /Reject calls/ }));
    await fireEvent.input(screen.getByRole('textbox', { name: 'Reply sent to the caller' }), {
      target: { value: 'Please write to us.' },
    });
    await fireEvent.input(screen.getByRole('textbox', { name: 'Address (URL)' }), {
      target: { value: 'https://hooks.example.com/wa' },
    });
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Chat deleted' }));
    await fireEvent.input(screen.getByRole('textbox', { name: 'Proxy address' }), {
      target: { value: 'socks5://proxy.local:1080' },
    });
    await fireEvent.submit(name.closest('form')!);
    await settle();
    expect(ipc.called('create_instance')[0].args).toEqual({
      input: {
        name: 'shop-front',
        settings: {
          reject_calls: true,
          reject_call_message: 'Please write to us.',
          ignore_groups: false,
          always_online: false,
          mark_messages_read: false,
          auto_download_media: false,
        },
        webhook: {
          url: 'https://hooks.example.com/wa',
          events: ['CHAT_DELETED'],
          authorization: null,
          format: 'switchboard',
          by_events: false,
        },
        proxy: 'socks5://proxy.local:1080',
      },
    });
    expect(app.view).toEqual({ name: 'link', id: created.id });
    expect(ipc.called('connect_qr')).toEqual([{ cmd: 'connect_qr', args: { name: 'shop-front' } }]);
    expect(screen.getByRole('heading', { name: 'Link shop-front' })).toBeTruthy();
  });

  it('can keep the media in an S3 bucket from the start; a bucket that fails its test keeps the form', async () => {
    let answer: () => unknown = () => fail('s3_access_denied');
    const ipc = shell({ list_instances: () => [], check_instance_name: () => null, create_instance: () => answer() });
    const name = await openAdd();
    await fireEvent.input(name, { target: { value: 'shop-front' } });
    await fireEvent.click(screen.getByText('Optional settings'));
    expect(screen.queryByRole('textbox', { name: 'Bucket' })).toBeNull();
    await fireEvent.click(screen.getByTestId('add-use-s3'));
    await fireEvent.input(screen.getByRole('textbox', { name: 'Endpoint URL' }), {
      target: { value: 'http://127.0.0.1:9000' },
    });
    await fireEvent.input(screen.getByRole('textbox', { name: 'Bucket' }), { target: { value: 'media' } });
    await fireEvent.input(screen.getByRole('textbox', { name: 'Access key' }), { target: { value: 'AK' } });
    await fireEvent.input(screen.getByLabelText('Secret key'), { target: { value: 'very-secret' } });
    await fireEvent.submit(name.closest('form')!);
    await settle();
    expect(ipc.called('create_instance')[0].args).toMatchObject({
      input: {
        name: 'shop-front',
        s3: {
          endpoint: 'http://127.0.0.1:9000',
          region: '',
          bucket: 'media',
          prefix: '',
          access_key: 'AK',
          secret_key: 'very-secret',
          path_style: true,
        },
      },
    });
    expect(screen.getByRole('alert').textContent).toContain('refused these keys');
    expect(app.view.name).toBe('add');
    expect((screen.getByRole('textbox', { name: 'Bucket' }) as HTMLInputElement).value).toBe('media');

    const created = instance('shop-front', { state: 'disconnected', reason: 'idle', since: NOW });
    answer = () => created;
    await fireEvent.submit(name.closest('form')!);
    await settle();
    expect(app.view).toEqual({ name: 'link', id: created.id });
  });

  it.each([
    ['invalid_webhook', 'This webhook address is not valid.'],
    ['invalid_proxy', 'This proxy address is not valid.'],
    ['invalid_settings', 'These settings do not fit together.'],
    ['name_taken', 'Another number already has this name.'],
    ['storage_error', 'could not read or write its database'],
    ['something_new', 'Something went wrong.'],
  ])('shows %s from the engine in words, next to what caused it', async (code, words) => {
    shell({ list_instances: () => [], check_instance_name: () => null, create_instance: () => fail(code) });
    const name = await openAdd();
    await fireEvent.input(name, { target: { value: 'shop-front' } });
    await fireEvent.submit(name.closest('form')!);
    await settle();
    expect(document.body.textContent).toContain(words);
    expect(document.body.textContent).not.toContain('technical detail');
    expect(app.view.name).toBe('add');
  });
});
