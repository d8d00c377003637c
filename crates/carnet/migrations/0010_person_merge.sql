-- Merging duplicate persons (`person_merge.rs`). A merged-away record keeps its rows and its
-- history; a `person_merge` row (one per merged-away person, its id derived from hers)
-- points it to the record kept, and everything that reads persons follows that pointer.
-- "Pas un doublon" is a `not_duplicate` row (its id derived from the pair), synced so that
-- no device flags the pair again.
CREATE TABLE person_merge (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    person_id TEXT,
    into_id TEXT,
    date TEXT
) STRICT;
CREATE INDEX person_merge_by_person ON person_merge (person_id);
CREATE INDEX person_merge_by_target ON person_merge (into_id);

CREATE TABLE not_duplicate (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    person_id TEXT,
    other_id TEXT,
    date TEXT
) STRICT;
CREATE INDEX not_duplicate_by_person ON not_duplicate (person_id);
CREATE INDEX not_duplicate_by_other ON not_duplicate (other_id);

-- Derived, never synced: each merged-away person and the record that holds her now, the
-- pointers followed to the end (chains, and crossed merges resolved the same way on every
-- device). Rebuilt by `person_merge::refresh` whenever a merge row changes.
CREATE TABLE person_root (
    id TEXT PRIMARY KEY NOT NULL,
    root TEXT NOT NULL
) STRICT;
CREATE INDEX person_root_by_root ON person_root (root);
-- The same, on the person's row: searches and lists leave merged-away records out by a
-- column test instead of a lookup per row. The search index (0005) gets the column, so that
-- a search still reads the index alone.
ALTER TABLE person ADD COLUMN merged_into TEXT;
DROP INDEX person_search;
CREATE INDEX person_search ON person (
    last_name COLLATE NOCASE, first_name COLLATE NOCASE, id, search_key, phone, deleted,
    merged_into
) WHERE deleted = 0;
