-- Who asked for each destructive action: the window, the local API with the account
-- token or with the instance's own token, or the phone. A deletion remembers it in its
-- tombstone so that one finished after a restart is recorded for whoever started it.
ALTER TABLE audit ADD COLUMN requested_by TEXT NOT NULL DEFAULT 'window';
ALTER TABLE deletions ADD COLUMN requested_by TEXT NOT NULL DEFAULT 'window';
