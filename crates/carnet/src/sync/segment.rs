//! The bytes of one segment file: header, encryption, authentication.
//!
//! Why its own file: the byte format changes for other reasons than the protocol around it
//! (automerge keeps `storage/` apart from `sync/` for the same reason). Four versions are
//! read: format 1 (header with the change count in clear, key derived from the passphrase),
//! format 2 (key epoch in the header; the device's name, the change count, the digest of the
//! previous segment and what the writer had seen are inside the encryption), format 3
//! (format 2's header; a compressed payload with person blocks, see `payload`) and format 4
//! (the same, person blocks in binary after the compressed part). Only format 4 is written.
//! The layouts are in `docs/sync-format.md`.
//!
//! What is guaranteed: a segment opens only if its header names the device and number it was
//! found under, its length is exact, and its tag verifies under the team's key for its epoch
//! with the header and the team id as associated data; the same content always gives the same
//! bytes (the nonce is derived from the content), so an export repeated after a crash is
//! recognised byte for byte.

use chacha20poly1305::XNonce;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::keys::{self, Key, Keyring};
use super::refusal::Refusal;

const MAGIC_V1: &[u8; 8] = b"CRNTSEG1";
const MAGIC_V2: &[u8; 8] = b"CRNTSEG2";
const MAGIC_V3: &[u8; 8] = b"CRNTSEG3";
const MAGIC_V4: &[u8; 8] = b"CRNTSEG4";
/// What every format's magic starts with: a later format is told apart from junk.
const MAGIC_PREFIX: &[u8; 7] = b"CRNTSEG";
/// Every version has a 66-byte header.
pub(crate) const HEADER_LEN: usize = 66;
/// Largest segment file read: export cuts segments well below it (see `export`), so anything
/// bigger is junk, refused before reading.
pub(crate) const FILE_MAX: u64 = 64 << 20;

/// The decrypted plaintext of a segment and which format it was.
pub(crate) struct Opened {
    pub version: u16,
    pub plain: Vec<u8>,
}

/// Which of the epoch-keyed formats a segment is sealed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// What a device of the previous version writes (tests use it to act as a team member
    /// sealing whatever they like).
    V2,
    /// What this version writes: `payload::encode_v4`'s payload.
    V4,
}

/// Seals a segment of format 2 or 4 under the team key of `epoch`.
pub(crate) fn seal(
    format: Format,
    team: Uuid,
    (epoch, key): (u32, &Key),
    device: Uuid,
    seq: u64,
    plain: &[u8],
) -> crate::error::Result<Vec<u8>> {
    let (label, magic, version): (&[u8], _, u16) = match format {
        Format::V2 => (b"segment v2", MAGIC_V2, 2),
        Format::V4 => (b"segment v4", MAGIC_V4, 4),
    };
    let nonce = keys::nonce_for(&[
        label,
        device.as_bytes(),
        &seq.to_be_bytes(),
        &epoch.to_be_bytes(),
        &Sha256::digest(plain),
    ]);
    seal_with(
        team,
        key,
        (magic, version),
        (device, seq, epoch),
        nonce,
        plain,
    )
}

/// Seals a format-1 segment: what a device not yet updated writes (the migration test), and
/// how a device re-creates, byte for byte, one of its own format-1 segments that left the
/// folder.
pub fn seal_v1(
    team: Uuid,
    key: &[u8; 32],
    device: Uuid,
    seq: u64,
    count: u32,
    plain: &[u8],
) -> crate::error::Result<Vec<u8>> {
    let key: Key = zeroize::Zeroizing::new(*key);
    let nonce = keys::nonce_for(&[
        b"segment",
        device.as_bytes(),
        &seq.to_be_bytes(),
        &Sha256::digest(plain),
    ]);
    seal_with(
        team,
        &key,
        (MAGIC_V1, 1),
        (device, seq, count),
        nonce,
        plain,
    )
}

/// The header (magic, version, device, number, the word at offset 34 — key epoch in format 2,
/// change count in format 1 —, sealed length, nonce) followed by the payload sealed with the
/// header and the team id as associated data.
fn seal_with(
    team: Uuid,
    key: &Key,
    (magic, version): (&[u8; 8], u16),
    (device, seq, word): (Uuid, u64, u32),
    nonce: XNonce,
    plain: &[u8],
) -> crate::error::Result<Vec<u8>> {
    let sealed_len = plain.len() + 16;
    let mut bytes = Vec::with_capacity(HEADER_LEN + sealed_len);
    bytes.extend_from_slice(magic);
    bytes.extend_from_slice(&version.to_be_bytes());
    bytes.extend_from_slice(device.as_bytes());
    bytes.extend_from_slice(&seq.to_be_bytes());
    bytes.extend_from_slice(&word.to_be_bytes());
    bytes.extend_from_slice(&(sealed_len as u32).to_be_bytes());
    bytes.extend_from_slice(&nonce);
    let aad = [bytes.as_slice(), team.as_bytes()].concat();
    bytes.extend_from_slice(&keys::seal(key, &nonce, plain, &aad)?);
    Ok(bytes)
}

/// Verifies and decrypts the segment found as `(device, seq)`; the reason in French otherwise.
pub(crate) fn open(
    team: Uuid,
    keyring: &Keyring,
    bytes: &[u8],
    device: Uuid,
    seq: u64,
) -> Result<Opened, Refusal> {
    let Some((header, sealed)) = bytes.split_at_checked(HEADER_LEN) else {
        return Err(Refusal::Truncated);
    };
    let version = match &header[..8] {
        m if m == MAGIC_V1 => 1,
        m if m == MAGIC_V2 => 2,
        m if m == MAGIC_V3 => 3,
        m if m == MAGIC_V4 => 4,
        m if m.starts_with(MAGIC_PREFIX) => {
            return Err(Refusal::UnknownFormat(u16::from_be_bytes([
                header[8], header[9],
            ])));
        }
        _ => return Err(Refusal::NotASegment),
    };
    let stated = u16::from_be_bytes([header[8], header[9]]);
    if stated != version {
        return Err(Refusal::UnknownFormat(stated));
    }
    let u32_at = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let in_device = Uuid::from_slice(&header[10..26]).map_err(|_| Refusal::UnreadableHeader)?;
    let mut seq_bytes = [0u8; 8];
    seq_bytes.copy_from_slice(&header[26..34]);
    let in_seq = u64::from_be_bytes(seq_bytes);
    if in_device != device || in_seq != seq {
        return Err(Refusal::HeaderMismatch);
    }
    let epoch = if version == 1 { 1 } else { u32_at(34) };
    let sealed_len = u32_at(38) as usize;
    if sealed.len() != sealed_len {
        return Err(Refusal::Incomplete);
    }
    let Some(key) = keyring.get(epoch) else {
        return Err(Refusal::UnknownEpoch(epoch));
    };
    let aad = [header, team.as_bytes()].concat();
    let nonce = XNonce::try_from(&header[42..66]).map_err(|_| Refusal::UnreadableHeader)?;
    let plain = keys::open(key, &nonce, sealed, &aad).ok_or(Refusal::Altered)?;
    Ok(Opened { version, plain })
}

/// Is this a segment name we wrote (`000000000042.seg`)? Temporary files, syncer conflict
/// copies ("(conflicted copy)", ".sync-conflict-", "Copie de", "~"…) never are.
pub(crate) fn number_of(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".seg")?;
    if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The file name of segment `seq`.
pub(crate) fn file_name(seq: u64) -> String {
    format!("{seq:012}.seg")
}
