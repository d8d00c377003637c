//! The trigram index of persons' search keys (migrations 0016 and 0017), paused while many
//! rows are applied at once and caught up before the same transaction commits (for a sync's
//! batch of small segments, once, when the batch commits).
//!
//! Why: FTS5 writes its pending terms to disk at every statement that opens a statement
//! journal inside a transaction, so an index kept row by row turns each person a sync applies
//! into an index segment of its own, merged over and over. Paused, the triggers only note which
//! rows changed (and the key the index held for each); [`catch_up`] then makes the index agree
//! with the table in three statements. What is guaranteed: the pause and the notes live and
//! die inside one transaction (a crash rolls them back with the rows), after [`catch_up`] the
//! index holds exactly the current keys of the rows touched — a deleted or changed key's
//! trigrams removed at once (`secure-delete`, as for an erasure outside a pause) — and outside
//! a pause nothing changes: every write keeps the index up to date as it happens.

use rusqlite::Connection;

use crate::error::Result;

/// From here until [`catch_up`], in the same transaction, writes of persons leave the index
/// as it is and note what it must learn.
pub(crate) fn pause(tx: &Connection) -> Result<()> {
    tx.prepare_cached("INSERT OR IGNORE INTO person_trigram_paused (one) VALUES (1)")?
        .execute([])?;
    Ok(())
}

/// Brings the index up to date with the rows noted since [`pause`], and ends the pause.
pub(crate) fn catch_up(tx: &Connection) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO person_trigram (person_trigram, rowid, search_key)
         SELECT 'delete', row, search_key FROM person_trigram_stale WHERE indexed = 1",
    )?
    .execute([])?;
    tx.prepare_cached(
        "INSERT INTO person_trigram (rowid, search_key)
         SELECT p.rowid, p.search_key FROM person_trigram_stale s JOIN person p ON p.rowid = s.row",
    )?
    .execute([])?;
    tx.prepare_cached("DELETE FROM person_trigram_stale")?
        .execute([])?;
    tx.prepare_cached("DELETE FROM person_trigram_paused")?
        .execute([])?;
    Ok(())
}
