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

// Where each part lives: opening the file (cipher, settings, migrations) in `file`; the SQL
// between the catalogue and the tables in `sql`; local writes in `writer`; received changes
// are decided by `crate::merge` and applied here (`apply_changes_and`).
mod checkpointer;
mod file;
mod index_set_aside;
mod search_index;
mod sql;
mod writer;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::changelog;
pub use crate::changelog::Change;
use crate::clock::{Clock, Hlc, HlcState};
use crate::error::{Error, Result};
use crate::notebook_key::{NotebookKey, PageCipher};
use crate::record::{Entry, Record};
use crate::schema;
use crate::search_key;

pub(crate) use file::PAGE_CACHE_KIB;
pub use file::SCHEMA_VERSION;
use file::{APPLICATION_ID, apply_key, cannot_open, configure, connect, file_uri, migrate};
pub use index_set_aside::SetAside;
pub(crate) use sql::{
    Mode, SqlCache, column_list, complete_clause, entry_from_row, materialise, read_values,
};
use sql::{read_row, unknown};
pub use writer::Writer;

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

/// Above this many changes, [`Store::apply_changes_and`] commits any open batch and applies
/// them in a transaction of their own (see there why).
const SAVEPOINT_MAX_CHANGES: usize = 5_000;

/// Where one apply's changes are written: a transaction of its own, or a savepoint of an open
/// batch's transaction.
enum ApplyUnit<'c> {
    Transaction(rusqlite::Transaction<'c>),
    Savepoint(rusqlite::Savepoint<'c>),
}

impl std::ops::Deref for ApplyUnit<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            ApplyUnit::Transaction(tx) => tx,
            ApplyUnit::Savepoint(sp) => sp,
        }
    }
}

impl ApplyUnit<'_> {
    fn commit(self) -> rusqlite::Result<()> {
        match self {
            ApplyUnit::Transaction(tx) => tx.commit(),
            ApplyUnit::Savepoint(sp) => sp.commit(),
        }
    }
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
    /// When a sync sets the tables' secondary indexes aside (`index_set_aside`).
    set_aside: SetAside,
    /// How many persons a search reads in name order before it asks the trigram index
    /// (`person::READ_IN_NAME_ORDER_FIRST`; tests set 0 to test the index alone).
    search_reads_in_name_order: usize,
    /// Whether local writes leave entries in the journal (`audit.rs`); the demo generator
    /// turns it off (fictional data, a million changes).
    audit: bool,
    /// The database file, or `None` in memory.
    path: Option<std::path::PathBuf>,
    /// Whether the file is encrypted (opened or created with a key).
    encrypted: bool,
    /// The key it was opened or created with (current page format), for the second
    /// connection of [`Store::checkpoint_in_background`]; `None` when plaintext.
    key: Option<NotebookKey>,
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
        store.key = key.map(NotebookKey::copy);
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
        let mut store = Self::open_connection(path, conn, key.is_some(), clock)?;
        store.key = key.map(NotebookKey::copy);
        Ok(store)
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
        // A sync cut short may have left indexes aside: they come back before anything reads.
        index_set_aside::restore(&conn)?;
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

    /// Empties SQLite's page cache of this connection (`PRAGMA shrink_memory`): after a large
    /// piece of work such as a sync, so that the cache it filled does not stay held while the
    /// window sits idle. It fills again as screens read.
    pub fn release_memory(&self) -> Result<()> {
        self.conn.execute_batch("PRAGMA shrink_memory")?;
        Ok(())
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

    /// Starts copying the write-ahead log into the file from a second connection on a thread
    /// of its own (see `checkpointer`) until the returned value is dropped. `None` for a
    /// database in memory, a notebook whose key this store does not hold (one being converted
    /// from an earlier page format), or when the second connection cannot be opened.
    pub(crate) fn checkpoint_in_background(&self) -> Option<checkpointer::Checkpointer> {
        let path = self.path.as_deref()?;
        let keyed = match (&self.key, self.encrypted) {
            (Some(key), true) => Some((key, PageCipher::Aegis)),
            (None, false) => None,
            _ => return None,
        };
        checkpointer::Checkpointer::start(connect(path, keyed).ok()?)
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
            set_aside: SetAside::WhenWorthIt,
            search_reads_in_name_order: crate::person::READ_IN_NAME_ORDER_FIRST,
            audit: true,
            path: None,
            encrypted: false,
            key: None,
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

    /// When a sync sets the tables' secondary indexes aside ([`SetAside::WhenWorthIt`] unless
    /// set): tests sync the same small folder both ways and require the same notebook.
    pub fn set_index_set_aside(&mut self, when: SetAside) {
        self.set_aside = when;
    }

    /// How many persons a search reads in name order before it asks the trigram index
    /// ([`person::READ_IN_NAME_ORDER_FIRST`](crate::person::READ_IN_NAME_ORDER_FIRST) unless
    /// set): tests set 0 to compare the index alone with a scan of every key.
    pub fn set_search_reads_in_name_order(&mut self, persons: usize) {
        self.search_reads_in_name_order = persons;
    }

    /// Whether a sync has the tables' secondary indexes set aside (`index_set_aside`).
    pub(crate) fn indexes_set_aside(&self) -> Result<bool> {
        index_set_aside::any(&self.conn)
    }

    /// See [`Store::set_search_reads_in_name_order`].
    pub(crate) fn search_reads_in_name_order(&self) -> usize {
        self.search_reads_in_name_order
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
            let first_seq: i64 = tx
                .prepare_cached("SELECT coalesce(max(seq), 0) FROM change_log")?
                .query_row([], |r| r.get(0))?;
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

    /// [`select`](Self::select) for one page of a sorted list (`tail` ends with its
    /// `ORDER BY … LIMIT …`): the page's rows are chosen on the filter and sort columns alone,
    /// then only they are read whole. A search for a common name keeps 50 rows of 461: sorting
    /// them whole to drop 411 was a fifth of its time (`docs/performance.md`).
    pub(crate) fn select_page<T: Record>(
        &self,
        tail: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Entry<T>>> {
        let chosen = format!(
            "SELECT rowid FROM {} WHERE deleted = 0{} {tail}",
            T::SPEC.name,
            complete_clause(T::SPEC)
        );
        let rowids = self
            .conn
            .prepare_cached(&chosen)?
            .query_map(params, |r| r.get::<_, i64>(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?;
        self.select_rowids(&rowids)
    }

    /// The live records of these rowids, in their order (a rowid no longer there is left out).
    pub(crate) fn select_rowids<T: Record>(&self, rowids: &[i64]) -> Result<Vec<Entry<T>>> {
        if rowids.is_empty() {
            return Ok(Vec::new());
        }
        let fields = T::SPEC.fields.len();
        let sql = format!(
            "SELECT id, {}, rowid FROM {} WHERE rowid IN (SELECT value FROM json_each(?1))
             AND deleted = 0{}",
            column_list(T::SPEC),
            T::SPEC.name,
            complete_clause(T::SPEC)
        );
        let list = format!(
            "[{}]",
            rowids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([list])?;
        let mut read = std::collections::HashMap::with_capacity(rowids.len());
        while let Some(row) = rows.next()? {
            read.insert(row.get::<_, i64>(fields + 1)?, entry_from_row::<T>(row)?);
        }
        Ok(rowids.iter().filter_map(|r| read.remove(r)).collect())
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
    /// Inside a [`Store::begin_batch`], the transaction is a savepoint of the batch's, unless
    /// there are more than [`SAVEPOINT_MAX_CHANGES`] changes: the batch is then committed
    /// first, these changes get a transaction of their own, and a new batch begins after.
    pub(crate) fn apply_changes_and(
        &mut self,
        changes: &[Change],
        also: impl FnOnce(&Connection) -> Result<()>,
    ) -> Result<ApplyReport> {
        let saved = self.hlc;
        // A large set of changes is its own transaction, outside any batch: inside a
        // savepoint, every statement's end truncates SQLite's in-memory statement journal by
        // walking it from its start, which grows with the savepoint's pages (a first sync of a
        // team's ten years spent half its time there). Small sets, the usual sync, share the
        // batch's one commit.
        let own_transaction = changes.len() > SAVEPOINT_MAX_CHANGES;
        let resume_batch = own_transaction && self.batch_clock.is_some();
        if resume_batch {
            self.commit_batch()?;
        }
        let result = (|| {
            let tx = if self.batch_clock.is_some() {
                ApplyUnit::Savepoint(self.conn.savepoint()?)
            } else {
                ApplyUnit::Transaction(self.conn.transaction()?)
            };
            let mut report = ApplyReport::default();
            // The trigram index learns the persons applied once, at the end (search_index.rs).
            search_index::pause(&tx)?;
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
            // Erasure orders received, and rows received about an erased person. The purge
            // finds a person's rows through the indexes a large sync sets aside: they are
            // built again first, and kept for the rest of the sync.
            let to_purge = crate::erasure::persons_to_purge(&tx, changes)?;
            if !to_purge.is_empty() {
                index_set_aside::restore(&tx)?;
            }
            for person in to_purge {
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
            // Inside a batch, the index catches up once, when the batch commits.
            if matches!(tx, ApplyUnit::Transaction(_)) {
                search_index::catch_up(&tx)?;
            }
            also(&tx)?;
            save_hlc(&tx, &self.hlc)?;
            tx.commit()?;
            Ok(report)
        })();
        if result.is_err() {
            self.hlc = saved;
        } else if resume_batch {
            self.begin_batch()?;
        }
        result
    }

    /// Sets the tables' secondary indexes aside until [`Store::restore_indexes`] (or the
    /// notebook's next opening), when a sync is to apply `incoming_bytes` of segments and
    /// that is worth it for this notebook's size (`index_set_aside`). Returns whether it did.
    pub(crate) fn set_indexes_aside_for(&self, incoming_bytes: u64) -> Result<bool> {
        let notebook_bytes: i64 = self.conn.query_row(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            [],
            |r| r.get(0),
        )?;
        let worth_it = match self.set_aside {
            SetAside::WhenWorthIt => {
                index_set_aside::worth_it(incoming_bytes, notebook_bytes.max(0) as u64)
            }
            SetAside::Always => incoming_bytes > 0,
            SetAside::Never => false,
        };
        if !worth_it {
            return Ok(false);
        }
        index_set_aside::set_aside(&self.conn)?;
        Ok(true)
    }

    /// Builds again the indexes set aside, in one transaction; whether there were any.
    pub(crate) fn restore_indexes(&self) -> Result<bool> {
        index_set_aside::restore(&self.conn)
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

    /// Commits what was applied since [`Store::begin_batch`]. A commit that fails (the disk
    /// is full, the file is locked) undoes the batch instead of leaving it open: nothing later
    /// joins a transaction that will never be committed.
    pub(crate) fn commit_batch(&mut self) -> Result<()> {
        let Some(hlc) = self.batch_clock.take() else {
            return Ok(());
        };
        let committed = search_index::catch_up(&self.conn)
            .and_then(|()| Ok(self.conn.execute_batch("COMMIT")?));
        if let Err(e) = committed {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.hlc = hlc;
            return Err(e);
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
