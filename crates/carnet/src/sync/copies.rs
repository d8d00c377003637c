//! This device's copies of the segments it wrote or applied, so that one that leaves the
//! folder (deleted, rolled back) can be put back byte for byte.
//!
//! Why files beside the notebook rather than rows in it: the copies are as large as the
//! segments themselves, and writing them through SQLite's journal doubled the I/O of an import
//! (written to the WAL, then again at checkpoint). Beside a notebook file `carnet.db`, they live
//! in `carnet.db-segments/<device>/<seq>.seg`, written once, owner-only, without a flush: a copy
//! is only ever used after its SHA-256 matched the digest recorded in the notebook, so a copy
//! lost or torn by a crash only means that this device cannot help heal that segment. A
//! notebook in memory (tests, benchmarks) keeps its copies in the `sync_segment.bytes` column.
//! They are the encrypted bytes as found in the folder: nothing here is in clear.

use std::path::PathBuf;

use rusqlite::params;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::segment;
use crate::error::Result;
use crate::store::Store;

/// Where the copies of a notebook file are kept.
fn dir(store: &Store) -> Option<PathBuf> {
    let path = store.path()?;
    let mut name = path.file_name()?.to_os_string();
    name.push("-segments");
    Some(path.with_file_name(name))
}

/// What goes into the `bytes` column: the bytes themselves for a notebook in memory, nothing
/// when they are kept as a file (see [`keep`]).
pub(crate) fn column<'b>(store: &Store, bytes: &'b [u8]) -> Option<&'b [u8]> {
    dir(store).is_none().then_some(bytes)
}

/// Keeps a copy of a segment's bytes (best effort: a copy that cannot be written only means
/// this device cannot put that segment back later).
pub(crate) fn keep(store: &Store, device: Uuid, seq: u64, bytes: &[u8]) {
    let Some(dir) = dir(store) else {
        return;
    };
    let device_dir = dir.join(device.to_string());
    let _ = std::fs::create_dir_all(&device_dir);
    let path = device_dir.join(segment::file_name(seq));
    let temp = device_dir.join(format!(".{}.tmp", segment::file_name(seq)));
    let _ = std::fs::remove_file(&temp);
    let written = crate::atomic_file::owner_only_new_file(&temp)
        .and_then(|mut file| std::io::Write::write_all(&mut file, bytes))
        .and_then(|()| std::fs::rename(&temp, &path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
}

/// The copy of `(device, seq)` whose SHA-256 is `digest`, if this device has it.
pub(crate) fn get(store: &Store, device: Uuid, seq: u64, digest: &[u8]) -> Result<Option<Vec<u8>>> {
    let in_column: Option<Vec<u8>> = store
        .conn()
        .query_row(
            "SELECT bytes FROM sync_segment WHERE device = ?1 AND seq = ?2 AND bytes IS NOT NULL LIMIT 1",
            params![device.as_bytes().as_slice(), seq as i64],
            |r| r.get(0),
        )
        .ok();
    let bytes = in_column.or_else(|| {
        let path = dir(store)?
            .join(device.to_string())
            .join(segment::file_name(seq));
        std::fs::read(path).ok()
    });
    Ok(bytes.filter(|b| Sha256::digest(b).as_slice() == digest))
}

/// Removes every copy (the notebook leaves its team: they were sealed for the old one).
pub(crate) fn forget(store: &Store) {
    if let Some(dir) = dir(store) {
        let _ = std::fs::remove_dir_all(dir);
    }
}
