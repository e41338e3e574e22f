// The current language and the `t` function. Reading `i18n.locale` inside `t` makes every
// template that translates re-render when the language changes.
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

const pluralPattern = /\{(\w+), plural, one \{([^}]*)\} other \{([^}]*)\}\}/g;

/**
 * Fills `{name}` placeholders and `{n, plural, one {# thing} other {# things}}` choices;
 * numbers are written the way the language writes them.
 */
export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  const text = dictionaries[locale][key] ?? en[key];
  if (!params) return text;
  const numbers = new Intl.NumberFormat(locale);
  const plurals = new Intl.PluralRules(locale);
  const show = (value: string | number) =>
    typeof value === 'number' ? numbers.format(value) : value;
  return text
    .replace(pluralPattern, (whole, name: string, one: string, other: string) => {
      const value = params[name];
      if (typeof value !== 'number') return whole;
      const form = plurals.select(value) === 'one' ? one : other;
      return form.replace('#', numbers.format(value));
    })
    .replace(/\{(\w+)\}/g, (whole, name: string) =>
      name in params ? show(params[name]) : whole,
    );
}

export function t(key: MessageKey, params?: Params): string {
  return translate(i18n.locale, key, params);
}
