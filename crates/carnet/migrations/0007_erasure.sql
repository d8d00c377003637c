-- Erasure orders: one row per erased or anonymised person, holding the person's id and
-- nothing else of them (the kind, the day, and for an anonymisation the stamp of the write
-- that set the anonymous values). Its own id is derived from the person's, so that two
-- devices ordering the same person write the same row. Synced like any row, never deleted:
-- every device that receives one removes the person (or their identity), now and whenever
-- an old or late change arrives.
CREATE TABLE erasure (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    person_id TEXT,
    kind TEXT,
    date TEXT,
    values_stamp TEXT
) STRICT;
CREATE INDEX erasure_by_person ON erasure (person_id);

-- What this notebook removed for an erased or anonymised person, by row (ids only):
-- mode 0, the row is gone (the person, their referrals and steps, outcomes, letters,
-- attendances, extensions); 1, an encounter detached from an erased person; 2, a row of an
-- anonymised person whose free texts are blanked; 3, an anonymised person, whose identity
-- fields take the anonymous values again after every change received. A change that arrives
-- later and would bring back what went is dropped.
CREATE TABLE erased_row (
    row_id BLOB PRIMARY KEY NOT NULL,
    entity TEXT NOT NULL,
    mode INTEGER NOT NULL,
    person BLOB NOT NULL
) STRICT;
CREATE INDEX erased_row_by_person ON erased_row (person);
