// Keyboard shortcuts for the common moves. One list drives both the key handling and the
// help overlay, so what the overlay documents is what works.
import type { MessageKey } from './i18n/en';

export type ShortcutAction = 'add' | 'search' | 'back' | 'help';

export interface Shortcut {
  action: ShortcutAction;
  /** The keys as the help overlay prints them, pressed together. */
  keys: string[];
  label: MessageKey;
  matches: (event: KeyboardEvent) => boolean;
}

const noModifier = (e: KeyboardEvent) => !e.ctrlKey && !e.metaKey && !e.altKey;

export const shortcuts: readonly Shortcut[] = [
  { action: 'add', keys: ['N'], label: 'help.add', matches: (e) => noModifier(e) && e.key.toLowerCase() === 'n' },
  { action: 'search', keys: ['/'], label: 'help.search', matches: (e) => noModifier(e) && e.key === '/' },
  {
    action: 'back',
    keys: ['Alt', '←'],
    label: 'help.back',
    matches: (e) => e.altKey && !e.ctrlKey && !e.metaKey && e.key === 'ArrowLeft',
  },
  // "?" needs Shift on most layouts, so Shift is allowed here.
  { action: 'help', keys: ['?'], label: 'help.help', matches: (e) => noModifier(e) && e.key === '?' },
];

/** Inputs whose keys are not text: shortcuts still work while one of them has the focus. */
const notText = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file']);

/** Whether a key pressed on `target` is typing into a field (shortcuts stay out of its way). */
export function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !notText.has(target.type);
}

/** The move a key press asks for, or null when it is not a shortcut here. */
export function shortcutFor(event: KeyboardEvent): ShortcutAction | null {
  if (event.defaultPrevented || event.isComposing || typingIn(event.target)) return null;
  return shortcuts.find((s) => s.matches(event))?.action ?? null;
}
