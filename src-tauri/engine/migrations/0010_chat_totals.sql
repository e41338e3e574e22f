-- Each instance's chat counters, summed and kept in step with its chats by triggers, so
-- reading an instance no longer sums its chats: with 100,000 chats stored, reading one
-- instance took ~120 ms, the same as reading all of them.
CREATE TABLE chat_totals (
    instance_id TEXT PRIMARY KEY NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    chats       INTEGER NOT NULL,
    messages    INTEGER NOT NULL,
    media_files INTEGER NOT NULL,
    media_bytes INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO chat_totals (instance_id, chats, messages, media_files, media_bytes)
SELECT instance_id, COUNT(*), SUM(message_count), SUM(media_files), SUM(media_bytes)
FROM chats GROUP BY instance_id;

CREATE TRIGGER chats_insert_totals AFTER INSERT ON chats
BEGIN
    INSERT INTO chat_totals (instance_id, chats, messages, media_files, media_bytes)
    VALUES (NEW.instance_id, 1, NEW.message_count, NEW.media_files, NEW.media_bytes)
    ON CONFLICT (instance_id) DO UPDATE SET
        chats = chats + 1,
        messages = messages + excluded.messages,
        media_files = media_files + excluded.media_files,
        media_bytes = media_bytes + excluded.media_bytes;
END;

CREATE TRIGGER chats_update_totals AFTER UPDATE ON chats
BEGIN
    UPDATE chat_totals SET
        chats = chats - 1,
        messages = messages - OLD.message_count,
        media_files = media_files - OLD.media_files,
        media_bytes = media_bytes - OLD.media_bytes
    WHERE instance_id = OLD.instance_id;
    INSERT INTO chat_totals (instance_id, chats, messages, media_files, media_bytes)
    VALUES (NEW.instance_id, 1, NEW.message_count, NEW.media_files, NEW.media_bytes)
    ON CONFLICT (instance_id) DO UPDATE SET
        chats = chats + 1,
        messages = messages + excluded.messages,
        media_files = media_files + excluded.media_files,
        media_bytes = media_bytes + excluded.media_bytes;
END;

CREATE TRIGGER chats_delete_totals AFTER DELETE ON chats
BEGIN
    UPDATE chat_totals SET
        chats = chats - 1,
        messages = messages - OLD.message_count,
        media_files = media_files - OLD.media_files,
        media_bytes = media_bytes - OLD.media_bytes
    WHERE instance_id = OLD.instance_id;
END;
