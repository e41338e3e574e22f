-- What happened to each number, whoever did it (the phone, WhatsApp, the network, a
-- webhook receiver). Keyed by the instance's id, so a name used again starts a new
-- story; like `audit`, not cascaded: it outlives the instance. The destructive actions
-- stay in `audit` and are read together with these rows.
CREATE TABLE timeline (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id     TEXT NOT NULL,
    instance_name   TEXT NOT NULL,
    at              INTEGER NOT NULL,
    -- a TimelineEvent (JSON)
    event           TEXT NOT NULL
);
CREATE INDEX timeline_by_instance ON timeline (instance_id, at);
