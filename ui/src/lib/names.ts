// The engine's instance-name rules, mirrored so a person sees which rule fails as they
// type. The engine stays the authority: the form also asks it (check_instance_name).
import type { MessageKey } from './i18n/en';

export const maxNameLength = 64;

/** The key of the first rule `name` breaks, or null when it follows them all. */
export function nameProblem(name: string): MessageKey | null {
  if (name.length === 0) return 'add.name.empty';
  if ([...name].length > maxNameLength) return 'add.name.tooLong';
  if (!/^[\p{L}\p{N}]/u.test(name)) return 'add.name.start';
  if (!/^[\p{L}\p{N}._-]+$/u.test(name)) return 'add.name.chars';
  return null;
}
