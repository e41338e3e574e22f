import { describe, expect, it } from 'vitest';
import {
  chatLabel,
  formatBytes,
  formatPairingCode,
  initials,
  phoneFromJid,
  readablePhone,
} from '../../src/lib/format';
import { dateTimeFormat, numberFormat } from '../../src/lib/formatters';
import { nameProblem } from '../../src/lib/names';

describe('formatting', () => {
  it('turns phone JIDs into numbers and leaves other JIDs alone', () => {
    expect(phoneFromJid('5511987654321@s.whatsapp.net')).toBe('+5511987654321');
    expect(phoneFromJid('5511987654321:12@s.whatsapp.net')).toBe('+5511987654321');
    expect(phoneFromJid('123@lid')).toBeNull();
    expect(phoneFromJid(null)).toBeNull();
    expect(chatLabel('5521998887766@s.whatsapp.net', null)).toBe('+55 21 99888 7766');
    expect(chatLabel('120363@g.us', 'Suppliers')).toBe('Suppliers');
  });

  it('writes phone numbers the way their country does', () => {
    expect(readablePhone('5511987654321@s.whatsapp.net')).toEqual({
      national: '(11) 98765-4321',
      international: '+55 11 98765 4321',
    });
    expect(readablePhone('6281234567890@s.whatsapp.net')?.national).toBe('0812-3456-7890');
    expect(readablePhone('34612345678:3@s.whatsapp.net')?.international).toBe('+34 612 34 56 78');
    // A number no country knows is still shown, as digits.
    expect(readablePhone('999123@s.whatsapp.net')).toEqual({ national: '+999123', international: '+999123' });
    expect(readablePhone('123@lid')).toBeNull();
    expect(readablePhone(null)).toBeNull();
  });

  it('writes sizes in decimal units', () => {
    expect(formatBytes(0, 'en')).toBe('0 bytes');
    expect(formatBytes(356_400_000, 'en')).toBe('356 MB');
    expect(formatBytes(24_500_000, 'en')).toBe('24.5 MB');
    expect(formatBytes(1_500_000_000, 'pt-BR')).toBe('1,5 GB');
  });

  it('groups pairing codes as WhatsApp shows them', () => {
    expect(formatPairingCode('abcd1234')).toBe('ABCD-1234');
    expect(formatPairingCode('ABCD-1234')).toBe('ABCD-1234');
  });

  it('makes initials and refuses remote pictures under the content policy', () => {
    expect(initials('Padaria Central')).toBe('PC');
    expect(initials('shop-front')).toBe('SF');
    expect(initials('x')).toBe('X');
  });
});

describe('instance name rules', () => {
  it.each([
    ['', 'add.name.empty'],
    ['a'.repeat(65), 'add.name.tooLong'],
    ['-shop', 'add.name.start'],
    ['.hidden', 'add.name.start'],
    ['my shop', 'add.name.chars'],
    ['a/b', 'add.name.chars'],
    ['../x', 'add.name.start'],
    ['nul\u0000', 'add.name.chars'],
  ])('%j breaks %s', (name, key) => {
    expect(nameProblem(name)?.key).toBe(key);
  });

  it.each([
    ['loja-são-paulo', 'ã'],
    ['cafe\u0301', 'é'],
    ['Ñandú', 'Ñ'],
    ['магазин', 'м'],
    ['-ção', 'ç'],
  ])('%j has a letter outside a–z: %s', (name, letter) => {
    expect(nameProblem(name)).toEqual({ key: 'add.name.letter', params: { char: letter } });
  });

  it.each(['shop-front', 'sales_2', 'v1.2', 'a'.repeat(64), 'Loja9'])('%j is fine', (name) => {
    expect(nameProblem(name)).toBeNull();
  });
});

describe('Intl formatters', () => {
  it('are built once per language and options, and each keeps its own options', () => {
    const short = dateTimeFormat('en', { timeStyle: 'short' });
    expect(dateTimeFormat('en', { timeStyle: 'short' })).toBe(short);
    expect(dateTimeFormat('pt-BR', { timeStyle: 'short' })).not.toBe(short);
    expect(dateTimeFormat('en', { timeStyle: 'medium' })).not.toBe(short);
    expect(short.resolvedOptions().locale).toBe('en');
    expect(dateTimeFormat('pt-BR', { timeStyle: 'short' }).resolvedOptions().locale).toBe('pt-BR');

    const plain = numberFormat('en');
    expect(numberFormat('en')).toBe(plain);
    expect(numberFormat('en', { maximumFractionDigits: 0 })).not.toBe(plain);
    expect(plain.format(1234.5)).toBe('1,234.5');
    expect(numberFormat('en', { maximumFractionDigits: 0 }).format(1234.5)).toBe('1,235');
  });
});
