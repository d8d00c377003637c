//! Writing this device's segments, and putting back any of them that left the folder.
//!
//! Why it is careful: a segment, once in the folder, is what every other device trusts for
//! this device's changes. What is guaranteed:
//! - a segment is written new (never over an existing name, never through a link) and only
//!   then recorded as sent, with its exact bytes, in the local database;
//! - after a crash between writing and recording, the next export finds the file: identical
//!   bytes are simply recorded, and a file that holds exactly this device's own logged changes
//!   (the officer edited more since) is adopted, never mistaken for a copy of the database;
//!   a file with other content under this device's id means this database *is* a copy: it
//!   takes a new device id and exports again;
//! - what is personal leaves only inside person blocks sealed with that person's key
//!   (`person_blocks`), whose key is in a bundle in the folder before the segment;
//! - segments are cut at about [`SEGMENT_TARGET`] bytes of payload, far below the readers'
//!   cap, so no device ever writes a segment the others refuse;
//! - every segment this device wrote and still has is present in the folder after an export:
//!   a deleted or rolled-back one is put back byte for byte (format 1 ones are sealed again,
//!   which gives the same bytes, checked against the recorded digest).

use std::collections::HashSet;

use rusqlite::params;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::folder_files::{self, Written};
use super::payload::{self, Envelope};
use super::{SyncFolder, SyncReport, copies, person_blocks, segment};
use crate::changelog::{self, LoggedWrite};
use crate::error::{Error, Result};
use crate::store::Store;

/// Payload bytes after which a segment is closed and the next one started.
pub(crate) const SEGMENT_TARGET: usize = 8 << 20;

pub(super) fn run(
    store: &mut Store,
    folder: &SyncFolder,
    folder_keys: &mut super::person_keys::FolderKeys,
    device_name: Option<&str>,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(super::SyncProgress),
) -> Result<()> {
    folder_files::ensure_dir(&folder.root.join("devices"))?;
    restore_own(store, folder, report)?;
    let mut tally = super::progress::Sending::start(changes_to_send(store)?, progress);
    loop {
        let device = store.device_id();
        let dir = folder.device_dir(device);
        folder_files::ensure_dir(&dir)?;
        let (last_seq, through): (i64, i64) = store.conn().query_row(
            "SELECT coalesce(max(seq), 0),
                    coalesce((SELECT max(through) FROM sync_segment WHERE direction = 'out'), 0)
               FROM sync_segment WHERE device = ?1 AND direction = 'out'",
            [device.as_bytes().as_slice()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        // One segment's worth, read as far as it goes and no further.
        let writes = changelog::own_since_within(
            store.conn(),
            through,
            SEGMENT_TARGET,
            payload::estimated_len,
        )?;
        if writes.is_empty() {
            return Ok(());
        }
        let seq = last_seq as u64 + 1;
        let prev: Option<Vec<u8>> = store.conn().query_row(
            "SELECT digest FROM sync_segment WHERE device = ?1 AND seq = ?2 AND direction = 'out'",
            params![device.as_bytes().as_slice(), last_seq],
            |r| r.get(0),
        ).ok();
        let prev = prev.and_then(|d| <[u8; 32]>::try_from(d.as_slice()).ok());
        let seen = seen_by(store)?;
        let former: Vec<Uuid> = own_ids(store)?
            .into_iter()
            .filter(|d| *d != device)
            .collect();
        // What is personal goes into person blocks, sealed with each person's own key.
        let split = person_blocks::split(store, &writes)?;
        let blocks = person_blocks::seal_all(
            store,
            folder,
            folder_keys,
            (device, seq),
            &split.by_person,
            report,
        )?;
        let plain = payload::encode_v4(
            &Envelope {
                name: device_name,
                prev,
                seen: &seen,
                former: &former,
            },
            &split.plain,
            &blocks,
        );
        let (epoch, key) = folder
            .keys
            .current()
            .ok_or_else(|| super::keys::damaged("aucune clé"))?;
        let bytes = segment::seal(
            segment::Format::V4,
            folder.team,
            (epoch, key),
            device,
            seq,
            &plain,
        )?;
        let path = dir.join(segment::file_name(seq));
        let last = writes.last().map_or(through, |w| w.seq);
        let count: usize = writes.iter().map(|w| w.fields.len()).sum();
        let new_digest = Sha256::digest(&bytes);
        let recorded = match folder_files::write_new(&path, &bytes)? {
            Written::Created => Some((bytes, last, count)),
            Written::Exists => match folder_files::read_regular(&path, segment::FILE_MAX) {
                Ok(existing) if existing == bytes => Some((bytes, last, count)),
                Ok(existing) => adopt(store, folder, folder_keys, &existing, device, seq, through)?
                    .map(|(adopted_through, adopted)| (existing, adopted_through, adopted)),
                Err(refused) => {
                    return Err(Error::SyncFolder {
                        path: path.display().to_string(),
                        reason: format!(
                            "un fichier étranger occupe la place du segment {seq} de cet appareil ({}) : supprimez-le",
                            refused.reason()
                        ),
                    });
                }
            },
        };
        let Some((bytes, through, sent)) = recorded else {
            // Another database writes under this device id: this one is a copy.
            let new_id = copy_id(device, &new_digest);
            store.change_device_id(new_id)?;
            report.new_device_id = Some(new_id);
            continue;
        };
        let kept = copies::keep(store, device, seq, &bytes);
        store.conn().execute(
            "INSERT INTO sync_segment (device, seq, direction, digest, through, bytes, prev, copy_at)
             VALUES (?1, ?2, 'out', ?3, ?4, ?5, ?6, ?7)",
            params![
                device.as_bytes().as_slice(),
                seq as i64,
                Sha256::digest(&bytes).to_vec(),
                through,
                kept.bytes,
                prev.map(|p| p.to_vec()),
                kept.at
            ],
        )?;
        report.segments_sent += 1;
        report.changes_sent += sent;
        report.bytes_sent += bytes.len() as u64;
        tally.written(sent as u64);
    }
}

/// How many field changes of this device's own are not in the folder yet.
fn changes_to_send(store: &Store) -> Result<u64> {
    let count: i64 = store.conn().query_row(
        "SELECT coalesce(sum(json_array_length(fields)), 0) FROM change_log
          WHERE received = 0
            AND seq > coalesce((SELECT max(through) FROM sync_segment WHERE direction = 'out'), 0)",
        [],
        |r| r.get(0),
    )?;
    Ok(count.max(0) as u64)
}

/// For each other device, the highest segment number this notebook applied.
fn seen_by(store: &Store) -> Result<Vec<(Uuid, u64)>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT device, max(seq) FROM sync_segment WHERE direction = 'in' GROUP BY device ORDER BY device",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push((
            changelog::uuid_from_blob(&row.get::<_, Vec<u8>>(0)?)?,
            row.get::<_, i64>(1)? as u64,
        ));
    }
    Ok(out)
}

/// Every device id this notebook wrote under, its current one included.
pub(crate) fn own_ids(store: &Store) -> Result<Vec<Uuid>> {
    let mut stmt = store
        .conn()
        .prepare_cached("SELECT device FROM sync_own_id ORDER BY device")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(changelog::uuid_from_blob(&row.get::<_, Vec<u8>>(0)?)?);
    }
    if !out.contains(&store.device_id()) {
        out.push(store.device_id());
    }
    Ok(out)
}

/// A file already at this device's next segment name: if it holds only changes this
/// notebook logged itself and had not exported yet (written before a crash, then the officer
/// edited more), returns the last log position it covers; `None` if it is someone else's.
fn adopt(
    store: &Store,
    folder: &SyncFolder,
    folder_keys: &super::person_keys::FolderKeys,
    existing: &[u8],
    device: Uuid,
    seq: u64,
    through: i64,
) -> Result<Option<(i64, usize)>> {
    let Ok(mut contents) = super::import::open_and_check(folder, existing, device, seq) else {
        return Ok(None);
    };
    if person_blocks::open_all(store, folder, folder_keys, (device, seq), &mut contents)?.is_err() {
        return Ok(None);
    }
    let changes = contents.changes;
    let own = own_ids(store)?;
    let mut last = through;
    for change in &changes {
        if !own.contains(&change.hlc.device) {
            return Ok(None);
        }
        let logged = changelog::of_row(store.conn(), change.row_id)?
            .into_iter()
            .find(|w| {
                w.seq > through
                    && w.changes()
                        .any(|c| c.hlc == change.hlc && c.value == change.value)
            });
        match logged {
            Some(write) => last = last.max(write.seq),
            None => return Ok(None),
        }
    }
    let is_own_unsent: bool = store.conn().query_row(
        "SELECT count(*) = 0 FROM change_log WHERE seq > ?1 AND seq <= ?2 AND received = 1",
        params![through, last],
        |r| r.get(0),
    )?;
    Ok((!changes.is_empty() && is_own_unsent).then_some((last, changes.len())))
}

/// The new id of a database found to be a copy: derived from what it found, so a retry after a
/// crash picks the same one.
fn copy_id(device: Uuid, found: &[u8]) -> Uuid {
    let digest = Sha256::digest([device.as_bytes().as_slice(), found].concat());
    let mut random = [0u8; 16];
    random.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(random).into_uuid()
}

/// Puts back every segment this notebook wrote that is no longer in the folder.
fn restore_own(store: &Store, folder: &SyncFolder, report: &mut SyncReport) -> Result<()> {
    let mut stmt = store.conn().prepare(
        "SELECT device, seq, digest FROM sync_segment WHERE direction = 'out' ORDER BY device, seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut listed: Option<(Uuid, HashSet<String>)> = None;
    let mut absent: Vec<(Uuid, u64, Vec<u8>)> = Vec::new();
    while let Some(row) = rows.next()? {
        let device = changelog::uuid_from_blob(&row.get::<_, Vec<u8>>(0)?)?;
        let seq = row.get::<_, i64>(1)? as u64;
        if listed.as_ref().is_none_or(|(d, _)| *d != device) {
            listed = Some((device, file_names(&folder.device_dir(device))));
        }
        let name = segment::file_name(seq);
        if listed
            .as_ref()
            .is_some_and(|(_, names)| !names.contains(&name))
        {
            absent.push((device, seq, row.get(2)?));
        }
    }
    drop(rows);
    drop(stmt);
    for (device, seq, digest) in absent {
        // A copy, or (format 1, from before copies were kept) the same bytes sealed again.
        let bytes = match copies::get(store, device, seq, &digest)? {
            Some(bytes) => bytes,
            None => match reseal_v1(store, folder, device, seq)? {
                Some(bytes) if Sha256::digest(&bytes).as_slice() == digest.as_slice() => bytes,
                _ => continue,
            },
        };
        let dir = folder.device_dir(device);
        folder_files::ensure_dir(&dir)?;
        if folder_files::write_new(&dir.join(segment::file_name(seq)), &bytes)? == Written::Created
        {
            report.restored += 1;
        }
    }
    Ok(())
}

/// The names in a directory (empty if it is absent or not a real directory).
pub(crate) fn file_names(dir: &std::path::Path) -> HashSet<String> {
    if !folder_files::is_real_dir(dir) {
        return HashSet::new();
    }
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Seals a format-1 segment of this notebook again from its change log (same writes, same
/// key, same nonce: the same bytes, which the caller checks against the recorded digest).
fn reseal_v1(
    store: &Store,
    folder: &SyncFolder,
    device: Uuid,
    seq: u64,
) -> Result<Option<Vec<u8>>> {
    let Some(key) = folder.keys.get(1) else {
        return Ok(None);
    };
    // The log range of a segment: after the previous segment's `through`, up to its own.
    let bounds: Option<(i64, i64)> = store
        .conn()
        .query_row(
            "SELECT coalesce((SELECT max(p.through) FROM sync_segment p
                           WHERE p.direction = 'out' AND p.through < s.through), 0), s.through
           FROM sync_segment s WHERE s.device = ?1 AND s.seq = ?2 AND s.direction = 'out'",
            params![device.as_bytes().as_slice(), seq as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok();
    let Some((after, through)) = bounds else {
        return Ok(None);
    };
    let writes: Vec<LoggedWrite> = changelog::own_between(store.conn(), after, through)?;
    let count: u32 = writes.iter().map(|w| w.fields.len() as u32).sum();
    Ok(Some(segment::seal_v1(
        folder.team,
        key,
        device,
        seq,
        count,
        &payload::encode_v1(&writes),
    )?))
}
