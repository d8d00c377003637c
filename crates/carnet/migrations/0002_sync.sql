-- 0002: what the sync through a shared folder needs locally. Never edit once shipped.

-- Segments this device wrote (direction 'out', `through` = last change_log.seq included) and
-- segments it applied (direction 'in'), with the SHA-256 of the file's bytes.
CREATE TABLE sync_segment (
    device BLOB NOT NULL,
    seq INTEGER NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    digest BLOB NOT NULL,
    through INTEGER,
    PRIMARY KEY (device, seq, direction)
) STRICT;

-- Concurrent edits of one field: the value that lost, kept for the officer to review
-- ("À vérifier"). `resolved` is set once she kept one value or the other.
CREATE TABLE sync_conflict (
    id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    row_id BLOB NOT NULL,
    field TEXT NOT NULL,
    kept_stamp TEXT NOT NULL,
    kept_value ANY,
    lost_stamp TEXT NOT NULL,
    lost_value ANY,
    resolved INTEGER NOT NULL DEFAULT 0,
    UNIQUE (row_id, field, lost_stamp)
) STRICT;

-- Names of the devices seen in the folder ("Portable Sarah").
CREATE TABLE sync_device (
    device BLOB PRIMARY KEY,
    name TEXT
) STRICT;

-- Changes received from other devices are marked, so that export ships only this
-- database's own writes (even after it changes device id).
ALTER TABLE change_log ADD COLUMN received INTEGER NOT NULL DEFAULT 0;
