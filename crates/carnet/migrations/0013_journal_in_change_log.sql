-- The journal's entries for local writes ride on the change-log row each write appends
-- anyway (`audit.rs`): a capture writes no page of the journal's own. NULL on rows received
-- by sync and on rows written before this migration (their entries are in `audit_entry`).
-- Same fields and same chain as `audit_entry`: one numbering for both tables.
ALTER TABLE change_log ADD COLUMN journal_seq INTEGER;
ALTER TABLE change_log ADD COLUMN journal_at INTEGER;
ALTER TABLE change_log ADD COLUMN journal_officer TEXT;
ALTER TABLE change_log ADD COLUMN journal_action TEXT;
ALTER TABLE change_log ADD COLUMN journal_hash BLOB;
-- The chain's head (the last entry's hash, or the anchor when there is none), next to the
-- last number given: appending reads and writes `meta` only.
INSERT INTO meta (key, value) VALUES ('audit_head', coalesce(
    (SELECT hash FROM audit_entry ORDER BY seq DESC LIMIT 1),
    (SELECT value FROM meta WHERE key = 'audit_anchor'),
    X''));
-- Where the journal's rows in the change log start: reading and verifying the journal scan
-- the change log from there (no index: it would be one more page per write).
INSERT INTO meta (key, value) VALUES ('audit_change_from',
    (SELECT coalesce(max(seq), 0) FROM change_log));
