-- Applying many persons at once (a sync's segments) updates the trigram index once, at the end
-- of the unit, instead of row by row. Row by row costs far more than the rows themselves:
-- FTS5 writes its pending terms to disk at every statement that opens a statement journal in
-- a transaction, so each person written became an index segment of its own, merged again and
-- again (issue #18: a team's first sync spent a sixth of its time there).
--
-- While `person_trigram_paused` holds its one row (only inside a store transaction: it is
-- inserted and deleted in the same one, so no crash can leave it), the triggers note each row
-- touched in `person_trigram_stale` instead, with the key the index holds for it when it held
-- one (the first noted wins: that is what the index has). The catch-up (store/search_index.rs)
-- removes those keys from the index, adds the rows' current keys, and empties both tables.
-- Outside a pause, the triggers keep the index up to date at once, as before.
CREATE TABLE person_trigram_paused (one INTEGER PRIMARY KEY CHECK (one = 1)) STRICT;
CREATE TABLE person_trigram_stale (
    row INTEGER PRIMARY KEY,
    indexed INTEGER NOT NULL,
    search_key TEXT
) STRICT;

DROP TRIGGER person_trigram_insert;
DROP TRIGGER person_trigram_delete;
DROP TRIGGER person_trigram_update;

CREATE TRIGGER person_trigram_insert AFTER INSERT ON person
WHEN NOT EXISTS (SELECT 1 FROM person_trigram_paused) BEGIN
    INSERT INTO person_trigram (rowid, search_key) VALUES (new.rowid, new.search_key);
END;
CREATE TRIGGER person_trigram_delete AFTER DELETE ON person
WHEN NOT EXISTS (SELECT 1 FROM person_trigram_paused) BEGIN
    INSERT INTO person_trigram (person_trigram, rowid, search_key)
        VALUES ('delete', old.rowid, old.search_key);
END;
CREATE TRIGGER person_trigram_update AFTER UPDATE OF search_key ON person
WHEN NOT EXISTS (SELECT 1 FROM person_trigram_paused) BEGIN
    INSERT INTO person_trigram (person_trigram, rowid, search_key)
        VALUES ('delete', old.rowid, old.search_key);
    INSERT INTO person_trigram (rowid, search_key) VALUES (new.rowid, new.search_key);
END;

CREATE TRIGGER person_trigram_insert_paused AFTER INSERT ON person
WHEN EXISTS (SELECT 1 FROM person_trigram_paused) BEGIN
    INSERT OR IGNORE INTO person_trigram_stale (row, indexed, search_key)
        VALUES (new.rowid, 0, NULL);
END;
CREATE TRIGGER person_trigram_delete_paused AFTER DELETE ON person
WHEN EXISTS (SELECT 1 FROM person_trigram_paused) BEGIN
    INSERT OR IGNORE INTO person_trigram_stale (row, indexed, search_key)
        VALUES (old.rowid, 1, old.search_key);
END;
CREATE TRIGGER person_trigram_update_paused AFTER UPDATE OF search_key ON person
WHEN EXISTS (SELECT 1 FROM person_trigram_paused) BEGIN
    INSERT OR IGNORE INTO person_trigram_stale (row, indexed, search_key)
        VALUES (old.rowid, 1, old.search_key);
END;
