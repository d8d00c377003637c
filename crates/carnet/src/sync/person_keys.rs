//! Per-person keys: what makes an erased person unreadable in every segment ever written,
//! even in those of a laptop that will never sync again (crypto-shredding).
//!
//! Why keys rather than rewriting: segments are immutable and a dead device never rewrites
//! its own. So what is hers travels sealed with a random key of her own (see
//! `person_blocks`), and the key travels apart, in a *key bundle* sealed with the team's
//! key: `persons/<name>.keys`, a file that, unlike a segment, may be replaced. Erasing or
//! anonymising her deletes her keys from every notebook that applies the order
//! (`erasure::purge`) and, at each sync of a device that knows the order, the bundles that
//! hold her key are written again without it and the old ones deleted: what the old
//! segments hold of her can no longer be opened by anyone, team passphrase or not.
//!
//! Why bundles rather than one file per person: a first export of a ten-year notebook gives
//! keys to 23,000 persons; 23,000 files (each flushed) would take minutes on a USB key and
//! slow every directory listing of a FAT file system, and a new device would open them one
//! by one. A bundle holds the keys an export gave (or a merge of many bundles): one file,
//! read once per sync.
//!
//! What is guaranteed:
//! - a bundle's name is the hash of its bytes (a file whose name does not match is refused
//!   and reported), it authenticates under a team key, and each key in it hashes to the key
//!   id it is listed under: a team member cannot slip a wrong key in under a real id;
//! - a new key is drawn from the store's fresh secrets (random bytes passed in by the
//!   binaries, never stored) and is in a bundle in the folder before any segment sealed with
//!   it;
//! - at every sync the folder is tended: bundles holding a key of a person erased or
//!   anonymised here are replaced by bundles without it (written first, then the old one
//!   deleted, so a crash never loses a living key); keys this notebook holds that no bundle
//!   has any more (a deleted file) are written again, never for an erased person; beyond
//!   [`BUNDLES_MAX`] bundles, they are merged into one;
//! - concurrent tending by two devices loses no living key (each writes before it deletes,
//!   and only what it read); a key of an erased person that a concurrent rewrite carried
//!   over is removed at a later sync of any device that knows the order;
//! - files are read and written through `folder_files` (no links, size cap, never
//!   overwriting).

use std::collections::{BTreeMap, HashMap, HashSet};

use chacha20poly1305::XNonce;
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::folder_files;
use super::keys::{self, Key};
use super::{Skipped, SyncFolder, SyncReport};
use crate::error::Result;
use crate::store::Store;

/// The folder's directory of key bundles.
pub(crate) const DIR: &str = "persons";
const MAGIC: &[u8; 8] = b"CRNTPKB1";
/// Magic, epoch, entry count, nonce.
const HEADER_LEN: usize = 8 + 4 + 4 + 24;
/// Person id, key id, key.
const ENTRY_LEN: usize = 16 + 16 + 32;
/// Most keys in one bundle (a bundle of 100,000 keys is 6.4 MB).
const ENTRIES_MAX: usize = 100_000;
/// Largest bundle file read.
const FILE_MAX: u64 = (HEADER_LEN + ENTRIES_MAX * ENTRY_LEN + 16) as u64;
/// Bundles in the folder beyond which a sync merges them into one.
pub(crate) const BUNDLES_MAX: usize = 16;

/// A key's id: the first half of a hash of the key.
pub(crate) type KeyId = [u8; 16];

/// The id of `key`.
pub(crate) fn key_id(key: &Key) -> KeyId {
    let digest = Sha256::new()
        .chain_update(b"carnet person key id v1")
        .chain_update(key.as_slice())
        .finalize();
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    id
}

/// The person keys found in the folder's bundles at the start of a sync.
#[derive(Default)]
pub(crate) struct FolderKeys {
    /// Each readable bundle's file name and the `(person, key id)` it holds.
    bundles: Vec<(String, Vec<(Uuid, KeyId)>)>,
    keys: HashMap<(Uuid, KeyId), Key>,
}

impl FolderKeys {
    pub(crate) fn get(&self, person: Uuid, id: &KeyId) -> Option<&Key> {
        self.keys.get(&(person, *id))
    }
}

/// Reads every key bundle of the folder; bundles refused are reported in `skipped`.
pub(crate) fn load(folder: &SyncFolder, skipped: &mut Vec<Skipped>) -> FolderKeys {
    let mut out = FolderKeys::default();
    let dir = folder.root.join(DIR);
    if !folder_files::is_real_dir(&dir) {
        if folder_files::occupied(&dir) {
            skipped.push(refused(
                DIR.into(),
                "ce n'est pas un vrai dossier (lien symbolique ?) : ignoré".into(),
            ));
        }
        return out;
    }
    let mut names: Vec<String> = super::export::file_names(&dir)
        .into_iter()
        .filter(|n| is_bundle_name(n))
        .collect();
    names.sort();
    for name in names {
        let file = format!("{DIR}/{name}");
        let bytes = match folder_files::read_regular(&dir.join(&name), FILE_MAX) {
            Ok(bytes) => bytes,
            Err(why) => {
                skipped.push(refused(file, why.reason()));
                continue;
            }
        };
        match open(folder, &name, &bytes) {
            Ok(entries) => {
                let ids = entries.iter().map(|(p, i, _)| (*p, *i)).collect();
                for (person, id, key) in entries {
                    out.keys.insert((person, id), key);
                }
                out.bundles.push((name, ids));
            }
            Err(reason) => skipped.push(refused(file, reason)),
        }
    }
    out
}

fn refused(file: String, reason: String) -> Skipped {
    Skipped {
        file,
        device: None,
        device_name: None,
        seq: None,
        reason: format!("clés des personnes : {reason}"),
    }
}

/// `<32 hex digits>.keys`.
fn is_bundle_name(name: &str) -> bool {
    name.strip_suffix(".keys").is_some_and(|stem| {
        stem.len() == 32
            && stem
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    })
}

/// The name of a bundle: the hash of its bytes.
fn name_of(bytes: &[u8]) -> String {
    format!("{}.keys", crate::hex::encode(&Sha256::digest(bytes)[..16]))
}

/// The bytes of a bundle holding `entries` (sorted), sealed with the team's current key.
fn seal(folder: &SyncFolder, entries: &[(Uuid, KeyId, &Key)]) -> Result<Option<Vec<u8>>> {
    let Some((epoch, team_key)) = folder.keys.current() else {
        return Ok(None);
    };
    let mut plain = Zeroizing::new(Vec::with_capacity(entries.len() * ENTRY_LEN));
    for (person, id, key) in entries {
        plain.extend_from_slice(person.as_bytes());
        plain.extend_from_slice(id);
        plain.extend_from_slice(key.as_slice());
    }
    let nonce = keys::nonce_for(&[
        b"person keys",
        folder.team.as_bytes(),
        &epoch.to_be_bytes(),
        &Sha256::digest(plain.as_slice()),
    ]);
    let mut bytes = Vec::with_capacity(HEADER_LEN + plain.len() + 16);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&epoch.to_be_bytes());
    bytes.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    bytes.extend_from_slice(&nonce);
    let aad = [bytes.as_slice(), folder.team.as_bytes()].concat();
    bytes.extend_from_slice(&keys::seal(team_key, &nonce, plain.as_slice(), &aad)?);
    Ok(Some(bytes))
}

/// Opens a bundle found under `name`: its entries, or why not (in French).
fn open(
    folder: &SyncFolder,
    name: &str,
    bytes: &[u8],
) -> std::result::Result<Vec<(Uuid, KeyId, Key)>, String> {
    if name_of(bytes) != name {
        return Err("le nom du fichier ne correspond pas à son contenu (fichier modifié ?)".into());
    }
    if bytes.len() < HEADER_LEN + 16 || &bytes[..8] != MAGIC {
        return Err("ce n'est pas un fichier de clés Carnet".into());
    }
    let u32_at =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let (epoch, count) = (u32_at(8), u32_at(12) as usize);
    if count > ENTRIES_MAX || bytes.len() != HEADER_LEN + count * ENTRY_LEN + 16 {
        return Err("longueur incohérente".into());
    }
    let Some(team_key) = folder.keys.get(epoch) else {
        return Err(format!(
            "scellé avec une clé d'équipe que cet appareil ne connaît pas (époque {epoch})"
        ));
    };
    let nonce = XNonce::try_from(&bytes[16..HEADER_LEN]).map_err(|_| "en-tête illisible")?;
    let aad = [&bytes[..HEADER_LEN], folder.team.as_bytes()].concat();
    let plain = Zeroizing::new(
        keys::open(team_key, &nonce, &bytes[HEADER_LEN..], &aad)
            .ok_or_else(|| "fichier altéré ou d'une autre équipe".to_string())?,
    );
    let mut entries = Vec::with_capacity(count);
    for entry in plain.chunks_exact(ENTRY_LEN) {
        let person = Uuid::from_slice(&entry[..16]).map_err(|_| "contenu illisible")?;
        let id = KeyId::try_from(&entry[16..32]).map_err(|_| "contenu illisible")?;
        let key: Key = Zeroizing::new(
            <[u8; 32]>::try_from(&entry[32..]).map_err(|_| "contenu illisible".to_string())?,
        );
        if key_id(&key) != id {
            return Err("une clé ne correspond pas à son identifiant".into());
        }
        entries.push((person, id, key));
    }
    Ok(entries)
}

/// Writes `entries` as new bundles (at most [`ENTRIES_MAX`] keys each) and records them in
/// `found`. Returns how many keys were written, and the bundles' names.
fn write_bundles(
    folder: &SyncFolder,
    found: &mut FolderKeys,
    mut entries: Vec<(Uuid, KeyId, Key)>,
) -> Result<(usize, Vec<String>)> {
    entries.sort_by_key(|a| (a.0, a.1));
    entries.dedup_by(|a, b| (a.0, a.1) == (b.0, b.1));
    let mut names = Vec::new();
    if entries.is_empty() {
        return Ok((0, names));
    }
    let dir = folder.root.join(DIR);
    folder_files::ensure_dir(&dir)?;
    let mut written = 0;
    for chunk in entries.chunks(ENTRIES_MAX) {
        let refs: Vec<(Uuid, KeyId, &Key)> = chunk.iter().map(|(p, i, k)| (*p, *i, k)).collect();
        let Some(bytes) = seal(folder, &refs)? else {
            continue;
        };
        let name = name_of(&bytes);
        let path = dir.join(&name);
        if folder_files::write_new(&path, &bytes)? == folder_files::Written::Exists
            && folder_files::read_regular(&path, FILE_MAX).ok().as_deref() != Some(&bytes[..])
        {
            // Something else sits under the name of these exact bytes (an altered copy, a
            // planted link): it can only be junk, replaced by what the name promises.
            let _ = std::fs::remove_file(&path);
            folder_files::write_new(&path, &bytes)?;
        }
        if !found.bundles.iter().any(|(n, _)| *n == name) {
            found.bundles.push((
                name.clone(),
                chunk.iter().map(|(p, i, _)| (*p, *i)).collect(),
            ));
        }
        names.push(name);
        for (person, id, key) in chunk {
            found.keys.insert((*person, *id), key.clone());
        }
        written += chunk.len();
    }
    Ok((written, names))
}

/// Deletes the bundle `name` (the name itself: a link, never what it points to).
fn delete_bundle(folder: &SyncFolder, found: &mut FolderKeys, name: &str) {
    let _ = std::fs::remove_file(folder.root.join(DIR).join(name));
    found.bundles.retain(|(n, _)| n != name);
}

/// The keys this notebook holds for `person`, by id.
pub(crate) fn held(store: &Store, person: Uuid) -> Result<Vec<(KeyId, Key)>> {
    let mut stmt = store
        .conn()
        .prepare_cached("SELECT key_id, key FROM person_key WHERE person = ?1 ORDER BY key_id")?;
    let rows = stmt.query_map([person.as_bytes().as_slice()], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            Zeroizing::new(r.get::<_, Vec<u8>>(1)?),
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, key) = row?;
        if let (Ok(id), Ok(key)) = (
            KeyId::try_from(id.as_slice()),
            <[u8; 32]>::try_from(key.as_slice()),
        ) {
            out.push((id, Zeroizing::new(key)));
        }
    }
    Ok(out)
}

/// The key `id` of `person`, if this notebook holds it.
fn get(store: &Store, person: Uuid, id: &KeyId) -> Result<Option<Key>> {
    let key: Option<Zeroizing<Vec<u8>>> = store
        .conn()
        .prepare_cached("SELECT key FROM person_key WHERE person = ?1 AND key_id = ?2")?
        .query_row(params![person.as_bytes().as_slice(), id.as_slice()], |r| {
            r.get::<_, Vec<u8>>(0).map(Zeroizing::new)
        })
        .optional()?;
    Ok(key.and_then(|k| <[u8; 32]>::try_from(k.as_slice()).ok().map(Zeroizing::new)))
}

/// A key found in the folder during an import, kept in the notebook with the segment that
/// needed it (in the same transaction).
pub(crate) struct Found {
    pub person: Uuid,
    pub id: KeyId,
    pub key: Key,
}

/// Finds the key `id` of `person`: in this notebook, else in the folder's bundles (then
/// added to `found`, to keep with the segment; a key found twice is kept once, by
/// `keep_found`'s `ON CONFLICT DO NOTHING`, instead of searching `found` for every block).
pub(crate) fn find(
    store: &Store,
    folder_keys: &FolderKeys,
    person: Uuid,
    id: &KeyId,
    found: &mut Vec<Found>,
) -> Result<Option<Key>> {
    // The folder's bundles first: read once per sync, no query.
    let Some(key) = folder_keys.get(person, id) else {
        return get(store, person, id);
    };
    found.push(Found {
        person,
        id: *id,
        key: key.clone(),
    });
    Ok(Some(key.clone()))
}

/// Keeps in the notebook the keys an import found in the folder (inside its transaction).
pub(crate) fn keep_found(conn: &rusqlite::Connection, found: &[Found]) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO person_key (person, key_id, key) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    )?;
    for f in found {
        stmt.execute(params![
            f.person.as_bytes().as_slice(),
            f.id.as_slice(),
            f.key.as_slice()
        ])?;
    }
    Ok(())
}

/// The key new changes about `person` are sealed with: one this notebook holds, or a new
/// one, kept here and returned in `fresh` (to write in a bundle before the segment).
pub(crate) fn for_sealing(
    store: &mut Store,
    person: Uuid,
    fresh: &mut Vec<(Uuid, KeyId, Key)>,
) -> Result<(KeyId, Key)> {
    if let Some(first) = held(store, person)?.into_iter().next() {
        return Ok(first);
    }
    let key: Key = Zeroizing::new(*store.fresh_secret(person.as_bytes()));
    let id = key_id(&key);
    store
        .conn()
        .prepare_cached("INSERT INTO person_key (person, key_id, key) VALUES (?1, ?2, ?3)")?
        .execute(params![
            person.as_bytes().as_slice(),
            id.as_slice(),
            key.as_slice()
        ])?;
    fresh.push((person, id, key.clone()));
    Ok((id, key))
}

/// Writes the bundle of the keys an export just gave (before its segment).
pub(crate) fn publish(
    folder: &SyncFolder,
    folder_keys: &mut FolderKeys,
    fresh: Vec<(Uuid, KeyId, Key)>,
    report: &mut SyncReport,
) -> Result<()> {
    report.person_keys_written += write_bundles(folder, folder_keys, fresh)?.0;
    Ok(())
}

/// Tends the folder's bundles (see the module's description): keys of erased persons out,
/// missing keys back, many bundles merged.
pub(crate) fn tend(
    store: &Store,
    folder: &SyncFolder,
    folder_keys: &mut FolderKeys,
    report: &mut SyncReport,
) -> Result<()> {
    let dir = folder.root.join(DIR);
    if folder_files::occupied(&dir) && !folder_files::is_real_dir(&dir) {
        // A link in place of the directory: reported by `load`, nothing written through it.
        return Ok(());
    }
    let erased = crate::erasure::erased_persons(store.conn())?;
    // Bundles that hold a key of an erased person: written again without it.
    let stale: Vec<String> = folder_keys
        .bundles
        .iter()
        .filter(|(_, ids)| ids.iter().any(|(p, _)| erased.contains(p)))
        .map(|(name, _)| name.clone())
        .collect();
    for name in stale {
        let Some(ids) = folder_keys
            .bundles
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, ids)| ids.clone())
        else {
            continue;
        };
        let keep: Vec<(Uuid, KeyId, Key)> = ids
            .iter()
            .filter(|(p, _)| !erased.contains(p))
            .filter_map(|(p, i)| folder_keys.get(*p, i).map(|k| (*p, *i, k.clone())))
            .collect();
        report.person_keys_destroyed += ids.len() - keep.len();
        write_bundles(folder, folder_keys, keep)?;
        delete_bundle(folder, folder_keys, &name);
    }
    for person in &erased {
        folder_keys.keys.retain(|(p, _), _| p != person);
    }
    // Keys this notebook holds that no bundle has.
    let present: HashSet<(Uuid, KeyId)> = folder_keys
        .bundles
        .iter()
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect();
    let mut missing = Vec::new();
    {
        let mut stmt = store
            .conn()
            .prepare("SELECT person, key_id, key FROM person_key ORDER BY person, key_id")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let person = crate::changelog::uuid_from_blob(&row.get::<_, Vec<u8>>(0)?)?;
            let id: Vec<u8> = row.get(1)?;
            let key: Zeroizing<Vec<u8>> = Zeroizing::new(row.get(2)?);
            let (Ok(id), Ok(key)) = (
                KeyId::try_from(id.as_slice()),
                <[u8; 32]>::try_from(key.as_slice()),
            ) else {
                continue;
            };
            if !erased.contains(&person) && !present.contains(&(person, id)) {
                missing.push((person, id, Zeroizing::new(key)));
            }
        }
    }
    report.person_keys_written += write_bundles(folder, folder_keys, missing)?.0;
    // Many small bundles (one per export that gave new keys): merged into one.
    if folder_keys.bundles.len() > BUNDLES_MAX {
        let old: Vec<String> = folder_keys.bundles.iter().map(|(n, _)| n.clone()).collect();
        let all: BTreeMap<(Uuid, KeyId), Key> = folder_keys
            .keys
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        let (_, merged) = write_bundles(
            folder,
            folder_keys,
            all.into_iter().map(|((p, i), k)| (p, i, k)).collect(),
        )?;
        for name in old.iter().filter(|n| !merged.contains(*n)) {
            delete_bundle(folder, folder_keys, name);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_named_by_its_hash_and_a_bundle_by_its_bytes() {
        let key: Key = Zeroizing::new([7u8; 32]);
        let other: Key = Zeroizing::new([8u8; 32]);
        assert_ne!(key_id(&key), key_id(&other));
        assert_eq!(key_id(&key), key_id(&Zeroizing::new([7u8; 32])));
        let name = name_of(b"bytes");
        assert!(is_bundle_name(&name), "{name}");
        assert!(!is_bundle_name("ABCDEF0123456789ABCDEF0123456789.keys"));
        assert!(!is_bundle_name(&format!("Copie de {name}")));
        assert!(!is_bundle_name(&name.replace(".keys", ".key")));
    }
}
