//! The team's keys: derived from the passphrase, wrapped, rotated, and checked before any use.
//!
//! Why a random data key wrapped by the passphrase (format 2): the passphrase can then change
//! without re-encrypting anything, and whoever knows only the old passphrase cannot read what is
//! written next. Each passphrase change starts a new key *epoch*: `keys/<epoch:06>.key` holds
//! the new data key and the previous one, sealed under a key derived from the new passphrase
//! with its own salt. Opening the newest key file therefore gives every key back to the first.
//! A folder made by format 1 has no key file for epoch 1: its key is the passphrase's Argon2id
//! itself, from `FORMAT.json`, so its segments stay readable without any rewriting.
//!
//! What is guaranteed: key-derivation costs read from the folder are accepted only within fixed
//! ranges (nothing unauthenticated can make a device hang or allocate gigabytes); a key file is
//! bound to its team and epoch (authenticated header); keys are zeroized when dropped.

use std::collections::BTreeMap;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

pub use crate::kdf::KdfParams;
pub(crate) use crate::kdf::Key;

/// The cost a folder asks for, refused (as a damaged folder) outside the fixed limits.
pub(crate) fn checked(kdf: KdfParams) -> Result<KdfParams> {
    if kdf.within_limits() {
        Ok(kdf)
    } else {
        Err(damaged("coûts de dérivation hors limites"))
    }
}

/// A folder whose shared files make no sense.
pub(crate) fn damaged(reason: &str) -> Error {
    Error::SyncDamaged {
        reason: reason.to_string(),
    }
}

/// Argon2id of the passphrase with `salt`, refused as a damaged folder outside the limits.
pub(crate) fn derive(passphrase: &str, salt: &[u8], kdf: KdfParams) -> Result<Key> {
    let kdf = checked(kdf)?;
    crate::kdf::derive(passphrase, salt, kdf)
        .ok_or_else(|| damaged("coûts de dérivation invalides"))
}

/// The AEAD for one key.
pub(crate) fn cipher(key: &Key) -> XChaCha20Poly1305 {
    // A 32-byte key always fits.
    XChaCha20Poly1305::new_from_slice(key.as_slice()).expect("32-byte key")
}

/// Seals `plain` under `key` (XChaCha20-Poly1305) with `nonce` and associated data `aad`:
/// ciphertext then tag. The one place Carnet's sync encrypts. The cipher only refuses a
/// message longer than 256 GiB, far beyond any segment; should it ever refuse, the error goes
/// up and nothing is written (never an empty ciphertext in the folder).
pub(crate) fn seal(key: &Key, nonce: &XNonce, plain: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
    cipher(key)
        .encrypt(nonce, Payload { msg: plain, aad })
        .map_err(|_| crate::Error::EncryptionFailed)
}

/// Opens what [`seal`] sealed: the plaintext, or `None` if it does not authenticate.
pub(crate) fn open(key: &Key, nonce: &XNonce, sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
    cipher(key)
        .decrypt(nonce, Payload { msg: sealed, aad })
        .ok()
}

/// A nonce derived from labelled parts (each prefixed by its length): deterministic, so the
/// same content gives the same bytes, and distinct for distinct content.
pub(crate) fn nonce_for(parts: &[&[u8]]) -> XNonce {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    let digest = hash.finalize();
    let mut nonce = XNonce::default();
    nonce.copy_from_slice(&digest[..24]);
    nonce
}

/// A short public fingerprint of the epoch-1 key: what a notebook remembers to recognise its
/// team's folder (it reveals nothing of the key).
pub(crate) fn fingerprint(key: &Key) -> String {
    let digest = Sha256::digest([b"carnet-sync fingerprint v1".as_slice(), key.as_ref()].concat());
    crate::hex::encode(&digest[..16])
}

/// Every key of the team this device could open, by epoch.
#[derive(Default)]
pub(crate) struct Keyring {
    keys: BTreeMap<u32, Key>,
}

impl Keyring {
    pub fn insert(&mut self, epoch: u32, key: Key) {
        self.keys.insert(epoch, key);
    }

    pub fn get(&self, epoch: u32) -> Option<&Key> {
        self.keys.get(&epoch)
    }

    /// Every epoch and its key, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Key)> {
        self.keys.iter().map(|(e, k)| (*e, k))
    }

    /// The newest epoch and its key: what new segments are sealed with.
    pub fn current(&self) -> Option<(u32, &Key)> {
        self.keys.iter().next_back().map(|(e, k)| (*e, k))
    }
}

const KEY_MAGIC: &[u8; 8] = b"CRNTKEY2";
const KEY_HEADER_LEN: usize = 8 + 4 + 16 + 4 + 4 + 4 + 24;
/// Most key epochs a folder may have (one per passphrase change).
pub(crate) const EPOCHS_MAX: u32 = 1000;
/// Largest key file accepted (header, one key per epoch, tag).
pub(crate) const KEY_FILE_MAX: u64 = (KEY_HEADER_LEN as u64) + 32 * (EPOCHS_MAX as u64) + 16;

/// `keys/<epoch:06>.key`, as a file name.
pub(crate) fn key_file_name(epoch: u32) -> String {
    format!("{epoch:06}.key")
}

/// The epoch of a key file name, if it is one.
pub(crate) fn key_file_epoch(name: &str) -> Option<u32> {
    let digits = name.strip_suffix(".key")?;
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// Seals the key of `epoch` and every older key, newest first (so that the new passphrase
/// reads the older segments too), under the passphrase.
pub(crate) fn seal_key_file(
    team: Uuid,
    epoch: u32,
    passphrase_key: &Key,
    salt: [u8; 16],
    kdf: KdfParams,
    key: &Key,
    older: &[&Key],
) -> Result<Vec<u8>> {
    let mut header = Vec::with_capacity(KEY_HEADER_LEN);
    header.extend_from_slice(KEY_MAGIC);
    header.extend_from_slice(&epoch.to_be_bytes());
    header.extend_from_slice(&salt);
    header.extend_from_slice(&kdf.m_cost_kib.to_be_bytes());
    header.extend_from_slice(&kdf.t_cost.to_be_bytes());
    header.extend_from_slice(&kdf.p_cost.to_be_bytes());
    let nonce = nonce_for(&[b"key file", team.as_bytes(), &epoch.to_be_bytes(), &salt]);
    header.extend_from_slice(&nonce);
    let mut plain = Zeroizing::new(key.to_vec());
    for previous in older {
        plain.extend_from_slice(previous.as_ref());
    }
    let aad = [header.as_slice(), team.as_bytes()].concat();
    let sealed = seal(passphrase_key, &nonce, &plain, &aad)?;
    header.extend_from_slice(&sealed);
    Ok(header)
}

/// The salt and costs a key file asks for, checked against the fixed ranges.
pub(crate) fn key_file_kdf(bytes: &[u8], epoch: u32) -> Result<([u8; 16], KdfParams)> {
    if bytes.len() < KEY_HEADER_LEN || &bytes[..8] != KEY_MAGIC {
        return Err(damaged("fichier de clé illisible"));
    }
    let u32_at =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    if u32_at(8) != epoch {
        return Err(damaged("fichier de clé mal nommé"));
    }
    let mut salt = [0u8; 16];
    salt.copy_from_slice(&bytes[12..28]);
    let kdf = checked(KdfParams {
        m_cost_kib: u32_at(28),
        t_cost: u32_at(32),
        p_cost: u32_at(36),
    })?;
    Ok((salt, kdf))
}

/// Opens a key file with the key derived from the passphrase: `None` if the passphrase is not
/// this epoch's; the keys of its epoch and of every older one otherwise, newest first.
pub(crate) fn open_key_file(bytes: &[u8], team: Uuid, passphrase_key: &Key) -> Option<Vec<Key>> {
    let (header, sealed) = bytes.split_at_checked(KEY_HEADER_LEN)?;
    let nonce = XNonce::try_from(&header[40..64]).ok()?;
    let aad = [header, team.as_bytes()].concat();
    let plain = Zeroizing::new(open(passphrase_key, &nonce, sealed, &aad)?);
    if plain.is_empty() || !plain.len().is_multiple_of(32) {
        return None;
    }
    Some(
        plain
            .chunks_exact(32)
            .map(|chunk| {
                let mut key = Zeroizing::new([0u8; 32]);
                key.copy_from_slice(chunk);
                key
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_outside_the_fixed_ranges_are_refused_before_deriving() {
        for kdf in [
            KdfParams {
                m_cost_kib: 4 << 20,
                t_cost: 3,
                p_cost: 1,
            },
            KdfParams {
                m_cost_kib: 65536,
                t_cost: 1_000_000,
                p_cost: 1,
            },
            KdfParams {
                m_cost_kib: 65536,
                t_cost: 3,
                p_cost: 64,
            },
            KdfParams {
                m_cost_kib: 0,
                t_cost: 0,
                p_cost: 0,
            },
        ] {
            assert_eq!(
                derive("x", &[0; 16], kdf).unwrap_err().kind(),
                "sync_damaged"
            );
        }
        assert!(derive("x", &[0; 16], KdfParams::FAST_FOR_TESTS).is_ok());
        assert!(checked(KdfParams::STANDARD).is_ok());
    }

    #[test]
    fn a_key_file_opens_with_its_passphrase_only_and_links_to_the_previous_key() {
        let team = Uuid::from_u128(5);
        let pass = derive("bonne phrase", &[1; 16], KdfParams::FAST_FOR_TESTS).unwrap();
        let other = derive("autre phrase", &[1; 16], KdfParams::FAST_FOR_TESTS).unwrap();
        let (new, old) = (Zeroizing::new([9u8; 32]), Zeroizing::new([8u8; 32]));
        let file = seal_key_file(
            team,
            2,
            &pass,
            [1; 16],
            KdfParams::FAST_FOR_TESTS,
            &new,
            &[&old],
        )
        .unwrap();
        assert!((file.len() as u64) <= KEY_FILE_MAX);
        let got = open_key_file(&file, team, &pass).unwrap();
        assert_eq!((*got[0], *got[1]), (*new, *old));
        assert!(open_key_file(&file, team, &other).is_none());
        assert!(open_key_file(&file, Uuid::from_u128(6), &pass).is_none());
        assert_eq!(key_file_kdf(&file, 2).unwrap().1, KdfParams::FAST_FOR_TESTS);
        assert!(key_file_kdf(&file, 3).is_err());
    }
}
