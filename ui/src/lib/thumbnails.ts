// Picture previews for the conversation view, asked of the engine once per message and
// kept while the window is open: scrolling back and forth asks nothing again.
import { api } from './api';

const kept = new Map<string, Promise<string | null>>();

/** The preview's data URL, or null when none can be made (the bubble then shows its chip). */
export function thumbnail(instanceName: string, chat: string, messageId: string): Promise<string | null> {
  const key = JSON.stringify([instanceName, chat, messageId]);
  let preview = kept.get(key);
  if (!preview) {
    preview = api.mediaThumbnail(instanceName, chat, messageId).catch(() => {
      // A failure is not kept: the file may arrive or be downloaded later.
      kept.delete(key);
      return null;
    });
    kept.set(key, preview);
  }
  return preview;
}
