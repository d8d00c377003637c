-- 0004: what sync needs to survive a hostile shared folder (format 2). Never edit once shipped.

-- The exact bytes of every segment written or applied (format 2 and later), so that a segment
-- deleted from the folder or lost in a roll-back can be put back byte for byte, by its writer
-- or by any device that applied it; `prev` is the digest of the writer's previous segment
-- named inside it (the chain); `rejected` marks a held segment the officer refused.
ALTER TABLE sync_segment ADD COLUMN bytes BLOB;
ALTER TABLE sync_segment ADD COLUMN prev BLOB;
ALTER TABLE sync_segment ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;

-- Segments whose clocks run far ahead, waiting for the officer's decision ("À vérifier").
CREATE TABLE sync_held (
    device BLOB NOT NULL,
    seq INTEGER NOT NULL,
    digest BLOB NOT NULL,
    bytes BLOB NOT NULL,
    device_name TEXT,
    ahead_until INTEGER NOT NULL,
    changes INTEGER NOT NULL,
    PRIMARY KEY (device, seq)
) STRICT;

-- Per device, the highest segment number known to exist (from the folder, or named by another
-- device as seen): what a deleted or rolled-back segment is detected against.
CREATE TABLE sync_known (
    device BLOB PRIMARY KEY,
    max_seq INTEGER NOT NULL
) STRICT;

-- Every device id this notebook wrote under (a copied notebook takes a new one).
CREATE TABLE sync_own_id (
    device BLOB PRIMARY KEY
) STRICT;
INSERT INTO sync_own_id (device) SELECT value FROM meta WHERE key = 'device_id';
