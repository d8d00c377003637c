-- Consent history (`consent.rs`): each consent given or withdrawn, with its date and how it
-- was given. The person's `consent_*` fields keep the current state (what letters and the
-- figures read); these rows keep how it came to be, withdrawals included.
CREATE TABLE consent (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    person_id TEXT,
    kind TEXT,
    given INTEGER,
    how TEXT,
    date TEXT
) STRICT;
CREATE INDEX consent_by_person ON consent (person_id, date);
