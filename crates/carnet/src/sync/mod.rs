//! Sync through a shared folder: immutable, numbered, encrypted segments, one writer each,
//! read as if an attacker had arranged the folder.
//!
//! Why a folder and not a server: the officer's devices meet only through a network drive, a
//! USB key or a synced cloud folder. The database never goes there (SQLite's locks and WAL do
//! not survive it); only the change log does, as files written once by one device and never
//! rewritten. The layout and the byte format are in `docs/sync-format.md`.
//!
//! Where things happen, by file:
//! - [`folder`]: creating and opening the folder, the passphrase and its changes, the team;
//! - `keys`: key derivation (with bounded costs), key files and epochs;
//! - `folder_files`: every read and write in the folder (no links, no FIFOs, size caps);
//! - `segment`: a segment's bytes (header, encryption); [`payload`]: what it carries;
//! - `person_blocks`: which fields travel sealed with the person's own key;
//!   `person_keys`: those keys, in the notebook and in `persons/`, destroyed on erasure;
//! - `validation`: received values checked like local writes;
//! - `export`: writing this device's segments, putting back any that went missing;
//! - `copies`: this device's copies of the segments it wrote or applied, to put them back;
//! - `import`: reading the others', holding far-future ones, finding and healing gaps;
//! - [`team_key`]: the team's keys kept inside an encrypted notebook, so sync starts alone;
//! - [`Refusal`]: why something read from the folder is not applied (one variant a reason);
//! - [`review`]: "À vérifier" (concurrent edits, held segments) and the officer's decisions;
//! - the merge itself (which value wins, where a conflict is recorded) is `crate::merge`.
//!
//! What is guaranteed by [`sync`]: the folder is read first, so that erasure orders are
//! applied before this notebook's new changes are written as new segments (never overwriting
//! anything); each new segment of another device is
//! verified, validated and applied together with its "ingested" mark in one transaction, or
//! skipped and reported with its device, number and reason, never stopping the others; a
//! segment missing from the folder is put back if this device has its bytes, and reported as
//! missing otherwise; the notebook keeps to the team it first synced with. The engine reads no
//! global state here either: randomness, clock and paths come in.

mod copies;
mod export;
pub mod folder;
mod folder_files;
mod import;
mod keys;
pub mod passphrase;
pub mod payload;
mod person_blocks;
mod person_keys;
mod progress;
mod refusal;
pub mod review;
mod segment;
pub mod team_key;
mod validation;
mod wire;

use rusqlite::OptionalExtension;
use serde::Serialize;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::store::Store;

pub use folder::{DIR, FORMAT_VERSION, FreshSecrets, SyncFolder, create_v1_for_tests};
pub use keys::KdfParams;
pub use progress::{SyncProgress, SyncStep};
pub use refusal::Refusal;
pub use review::{Conflict, HeldSegment, accept_held, conflicts, held, reject_held, resolve};
pub use segment::seal_v1;
pub use validation::{DEVICE_NAME_MAX, device_name_problem, stored_value_problem};

/// Most persons brought by one sync that are checked for duplicates at its end (about 0.2 s
/// on ten years of data). Beyond, as in a new device's first sync, the sync says nothing and
/// the "Doublons probables" list, computed when opened, shows them.
pub const ARRIVED_CHECKED: usize = 1000;

/// Changes stamped further ahead of this device's clock than this wait for a decision.
pub const MAX_AHEAD_MS: i64 = 24 * 3600 * 1000;

/// A file that was not applied, and why (in French).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Skipped {
    /// Where it is, relative to the sync folder (`devices/<id>/<number>.seg`).
    pub file: String,
    /// The device whose directory it is in.
    pub device: Option<Uuid>,
    /// That device's name, as its own segments say (authenticated), if known.
    pub device_name: Option<String>,
    /// The segment number, if the file is a segment.
    pub seq: Option<u64>,
    pub reason: String,
}

/// Segments that should be in the folder and are not, for one device.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Missing {
    pub device: Uuid,
    pub device_name: Option<String>,
    /// Their numbers (the first 1,000 when more are missing).
    pub segments: Vec<u64>,
    /// How many are missing in all.
    pub count: u64,
}

/// What one sync did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub segments_sent: usize,
    pub changes_sent: usize,
    pub segments_received: usize,
    pub changes_applied: usize,
    pub duplicates: usize,
    pub conflicts: usize,
    pub skipped: Vec<Skipped>,
    /// Segments whose clocks run more than 24 h ahead, waiting for the officer's decision.
    pub held: Vec<Skipped>,
    /// Segments known to exist that no device here could put back.
    pub missing: Vec<Missing>,
    /// Segments that had gone missing from the folder and were put back, byte for byte.
    pub restored: usize,
    /// Set when this database turned out to be a copy and took a new device id.
    pub new_device_id: Option<Uuid>,
    pub bytes_sent: u64,
    /// Received changes dropped because they were about an erased person.
    pub erased_dropped: usize,
    /// Persons erased here by orders received (or found again in what was received).
    pub persons_erased: usize,
    /// This device's own changes, not yet sent, that went with an erased person: the
    /// officer is told.
    pub own_edits_dropped: usize,
    /// Person keys written to the folder (new persons, or keys no bundle had any more).
    pub person_keys_written: usize,
    /// Person keys taken out of the folder's bundles (their persons were erased or anonymised).
    pub person_keys_destroyed: usize,
    /// Likely duplicates among the persons this sync brought (with the notebook's records);
    /// empty when it brought more than [`ARRIVED_CHECKED`].
    pub likely_duplicates: Vec<crate::duplicates::Pair>,
    /// Values changed on merged-away records by devices that had not heard of the merge,
    /// carried over to the kept records ([`crate::person_merge::forward_late_edits`]).
    pub merge_edits_forwarded: usize,
    /// Records merged into each other on two devices, resolved alike everywhere and waiting
    /// for the officer's look.
    pub crossed_merges: Vec<crate::person_merge::Crossed>,
    /// Persons this sync brought that the notebook did not have.
    #[serde(skip)]
    pub(crate) arrived_persons: Vec<Uuid>,
}

impl SyncFolder {
    /// Seals any plaintext as segment `seq` of `device` with the team's current key, as any
    /// holder of the passphrase can. Carnet itself never does this; tests use it to act as a
    /// team member (or a buggy peer) who seals whatever they like.
    pub fn seal_as_member(&self, device: Uuid, seq: u64, plain: &[u8]) -> Result<Vec<u8>> {
        let (epoch, key) = self
            .keys
            .current()
            .ok_or_else(|| keys::damaged("aucune clé"))?;
        segment::seal(
            segment::Format::V2,
            self.team,
            (epoch, key),
            device,
            seq,
            plain,
        )
    }

    /// Verifies, decrypts, decodes and validates the segment found as `(device, seq)`: what it
    /// carries, or why it is refused (in French). Nothing is applied.
    pub fn open_segment(
        &self,
        bytes: &[u8],
        device: Uuid,
        seq: u64,
    ) -> std::result::Result<payload::Contents, Refusal> {
        import::open_and_check(self, bytes, device, seq)
    }
}

impl SyncFolder {
    /// Everything anyone holding the team passphrase can read in this folder: each segment's
    /// decrypted payload, and each person block that a key still in the folder's bundles opens
    /// (decompressed). What a DPO's audit, or an attacker with a copy of the folder and the
    /// passphrase, would see; the erasure tests scan it for an erased person's values.
    pub fn readable_with_team_key(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let folder_keys = person_keys::load(self, &mut Vec::new());
        let Ok(devices) = std::fs::read_dir(self.root.join("devices")) else {
            return out;
        };
        let mut dirs: Vec<_> = devices.flatten().collect();
        dirs.sort_by_key(std::fs::DirEntry::file_name);
        for dir in dirs {
            let Some(device) = dir
                .file_name()
                .to_str()
                .and_then(|n| Uuid::parse_str(n).ok())
            else {
                continue;
            };
            let mut names: Vec<String> = export::file_names(&dir.path()).into_iter().collect();
            names.sort();
            for name in names {
                let Some(seq) = segment::number_of(&name) else {
                    continue;
                };
                let Ok(bytes) =
                    folder_files::read_regular(&dir.path().join(&name), segment::FILE_MAX)
                else {
                    continue;
                };
                let Ok(opened) = segment::open(self.team, &self.keys, &bytes, device, seq) else {
                    continue;
                };
                if opened.version < 3 {
                    out.push(opened.plain);
                    continue;
                }
                let (json, contents) = if opened.version == 3 {
                    (
                        payload::inflate(&opened.plain),
                        payload::decode_v3(&opened.plain),
                    )
                } else {
                    let json = payload::split_v4(&opened.plain)
                        .ok_or(Refusal::Unreadable)
                        .and_then(|(json, _)| payload::inflate(json));
                    (json, payload::decode_v4(&opened.plain))
                };
                let (Ok(json), Ok(contents)) = (json, contents) else {
                    continue;
                };
                out.push(json);
                for block in &contents.blocks {
                    let Some(key) = folder_keys.get(block.person, &block.key_id) else {
                        continue;
                    };
                    let Ok(plain) = person_blocks::decrypt(self, (device, seq), block, key) else {
                        continue;
                    };
                    match block.format {
                        payload::BlockFormat::Binary => out.push(plain),
                        payload::BlockFormat::DeflatedJson => {
                            if let Ok(json) = payload::inflate(&plain) {
                                out.push(json);
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

/// Decodes a payload of segment format `version` (2, 3 or 4; person blocks left sealed) and
/// validates it as found in a segment of `device`, exactly as an import does after
/// decryption. Public for the fuzz target `payload`, which cannot get random bytes past the
/// authentication.
pub fn decode_and_validate(
    version: u16,
    plain: &[u8],
    device: Uuid,
) -> std::result::Result<payload::Contents, Refusal> {
    let contents = match version {
        2 => payload::decode(plain)?,
        3 => payload::decode_v3(plain)?,
        4 => payload::decode_v4(plain)?,
        other => return Err(Refusal::UnknownFormat(other)),
    };
    validation::check_contents(&contents, device)?;
    Ok(contents)
}

/// Sends this device's new changes, then applies everything new in the folder.
pub fn sync(
    store: &mut Store,
    folder: &SyncFolder,
    device_name: Option<&str>,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    // The folder must still be there (a pulled USB key must not turn into a local directory)
    // and still be this notebook's team.
    if !folder_files::occupied(&folder.root.join("FORMAT.json")) {
        if folder.root.parent().is_some_and(|p| !p.is_dir()) {
            return Err(folder_files::io_error(
                &folder.root,
                &std::io::Error::from(std::io::ErrorKind::NotFound),
            ));
        }
        return Err(Error::SyncFormatLost);
    }
    check_pin(store, folder)?;
    if let Some(problem) = device_name.and_then(device_name_problem) {
        return Err(Error::SyncFolder {
            path: folder.root.display().to_string(),
            reason: problem,
        });
    }
    // Reading first: an erasure order received is applied before this device writes anything,
    // so its own unsent edits to an erased person never reach the folder.
    let mut folder_keys = person_keys::load(folder, &mut report.skipped);
    import::run(store, folder, &folder_keys, &mut report, progress)?;
    // Before writing: a value changed late on a merged-away record leaves with this export.
    report.merge_edits_forwarded = crate::person_merge::forward_late_edits(store)?;
    person_keys::tend(store, folder, &mut folder_keys, &mut report)?;
    export::run(
        store,
        folder,
        &mut folder_keys,
        device_name,
        &mut report,
        progress,
    )?;
    // Writing found this notebook to be a copy of another (the same device id): it took a new
    // id, and what it skipped as its own is the other's, to read now.
    if report.new_device_id.is_some() {
        import::run(store, folder, &folder_keys, &mut report, progress)?;
    }
    pin(store, folder)?;
    report.crossed_merges = crate::person_merge::crossed(store)?;
    if report.arrived_persons.len() <= ARRIVED_CHECKED {
        report.likely_duplicates = crate::duplicates::among(store, &report.arrived_persons)?;
    }
    // Orders applied here purged persons: nothing of them may stay in the file's free space.
    if report.persons_erased > 0 {
        store.compact()?;
    }
    crate::audit::record(store, crate::audit::Action::Synced, None, None)?;
    Ok(report)
}

/// The team this notebook synced with, if any: `(team id, key fingerprint)`.
fn pinned(store: &Store) -> Result<Option<(String, String)>> {
    let read = |key: &str| -> Result<Option<String>> {
        Ok(store
            .conn()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    };
    Ok(read("sync_team")?.zip(read("sync_fingerprint")?))
}

/// Refuses a folder of another team than the one this notebook synced with before.
fn check_pin(store: &Store, folder: &SyncFolder) -> Result<()> {
    match pinned(store)? {
        Some((team, fingerprint))
            if team != folder.team.to_string() || fingerprint != folder.fingerprint =>
        {
            Err(Error::SyncOtherTeam)
        }
        _ => Ok(()),
    }
}

/// Remembers the folder's team after a sync went through.
fn pin(store: &Store, folder: &SyncFolder) -> Result<()> {
    store.conn().execute(
        "INSERT INTO meta (key, value) VALUES ('sync_team', ?1), ('sync_fingerprint', ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [folder.team.to_string(), folder.fingerprint.clone()],
    )?;
    Ok(())
}

/// Opens the team's folder in `shared`, or creates it there when it holds no Carnet file at
/// all and this notebook never synced with a team (a notebook that did must be told
/// explicitly, by [`forget_team`], that it joins another one). Returns the folder and whether
/// it was created.
pub fn connect(
    store: &Store,
    shared: &std::path::Path,
    passphrase: &str,
    secrets: &FreshSecrets,
    team: Uuid,
    kdf: KdfParams,
) -> Result<(SyncFolder, bool)> {
    if !shared.is_dir() {
        return Err(Error::SyncFolderMissing {
            path: shared.display().to_string(),
        });
    }
    if SyncFolder::exists(shared) {
        return Ok((SyncFolder::open(shared, passphrase)?, false));
    }
    if has_team(store)? {
        return Err(Error::SyncOtherTeam);
    }
    Ok((
        SyncFolder::create(shared, passphrase, secrets, team, kdf)?,
        true,
    ))
}

/// Whether this notebook already synced with a team (then only that team's folder is used).
pub fn has_team(store: &Store) -> Result<bool> {
    Ok(pinned(store)?.is_some())
}

/// Forgets the team this notebook synced with: the officer's explicit choice to join another
/// team, or a folder re-created from nothing. What was received stays in the notebook; the
/// record of segments is cleared, so this notebook's own changes are all sent again (from
/// segment 1) to the new folder, sealed with its key, and nothing sealed for the old team is
/// ever put there.
pub fn forget_team(store: &mut Store) -> Result<()> {
    copies::forget(store);
    store.conn().execute_batch(
        "BEGIN;
         DELETE FROM meta WHERE key IN ('sync_team', 'sync_fingerprint', 'sync_team_keys');
         DELETE FROM sync_segment;
         DELETE FROM sync_known;
         DELETE FROM sync_held;
         COMMIT;",
    )?;
    Ok(())
}

/// The name a device gave itself in its latest applied segment, if any.
pub fn device_name_of(store: &Store, device: Uuid) -> Result<Option<String>> {
    Ok(store
        .conn()
        .query_row(
            "SELECT name FROM sync_device WHERE device = ?1",
            [device.as_bytes().as_slice()],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

/// "« Portable Sarah »", or "l'appareil 1a2b3c4d" when the device never named itself.
pub fn device_label(name: Option<&str>, device: Uuid) -> String {
    match name {
        Some(name) => format!("« {name} »"),
        None => format!("l'appareil {}", &device.simple().to_string()[..8]),
    }
}
