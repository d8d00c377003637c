//! The ways into an encrypted notebook, the same for the command line and the desktop:
//! create one, encrypt a plaintext one, find the key from the passphrase or the recovery key,
//! change the passphrase, make a new recovery key.
//!
//! Why one module: each way has an order that keeps the officer from losing her notebook (the
//! key file is written before the notebook it opens; a new recovery sheet is written before the
//! key file that needs it; a recovery key is proven to open the notebook before anything is
//! rewritten), and two front ends must not each get that order right on their own. Prompts,
//! windows and the system's random source stay with the front ends: the fresh keys, salts and
//! nonces come in as [`NewKeys`] and [`Randomness`].

use std::path::Path;

use uuid::Uuid;

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::kdf::KdfParams;
use crate::key_file::{self, KeyFile, Randomness, RecoveryKey};
use crate::notebook_key::{FileKind, NotebookKey, file_kind};
use crate::store::Store;

/// What is at a notebook's path, once an interrupted conversion is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotebookState {
    /// No notebook yet: the first start.
    Missing,
    /// A notebook from before encryption: it is converted once the officer chose a passphrase.
    Plaintext,
    /// An encrypted notebook: its key comes from the passphrase or the recovery key.
    Encrypted,
}

/// Fresh secrets for a new key file: the notebook's key, the recovery key, and the salt and
/// nonces that seal them.
pub struct NewKeys {
    pub key: NotebookKey,
    pub recovery: RecoveryKey,
    pub randomness: Randomness,
}

impl NewKeys {
    /// Fresh keys, salt and nonces filled by `fill` (the front end's random source).
    pub fn drawn<E>(fill: &mut dyn FnMut(&mut [u8]) -> Result<(), E>) -> Result<NewKeys, E> {
        let mut key = zeroize::Zeroizing::new([0u8; 32]);
        fill(key.as_mut_slice())?;
        Ok(NewKeys {
            key: NotebookKey::from_bytes(*key),
            recovery: RecoveryKey::drawn(fill)?,
            randomness: Randomness::drawn(fill)?,
        })
    }
}

/// Settles what an interrupted conversion left beside `path`, then says what is there.
pub fn state(path: &Path) -> Result<NotebookState> {
    // A conversion interrupted after the rename of the plaintext file may have left only its
    // second name: `finish_interrupted` puts it back before anything is looked at.
    crate::conversion::finish_interrupted(path)?;
    if !path.exists() {
        return Ok(NotebookState::Missing);
    }
    match file_kind(path).map_err(|e| cannot_open(path, &e))? {
        FileKind::Encrypted => Ok(NotebookState::Encrypted),
        FileKind::Plaintext => Ok(NotebookState::Plaintext),
        FileKind::Other => Err(Error::NotACarnetDatabase),
    }
}

/// Refuses, with the error that says what to do, a notebook at `path` that is not in the
/// `wanted` state (no notebook, already encrypted, not yet encrypted).
pub fn require(path: &Path, wanted: NotebookState) -> Result<()> {
    match (state(path)?, wanted) {
        (found, wanted) if found == wanted => Ok(()),
        (NotebookState::Missing, _) => Err(Error::NoDatabase {
            path: path.display().to_string(),
        }),
        (_, NotebookState::Missing) => Err(Error::DatabaseExists {
            path: path.display().to_string(),
        }),
        (NotebookState::Encrypted, _) => Err(Error::NotebookAlreadyEncrypted),
        (NotebookState::Plaintext, _) => Err(Error::NotebookNotEncrypted),
    }
}

/// The key file of the encrypted notebook at `path`, read and checked (before any passphrase
/// is asked for it).
pub fn key_file(path: &Path) -> Result<KeyFile> {
    require(path, NotebookState::Encrypted)?;
    KeyFile::load(&key_file::path_for(path))
}

/// Creates an encrypted notebook at `path` for `device`, with its key file sealed under
/// `passphrase` (which must meet the 80-bit rule) and the recovery key of `keys`.
pub fn create(
    path: &Path,
    passphrase: &str,
    keys: &NewKeys,
    device: Uuid,
    clock: Box<dyn Clock>,
) -> Result<Store> {
    if path.exists() {
        return Err(Error::DatabaseExists {
            path: path.display().to_string(),
        });
    }
    let file = sealed(passphrase, keys)?;
    // The key file first: a notebook is never left without its way in (and a notebook that
    // could not be created leaves no key file behind).
    let key_path = key_file::path_for(path);
    file.save(&key_path)?;
    Store::init_with(path, device, Some(&keys.key), clock).inspect_err(|_| {
        let _ = std::fs::remove_file(&key_path);
    })
}

/// Encrypts the plaintext notebook at `path` under a passphrase chosen now (see
/// `conversion`): on return it is encrypted and no plaintext copy remains.
pub fn encrypt(path: &Path, passphrase: &str, keys: &NewKeys, clock: Box<dyn Clock>) -> Result<()> {
    require(path, NotebookState::Plaintext)?;
    let file = sealed(passphrase, keys)?;
    let key_path = key_file::path_for(path);
    crate::conversion::encrypt(path, &keys.key, clock, || file.save(&key_path))
}

/// The key of the encrypted notebook at `path`, from the officer's passphrase.
pub fn key_from_passphrase(path: &Path, passphrase: &str) -> Result<NotebookKey> {
    key_file(path)?.open_with_passphrase(passphrase)
}

/// The key of the encrypted notebook at `path`, from the recovery key as typed, proven to open
/// the notebook.
pub fn key_from_recovery_key(
    path: &Path,
    typed: &str,
    clock: Box<dyn Clock>,
) -> Result<NotebookKey> {
    let key = key_file(path)?.open_with_recovery_key(typed)?;
    drop(Store::open_with(path, Some(&key), clock)?);
    Ok(key)
}

/// Seals the notebook's `key` under a new passphrase (the notebook is not re-encrypted; the
/// recovery key stays valid; the old passphrase no longer opens it).
pub fn change_passphrase(
    path: &Path,
    key: &NotebookKey,
    new_passphrase: &str,
    randomness: &Randomness,
) -> Result<()> {
    let file = key_file(path)?;
    file.with_new_passphrase(key, new_passphrase, randomness, KdfParams::STANDARD)?
        .save(&key_file::path_for(path))
}

/// Replaces the recovery key by `recovery`: `write_sheet` (the new printable sheet) runs first,
/// then the key file is rewritten, so the old sheet stays valid if the new one could not be
/// written. The old recovery key no longer opens the notebook afterwards.
pub fn renew_recovery_key(
    path: &Path,
    key: &NotebookKey,
    recovery: &RecoveryKey,
    randomness: &Randomness,
    write_sheet: impl FnOnce() -> Result<()>,
) -> Result<()> {
    let renewed = key_file(path)?.with_new_recovery_key(key, recovery, randomness)?;
    write_sheet()?;
    renewed.save(&key_file::path_for(path))
}

/// The key file of a new key, sealed under `passphrase` and the recovery key.
fn sealed(passphrase: &str, keys: &NewKeys) -> Result<KeyFile> {
    KeyFile::create(
        &keys.key,
        passphrase,
        &keys.recovery,
        &keys.randomness,
        KdfParams::STANDARD,
    )
}

fn cannot_open(path: &Path, e: &std::io::Error) -> Error {
    Error::CannotOpen {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// The name under which the OS keystore keeps the key of the notebook at `path` ("se souvenir
/// sur cet ordinateur"): a hash of the path, so the keystore's clear attributes name no one
/// (a Windows path holds the account's name).
pub fn keystore_account(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(path.as_os_str().as_encoded_bytes());
    format!("carnet-{}", crate::hex::encode(&digest[..12]))
}
