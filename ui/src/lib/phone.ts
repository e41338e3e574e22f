// The phone number a pairing code is asked for, checked as it is typed with the same
// metadata WhatsApp's own apps use (libphonenumber's full set, so a number of the right
// length that no operator hands out is refused too).
import { parsePhoneNumberFromString, validatePhoneNumberLength } from 'libphonenumber-js/max';

/** Why a typed number cannot get a code. */
export type PhoneProblem = 'country_missing' | 'digits' | 'country' | 'too_short' | 'too_long' | 'invalid';

export type PhoneCheck =
  | { ok: true; /** International digits, as the engine takes them. */ digits: string; /** `+55 11 98765 4321` */ display: string }
  | { ok: false; problem: PhoneProblem; /** The country code as typed, digits only. */ countryCode: string };

/** Checks a country code and a national number typed in two fields. */
export function checkPairingPhone(country: string, national: string): PhoneCheck {
  const countryCode = country.replace(/[\s+]/g, '');
  const fail = (problem: PhoneProblem): PhoneCheck => ({ ok: false, problem, countryCode });
  if (!/^\d*$/.test(countryCode) || !/^[\d\s().-]*$/.test(national)) return fail('digits');
  if (!countryCode) return fail('country_missing');
  const digits = national.replace(/\D/g, '');
  const text = `+${countryCode}${digits}`;
  switch (validatePhoneNumberLength(text)) {
    case 'INVALID_COUNTRY':
      return fail('country');
    case 'NOT_A_NUMBER':
    case 'TOO_SHORT':
      return fail('too_short');
    case 'TOO_LONG':
      return fail('too_long');
    case 'INVALID_LENGTH':
      return fail('invalid');
  }
  const parsed = parsePhoneNumberFromString(text);
  // The country code must be the one typed: "+1 …" never silently becomes another country.
  if (!parsed || parsed.countryCallingCode !== countryCode) return fail('country');
  if (!parsed.isValid()) return fail('invalid');
  return { ok: true, digits: `${countryCode}${parsed.nationalNumber}`, display: parsed.formatInternational() };
}

/** International digits (`5511987654321`) the way their country writes them. */
export function displayPhone(digits: string): string {
  return parsePhoneNumberFromString(`+${digits}`)?.formatInternational() ?? `+${digits}`;
}
