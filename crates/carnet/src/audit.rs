//! The journal (audit trail): who did what with personal data on this device, and when.
//!
//! Why: a structure must be able to show who consulted, changed, exported or erased the
//! records of the persons it follows (CNIL délibération 2021-122). The journal answers that
//! without becoming a second copy of the data: an entry holds a time, the officer's profile
//! id, an action code and the id of the record concerned — never a name or a value.
//!
//! What is guaranteed:
//! - Every write through the store's one write path leaves, in the same transaction, one
//!   entry per record it created, changed or deleted ([`Action::Created`], …): nothing is
//!   written without its entry, and an entry never names a write that did not happen. Reads
//!   and whole operations (opening a person, a sync, an export, a letter printed, an unlock)
//!   are recorded by the caller with [`record`].
//! - Entries are chained: each one's hash covers the previous one's, so an entry removed or
//!   altered in the middle, or the last ones removed, is found by [`verify`].
//! - Entries older than the retention setting (12 months by default) are dropped from the
//!   oldest end ([`prune`]); the hash of the last one dropped becomes the chain's anchor, so
//!   what remains still verifies.
//! - The journal is local: it is never synced, and an erasure leaves the ids it holds (ids
//!   name nobody once the person is gone).

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::store::Store;

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A person's page (or her history) was opened.
    Opened,
    Created,
    Changed,
    Deleted,
    Erased,
    Anonymised,
    /// The yearly file (or another export) was written.
    Exported,
    /// An orientation letter was saved or opened for printing.
    LetterPrinted,
    /// Everything held on a person was exported for her (right of access).
    AccessExport,
    /// The notebook was unlocked.
    Unlocked,
    Synced,
}

impl Action {
    pub const ALL: [Action; 11] = [
        Action::Opened,
        Action::Created,
        Action::Changed,
        Action::Deleted,
        Action::Erased,
        Action::Anonymised,
        Action::Exported,
        Action::LetterPrinted,
        Action::AccessExport,
        Action::Unlocked,
        Action::Synced,
    ];

    /// The code stored in the journal.
    pub fn code(self) -> &'static str {
        match self {
            Action::Opened => "opened",
            Action::Created => "created",
            Action::Changed => "changed",
            Action::Deleted => "deleted",
            Action::Erased => "erased",
            Action::Anonymised => "anonymised",
            Action::Exported => "exported",
            Action::LetterPrinted => "letter_printed",
            Action::AccessExport => "access_export",
            Action::Unlocked => "unlocked",
            Action::Synced => "synced",
        }
    }

    /// The French label, for the journal's screen and the CLI.
    pub fn label(self) -> &'static str {
        match self {
            Action::Opened => "Consultation",
            Action::Created => "Création",
            Action::Changed => "Modification",
            Action::Deleted => "Suppression",
            Action::Erased => "Effacement",
            Action::Anonymised => "Anonymisation",
            Action::Exported => "Export",
            Action::LetterPrinted => "Lettre imprimée",
            Action::AccessExport => "Export des données d'une personne",
            Action::Unlocked => "Déverrouillage",
            Action::Synced => "Synchronisation",
        }
    }

    /// The action of a code, if known.
    pub fn from_code(code: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// One entry of the journal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub seq: i64,
    /// Milliseconds since the epoch, by the store's clock.
    pub at_ms: i64,
    /// The officer's profile id on this device, if one exists.
    pub officer: Option<Uuid>,
    pub action: Action,
    pub action_label: &'static str,
    /// The kind of record (`person`, `encounter`…), if the action is about one.
    pub entity: Option<String>,
    /// Its French name ("personne", "rencontre"…).
    pub entity_label: Option<&'static str>,
    pub record: Option<Uuid>,
}

/// The default retention of the journal, in months.
pub const DEFAULT_MONTHS: u32 = 12;

/// The hash of an entry: the previous hash and every field, each length-prefixed.
fn entry_hash(
    previous: &[u8],
    seq: i64,
    at_ms: i64,
    officer: Option<&str>,
    action: &str,
    entity: Option<&str>,
    record: Option<&str>,
) -> Vec<u8> {
    let mut hash = Sha256::new();
    hash.update(b"carnet journal ");
    hash.update(previous);
    hash.update(seq.to_be_bytes());
    hash.update(at_ms.to_be_bytes());
    for part in [officer, Some(action), entity, record] {
        let bytes = part.unwrap_or("").as_bytes();
        hash.update((bytes.len() as u64).to_be_bytes());
        hash.update(bytes);
    }
    hash.finalize().to_vec()
}

fn anchor(conn: &Connection) -> Result<Vec<u8>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = 'audit_anchor'")?
        .query_row([], |r| r.get::<_, Vec<u8>>(0))
        .optional()?
        .unwrap_or_default())
}

/// Appends entries inside the caller's transaction (the store's write path, or [`record`]).
pub(crate) fn append(
    conn: &Connection,
    at_ms: i64,
    entries: &[(Action, Option<&str>, Option<Uuid>)],
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    // In one statement (a capture's every microsecond counts): the officer's profile, the
    // hash to chain to — the last entry's, or the anchor when the journal is empty (new, or
    // pruned whole) — and the last number given, even if entries were removed since.
    let (officer, previous, last): (Option<String>, Option<Vec<u8>>, Option<i64>) = conn
        .prepare_cached(
            "SELECT (SELECT id FROM officer WHERE deleted = 0 ORDER BY id LIMIT 1),
                    (SELECT hash FROM audit_entry ORDER BY seq DESC LIMIT 1),
                    (SELECT value FROM meta WHERE key = 'audit_last')",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let mut previous = match previous {
        Some(hash) => hash,
        None => anchor(conn)?,
    };
    let mut seq = last.unwrap_or(0);
    let mut insert = conn.prepare_cached(
        "INSERT INTO audit_entry (seq, at_ms, officer, action, entity, record, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (action, entity, record) in entries {
        seq += 1;
        let record = record.map(|r| r.to_string());
        let hash = entry_hash(
            &previous,
            seq,
            at_ms,
            officer.as_deref(),
            action.code(),
            *entity,
            record.as_deref(),
        );
        insert.execute(params![
            seq,
            at_ms,
            officer,
            action.code(),
            entity,
            record,
            hash
        ])?;
        previous = hash;
    }
    // The row exists from the migration on: a plain update, on the page the clock's state
    // was just written to.
    conn.prepare_cached("UPDATE meta SET value = ?1 WHERE key = 'audit_last'")?
        .execute([seq])?;
    Ok(())
}

/// The last number given to an entry.
fn last_given(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = 'audit_last'")?
        .query_row([], |r| r.get(0))
        .optional()?)
}

/// Records one action that is not a write (opening a person, a sync, an export, a letter
/// printed, an unlock), stamped by the store's clock.
pub fn record(
    store: &Store,
    action: Action,
    entity: Option<&'static str>,
    id: Option<Uuid>,
) -> Result<()> {
    if !store.audits() {
        return Ok(());
    }
    let at = store.now_ms();
    let tx = store.conn().unchecked_transaction()?;
    append(&tx, at, &[(action, entity, id)])?;
    tx.commit()?;
    Ok(())
}

/// The journal's entries from `since` (a day, by the store's clock's time zone: UTC), oldest
/// first, optionally of one action.
pub fn entries(
    store: &Store,
    since: Option<NaiveDate>,
    action: Option<Action>,
) -> Result<Vec<Entry>> {
    let since_ms = since
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(i64::MIN, |t| t.and_utc().timestamp_millis());
    let mut stmt = store.conn().prepare_cached(
        "SELECT seq, at_ms, officer, action, entity, record FROM audit_entry
          WHERE at_ms >= ?1 AND (?2 IS NULL OR action = ?2) ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![since_ms, action.map(Action::code)], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, at_ms, officer, action, entity, record) = row?;
        let action = Action::from_code(&action).ok_or(Error::Inconsistent {
            field: "action",
            message: "Le journal contient une action inconnue.",
        })?;
        out.push(Entry {
            seq,
            at_ms,
            officer: officer.as_deref().map(crate::validate::id).transpose()?,
            action,
            action_label: action.label(),
            entity_label: entity
                .as_deref()
                .and_then(crate::schema::entity)
                .map(|e| e.label),
            entity,
            record: record.as_deref().map(crate::validate::id).transpose()?,
        });
    }
    Ok(out)
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    /// Entries checked.
    pub entries: usize,
    /// The first entry that does not chain (altered, or after a removed one), if any.
    pub broken_at: Option<i64>,
    /// The journal's last entries were removed (the head recorded after each entry is not
    /// the last entry's hash).
    pub truncated: bool,
}

impl Verification {
    pub fn is_ok(&self) -> bool {
        self.broken_at.is_none() && !self.truncated
    }
}

/// Recomputes the chain from its anchor: every entry's hash, and that sequence numbers follow
/// each other.
pub fn verify(store: &Store) -> Result<Verification> {
    let conn = store.conn();
    let mut previous = anchor(conn)?;
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at_ms, officer, action, entity, record, hash FROM audit_entry ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut checked = 0;
    let mut expected_seq: Option<i64> = None;
    let mut broken_at = None;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let hash = entry_hash(
            &previous,
            seq,
            row.get(1)?,
            row.get::<_, Option<String>>(2)?.as_deref(),
            &row.get::<_, String>(3)?,
            row.get::<_, Option<String>>(4)?.as_deref(),
            row.get::<_, Option<String>>(5)?.as_deref(),
        );
        let stored: Vec<u8> = row.get(6)?;
        if hash != stored || expected_seq.is_some_and(|e| e != seq) {
            broken_at = Some(seq);
            break;
        }
        checked += 1;
        expected_seq = Some(seq + 1);
        previous = stored;
    }
    // The last number given must be the last entry's (or the last one pruning dropped, when
    // nothing is left).
    let truncated = broken_at.is_none() && {
        let last = match expected_seq {
            Some(next) => Some(next - 1),
            None => conn
                .query_row(
                    "SELECT value FROM meta WHERE key = 'audit_anchor_seq'",
                    [],
                    |r| r.get(0),
                )
                .optional()?,
        };
        last_given(conn)?.is_some_and(|given| given != last.unwrap_or(0))
    };
    Ok(Verification {
        entries: checked,
        broken_at,
        truncated,
    })
}

/// Drops the entries older than `months` before today (by the store's clock), keeping the
/// hash of the last one dropped as the chain's anchor. Returns how many were dropped.
pub fn prune(store: &Store, months: u32) -> Result<usize> {
    let today = store.today();
    let Some(limit) = today
        .checked_sub_months(chrono::Months::new(months))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    else {
        return Ok(0);
    };
    let limit_ms = limit.and_utc().timestamp_millis();
    let tx = store.conn().unchecked_transaction()?;
    let last_dropped: Option<(i64, Vec<u8>)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_entry WHERE at_ms < ?1 ORDER BY seq DESC LIMIT 1",
            [limit_ms],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((seq, hash)) = last_dropped else {
        return Ok(0);
    };
    let dropped = tx.execute("DELETE FROM audit_entry WHERE seq <= ?1", [seq])?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('audit_anchor', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [hash],
    )?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('audit_anchor_seq', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [seq],
    )?;
    tx.commit()?;
    Ok(dropped)
}

/// The journal's retention, in months (Réglages; 12 by default).
pub fn months(store: &Store) -> Result<u32> {
    Ok(store
        .local_setting("audit_months")?
        .and_then(|m| m.parse().ok())
        .unwrap_or(DEFAULT_MONTHS))
}

/// Sets the journal's retention (from 1 to 120 months).
pub fn set_months(store: &mut Store, months: u32) -> Result<()> {
    if !(1..=120).contains(&months) {
        return Err(Error::OutOfRange {
            field: "audit_months",
            min: 1,
            max: 120,
        });
    }
    store.set_local_setting("audit_months", &months.to_string())
}
