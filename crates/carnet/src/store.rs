//! The local SQLite store and its single write path.
//!
//! Why one write path: the change log is what sync ships, so a value that reached the tables
//! without a change-log row would never reach the officer's other devices. Every mutation,
//! local ([`Writer`]) or received ([`Store::apply_changes`]), appends its field changes to the
//! [`changelog`] and updates the materialised tables *in the same
//! transaction*. A failed multi-row write rolls back whole.
//!
//! What it guarantees:
//! - every local field change gets a hybrid logical clock strictly greater than any stamp this
//!   device issued or received before (persisted in `meta`, so across restarts too);
//! - replaying the change log into an empty database rebuilds the same content (same
//!   [`digest`](crate::digest)), whatever the order the changes arrive in: per field, the
//!   highest stamp wins;
//! - the database is a local file (WAL mode) opened from a path the caller gives; the engine
//!   never decides where it lives.
//!
//! Why SQLite foreign keys are not declared between entity tables: sync delivers field changes
//! from several devices in any order (an encounter may arrive before the person it names), so
//! a hard constraint would reject valid histories. Local writes check references instead
//! ([`Error::UnknownId`]) and `carnet check` reports dangling ones. `PRAGMA foreign_keys` is
//! still on for any local-only table that declares them.

use std::path::Path;

use chrono::NaiveDate;
use rusqlite::types::Value;
use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use crate::changelog::Change;
use crate::changelog::{self, RowClocks};
use crate::clock::{Clock, Hlc, HlcState};
use crate::error::{Error, Result};
use crate::notebook_key::{NotebookKey, PageCipher};
use crate::record::{self, Entry, Record};
use crate::schema::{self, EntitySpec, FieldKind, FieldSpec};
use crate::search_key;

/// `PRAGMA application_id` of a Carnet database ("CRNT").
const APPLICATION_ID: i64 = 0x4352_4E54;

/// Embedded migrations, applied in order. Never edit one that has shipped: add a new one.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_sync.sql"),
    include_str!("../migrations/0003_letters.sql"),
    include_str!("../migrations/0004_sync_hostile_folder.sql"),
    include_str!("../migrations/0005_person_search.sql"),
    include_str!("../migrations/0006_retention.sql"),
    include_str!("../migrations/0007_erasure.sql"),
    include_str!("../migrations/0008_person_keys.sql"),
    include_str!("../migrations/0009_person_match.sql"),
    include_str!("../migrations/0010_person_merge.sql"),
    include_str!("../migrations/0011_audit.sql"),
    include_str!("../migrations/0012_consent.sql"),
    include_str!("../migrations/0013_journal_in_change_log.sql"),
    include_str!("../migrations/0014_own_officer.sql"),
    include_str!("../migrations/0015_segment_copy_offsets.sql"),
];

/// The schema version this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// What applying received changes did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ApplyReport {
    /// Changes that were new to this device.
    pub inserted: usize,
    /// Of those, changes that became the current value of their field.
    pub won: usize,
    /// Changes this device already had (re-delivery).
    pub duplicates: usize,
    /// Concurrent edits found: the losing value is kept in the conflicts to review.
    pub conflicts: usize,
    /// Received changes dropped because they were about an erased person.
    pub erased_dropped: usize,
    /// What erasure orders (received, or made necessary by what was received) removed.
    pub purged: crate::erasure::Purged,
    /// Persons of whom something was removed by those orders.
    pub persons_erased: usize,
}

/// An open Carnet database.
pub struct Store {
    conn: Connection,
    clock: Box<dyn Clock>,
    hlc: HlcState,
    id_namespace: Option<Uuid>,
    id_salt: [u8; 16],
    /// Random bytes the binaries pass at each opening, never stored: what fresh secrets (a
    /// person's key) are drawn from.
    key_seed: zeroize::Zeroizing<[u8; 32]>,
    sql: SqlCache,
    /// Whether the merge may take its fast path (see `merge`); tests turn it off to compare.
    fast_merge: bool,
    /// Whether local writes leave entries in the journal (`audit.rs`); the demo generator
    /// turns it off (fictional data, a million changes).
    audit: bool,
    /// The database file, or `None` in memory.
    path: Option<std::path::PathBuf>,
    /// Whether the file is encrypted (opened or created with a key).
    encrypted: bool,
    /// Inside a sync's batch (`begin_batch`): the clock's state when it began.
    batch_clock: Option<HlcState>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("device", &self.hlc.device())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Creates a new plaintext database at `path` for `device`. Refuses to overwrite an
    /// existing file.
    pub fn init(path: &Path, device: Uuid, clock: Box<dyn Clock>) -> Result<Store> {
        Self::init_with(path, device, None, clock)
    }

    /// Creates a new database at `path` for `device`, encrypted with `key` when given.
    pub fn init_with(
        path: &Path,
        device: Uuid,
        key: Option<&NotebookKey>,
        clock: Box<dyn Clock>,
    ) -> Result<Store> {
        if path.exists() {
            return Err(Error::DatabaseExists {
                path: path.display().to_string(),
            });
        }
        // Created first, owner-only (0600): SQLite gives its WAL and shared-memory files the
        // same permissions.
        crate::atomic_file::owner_only_new_file(path).map_err(|e| Error::CannotOpen {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| cannot_open(path, &e))?;
        apply_key(&conn, key)?;
        let mut store = Self::initialise(conn, device, clock).map_err(|e| match e {
            Error::Database(db) => cannot_open(path, &db),
            other => other,
        })?;
        store.path = Some(path.to_path_buf());
        store.encrypted = key.is_some();
        Ok(store)
    }

    /// Opens an existing plaintext database at `path`, migrating it forward if needed.
    pub fn open(path: &Path, clock: Box<dyn Clock>) -> Result<Store> {
        Self::open_with(path, None, clock)
    }

    /// Opens an existing database at `path`, with `key` when it is encrypted, migrating it
    /// forward if needed. An encrypted notebook opened without its key, or with another key,
    /// is refused before anything is written to it. A notebook in the page format of earlier
    /// versions (SQLCipher 4) is converted to the current one first (`conversion`), once.
    pub fn open_with(
        path: &Path,
        key: Option<&NotebookKey>,
        clock: Box<dyn Clock>,
    ) -> Result<Store> {
        let conn = match (connect(path, key.map(|k| (k, PageCipher::Aegis))), key) {
            (Err(Error::WrongNotebookKey), Some(key))
                if connect(path, Some((key, PageCipher::SqlCipher4))).is_ok() =>
            {
                crate::conversion::upgrade_page_cipher(path, key)?;
                connect(path, Some((key, PageCipher::Aegis)))?
            }
            (connected, _) => connected?,
        };
        Self::open_connection(path, conn, key.is_some(), clock)
    }

    /// Opens a notebook still in SQLCipher 4's page format, to copy it (`conversion`).
    pub(crate) fn open_sqlcipher4(
        path: &Path,
        key: &NotebookKey,
        clock: Box<dyn Clock>,
    ) -> Result<Store> {
        let conn = connect(path, Some((key, PageCipher::SqlCipher4)))?;
        Self::open_connection(path, conn, true, clock)
    }

    /// The rest of an opening, once the connection reads the file: settings, identity,
    /// migrations, and what an interrupted erasure or the journal's retention left to do.
    fn open_connection(
        path: &Path,
        conn: Connection,
        encrypted: bool,
        clock: Box<dyn Clock>,
    ) -> Result<Store> {
        configure(&conn).map_err(|e| match e {
            Error::Database(db) => cannot_open(path, &db),
            other => other,
        })?;
        let app_id: i64 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|_| Error::NotACarnetDatabase)?;
        if app_id != APPLICATION_ID {
            return Err(Error::NotACarnetDatabase);
        }
        migrate(&conn)?;
        let mut store = Self::with_connection(conn, clock)?;
        store.path = Some(path.to_path_buf());
        store.encrypted = encrypted;
        if store.rewrite_pending()? {
            store.compact()?;
        }
        // The journal keeps its retention period, counted by this store's clock.
        crate::audit::prune(&store, crate::audit::months(&store)?)?;
        Ok(store)
    }

    /// Writes an encrypted copy of this notebook (plaintext, or in an earlier page format) to
    /// the new file `dest`, keyed with `key` in the current format: every table, index, the
    /// change log, the schema version and the application id, written page by page by SQLite
    /// itself (`VACUUM INTO` a `file:` URI that carries the cipher and the key). The copy is
    /// complete when this returns; `dest` must not exist.
    pub fn export_encrypted(&self, dest: &Path, key: &NotebookKey) -> Result<()> {
        crate::atomic_file::owner_only_new_file(dest).map_err(|e| Error::CannotWrite {
            path: dest.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut target = zeroize::Zeroizing::new(file_uri(dest));
        target.push('?');
        target.push_str(&key.uri_parameters());
        self.conn
            .execute("VACUUM INTO ?1", [target.as_str()])
            .map_err(|e| cannot_open(dest, &e))?;
        Ok(())
    }

    /// Copies everything still in the write-ahead log into the database file and empties the
    /// log, so that the file alone holds the whole notebook.
    pub fn checkpoint(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Rewrites the whole notebook file (`VACUUM`), then empties the write-ahead log. Why after
    /// an erasure: `secure_delete` zeroes what a deletion frees, but when SQLite rebalances a
    /// page it leaves in the page's unused space the bytes of cells that moved to a sibling,
    /// which may later be deleted there; only a rewrite of every page leaves nothing of an
    /// erased person anywhere in the file.
    pub fn compact(&self) -> Result<()> {
        self.conn.execute_batch("VACUUM")?;
        self.conn
            .execute("DELETE FROM meta WHERE key = 'rewrite_pending'", [])?;
        self.checkpoint()
    }

    /// Whether an erasure left the file rewrite ([`Store::compact`]) for later: opening the
    /// notebook does it then, so a crash or a lock in between never leaves her bytes behind
    /// for good.
    pub fn rewrite_pending(&self) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'rewrite_pending')",
            [],
            |r| r.get(0),
        )?)
    }

    /// Whether deleted rows are overwritten on disk (`PRAGMA secure_delete`), as Carnet
    /// sets it on every connection.
    pub fn secure_delete(&self) -> Result<bool> {
        Ok(self
            .conn
            .query_row("PRAGMA secure_delete", [], |r| r.get::<_, i64>(0))?
            == 1)
    }

    /// The database file (`None` for a database in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Whether the notebook file is encrypted: only then may it keep secrets such as the
    /// team's sync keys.
    pub fn is_encrypted(&self) -> bool {
        self.encrypted
    }

    /// A database in memory, for tests and benchmarks.
    pub fn open_in_memory(device: Uuid, clock: Box<dyn Clock>) -> Result<Store> {
        Self::initialise(Connection::open_in_memory()?, device, clock)
    }

    fn initialise(conn: Connection, device: Uuid, clock: Box<dyn Clock>) -> Result<Store> {
        configure(&conn)?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        migrate(&conn)?;
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('device_id', ?1), ('hlc_wall', 0), ('hlc_counter', 0)",
            [device.as_bytes().as_slice()],
        )?;
        conn.execute(
            "INSERT OR IGNORE INTO sync_own_id (device) VALUES (?1)",
            [device.as_bytes().as_slice()],
        )?;
        Self::with_connection(conn, clock)
    }

    /// A store over a migrated connection whose `meta` holds the device id and clock.
    fn with_connection(conn: Connection, clock: Box<dyn Clock>) -> Result<Store> {
        let hlc = load_hlc(&conn)?;
        Ok(Store {
            conn,
            clock,
            hlc,
            id_namespace: None,
            id_salt: [0; 16],
            key_seed: zeroize::Zeroizing::new([0; 32]),
            sql: SqlCache::default(),
            fast_merge: true,
            audit: true,
            path: None,
            encrypted: false,
            batch_clock: None,
        })
    }

    /// This device's id, created with the database.
    pub fn device_id(&self) -> Uuid {
        self.hlc.device()
    }

    /// The last clock stamp this device issued or received.
    pub fn last_hlc(&self) -> Hlc {
        let (wall_ms, counter) = self.hlc.last();
        Hlc {
            wall_ms,
            counter,
            device: self.device_id(),
        }
    }

    /// Makes new ids depend on `namespace` instead of the device id (`None` restores the
    /// default). The demo generator uses it so that the same seed gives the same ids, hence
    /// the same digest, on any device.
    pub fn set_id_namespace(&mut self, namespace: Option<Uuid>) {
        self.id_namespace = namespace;
    }

    /// Mixes caller-supplied random bytes into new ids. The binaries pass fresh bytes at each
    /// opening, so that two copies of one database file never mint the same ids; tests leave
    /// it at zero and stay reproducible.
    pub fn set_id_salt(&mut self, salt: [u8; 16]) {
        self.id_salt = salt;
    }

    /// Sets the random bytes fresh secrets are drawn from (see `Store::fresh_secret`). The
    /// binaries pass 32 bytes from the system's generator at each opening; tests leave them at
    /// zero and stay reproducible.
    pub fn set_key_seed(&mut self, seed: [u8; 32]) {
        self.key_seed = zeroize::Zeroizing::new(seed);
    }

    /// A new 32-byte secret for `label`: the key seed, this device and a fresh clock stamp,
    /// hashed. Unpredictable to anyone without the seed, which is never stored; never the
    /// same twice.
    pub(crate) fn fresh_secret(&mut self, label: &[u8]) -> zeroize::Zeroizing<[u8; 32]> {
        let now = self.now_ms();
        let stamp = self.hlc.tick(now);
        let digest = Sha256::new()
            .chain_update(b"carnet fresh secret v1")
            .chain_update(self.key_seed.as_slice())
            .chain_update(stamp.device.as_bytes())
            .chain_update(stamp.wall_ms.to_be_bytes())
            .chain_update(stamp.counter.to_be_bytes())
            .chain_update((label.len() as u64).to_be_bytes())
            .chain_update(label)
            .finalize();
        let mut secret = zeroize::Zeroizing::new([0u8; 32]);
        secret.copy_from_slice(&digest);
        secret
    }

    /// Turns the journal of local writes on or off (on by default; see `audit.rs`).
    pub fn set_audit(&mut self, enabled: bool) {
        self.audit = enabled;
    }

    /// Whether local writes are journaled ([`Store::set_audit`]).
    pub fn audits(&self) -> bool {
        self.audit
    }

    /// Turns the merge's fast path for new rows off (`false`) or on: the differential test
    /// applies the same histories both ways and requires the same result.
    pub fn set_merge_fast_path(&mut self, enabled: bool) {
        self.fast_merge = enabled;
    }

    /// Replaces the clock (the demo generator runs on simulated time); returns the old one.
    pub fn replace_clock(&mut self, clock: Box<dyn Clock>) -> Box<dyn Clock> {
        std::mem::replace(&mut self.clock, clock)
    }

    pub(crate) fn last_hlc_parts(&self) -> (i64, i64) {
        self.hlc.last()
    }

    /// Today's date according to the injected clock.
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// The connection, for read-only queries inside the engine.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `body` as one transaction of local writes: all of it is kept, or none of it.
    pub fn write<T>(&mut self, body: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        let saved = self.hlc;
        let now_ms = self.clock.now_ms();
        let today = self.clock.today();
        let result = (|| {
            let tx = self.conn.transaction()?;
            let first_seq: i64 =
                tx.query_row("SELECT coalesce(max(seq), 0) FROM change_log", [], |r| {
                    r.get(0)
                })?;
            let mut writer = Writer {
                first_seq,
                tx,
                hlc: &mut self.hlc,
                now_ms,
                today,
                id_namespace: self.id_namespace,
                id_salt: self.id_salt,
                sql: &mut self.sql,
                live: HashSet::new(),
                roots_stale: false,
                journaled: self.audit,
                journal: None,
            };
            let value = body(&mut writer)?;
            writer.finish()?;
            Ok(value)
        })();
        if result.is_err() {
            self.hlc = saved;
        }
        result
    }

    /// Creates one record and returns its id.
    pub fn create<T: Record>(&mut self, rec: &T) -> Result<Uuid> {
        self.write(|w| w.create(rec))
    }

    /// Replaces a record's fields; only fields that changed are logged.
    pub fn update<T: Record>(&mut self, id: Uuid, rec: &T) -> Result<()> {
        self.write(|w| w.update(id, rec))
    }

    /// Deletes a record (a tombstone: the row stays, marked deleted, and can be restored).
    pub fn delete<T: Record>(&mut self, id: Uuid) -> Result<()> {
        self.write(|w| w.delete(T::SPEC, id))
    }

    /// Reads one live record.
    pub fn get<T: Record>(&self, id: Uuid) -> Result<T> {
        read_row::<T>(&self.conn, id)?.ok_or_else(|| unknown(T::SPEC, id))
    }

    /// Reads live records of one entity; `tail` follows `WHERE deleted = 0` (`AND …`,
    /// `ORDER BY …`). Engine-internal: `tail` is always a literal of the engine's own.
    pub(crate) fn select<T: Record>(
        &self,
        tail: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Entry<T>>> {
        let sql = format!(
            "SELECT id, {} FROM {} WHERE deleted = 0{} {tail}",
            column_list(T::SPEC),
            T::SPEC.name,
            complete_clause(T::SPEC)
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(entry_from_row::<T>(row)?);
        }
        Ok(out)
    }

    /// Counts the live records of one entity that [`select`](Self::select) with the same
    /// `tail` (without `ORDER BY` or `LIMIT`) would read.
    pub(crate) fn count<T: Record>(
        &self,
        tail: &str,
        params: impl rusqlite::Params,
    ) -> Result<i64> {
        let sql = format!(
            "SELECT count(*) FROM {} WHERE deleted = 0{} {tail}",
            T::SPEC.name,
            complete_clause(T::SPEC)
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(params, |r| r.get(0))?)
    }

    /// Every field change logged after log position `after` (0: all), in log order, each
    /// with the log position of its write (for replay and sync export).
    pub fn changes_since(&self, after: i64) -> Result<Vec<(i64, Change)>> {
        Ok(changelog::since(&self.conn, after)?
            .iter()
            .flat_map(|w| w.changes().map(move |c| (w.seq, c)))
            .collect())
    }

    /// Applies changes made elsewhere (sync, replay), in one transaction.
    ///
    /// Per field, the change with the highest clock wins; re-applying a change is a no-op;
    /// the result does not depend on the order of `changes`.
    pub fn apply_changes(&mut self, changes: &[Change]) -> Result<ApplyReport> {
        self.apply_changes_and(changes, |_| Ok(()))
    }

    /// Like [`Store::apply_changes`], running `also` in the same transaction (sync marks the
    /// segment ingested there, so a change and its "ingested" mark are kept or lost together).
    /// Inside a [`Store::begin_batch`], the transaction is a savepoint of the batch's.
    pub(crate) fn apply_changes_and(
        &mut self,
        changes: &[Change],
        also: impl FnOnce(&Connection) -> Result<()>,
    ) -> Result<ApplyReport> {
        let saved = self.hlc;
        let result = (|| {
            let tx = self.conn.savepoint()?;
            let mut report = ApplyReport::default();
            // Nothing received brings back a row removed for an erased person.
            let erased = crate::erasure::erased_rows(&tx)?;
            // Changes grouped by row, in order of first appearance: one history read per row.
            let mut rows: Vec<Vec<&Change>> = Vec::new();
            let mut index: HashMap<(&str, Uuid), usize> = HashMap::new();
            for change in changes {
                self.hlc.observe(change.hlc);
                if !erased.is_empty() && crate::erasure::refuses(&erased, change) {
                    report.erased_dropped += 1;
                    continue;
                }
                let slot = *index
                    .entry((change.entity.name, change.row_id))
                    .or_insert_with(|| {
                        rows.push(Vec::new());
                        rows.len() - 1
                    });
                rows[slot].push(change);
            }
            // A write cut in two by sync (its sealed fields in a person's block) comes back
            // whole: each row's changes in stamp order, so the fast path and the log see the
            // original writes.
            for row in &mut rows {
                if !row.is_sorted_by_key(|c| c.hlc) {
                    row.sort_by_key(|c| c.hlc);
                }
            }
            let ids: Vec<Uuid> = rows
                .iter()
                .filter_map(|r| r.first())
                .map(|c| c.row_id)
                .collect();
            let known = crate::merge::rows_with_history(&tx, &ids)?;
            for row in rows {
                let new = row.first().is_some_and(|c| !known.contains(&c.row_id));
                crate::merge::apply_row(
                    &tx,
                    &mut self.sql,
                    &row,
                    self.fast_merge,
                    new,
                    &mut report,
                )?;
            }
            // Merge pointers change, or a person they name arrives (a pointer to a record this
            // notebook did not have yet waits for it).
            let mut roots_stale = changes.iter().any(|c| c.entity == &schema::PERSON_MERGE)
                || (changes.iter().any(|c| c.entity == &schema::PERSON)
                    && tx.query_row("SELECT EXISTS (SELECT 1 FROM person_merge)", [], |r| {
                        r.get::<_, bool>(0)
                    })?);
            // Erasure orders received, and rows received about an erased person.
            for person in crate::erasure::persons_to_purge(&tx, changes)? {
                let purged = crate::erasure::purge(&tx, person)?;
                if purged.rows + purged.encounters_detached > 0 {
                    report.persons_erased += 1;
                    roots_stale = true;
                }
                report.purged += purged;
            }
            if roots_stale {
                crate::person_merge::refresh(&tx)?;
            }
            also(&tx)?;
            save_hlc(&tx, &self.hlc)?;
            tx.commit()?;
            Ok(report)
        })();
        if result.is_err() {
            self.hlc = saved;
        }
        result
    }

    /// Opens a transaction that the next [`Store::apply_changes_and`] calls join, each as a
    /// savepoint of it, until [`Store::commit_batch`]: a sync applies many segments and
    /// commits them at once, paying one commit (the write-ahead log's pages written, a
    /// checkpoint now and then) instead of one per segment. Nothing else writes meanwhile.
    pub(crate) fn begin_batch(&mut self) -> Result<()> {
        self.conn.execute_batch("BEGIN")?;
        self.batch_clock = Some(self.hlc);
        Ok(())
    }

    /// Commits what was applied since [`Store::begin_batch`].
    pub(crate) fn commit_batch(&mut self) -> Result<()> {
        if self.batch_clock.take().is_some() {
            self.conn.execute_batch("COMMIT")?;
        }
        Ok(())
    }

    /// Undoes what was applied since [`Store::begin_batch`], the clock's state included.
    pub(crate) fn rollback_batch(&mut self) {
        if let Some(hlc) = self.batch_clock.take() {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.hlc = hlc;
        }
    }

    /// Gives this database a new device id (a copy of it was found writing under the old
    /// one). Later changes are stamped with the new id; earlier ones keep theirs.
    pub(crate) fn change_device_id(&mut self, device: Uuid) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'device_id'",
            [device.as_bytes().as_slice()],
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO sync_own_id (device) VALUES (?1)",
            [device.as_bytes().as_slice()],
        )?;
        tx.commit()?;
        let (wall, counter) = self.hlc.last();
        self.hlc = HlcState::new(device, wall, counter);
        Ok(())
    }

    /// Milliseconds since the epoch according to the injected clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// A device-local setting (never synced), such as the device's name.
    pub fn local_setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [format!("setting.{key}")],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten())
    }

    /// Stores a device-local setting (at most [`schema::NAME_MAX`] characters; an error names
    /// the setting as its field).
    pub fn set_local_setting(&mut self, key: &'static str, value: &str) -> Result<()> {
        let value = crate::validate::max_chars(key, value.trim(), schema::NAME_MAX)?;
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![format!("setting.{key}"), value],
        )?;
        Ok(())
    }

    /// Writes a consistent copy of the whole database to a new file at `path` (SQLite's
    /// `VACUUM INTO`): for backups, and for tests that freeze a state.
    pub fn backup_to(&self, path: &Path) -> Result<()> {
        if path.exists() {
            return Err(Error::DatabaseExists {
                path: path.display().to_string(),
            });
        }
        self.conn
            .execute("VACUUM INTO ?1", [path.display().to_string()])?;
        Ok(())
    }

    /// Number of field changes in the change log.
    pub fn change_count(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT coalesce(sum(json_array_length(fields)), 0) FROM change_log",
            [],
            |r| r.get(0),
        )?)
    }
}

/// A transaction of local writes. Obtained from [`Store::write`].
pub struct Writer<'s> {
    /// The change log's last position before this write: what it logs comes after.
    first_seq: i64,
    tx: Transaction<'s>,
    hlc: &'s mut HlcState,
    now_ms: i64,
    today: NaiveDate,
    id_namespace: Option<Uuid>,
    id_salt: [u8; 16],
    sql: &'s mut SqlCache,
    /// Rows known to be live in this transaction (created or checked): references to them
    /// need no lookup. Deleting a row removes it.
    live: HashSet<(&'static str, String)>,
    /// A merge row or a person's tombstone changed: `person_root` is rebuilt before commit.
    roots_stale: bool,
    /// Whether each change-log row this write appends carries its journal entry.
    journaled: bool,
    /// The journal's state, read at the first entry and saved before commit.
    journal: Option<crate::audit::Cursor>,
}

impl Writer<'_> {
    /// Today's date according to the store's clock.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// Creates a record with a fresh UUIDv7 id.
    pub fn create<T: Record>(&mut self, rec: &T) -> Result<Uuid> {
        let id = self.new_id();
        self.create_with_id(id, rec)?;
        Ok(id)
    }

    /// Creates a record with a given id (demo data, imports). Refuses an id already used.
    pub fn create_with_id<T: Record>(&mut self, id: Uuid, rec: &T) -> Result<()> {
        let values = record::to_values(rec, self.today)?;
        self.check_refs(T::SPEC, &values)?;
        let fields: Vec<(&'static FieldSpec, Value)> = T::SPEC
            .fields
            .iter()
            .zip(values)
            .filter(|(_, v)| *v != Value::Null)
            .collect();
        self.put(T::SPEC, id, &fields, Mode::Insert)
    }

    /// Replaces the fields of a live record; logs only the fields whose value changed.
    pub fn update<T: Record>(&mut self, id: Uuid, rec: &T) -> Result<()> {
        self.update_returning_previous(id, rec).map(drop)
    }

    /// [`update`](Self::update), returning each changed field with the value it had before
    /// (what an undo puts back).
    pub fn update_returning_previous<T: Record>(
        &mut self,
        id: Uuid,
        rec: &T,
    ) -> Result<Vec<(&'static FieldSpec, Value)>> {
        let values = record::to_values(rec, self.today)?;
        self.check_refs(T::SPEC, &values)?;
        let current = read_values(&self.tx, T::SPEC, id)?.ok_or_else(|| unknown(T::SPEC, id))?;
        type Pair = (&'static FieldSpec, Value);
        let (changed, previous): (Vec<Pair>, Vec<Pair>) = T::SPEC
            .fields
            .iter()
            .zip(values)
            .zip(current)
            .filter(|((_, new), old)| new != old)
            .map(|((field, new), old)| ((field, new), (field, old)))
            .unzip();
        self.put(T::SPEC, id, &changed, Mode::Update)?;
        Ok(previous)
    }

    /// Sets one field of a live record, with the same checks as a full update.
    pub fn set<T: Record>(&mut self, id: Uuid, field: &str, json: serde_json::Value) -> Result<()> {
        self.set_field(T::SPEC, id, field, json)
    }

    /// Sets one field of a live row of any entity, checked like any write of that field
    /// (an undo names its entity by name).
    pub fn set_field(
        &mut self,
        entity: &'static EntitySpec,
        id: Uuid,
        field: &str,
        json: serde_json::Value,
    ) -> Result<()> {
        let spec = field_spec(entity, field)?;
        let value = record::field_value(spec, &json)?;
        self.check_refs_of(&[(spec, &value)])?;
        if row_state(&self.tx, self.sql, entity, &id.to_string())? != Some(false) {
            return Err(unknown(entity, id));
        }
        self.put(entity, id, &[(spec, value)], Mode::Update)
    }

    /// Whether a row of `entity` exists and is live.
    pub fn is_live(&mut self, entity: &'static EntitySpec, id: Uuid) -> Result<bool> {
        Ok(row_state(&self.tx, self.sql, entity, &id.to_string())? == Some(false))
    }

    /// Writes one already-validated stored value (sync's conflict resolution brings back a
    /// value that was valid when first written).
    pub(crate) fn set_value(
        &mut self,
        spec: &'static EntitySpec,
        id: Uuid,
        field: &'static FieldSpec,
        value: Value,
    ) -> Result<()> {
        if row_state(&self.tx, self.sql, spec, &id.to_string())?.is_none() {
            return Err(unknown(spec, id));
        }
        self.put(spec, id, &[(field, value)], Mode::Update)
    }

    /// Marks a live record deleted (tombstone).
    pub fn delete(&mut self, spec: &'static EntitySpec, id: Uuid) -> Result<()> {
        self.set_deleted(spec, id, true)
    }

    /// Restores a deleted record.
    pub fn restore(&mut self, spec: &'static EntitySpec, id: Uuid) -> Result<()> {
        self.set_deleted(spec, id, false)
    }

    /// Writes the tombstone of a row that is currently in the opposite state.
    fn set_deleted(&mut self, spec: &'static EntitySpec, id: Uuid, deleted: bool) -> Result<()> {
        if row_state(&self.tx, self.sql, spec, &id.to_string())? != Some(!deleted) {
            return Err(unknown(spec, id));
        }
        let tombstone = [(&schema::DELETED, Value::Integer(i64::from(deleted)))];
        self.put(spec, id, &tombstone, Mode::Update)
    }

    /// The transaction's connection, for engine-internal reads.
    pub(crate) fn conn(&self) -> &Connection {
        &self.tx
    }

    /// Reads a live record inside this transaction.
    pub fn get<T: Record>(&self, id: Uuid) -> Result<T> {
        read_row::<T>(&self.tx, id)?.ok_or_else(|| unknown(T::SPEC, id))
    }

    /// A new UUIDv7: the millisecond time of the store's clock and bits derived from this
    /// device's id (or the id namespace) and a fresh clock stamp, so ids are unique and reproducible for a given
    /// clock and device.
    pub fn new_id(&mut self) -> Uuid {
        let stamp = self.hlc.tick(self.now_ms);
        let mut hash = Sha256::new();
        match self.id_namespace {
            Some(namespace) => hash.update(namespace.as_bytes()),
            None => {
                hash.update(stamp.device.as_bytes());
                hash.update(self.id_salt);
            }
        }
        hash.update(stamp.wall_ms.to_be_bytes());
        hash.update(stamp.counter.to_be_bytes());
        let digest = hash.finalize();
        let mut random = [0u8; 10];
        random.copy_from_slice(&digest[..10]);
        uuid::Builder::from_unix_timestamp_millis(self.now_ms.max(0) as u64, &random).into_uuid()
    }

    fn check_refs(&mut self, spec: &'static EntitySpec, values: &[Value]) -> Result<()> {
        let pairs: Vec<(&'static FieldSpec, &Value)> = spec.fields.iter().zip(values).collect();
        self.check_refs_of(&pairs)
    }

    fn check_refs_of(&mut self, pairs: &[(&'static FieldSpec, &Value)]) -> Result<()> {
        for (field, value) in pairs {
            if let (FieldKind::Ref(target), Value::Text(id)) = (field.kind, value) {
                let target =
                    schema::entity(target).ok_or(Error::UnknownValue { field: field.name })?;
                let key = (target.name, id.clone());
                if self.live.contains(&key) {
                    continue;
                }
                if row_state(&self.tx, self.sql, target, id)? != Some(false) {
                    return Err(Error::UnknownId {
                        entity: target.label,
                        id: id.clone(),
                    });
                }
                self.live.insert(key);
            }
        }
        Ok(())
    }

    /// The one local write path: stamps the field changes (one clock stamp each), appends
    /// them to the change log and writes the materialised row, all inside this transaction.
    fn put(
        &mut self,
        spec: &'static EntitySpec,
        id: Uuid,
        fields: &[(&'static FieldSpec, Value)],
        mode: Mode,
    ) -> Result<()> {
        if fields.is_empty() {
            return Ok(());
        }
        if spec == &schema::PERSON
            && mode == Mode::Update
            && let Some((field, _)) = fields
                .iter()
                .find(|(f, _)| crate::erasure::is_identity_field(f.name))
            && crate::erasure::is_anonymous_person(&self.tx, id)?
        {
            return Err(Error::Inconsistent {
                field: field.name,
                message: "Cette personne a été anonymisée : son identité et ses coordonnées ne se saisissent plus.",
            });
        }
        let tombstone = fields.iter().find(|(f, _)| f.name == schema::DELETED.name);
        if spec == &schema::PERSON_MERGE || (spec == &schema::PERSON && tombstone.is_some()) {
            self.roots_stale = true;
        }
        match tombstone {
            Some((_, Value::Integer(1))) => {
                self.live.remove(&(spec.name, id.to_string()));
            }
            _ if mode == Mode::Insert => {
                self.live.insert((spec.name, id.to_string()));
            }
            _ => {}
        }
        // An update records, per field, the stamp of the value it replaces.
        let clocks = match mode {
            Mode::Update => RowClocks::of(&changelog::of_row(&self.tx, id)?),
            _ => RowClocks::default(),
        };
        let first = self.hlc.tick_range(self.now_ms, fields.len());
        let logged: Vec<(&str, &Value, Option<Hlc>)> = fields
            .iter()
            .map(|(f, v)| {
                (
                    f.name,
                    v,
                    clocks.winners.get(f.name).map(|(stamp, _)| *stamp),
                )
            })
            .collect();
        // The first profile made on this device is its officer's (`officer::own`).
        if spec == &schema::OFFICER && mode == Mode::Insert {
            self.tx
                .prepare_cached(
                    "INSERT INTO meta (key, value) VALUES ('setting.officer_id', ?1)
                     ON CONFLICT (key) DO NOTHING",
                )?
                .execute([id.to_string()])?;
        }
        // The journal's entry for this write rides on its change-log row.
        let record = id.to_string();
        let journal = match (self.journaled, &mut self.journal) {
            (false, _) => None,
            (true, Some(cursor)) => Some(cursor),
            (true, slot) => Some(slot.insert(crate::audit::Cursor::load(&self.tx)?)),
        };
        let stamp = journal.map(|cursor| {
            // The officer's profile made in this very write signs it from here on.
            if spec == &schema::OFFICER && mode == Mode::Insert {
                cursor.sign_as(&record);
            }
            use crate::audit::Action;
            let action = match (mode, tombstone) {
                (Mode::Insert, _) => Action::Created,
                (_, Some((_, Value::Integer(1)))) => Action::Deleted,
                _ => Action::Changed,
            };
            cursor.next(self.now_ms, action, Some(spec.name), Some(&record))
        });
        changelog::append(&self.tx, first, spec, id, &logged, stamp.as_ref())?;
        let pairs: Vec<(&str, &Value)> = fields.iter().map(|(f, v)| (f.name, v)).collect();
        let written = materialise(
            &self.tx,
            self.sql,
            spec,
            id,
            &pairs,
            mode,
            mode == Mode::Insert,
        )?;
        if written == 0 {
            // An update that matched no row, or an insert of an id already taken.
            return Err(if mode == Mode::Insert {
                Error::IdTaken
            } else {
                unknown(spec, id)
            });
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        // A local write about an erased or anonymised person (a note on her encounter, a new
        // referral) is purged as a received one would be, so that this notebook holds what
        // every other will.
        crate::erasure::purge_after_local_write(&self.tx, self.first_seq)?;
        if self.roots_stale {
            crate::person_merge::refresh(&self.tx)?;
        }
        if let Some(journal) = &self.journal {
            journal.save(&self.tx)?;
        }
        save_hlc(&self.tx, self.hlc)?;
        self.tx.commit()?;
        Ok(())
    }
}

/// How a write reaches its materialised row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Mode {
    /// A new row: refuses an id already taken.
    Insert,
    /// A change to an existing row.
    Update,
    /// Received changes: the row may or may not exist yet.
    Upsert,
    /// Not a write: "does this id exist, and is it deleted?".
    Exists,
}

/// SQL text per entity, set of fields and mode, built once per store instead of per write.
#[derive(Debug, Default)]
pub(crate) struct SqlCache(HashMap<(&'static str, u64, Mode), String>);

impl SqlCache {
    /// The statement for `mode` on `spec` with the fields in `mask` (bit k: catalogue field
    /// k; bit 63: the tombstone; bit 62: the derived search key).
    fn get(&mut self, spec: &'static EntitySpec, mask: u64, mode: Mode) -> &str {
        self.0.entry((spec.name, mask, mode)).or_insert_with(|| {
            let columns = mask_columns(spec, mask);
            let table = spec.name;
            match mode {
                Mode::Exists => format!("SELECT deleted FROM {table} WHERE id = ?1"),
                Mode::Update => {
                    let sets: Vec<String> = columns
                        .iter()
                        .enumerate()
                        .map(|(i, c)| format!("{c} = ?{}", i + 2))
                        .collect();
                    format!("UPDATE {table} SET {} WHERE id = ?1", sets.join(", "))
                }
                Mode::Insert | Mode::Upsert => {
                    let marks: Vec<String> =
                        (2..columns.len() + 2).map(|i| format!("?{i}")).collect();
                    let mut sql = format!(
                        "INSERT INTO {table} (id, {}) VALUES (?1, {})",
                        columns.join(", "),
                        marks.join(", ")
                    );
                    if mode == Mode::Insert {
                        sql.push_str(" ON CONFLICT (id) DO NOTHING");
                    } else {
                        let sets: Vec<String> = columns
                            .iter()
                            .map(|c| format!("{c} = excluded.{c}"))
                            .collect();
                        sql.push_str(&format!(
                            " ON CONFLICT (id) DO UPDATE SET {}",
                            sets.join(", ")
                        ));
                    }
                    sql
                }
            }
        })
    }
}

const TOMBSTONE_BIT: u64 = 1 << 63;
const SEARCH_KEY_BIT: u64 = 1 << 62;
const MATCH_KEY_BIT: u64 = 1 << 61;

fn mask_columns(spec: &EntitySpec, mask: u64) -> Vec<&'static str> {
    let mut columns: Vec<&'static str> = spec
        .fields
        .iter()
        .enumerate()
        .filter(|(k, _)| mask & (1 << k) != 0)
        .map(|(_, f)| f.name)
        .collect();
    if mask & TOMBSTONE_BIT != 0 {
        columns.push(schema::DELETED.name);
    }
    if mask & SEARCH_KEY_BIT != 0 {
        columns.push("search_key");
    }
    if mask & MATCH_KEY_BIT != 0 {
        columns.push("match_key");
    }
    columns
}

fn field_bit(spec: &EntitySpec, field: &str) -> u64 {
    if field == schema::DELETED.name {
        return TOMBSTONE_BIT;
    }
    spec.fields
        .iter()
        .position(|f| f.name == field)
        .map_or(0, |k| 1 << k)
}

/// Writes field values into the materialised row and keeps a person's derived search key up
/// to date. Returns the number of rows written (0: no such row, or id already taken).
pub(crate) fn materialise(
    tx: &Connection,
    sql: &mut SqlCache,
    spec: &'static EntitySpec,
    id: Uuid,
    fields: &[(&str, &Value)],
    mode: Mode,
    new_row: bool,
) -> Result<usize> {
    // Fields in catalogue order, so that one SQL text serves every write of the same shape.
    let mut ordered: Vec<(u64, &Value)> = fields
        .iter()
        .map(|(f, v)| (field_bit(spec, f), *v))
        .collect();
    ordered.sort_by_key(|(bit, _)| bit.trailing_zeros());
    let mut mask: u64 = ordered.iter().fold(0, |m, (bit, _)| m | bit);

    let is_person = spec.name == schema::PERSON.name;
    let name_changed = is_person
        && fields
            .iter()
            .any(|(f, _)| search_key::SOURCE_FIELDS.contains(f));
    let value_of = |name: &str| {
        fields
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, v)| match v {
                Value::Text(t) => Some(t.as_str()),
                _ => None,
            })
    };
    // A new row carries all its source fields: compute the key without reading back.
    let key = (name_changed && (mode == Mode::Insert || new_row)).then(|| {
        search_key::of_person(
            value_of("first_name").flatten(),
            value_of("last_name").flatten(),
            value_of("email").flatten(),
        )
    });
    let match_value = key.as_ref().map(|_| {
        Value::Text(crate::person_match::match_key(
            value_of("first_name").flatten().unwrap_or(""),
            value_of("last_name").flatten().unwrap_or(""),
        ))
    });
    let key_value = key.map(Value::Text);
    if let (Some(key), Some(matching)) = (&key_value, &match_value) {
        mask |= SEARCH_KEY_BIT | MATCH_KEY_BIT;
        ordered.push((SEARCH_KEY_BIT, key));
        ordered.push((MATCH_KEY_BIT, matching));
    }

    let id_text = id.to_string();
    let mut params: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(ordered.len() + 1);
    params.push(&id_text);
    for (_, value) in &ordered {
        params.push(*value);
    }
    let written = tx
        .prepare_cached(sql.get(spec, mask, mode))?
        .execute(params.as_slice())?;

    if name_changed && key_value.is_none() && written > 0 {
        refresh_person_keys(tx, &id_text)?;
    }
    Ok(written)
}

/// Notes, in the transaction that erased or purged a person, that the file must be rewritten
/// ([`Store::compact`]) before her bytes are gone from its free pages.
pub(crate) fn mark_rewrite_pending(conn: &Connection) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('rewrite_pending', 1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [],
    )?;
    Ok(())
}

/// Recomputes a person's derived keys (search, match) from her stored names.
pub(crate) fn refresh_person_keys(conn: &Connection, id: &str) -> Result<()> {
    let (first, last, email): (Option<String>, Option<String>, Option<String>) = conn
        .prepare_cached("SELECT first_name, last_name, email FROM person WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let search = search_key::of_person(first.as_deref(), last.as_deref(), email.as_deref());
    let matching = crate::person_match::match_key(
        first.as_deref().unwrap_or(""),
        last.as_deref().unwrap_or(""),
    );
    conn.prepare_cached("UPDATE person SET search_key = ?1, match_key = ?2 WHERE id = ?3")?
        .execute(params![search, matching, id])?;
    Ok(())
}

/// Opens the database file at `path` and hands it its key and page cipher (before anything is
/// read); the first read tells whether the key fits. Errors say what the officer can act on:
/// no notebook, an encrypted notebook opened without its key, or with a key that does not open
/// it (another key, or another page format).
fn connect(path: &Path, keyed: Option<(&NotebookKey, PageCipher)>) -> Result<Connection> {
    if !path.is_file() {
        return Err(Error::NoDatabase {
            path: path.display().to_string(),
        });
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| cannot_open(path, &e))?;
    if let Some((key, cipher)) = keyed {
        conn.execute_batch(&key.pragma(cipher))?;
    }
    // The cipher answers "not a database" to a wrong key, and plain SQLite to an encrypted
    // file.
    let readable = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    });
    if let Err(e) = readable {
        let encrypted = crate::notebook_key::file_kind(path)
            .is_ok_and(|k| k == crate::notebook_key::FileKind::Encrypted);
        return Err(match (e.sqlite_error_code(), keyed.is_some(), encrypted) {
            (Some(rusqlite::ErrorCode::NotADatabase), false, true) => Error::NotebookEncrypted,
            (Some(rusqlite::ErrorCode::NotADatabase), true, true) => Error::WrongNotebookKey,
            _ => cannot_open(path, &e),
        });
    }
    Ok(conn)
}

/// Hands a new notebook's key to the page cipher, in the current format, before anything is
/// written.
fn apply_key(conn: &Connection, key: Option<&NotebookKey>) -> Result<()> {
    if let Some(key) = key {
        conn.execute_batch(&key.pragma(PageCipher::Aegis))?;
    }
    Ok(())
}

/// The `file:` URI SQLite reads `path` from: every byte but unreserved characters and
/// separators percent-encoded (a space, `#`, `?` or `%` in a folder's name stays part of the
/// name); a Windows path gets forward slashes and the `file:///C:/…` form.
fn file_uri(path: &Path) -> String {
    let bytes = path.as_os_str().as_encoded_bytes();
    let mut uri = String::from("file:");
    let windows_drive =
        cfg!(windows) && bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic();
    if windows_drive {
        uri.push_str("///");
    } else if bytes.first() == Some(&b'/') {
        uri.push_str("//");
    }
    for &byte in bytes {
        match byte {
            b'\\' if cfg!(windows) => uri.push('/'),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                uri.push(char::from(byte))
            }
            b':' if windows_drive => uri.push(':'),
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri
}

fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Deleted rows are overwritten, not left in free pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    // 32 MiB of page cache (the default is 2 MiB): a 10-year notebook's hot indexes fit.
    conn.pragma_update(None, "cache_size", -32_768)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

fn migrate(conn: &Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        // 0009: the match keys of the persons already there, computed here.
        if index == 8 {
            let ids: Vec<String> = tx
                .prepare("SELECT id FROM person")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for id in ids {
                refresh_person_keys(&tx, &id)?;
            }
        }
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

fn load_hlc(conn: &Connection) -> Result<HlcState> {
    let meta = |key: &str| -> Result<Option<Value>> {
        Ok(conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    };
    let Some(Value::Blob(device)) = meta("device_id")? else {
        return Err(Error::NotACarnetDatabase);
    };
    let device = changelog::uuid_from_blob(&device)?;
    let int = |v: Option<Value>| match v {
        Some(Value::Integer(i)) => i,
        _ => 0,
    };
    Ok(HlcState::new(
        device,
        int(meta("hlc_wall")?),
        int(meta("hlc_counter")?),
    ))
}

fn save_hlc(tx: &Connection, hlc: &HlcState) -> Result<()> {
    let (wall, counter) = hlc.last();
    let mut stmt = tx.prepare_cached("UPDATE meta SET value = ?2 WHERE key = ?1")?;
    stmt.execute(params!["hlc_wall", wall])?;
    stmt.execute(params!["hlc_counter", counter])?;
    Ok(())
}

/// `None` if the row does not exist, `Some(deleted)` otherwise.
fn row_state(
    conn: &Connection,
    sql: &mut SqlCache,
    spec: &'static EntitySpec,
    id: &str,
) -> Result<Option<bool>> {
    Ok(conn
        .prepare_cached(sql.get(spec, 0, Mode::Exists))?
        .query_row([id], |r| r.get::<_, i64>(0))
        .optional()?
        .map(|d| d != 0))
}

/// The stored values of a live row, in catalogue order.
pub(crate) fn read_values(
    conn: &Connection,
    spec: &EntitySpec,
    id: Uuid,
) -> Result<Option<Vec<Value>>> {
    let sql = format!(
        "SELECT {} FROM {} WHERE id = ?1 AND deleted = 0{}",
        column_list(spec),
        spec.name,
        complete_clause(spec)
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id.to_string()], |r| {
            (0..spec.fields.len())
                .map(|i| r.get::<_, Value>(i))
                .collect::<rusqlite::Result<Vec<Value>>>()
        })
        .optional()?)
}

fn read_row<T: Record>(conn: &Connection, id: Uuid) -> Result<Option<T>> {
    match read_values(conn, T::SPEC, id)? {
        Some(values) => Ok(Some(record::from_row(&values)?)),
        None => Ok(None),
    }
}

/// Builds an entry from a row whose first column is the id and the rest the catalogue fields.
pub(crate) fn entry_from_row<T: Record>(row: &rusqlite::Row<'_>) -> Result<Entry<T>> {
    let id: String = row.get(0)?;
    let values = (0..T::SPEC.fields.len())
        .map(|i| row.get::<_, Value>(i + 1))
        .collect::<rusqlite::Result<Vec<Value>>>()?;
    Ok(Entry {
        id: crate::validate::id(&id)?,
        data: record::from_row(&values)?,
    })
}

/// ` AND r1 IS NOT NULL AND …` for an entity's required fields. A row whose creation has not
/// arrived yet (sync delivers an edit before it, or the segment that created it is missing
/// from the folder) is invisible to reads until it does, instead of failing them.
fn complete_clause(spec: &EntitySpec) -> String {
    spec.fields
        .iter()
        .filter(|f| f.required)
        .map(|f| format!(" AND {} IS NOT NULL", f.name))
        .collect()
}

/// `f1, f2, …` for an entity's catalogue fields.
pub(crate) fn column_list(spec: &EntitySpec) -> String {
    spec.fields
        .iter()
        .map(|f| f.name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn field_spec(spec: &'static EntitySpec, name: &str) -> Result<&'static FieldSpec> {
    schema::field_of(spec, name).ok_or(Error::Internal {
        message: "Champ inconnu.",
    })
}

fn unknown(spec: &EntitySpec, id: Uuid) -> Error {
    Error::UnknownId {
        entity: spec.label,
        id: id.to_string(),
    }
}

fn cannot_open(path: &Path, err: &rusqlite::Error) -> Error {
    let reason = match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::CannotOpen) => "le fichier ne peut pas être ouvert".to_string(),
        Some(rusqlite::ErrorCode::ReadOnly) => "le fichier est en lecture seule".to_string(),
        Some(rusqlite::ErrorCode::NotADatabase) => {
            "ce fichier n'est pas une base SQLite".to_string()
        }
        Some(rusqlite::ErrorCode::PermissionDenied) => "accès refusé".to_string(),
        _ => err.to_string(),
    };
    Error::CannotOpen {
        path: path.display().to_string(),
        reason,
    }
}
