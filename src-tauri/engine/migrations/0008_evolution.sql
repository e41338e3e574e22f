-- Webhooks set through Evolution API's dialect are delivered in its shapes, optionally
-- one URL per event; an instance's token may be chosen by the caller, so it must be
-- unique (the API finds an instance by its token).
ALTER TABLE webhooks ADD COLUMN format TEXT NOT NULL DEFAULT 'switchboard';
ALTER TABLE webhooks ADD COLUMN by_events INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX instances_token_unique ON instances (token);
