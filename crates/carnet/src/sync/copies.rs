//! This device's copies of the segments it wrote or applied, so that one that leaves the
//! folder (deleted, rolled back) can be put back byte for byte.
//!
//! Why files beside the notebook rather than rows in it: the copies are as large as the
//! segments themselves, and writing them through SQLite's journal doubled the I/O of an import
//! (written to the WAL, then again at checkpoint). Why one file per device rather than one per
//! segment: a first sync applies hundreds of segments, and creating a file for each (an inode,
//! a directory entry, a rename) was a large share of its time in `perf` (`docs/performance.md`).
//!
//! Beside a notebook file `carnet.db`, the copies of a device's segments are appended to
//! `carnet.db-segments/<device>.pack` (owner-only), each as a record: `CARNETSG`, the segment's
//! number and length (8 bytes each, little-endian), its bytes. The notebook records where each
//! record starts (`sync_segment.copy_at`), in the transaction that records the segment. No
//! flush: a copy is only ever used after its SHA-256 matched the digest recorded in the
//! notebook, so a record torn or lost by a crash only means that this device cannot help heal
//! that segment (and the next record starts after it, at the offset recorded for it). Copies
//! kept one file per segment by earlier versions (`<device>/<seq>.seg`) are still read. A
//! notebook in memory (tests, benchmarks) keeps its copies in the `sync_segment.bytes`
//! column. They are the encrypted bytes as found in the folder: nothing here is in clear.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::segment;
use crate::error::Result;
use crate::store::Store;

/// What starts every record of a pack file.
const MAGIC: &[u8; 8] = b"CARNETSG";

/// A record's header: [`MAGIC`], the segment's number, its length.
const HEADER: usize = 24;

/// Where the copies of a notebook file are kept.
fn dir(store: &Store) -> Option<PathBuf> {
    let path = store.path()?;
    let mut name = path.file_name()?.to_os_string();
    name.push("-segments");
    Some(path.with_file_name(name))
}

fn pack(dir: &std::path::Path, device: Uuid) -> PathBuf {
    dir.join(format!("{device}.pack"))
}

/// Where a copy went: what the `bytes` and `copy_at` columns of its `sync_segment` row hold.
pub(crate) struct Kept<'b> {
    pub bytes: Option<&'b [u8]>,
    pub at: Option<i64>,
}

/// Keeps a copy of a segment's bytes: in the notebook when it is in memory, otherwise appended
/// to its device's pack file (best effort: a copy that cannot be written only means this
/// device cannot put that segment back later).
pub(crate) fn keep<'b>(store: &Store, device: Uuid, seq: u64, bytes: &'b [u8]) -> Kept<'b> {
    let Some(dir) = dir(store) else {
        return Kept {
            bytes: Some(bytes),
            at: None,
        };
    };
    let at = append(&pack(&dir, device), seq, bytes).ok();
    Kept { bytes: None, at }
}

/// Appends one record to the pack file at `path` (created owner-only), and says where it
/// starts.
fn append(path: &std::path::Path, seq: u64, bytes: &[u8]) -> std::io::Result<i64> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let at = file.seek(SeekFrom::End(0))?;
    let mut record = Vec::with_capacity(HEADER + bytes.len());
    record.extend_from_slice(MAGIC);
    record.extend_from_slice(&seq.to_le_bytes());
    record.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    record.extend_from_slice(bytes);
    file.write_all(&record)?;
    i64::try_from(at).map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidData))
}

/// The copy of `(device, seq)` whose SHA-256 is `digest`, if this device has it.
pub(crate) fn get(store: &Store, device: Uuid, seq: u64, digest: &[u8]) -> Result<Option<Vec<u8>>> {
    let (in_column, at): (Option<Vec<u8>>, Option<i64>) = store
        .conn()
        .query_row(
            "SELECT bytes, copy_at FROM sync_segment
              WHERE device = ?1 AND seq = ?2 AND (bytes IS NOT NULL OR copy_at IS NOT NULL)
              LIMIT 1",
            params![device.as_bytes().as_slice(), seq as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or_default();
    let bytes = in_column.or_else(|| {
        let dir = dir(store)?;
        match at {
            Some(at) => read_record(&pack(&dir, device), at, seq).ok(),
            // Kept by an earlier version, one file per segment.
            None => std::fs::read(dir.join(device.to_string()).join(segment::file_name(seq))).ok(),
        }
    });
    Ok(bytes.filter(|b| Sha256::digest(b).as_slice() == digest))
}

/// The bytes of the record of segment `seq` starting at `at` in the pack file at `path`.
fn read_record(path: &std::path::Path, at: i64, seq: u64) -> std::io::Result<Vec<u8>> {
    let invalid = || std::io::Error::from(std::io::ErrorKind::InvalidData);
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(u64::try_from(at).map_err(|_| invalid())?))?;
    let mut header = [0u8; HEADER];
    file.read_exact(&mut header)?;
    let number = u64::from_le_bytes(header[8..16].try_into().map_err(|_| invalid())?);
    let len = u64::from_le_bytes(header[16..24].try_into().map_err(|_| invalid())?);
    if &header[..8] != MAGIC || number != seq || len > segment::FILE_MAX {
        return Err(invalid());
    }
    let mut bytes = vec![0u8; usize::try_from(len).map_err(|_| invalid())?];
    file.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// Removes every copy (the notebook leaves its team: they were sealed for the old one).
pub(crate) fn forget(store: &Store) {
    if let Some(dir) = dir(store) {
        let _ = std::fs::remove_dir_all(dir);
    }
}
