//! Which changes travel sealed with a person's own key, and how they are sealed and opened.
//!
//! Why: erasing or anonymising a person destroys her keys (`person_keys`), and that must
//! leave nothing of her readable in the segments already in the shared folder, even with
//! the team's passphrase. So every change of a row that is hers travels in her block: all the
//! fields of her person row, of her referrals and their steps, outcomes, letters, meeting
//! attendances and retention extensions (the tombstone included). An encounter with her
//! seals only what makes it hers (`person_id`, note, follow-up): its date, kind, quartier,
//! permanence and head count stay under the team key, and once her keys are gone it reads
//! as the anonymous contact that an erasure keeps. What the figures need of her is copied
//! beforehand, plainly, under a new anonymous person (`crate::anonymous_copy`), so a device
//! that can no longer open her blocks lacks only what every order makes every device drop:
//! all devices still converge to the same notebook (the convergence property test mixes
//! erasures and anonymisations with edits, deletions, restorations and lost files).
//!
//! A write whose row belongs to a person (the person herself, or a row whose `person_id`, or
//! whose referral's, is hers, as this notebook holds it when exporting) is cut in two when
//! needed: its sealed fields go into her block, the others stay in the segment's plain
//! writes, each field keeping its own stamp. Nothing is sealed for a person already erased or
//! anonymised here (an anonymous copy has nothing to hide).
//!
//! What is guaranteed: a block opens only with the key named in it, for the team, device,
//! segment and person it was sealed for (associated data), and holds only sealed fields;
//! the same content gives the same bytes (the nonce is derived from it).

use std::collections::{BTreeMap, HashMap, HashSet};

use chacha20poly1305::XNonce;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::payload::{self, BlockFormat, Contents, Piece, SealedBlock};
use super::person_keys::{self, FolderKeys, KeyId};
use super::refusal::Refusal;
use super::{SyncFolder, SyncReport};
use crate::changelog::LoggedWrite;
use crate::error::Result;
use crate::schema;
use crate::store::Store;

/// Whether `field` of `entity` travels sealed with the person's key, when the row is hers.
pub(crate) fn is_sealed(entity: &str, field: &str) -> bool {
    match entity {
        "person"
        | "referral"
        | "referral_event"
        | "outcome"
        | "letter"
        | "attendance"
        | "retention_extension"
        | "consent" => true,
        "encounter" => matches!(field, "person_id" | "note" | "follow_up" | "follow_up_done"),
        _ => false,
    }
}

/// The person a row belongs to, as this notebook holds it.
fn owner(store: &Store, write: &LoggedWrite) -> Result<Option<Uuid>> {
    use rusqlite::OptionalExtension;
    let sql = match write.entity.name {
        "person" => return Ok(Some(write.row_id)),
        "encounter" => "SELECT person_id FROM encounter WHERE id = ?1",
        "referral" => "SELECT person_id FROM referral WHERE id = ?1",
        "outcome" => "SELECT person_id FROM outcome WHERE id = ?1",
        "letter" => "SELECT person_id FROM letter WHERE id = ?1",
        "retention_extension" => "SELECT person_id FROM retention_extension WHERE id = ?1",
        "consent" => "SELECT person_id FROM consent WHERE id = ?1",
        "attendance" => "SELECT person_id FROM attendance WHERE id = ?1",
        "referral_event" => {
            "SELECT r.person_id FROM referral_event e JOIN referral r ON r.id = e.referral_id
              WHERE e.id = ?1"
        }
        _ => return Ok(None),
    };
    let person: Option<String> = store
        .conn()
        .prepare_cached(sql)?
        .query_row([write.row_id.to_string()], |r| r.get(0))
        .optional()?
        .flatten();
    Ok(person.and_then(|p| Uuid::parse_str(&p).ok()))
}

/// The writes of one segment, cut into what stays plain and what each person's block holds.
pub(crate) struct Split<'a> {
    pub plain: Vec<Piece<'a>>,
    pub by_person: BTreeMap<Uuid, Vec<Piece<'a>>>,
}

/// Cuts `writes` (see the module's description).
pub(crate) fn split<'a>(store: &Store, writes: &'a [LoggedWrite]) -> Result<Split<'a>> {
    let erased = crate::erasure::erased_persons(store.conn())?;
    let mut owners: HashMap<Uuid, Option<Uuid>> = HashMap::new();
    let mut out = Split {
        plain: Vec::with_capacity(writes.len()),
        by_person: BTreeMap::new(),
    };
    for write in writes {
        let (inside, outside): (Vec<usize>, Vec<usize>) =
            (0..write.fields.len()).partition(|k| is_sealed(write.entity.name, write.fields[*k].0));
        if inside.is_empty() {
            out.plain.push(Piece { write, only: None });
            continue;
        }
        let person = match owners.get(&write.row_id) {
            Some(person) => *person,
            None => {
                let person = owner(store, write)?;
                owners.insert(write.row_id, person);
                person
            }
        };
        let Some(person) = person.filter(|p| !erased.contains(p)) else {
            out.plain.push(Piece { write, only: None });
            continue;
        };
        if !outside.is_empty() {
            out.plain.push(Piece {
                write,
                only: Some(outside),
            });
        }
        let only = (inside.len() < write.fields.len()).then_some(inside);
        out.by_person
            .entry(person)
            .or_default()
            .push(Piece { write, only });
    }
    Ok(out)
}

/// What a block is bound to besides its key (and its format: a format-3 block cannot be
/// passed off as a format-4 one, or the reverse).
fn aad(
    folder: &SyncFolder,
    format: BlockFormat,
    (device, seq): (Uuid, u64),
    person: Uuid,
    id: &KeyId,
) -> Vec<u8> {
    let label: &[u8] = match format {
        BlockFormat::DeflatedJson => b"carnet person block v1",
        BlockFormat::Binary => b"carnet person block v2",
    };
    [
        label,
        folder.team.as_bytes(),
        device.as_bytes(),
        &seq.to_be_bytes(),
        person.as_bytes(),
        id,
    ]
    .concat()
}

/// Seals each person's pieces with her key (a new one if she has none yet: the new keys are
/// written to the folder, in one bundle, before this returns).
pub(crate) fn seal_all(
    store: &mut Store,
    folder: &SyncFolder,
    folder_keys: &mut FolderKeys,
    (device, seq): (Uuid, u64),
    by_person: &BTreeMap<Uuid, Vec<Piece<'_>>>,
    report: &mut SyncReport,
) -> Result<Vec<SealedBlock>> {
    let mut blocks = Vec::with_capacity(by_person.len());
    let mut fresh = Vec::new();
    for (person, pieces) in by_person {
        let (id, key) = person_keys::for_sealing(store, *person, &mut fresh)?;
        let plain = payload::encode_block(pieces);
        let nonce = super::keys::nonce_for(&[
            b"person block v2",
            device.as_bytes(),
            &seq.to_be_bytes(),
            person.as_bytes(),
            &id,
            &Sha256::digest(&plain),
        ]);
        let aad = aad(folder, BlockFormat::Binary, (device, seq), *person, &id);
        let ciphertext = super::keys::seal(&key, &nonce, &plain, &aad)?;
        let mut sealed = Vec::with_capacity(24 + ciphertext.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        blocks.push(SealedBlock {
            format: BlockFormat::Binary,
            person: *person,
            key_id: id,
            count: pieces
                .iter()
                .map(|p| p.only.as_ref().map_or(p.write.fields.len(), Vec::len) as u64)
                .sum(),
            sealed,
        });
    }
    person_keys::publish(folder, folder_keys, fresh, report)?;
    Ok(blocks)
}

/// Decrypts one block with `key`: its plaintext (still deflated in format 3).
pub(crate) fn decrypt(
    folder: &SyncFolder,
    (device, seq): (Uuid, u64),
    block: &SealedBlock,
    key: &super::keys::Key,
) -> std::result::Result<Vec<u8>, Refusal> {
    let (nonce, ciphertext) = block.sealed.split_at(24);
    let nonce = XNonce::try_from(nonce).map_err(|_| Refusal::BlockUnreadable)?;
    let aad = aad(
        folder,
        block.format,
        (device, seq),
        block.person,
        &block.key_id,
    );
    super::keys::open(key, &nonce, ciphertext, &aad).ok_or(Refusal::BlockAltered)
}

/// Opens one block with `key`: its changes, checked to be sealed fields only.
pub(crate) fn open(
    folder: &SyncFolder,
    (device, seq): (Uuid, u64),
    block: &SealedBlock,
    key: &super::keys::Key,
) -> std::result::Result<Vec<crate::changelog::Change>, Refusal> {
    let plain = decrypt(folder, (device, seq), block, key)?;
    let changes = payload::decode_block(block.format, &plain)?;
    if changes.len() as u64 != block.count {
        return Err(Refusal::BlockCountWrong);
    }
    if changes.iter().any(|c| !is_sealed(c.entity.name, c.field)) {
        return Err(Refusal::BlockNotHers);
    }
    Ok(changes)
}

/// Why a segment's blocks could not all be opened.
pub(crate) enum Unopened {
    /// A key is neither here nor in the folder (yet): the segment waits for it.
    KeyMissing,
    /// Refused, and why.
    Refused(Refusal),
}

/// Opens every block of `contents` with the keys this notebook holds or finds in the folder,
/// moving their changes into `contents.changes`; returns the keys found in the folder, to
/// keep with the segment. A block of a person this notebook knows to be erased or anonymised
/// (or whom an order in the same segment names) is left closed and counted in `withheld`.
/// When a block cannot be opened, `contents.changes` is left as it was.
pub(crate) fn open_all(
    store: &Store,
    folder: &SyncFolder,
    folder_keys: &FolderKeys,
    (device, seq): (Uuid, u64),
    contents: &mut Contents,
) -> Result<std::result::Result<Vec<person_keys::Found>, Unopened>> {
    let mut found = Vec::new();
    if contents.blocks.is_empty() {
        return Ok(Ok(found));
    }
    let mut ordered: Option<HashSet<Uuid>> = None;
    // The blocks' changes go straight after the segment's own, room made once from the counts
    // the blocks declare: a second vector, extended at the end, held a segment's changes twice
    // (21 MB more at the peak of a team's first sync). The counts are only the writer's word,
    // so the room is bounded by what the blocks' bytes can hold (a field takes 3 at least):
    // never more than decoding those bytes could take anyway.
    let start = contents.changes.len();
    let declared: u64 = contents.blocks.iter().map(|b| b.count).sum();
    let bytes: usize = contents.blocks.iter().map(|b| b.sealed.len()).sum();
    contents.changes.reserve_exact(
        usize::try_from(declared)
            .unwrap_or(usize::MAX)
            .min(bytes / 3),
    );
    let mut withheld = 0u64;
    for block in &contents.blocks {
        let erased = match &ordered {
            Some(set) => set,
            None => ordered.insert(orders_known(store, contents)?),
        };
        if erased.contains(&block.person) {
            withheld += block.count;
            continue;
        }
        let Some(key) =
            person_keys::find(store, folder_keys, block.person, &block.key_id, &mut found)?
        else {
            contents.changes.truncate(start);
            return Ok(Err(Unopened::KeyMissing));
        };
        let changes = match open(folder, (device, seq), block, &key) {
            Ok(changes) => changes,
            Err(reason) => {
                contents.changes.truncate(start);
                return Ok(Err(Unopened::Refused(reason)));
            }
        };
        if let Err(reason) = super::validation::check_changes(&changes, device, &contents.former) {
            contents.changes.truncate(start);
            return Ok(Err(Unopened::Refused(reason)));
        }
        contents.changes.extend(changes);
    }
    contents.withheld += withheld;
    contents.blocks.clear();
    Ok(Ok(found))
}

/// The persons erased or anonymised here, and those the segment's own orders name.
fn orders_known(store: &Store, contents: &Contents) -> Result<HashSet<Uuid>> {
    let mut set = crate::erasure::erased_persons(store.conn())?;
    for change in &contents.changes {
        if change.entity == &schema::ERASURE
            && change.field == "person_id"
            && let rusqlite::types::Value::Text(id) = &change.value
            && let Ok(id) = Uuid::parse_str(id)
        {
            set.insert(id);
        }
    }
    Ok(set)
}
