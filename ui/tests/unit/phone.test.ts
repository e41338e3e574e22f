import { describe, expect, it } from 'vitest';
import { checkPairingPhone, displayPhone } from '../../src/lib/phone';

describe('pairing phone check', () => {
  it('takes a real number in the way people type it and gives it formatted', () => {
    expect(checkPairingPhone('+55', '(11) 98765-4321')).toEqual({
      ok: true,
      digits: '5511987654321',
      display: '+55 11 98765 4321',
    });
    expect(checkPairingPhone('62', '812 3456 7890')).toMatchObject({ ok: true, digits: '6281234567890' });
  });

  it('names what is wrong: short, long, unused country code, letters, impossible number', () => {
    expect(checkPairingPhone('55', '123')).toMatchObject({ ok: false, problem: 'too_short' });
    expect(checkPairingPhone('', '123')).toMatchObject({ ok: false, problem: 'country_missing' });
    expect(checkPairingPhone('999', '11987654321')).toMatchObject({ ok: false, problem: 'country', countryCode: '999' });
    expect(checkPairingPhone('55', '119876543210123')).toMatchObject({ ok: false, problem: 'too_long' });
    expect(checkPairingPhone('55', 'call me')).toMatchObject({ ok: false, problem: 'digits' });
    expect(checkPairingPhone('55', '11 12345 6789')).toMatchObject({ ok: false, problem: 'invalid' });
  });

  it('shows stored digits with their country code, spaced', () => {
    expect(displayPhone('5511987654321')).toBe('+55 11 98765 4321');
  });
});
