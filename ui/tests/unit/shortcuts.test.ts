import { fireEvent, screen, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { i18n } from '../../src/lib/i18n/index.svelte';
import { shortcutFor, shortcuts } from '../../src/lib/shortcuts';
import { app } from '../../src/lib/store.svelte';
import { chats, connectedShop, instance, NOW, openApp, resetAll, settle } from './fixtures';

const open = () =>
  openApp(
    { name: 'list' },
    {
      list_instances: () => [connectedShop(), instance('new-one', { state: 'disconnected', reason: 'idle', since: NOW })],
      list_chats: chats,
      timeline: () => [],
      check_instance_name: () => null,
    },
  );

const press = async (key: string, init: KeyboardEventInit = {}, target: Element = document.body) => {
  await fireEvent.keyDown(target, { key, ...init });
  await settle();
};

describe('keyboard shortcuts', () => {
  beforeEach(resetAll);
  afterEach(resetAll);

  it('N adds a number, with the name field ready', async () => {
    await open();
    await press('n');
    expect(app.view).toEqual({ name: 'add' });
    expect(document.activeElement).toBe(screen.getByRole('textbox', { name: 'Name' }));
  });

  it('/ goes to the search of the page', async () => {
    await open();
    await press('/');
    expect(document.activeElement).toBe(screen.getByRole('searchbox', { name: 'Search by name or number' }));
    app.open({ name: 'instance', id: 'id-shop-front' });
    await settle();
    await press('/');
    expect(document.activeElement).toBe(screen.getByRole('searchbox', { name: 'Search chats by name or number' }));
  });

  it('Alt+← goes back to all numbers', async () => {
    await open();
    app.open({ name: 'instance', id: 'id-shop-front' });
    await settle();
    await press('ArrowLeft');
    expect(app.view.name).toBe('instance');
    await press('ArrowLeft', { altKey: true });
    expect(app.view).toEqual({ name: 'list' });
  });

  it('stay out of the way while typing, with other modifiers, and behind a dialog', async () => {
    await open();
    const search = screen.getByRole('searchbox', { name: 'Search by name or number' });
    search.focus();
    await press('n', {}, search);
    await press('?', {}, search);
    await press('ArrowLeft', { altKey: true }, search);
    expect(app.view).toEqual({ name: 'list' });
    expect(app.dialog).toBeNull();
    await press('n', { ctrlKey: true });
    await press('n', { metaKey: true });
    expect(app.view).toEqual({ name: 'list' });
    await press('?');
    expect(app.dialog).toEqual({ kind: 'help' });
    await press('n');
    expect(app.view).toEqual({ name: 'list' });
  });

  it('treat a checkbox as no field to type in', () => {
    const box = document.createElement('input');
    box.type = 'checkbox';
    const area = document.createElement('textarea');
    const key = (target: Element) => {
      const event = new KeyboardEvent('keydown', { key: 'n' });
      Object.defineProperty(event, 'target', { value: target });
      return shortcutFor(event);
    };
    expect(key(box)).toBe('add');
    expect(key(area)).toBeNull();
  });
});

describe('help overlay', () => {
  beforeEach(resetAll);
  afterEach(resetAll);

  it('opens with ? and from its button, lists every shortcut, and closes with Esc', async () => {
    await open();
    await press('?');
    const help = screen.getByRole('dialog', { name: 'Keyboard shortcuts' });
    const rows = within(help).getByTestId('shortcuts');
    expect(rows.textContent).toContain('N');
    expect(rows.textContent).toContain('Add a number');
    expect(rows.textContent).toContain('Search on this page');
    expect(rows.textContent).toMatch(/Alt\s*\+\s*←\s*Back to all numbers/);
    expect(rows.textContent).toContain('Show these shortcuts');
    expect(within(help).getAllByRole('definition')).toHaveLength(shortcuts.length);
    expect(document.activeElement).toBe(within(help).getByRole('button', { name: 'Close' }));
    await fireEvent.keyDown(help, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();

    await fireEvent.click(screen.getByRole('button', { name: 'Keyboard shortcuts' }));
    expect(screen.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeTruthy();
  });

  it('is written in the chosen language', async () => {
    await open();
    i18n.apply('pt-BR');
    await press('?');
    const help = screen.getByRole('dialog', { name: 'Atalhos de teclado' });
    expect(help.textContent).toContain('Adicionar número');
    expect(help.textContent).toContain('Voltar a todos os números');
    expect(help.textContent).toContain('exceto enquanto você digita');
  });
});
