-- Where WhatsApp serves a received media file, kept whether or not it was downloaded,
-- so it can be fetched later on demand while WhatsApp still has it. Removed with its
-- message (delete chat) or its instance.
CREATE TABLE media_sources (
    instance_id     TEXT NOT NULL,
    chat_jid        TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    direct_path     TEXT NOT NULL,
    -- NULL for media WhatsApp serves unencrypted
    media_key       BLOB,
    -- SHA-256 of the plain file and of the encrypted one, as the message names them
    file_sha256     BLOB NOT NULL,
    file_enc_sha256 BLOB,
    file_length     INTEGER NOT NULL,
    mime            TEXT,
    -- the sender's file name (documents)
    file_name       TEXT,
    PRIMARY KEY (instance_id, chat_jid, message_id),
    FOREIGN KEY (instance_id, chat_jid, message_id)
        REFERENCES messages (instance_id, chat_jid, id) ON DELETE CASCADE
);
