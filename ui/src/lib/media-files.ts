// A message's stored file, opened with the system's app or saved where the person chooses,
// or fetched from WhatsApp when it was not downloaded as it arrived. The engine reads it
// from this computer or the number's bucket; the window never names a path of the store.
import type { ChatMessage } from '../bindings/ChatMessage';
import { api, chooseSaveFile } from './api';

const extensionOfMime: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'application/pdf': 'pdf',
};

function extensionOf(name: string): string | null {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1) : null;
}

/** The name "Save as…" proposes: a document's own name, else the stored file's, else one from its type. */
export function suggestedName(m: ChatMessage): string {
  const own = m.kind === 'document' ? m.text?.trim().split(/[\\/]/).pop() : undefined;
  if (own && extensionOf(own)) return own;
  const stored = m.file?.path?.split(/[\\/]/).pop();
  if (stored) return stored;
  const mime = m.file?.mime?.split(';')[0].trim() ?? '';
  return `${m.id}.${extensionOfMime[mime] ?? 'bin'}`;
}

export function openStoredFile(instanceName: string, m: ChatMessage): Promise<null> {
  return api.openMedia(instanceName, m.chat_jid, m.id);
}

/** Asks where to save, then saves; false when the dialog was closed. */
export async function saveStoredFileAs(instanceName: string, m: ChatMessage, kind: string): Promise<boolean> {
  const name = suggestedName(m);
  const extension = extensionOf(name);
  const path = await chooseSaveFile(name, kind, extension ? [extension] : []);
  if (!path) return false;
  await api.saveMedia(instanceName, m.chat_jid, m.id, path);
  return true;
}

/** Downloads a received file WhatsApp still serves; answers the message with its file. */
export function downloadMissingFile(instanceName: string, m: ChatMessage): Promise<ChatMessage> {
  return api.downloadMedia(instanceName, m.chat_jid, m.id);
}
