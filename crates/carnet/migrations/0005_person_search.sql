-- Person search reads this index instead of the table: the names in display order, the id,
-- the folded search key and the phone, for live rows. A page of results walks it in order and
-- stops after its last row; a count or a search that matches few persons reads nothing else
-- (a person row, with its notes, is several times wider). `deleted` is there too: SQLite
-- still tests the query's `deleted = 0`, and reads it from the index rather than the row.
CREATE INDEX person_search ON person (
    last_name COLLATE NOCASE, first_name COLLATE NOCASE, id, search_key, phone, deleted
) WHERE deleted = 0;
