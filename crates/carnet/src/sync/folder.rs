//! The shared folder as a whole: creating it, opening it with the passphrase, changing the
//! passphrase, and recognising the team.
//!
//! Why the care: `FORMAT.json` names the team and the format; a folder that lost it (deleted
//! by a syncer, a colleague, an attacker) used to be silently re-created, after which every
//! device got "phrase de passe incorrecte" for good or the team split in two. Now:
//! - a folder is created only where no Carnet file exists at all, and every file of a new
//!   folder is created new (never over an existing name);
//! - a folder with Carnet files but no `FORMAT.json` is refused as damaged, never re-created;
//! - opening checks the passphrase against the key files before anything is read further or
//!   written; costs read from the folder are checked against fixed ranges first;
//! - the notebook remembers its team (id and key fingerprint, see `sync::pin`), and a folder of
//!   another team, or re-created, is refused.

use std::path::{Path, PathBuf};

use chacha20poly1305::XNonce;
use chacha20poly1305::aead::{Aead, Payload};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::folder_files::{self, Refused, Written};
use super::keys::{self, EPOCHS_MAX, KdfParams, Key, Keyring, damaged};
use super::passphrase;
use crate::error::{Error, Result};

/// Name of Carnet's directory inside the shared folder.
pub const DIR: &str = "carnet-sync";
/// Version of the folder format this build writes. It also reads version 1.
pub const FORMAT_VERSION: u32 = 2;
const KEYCHECK_TEXT: &[u8] = b"carnet-sync key check v1";
/// Largest `FORMAT.json` and `keycheck.bin` read.
const SMALL_FILE_MAX: u64 = 4096;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormatFile {
    format: String,
    version: u32,
    team: Uuid,
    /// Format 1 only: the passphrase's derivation, whose output is the epoch-1 key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kdf: Option<KdfFile>,
}

#[derive(Debug, Serialize, Deserialize)]
struct KdfFile {
    algorithm: String,
    salt: String,
    m_cost_kib: u32,
    t_cost: u32,
    p_cost: u32,
}

/// The random values a new folder or a new passphrase needs. The engine draws no randomness
/// itself: the binaries pass fresh bytes, tests pass fixed ones.
#[derive(Clone)]
pub struct FreshSecrets {
    pub salt: [u8; 16],
    pub key: [u8; 32],
}

impl std::fmt::Debug for FreshSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FreshSecrets(…)")
    }
}

impl Drop for FreshSecrets {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.key);
    }
}

/// The team's keys in the form kept inside an encrypted notebook.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeptKeys {
    pub team: Uuid,
    /// Each key epoch's key, in hex.
    pub keys: Vec<(u32, String)>,
}

impl Drop for KeptKeys {
    fn drop(&mut self) {
        for (_, hex) in &mut self.keys {
            zeroize::Zeroize::zeroize(hex);
        }
    }
}

/// An open shared folder, with the team's keys.
pub struct SyncFolder {
    pub(crate) root: PathBuf,
    pub(crate) team: Uuid,
    /// The format the folder was created with (1 or 2); segments are written in format 2.
    pub(crate) created_as: u32,
    pub(crate) keys: Keyring,
    /// Public fingerprint of the epoch-1 key, which the notebook remembers (see `sync::pin`).
    pub(crate) fingerprint: String,
}

impl std::fmt::Debug for SyncFolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncFolder")
            .field("root", &self.root)
            .field("team", &self.team)
            .finish_non_exhaustive()
    }
}

impl SyncFolder {
    /// True if `shared` holds any Carnet file (even a damaged folder without `FORMAT.json`).
    pub fn exists(shared: &Path) -> bool {
        let root = shared.join(DIR);
        ["FORMAT.json", "keycheck.bin", "keys", "devices"]
            .iter()
            .any(|name| folder_files::occupied(&root.join(name)))
    }

    /// Initialises a new folder in `shared` (which must exist) for a new team. Refuses a
    /// passphrase weaker than the CNIL's rule, and a folder where any Carnet file is already
    /// there.
    pub fn create(
        shared: &Path,
        passphrase: &str,
        secrets: &FreshSecrets,
        team: Uuid,
        kdf: KdfParams,
    ) -> Result<SyncFolder> {
        if !shared.is_dir() {
            return Err(Error::SyncFolderMissing {
                path: shared.display().to_string(),
            });
        }
        if Self::exists(shared) {
            return Err(Error::SyncAlreadyInitialised {
                path: shared.display().to_string(),
            });
        }
        let strength = passphrase::strength(passphrase);
        if !strength.ok {
            return Err(Error::SyncPassphraseTooWeak {
                hint: strength.hint,
            });
        }
        let root = shared.join(DIR);
        folder_files::ensure_dir(&root)?;
        folder_files::ensure_dir(&root.join("keys"))?;
        folder_files::ensure_dir(&root.join("devices"))?;
        let wrapping = keys::derive(passphrase, &secrets.salt, kdf)?;
        let key: Key = Zeroizing::new(secrets.key);
        let file = keys::seal_key_file(team, 1, &wrapping, secrets.salt, kdf, &key, &[])?;
        if folder_files::write_new(&root.join("keys").join(keys::key_file_name(1)), &file)?
            != Written::Created
        {
            return Err(Error::SyncAlreadyInitialised {
                path: shared.display().to_string(),
            });
        }
        let format = FormatFile {
            format: "carnet-sync".into(),
            version: FORMAT_VERSION,
            team,
            kdf: None,
        };
        let text = serde_json::to_string_pretty(&format).unwrap_or_default();
        // FORMAT.json last: a folder is initialised only once everything else is there.
        if folder_files::write_new(&root.join("FORMAT.json"), text.as_bytes())? != Written::Created
        {
            return Err(Error::SyncAlreadyInitialised {
                path: shared.display().to_string(),
            });
        }
        let fingerprint = keys::fingerprint(&key);
        let mut ring = Keyring::default();
        ring.insert(1, key);
        Ok(SyncFolder {
            root,
            team,
            created_as: FORMAT_VERSION,
            keys: ring,
            fingerprint,
        })
    }

    /// Opens an existing folder, refusing a wrong passphrase before anything is written.
    pub fn open(shared: &Path, passphrase: &str) -> Result<SyncFolder> {
        let (root, mut format) = read_format(shared)?;
        let v1_kdf = match (format.version, format.kdf.take()) {
            (1, Some(kdf)) => Some(kdf),
            (2, None) => None,
            (1 | 2, _) => return Err(damaged("FORMAT.json illisible")),
            (version, _) => return Err(Error::SyncFormat { version }),
        };
        let team = format.team;
        // A format-1 folder has no key file for epoch 1 (its key is the passphrase's own).
        let epochs: Vec<u32> = key_epochs(&root)?
            .into_iter()
            .filter(|e| *e > 1 || v1_kdf.is_none())
            .collect();
        let mut ring = Keyring::default();
        match (epochs.last().copied(), &v1_kdf) {
            // The newest key file must open with this passphrase: it gives every older key back.
            (Some(epoch), _) => {
                let Some(opened) = open_epoch(&root, epoch, passphrase, team)? else {
                    let older = match (epochs.iter().rev().nth(1), &v1_kdf) {
                        (Some(&older), _) => open_epoch(&root, older, passphrase, team)?.is_some(),
                        (None, Some(kdf)) => open_v1(&root, passphrase, team, kdf).is_ok(),
                        (None, None) => false,
                    };
                    return Err(if older {
                        Error::SyncPassphraseChanged
                    } else {
                        Error::SyncWrongPassphrase
                    });
                };
                if opened.len() != epoch as usize {
                    return Err(damaged("fichier de clé incomplet"));
                }
                for (i, key) in opened.into_iter().enumerate() {
                    ring.insert(epoch - i as u32, key);
                }
            }
            (None, Some(kdf)) => ring.insert(1, open_v1(&root, passphrase, team, kdf)?),
            (None, None) => return Err(damaged("aucun fichier de clé")),
        }
        Self::with_keys(root, &format, ring)
    }

    /// The team's keys as this device holds them, to be kept inside the encrypted notebook
    /// (see `sync::team_key`) and given back to [`SyncFolder::reopen`].
    pub(crate) fn kept_keys(&self) -> KeptKeys {
        KeptKeys {
            team: self.team,
            keys: self
                .keys
                .iter()
                .map(|(epoch, key)| (epoch, crate::hex::encode(key.as_slice())))
                .collect(),
        }
    }

    /// Opens the folder in `shared` with keys this notebook kept: no passphrase, no key
    /// derivation. Refused when the folder is another team's, or holds a key epoch newer than
    /// the kept ones (a colleague changed the passphrase: the officer must type the new one).
    pub(crate) fn reopen(shared: &Path, kept: &KeptKeys) -> Result<SyncFolder> {
        let (root, format) = read_format(shared)?;
        if !matches!(format.version, 1 | 2) {
            return Err(Error::SyncFormat {
                version: format.version,
            });
        }
        if format.team != kept.team {
            return Err(Error::SyncOtherTeam);
        }
        let mut ring = Keyring::default();
        for (epoch, hex) in &kept.keys {
            let bytes = crate::hex::decode(hex)
                .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
                .ok_or_else(|| damaged("clés de l'équipe gardées illisibles"))?;
            ring.insert(*epoch, Zeroizing::new(bytes));
        }
        let newest_kept = ring.current().map_or(0, |(e, _)| e);
        if key_epochs(&root)?.last().is_some_and(|&e| e > newest_kept) {
            return Err(Error::SyncPassphraseChanged);
        }
        Self::with_keys(root, &format, ring)
    }

    /// The open folder, once its keys are known (they must include epoch 1's).
    fn with_keys(root: PathBuf, format: &FormatFile, keys: Keyring) -> Result<SyncFolder> {
        let first = keys
            .get(1)
            .ok_or_else(|| damaged("clé de la première époque introuvable"))?;
        let fingerprint = keys::fingerprint(first);
        Ok(SyncFolder {
            root,
            team: format.team,
            created_as: format.version,
            keys,
            fingerprint,
        })
    }

    /// The team this folder belongs to.
    pub fn team(&self) -> Uuid {
        self.team
    }

    /// The format the folder was created with: 1 for a folder made before format 2 (still
    /// read and written, in format 2, by this version), 2 otherwise.
    pub fn created_as(&self) -> u32 {
        self.created_as
    }

    /// The key epoch new segments are sealed with.
    pub fn epoch(&self) -> u32 {
        self.keys.current().map_or(1, |(e, _)| e)
    }

    /// Changes the team passphrase: a new random data key for what is written from now on,
    /// sealed (with the previous key, so older segments stay readable) under the new
    /// passphrase. Whoever knows only the old passphrase cannot read what is written next;
    /// what they copied before stays readable to them.
    pub fn change_passphrase(
        &mut self,
        new_passphrase: &str,
        secrets: &FreshSecrets,
        kdf: KdfParams,
    ) -> Result<u32> {
        let strength = passphrase::strength(new_passphrase);
        if !strength.ok {
            return Err(Error::SyncPassphraseTooWeak {
                hint: strength.hint,
            });
        }
        let (current, _) = self.keys.current().ok_or_else(|| damaged("aucune clé"))?;
        let epoch = current + 1;
        if epoch > EPOCHS_MAX {
            return Err(damaged("trop de changements de phrase de passe"));
        }
        let wrapping = keys::derive(new_passphrase, &secrets.salt, kdf)?;
        let key: Key = Zeroizing::new(secrets.key);
        let older: Vec<&Key> = (1..=current)
            .rev()
            .filter_map(|e| self.keys.get(e))
            .collect();
        if older.len() != current as usize {
            return Err(damaged("clés d'époques anciennes introuvables"));
        }
        let file =
            keys::seal_key_file(self.team, epoch, &wrapping, secrets.salt, kdf, &key, &older)?;
        let dir = self.root.join("keys");
        folder_files::ensure_dir(&dir)?;
        if folder_files::write_new(&dir.join(keys::key_file_name(epoch)), &file)?
            != Written::Created
        {
            return Err(Error::SyncPassphraseChanged);
        }
        self.keys.insert(epoch, key);
        Ok(epoch)
    }

    pub(crate) fn device_dir(&self, device: Uuid) -> PathBuf {
        self.root.join("devices").join(device.to_string())
    }
}

/// Reads and checks `FORMAT.json` of the folder in `shared`.
fn read_format(shared: &Path) -> Result<(PathBuf, FormatFile)> {
    if !shared.is_dir() {
        return Err(Error::SyncFolderMissing {
            path: shared.display().to_string(),
        });
    }
    let root = shared.join(DIR);
    if folder_files::occupied(&root) && !folder_files::is_real_dir(&root) {
        return Err(damaged(
            "« carnet-sync » n'est pas un vrai dossier (lien symbolique ?)",
        ));
    }
    let format = match folder_files::read_regular(&root.join("FORMAT.json"), SMALL_FILE_MAX) {
        Ok(bytes) => bytes,
        Err(Refused::Absent) if SyncFolder::exists(shared) => return Err(Error::SyncFormatLost),
        Err(Refused::Absent) => {
            return Err(Error::SyncNotInitialised {
                path: shared.display().to_string(),
            });
        }
        Err(Refused::Io(e)) => return Err(folder_files::io_error(&root, &e)),
        Err(other) => return Err(damaged(&format!("FORMAT.json : {}", other.reason()))),
    };
    let format: FormatFile =
        serde_json::from_slice(&format).map_err(|_| damaged("FORMAT.json illisible"))?;
    if format.format != "carnet-sync" {
        return Err(damaged("FORMAT.json illisible"));
    }
    Ok((root, format))
}

/// Opens the format-1 key: the passphrase's Argon2id, checked by `keycheck.bin`.
fn open_v1(root: &Path, passphrase: &str, team: Uuid, kdf: &KdfFile) -> Result<Key> {
    if kdf.algorithm != "argon2id" {
        return Err(damaged("FORMAT.json illisible"));
    }
    let salt = crate::hex::decode(&kdf.salt).ok_or_else(|| damaged("FORMAT.json illisible"))?;
    let params = keys::checked(KdfParams {
        m_cost_kib: kdf.m_cost_kib,
        t_cost: kdf.t_cost,
        p_cost: kdf.p_cost,
    })?;
    let keycheck = folder_files::read_regular(&root.join("keycheck.bin"), SMALL_FILE_MAX).map_err(
        |refused| match refused {
            Refused::Io(e) => folder_files::io_error(root, &e),
            other => damaged(&format!("keycheck.bin : {}", other.reason())),
        },
    )?;
    if passphrase.is_empty() {
        return Err(Error::SyncWrongPassphrase);
    }
    let key = keys::derive(passphrase, &salt, params)?;
    let Some((nonce, sealed)) = keycheck.split_at_checked(24) else {
        return Err(damaged("keycheck.bin illisible"));
    };
    let nonce = XNonce::try_from(nonce).map_err(|_| damaged("keycheck.bin illisible"))?;
    let opened = keys::cipher(&key).decrypt(
        &nonce,
        Payload {
            msg: sealed,
            aad: team.as_bytes(),
        },
    );
    if opened.as_deref() != Ok(KEYCHECK_TEXT) {
        return Err(Error::SyncWrongPassphrase);
    }
    Ok(key)
}

/// Writes the format-1 files of a folder, as a device not yet updated did (tests of the
/// migration only).
pub fn create_v1_for_tests(
    shared: &Path,
    passphrase: &str,
    salt: [u8; 16],
    team: Uuid,
    kdf: KdfParams,
) -> Result<[u8; 32]> {
    let root = shared.join(DIR);
    folder_files::ensure_dir(&root)?;
    folder_files::ensure_dir(&root.join("devices"))?;
    let key = keys::derive(passphrase, &salt, kdf)?;
    let nonce = keys::nonce_for(&[b"keycheck", &salt]);
    let sealed = keys::cipher(&key)
        .encrypt(
            &nonce,
            Payload {
                msg: KEYCHECK_TEXT,
                aad: team.as_bytes(),
            },
        )
        .unwrap_or_default();
    folder_files::write_new(
        &root.join("keycheck.bin"),
        &[nonce.as_slice(), &sealed].concat(),
    )?;
    let format = FormatFile {
        format: "carnet-sync".into(),
        version: 1,
        team,
        kdf: Some(KdfFile {
            algorithm: "argon2id".into(),
            salt: crate::hex::encode(&salt),
            m_cost_kib: kdf.m_cost_kib,
            t_cost: kdf.t_cost,
            p_cost: kdf.p_cost,
        }),
    };
    let text = serde_json::to_string_pretty(&format).unwrap_or_default();
    folder_files::write_new(&root.join("FORMAT.json"), text.as_bytes())?;
    Ok(*key)
}

/// The key epochs present in `keys/`, ascending.
fn key_epochs(root: &Path) -> Result<Vec<u32>> {
    let dir = root.join("keys");
    if !folder_files::occupied(&dir) {
        return Ok(Vec::new());
    }
    if !folder_files::is_real_dir(&dir) {
        return Err(damaged("« keys » n'est pas un vrai dossier"));
    }
    let entries = std::fs::read_dir(&dir).map_err(|e| folder_files::io_error(&dir, &e))?;
    let mut epochs: Vec<u32> = entries
        .flatten()
        .filter_map(|e| keys::key_file_epoch(e.file_name().to_str()?))
        .filter(|e| (1..=EPOCHS_MAX).contains(e))
        .collect();
    epochs.sort_unstable();
    Ok(epochs)
}

fn read_key_file(root: &Path, epoch: u32) -> Result<Vec<u8>> {
    let path = root.join("keys").join(keys::key_file_name(epoch));
    folder_files::read_regular(&path, keys::KEY_FILE_MAX).map_err(|refused| match refused {
        Refused::Io(e) => folder_files::io_error(&path, &e),
        other => damaged(&format!("fichier de clé {epoch} : {}", other.reason())),
    })
}

/// Opens the key file of `epoch` with the passphrase: `None` if it is not this epoch's.
fn open_epoch(root: &Path, epoch: u32, passphrase: &str, team: Uuid) -> Result<Option<Vec<Key>>> {
    let bytes = read_key_file(root, epoch)?;
    let (salt, kdf) = keys::key_file_kdf(&bytes, epoch)?;
    let wrapping = keys::derive(passphrase, &salt, kdf)?;
    Ok(keys::open_key_file(&bytes, team, &wrapping))
}
