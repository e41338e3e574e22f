-- The last delivery attempt of each instance's webhook, as the window shows it. Kept
-- apart from `webhooks` so that a delivery does not change what the instance list reads.
-- `url` is where it went: a result for an address since replaced is not shown.
CREATE TABLE webhook_deliveries (
    instance_id     TEXT PRIMARY KEY NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    event           TEXT NOT NULL,
    at              INTEGER NOT NULL,
    -- the receiver's HTTP status; null when no answer came
    status          INTEGER,
    -- why it failed; null when delivered
    error           TEXT
);
