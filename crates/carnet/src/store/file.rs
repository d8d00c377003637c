//! Opening the notebook's file: the page cipher and its key, SQLite's settings, and the
//! migrations that bring an older notebook forward (never edited once shipped: a change is a
//! new migration).

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};
use crate::notebook_key::{NotebookKey, PageCipher};

use super::refresh_person_keys;

/// `PRAGMA application_id` of a Carnet database ("CRNT").
pub(super) const APPLICATION_ID: i64 = 0x4352_4E54;

/// Embedded migrations, applied in order. Never edit one that has shipped: add a new one.
pub(super) const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_initial.sql"),
    include_str!("../../migrations/0002_sync.sql"),
    include_str!("../../migrations/0003_letters.sql"),
    include_str!("../../migrations/0004_sync_hostile_folder.sql"),
    include_str!("../../migrations/0005_person_search.sql"),
    include_str!("../../migrations/0006_retention.sql"),
    include_str!("../../migrations/0007_erasure.sql"),
    include_str!("../../migrations/0008_person_keys.sql"),
    include_str!("../../migrations/0009_person_match.sql"),
    include_str!("../../migrations/0010_person_merge.sql"),
    include_str!("../../migrations/0011_audit.sql"),
    include_str!("../../migrations/0012_consent.sql"),
    include_str!("../../migrations/0013_journal_in_change_log.sql"),
    include_str!("../../migrations/0014_own_officer.sql"),
    include_str!("../../migrations/0015_segment_copy_offsets.sql"),
    include_str!("../../migrations/0016_person_trigram_index.sql"),
    include_str!("../../migrations/0017_person_trigram_catch_up.sql"),
    include_str!("../../migrations/0018_change_log_own_index.sql"),
    include_str!("../../migrations/0019_index_set_aside.sql"),
];

/// The schema version this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Opens the database file at `path` and hands it its key and page cipher (before anything is
/// read); the first read tells whether the key fits. Errors say what the officer can act on:
/// no notebook, an encrypted notebook opened without its key, or with a key that does not open
/// it (another key, or another page format).
pub(super) fn connect(
    path: &Path,
    keyed: Option<(&NotebookKey, PageCipher)>,
) -> Result<Connection> {
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
pub(super) fn apply_key(conn: &Connection, key: Option<&NotebookKey>) -> Result<()> {
    if let Some(key) = key {
        conn.execute_batch(&key.pragma(PageCipher::Aegis))?;
    }
    Ok(())
}

/// The `file:` URI SQLite reads `path` from: every byte but unreserved characters and
/// separators percent-encoded (a space, `#`, `?` or `%` in a folder's name stays part of the
/// name); a Windows path gets forward slashes and the `file:///C:/…` form.
pub(super) fn file_uri(path: &Path) -> String {
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

/// The page cache of a notebook's connection, in KiB.
pub(crate) const PAGE_CACHE_KIB: i64 = 32_768;

pub(super) fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Deleted rows are overwritten, not left in free pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    // 32 MiB of page cache (the default is 2 MiB): a 10-year notebook's hot indexes fit.
    conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(128);
    // The same plan whatever the values bound (the query planner stability guarantee): SQLite
    // 3.54 otherwise prepares a statement again when a bound value might change its plan —
    // FTS5's own lookup of a segment did it at every search, as the segment's id went from 1
    // to another (`docs/performance.md`, issue #18's fifth session).
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

pub(super) fn migrate(conn: &Connection) -> Result<()> {
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

pub(super) fn cannot_open(path: &Path, err: &rusqlite::Error) -> Error {
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
