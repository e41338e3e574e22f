-- Conversations: what a chat's history shows, and where an outgoing message got to.

-- text | image | video | audio | voice | document | sticker | location | contact
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
UPDATE messages SET kind = media_kind WHERE media_kind IS NOT NULL;
-- the author's WhatsApp name when the message (or history sync) carried it
ALTER TABLE messages ADD COLUMN sender_name TEXT;
-- a reply: the quoted message's id and text as the reply carried them
ALTER TABLE messages ADD COLUMN quoted_id TEXT;
ALTER TABLE messages ADD COLUMN quoted_text TEXT;
ALTER TABLE messages ADD COLUMN latitude REAL;
ALTER TABLE messages ADD COLUMN longitude REAL;
-- outgoing only: sent | delivered | read
ALTER TABLE messages ADD COLUMN delivery TEXT;

-- Keyset paging newest first on (timestamp, id): a page deep in a long chat costs what
-- the first one does. It also finds a chat's last message (delete-chat range).
DROP INDEX messages_by_chat_time;
CREATE INDEX messages_by_chat_page ON messages (instance_id, chat_jid, timestamp, id);
