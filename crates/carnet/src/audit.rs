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
//!   written without its entry, and an entry never names a write that did not happen. Those
//!   entries are carried by the change-log row the write appends anyway (its `journal_*`
//!   columns), so a capture writes no page of the journal's own; reads and whole operations
//!   (opening a person, a sync, an export, a letter printed, an unlock) are recorded by the
//!   caller with [`record`], in `audit_entry`. Both tables share one numbering and one chain.
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

/// The journal's running state while one transaction writes entries: who acts, the chain's
/// head and the last number given. Read once when the transaction's first entry is made
/// (one statement on `meta`), written back before commit on the `meta` page the clock's state
/// is written to anyway.
pub(crate) struct Cursor {
    officer: Option<String>,
    head: Vec<u8>,
    last: i64,
}

/// One entry's numbering and chaining, as stored beside what it is about.
pub(crate) struct Stamp<'c> {
    pub seq: i64,
    pub at_ms: i64,
    pub officer: Option<&'c str>,
    pub action: &'static str,
    pub hash: &'c [u8],
}

impl Cursor {
    pub(crate) fn load(conn: &Connection) -> Result<Cursor> {
        let (officer, head, last): (Option<String>, Option<Vec<u8>>, Option<i64>) = conn
            .prepare_cached(
                "SELECT (SELECT value FROM meta WHERE key = 'setting.officer_id'),
                        (SELECT value FROM meta WHERE key = 'audit_head'),
                        (SELECT value FROM meta WHERE key = 'audit_last')",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(Cursor {
            officer,
            head: head.unwrap_or_default(),
            last: last.unwrap_or(0),
        })
    }

    /// Signs the entries from now on with this officer's profile when none signed them yet
    /// (this device's first profile, created in the write that journals).
    pub(crate) fn sign_as(&mut self, officer: &str) {
        if self.officer.is_none() {
            self.officer = Some(officer.to_string());
        }
    }

    /// Numbers and chains the next entry.
    pub(crate) fn next(
        &mut self,
        at_ms: i64,
        action: Action,
        entity: Option<&str>,
        record: Option<&str>,
    ) -> Stamp<'_> {
        self.last += 1;
        self.head = entry_hash(
            &self.head,
            self.last,
            at_ms,
            self.officer.as_deref(),
            action.code(),
            entity,
            record,
        );
        Stamp {
            seq: self.last,
            at_ms,
            officer: self.officer.as_deref(),
            action: action.code(),
            hash: &self.head,
        }
    }

    /// Writes the head and the last number back (inside the caller's transaction).
    pub(crate) fn save(&self, conn: &Connection) -> Result<()> {
        let mut stmt = conn.prepare_cached("UPDATE meta SET value = ?2 WHERE key = ?1")?;
        stmt.execute(params!["audit_head", self.head])?;
        stmt.execute(params!["audit_last", self.last])?;
        Ok(())
    }
}

/// Appends entries to `audit_entry` inside the caller's transaction ([`record`], and the
/// entries of change-log rows an erasure removes).
fn append(
    conn: &Connection,
    at_ms: i64,
    entries: &[(Action, Option<&str>, Option<Uuid>)],
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut cursor = Cursor::load(conn)?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO audit_entry (seq, at_ms, officer, action, entity, record, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (action, entity, record) in entries {
        let record = record.map(|r| r.to_string());
        let stamp = cursor.next(at_ms, *action, *entity, record.as_deref());
        insert.execute(params![
            stamp.seq,
            stamp.at_ms,
            stamp.officer,
            stamp.action,
            entity,
            record,
            stamp.hash
        ])?;
    }
    cursor.save(conn)
}

/// Before change-log rows are deleted (an erasure removes a person's history), moves the
/// journal entries they carry into `audit_entry`, unchanged: the journal keeps its ids and
/// its chain. Entries retention already dropped (at or below the anchor) stay dropped.
pub(crate) fn keep_entries_of_rows(conn: &Connection, row_id: Uuid, entity: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_entry (seq, at_ms, officer, action, entity, record, hash)
         SELECT journal_seq, journal_at, journal_officer, journal_action, entity, ?3,
                journal_hash
           FROM change_log
          WHERE row_id = ?1 AND entity = ?2 AND journal_seq IS NOT NULL
            AND journal_seq > coalesce((SELECT value FROM meta WHERE key = 'audit_anchor_seq'), 0)",
    )?
    .execute(params![
        row_id.as_bytes().as_slice(),
        entity,
        row_id.to_string()
    ])?;
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

/// One stored entry, from either table.
struct StoredEntry {
    seq: i64,
    at_ms: i64,
    officer: Option<String>,
    action: String,
    entity: Option<String>,
    record: Option<String>,
    hash: Vec<u8>,
}

fn meta_integer(conn: &Connection, key: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// Every entry kept, from `since_ms` on, in number order: `audit_entry`'s and the change
/// log's (its local rows from `audit_change_from` on, above the anchor), merged. `visit`
/// returns `false` to stop.
fn each_entry(
    conn: &Connection,
    since_ms: i64,
    mut visit: impl FnMut(StoredEntry) -> Result<bool>,
) -> Result<()> {
    let from = meta_integer(conn, "audit_change_from")?.unwrap_or(0);
    let anchor_seq = meta_integer(conn, "audit_anchor_seq")?.unwrap_or(0);
    let mut own = conn.prepare_cached(
        "SELECT seq, at_ms, officer, action, entity, record, hash FROM audit_entry
          WHERE at_ms >= ?1 AND seq > ?2 ORDER BY seq",
    )?;
    let mut logged = conn.prepare_cached(
        "SELECT journal_seq, journal_at, journal_officer, journal_action, entity, row_id,
                journal_hash
           FROM change_log
          WHERE seq > ?1 AND journal_seq > ?2 AND journal_at >= ?3 ORDER BY seq",
    )?;
    let mut own = own
        .query_map([since_ms, anchor_seq], |r| {
            Ok(StoredEntry {
                seq: r.get(0)?,
                at_ms: r.get(1)?,
                officer: r.get(2)?,
                action: r.get(3)?,
                entity: r.get(4)?,
                record: r.get(5)?,
                hash: r.get(6)?,
            })
        })?
        .peekable();
    let mut logged = logged
        .query_map(params![from, anchor_seq, since_ms], |r| {
            let row_id: Vec<u8> = r.get(5)?;
            Ok(StoredEntry {
                seq: r.get(0)?,
                at_ms: r.get(1)?,
                officer: r.get(2)?,
                action: r.get(3)?,
                entity: r.get(4)?,
                record: Some(
                    Uuid::from_slice(&row_id).map_or_else(|_| String::new(), |id| id.to_string()),
                ),
                hash: r.get(6)?,
            })
        })?
        .peekable();
    loop {
        let take_own = match (own.peek(), logged.peek()) {
            (None, None) => return Ok(()),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(Ok(a)), Some(Ok(b))) => a.seq < b.seq,
            (Some(Err(_)), _) => true,
            (_, Some(Err(_))) => false,
        };
        let next = if take_own { own.next() } else { logged.next() };
        let Some(entry) = next else {
            return Ok(());
        };
        if !visit(entry?)? {
            return Ok(());
        }
    }
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
    let mut out = Vec::new();
    each_entry(store.conn(), since_ms, |stored| {
        let found = Action::from_code(&stored.action).ok_or(Error::Corrupt {
            what: "journal",
            message: "Le journal contient une action inconnue.",
        })?;
        if action.is_some_and(|a| a != found) {
            return Ok(true);
        }
        out.push(Entry {
            seq: stored.seq,
            at_ms: stored.at_ms,
            officer: stored
                .officer
                .as_deref()
                .map(crate::validate::id)
                .transpose()?,
            action: found,
            action_label: found.label(),
            entity_label: stored
                .entity
                .as_deref()
                .and_then(crate::schema::entity)
                .map(|e| e.label),
            entity: stored.entity,
            record: stored
                .record
                .as_deref()
                .map(crate::validate::id)
                .transpose()?,
        });
        Ok(true)
    })?;
    Ok(out)
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    /// Entries checked.
    pub entries: usize,
    /// The first entry that does not chain (altered, or after a removed one), if any.
    pub broken_at: Option<i64>,
    /// The journal's last entries were removed (the head and the last number recorded with
    /// each entry are not the last entry's).
    pub truncated: bool,
}

impl Verification {
    pub fn is_ok(&self) -> bool {
        self.broken_at.is_none() && !self.truncated
    }
}

/// Recomputes the chain from its anchor: every entry's hash, and that numbers follow each
/// other, in both tables.
pub fn verify(store: &Store) -> Result<Verification> {
    let conn = store.conn();
    let mut previous = anchor(conn)?;
    let mut last = meta_integer(conn, "audit_anchor_seq")?.unwrap_or(0);
    let mut checked = 0;
    let mut broken_at = None;
    each_entry(conn, i64::MIN, |stored| {
        let hash = entry_hash(
            &previous,
            stored.seq,
            stored.at_ms,
            stored.officer.as_deref(),
            &stored.action,
            stored.entity.as_deref(),
            stored.record.as_deref(),
        );
        // Numbers follow each other from the anchor's (0 before anything was pruned).
        if hash != stored.hash || stored.seq != last + 1 {
            broken_at = Some(stored.seq);
            return Ok(false);
        }
        checked += 1;
        last = stored.seq;
        previous = stored.hash;
        Ok(true)
    })?;
    // The head and the last number given must be the last entry's: entries removed from the
    // end are found.
    let truncated = broken_at.is_none() && {
        let head: Option<Vec<u8>> = conn
            .prepare_cached("SELECT value FROM meta WHERE key = 'audit_head'")?
            .query_row([], |r| r.get(0))
            .optional()?;
        last_given(conn)?.is_some_and(|given| given != last)
            || head.is_some_and(|head| head != previous)
    };
    Ok(Verification {
        entries: checked,
        broken_at,
        truncated,
    })
}

/// Drops the entries older than `months` before today (by the store's clock), keeping the
/// hash of the last one dropped as the chain's anchor. Returns how many were dropped. Entries
/// carried by change-log rows stay in those rows (the row itself is the data's history) but
/// are no longer read: the anchor's number and `audit_change_from` leave them out.
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
    // The last entry older than the limit, and the change-log position of the last such
    // entry carried there.
    let mut last_dropped: Option<(i64, Vec<u8>)> = None;
    let mut dropped = 0;
    let mut change_from = None;
    {
        let anchor_seq = meta_integer(&tx, "audit_anchor_seq")?.unwrap_or(0);
        let from = meta_integer(&tx, "audit_change_from")?.unwrap_or(0);
        let mut stmt = tx.prepare(
            "SELECT seq, journal_seq, journal_hash FROM change_log
              WHERE seq > ?1 AND journal_seq > ?2 AND journal_at < ?3 ORDER BY seq",
        )?;
        let mut rows = stmt.query(params![from, anchor_seq, limit_ms])?;
        while let Some(row) = rows.next()? {
            dropped += 1;
            change_from = Some(row.get::<_, i64>(0)?);
            last_dropped = Some((row.get(1)?, row.get(2)?));
        }
    }
    let own: Option<(i64, Vec<u8>)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_entry WHERE at_ms < ?1 ORDER BY seq DESC LIMIT 1",
            [limit_ms],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some(own) = own
        && last_dropped.as_ref().is_none_or(|(seq, _)| own.0 > *seq)
    {
        last_dropped = Some(own);
    }
    let Some((seq, hash)) = last_dropped else {
        return Ok(0);
    };
    dropped += tx.execute("DELETE FROM audit_entry WHERE seq <= ?1", [seq])?;
    let mut set = tx.prepare(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?;
    set.execute(params!["audit_anchor", hash])?;
    set.execute(params!["audit_anchor_seq", seq])?;
    if let Some(change_from) = change_from {
        set.execute(params!["audit_change_from", change_from])?;
    }
    drop(set);
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
