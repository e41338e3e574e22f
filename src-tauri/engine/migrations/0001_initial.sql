-- Switchboard's app database. Every table an instance owns references it with
-- ON DELETE CASCADE so that one DELETE FROM instances removes all of its rows.
-- `audit` and `deletions` are deliberately NOT cascaded: they outlive the instance.

CREATE TABLE instances (
    id              TEXT PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL,
    -- lower-cased name: uniqueness is case-insensitive
    name_key        TEXT NOT NULL UNIQUE,
    token           TEXT NOT NULL,
    -- signs every webhook body of this instance
    webhook_secret  TEXT NOT NULL,
    settings        TEXT NOT NULL,
    proxy           TEXT,
    -- last known InstanceState (JSON), shown after a restart
    state           TEXT NOT NULL,
    paired          INTEGER NOT NULL DEFAULT 0,
    phone_jid       TEXT,
    lid             TEXT,
    push_name       TEXT,
    business_name   TEXT,
    picture_url     TEXT,
    created_at      INTEGER NOT NULL
);

CREATE TABLE webhooks (
    instance_id     TEXT PRIMARY KEY NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    -- JSON array of WebhookEvent; empty = every event
    events          TEXT NOT NULL,
    authorization   TEXT
);

-- Counters are kept on the chat row by the code that inserts messages and media, so
-- listing instances with counts never scans the message table.
CREATE TABLE chats (
    instance_id     TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    jid             TEXT NOT NULL,
    name            TEXT,
    last_message_at INTEGER,
    message_count   INTEGER NOT NULL DEFAULT 0,
    media_files     INTEGER NOT NULL DEFAULT 0,
    media_bytes     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (instance_id, jid)
);

CREATE TABLE messages (
    instance_id     TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    chat_jid        TEXT NOT NULL,
    id              TEXT NOT NULL,
    from_me         INTEGER NOT NULL,
    sender          TEXT,
    timestamp       INTEGER NOT NULL,
    text            TEXT,
    media_kind      TEXT,
    PRIMARY KEY (instance_id, chat_jid, id)
);
-- the last message of a chat (delete-chat range)
CREATE INDEX messages_by_chat_time ON messages (instance_id, chat_jid, timestamp);

CREATE TABLE media (
    instance_id     TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    chat_jid        TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    -- relative to the instance folder, always under media/
    path            TEXT NOT NULL,
    bytes           INTEGER NOT NULL,
    mime            TEXT,
    PRIMARY KEY (instance_id, chat_jid, message_id)
);

CREATE TABLE webhook_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id     TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    event           TEXT NOT NULL,
    body            TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at);
CREATE INDEX webhook_outbox_instance ON webhook_outbox (instance_id);

-- A deletion under way. Survives the instance's rows so that a crash at any step can
-- be finished at the next start; removed together with writing the audit record.
CREATE TABLE deletions (
    instance_id     TEXT PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL,
    started_at      INTEGER NOT NULL,
    -- what the instance held when the deletion started
    chats           INTEGER NOT NULL,
    messages        INTEGER NOT NULL,
    media_files     INTEGER NOT NULL,
    media_bytes     INTEGER NOT NULL,
    webhook         TEXT,
    whatsapp_logout TEXT
);

CREATE TABLE audit (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    action          TEXT NOT NULL,
    instance_id     TEXT NOT NULL,
    instance_name   TEXT NOT NULL,
    target          TEXT,
    at              INTEGER NOT NULL,
    result          TEXT NOT NULL,
    chats           INTEGER NOT NULL DEFAULT 0,
    messages        INTEGER NOT NULL DEFAULT 0,
    media_files     INTEGER NOT NULL DEFAULT 0,
    media_bytes     INTEGER NOT NULL DEFAULT 0,
    detail          TEXT
);
CREATE INDEX audit_by_instance ON audit (instance_id, id);
