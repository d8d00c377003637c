-- A sync that brings more than the notebook holds (a new device's first sync of a team's
-- folder: 5.3 million changes) writes its rows faster without the tables' secondary indexes,
-- and builds them again at the end, each in one sorted pass (issue #18: a quarter of a first
-- sync's time went to keeping them row by row). The indexes set aside are noted here with the
-- statement that creates them, in the same transaction that drops them; they are built again
-- and the notes removed in one transaction at the end of the sync, or, if the sync was cut
-- short (a crash, the laptop closed), when the notebook is next opened, before anything else
-- reads it (store/index_set_aside.rs).
CREATE TABLE index_set_aside (
    name TEXT PRIMARY KEY,
    sql TEXT NOT NULL
) STRICT;
