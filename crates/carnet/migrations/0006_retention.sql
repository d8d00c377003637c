-- "Prolonger": a person kept past the retention period, until a date, for a recorded reason.
CREATE TABLE retention_extension (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    person_id TEXT,
    until TEXT,
    reason TEXT,
    date TEXT
) STRICT;
CREATE INDEX retention_extension_by_person ON retention_extension (person_id, until);
