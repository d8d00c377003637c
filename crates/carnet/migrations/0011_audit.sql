-- The journal (`audit.rs`): local, never synced, append-only. No name and no value: a time,
-- the officer's profile id, an action code, and the kind and id of the record concerned.
-- Each entry's hash covers the previous one's (the first one's covers `meta.audit_anchor`,
-- the hash of the last entry dropped by retention). `meta.audit_last` holds the last number
-- given (written with the clock's state, on a page every write changes anyway): entries
-- removed from the end are found too.
CREATE TABLE audit_entry (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    officer TEXT,
    action TEXT NOT NULL,
    entity TEXT,
    record TEXT,
    hash BLOB NOT NULL
);
-- No index on the time: one more page written with every entry (a capture's cost), while
-- reading the journal by date or pruning it scans a year of entries in milliseconds.
INSERT INTO meta (key, value) VALUES ('audit_last', 0);
