import { fireEvent, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Instance } from '../../src/bindings/Instance';
import { app } from '../../src/lib/store.svelte';
import { engineEvent, fail, instance, NOW, openApp, resetAll, settle, type Handler } from './fixtures';

const fresh = () => instance('shop-front', { state: 'disconnected', reason: 'idle', since: NOW });
const connecting = (via: 'qr' | 'code') => ({ state: 'connecting' as const, via, since: NOW });

/** The engine shows a pairing code for `phone`, valid for `validFor` ms from now. */
const pairingCode = (code: string, phone: string, validFor: number) =>
  engineEvent({ type: 'pairing_code', instance_id: 'id-shop-front', code, phone, expires_at: Date.now() + validFor });

const openLink = (start: Instance, handlers: Record<string, Handler>) =>
  openApp(
    { name: 'link', id: start.id },
    {
      list_instances: () => [start],
      qr_image: ({ code }) => `data:image/png;base64,${btoa(String(code))}`,
      ...handlers,
    },
  );

describe('link view', () => {
  beforeEach(resetAll);
  afterEach(resetAll);

  it('shows each QR as it arrives, large and with a countdown', async () => {
    const ipc = await openLink(fresh(), { connect_qr: () => connecting('qr') });
    expect(ipc.called('connect_qr')).toHaveLength(1);
    expect(screen.getByText('Preparing the QR code…')).toBeTruthy();
    await engineEvent({ type: 'qr_code', instance_id: 'id-shop-front', code: '2@first', issued_at: Date.now(), expires_at: Date.now() + 20_000 });
    const img = screen.getByRole('img', { name: 'QR code to scan with WhatsApp on the phone' });
    expect(img.getAttribute('src')).toBe(`data:image/png;base64,${btoa('2@first')}`);
    expect(screen.getByTestId('qr-countdown').textContent).toMatch(/This code changes in (19|20) s/);
    await engineEvent({ type: 'qr_code', instance_id: 'id-shop-front', code: '2@second', issued_at: Date.now(), expires_at: Date.now() + 20_000 });
    expect(screen.getByRole('img', { name: /QR code/ }).getAttribute('src')).toBe(`data:image/png;base64,${btoa('2@second')}`);
    expect(ipc.called('qr_image').map((c) => c.args.code)).toEqual(['2@first', '2@second']);
    expect(screen.getByRole('listitem', { current: 'step' }).textContent).toContain('Waiting for the phone');
  });

  it('never shows an image beside a code it was not drawn from', async () => {
    let drawSecond: (src: string) => void = () => {};
    await openLink(fresh(), {
      connect_qr: () => connecting('qr'),
      qr_image: ({ code }) =>
        code === '2@first'
          ? `data:image/png;base64,${btoa('2@first')}`
          : new Promise<string>((resolve) => (drawSecond = resolve)),
    });
    await engineEvent({ type: 'qr_code', instance_id: 'id-shop-front', code: '2@first', issued_at: Date.now(), expires_at: Date.now() + 60_000 });
    expect(screen.getByTestId('qr-image').getAttribute('data-code')).toBe('2@first');
    // While the second code is being drawn the first image must go: it no longer links.
    await engineEvent({ type: 'qr_code', instance_id: 'id-shop-front', code: '2@second', issued_at: Date.now(), expires_at: Date.now() + 20_000 });
    expect(screen.queryByTestId('qr-image')).toBeNull();
    drawSecond(`data:image/png;base64,${btoa('2@second')}`);
    await settle();
    const img = screen.getByTestId('qr-image');
    expect(img.getAttribute('data-code')).toBe('2@second');
    expect(img.getAttribute('src')).toBe(`data:image/png;base64,${btoa('2@second')}`);
  });

  it('offers a new QR on the same number when the codes run out', async () => {
    const ipc = await openLink(fresh(), { connect_qr: () => connecting('qr') });
    await engineEvent({ type: 'qr_code', instance_id: 'id-shop-front', code: '2@a', issued_at: Date.now(), expires_at: Date.now() + 1000 });
    await engineEvent({
      type: 'state_changed',
      instance_id: 'id-shop-front',
      state: { state: 'disconnected', reason: 'qr_expired', since: Date.now() },
    });
    expect(screen.getByTestId('qr-expired').textContent).toContain('The QR codes expired');
    expect(screen.queryByRole('img', { name: /QR code/ })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Show a new QR' }));
    await settle();
    expect(ipc.called('connect_qr')).toEqual([
      { cmd: 'connect_qr', args: { name: 'shop-front' } },
      { cmd: 'connect_qr', args: { name: 'shop-front' } },
    ]);
    expect(ipc.called('create_instance')).toHaveLength(0);
  });

  it('links with a phone number: the code large, grouped, with the steps and the number it links', async () => {
    const ipc = await openLink(fresh(), {
      connect_qr: () => connecting('qr'),
      connect_code: () => {
        app.instances['id-shop-front'].state = connecting('code');
        return 'ABCD1234';
      },
    });
    await fireEvent.click(screen.getByRole('tab', { name: 'Link with phone number instead' }));
    await fireEvent.input(screen.getByRole('textbox', { name: 'Country code' }), { target: { value: '+55' } });
    await fireEvent.input(screen.getByRole('textbox', { name: 'Phone number' }), { target: { value: '11 98765-4321' } });
    expect(document.body.textContent).toContain('The code will be for +55 11 98765 4321.');
    await fireEvent.click(screen.getByRole('button', { name: 'Get a code' }));
    await settle();
    expect(ipc.called('connect_code')[0].args).toEqual({ name: 'shop-front', phone: '5511987654321' });
    expect(screen.getByTestId('pairing-code').textContent?.trim()).toBe('ABCD-1234');
    expect(screen.getByTestId('pairing-phone').textContent).toBe('This code links +55 11 98765 4321 only.');
    expect(document.body.textContent).toContain('Tap Link with phone number instead.');
    await pairingCode('ABCD1234', '5511987654321', 60_000);
    expect(document.body.textContent).toMatch(/Valid for (0:59|1:00|1:01)/);

    // Another number: the form again, filled as it was, and a new code for the new number.
    await fireEvent.click(screen.getByRole('button', { name: 'Use a different number' }));
    expect(screen.queryByTestId('pairing-code')).toBeNull();
    await fireEvent.input(screen.getByRole('textbox', { name: 'Phone number' }), { target: { value: '21 99876-5432' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Get a code' }));
    await settle();
    expect(ipc.called('connect_code')[1].args).toEqual({ name: 'shop-front', phone: '5521998765432' });
    await pairingCode('WXYZ5678', '5521998765432', 60_000);
    expect(screen.getByTestId('pairing-code').textContent?.trim()).toBe('WXYZ-5678');
    expect(screen.getByTestId('pairing-phone').textContent).toContain('+55 21 99876 5432');
  });

  it('checks the number as it is typed and says what is wrong with it, before asking', async () => {
    const ipc = await openLink(fresh(), {
      connect_qr: () => connecting('qr'),
      connect_code: () => fail('invalid_phone'),
    });
    await fireEvent.click(screen.getByRole('tab', { name: 'Link with phone number instead' }));
    const country = screen.getByRole('textbox', { name: 'Country code' });
    const number = screen.getByRole('textbox', { name: 'Phone number' });
    const submit = () => fireEvent.click(screen.getByRole('button', { name: 'Get a code' }));
    await fireEvent.input(country, { target: { value: '55' } });
    await fireEvent.input(number, { target: { value: 'call me' } });
    expect(screen.getByRole('alert').textContent).toBe('Use digits only.');
    expect(number.getAttribute('aria-invalid')).toBe('true');
    // Too short is not said while the digits are still coming, only once the field is left.
    await fireEvent.input(number, { target: { value: '123' } });
    expect(screen.queryByRole('alert')).toBeNull();
    await fireEvent.blur(number);
    expect(screen.getByRole('alert').textContent).toBe('This number is too short for +55.');
    await fireEvent.input(country, { target: { value: '999' } });
    await fireEvent.input(number, { target: { value: '11 98765 4321' } });
    expect(screen.getByRole('alert').textContent).toBe('No country uses the code +999.');
    await submit();
    expect(ipc.called('connect_code')).toHaveLength(0);
    await fireEvent.input(country, { target: { value: '55' } });
    await fireEvent.input(number, { target: { value: '11 12345 6789' } });
    await submit();
    expect(screen.getByRole('alert').textContent).toBe('This is not a phone number in use for +55. Check the digits.');
    expect(ipc.called('connect_code')).toHaveLength(0);
    // What WhatsApp's side refuses is said in words too.
    await fireEvent.input(number, { target: { value: '11 98765 4321' } });
    expect(screen.queryByRole('alert')).toBeNull();
    await submit();
    await settle();
    expect(screen.getByRole('alert').textContent).toContain('This phone number is not valid.');
  });

  it('never shows a code whose attempt has ended: another way of linking, or its expiry', async () => {
    const waiting = instance('shop-front', connecting('code'));
    const ipc = await openLink(waiting, { connect_qr: () => connecting('qr') });
    await pairingCode('ABCD1234', '5511987654321', 60_000);
    expect(screen.getByTestId('pairing-code').textContent?.trim()).toBe('ABCD-1234');
    // The QR tab starts a QR round: the code's attempt is over, so its code is gone.
    await fireEvent.click(screen.getByRole('tab', { name: 'Scan a QR code' }));
    await settle();
    expect(ipc.called('connect_qr')).toHaveLength(1);
    await engineEvent({ type: 'state_changed', instance_id: 'id-shop-front', state: connecting('qr') });
    await fireEvent.click(screen.getByRole('tab', { name: 'Link with phone number instead' }));
    expect(screen.queryByTestId('pairing-code')).toBeNull();
    expect(screen.getByRole('button', { name: 'Get a code' })).toBeTruthy();
    // A code past its expiry is not shown even before the engine says so.
    await engineEvent({ type: 'state_changed', instance_id: 'id-shop-front', state: connecting('code') });
    await pairingCode('EFGH5678', '5511987654321', -60_000);
    expect(screen.queryByTestId('pairing-code')).toBeNull();
  });

  it('a second link waits for the phone although the earlier profile is still known', async () => {
    const relinking = instance('shop-front', connecting('qr'));
    relinking.paired = false;
    relinking.profile.phone_jid = '5511987654321@s.whatsapp.net';
    await openLink(relinking, {});
    expect(screen.getByRole('listitem', { current: 'step' }).textContent).toContain('Waiting for the phone');
  });

  it('walks through linking and syncing to a success view with the profile', async () => {
    await openLink(instance('shop-front', connecting('qr')), {
      get_instance: () => app.instances['id-shop-front'],
    });
    expect(screen.getByRole('listitem', { current: 'step' }).textContent).toContain('Waiting for the phone');
    const profile = {
      phone_jid: '5511987654321@s.whatsapp.net',
      lid: null,
      push_name: 'Padaria Central',
      business_name: null,
      picture_url: null,
    };
    const scanned = { ...app.instances['id-shop-front'], paired: true, profile };
    await engineEvent({ type: 'instance_updated', instance_id: 'id-shop-front', instance: scanned });
    expect(screen.getByRole('listitem', { current: 'step' }).textContent).toContain('Linking');
    await engineEvent({ type: 'state_changed', instance_id: 'id-shop-front', state: { state: 'connected', since: Date.now() } });
    await engineEvent({ type: 'chats_changed', instance_id: 'id-shop-front' });
    expect(screen.getByRole('listitem', { current: 'step' }).textContent).toContain('Syncing chats');
    const success = screen.getByTestId('link-success');
    expect(success.textContent).toContain('shop-front is connected');
    expect(success.textContent).toContain('Padaria Central');
    expect(success.textContent).toContain('(11) 98765-4321');
    await fireEvent.click(screen.getByRole('button', { name: 'Open the number' }));
    expect(app.view).toEqual({ name: 'instance', id: 'id-shop-front' });
  });

  it('says why linking stopped when WhatsApp refuses, and can start again', async () => {
    const ipc = await openLink(instance('shop-front', connecting('qr')), { connect_qr: () => connecting('qr') });
    await engineEvent({
      type: 'state_changed',
      instance_id: 'id-shop-front',
      state: { state: 'disconnected', reason: 'client_outdated', since: Date.now() },
    });
    expect(screen.getByRole('alert').textContent).toContain('WhatsApp asks for a newer version of Switchboard');
    await fireEvent.click(screen.getByRole('button', { name: 'Start again' }));
    await settle();
    expect(ipc.called('connect_qr')).toHaveLength(1);
  });

  it('says at once when the proxy cannot be reached, instead of a generic failure', async () => {
    await openLink(instance('shop-front', connecting('qr')), { connect_qr: () => connecting('qr') });
    await engineEvent({
      type: 'state_changed',
      instance_id: 'id-shop-front',
      state: {
        state: 'disconnected',
        reason: 'proxy_unreachable',
        detail: 'the proxy 127.0.0.1:9 cannot be reached: Connection refused',
        since: Date.now(),
      },
    });
    const alert = screen.getByRole('alert').textContent;
    expect(alert).toContain('The proxy cannot be reached');
    expect(alert).not.toContain('Could not connect to WhatsApp');
  });

  it('shows a failed connect in words', async () => {
    await openLink(fresh(), { connect_qr: () => fail('timeout') });
    expect(screen.getByRole('alert').textContent).toContain('WhatsApp did not answer in time.');
  });

  it('keeps following the state after success: a dropped link reads reconnecting, never a dead end', async () => {
    const linked = instance('shop-front', { state: 'connected', since: NOW });
    linked.paired = true;
    const ipc = await openLink(linked, {});
    expect(screen.getByTestId('link-success').textContent).toContain('shop-front is connected');
    const next = Date.now() + 34_000;
    await engineEvent({
      type: 'state_changed',
      instance_id: 'id-shop-front',
      state: { state: 'reconnecting', detail: 'stream ended (EOF)', next_attempt: next, since: Date.now() },
    });
    const success = screen.getByTestId('link-success');
    expect(success.textContent).toContain('shop-front is linked to its phone');
    expect(screen.getByTestId('link-state').textContent).toContain('Reconnecting since');
    expect(screen.getByTestId('link-state').textContent).toContain('next attempt at');
    expect(screen.queryByText(/Linking stopped/)).toBeNull();
    expect(screen.queryByRole('button', { name: 'Start again' })).toBeNull();
    expect(ipc.called('connect_qr')).toHaveLength(0);
    await engineEvent({ type: 'state_changed', instance_id: 'id-shop-front', state: { state: 'connected', since: Date.now() } });
    expect(screen.getByTestId('link-success').textContent).toContain('shop-front is connected');
  });
});
