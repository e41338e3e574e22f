-- A kept instance list re-reads only the instances a change touched. Each trigger that
-- bumps the listing version now also records, against the touched instance, the version
-- that change made; a reader that kept the list at version K re-reads the instances
-- recorded above K (an instance deleted since is simply dropped from its list).
CREATE TABLE listing_changes (
    instance_id TEXT PRIMARY KEY NOT NULL,
    version     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX listing_changes_by_version ON listing_changes (version);

DROP TRIGGER instances_insert_listed;
CREATE TRIGGER instances_insert_listed AFTER INSERT ON instances
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (NEW.id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;

DROP TRIGGER instances_update_listed;
CREATE TRIGGER instances_update_listed AFTER UPDATE ON instances
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (NEW.id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;

DROP TRIGGER instances_delete_listed;
CREATE TRIGGER instances_delete_listed AFTER DELETE ON instances
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (OLD.id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;

DROP TRIGGER webhooks_insert_listed;
CREATE TRIGGER webhooks_insert_listed AFTER INSERT ON webhooks
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (NEW.instance_id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;

DROP TRIGGER webhooks_update_listed;
CREATE TRIGGER webhooks_update_listed AFTER UPDATE ON webhooks
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (NEW.instance_id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;

DROP TRIGGER webhooks_delete_listed;
CREATE TRIGGER webhooks_delete_listed AFTER DELETE ON webhooks
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (OLD.instance_id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;

DROP TRIGGER s3_configs_insert_listed;
CREATE TRIGGER s3_configs_insert_listed AFTER INSERT ON s3_configs
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (NEW.instance_id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;

DROP TRIGGER s3_configs_update_listed;
CREATE TRIGGER s3_configs_update_listed AFTER UPDATE ON s3_configs
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (NEW.instance_id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;

DROP TRIGGER s3_configs_delete_listed;
CREATE TRIGGER s3_configs_delete_listed AFTER DELETE ON s3_configs
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (OLD.instance_id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;

DROP TRIGGER chats_insert_listed;
CREATE TRIGGER chats_insert_listed AFTER INSERT ON chats
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (NEW.instance_id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;

DROP TRIGGER chats_update_listed;
CREATE TRIGGER chats_update_listed AFTER UPDATE ON chats
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (NEW.instance_id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;

DROP TRIGGER chats_delete_listed;
CREATE TRIGGER chats_delete_listed AFTER DELETE ON chats
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (OLD.instance_id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;

DROP TRIGGER deletions_insert_listed;
CREATE TRIGGER deletions_insert_listed AFTER INSERT ON deletions
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (NEW.instance_id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;

DROP TRIGGER deletions_update_listed;
CREATE TRIGGER deletions_update_listed AFTER UPDATE ON deletions
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (NEW.instance_id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;

DROP TRIGGER deletions_delete_listed;
CREATE TRIGGER deletions_delete_listed AFTER DELETE ON deletions
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (OLD.instance_id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;

DROP TRIGGER s3_uploads_insert_listed;
CREATE TRIGGER s3_uploads_insert_listed AFTER INSERT ON s3_uploads
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (NEW.instance_id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;

DROP TRIGGER s3_uploads_update_listed;
CREATE TRIGGER s3_uploads_update_listed AFTER UPDATE ON s3_uploads
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (NEW.instance_id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;

DROP TRIGGER s3_uploads_delete_listed;
CREATE TRIGGER s3_uploads_delete_listed AFTER DELETE ON s3_uploads
BEGIN
    UPDATE listing_version SET version = version + 1;
    INSERT INTO listing_changes (instance_id, version)
    VALUES (OLD.instance_id, (SELECT version FROM listing_version WHERE id = 1))
    ON CONFLICT (instance_id) DO UPDATE SET version = excluded.version;
END;
