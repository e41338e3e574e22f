// The one door between the UI and the desktop shell: every command, the engine's
// event stream and the UI's own preferences. Components never call `invoke` themselves.
import { invoke, type InvokeArgs } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import { getCurrentWindow } from '@tauri-apps/api/window';
import { open, save } from '@tauri-apps/plugin-dialog';
import { load, type Store } from '@tauri-apps/plugin-store';
import { commandFunctions, type Commands } from '../bindings/commands';
import type { EngineEvent } from '../bindings/EngineEvent';

/** A failed command, as the shell sends it: a stable code and a technical message. */
export class ApiError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

/** Turns whatever a rejected invoke carries into an ApiError. */
export function toApiError(raw: unknown): ApiError {
  if (raw instanceof ApiError) return raw;
  if (raw && typeof raw === 'object' && typeof (raw as { code?: unknown }).code === 'string') {
    const { code, message } = raw as { code: string; message?: unknown };
    return new ApiError(code, typeof message === 'string' ? message : '');
  }
  return new ApiError('unknown', raw instanceof Error ? raw.message : String(raw));
}

/** Invokes a command with the argument and answer types generated from the Rust side. */
async function call<C extends keyof Commands>(
  command: C,
  args: Commands[C]['args'],
): Promise<Commands[C]['answer']> {
  try {
    return await invoke<Commands[C]['answer']>(command, args as InvokeArgs);
  } catch (raw) {
    throw toApiError(raw);
  }
}

/** Every command as a typed function, generated from the Rust command list. */
export const api = commandFunctions(call);

/** Subscribes to the engine's events; resolves to the function that unsubscribes. */
export function onEngineEvent(handler: (event: EngineEvent) => void): Promise<UnlistenFn> {
  return listen<EngineEvent>('engine', (e) => handler(e.payload));
}

/** The system's save dialog; the chosen path, or null when it was closed. */
export function chooseSaveFile(suggested: string, kind: string, extensions: string[]): Promise<string | null> {
  return save({ defaultPath: suggested, filters: extensions.length > 0 ? [{ name: kind, extensions }] : undefined });
}

/** The system's open dialog for one file to send; its path, or null when it was closed. */
export async function chooseFileToSend(): Promise<string | null> {
  const chosen = await open({ multiple: false, directory: false });
  return typeof chosen === 'string' ? chosen : null;
}

/** Files dropped on the window, by path (the webview hands over paths, not contents). */
export function onFilesDropped(handler: (paths: string[]) => void): Promise<UnlistenFn> {
  return getCurrentWebview().onDragDropEvent((e) => {
    if (e.payload.type === 'drop' && e.payload.paths.length > 0) handler(e.payload.paths);
  });
}

/** The shell asks the window what closing should do, until the person has chosen. */
export function onCloseAsked(handler: () => void): Promise<UnlistenFn> {
  return listen('close-asked', () => handler());
}

/** Hides the window: Switchboard keeps running in the tray with every number online. */
export function keepRunningInTray(): Promise<void> {
  return getCurrentWindow().hide();
}

/** Closes the window for good: the app quits and every number goes offline. */
export function quitApp(): Promise<void> {
  return getCurrentWindow().destroy();
}

export type ThemeChoice = 'system' | 'light' | 'dark';
/** What closing the window does: ask each time, keep running in the tray, or quit. */
export type CloseChoice = 'ask' | 'tray' | 'quit';
export type LanguageChoice = 'system' | 'en' | 'pt-BR' | 'es' | 'id';

export interface Prefs {
  language: LanguageChoice;
  theme: ThemeChoice;
  lastInstance: string | null;
  closeChoice: CloseChoice;
}

export const defaultPrefs: Prefs = { language: 'system', theme: 'system', lastInstance: null, closeChoice: 'ask' };

let prefsStore: Promise<Store> | null = null;
function prefsFile(): Promise<Store> {
  prefsStore ??= load('prefs.json', { autoSave: true, defaults: {} });
  return prefsStore;
}

const languages: readonly LanguageChoice[] = ['system', 'en', 'pt-BR', 'es', 'id'];
const themes: readonly ThemeChoice[] = ['system', 'light', 'dark'];
const closeChoices: readonly CloseChoice[] = ['ask', 'tray', 'quit'];

/** The saved preferences; anything missing or unreadable falls back to the default. */
export async function loadPrefs(): Promise<Prefs> {
  try {
    const store = await prefsFile();
    const [language, theme, lastInstance, closeChoice] = await Promise.all([
      store.get<string>('language'),
      store.get<string>('theme'),
      store.get<string>('lastInstance'),
      store.get<string>('closeChoice'),
    ]);
    return {
      language: languages.includes(language as LanguageChoice)
        ? (language as LanguageChoice)
        : defaultPrefs.language,
      theme: themes.includes(theme as ThemeChoice) ? (theme as ThemeChoice) : defaultPrefs.theme,
      lastInstance: typeof lastInstance === 'string' ? lastInstance : null,
      closeChoice: closeChoices.includes(closeChoice as CloseChoice)
        ? (closeChoice as CloseChoice)
        : defaultPrefs.closeChoice,
    };
  } catch {
    // Preferences are a comfort: an unreadable file must never stop the app.
    prefsStore = null;
    return { ...defaultPrefs };
  }
}

export async function savePref<K extends keyof Prefs>(key: K, value: Prefs[K]): Promise<void> {
  try {
    const store = await prefsFile();
    await store.set(key, value);
    // Written at once: the window may be closed for good right after.
    await store.save();
  } catch {
    prefsStore = null;
  }
}

/** Test hook: forget the loaded preference file so the next call loads it again. */
export function resetPrefsCache(): void {
  prefsStore = null;
}
