// The current language and the `t` function. Reading `i18n.locale` inside `t` makes every
// template that translates re-render when the language changes. Messages are ICU
// MessageFormat, so plurals follow each language's CLDR rules.
import { IntlMessageFormat } from 'intl-messageformat';
import type { LanguageChoice } from '../api';
import { en, type MessageKey } from './en';
import { es } from './es';
import { id } from './id';
import { ptBR } from './pt-BR';

export type Locale = 'en' | 'pt-BR' | 'es' | 'id';
export type { MessageKey };

export const dictionaries: Record<Locale, Record<MessageKey, string>> = {
  en,
  'pt-BR': ptBR,
  es,
  id,
};

/** Each language named in itself, so a person can find theirs whatever is shown now. */
export const languageNames: Record<Locale, string> = {
  en: 'English',
  'pt-BR': 'Português (Brasil)',
  es: 'Español',
  id: 'Bahasa Indonesia',
};

/** The first of the OS languages that Switchboard speaks, else English. */
export function systemLocale(preferred: readonly string[] = navigator.languages ?? []): Locale {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split(/[-_]/)[0];
    if (base === 'pt') return 'pt-BR';
    if (base === 'es') return 'es';
    if (base === 'id' || base === 'in') return 'id';
    if (base === 'en') return 'en';
  }
  return 'en';
}

class I18n {
  locale = $state<Locale>('en');

  apply(choice: LanguageChoice): void {
    this.locale = choice === 'system' ? systemLocale() : choice;
    document.documentElement.lang = this.locale;
  }
}

export const i18n = new I18n();

export type Params = Record<string, string | number>;

/** Parsed once per language and key: a message is compiled the first time it is shown. */
const compiled = new Map<string, IntlMessageFormat>();

/** The message of `key` in `locale` as an ICU formatter (messages are plain text, never tags). */
export function message(locale: Locale, key: MessageKey): IntlMessageFormat {
  const cacheKey = `${locale}\u0000${key}`;
  let format = compiled.get(cacheKey);
  if (!format) {
    format = new IntlMessageFormat(dictionaries[locale][key], locale, undefined, { ignoreTag: true });
    compiled.set(cacheKey, format);
  }
  return format;
}

/** Fills the placeholders of `key`; numbers and plural forms follow the language. */
export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  return String(message(locale, key).format(params));
}

export function t(key: MessageKey, params?: Params): string {
  return translate(i18n.locale, key, params);
}
