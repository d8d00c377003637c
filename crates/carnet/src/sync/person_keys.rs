//! Per-person keys: what makes an erased person unreadable in every segment ever written,
//! even in those of a laptop that will never sync again (crypto-shredding).
//!
//! Why keys rather than rewriting: segments are immutable and a dead device never rewrites
//! its own. So what carries a person's identity and free texts travels sealed with a random
//! key of her own (see `person_blocks`), and the key itself travels in one small file,
//! `persons/<tag>.<key id>.key`, sealed with the team's key. Erasing or anonymising her
//! deletes her keys from every notebook that applies the order (`erasure::purge`) and, at
//! each device's next sync, her key files from the folder: what the old segments hold of her
//! can no longer be opened by anyone, team passphrase or not.
//!
//! What is guaranteed:
//! - a key is drawn from the store's fresh secrets (random bytes passed in by the binaries,
//!   never stored) and named by its id, a hash of the key: a file whose key does not hash to
//!   the id in its name, or that fails authentication, is refused and reported;
//! - a key file's name reveals nothing to someone without the team key: the tag is a keyed
//!   hash of the person's id, the key id a hash of the key;
//! - the folder is tended at every sync: the key files of erased or anonymised persons are
//!   deleted, and a key file that went missing is written again by any device that still
//!   holds the key (a key is never written for a person whose order this device has);
//! - files are read and written through `folder_files` (no links, size cap, never
//!   overwriting).

use std::collections::{HashMap, HashSet};

use chacha20poly1305::XNonce;
use chacha20poly1305::aead::{Aead, Payload};
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::folder_files::{self, Written};
use super::keys::{self, Key};
use super::{SyncFolder, SyncReport};
use crate::error::Result;
use crate::store::Store;

/// The folder's directory of person key files.
pub(crate) const DIR: &str = "persons";
const MAGIC: &[u8; 8] = b"CRNTPKY1";
const HEADER_LEN: usize = 8 + 4 + 24;
/// Every key file has exactly this length: header, a 32-byte key, the tag.
const FILE_LEN: usize = HEADER_LEN + 32 + 16;

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
pub(crate) fn get(store: &Store, person: Uuid, id: &KeyId) -> Result<Option<Key>> {
    let key: Option<Zeroizing<Vec<u8>>> = store
        .conn()
        .prepare_cached("SELECT key FROM person_key WHERE person = ?1 AND key_id = ?2")?
        .query_row(params![person.as_bytes().as_slice(), id.as_slice()], |r| {
            r.get::<_, Vec<u8>>(0).map(Zeroizing::new)
        })
        .optional()?;
    Ok(key.and_then(|k| <[u8; 32]>::try_from(k.as_slice()).ok().map(Zeroizing::new)))
}

/// Keeps a key of `person` in this notebook.
pub(crate) fn keep(store: &Store, person: Uuid, id: &KeyId, key: &Key) -> Result<()> {
    store
        .conn()
        .prepare_cached(
            "INSERT INTO person_key (person, key_id, key) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            person.as_bytes().as_slice(),
            id.as_slice(),
            key.as_slice()
        ])?;
    Ok(())
}

/// The key new changes about `person` are sealed with: one this notebook holds, or a new
/// one (kept here; its file is written by [`tend`]).
pub(crate) fn for_sealing(store: &mut Store, person: Uuid) -> Result<(KeyId, Key)> {
    if let Some(first) = held(store, person)?.into_iter().next() {
        return Ok(first);
    }
    let key: Key = Zeroizing::new(*store.fresh_secret(person.as_bytes()));
    let id = key_id(&key);
    keep(store, person, &id, &key)?;
    Ok((id, key))
}

/// The part of a key file's name that stands for `person`: a hash keyed by the team's
/// first key, so that only team members can tell whose key a file holds.
fn tag(folder: &SyncFolder, person: Uuid) -> Option<String> {
    let team_key = folder.keys.get(1)?;
    let digest = Sha256::new()
        .chain_update(b"carnet person key file v1")
        .chain_update(team_key.as_slice())
        .chain_update(person.as_bytes())
        .finalize();
    Some(crate::digest::hex(&digest[..16]))
}

fn file_name(tag: &str, id: &KeyId) -> String {
    format!("{tag}.{}.key", crate::digest::hex(id))
}

/// The bytes of the key file of `(person, id)`, sealed with the team's current key.
fn seal(folder: &SyncFolder, person: Uuid, id: &KeyId, key: &Key) -> Option<Vec<u8>> {
    let (epoch, team_key) = folder.keys.current()?;
    let nonce = keys::nonce_for(&[
        b"person key",
        folder.team.as_bytes(),
        &epoch.to_be_bytes(),
        person.as_bytes(),
        id,
    ]);
    let mut bytes = Vec::with_capacity(FILE_LEN);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&epoch.to_be_bytes());
    bytes.extend_from_slice(&nonce);
    let aad = [
        bytes.as_slice(),
        folder.team.as_bytes(),
        person.as_bytes(),
        id,
    ]
    .concat();
    let sealed = keys::cipher(team_key)
        .encrypt(
            &nonce,
            Payload {
                msg: key.as_slice(),
                aad: &aad,
            },
        )
        .ok()?;
    bytes.extend_from_slice(&sealed);
    Some(bytes)
}

/// Opens the key file of `(person, id)`: the key, or why not (in French).
fn open(
    folder: &SyncFolder,
    person: Uuid,
    id: &KeyId,
    bytes: &[u8],
) -> std::result::Result<Key, String> {
    if bytes.len() != FILE_LEN || &bytes[..8] != MAGIC {
        return Err("ce n'est pas une clé de personne Carnet".into());
    }
    let epoch = u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    let Some(team_key) = folder.keys.get(epoch) else {
        return Err(format!(
            "scellée avec une clé d'équipe que cet appareil ne connaît pas (époque {epoch})"
        ));
    };
    let nonce = XNonce::try_from(&bytes[12..HEADER_LEN]).map_err(|_| "en-tête illisible")?;
    let aad = [
        &bytes[..HEADER_LEN],
        folder.team.as_bytes(),
        person.as_bytes(),
        id,
    ]
    .concat();
    let plain = Zeroizing::new(
        keys::cipher(team_key)
            .decrypt(
                &nonce,
                Payload {
                    msg: &bytes[HEADER_LEN..],
                    aad: &aad,
                },
            )
            .map_err(|_| "clé altérée ou d'une autre équipe".to_string())?,
    );
    let key: Key = Zeroizing::new(
        <[u8; 32]>::try_from(plain.as_slice()).map_err(|_| "clé illisible".to_string())?,
    );
    if key_id(&key) != *id {
        return Err("la clé ne correspond pas à son nom".into());
    }
    Ok(key)
}

/// Reads the key `id` of `person` from the folder: the key, `None` if there is no such file,
/// or why the file there was refused.
pub(crate) fn read(
    folder: &SyncFolder,
    person: Uuid,
    id: &KeyId,
) -> std::result::Result<Option<Key>, String> {
    let Some(tag) = tag(folder, person) else {
        return Ok(None);
    };
    let path = folder.root.join(DIR).join(file_name(&tag, id));
    match folder_files::read_regular(&path, FILE_LEN as u64) {
        Ok(bytes) => open(folder, person, id, &bytes).map(Some),
        Err(folder_files::Refused::Absent) => Ok(None),
        Err(refused) => Err(refused.reason()),
    }
}

/// Finds the key `id` of `person`: in this notebook, else in the folder (then kept here).
pub(crate) fn find(
    store: &Store,
    folder: &SyncFolder,
    person: Uuid,
    id: &KeyId,
) -> Result<std::result::Result<Option<Key>, String>> {
    if let Some(key) = get(store, person, id)? {
        return Ok(Ok(Some(key)));
    }
    Ok(match read(folder, person, id) {
        Ok(Some(key)) => {
            keep(store, person, id, &key)?;
            Ok(Some(key))
        }
        other => other,
    })
}

/// Writes the file of a key this notebook just gave `person`, before any segment sealed
/// with it (a reader then rarely has to wait for it).
pub(crate) fn publish(
    folder: &SyncFolder,
    person: Uuid,
    id: &KeyId,
    key: &Key,
    report: &mut SyncReport,
) -> Result<()> {
    let (Some(tag), Some(bytes)) = (tag(folder, person), seal(folder, person, id, key)) else {
        return Ok(());
    };
    let dir = folder.root.join(DIR);
    folder_files::ensure_dir(&dir)?;
    if folder_files::write_new(&dir.join(file_name(&tag, id)), &bytes)? == Written::Created {
        report.person_keys_written += 1;
    }
    Ok(())
}

/// Tends the folder's key files: deletes those of every person erased or anonymised here,
/// and writes again those of the keys this notebook holds that are missing.
pub(crate) fn tend(store: &Store, folder: &SyncFolder, report: &mut SyncReport) -> Result<()> {
    let dir = folder.root.join(DIR);
    let erased = crate::erasure::erased_persons(store.conn())?;
    let mut stmt = store
        .conn()
        .prepare("SELECT person, key_id, key FROM person_key ORDER BY person, key_id")?;
    let mut held: Vec<(Uuid, KeyId, Key)> = Vec::new();
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let person = crate::changelog::uuid_from_blob(&row.get::<_, Vec<u8>>(0)?)?;
        let id: Vec<u8> = row.get(1)?;
        let key: Zeroizing<Vec<u8>> = Zeroizing::new(row.get(2)?);
        if let (Ok(id), Ok(key)) = (
            KeyId::try_from(id.as_slice()),
            <[u8; 32]>::try_from(key.as_slice()),
        ) {
            held.push((person, id, Zeroizing::new(key)));
        }
    }
    drop(rows);
    drop(stmt);
    if held.is_empty() && erased.is_empty() {
        return Ok(());
    }
    if !folder_files::is_real_dir(&dir) {
        if folder_files::occupied(&dir) {
            report.skipped.push(super::Skipped {
                file: DIR.into(),
                device: None,
                device_name: None,
                seq: None,
                reason: "ce n'est pas un vrai dossier (lien symbolique ?) : les clés des personnes n'y sont pas écrites".into(),
            });
            return Ok(());
        }
        if held.is_empty() {
            return Ok(());
        }
        folder_files::ensure_dir(&dir)?;
    }
    let names: HashSet<String> = super::export::file_names(&dir);
    // The files of each tag present, to delete those of erased persons.
    let mut by_tag: HashMap<&str, Vec<&String>> = HashMap::new();
    for name in &names {
        if let Some((tag, _)) = name.split_once('.') {
            by_tag.entry(tag).or_default().push(name);
        }
    }
    for person in &erased {
        let Some(tag) = tag(folder, *person) else {
            continue;
        };
        for name in by_tag.get(tag.as_str()).into_iter().flatten() {
            // Removes the name itself (a link, never what it points to).
            if std::fs::remove_file(dir.join(name)).is_ok() {
                report.person_keys_destroyed += 1;
            }
        }
    }
    for (person, id, key) in &held {
        if erased.contains(person) {
            continue;
        }
        let Some(tag) = tag(folder, *person) else {
            continue;
        };
        let name = file_name(&tag, id);
        if names.contains(&name) {
            continue;
        }
        let Some(bytes) = seal(folder, *person, id, key) else {
            continue;
        };
        if folder_files::write_new(&dir.join(&name), &bytes)? == Written::Created {
            report.person_keys_written += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_named_by_its_hash_and_the_name_hides_the_person() {
        let key: Key = Zeroizing::new([7u8; 32]);
        let other: Key = Zeroizing::new([8u8; 32]);
        assert_ne!(key_id(&key), key_id(&other));
        assert_eq!(key_id(&key), key_id(&Zeroizing::new([7u8; 32])));
        let name = file_name("00ff", &key_id(&key));
        assert!(name.starts_with("00ff.") && name.ends_with(".key"));
        assert_eq!(name.len(), 4 + 1 + 32 + 4);
    }
}
