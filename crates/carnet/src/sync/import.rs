//! Reading the other devices' segments: verify, validate, apply or hold; then find what is
//! missing and put back what this device can.
//!
//! Why here and not in the store: deciding what to trust in the folder is sync's job; the store
//! only applies changes it is given (through `crate::merge`). What is guaranteed:
//! - only directories named by a device id, that are real directories, are listed; only names
//!   of the form `<12 digits>.seg` are read, through `folder_files` (no links, size cap);
//! - a segment is applied only if it authenticates, names the device and number it was found
//!   under, passes `validation`, and fits the device's chain (the digest of its previous
//!   segment, when this device has it); otherwise it is skipped and reported with its device,
//!   number and reason, and retried at the next sync; it never stops the others;
//! - a segment with changes stamped more than 24 h ahead waits in `sync_held` for the
//!   officer's decision (`review`), whatever the clock says later;
//! - a segment is applied together with its "ingested" mark, its bytes and what it says it had
//!   seen, in one transaction;
//! - afterwards, every segment known to exist (numbers below one this device applied, numbers
//!   another device's authenticated segments say it had seen) but absent from the folder is
//!   put back from this device's copy of its bytes, or reported as missing. File names alone
//!   prove nothing: a planted high number creates no false gap.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::params;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::folder_files::{self, Written};
use super::payload::{self, Contents};
use super::person_blocks::{self, Unopened};
use super::person_keys::FolderKeys;
use super::progress::Reception;
use super::refusal::Refusal;
use super::{
    MAX_AHEAD_MS, Missing, Skipped, SyncFolder, SyncProgress, SyncReport, device_label, segment,
    validation,
};
use crate::changelog;
use crate::error::Result;
use crate::store::Store;

/// Most missing numbers listed per device (the count says how many in all).
const MISSING_LISTED: usize = 1000;

/// What this notebook knows of a segment it applied.
struct Ingested {
    digest: Vec<u8>,
    prev: Option<Vec<u8>>,
}

pub(super) fn run(
    store: &mut Store,
    folder: &SyncFolder,
    folder_keys: &FolderKeys,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<()> {
    // A copied notebook's former ids are read like any other device's: the original may have
    // written more under them. Only what this notebook wrote itself counts as already had.
    let own = [store.device_id()];
    let ingested = load_ingested(store)?;
    let held: BTreeSet<(Uuid, u64)> = {
        let mut stmt = store.conn().prepare("SELECT device, seq FROM sync_held")?;
        let mut rows = stmt.query([])?;
        let mut out = BTreeSet::new();
        while let Some(row) = rows.next()? {
            out.insert((
                changelog::uuid_from_blob(&row.get::<_, Vec<u8>>(0)?)?,
                row.get::<_, i64>(1)? as u64,
            ));
        }
        out
    };
    let present = list_devices(folder, &own, report);
    let mut todo: Vec<(Uuid, u64)> = present
        .iter()
        .flat_map(|(device, seqs)| seqs.iter().map(move |seq| (*device, *seq)))
        .filter(|key| !ingested.contains_key(key) && !held.contains(key))
        .collect();
    todo.sort();
    let sizes: Vec<_> = todo
        .iter()
        .map(|&(device, seq)| {
            let path = folder.device_dir(device).join(segment::file_name(seq));
            let bytes = std::fs::symlink_metadata(path).map_or(0, |m| m.len());
            ((device, seq), bytes)
        })
        .collect();
    // A reception larger than the notebook (a new device's first sync) applies its rows
    // without the tables' secondary indexes and builds them at the end (`index_set_aside`).
    let incoming_bytes: u64 = sizes.iter().map(|(_, bytes)| bytes).sum();
    let indexes_aside = store.set_indexes_aside_for(incoming_bytes)?;
    let mut tally = Reception::start(sizes, progress);
    let now = store.now_ms();
    let mut ingested = ingested;
    // Segments are applied in transactions of up to CHANGES_PER_COMMIT changes (a segment
    // and its "ingested" mark are always in the same one): a crash loses at most that much
    // work, read again from the folder at the next sync.
    let received = (|| -> Result<()> {
        store.begin_batch()?;
        // While the batch lasts, the write-ahead log is copied into the file from a second
        // connection on the other core (`store::checkpointer`), and this connection
        // checkpoints every 64 MB of log instead of 4 MB (a first sync writes hundreds of MB,
        // and each checkpoint writes the pages it touched again): it finds most of them copied
        // already, and the log starts over from its beginning. Its page cache shrinks from 32
        // to 24 MiB meanwhile: the next segment is decoded beside the one applied
        // (`apply_all`), and the two fit within the sync's memory bound only so.
        let checkpointer = store.checkpoint_in_background();
        if let Err(e) = store
            .conn()
            .pragma_update(None, "wal_autocheckpoint", 16_384)
            .and_then(|()| {
                store
                    .conn()
                    .pragma_update(None, "cache_size", -SYNC_PAGE_CACHE_KIB)
            })
        {
            store.rollback_batch();
            return Err(e.into());
        }
        let applied = apply_all(
            store,
            folder,
            folder_keys,
            todo,
            &mut ingested,
            now,
            report,
            &mut tally,
        );
        drop(checkpointer);
        // Back to SQLite's default and the store's cache, whatever became of the batch.
        let _ = store
            .conn()
            .pragma_update(None, "wal_autocheckpoint", 1_000);
        let _ = store
            .conn()
            .pragma_update(None, "cache_size", -crate::store::PAGE_CACHE_KIB);
        match applied {
            Ok(()) => store.commit_batch(),
            Err(e) => {
                store.rollback_batch();
                Err(e)
            }
        }
    })();
    // Whatever became of the reception, the indexes come back now (or, should this fail too,
    // at the notebook's next opening).
    if indexes_aside {
        tally.indexing();
        let restored = store.restore_indexes();
        received?;
        restored?;
    } else {
        received?;
    }
    report.held = super::review::held(store)?
        .into_iter()
        .map(|h| Skipped {
            file: format!("devices/{}/{}", h.device, segment::file_name(h.seq)),
            device: Some(h.device),
            seq: Some(h.seq),
            reason: format!(
                "horloge de {} en avance de plus de 24 h ({} modification(s)) : acceptez ou refusez dans « À vérifier »",
                device_label(h.device_name.as_deref(), h.device),
                h.changes
            ),
            device_name: h.device_name,
        })
        .collect();
    heal_and_find_missing(store, folder, &own, &present, &ingested, &held, report)
}

/// The page cache of a sync's batch, in KiB (the store's is [`crate::store::PAGE_CACHE_KIB`]):
/// a new device's first sync of the scale folder, reading ahead, peaked at 146–148 MB with
/// 32 MiB, 137 MB with 24 MiB, 129–134 MB with 16 MiB, at about the same speed
/// (`docs/performance.md`).
const SYNC_PAGE_CACHE_KIB: i64 = 24_576;

/// Most changes applied in one transaction by a sync (see [`Store::begin_batch`]).
const CHANGES_PER_COMMIT: usize = 100_000;

/// Applies the segments `todo`, in order, committing every [`CHANGES_PER_COMMIT`] changes;
/// then those that waited for a person's key (an erasure order among the others may name the
/// person, whose key is then gone for good), again and again while that applies some.
#[allow(clippy::too_many_arguments)]
fn apply_all(
    store: &mut Store,
    folder: &SyncFolder,
    folder_keys: &FolderKeys,
    todo: Vec<(Uuid, u64)>,
    ingested: &mut HashMap<(Uuid, u64), Ingested>,
    now: i64,
    report: &mut SyncReport,
    tally: &mut Reception<'_>,
) -> Result<()> {
    let mut committed = report.changes_applied;
    let mut waiting = Vec::new();
    // The next segment is read, authenticated and decoded on a second thread while this one
    // applies the current one: a rendezvous channel, so at most one segment waits decoded
    // beside the one applied (a new device's first sync spent a tenth of its time opening
    // segments). Only the folder is read there; the notebook is written here alone.
    std::thread::scope(|scope| -> Result<()> {
        let (ahead, reads) = std::sync::mpsc::sync_channel(0);
        scope.spawn(move || {
            for key in todo {
                if ahead.send((key, read(folder, key))).is_err() {
                    // The applying side stopped (an error): nothing more to read.
                    return;
                }
            }
        });
        for (key, opened) in reads {
            let outcome = ingest(
                store,
                folder,
                folder_keys,
                key,
                opened,
                ingested,
                now,
                report,
                tally,
                false,
            )?;
            match outcome {
                Ingest::KeyMissing => waiting.push(key),
                Ingest::Done => tally.finished(key),
            }
            if report.changes_applied - committed >= CHANGES_PER_COMMIT {
                store.commit_batch()?;
                store.begin_batch()?;
                committed = report.changes_applied;
            }
        }
        Ok(())
    })?;
    // Segments waiting for a key are tried again as long as a pass applies one of them: the
    // order that settles one (an erasure, an anonymisation: the person's key is gone for good,
    // her blocks stay closed) may be in another that waited too. A single pass, in folder
    // order, skipped a segment whose order came in a later waiting one, until the next sync.
    // After a pass that applies none, a last one skips and reports what still waits, to be
    // tried again at the next sync.
    let mut last_try = false;
    while !waiting.is_empty() {
        let before = waiting.len();
        let mut still = Vec::new();
        for key in waiting {
            let outcome = ingest(
                store,
                folder,
                folder_keys,
                key,
                read(folder, key),
                ingested,
                now,
                report,
                tally,
                last_try,
            )?;
            match outcome {
                Ingest::KeyMissing => still.push(key),
                Ingest::Done => tally.finished(key),
            }
        }
        if last_try {
            break;
        }
        last_try = still.len() == before;
        waiting = still;
    }
    Ok(())
}

/// What became of one segment.
#[derive(Debug, PartialEq, Eq)]
enum Ingest {
    /// Applied, held for review, or skipped and reported.
    Done,
    /// Not applied yet: a person's key is neither here nor in the folder.
    KeyMissing,
}

/// A segment read from the folder, authenticated, decoded and validated (its person blocks
/// still sealed: opening them needs the notebook's keys).
struct Read {
    bytes: Vec<u8>,
    digest: Vec<u8>,
    contents: Contents,
}

/// Reads the segment `(device, seq)` from the folder and opens it: what it carries, or why it
/// is skipped. Touches nothing of the notebook, so it can run ahead on another thread.
fn read(folder: &SyncFolder, (device, seq): (Uuid, u64)) -> std::result::Result<Read, String> {
    let path = folder.device_dir(device).join(segment::file_name(seq));
    let bytes = folder_files::read_regular(&path, segment::FILE_MAX).map_err(|r| r.reason())?;
    let contents = open_and_check(folder, &bytes, device, seq).map_err(|r| r.to_string())?;
    let digest = Sha256::digest(&bytes).to_vec();
    Ok(Read {
        bytes,
        digest,
        contents,
    })
}

/// Applies (or holds, or skips) the segment `(device, seq)`, as [`read`] found it. On the
/// `last_try`, a segment still waiting for a person's key is skipped and reported.
#[allow(clippy::too_many_arguments)]
fn ingest(
    store: &mut Store,
    folder: &SyncFolder,
    folder_keys: &FolderKeys,
    (device, seq): (Uuid, u64),
    read: std::result::Result<Read, String>,
    ingested: &mut HashMap<(Uuid, u64), Ingested>,
    now: i64,
    report: &mut SyncReport,
    tally: &mut Reception<'_>,
    last_try: bool,
) -> Result<Ingest> {
    let name = super::device_name_of(store, device)?;
    let file = format!("devices/{device}/{}", segment::file_name(seq));
    let skip = |reason: String| Skipped {
        file: file.clone(),
        device: Some(device),
        device_name: name.clone(),
        seq: Some(seq),
        reason,
    };
    let Read {
        bytes,
        digest,
        mut contents,
    } = match read {
        Ok(read) => read,
        Err(reason) => {
            report.skipped.push(skip(reason));
            return Ok(Ingest::Done);
        }
    };
    tally.opened((device, seq), contents.count);
    if let Err(reason) = fits_chain(ingested, device, seq, &digest, contents.prev.as_ref()) {
        report.skipped.push(skip(reason.to_string()));
        return Ok(Ingest::Done);
    }
    let found = match person_blocks::open_all(
        store,
        folder,
        folder_keys,
        (device, seq),
        &mut contents,
    )? {
        Ok(found) => found,
        Err(Unopened::KeyMissing) if !last_try => return Ok(Ingest::KeyMissing),
        Err(Unopened::KeyMissing) => {
            report.skipped.push(skip(
                "la clé d'une personne n'est pas (encore) dans le dossier partagé : réessayé à la prochaine synchronisation".into(),
            ));
            return Ok(Ingest::Done);
        }
        Err(Unopened::Refused(reason)) => {
            report.skipped.push(skip(reason.to_string()));
            return Ok(Ingest::Done);
        }
    };
    let author_name = contents.name.clone().or(name.clone());
    let ahead = contents
        .changes
        .iter()
        .map(|c| c.hlc.wall_ms)
        .max()
        .filter(|wall| *wall > now.saturating_add(MAX_AHEAD_MS));
    if let Some(ahead) = ahead {
        store.conn().execute(
            "INSERT INTO sync_held (device, seq, digest, bytes, device_name, ahead_until, changes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
            params![
                device.as_bytes().as_slice(),
                seq as i64,
                digest,
                bytes,
                author_name,
                ahead,
                contents.count as i64
            ],
        )?;
        return Ok(Ingest::Done);
    }
    // Persons this segment brings that this notebook did not have: checked for duplicates
    // at the end of the sync, up to a bound (a new device's first sync brings them all).
    let mut persons: Vec<Uuid> = if report.arrived_persons.len() <= super::ARRIVED_CHECKED {
        contents
            .changes
            .iter()
            .filter(|c| c.entity == &crate::schema::PERSON)
            .map(|c| c.row_id)
            .collect()
    } else {
        Vec::new()
    };
    persons.sort_unstable();
    persons.dedup();
    let mut absent = Vec::new();
    {
        let mut here = store
            .conn()
            .prepare_cached("SELECT 1 FROM person WHERE id = ?1")?;
        for id in persons {
            if !here.exists([id.to_string()])? {
                absent.push(id);
            }
        }
    }
    let applied = apply(
        store,
        (device, seq),
        (&bytes, &digest),
        &contents,
        &found,
        author_name.as_deref(),
    )?;
    report.arrived_persons.extend(absent);
    ingested.insert(
        (device, seq),
        Ingested {
            digest,
            prev: contents.prev.map(|p| p.to_vec()),
        },
    );
    report.segments_received += 1;
    report.changes_applied += applied.inserted;
    report.duplicates += applied.duplicates;
    report.conflicts += applied.conflicts;
    report.erased_dropped += applied.erased_dropped + contents.withheld as usize;
    report.own_edits_dropped += applied.purged.own_edits_dropped;
    report.persons_erased += applied.persons_erased;
    Ok(Ingest::Done)
}

/// Decrypts, decodes and validates a segment: what it carries (person blocks still sealed),
/// or why not.
pub(crate) fn open_and_check(
    folder: &SyncFolder,
    bytes: &[u8],
    device: Uuid,
    seq: u64,
) -> std::result::Result<Contents, Refusal> {
    let opened = segment::open(folder.team, &folder.keys, bytes, device, seq)?;
    let contents = if opened.version == 1 {
        let changes = payload::decode_v1(&opened.plain)?;
        Contents {
            name: None,
            count: changes.len() as u64,
            prev: None,
            seen: Vec::new(),
            former: Vec::new(),
            changes,
            blocks: Vec::new(),
            withheld: 0,
        }
    } else if opened.version == 2 {
        payload::decode(&opened.plain)?
    } else if opened.version == 3 {
        payload::decode_v3(&opened.plain)?
    } else {
        payload::decode_v4(&opened.plain)?
    };
    validation::check_contents(&contents, device)?;
    Ok(contents)
}

/// A segment whose digest is not what the next one names as previous, or that names another
/// previous than the one applied here, has been replaced: it is not this device's chain.
fn fits_chain(
    ingested: &HashMap<(Uuid, u64), Ingested>,
    device: Uuid,
    seq: u64,
    digest: &[u8],
    prev: Option<&[u8; 32]>,
) -> std::result::Result<(), Refusal> {
    let next_names_other = ingested
        .get(&(device, seq + 1))
        .and_then(|next| next.prev.as_deref())
        .is_some_and(|named| named != digest);
    let names_other_prev = match (
        prev,
        seq.checked_sub(1).and_then(|p| ingested.get(&(device, p))),
    ) {
        (Some(prev), Some(before)) => before.digest.as_slice() != prev.as_slice(),
        _ => false,
    };
    if next_names_other || names_other_prev {
        return Err(Refusal::NotInChain);
    }
    Ok(())
}

/// Applies a verified segment with its "ingested" mark, its bytes, what it had seen and its
/// writer's name, in one transaction.
pub(crate) fn apply(
    store: &mut Store,
    (device, seq): (Uuid, u64),
    (bytes, digest): (&[u8], &[u8]),
    contents: &Contents,
    keys: &[super::person_keys::Found],
    name: Option<&str>,
) -> Result<crate::store::ApplyReport> {
    let kept = super::copies::keep(store, device, seq, bytes);
    store.apply_changes_and(&contents.changes, |tx| {
        super::person_keys::keep_found(tx, keys)?;
        tx.prepare_cached(
            "INSERT INTO sync_segment (device, seq, direction, digest, bytes, prev, copy_at)
             VALUES (?1, ?2, 'in', ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            device.as_bytes().as_slice(),
            seq as i64,
            digest,
            kept.bytes,
            contents.prev.map(|p| p.to_vec()),
            kept.at
        ])?;
        let mut known = tx.prepare_cached(
            "INSERT INTO sync_known (device, max_seq) VALUES (?1, ?2)
             ON CONFLICT (device) DO UPDATE SET max_seq = max(max_seq, excluded.max_seq)",
        )?;
        known.execute(params![device.as_bytes().as_slice(), seq as i64])?;
        for (other, other_seq) in &contents.seen {
            known.execute(params![other.as_bytes().as_slice(), *other_seq as i64])?;
        }
        if let Some(name) = name {
            tx.prepare_cached(
                "INSERT INTO sync_device (device, name) VALUES (?1, ?2)
                 ON CONFLICT (device) DO UPDATE SET name = excluded.name",
            )?
            .execute(params![device.as_bytes().as_slice(), name])?;
        }
        Ok(())
    })
}

fn load_ingested(store: &Store) -> Result<HashMap<(Uuid, u64), Ingested>> {
    let mut stmt = store.conn().prepare(
        "SELECT device, seq, digest, prev FROM sync_segment
          WHERE direction = 'in' OR (direction = 'out' AND device != ?1)",
    )?;
    let mut rows = stmt.query([store.device_id().as_bytes().as_slice()])?;
    let mut out = HashMap::new();
    while let Some(row) = rows.next()? {
        out.insert(
            (
                changelog::uuid_from_blob(&row.get::<_, Vec<u8>>(0)?)?,
                row.get::<_, i64>(1)? as u64,
            ),
            Ingested {
                digest: row.get(2)?,
                prev: row.get(3)?,
            },
        );
    }
    Ok(out)
}

/// The segment numbers present in each other device's directory. Directories that are not
/// real directories (a link planted in the folder) are reported and left alone.
fn list_devices(
    folder: &SyncFolder,
    own: &[Uuid],
    report: &mut SyncReport,
) -> BTreeMap<Uuid, BTreeSet<u64>> {
    let mut present = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(folder.root.join("devices")) else {
        return present;
    };
    for entry in entries.flatten() {
        let Some(device) = entry
            .file_name()
            .to_str()
            .and_then(|n| Uuid::parse_str(n).ok())
        else {
            continue;
        };
        if own.contains(&device) {
            continue;
        }
        // `DirEntry::file_type` does not follow links.
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            report.skipped.push(Skipped {
                file: format!("devices/{device}"),
                device: Some(device),
                device_name: None,
                seq: None,
                reason: "ce n'est pas un vrai dossier (lien symbolique ?) : ignoré".into(),
            });
            continue;
        }
        let seqs: BTreeSet<u64> = super::export::file_names(&entry.path())
            .iter()
            .filter_map(|name| segment::number_of(name))
            .filter(|seq| (1..=payload::MAX_SEQ).contains(seq))
            .collect();
        present.insert(device, seqs);
    }
    present
}

/// Puts back, from this device's copies, every segment of another device that is known to
/// exist but absent from the folder; reports the ones nobody here can put back.
fn heal_and_find_missing(
    store: &Store,
    folder: &SyncFolder,
    own: &[Uuid],
    present: &BTreeMap<Uuid, BTreeSet<u64>>,
    ingested: &HashMap<(Uuid, u64), Ingested>,
    held: &BTreeSet<(Uuid, u64)>,
    report: &mut SyncReport,
) -> Result<()> {
    let mut known: BTreeMap<Uuid, u64> = BTreeMap::new();
    {
        let mut stmt = store
            .conn()
            .prepare("SELECT device, max_seq FROM sync_known")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            known.insert(
                changelog::uuid_from_blob(&row.get::<_, Vec<u8>>(0)?)?,
                row.get::<_, i64>(1)? as u64,
            );
        }
    }
    // Only authenticated evidence says a segment exists (applied ones and what they had seen):
    // a file planted as 000000000999.seg must not make every device report 998 missing.
    let empty = BTreeSet::new();
    for (device, max_seq) in known {
        if own.contains(&device) {
            continue;
        }
        let here = present.get(&device).unwrap_or(&empty);
        // Segments applied here that left the folder: put them back.
        let mut gone: Vec<(u64, Vec<u8>)> = ingested
            .iter()
            .filter(|((d, seq), _)| *d == device && !here.contains(seq))
            .map(|((_, seq), i)| (*seq, i.digest.clone()))
            .collect();
        gone.sort_unstable();
        let dir = folder.device_dir(device);
        // A directory replaced by a link is left alone (reported by the listing).
        if !folder_files::occupied(&dir) || folder_files::is_real_dir(&dir) {
            for (seq, digest) in gone {
                let Some(bytes) = super::copies::get(store, device, seq, &digest)? else {
                    continue;
                };
                folder_files::ensure_dir(&dir)?;
                if folder_files::write_new(&dir.join(segment::file_name(seq)), &bytes)?
                    == Written::Created
                {
                    report.restored += 1;
                }
            }
        }
        // Numbers known to exist that are neither here, nor applied, nor held.
        let mut count = 0u64;
        let mut listed = Vec::new();
        let mut covered: Vec<u64> = here
            .iter()
            .copied()
            .chain(
                ingested
                    .keys()
                    .filter(|(d, _)| *d == device)
                    .map(|(_, s)| *s),
            )
            .chain(held.iter().filter(|(d, _)| *d == device).map(|(_, s)| *s))
            .filter(|s| *s <= max_seq)
            .collect();
        covered.sort_unstable();
        covered.dedup();
        let mut next = 1u64;
        for seq in covered.into_iter().chain(std::iter::once(max_seq + 1)) {
            if seq > next {
                count += seq - next;
                listed.extend((next..seq).take(MISSING_LISTED - listed.len().min(MISSING_LISTED)));
            }
            next = seq + 1;
        }
        if count > 0 {
            report.missing.push(Missing {
                device,
                device_name: super::device_name_of(store, device)?,
                segments: listed,
                count,
            });
        }
    }
    Ok(())
}
