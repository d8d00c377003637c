-- The journal (`audit.rs`): local, never synced, append-only. No name and no value: a time,
-- the officer's profile id, an action code, and the kind and id of the record concerned.
-- Each entry's hash covers the previous one's (the first one's covers `meta.audit_anchor`,
-- the hash of the last entry dropped by retention). AUTOINCREMENT keeps, in
-- `sqlite_sequence`, the last number ever given: entries removed from the end are found too.
CREATE TABLE audit_entry (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    officer TEXT,
    action TEXT NOT NULL,
    entity TEXT,
    record TEXT,
    hash BLOB NOT NULL
);
CREATE INDEX audit_entry_by_time ON audit_entry (at_ms);
