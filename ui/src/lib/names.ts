// The engine's instance-name rules (validate.rs), mirrored so a person sees which rule
// fails as they type. The engine stays the authority: the form also asks it
// (check_instance_name).
import type { MessageKey } from './i18n/en';
import type { Params } from './i18n/index.svelte';

export const maxNameLength = 64;

export interface NameProblem {
  key: MessageKey;
  params?: Params;
}

/** A letter outside a–z (an accented one, or from another alphabet), shown composed. */
function foreignLetter(name: string): string | undefined {
  const letter = /[\p{L}\p{M}]/u;
  for (const char of name.normalize('NFC')) {
    if (letter.test(char) && !/[A-Za-z]/.test(char)) return char;
  }
  return undefined;
}

/** The first rule `name` breaks, with the words for it, or null when it follows them all. */
export function nameProblem(name: string): NameProblem | null {
  if (name.length === 0) return { key: 'add.name.empty' };
  if ([...name].length > maxNameLength) return { key: 'add.name.tooLong' };
  const letter = foreignLetter(name);
  if (letter) return { key: 'add.name.letter', params: { char: letter } };
  if (!/^[A-Za-z0-9]/.test(name)) return { key: 'add.name.start' };
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return { key: 'add.name.chars' };
  return null;
}
