// The rows a conversation shows: one per message, oldest first, the first message of each
// day carrying that day's separator. One row per message keeps the virtual list's
// measured sizes true when older pages are put in front.
import type { ChatMessage } from '../bindings/ChatMessage';

export type ConversationRow = { message: ChatMessage; day: string | null };

/** `dayLabel` names a day in words; it is asked once per day, not once per message. */
export function conversationRows(messages: ChatMessage[], dayLabel: (date: Date) => string): ConversationRow[] {
  let previous = '';
  return messages.map((message) => {
    const date = new Date(message.timestamp);
    const day = `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
    const starts = day !== previous;
    previous = day;
    return { message, day: starts ? dayLabel(date) : null };
  });
}
