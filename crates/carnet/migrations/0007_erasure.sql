-- Erasure orders: one row per erased person, named by the person's id and nothing else
-- (the kind and the day). Synced like any row, never deleted: every device that receives one
-- removes the person, now and whenever an old or late change about them arrives.
CREATE TABLE erasure (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    kind TEXT,
    date TEXT
) STRICT;

-- What this notebook removed for an erased person: rows gone (the person, their referrals
-- and steps, outcomes, letters, attendances, extensions) and encounters made anonymous
-- ("detached": no person, no note, no follow-up). Ids only. A change that arrives later for
-- a gone row, or for a detached encounter's personal fields, is dropped.
CREATE TABLE erased_row (
    row_id BLOB PRIMARY KEY NOT NULL,
    entity TEXT NOT NULL,
    detached INTEGER NOT NULL,
    person BLOB NOT NULL
) STRICT;
CREATE INDEX erased_row_by_person ON erased_row (person);
