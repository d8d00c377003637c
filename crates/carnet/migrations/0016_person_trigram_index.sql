-- Search as you type through a trigram index of each person's search key (see search_key.rs):
-- a query word of three letters or more is looked up in the index instead of testing every
-- person's key with LIKE '%…%', which grows with the notebook (issue #18: 60–80 ms at 115,000
-- persons). The index holds the key's trigrams and never the text itself (external content:
-- the key stays in `person`). Kept up to date by triggers, so every path that writes a person
-- row — the write path, sync's merge, an erasure — keeps it without knowing about it.
-- `secure-delete`: a deleted or changed key's trigrams leave the index at once instead of
-- lingering in older index segments until a merge (an erased person's name must not stay
-- readable, even as trigrams).
CREATE VIRTUAL TABLE person_trigram USING fts5(
    search_key,
    content = 'person',
    content_rowid = 'rowid',
    tokenize = 'trigram'
);
INSERT INTO person_trigram (person_trigram, rank) VALUES ('secure-delete', 1);
CREATE TRIGGER person_trigram_insert AFTER INSERT ON person BEGIN
    INSERT INTO person_trigram (rowid, search_key) VALUES (new.rowid, new.search_key);
END;
CREATE TRIGGER person_trigram_delete AFTER DELETE ON person BEGIN
    INSERT INTO person_trigram (person_trigram, rowid, search_key)
        VALUES ('delete', old.rowid, old.search_key);
END;
CREATE TRIGGER person_trigram_update AFTER UPDATE OF search_key ON person BEGIN
    INSERT INTO person_trigram (person_trigram, rowid, search_key)
        VALUES ('delete', old.rowid, old.search_key);
    INSERT INTO person_trigram (rowid, search_key) VALUES (new.rowid, new.search_key);
END;
INSERT INTO person_trigram (person_trigram) VALUES ('rebuild');
