import type { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { knownErrorCodes } from '../../src/lib/errors';
import { en, type MessageKey } from '../../src/lib/i18n/en';
import { dictionaries, message, systemLocale, translate, type Locale } from '../../src/lib/i18n/index.svelte';

type Element = ReturnType<IntlMessageFormat['getAst']>[number];

/** ICU element types that carry an argument, named the way a translator thinks of them. */
const argumentKinds: Record<number, string> = { 1: 'text', 2: 'number', 3: 'date', 4: 'time', 5: 'select', 6: 'plural' };

/** Every argument of a parsed message with its kind (`count:plural`), plural branches included. */
function argumentsOf(elements: Element[], found = new Set<string>()): Set<string> {
  for (const element of elements) {
    const kind = argumentKinds[element.type];
    if (kind && 'value' in element) found.add(`${element.value}:${kind}`);
    if ('options' in element) {
      for (const option of Object.values(element.options)) argumentsOf(option.value, found);
    }
  }
  return found;
}

const locales = Object.keys(dictionaries) as Locale[];
const keys = Object.keys(en) as MessageKey[];

describe('translations', () => {
  it.each(locales)('%s has every English key and no extra one', (locale) => {
    const own = Object.keys(dictionaries[locale]).sort();
    const missing = keys.filter((k) => !own.includes(k));
    const extra = own.filter((k) => !(k in en));
    expect({ locale, missing, extra }).toEqual({ locale, missing: [], extra: [] });
  });

  it.each(locales)('%s: every message parses as ICU, with the arguments of the English one', (locale) => {
    for (const key of keys) {
      const text = dictionaries[locale][key];
      expect(text.trim(), `${locale} ${key}`).not.toBe('');
      const parsed = message(locale, key).getAst();
      expect([...argumentsOf(parsed)].sort(), `${locale} ${key}`).toEqual(
        [...argumentsOf(message('en', key).getAst())].sort(),
      );
    }
  });

  it('refuses a message that is not ICU', async () => {
    const { IntlMessageFormat } = await import('intl-messageformat');
    expect(() => new IntlMessageFormat('{count, plural, one {# chat}', 'en')).toThrow();
  });

  it('has words for every engine error code and a generic sentence', () => {
    for (const code of [...knownErrorCodes, 'unknown']) {
      expect(en).toHaveProperty(`error.${code}`);
    }
  });

  it('chooses plural forms and writes numbers the language’s way', () => {
    expect(translate('en', 'deleteInstance.media', { count: 1, size: '2 MB' })).toBe('1 media file (2 MB)');
    expect(translate('en', 'deleteInstance.media', { count: 1200, size: '2 MB' })).toBe(
      '1,200 media files (2 MB)',
    );
    expect(translate('pt-BR', 'deleteInstance.media', { count: 1200, size: '2 MB' })).toBe(
      '1.200 arquivos de mídia (2 MB)',
    );
    expect(translate('es', 'list.showing', { shown: 1200, total: 15000 })).toBe('Mostrando 1200 de 15.000');
    expect(translate('id', 'deleteChat.messages', { count: 1 })).toBe('1 pesan akan dihapus.');
  });

  it('reads zero naturally in Portuguese, where CLDR counts 0 as “one”', () => {
    const summary = translate('pt-BR', 'instance.summary', { chats: 0, messages: 0, media: 0, size: '0 byte' });
    expect(summary).toBe('nenhuma conversa · nenhuma mensagem · nenhum arquivo de mídia');
    expect(translate('pt-BR', 'instance.summary', { chats: 1, messages: 2, media: 1, size: '3 MB' })).toBe(
      '1 conversa · 2 mensagens · 1 arquivo de mídia (3 MB)',
    );
    expect(translate('pt-BR', 'deleteChat.messages', { count: 0 })).toBe('Nenhuma mensagem será removida.');
    for (const locale of locales) {
      const none = translate(locale, 'deleteInstance.media', { count: 0, size: '0 bytes' });
      expect(none, locale).not.toMatch(/\d/);
    }
  });

  it('uses WhatsApp’s own Portuguese for logging out', () => {
    const pt = Object.values(dictionaries['pt-BR']).join('\n');
    expect(pt).not.toMatch(/deslog/i);
    expect(translate('pt-BR', 'instance.logout')).toBe('Desconectar');
    expect(translate('pt-BR', 'state.loggedout')).toBe('Desconectado');
    // The logged-out badge and the plain disconnected one must not read the same.
    expect(translate('pt-BR', 'state.disconnected')).not.toBe(translate('pt-BR', 'state.loggedout'));
  });

  it.each(locales)('%s never names a state and a button with the same word', (locale) => {
    const states = ['connected', 'connecting', 'disconnected', 'loggedout', 'banned', 'deleting'].map((s) =>
      translate(locale, `state.${s}` as MessageKey),
    );
    expect(new Set(states).size, locale).toBe(states.length);
    for (const button of ['instance.logout', 'instance.reconnect', 'instance.link', 'instance.delete'] as const) {
      expect(states, `${locale} ${button}`).not.toContain(translate(locale, button));
    }
  });

  it('offers the phone-number way in Indonesian without saying “only”', () => {
    expect(translate('id', 'link.tab.code')).not.toMatch(/\bsaja\b/);
    expect(translate('id', 'link.code.steps.3')).not.toMatch(/\bsaja\b/);
  });

  it.each(locales)('%s says which letters a name may use', (locale) => {
    expect(translate(locale, 'add.name.hint')).toContain('a–z');
    expect(translate(locale, 'error.invalid_name')).toContain('a–z');
  });

  it('follows the OS language, falling back to English', () => {
    expect(systemLocale(['pt-PT', 'en'])).toBe('pt-BR');
    expect(systemLocale(['es-MX'])).toBe('es');
    expect(systemLocale(['in_ID'])).toBe('id');
    expect(systemLocale(['de-DE', 'id-ID'])).toBe('id');
    expect(systemLocale(['fr-FR'])).toBe('en');
    expect(systemLocale([])).toBe('en');
  });
});
