-- Media in the business's own S3 bucket, per instance.

-- At most one bucket per instance. The secret key is stored as given (the database
-- file is 0600) and never returned by list or get.
CREATE TABLE s3_configs (
    instance_id     TEXT PRIMARY KEY NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    endpoint        TEXT NOT NULL,
    region          TEXT NOT NULL,
    bucket          TEXT NOT NULL,
    -- without leading or trailing '/'; '' for none
    prefix          TEXT NOT NULL,
    access_key      TEXT NOT NULL,
    secret_key      TEXT NOT NULL,
    path_style      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- Where a media file lives. All three NULL: the local file at `path`. Set: the object
-- `s3_key` in bucket `s3_bucket` at `s3_endpoint` (the local copy was removed once
-- the upload was confirmed). Kept per file, so a bucket changed later still names
-- where the older files are.
ALTER TABLE media ADD COLUMN s3_endpoint TEXT;
ALTER TABLE media ADD COLUMN s3_bucket TEXT;
ALTER TABLE media ADD COLUMN s3_key TEXT;

-- Uploads not confirmed yet: retried with backoff until they are, across restarts.
-- Removed with their media row (delete chat) or their instance.
CREATE TABLE s3_uploads (
    instance_id     TEXT NOT NULL,
    chat_jid        TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    -- code and message of the last failed try
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (instance_id, chat_jid, message_id),
    FOREIGN KEY (instance_id, chat_jid, message_id)
        REFERENCES media (instance_id, chat_jid, message_id) ON DELETE CASCADE
);
CREATE INDEX s3_uploads_due ON s3_uploads (next_attempt_at);

-- Delete instance: what was chosen for the bucket's objects ("keep" or "delete"), and
-- the recorded outcome of that step (JSON), so that a crash resumes it.
ALTER TABLE deletions ADD COLUMN s3_choice TEXT;
ALTER TABLE deletions ADD COLUMN s3_outcome TEXT;
