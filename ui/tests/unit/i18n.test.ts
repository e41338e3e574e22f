import { describe, expect, it } from 'vitest';
import { knownErrorCodes } from '../../src/lib/errors';
import { en } from '../../src/lib/i18n/en';
import { dictionaries, systemLocale, translate, type Locale } from '../../src/lib/i18n/index.svelte';

const placeholders = (text: string) =>
  [...text.matchAll(/\{(\w+)[,}]/g)].map((m) => m[1]).sort();

describe('translations', () => {
  const locales = Object.keys(dictionaries) as Locale[];

  it.each(locales)('%s has every English key and no extra one', (locale) => {
    const keys = Object.keys(dictionaries[locale]).sort();
    const missing = Object.keys(en).filter((k) => !keys.includes(k));
    const extra = keys.filter((k) => !(k in en));
    expect({ locale, missing, extra }).toEqual({ locale, missing: [], extra: [] });
  });

  it.each(locales)('%s fills the same placeholders and leaves nothing empty', (locale) => {
    for (const [key, english] of Object.entries(en)) {
      const text = dictionaries[locale][key as keyof typeof en];
      expect(text.trim(), `${locale} ${key}`).not.toBe('');
      expect(placeholders(text), `${locale} ${key}`).toEqual(placeholders(english));
    }
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
