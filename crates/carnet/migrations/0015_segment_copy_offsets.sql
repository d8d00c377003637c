-- Where this device's copy of a segment is in its device's pack file
-- (`carnet.db-segments/<device>.pack`, see sync/copies.rs). NULL: kept in `bytes` (a notebook
-- in memory), in a file of its own (copies written before this migration), or not kept.
ALTER TABLE sync_segment ADD COLUMN copy_at INTEGER;
