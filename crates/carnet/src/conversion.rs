//! Turning a notebook into one in the current encrypted format, with one complete notebook on
//! disk whatever moment the conversion is stopped at. Two conversions: a plaintext notebook
//! (Carnet before encryption) is encrypted once the officer chose a passphrase ([`encrypt`]);
//! a notebook in the page format of Carnet before November 2026 (SQLCipher 4) is copied into
//! the current one (AEGIS-256, same key) the first time it is opened ([`upgrade_page_cipher`]).
//!
//! The steps of [`encrypt`], for `carnet.db`:
//! 1. An encrypted copy is written to `carnet.db.encrypting` (a new owner-only file; a
//!    leftover is removed first), closed, reopened with the key, and compared with the
//!    plaintext notebook: same digest of every row, same change log.
//! 2. The caller keeps the key where it will find it again (the wrapped key file), before
//!    anything is swapped: an encrypted notebook is never left without a way to open it.
//! 3. The plaintext notebook's write-ahead log is checkpointed and closed; `carnet.db.plaintext`
//!    is made a second name (hard link) of the plaintext file; the copy is renamed over
//!    `carnet.db` in one atomic step. From here `carnet.db` is the encrypted notebook.
//! 4. The plaintext file (`carnet.db.plaintext`, no longer reachable as `carnet.db`) is
//!    overwritten with zeros, flushed, and removed.
//!
//! [`upgrade_page_cipher`] writes and verifies its copy the same way (the key file does not
//! change), then moves the old file aside as `carnet.db.sqlcipher`, renames the copy to
//! `carnet.db`, and wipes the old file.
//!
//! [`finish_interrupted`] runs before any open and settles what a stop left: a copy not yet
//! swapped is removed (the notebook it was made from is still whole); a second name of a
//! plaintext notebook that is still `carnet.db` is only unlinked; an old file whose copy took
//! its place is overwritten and removed; an old file moved aside with nothing in its place is
//! put back.
//!
//! What overwriting can and cannot do: on a hard disk the old pages are gone; on an SSD the
//! drive may keep copies of old blocks out of reach of any program. Full-disk encryption
//! (BitLocker, LUKS) covers that; Carnet says so in its documentation rather than promise it.

use std::path::{Path, PathBuf};

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::notebook_key::{FileKind, NotebookKey, beside, file_kind};
use crate::store::Store;

/// Where a conversion stops on purpose (tests stop there to act as a power cut would).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// The encrypted copy is written and verified; nothing else happened.
    Copied,
    /// The key is kept (step 2); the plaintext notebook is still `carnet.db`.
    KeyKept,
    /// The plaintext file has its second name; `carnet.db` is still plaintext.
    Linked,
    /// `carnet.db` is the encrypted notebook; the old plaintext is not yet wiped.
    Swapped,
    /// Everything is done.
    Done,
}

/// Encrypts the plaintext notebook at `path` with `key`. `keep_key` must store the key (its
/// wrapped form) durably: it runs after the copy is verified and before the swap. On return
/// `path` is the encrypted notebook and no plaintext copy remains.
pub fn encrypt(
    path: &Path,
    key: &NotebookKey,
    clock: Box<dyn Clock>,
    keep_key: impl FnOnce() -> Result<()>,
) -> Result<()> {
    encrypt_until(path, key, clock, keep_key, Stage::Done)
}

/// [`encrypt`], stopping after `stage` without cleaning up, as an interruption would.
pub fn encrypt_until(
    path: &Path,
    key: &NotebookKey,
    clock: Box<dyn Clock>,
    keep_key: impl FnOnce() -> Result<()>,
    stage: Stage,
) -> Result<()> {
    finish_interrupted(path)?;
    match kind(path)? {
        FileKind::Plaintext => {}
        FileKind::Encrypted => return Err(Error::NotebookAlreadyEncrypted),
        FileKind::Other => return Err(Error::NotACarnetDatabase),
    }
    let copy = beside(path, "encrypting");
    let old = beside(path, "plaintext");
    let store = Store::open(path, clock)?;
    store.checkpoint()?;
    let expected = fingerprint(&store)?;
    copy_and_verify(&store, &copy, key, &expected)?;
    if stage == Stage::Copied {
        return Ok(());
    }
    if let Err(e) = keep_key() {
        let _ = std::fs::remove_file(&copy);
        return Err(e);
    }
    if stage == Stage::KeyKept {
        return Ok(());
    }
    // The plaintext notebook closes with its log emptied: no plaintext WAL may meet the
    // encrypted file under the same name.
    drop(store);
    remove_sidecars(path);
    std::fs::hard_link(path, &old).map_err(|e| cannot_write(&old, &e))?;
    if stage == Stage::Linked {
        return Ok(());
    }
    std::fs::rename(&copy, path).map_err(|e| cannot_write(path, &e))?;
    sync_folder(path);
    if stage == Stage::Swapped {
        return Ok(());
    }
    wipe(&old)
}

/// Where [`upgrade_page_cipher_until`] stops on purpose (tests stop there as a power cut
/// would).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum UpgradeStage {
    /// The copy in the current format is written and verified; nothing else happened.
    Copied,
    /// The old file is `carnet.db.sqlcipher`; nothing is `carnet.db`.
    MovedAside,
    /// `carnet.db` is the copy; the old file is not yet wiped.
    Swapped,
    /// Everything is done.
    Done,
}

/// Copies the notebook at `path`, in SQLCipher 4's page format, into the current format with
/// the same `key` (see the module documentation). On return `path` is in the current format
/// and the old file is gone.
pub fn upgrade_page_cipher(path: &Path, key: &NotebookKey) -> Result<()> {
    upgrade_page_cipher_until(path, key, UpgradeStage::Done)
}

/// [`upgrade_page_cipher`], stopping after `stage` without cleaning up, as an interruption
/// would.
pub fn upgrade_page_cipher_until(
    path: &Path,
    key: &NotebookKey,
    stage: UpgradeStage,
) -> Result<()> {
    finish_interrupted(path)?;
    let copy = beside(path, "encrypting");
    let old = beside(path, "sqlcipher");
    // The old file is read with a clock of its own: nothing here is stamped.
    let store = Store::open_sqlcipher4(path, key, Box::new(crate::clock::ManualClock::new(0)))?;
    store.checkpoint()?;
    let expected = fingerprint(&store)?;
    copy_and_verify(&store, &copy, key, &expected)?;
    if stage == UpgradeStage::Copied {
        return Ok(());
    }
    drop(store);
    remove_sidecars(path);
    std::fs::rename(path, &old).map_err(|e| cannot_write(&old, &e))?;
    if stage == UpgradeStage::MovedAside {
        return Ok(());
    }
    std::fs::rename(&copy, path).map_err(|e| cannot_write(path, &e))?;
    sync_folder(path);
    if stage == UpgradeStage::Swapped {
        return Ok(());
    }
    wipe(&old)
}

/// Writes `store`'s encrypted copy to `copy` and proves it: reopened with `key`, it has the
/// `expected` fingerprint. A copy that is not proven is removed.
fn copy_and_verify(
    store: &Store,
    copy: &Path,
    key: &NotebookKey,
    expected: &(String, i64),
) -> Result<()> {
    store.export_encrypted(copy, key)?;
    let verified = Store::open_with(copy, Some(key), Box::new(crate::clock::ManualClock::new(0)))
        .and_then(|copied| fingerprint(&copied));
    match verified {
        Ok(found) if &found == expected => {
            remove_sidecars(copy);
            Ok(())
        }
        Ok(_) => {
            let _ = std::fs::remove_file(copy);
            Err(Error::ConversionMismatch)
        }
        Err(e) => {
            let _ = std::fs::remove_file(copy);
            Err(e)
        }
    }
}

/// Settles what an interrupted conversion left beside the notebook at `path` (see the module
/// documentation). Does nothing when nothing was left.
pub fn finish_interrupted(path: &Path) -> Result<()> {
    let copy = beside(path, "encrypting");
    let old = beside(path, "plaintext");
    let moved_aside = beside(path, "sqlcipher");
    if copy.exists() {
        // Not swapped: the notebook it was made from is whole (as `carnet.db`, or moved
        // aside and put back below); the copy goes (it may be partial).
        std::fs::remove_file(&copy).map_err(|e| cannot_write(&copy, &e))?;
        remove_sidecars(&copy);
    }
    if moved_aside.exists() {
        if path.exists() {
            // The copy took its place: the old file goes.
            wipe(&moved_aside)?;
        } else {
            std::fs::rename(&moved_aside, path).map_err(|e| cannot_write(path, &e))?;
        }
    }
    if old.exists() {
        if !path.exists() {
            // Only the old name is left (moved by hand?): it is the notebook; put it back.
            std::fs::rename(&old, path).map_err(|e| cannot_write(path, &e))?;
        } else if kind(path)? == FileKind::Plaintext {
            // A second name of the notebook itself: unlink only, never overwrite.
            std::fs::remove_file(&old).map_err(|e| cannot_write(&old, &e))?;
        } else {
            wipe(&old)?;
        }
    }
    Ok(())
}

fn kind(path: &Path) -> Result<FileKind> {
    file_kind(path).map_err(|e| Error::CannotOpen {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// What must be equal before and after: every row (the digest sync compares) and the change
/// log's size.
fn fingerprint(store: &Store) -> Result<(String, i64)> {
    Ok((crate::digest::digest(store)?, store.change_count()?))
}

/// Removes the `-wal` and `-shm` files SQLite may leave beside a database file.
fn remove_sidecars(path: &Path) {
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// Overwrites a file with zeros, flushes it and removes it.
fn wipe(path: &Path) -> Result<()> {
    use std::io::Write;
    let len = std::fs::metadata(path)
        .map_err(|e| cannot_write(path, &e))?
        .len();
    let zeros = vec![0u8; 64 * 1024];
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| cannot_write(path, &e))?;
    let mut left = len;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        file.write_all(&zeros[..n])
            .map_err(|e| cannot_write(path, &e))?;
        left -= n as u64;
    }
    file.sync_all().map_err(|e| cannot_write(path, &e))?;
    drop(file);
    std::fs::remove_file(path).map_err(|e| cannot_write(path, &e))?;
    remove_sidecars(path);
    Ok(())
}

/// Makes a rename in the notebook's folder durable (Unix; Windows commits renames itself).
fn sync_folder(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent()
        && let Ok(dir) = std::fs::File::open(dir)
    {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn cannot_write(path: &Path, e: &std::io::Error) -> Error {
    Error::CannotWrite {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}
