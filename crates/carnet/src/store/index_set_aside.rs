//! The tables' secondary indexes, set aside while a sync applies more than the notebook holds,
//! and built again at its end (migration 0019).
//!
//! Why: a new device's first sync of a team's folder writes half a million encounters and a
//! hundred thousand persons; keeping four secondary indexes of `encounter` and five of
//! `person` (among others) up to date row by row cost a quarter of that sync's time (issue
//! #18), where building each once at the end is one sorted pass over its table. Only the
//! indexes that applying a sync's rows never reads are set aside ([`SET_ASIDE`]): the change
//! log's, the erasure tables' and the merge tables' stay, so a row's history, an erased row or
//! a merge is found as fast as ever; an erasure received while indexes are aside builds them
//! again first (the purge looks rows up by person), and the sync goes on with them.
//!
//! What is guaranteed: an index is dropped in the same transaction that notes its `CREATE`
//! statement in `index_set_aside`, and built again in the same transaction that removes the
//! note, so no crash loses one; a notebook whose sync was cut short gets them back when it is
//! next opened, before migrations or anything else read it ([`restore`] from
//! [`Store::open_with`](super::Store::open_with)). While indexes are aside, every query gives
//! the same answers, only slower: nothing but a sync's own transaction runs meanwhile.

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;

/// The indexes a sync sets aside: those of the tables a team's years fill (persons, their
/// encounters, referrals, meetings and what hangs from them) that applying received rows never
/// looks up. Every index of the schema is either here or in [`KEPT`] (a test checks it, so a
/// new index is classed when it is added).
pub(crate) const SET_ASIDE: &[&str] = &[
    "person_by_quartier",
    "person_search",
    "person_match_key",
    "person_birth_date",
    "person_phone",
    "permanence_by_date",
    "encounter_by_date",
    "encounter_by_person",
    "encounter_by_follow_up",
    "encounter_by_permanence",
    "meeting_by_date",
    "attendance_by_person",
    "attendance_by_meeting",
    "referral_by_person",
    "referral_by_status",
    "referral_by_follow_up",
    "referral_event_by_referral",
    "outcome_by_person",
    "letter_by_referral",
    "letter_by_person",
    "letter_by_date",
    "consent_by_person",
];

/// The indexes a sync keeps, and why: read while rows are applied (a row's history, an erased
/// row, merges resolved again), or on tables too small for their upkeep to matter.
#[cfg(test)]
pub(crate) const KEPT: &[&str] = &[
    // A row's history, looked up for every row received.
    "change_log_by_row",
    // Partial (own writes only): received rows never enter it.
    "change_log_own",
    // Erased rows and erasure orders, read for every batch received.
    "erasure_by_person",
    "erased_row_by_person",
    // Merges, resolved again when persons or merge rows arrive.
    "person_merge_by_person",
    "person_merge_by_target",
    "person_root_by_root",
    "not_duplicate_by_person",
    "not_duplicate_by_other",
    // Small tables: a territory's quartiers, a person's retention extensions.
    "quartier_by_territory",
    "retention_extension_by_person",
];

/// When a sync sets the indexes aside ([`Store::set_index_set_aside`](super::Store::set_index_set_aside)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetAside {
    /// When the reception is worth it (large, and at least a quarter of the notebook): what
    /// every notebook does.
    WhenWorthIt,
    /// For any reception with segments to read (tests, with small data).
    Always,
    /// Never.
    Never,
}

/// The smallest reception for which indexes are set aside: about 30,000 changes (segments take
/// 25 to 40 bytes per change). Below, what the sync would save is a few milliseconds; the
/// 100,000-change import (4 MB of segments into a new notebook) takes 305–311 ms with its
/// indexes set aside against 411–435 ms without (`docs/performance.md`).
const MIN_INCOMING_BYTES: u64 = 1 << 20;

/// Whether the segments to read, `incoming_bytes` of them, are worth setting the indexes aside
/// for a notebook of `notebook_bytes`: when they bring at least as much as it holds (a notebook
/// takes about four times the bytes of the segments that filled it), and at least
/// [`MIN_INCOMING_BYTES`]. Building an index again costs about a third of what keeping it row
/// by row costs for the same rows (measured on the scale folder: 2 s against 6 s), so below
/// that the sync would lose time.
pub(crate) fn worth_it(incoming_bytes: u64, notebook_bytes: u64) -> bool {
    incoming_bytes >= MIN_INCOMING_BYTES && incoming_bytes.saturating_mul(4) >= notebook_bytes
}

/// Drops the indexes of [`SET_ASIDE`] that exist, noting how to create each again, in one
/// transaction.
pub(crate) fn set_aside(conn: &Connection) -> Result<()> {
    let tx = conn.unchecked_transaction()?;
    for name in SET_ASIDE {
        let sql: Option<String> = tx
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        let Some(sql) = sql else { continue };
        tx.execute(
            "INSERT INTO index_set_aside (name, sql) VALUES (?1, ?2)",
            rusqlite::params![name, sql],
        )?;
        tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
    }
    tx.commit()?;
    Ok(())
}

/// Whether some indexes are aside. Each search may ask: two cached statements.
pub(crate) fn any(conn: &Connection) -> Result<bool> {
    let table_exists: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'index_set_aside')",
        )?
        .query_row([], |r| r.get(0))?;
    if !table_exists {
        return Ok(false);
    }
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM index_set_aside)")?
        .query_row([], |r| r.get(0))?)
}

/// Builds again every index set aside and removes the notes, inside the caller's transaction
/// when one is open (a savepoint of it), in a transaction of its own otherwise: either every
/// index is back and no note is left, or nothing changed. Returns whether there was any.
pub(crate) fn restore(conn: &Connection) -> Result<bool> {
    if !any(conn)? {
        return Ok(false);
    }
    // A savepoint outside a transaction opens one, and its release commits it.
    conn.execute_batch("SAVEPOINT index_restore")?;
    let restored = (|| -> Result<()> {
        let noted: Vec<(String, String)> = conn
            .prepare("SELECT name, sql FROM index_set_aside ORDER BY name")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (name, sql) in noted {
            conn.execute_batch(&sql)?;
            conn.execute("DELETE FROM index_set_aside WHERE name = ?1", [&name])?;
        }
        Ok(())
    })();
    match restored {
        Ok(()) => conn.execute_batch("RELEASE index_restore")?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK TO index_restore; RELEASE index_restore");
            return Err(e);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    // Test code: a failed unwrap is a failed test.
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeSet;

    use rusqlite::Connection;

    use super::{KEPT, SET_ASIDE, any, restore, set_aside, worth_it};
    use crate::{ManualClock, Store, Uuid};

    /// Every index of the schema with its `CREATE` statement, by name.
    fn indexes(conn: &Connection) -> Vec<(String, String)> {
        conn.prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
              ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0).unwrap(), r.get(1).unwrap())))
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    fn store() -> Store {
        Store::open_in_memory(Uuid::from_u128(1), Box::new(ManualClock::new(0))).unwrap()
    }

    #[test]
    fn every_index_of_the_schema_is_either_set_aside_or_kept() {
        let store = store();
        let names: BTreeSet<String> = indexes(store.conn()).into_iter().map(|(n, _)| n).collect();
        let aside: BTreeSet<String> = SET_ASIDE.iter().map(|n| n.to_string()).collect();
        let kept: BTreeSet<String> = KEPT.iter().map(|n| n.to_string()).collect();
        assert!(aside.is_disjoint(&kept), "{:?}", aside.intersection(&kept));
        let classed: BTreeSet<String> = aside.union(&kept).cloned().collect();
        assert_eq!(
            names, classed,
            "an index must be classed in SET_ASIDE or KEPT"
        );
    }

    #[test]
    fn the_indexes_set_aside_come_back_as_they_were() {
        let store = store();
        let before = indexes(store.conn());
        set_aside(store.conn()).unwrap();
        let during: Vec<String> = indexes(store.conn()).into_iter().map(|(n, _)| n).collect();
        assert!(SET_ASIDE.iter().all(|n| !during.iter().any(|d| d == n)));
        assert!(KEPT.iter().all(|n| during.iter().any(|d| d == n)));
        assert!(any(store.conn()).unwrap());
        assert!(restore(store.conn()).unwrap());
        assert_eq!(indexes(store.conn()), before);
        assert!(!any(store.conn()).unwrap());
        assert!(!restore(store.conn()).unwrap(), "nothing left to restore");
    }

    #[test]
    fn a_restore_inside_a_transaction_rolled_back_leaves_them_aside_with_their_notes() {
        let store = store();
        set_aside(store.conn()).unwrap();
        let aside = indexes(store.conn());
        store.conn().execute_batch("BEGIN").unwrap();
        assert!(restore(store.conn()).unwrap());
        store.conn().execute_batch("ROLLBACK").unwrap();
        assert_eq!(indexes(store.conn()), aside);
        assert!(any(store.conn()).unwrap());
    }

    /// The sync was cut short (a crash, the laptop closed) with the indexes aside: the next
    /// opening builds them again before anything reads the notebook.
    #[test]
    fn a_notebook_left_with_its_indexes_aside_gets_them_back_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("carnet.db");
        let store = Store::init(&path, Uuid::from_u128(1), Box::new(ManualClock::new(0))).unwrap();
        let before = indexes(store.conn());
        set_aside(store.conn()).unwrap();
        drop(store);
        let store = Store::open(&path, Box::new(ManualClock::new(0))).unwrap();
        assert_eq!(indexes(store.conn()), before);
        assert!(!any(store.conn()).unwrap());
    }

    /// The purge of an erased person finds her rows through indexes set aside: an erasure
    /// received builds them again first; other changes leave them aside.
    #[test]
    fn an_erasure_received_while_they_are_aside_builds_them_again_first() {
        let mut a = store();
        let person = a
            .create(&crate::person::Person {
                first_name: "Awa".into(),
                last_name: "Sy".into(),
                ..Default::default()
            })
            .unwrap();
        let mut encounter = crate::encounter::Encounter::new(a.today(), "interview");
        encounter.person_id = Some(person);
        a.create(&encounter).unwrap();
        let created = a.changes_since(0).unwrap();
        let last = created.last().unwrap().0;
        crate::erasure::erase_without_rewrite(&mut a, person).unwrap();
        let order = a.changes_since(last).unwrap();
        assert!(!order.is_empty());
        let changes = |logged: Vec<(i64, crate::Change)>| -> Vec<crate::Change> {
            logged.into_iter().map(|(_, c)| c).collect()
        };
        let mut b =
            Store::open_in_memory(Uuid::from_u128(2), Box::new(ManualClock::new(0))).unwrap();
        set_aside(b.conn()).unwrap();
        b.apply_changes(&changes(created)).unwrap();
        assert!(any(b.conn()).unwrap(), "no erasure: still aside");
        b.apply_changes(&changes(order)).unwrap();
        assert!(
            !any(b.conn()).unwrap(),
            "the erasure's purge built them again"
        );
        assert_eq!(indexes(b.conn()), indexes(a.conn()));
    }

    /// A search reads the first persons in name order through `person_search` (named in its
    /// statement): while that index is aside, it asks the trigram index alone.
    #[test]
    fn a_search_while_they_are_aside_still_finds() {
        let mut store = store();
        for last in ["Benali", "Benamar", "Diallo"] {
            store
                .create(&crate::person::Person {
                    first_name: "Awa".into(),
                    last_name: last.into(),
                    ..Default::default()
                })
                .unwrap();
        }
        let names = |store: &Store| -> Vec<String> {
            crate::person::search(store, "awa ben", None, 10)
                .unwrap()
                .into_iter()
                .map(|p| p.data.last_name)
                .collect()
        };
        assert_eq!(names(&store), ["Benali", "Benamar"]);
        set_aside(store.conn()).unwrap();
        assert_eq!(names(&store), ["Benali", "Benamar"]);
        let page = crate::person::find(&store, "benal", None, 0, 1).unwrap();
        assert_eq!((page.hits.len(), page.total), (1, 1));
    }

    #[test]
    fn only_a_reception_larger_than_the_notebook_and_than_a_few_mb_is_worth_it() {
        const MB: u64 = 1 << 20;
        // A new device's first sync of the scale folder: 134 MB into a notebook of 300 kB.
        assert!(worth_it(134 * MB, 300 << 10));
        // A week's sync into a ten-year notebook.
        assert!(!worth_it(2 * MB, 500 * MB));
        // Large, but much less than the notebook already holds.
        assert!(!worth_it(20 * MB, 500 * MB));
        // A colleague's first months into a new notebook.
        assert!(worth_it(2 * MB, 300 << 10));
        // Larger than the notebook, but small.
        assert!(!worth_it(MB / 2, 300 << 10));
    }
}
