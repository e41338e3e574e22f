// Locale-aware formatting of the numbers, sizes, dates and phone numbers the UI shows.
// The same metadata as the pairing form's check (phone.ts): one set in the bundle.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { dateTimeFormat, numberFormat } from './formatters';

/** `5511999999999@s.whatsapp.net` (or `:device`) -> `+5511999999999`; other JIDs as given. */
export function phoneFromJid(jid: string | null | undefined): string | null {
  if (!jid) return null;
  const [user, server] = jid.split('@');
  const digits = user.split(':')[0];
  if (server === 's.whatsapp.net' && /^\d+$/.test(digits)) return `+${digits}`;
  return null;
}

/** A phone number the way its own country writes it, with and without the country code. */
export interface ReadablePhone {
  /** `(11) 98765-4321` */
  national: string;
  /** `+55 11 98765 4321` */
  international: string;
}

/** The readable forms of a phone JID's number; a number no country knows stays as digits. */
export function readablePhone(jid: string | null | undefined): ReadablePhone | null {
  const e164 = phoneFromJid(jid);
  if (!e164) return null;
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return { national: e164, international: e164 };
  return { national: parsed.formatNational(), international: parsed.formatInternational() };
}

/**
 * How a chat is named when it has no name: its number with the country code (contacts
 * write from anywhere), or the JID itself.
 */
export function chatLabel(jid: string, name: string | null): string {
  if (name && name.trim()) return name;
  if (jid.endsWith('@g.us')) return jid;
  return readablePhone(jid)?.international ?? jid.split('@')[0];
}

/** Up to two letters for an avatar placeholder. */
export function initials(text: string): string {
  const words = text
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
  if (words.length === 0) return '?';
  const letters =
    words.length === 1 ? [...words[0]].slice(0, 2) : [[...words[0]][0], [...words[1]][0]];
  return letters.join('').toUpperCase();
}

const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** Decimal sizes (1 MB = 1,000,000 bytes), as file managers on Linux show them. */
export function formatBytes(bytes: number, locale: string): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return numberFormat(locale, {
    style: 'unit',
    unit: units[unit],
    unitDisplay: unit === 0 ? 'long' : 'short',
    maximumFractionDigits: unit === 0 || value >= 100 ? 0 : 1,
  }).format(value);
}

export function formatCount(n: number, locale: string): string {
  return numberFormat(locale).format(n);
}

/** Time today, or date and time on other days. */
export function formatWhen(millis: number, locale: string, now = Date.now()): string {
  const date = new Date(millis);
  const sameDay = new Date(now).toDateString() === date.toDateString();
  return dateTimeFormat(
    locale,
    sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' },
  ).format(date);
}

/** Time of day to the second, for a moment moments away (the next reconnect attempt). */
export function formatTime(millis: number, locale: string): string {
  return dateTimeFormat(locale, { timeStyle: 'medium' }).format(new Date(millis));
}

export function formatDate(millis: number, locale: string): string {
  return dateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(millis),
  );
}

/** A length of time in its largest sensible unit: "45 seconds", "3 minutes", "2 hours". */
export function formatSpan(millis: number, locale: string): string {
  const seconds = Math.max(0, Math.round(millis / 1000));
  const [value, unit] =
    seconds < 90 ? [seconds, 'second'] : seconds < 5400 ? [Math.round(seconds / 60), 'minute'] : [Math.round(seconds / 3600), 'hour'];
  return numberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}

/** A countdown as `m:ss`. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** `ABCD1234` -> `ABCD-1234`, the way WhatsApp prints pairing codes. */
export function formatPairingCode(code: string): string {
  const clean = code.replace(/[^0-9A-Za-z]/g, '').toUpperCase();
  return clean.length === 8 ? `${clean.slice(0, 4)}-${clean.slice(4)}` : clean;
}

