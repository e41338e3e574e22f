import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import App from '../../src/App.svelte';
import { engineEvent, fail, HOUR, instance, NOW, resetAll, settle, shell, connectedShop } from './fixtures';

const everyState = () => [
  connectedShop(),
  instance('sales-2', { state: 'connecting', via: 'qr', since: NOW }),
  instance('support', { state: 'reconnecting', since: NOW - HOUR }, { paired: true }),
  instance('old-line', { state: 'loggedout', cause: 'phone', since: NOW - 48 * HOUR }),
  instance('promo', { state: 'banned', since: NOW - 10 * HOUR }),
  instance('new-one', { state: 'disconnected', reason: 'idle', since: NOW }),
];

describe('numbers list', () => {
  beforeEach(resetAll);
  afterEach(resetAll);

  it('invites to add a number when there is none', async () => {
    shell({ list_instances: () => [] });
    render(App);
    await settle();
    const empty = screen.getByTestId('empty');
    expect(within(empty).getByText('No numbers yet')).toBeTruthy();
    await fireEvent.click(within(empty).getByRole('button', { name: /Add a number/ }));
    expect(screen.getByRole('heading', { name: 'Add a number' })).toBeTruthy();
  });

  it("shows a number's profile picture from the shell, and initials where there is none", async () => {
    const pictured = connectedShop();
    pictured.profile.picture_url = 'https://pps.example/v/t61/shop.jpg';
    const failing = instance('support', { state: 'connected', since: NOW }, {
      profile: { phone_jid: null, lid: null, push_name: 'Support', business_name: null, picture_url: 'https://pps.example/x.jpg' },
    });
    const plain = instance('new-one', { state: 'disconnected', reason: 'idle', since: NOW });
    const ipc = shell({
      list_instances: () => [pictured, failing, plain],
      profile_picture: ({ name }) => {
        if (name === 'shop-front') return 'data:image/jpeg;base64,/9j/4AAQ';
        throw { code: 'io_error', message: 'unreadable' };
      },
    });
    render(App);
    await settle();
    const row = (name: string) => screen.getAllByTestId('instance-row').find((r) => r.textContent?.includes(name))!;
    expect(row('shop-front').querySelector('img.avatar')?.getAttribute('src')).toBe('data:image/jpeg;base64,/9j/4AAQ');
    expect(row('support').querySelector('img.avatar')).toBeNull();
    expect(row('support').querySelector('.initials')?.textContent).toBe('SU');
    expect(row('new-one').querySelector('.initials')).toBeTruthy();
    // Asked once per picture, never for a number without one.
    expect(ipc.called('profile_picture').map((c) => c.args.name).sort()).toEqual(['shop-front', 'support']);
  });

  it('shows each number with its state in words, details, chats and media size', async () => {
    shell({ list_instances: everyState });
    render(App);
    await settle();
    const rows = screen.getAllByTestId('instance-row');
    expect(rows).toHaveLength(6);
    const shop = rows.find((r) => r.textContent?.includes('shop-front'))!;
    expect(shop.textContent).toContain('(11) 98765-4321');
    expect(within(shop).getByTestId('state-badge').textContent).toBe('Connected');
    expect(shop.textContent).toContain('Connected since');
    expect(shop.textContent).toContain('42');
    expect(shop.textContent).toContain('356 MB');
    const text = (name: string) => rows.find((r) => r.textContent?.includes(name))!.textContent;
    expect(text('sales-2')).toContain('Waiting for the QR code to be scanned');
    expect(text('support')).toContain('Reconnecting since');
    expect(within(rows.find((r) => r.textContent?.includes('support'))!).getByTestId('state-badge').textContent).toBe(
      'Reconnecting',
    );
    expect(text('old-line')).toContain('Unlinked from the phone');
    expect(text('promo')).toContain('Banned by WhatsApp');
    expect(text('new-one')).toContain('Not linked to a phone yet');
  });

  it('tells a number that was unlinked from one that was never linked', async () => {
    const idle = { state: 'disconnected' as const, reason: 'idle' as const, since: NOW };
    shell({
      list_instances: () => [
        // Logged out once, then a new link was left unfinished: the profile stays.
        instance('relinking', idle, { profile: connectedShop().profile }),
        instance('old-line', { state: 'loggedout', cause: 'user', since: NOW }),
        instance('new-one', idle),
      ],
    });
    render(App);
    await settle();
    const row = (name: string) => screen.getAllByTestId('instance-row').find((r) => r.textContent?.includes(name))!;
    expect(row('relinking').textContent).toContain('No longer linked to its phone. Link it again to use it');
    expect(row('relinking').textContent).not.toContain('Not linked');
    expect(within(row('relinking')).getByTestId('own-phone').textContent).toBe('(11) 98765-4321');
    expect(within(row('relinking')).getByTestId('own-phone').getAttribute('title')).toBe('+55 11 98765 4321');
    expect(within(row('old-line')).getByText('Unlinked')).toBeTruthy();
    expect(row('old-line').textContent).toContain('Logged out from Switchboard');
    expect(row('new-one').textContent).toContain('Not linked to a phone yet');
    expect(within(row('new-one')).getByText('Not linked')).toBeTruthy();
  });

  it('filters by state and searches by name or number', async () => {
    shell({ list_instances: everyState });
    render(App);
    await settle();
    await fireEvent.click(screen.getByRole('button', { name: /^Banned/ }));
    expect(screen.getAllByTestId('instance-row').map((r) => r.textContent)).toEqual([
      expect.stringContaining('promo'),
    ]);
    await fireEvent.click(screen.getByRole('button', { name: /^All/ }));
    const search = screen.getByRole('searchbox', { name: 'Search by name or number' });
    await fireEvent.input(search, { target: { value: '98765' } });
    expect(screen.getAllByTestId('instance-row')).toHaveLength(1);
    await fireEvent.input(search, { target: { value: 'SUPP' } });
    expect(screen.getAllByTestId('instance-row')[0].textContent).toContain('support');
    await fireEvent.input(search, { target: { value: 'nothing-like-this' } });
    expect(screen.getByText('No number matches this search.')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Clear search and filter' }));
    expect(screen.getAllByTestId('instance-row')).toHaveLength(6);
  });

  it('renders only the visible rows of 1,000 numbers', async () => {
    const many = Array.from({ length: 1000 }, (_, i) =>
      instance(`n-${String(i).padStart(4, '0')}`, { state: 'connected', since: NOW }),
    );
    shell({ list_instances: () => many });
    render(App);
    await settle();
    const rows = screen.getAllByTestId('instance-row');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(60);
    const list = screen.getByRole('list', { name: 'Numbers' });
    expect(list.querySelector('[role=listitem]')?.getAttribute('aria-setsize')).toBe('1000');
    // Scrolling to the end brings the last rows in and lets the first ones go.
    list.scrollTop = 999 * 60;
    await fireEvent.scroll(list);
    const names = screen.getAllByTestId('instance-row').map((r) => r.querySelector('strong')?.textContent);
    expect(names).toContain('n-0999');
    expect(names).not.toContain('n-0000');
    expect(names.length).toBeLessThan(60);
  });

  it('follows engine events without asking again', async () => {
    const ipc = shell({ list_instances: everyState });
    render(App);
    await settle();
    await engineEvent({
      type: 'state_changed',
      instance_id: 'id-sales-2',
      state: { state: 'connected', since: NOW },
    });
    const row = screen.getAllByTestId('instance-row').find((r) => r.textContent?.includes('sales-2'))!;
    expect(within(row).getByTestId('state-badge').textContent).toBe('Connected');
    await engineEvent({
      type: 'instance_created',
      instance_id: 'id-added',
      instance: instance('added', { state: 'disconnected', reason: 'idle', since: NOW }),
    });
    expect(screen.getAllByTestId('instance-row')).toHaveLength(7);
    await engineEvent({ type: 'deletion_started', instance_id: 'id-promo', name: 'promo' });
    const promo = screen.getAllByTestId('instance-row').find((r) => r.textContent?.includes('promo'))!;
    expect(within(promo).getByTestId('state-badge').textContent).toBe('Deleting');
    await engineEvent({
      type: 'instance_deleted',
      instance_id: 'id-promo',
      report: {
        instance_id: 'id-promo',
        name: 'promo',
        removed: { chats: 0, messages: 0, media_files: 0, media_bytes: 0 },
        whatsapp_logout: 'not_connected',
        webhook: 'not_configured',
      },
    });
    expect(screen.getAllByTestId('instance-row')).toHaveLength(6);
    expect(ipc.called('list_instances')).toHaveLength(1);
  });

  it('says in words when the list cannot be loaded, and retries', async () => {
    let attempts = 0;
    shell({
      list_instances: () => (++attempts === 1 ? fail('storage_error') : everyState()),
    });
    render(App);
    await settle();
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Switchboard could not read or write its database.');
    expect(alert.textContent).not.toContain('technical detail');
    await fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    await settle();
    expect(screen.getAllByTestId('instance-row')).toHaveLength(6);
  });

  it('switches language and theme and remembers them', async () => {
    const ipc = shell({ list_instances: everyState });
    render(App);
    await settle();
    await fireEvent.change(screen.getByRole('combobox', { name: 'Language' }), { target: { value: 'pt-BR' } });
    expect(screen.getByRole('heading', { name: 'Números' })).toBeTruthy();
    expect(document.documentElement.lang).toBe('pt-BR');
    await fireEvent.change(screen.getByRole('combobox', { name: 'Tema' }), { target: { value: 'dark' } });
    expect(document.documentElement.dataset.theme).toBe('dark');
    await settle();
    expect(ipc.prefs.get('language')).toBe('pt-BR');
    expect(ipc.prefs.get('theme')).toBe('dark');
  });

  it('opens the last opened number at start', async () => {
    const ipc = shell({ list_instances: everyState, list_chats: () => [] , timeline: () => []});
    ipc.prefs.set('lastInstance', 'support');
    render(App);
    await settle();
    expect(screen.getByRole('heading', { name: 'support' })).toBeTruthy();
  });
});

describe('start-up', () => {
  beforeEach(resetAll);
  afterEach(resetAll);

  it('applies events that arrive while the list loads on top of it', async () => {
    let release!: () => void;
    shell({
      list_instances: () =>
        new Promise((resolve) => {
          release = () => resolve(everyState());
        }),
    });
    render(App);
    await settle();
    // The engine moves on while the (older) list is still on its way.
    await engineEvent({
      type: 'state_changed',
      instance_id: 'id-sales-2',
      state: { state: 'connected', since: NOW },
    });
    release();
    await settle();
    const row = screen.getAllByTestId('instance-row').find((r) => r.textContent?.includes('sales-2'))!;
    expect(within(row).getByTestId('state-badge').textContent).toBe('Connected');
  });
});
