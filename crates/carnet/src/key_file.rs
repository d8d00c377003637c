//! The notebook's key file, beside the notebook (`carnet.db.key`): the notebook's raw key
//! sealed twice, under a key derived from the officer's passphrase (Argon2id) and under the
//! recovery key printed at creation.
//!
//! Why a file of wrapped keys rather than the page cipher's passphrase mode: changing the passphrase
//! rewrites this small file and never re-encrypts the notebook; the recovery key opens the same
//! notebook without anyone knowing the passphrase; and the cost of deriving the passphrase is
//! Carnet's choice (about half a second), not the cipher library's on every open.
//!
//! What is guaranteed: nothing in the file is usable without the passphrase or the recovery
//! key (XChaCha20-Poly1305, bound to its purpose by associated data); a wrong passphrase and a
//! wrong recovery key are told apart from a damaged file; the derivation cost read from the
//! file is bounded; the file is written whole or not at all, readable by the officer's account
//! only; every secret is zeroized when dropped. The random bytes (salt, nonces, keys) come from
//! the caller, as the engine never reads global state.

use std::path::{Path, PathBuf};

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::kdf::{KdfParams, Key};
use crate::notebook_key::NotebookKey;

/// The largest key file read (a real one is under 1 KB).
const FILE_MAX: u64 = 16 * 1024;
const FORMAT: u32 = 1;
const BY_PASSPHRASE: &[u8] = b"carnet notebook key v1: passphrase";
const BY_RECOVERY: &[u8] = b"carnet notebook key v1: recovery key";

/// The key file's name for the notebook at `notebook`.
pub fn path_for(notebook: &Path) -> PathBuf {
    crate::notebook_key::beside(notebook, "key")
}

/// The fresh random bytes a new (or rewrapped) key file needs, from the OS's random source.
pub struct Randomness {
    pub salt: [u8; 16],
    pub passphrase_nonce: [u8; 24],
    pub recovery_nonce: [u8; 24],
}

impl Randomness {
    /// Salt and nonces filled by `fill`: the front end's random source (the system's), as
    /// the engine draws no randomness itself.
    pub fn drawn<E>(fill: &mut dyn FnMut(&mut [u8]) -> Result<(), E>) -> Result<Randomness, E> {
        let mut random = Randomness {
            salt: [0; 16],
            passphrase_nonce: [0; 24],
            recovery_nonce: [0; 24],
        };
        fill(&mut random.salt)?;
        fill(&mut random.passphrase_nonce)?;
        fill(&mut random.recovery_nonce)?;
        Ok(random)
    }
}

/// A recovery key: 256 random bits, shown once as 13 groups of 4 characters
/// (`7K2M-…`, Crockford's base 32: no I, L, O or U to misread).
pub struct RecoveryKey(Zeroizing<[u8; 32]>);

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl RecoveryKey {
    pub fn from_bytes(bytes: [u8; 32]) -> RecoveryKey {
        RecoveryKey(Zeroizing::new(bytes))
    }

    /// A new recovery key of 32 bytes filled by `fill` (the front end's random source).
    pub fn drawn<E>(fill: &mut dyn FnMut(&mut [u8]) -> Result<(), E>) -> Result<RecoveryKey, E> {
        let mut key = RecoveryKey(Zeroizing::new([0; 32]));
        fill(key.0.as_mut_slice())?;
        Ok(key)
    }

    /// The key as printed on the recovery sheet.
    pub fn display(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(64));
        let mut bits: u32 = 0;
        let mut held = 0;
        let mut written = 0;
        let mut push = |c: u8, out: &mut String| {
            if written > 0 && written % 4 == 0 {
                out.push('-');
            }
            out.push(char::from(c));
            written += 1;
        };
        for byte in self.0.iter() {
            bits = (bits << 8) | u32::from(*byte);
            held += 8;
            while held >= 5 {
                held -= 5;
                push(CROCKFORD[((bits >> held) & 31) as usize], &mut out);
            }
        }
        if held > 0 {
            push(CROCKFORD[((bits << (5 - held)) & 31) as usize], &mut out);
        }
        out
    }

    /// Reads a recovery key as typed: case, spaces and dashes aside, O read as 0 and I or L
    /// as 1. `None` when it is not 52 such characters.
    pub fn parse(text: &str) -> Option<RecoveryKey> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        let mut bits: u32 = 0;
        let mut held = 0;
        let mut at = 0;
        let mut count = 0;
        for c in text.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            let value = CROCKFORD.iter().position(|&x| char::from(x) == c)? as u32;
            count += 1;
            if count > 52 {
                return None;
            }
            bits = (bits << 5) | value;
            held += 5;
            if held >= 8 {
                held -= 8;
                if at < 32 {
                    bytes[at] = (bits >> held) as u8;
                    at += 1;
                }
            }
        }
        (count == 52 && at == 32).then(|| RecoveryKey(bytes))
    }

    fn wrapping_key(&self) -> Key {
        let digest = Sha256::new()
            .chain_update(b"carnet recovery key v1")
            .chain_update(self.0.as_slice())
            .finalize();
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&digest);
        key
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Sealed {
    nonce: String,
    sealed: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    format: u32,
    kdf: KdfParams,
    salt: String,
    by_passphrase: Sealed,
    by_recovery: Sealed,
}

/// Refuses a notebook passphrase below the 80-bit rule, with the hint that says why.
pub fn require_strong(passphrase: &str) -> Result<()> {
    let strength = crate::sync::passphrase::strength(passphrase);
    if strength.ok {
        Ok(())
    } else {
        Err(Error::NotebookPassphraseTooWeak {
            hint: strength.hint,
        })
    }
}

/// A notebook's key file, read or made.
#[derive(Debug, Clone)]
pub struct KeyFile {
    stored: Stored,
}

impl KeyFile {
    /// Seals `key` under `passphrase` (which must meet the 80-bit rule) and `recovery`.
    pub fn create(
        key: &NotebookKey,
        passphrase: &str,
        recovery: &RecoveryKey,
        random: &Randomness,
        kdf: KdfParams,
    ) -> Result<KeyFile> {
        require_strong(passphrase)?;
        let by_passphrase = seal_with_passphrase(key, passphrase, random, kdf)?;
        let by_recovery = seal(
            &recovery.wrapping_key(),
            &random.recovery_nonce,
            BY_RECOVERY,
            key,
        )?;
        Ok(KeyFile {
            stored: Stored {
                format: FORMAT,
                kdf,
                salt: b64(&random.salt),
                by_passphrase,
                by_recovery,
            },
        })
    }

    /// The notebook's key, from the officer's passphrase.
    pub fn open_with_passphrase(&self, passphrase: &str) -> Result<NotebookKey> {
        let salt = unb64(&self.stored.salt).ok_or_else(damaged)?;
        let wrapping =
            crate::kdf::derive(passphrase, &salt, self.stored.kdf).ok_or_else(damaged)?;
        open(&wrapping, &self.stored.by_passphrase, BY_PASSPHRASE)
            .ok_or(Error::WrongNotebookPassphrase)
    }

    /// The notebook's key, from the recovery key as typed.
    pub fn open_with_recovery_key(&self, typed: &str) -> Result<NotebookKey> {
        let recovery = RecoveryKey::parse(typed).ok_or(Error::RecoveryKeyMalformed)?;
        open(
            &recovery.wrapping_key(),
            &self.stored.by_recovery,
            BY_RECOVERY,
        )
        .ok_or(Error::WrongRecoveryKey)
    }

    /// The same file with `key` sealed under a new passphrase (the recovery key still opens
    /// it; the notebook itself is not re-encrypted).
    pub fn with_new_passphrase(
        &self,
        key: &NotebookKey,
        new_passphrase: &str,
        random: &Randomness,
        kdf: KdfParams,
    ) -> Result<KeyFile> {
        require_strong(new_passphrase)?;
        let mut stored = self.stored.clone();
        stored.kdf = kdf;
        stored.salt = b64(&random.salt);
        stored.by_passphrase = seal_with_passphrase(key, new_passphrase, random, kdf)?;
        Ok(KeyFile { stored })
    }

    /// The same file with `key` sealed under a new recovery key (the old one no longer opens).
    pub fn with_new_recovery_key(
        &self,
        key: &NotebookKey,
        recovery: &RecoveryKey,
        random: &Randomness,
    ) -> Result<KeyFile> {
        let mut stored = self.stored.clone();
        stored.by_recovery = seal(
            &recovery.wrapping_key(),
            &random.recovery_nonce,
            BY_RECOVERY,
            key,
        )?;
        Ok(KeyFile { stored })
    }

    /// Writes the file whole (owner-only), replacing any previous one only once complete.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(&self.stored).map_err(|_| damaged())?;
        crate::atomic_file::write(path, &json)
    }

    /// Reads a key file, refusing a damaged one before any work.
    pub fn load(path: &Path) -> Result<KeyFile> {
        let bytes = read_bounded(path)?;
        let stored: Stored = serde_json::from_slice(&bytes).map_err(|_| damaged())?;
        if stored.format != FORMAT || !stored.kdf.within_limits() {
            return Err(damaged());
        }
        Ok(KeyFile { stored })
    }
}

fn seal_with_passphrase(
    key: &NotebookKey,
    passphrase: &str,
    random: &Randomness,
    kdf: KdfParams,
) -> Result<Sealed> {
    let wrapping = crate::kdf::derive(passphrase, &random.salt, kdf).ok_or_else(damaged)?;
    seal(&wrapping, &random.passphrase_nonce, BY_PASSPHRASE, key)
}

fn seal(wrapping: &Key, nonce: &[u8; 24], purpose: &[u8], key: &NotebookKey) -> Result<Sealed> {
    let sealed = cipher(wrapping)
        .encrypt(
            &xnonce(nonce),
            Payload {
                msg: key.as_bytes(),
                aad: purpose,
            },
        )
        .map_err(|_| damaged())?;
    Ok(Sealed {
        nonce: b64(nonce),
        sealed: b64(&sealed),
    })
}

fn open(wrapping: &Key, sealed: &Sealed, purpose: &[u8]) -> Option<NotebookKey> {
    let nonce = unb64(&sealed.nonce).filter(|n| n.len() == 24)?;
    let ciphertext = unb64(&sealed.sealed)?;
    let plain = Zeroizing::new(
        cipher(wrapping)
            .decrypt(
                &xnonce(&nonce),
                Payload {
                    msg: &ciphertext,
                    aad: purpose,
                },
            )
            .ok()?,
    );
    let bytes: [u8; 32] = plain.as_slice().try_into().ok()?;
    Some(NotebookKey::from_bytes(bytes))
}

fn xnonce(bytes: &[u8]) -> XNonce {
    let mut nonce = XNonce::default();
    nonce.copy_from_slice(bytes);
    nonce
}

fn cipher(key: &Key) -> XChaCha20Poly1305 {
    // A 32-byte key always fits.
    XChaCha20Poly1305::new_from_slice(key.as_slice()).expect("32-byte key")
}

fn read_bounded(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let missing = || Error::KeyFileMissing {
        path: path.display().to_string(),
    };
    let file = std::fs::File::open(path).map_err(|_| missing())?;
    let mut bytes = Vec::new();
    file.take(FILE_MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(|_| missing())?;
    if bytes.len() as u64 > FILE_MAX {
        return Err(damaged());
    }
    Ok(bytes)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

fn damaged() -> Error {
    Error::KeyFileDamaged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recovery_key_is_read_back_as_printed_or_typed_loosely() {
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37).wrapping_add(11);
        }
        let key = RecoveryKey::from_bytes(bytes);
        let shown = key.display();
        assert_eq!(shown.len(), 52 + 12, "{}", &*shown);
        assert_eq!(shown.matches('-').count(), 12);
        let back = RecoveryKey::parse(&shown).unwrap();
        assert_eq!(*back.0, bytes);
        let loose = shown.to_lowercase().replace('-', " ").replace('0', "o");
        assert_eq!(*RecoveryKey::parse(&loose).unwrap().0, bytes);
        assert!(RecoveryKey::parse(&shown[..40]).is_none());
        assert!(RecoveryKey::parse(&format!("{}U", &shown[..63])).is_none());
    }
}
