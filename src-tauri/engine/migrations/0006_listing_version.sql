-- The instance list is kept in memory between reads. This counter is bumped inside the
-- same transaction as any change to what the list shows (the six tables its query reads),
-- so one tiny read tells whether the kept list is still exact.
CREATE TABLE listing_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO listing_version (id, version) VALUES (1, 0);

CREATE TRIGGER instances_insert_listed AFTER INSERT ON instances
BEGIN UPDATE listing_version SET version = version + 1; END;
CREATE TRIGGER instances_update_listed AFTER UPDATE ON instances
BEGIN UPDATE listing_version SET version = version + 1; END;
CREATE TRIGGER instances_delete_listed AFTER DELETE ON instances
BEGIN UPDATE listing_version SET version = version + 1; END;
CREATE TRIGGER webhooks_insert_listed AFTER INSERT ON webhooks
BEGIN UPDATE listing_version SET version = version + 1; END;
CREATE TRIGGER webhooks_update_listed AFTER UPDATE ON webhooks
BEGIN UPDATE listing_version SET version = version + 1; END;
CREATE TRIGGER webhooks_delete_listed AFTER DELETE ON webhooks
BEGIN UPDATE listing_version SET version = version + 1; END;
CREATE TRIGGER s3_configs_insert_listed AFTER INSERT ON s3_configs
BEGIN UPDATE listing_version SET version = version + 1; END;
CREATE TRIGGER s3_configs_update_listed AFTER UPDATE ON s3_configs
BEGIN UPDATE listing_version SET version = version + 1; END;
CREATE TRIGGER s3_configs_delete_listed AFTER DELETE ON s3_configs
BEGIN UPDATE listing_version SET version = version + 1; END;
CREATE TRIGGER chats_insert_listed AFTER INSERT ON chats
BEGIN UPDATE listing_version SET version = version + 1; END;
CREATE TRIGGER chats_update_listed AFTER UPDATE ON chats
BEGIN UPDATE listing_version SET version = version + 1; END;
CREATE TRIGGER chats_delete_listed AFTER DELETE ON chats
BEGIN UPDATE listing_version SET version = version + 1; END;
CREATE TRIGGER deletions_insert_listed AFTER INSERT ON deletions
BEGIN UPDATE listing_version SET version = version + 1; END;
CREATE TRIGGER deletions_update_listed AFTER UPDATE ON deletions
BEGIN UPDATE listing_version SET version = version + 1; END;
CREATE TRIGGER deletions_delete_listed AFTER DELETE ON deletions
BEGIN UPDATE listing_version SET version = version + 1; END;
CREATE TRIGGER s3_uploads_insert_listed AFTER INSERT ON s3_uploads
BEGIN UPDATE listing_version SET version = version + 1; END;
CREATE TRIGGER s3_uploads_update_listed AFTER UPDATE ON s3_uploads
BEGIN UPDATE listing_version SET version = version + 1; END;
CREATE TRIGGER s3_uploads_delete_listed AFTER DELETE ON s3_uploads
BEGIN UPDATE listing_version SET version = version + 1; END;
