//! Sync through a shared folder: immutable, numbered, encrypted segments, one writer each.
//!
//! Why a folder and not a server: the officer's devices meet only through a network drive, a
//! USB key or a synced cloud folder. The database never goes there (SQLite's locks and WAL do
//! not survive it); only the change log does, as files that are written once by exactly one
//! device and never rewritten. The layout and the byte format are in `docs/sync-format.md`.
//!
//! What is guaranteed:
//! - export writes a temporary file, flushes it, links it to its final name without ever
//!   overwriting, flushes the directory, and only then marks the changes exported; after a
//!   crash the same changes give the same bytes (the nonce is derived from the content), so
//!   the segment already there is recognised;
//! - import never trusts file times nor names it does not recognise, verifies each segment
//!   (length, header, authentication tag), and applies it together with its "ingested" mark in
//!   one transaction; a bad or half-copied file is reported and retried next time, never
//!   deleted;
//! - a wrong passphrase is refused by the key check before anything is written;
//! - a database copied to another machine (same device id, different content under the same
//!   segment number) gets a new device id;
//! - changes stamped more than 24 h ahead of this device's clock are held aside and reported
//!   with the sending device's name.
//!
//! The engine reads no global state here either: salt, team id, clock and paths come in.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::changelog::{self, Change, LoggedWrite};
use crate::clock::Hlc;
use crate::digest::hex;
use crate::error::{Error, Result};
use crate::schema;
use crate::store::Store;

/// Name of Carnet's directory inside the shared folder.
pub const DIR: &str = "carnet-sync";
/// Version of the folder format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
const MAGIC: &[u8; 8] = b"CRNTSEG1";
const HEADER_LEN: usize = 8 + 2 + 16 + 8 + 4 + 4 + 24;
const KEYCHECK_TEXT: &[u8] = b"carnet-sync key check v1";
/// Changes stamped further ahead than this are held aside.
const MAX_AHEAD_MS: i64 = 24 * 3600 * 1000;

/// Cost of deriving the key from the passphrase (Argon2id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl KdfParams {
    /// For real folders: 64 MiB, 3 passes (about half a second on the officer's laptop).
    pub const STANDARD: KdfParams = KdfParams {
        m_cost_kib: 64 * 1024,
        t_cost: 3,
        p_cost: 1,
    };
    /// For tests only: as cheap as Argon2id allows.
    pub const FAST_FOR_TESTS: KdfParams = KdfParams {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };
}

#[derive(Debug, Serialize, Deserialize)]
struct FormatFile {
    format: String,
    version: u32,
    team: Uuid,
    kdf: KdfFile,
}

#[derive(Debug, Serialize, Deserialize)]
struct KdfFile {
    algorithm: String,
    salt: String,
    m_cost_kib: u32,
    t_cost: u32,
    p_cost: u32,
}

/// An open shared folder, with the team key derived from the passphrase.
pub struct SyncFolder {
    root: PathBuf,
    team: Uuid,
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SyncFolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncFolder")
            .field("root", &self.root)
            .field("team", &self.team)
            .finish_non_exhaustive()
    }
}

fn io_error(path: &Path, err: &std::io::Error) -> Error {
    let reason = match err.kind() {
        std::io::ErrorKind::PermissionDenied => {
            "accès refusé (dossier en lecture seule ?)".to_string()
        }
        std::io::ErrorKind::NotFound => {
            "introuvable (clé USB retirée, lecteur réseau déconnecté ?)".to_string()
        }
        std::io::ErrorKind::StorageFull => "plus de place disponible".to_string(),
        _ => match err.raw_os_error() {
            Some(30) => "le support est en lecture seule".to_string(),
            _ => err.to_string(),
        },
    };
    Error::SyncFolder {
        path: path.display().to_string(),
        reason,
    }
}

fn derive(passphrase: &str, salt: &[u8], kdf: KdfParams) -> Result<XChaCha20Poly1305> {
    if passphrase.chars().count() < 8 {
        return Err(Error::SyncPassphraseTooShort);
    }
    let params = Params::new(kdf.m_cost_kib, kdf.t_cost, kdf.p_cost, Some(32))
        .map_err(|_| Error::SyncFormat { version: 0 })?;
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|_| Error::SyncFormat { version: 0 })?;
    XChaCha20Poly1305::new_from_slice(&key).map_err(|_| Error::SyncFormat { version: 0 })
}

fn nonce_for(parts: &[&[u8]]) -> XNonce {
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

/// Writes `bytes` at `path` through a temporary file in the same directory: flushed, then
/// linked to its final name (never overwriting), then the directory flushed. Returns false if
/// `path` already existed (nothing is written then).
fn write_new_file(path: &Path, bytes: &[u8]) -> Result<bool> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("segment");
    let tmp = dir.join(format!(".{name}.tmp"));
    {
        let mut file = fs::File::create(&tmp).map_err(|e| io_error(dir, &e))?;
        file.write_all(bytes).map_err(|e| io_error(dir, &e))?;
        file.sync_all().map_err(|e| io_error(dir, &e))?;
    }
    let linked = match fs::hard_link(&tmp, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        // File systems without hard links (FAT on USB keys): one writer per directory makes
        // check-then-rename safe.
        Err(_) if path.exists() => Ok(false),
        Err(_) => fs::rename(&tmp, path)
            .map(|()| true)
            .map_err(|e| io_error(dir, &e)),
    };
    let _ = fs::remove_file(&tmp);
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    linked
}

impl SyncFolder {
    /// True if `shared` already holds a Carnet sync folder.
    pub fn exists(shared: &Path) -> bool {
        shared.join(DIR).join("FORMAT.json").is_file()
    }

    /// Initialises a new sync folder in `shared` (which must exist) for a team.
    pub fn create(
        shared: &Path,
        passphrase: &str,
        salt: [u8; 16],
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
        let cipher = derive(passphrase, &salt, kdf)?;
        let root = shared.join(DIR);
        fs::create_dir_all(root.join("devices")).map_err(|e| io_error(shared, &e))?;
        let nonce = nonce_for(&[b"keycheck", &salt]);
        let check = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: KEYCHECK_TEXT,
                    aad: team.as_bytes(),
                },
            )
            .map_err(|_| Error::SyncFormat { version: 0 })?;
        let mut keycheck = nonce.to_vec();
        keycheck.extend_from_slice(&check);
        write_new_file(&root.join("keycheck.bin"), &keycheck)?;
        let format = FormatFile {
            format: "carnet-sync".into(),
            version: FORMAT_VERSION,
            team,
            kdf: KdfFile {
                algorithm: "argon2id".into(),
                salt: hex(&salt),
                m_cost_kib: kdf.m_cost_kib,
                t_cost: kdf.t_cost,
                p_cost: kdf.p_cost,
            },
        };
        let text = serde_json::to_string_pretty(&format).unwrap_or_default();
        // FORMAT.json last: a folder is initialised only once everything else is there.
        write_new_file(&root.join("FORMAT.json"), text.as_bytes())?;
        Ok(SyncFolder { root, team, cipher })
    }

    /// Opens an existing sync folder, refusing a wrong passphrase before anything is written.
    pub fn open(shared: &Path, passphrase: &str) -> Result<SyncFolder> {
        if !shared.is_dir() {
            return Err(Error::SyncFolderMissing {
                path: shared.display().to_string(),
            });
        }
        let root = shared.join(DIR);
        let text = match fs::read_to_string(root.join("FORMAT.json")) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::SyncNotInitialised {
                    path: shared.display().to_string(),
                });
            }
            Err(e) => return Err(io_error(&root, &e)),
        };
        let format: FormatFile =
            serde_json::from_str(&text).map_err(|_| Error::SyncFormat { version: 0 })?;
        if format.format != "carnet-sync" || format.kdf.algorithm != "argon2id" {
            return Err(Error::SyncFormat { version: 0 });
        }
        if format.version != FORMAT_VERSION {
            return Err(Error::SyncFormat {
                version: format.version,
            });
        }
        let salt = unhex(&format.kdf.salt).ok_or(Error::SyncFormat { version: 0 })?;
        let kdf = KdfParams {
            m_cost_kib: format.kdf.m_cost_kib,
            t_cost: format.kdf.t_cost,
            p_cost: format.kdf.p_cost,
        };
        let cipher = derive(passphrase, &salt, kdf).map_err(|e| match e {
            Error::SyncPassphraseTooShort => Error::SyncWrongPassphrase,
            other => other,
        })?;
        let keycheck = fs::read(root.join("keycheck.bin")).map_err(|e| io_error(&root, &e))?;
        if keycheck.len() < 24 {
            return Err(Error::SyncFormat { version: 0 });
        }
        let (nonce, sealed) = keycheck.split_at(24);
        let nonce = XNonce::try_from(nonce).map_err(|_| Error::SyncFormat { version: 0 })?;
        let opened = cipher.decrypt(
            &nonce,
            Payload {
                msg: sealed,
                aad: format.team.as_bytes(),
            },
        );
        if opened.as_deref() != Ok(KEYCHECK_TEXT) {
            return Err(Error::SyncWrongPassphrase);
        }
        Ok(SyncFolder {
            root,
            team: format.team,
            cipher,
        })
    }

    fn device_dir(&self, device: Uuid) -> PathBuf {
        self.root.join("devices").join(device.to_string())
    }

    /// Encodes and encrypts one segment.
    pub fn seal_segment(&self, device: Uuid, seq: u64, writes: &[LoggedWrite]) -> Vec<u8> {
        let payload: Vec<String> = writes.iter().map(write_to_text).collect();
        let plain = format!("[{}]", payload.join(",")).into_bytes();
        let count: u32 = writes.iter().map(|w| w.fields.len() as u32).sum();
        let nonce = nonce_for(&[
            b"segment",
            device.as_bytes(),
            &seq.to_be_bytes(),
            &Sha256::digest(&plain),
        ]);
        let sealed_len = plain.len() + 16;
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&(FORMAT_VERSION as u16).to_be_bytes());
        header.extend_from_slice(device.as_bytes());
        header.extend_from_slice(&seq.to_be_bytes());
        header.extend_from_slice(&count.to_be_bytes());
        header.extend_from_slice(&(sealed_len as u32).to_be_bytes());
        header.extend_from_slice(&nonce);
        let aad = [header.as_slice(), self.team.as_bytes()].concat();
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: &plain,
                    aad: &aad,
                },
            )
            .unwrap_or_default();
        header.extend_from_slice(&sealed);
        header
    }

    /// Verifies and decrypts a segment, checking it is `(device, seq)`.
    pub fn open_segment(
        &self,
        bytes: &[u8],
        device: Uuid,
        seq: u64,
    ) -> Result<Vec<Change>, String> {
        if bytes.len() < HEADER_LEN {
            return Err("fichier incomplet".into());
        }
        let (header, sealed) = bytes.split_at(HEADER_LEN);
        if &header[..8] != MAGIC {
            return Err("ce n'est pas un segment Carnet".into());
        }
        let version = u16::from_be_bytes([header[8], header[9]]);
        if u32::from(version) != FORMAT_VERSION {
            return Err(format!("format de segment inconnu ({version})"));
        }
        let field = |range: std::ops::Range<usize>| header.get(range).unwrap_or_default();
        let in_device = Uuid::from_slice(field(10..26)).map_err(|_| "en-tête illisible")?;
        let in_seq = u64::from_be_bytes(field(26..34).try_into().unwrap_or_default());
        let sealed_len = u32::from_be_bytes(field(38..42).try_into().unwrap_or_default()) as usize;
        if in_device != device || in_seq != seq {
            return Err("l'en-tête ne correspond pas au nom du fichier".into());
        }
        if sealed.len() != sealed_len {
            return Err("fichier incomplet (copie en cours ?)".into());
        }
        let aad = [header, self.team.as_bytes()].concat();
        let nonce = XNonce::try_from(field(42..66)).map_err(|_| "en-tête illisible")?;
        let plain = self
            .cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| "contenu altéré ou d'une autre équipe".to_string())?;
        decode_payload(&plain)
    }
}

/// Decodes a segment's decrypted payload into changes, refusing anything malformed. Public
/// so the fuzz target `payload` can reach it without the encryption in the way.
///
/// The payload is read straight into typed writes (borrowing the text where it can), not
/// through a `serde_json::Value` tree: decoding was a fifth of an import's time that way.
pub fn decode_payload(plain: &[u8]) -> Result<Vec<Change>, String> {
    let writes: Vec<WireWrite<'_>> =
        serde_json::from_slice(plain).map_err(|_| "contenu illisible".to_string())?;
    let mut changes = Vec::with_capacity(writes.iter().map(|w| w.f.len()).sum());
    for write in writes {
        let entity = schema::entity(&write.e).ok_or("contenu illisible")?;
        let first = Hlc {
            wall_ms: write.w,
            counter: write.c,
            device: Uuid::parse_str(&write.d).map_err(|_| "contenu illisible")?,
        };
        let row_id = Uuid::parse_str(&write.i).map_err(|_| "contenu illisible")?;
        for (k, WireField(name, value, prev)) in write.f.into_iter().enumerate() {
            let field = schema::field_of(entity, &name).ok_or("contenu illisible")?;
            let prev = match prev {
                Some(stamp) => Some(stamp.parse::<Hlc>().map_err(|_| "contenu illisible")?),
                None => None,
            };
            changes.push(Change {
                hlc: Hlc {
                    counter: first.counter + k as i64,
                    ..first
                },
                entity,
                row_id,
                field: field.name,
                value: value.0,
                prev,
            });
        }
    }
    Ok(changes)
}

/// One write as the payload carries it (see [`write_to_text`]).
#[derive(Deserialize)]
struct WireWrite<'a> {
    #[serde(borrow)]
    e: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    i: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    d: std::borrow::Cow<'a, str>,
    w: i64,
    c: i64,
    #[serde(borrow)]
    f: Vec<WireField<'a>>,
}

/// `["field", value]` or `["field", value, "replaced stamp"]`.
struct WireField<'a>(
    std::borrow::Cow<'a, str>,
    WireValue,
    Option<std::borrow::Cow<'a, str>>,
);

impl<'de: 'a, 'a> Deserialize<'de> for WireField<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = WireField<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("[champ, valeur] ou [champ, valeur, horodatage]")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                use serde::de::Error as _;
                let name: std::borrow::Cow<'a, str> = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(0, &self))?;
                let value: WireValue = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(1, &self))?;
                let prev: Option<Option<std::borrow::Cow<'a, str>>> = seq.next_element()?;
                if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    return Err(A::Error::invalid_length(4, &self));
                }
                Ok(WireField(name, value, prev.flatten()))
            }
        }
        d.deserialize_seq(Visit(std::marker::PhantomData))
    }
}

/// A field value: null, an integer, a real or a text (as the change log stores them).
struct WireValue(rusqlite::types::Value);

impl<'de> Deserialize<'de> for WireValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use rusqlite::types::Value;
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = WireValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("null, un nombre ou un texte")
            }
            fn visit_unit<E>(self) -> std::result::Result<WireValue, E> {
                Ok(WireValue(Value::Null))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<WireValue, E> {
                Ok(WireValue(Value::Integer(v)))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<WireValue, E> {
                Ok(WireValue(match i64::try_from(v) {
                    Ok(i) => Value::Integer(i),
                    Err(_) => Value::Real(v as f64),
                }))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<WireValue, E> {
                Ok(WireValue(Value::Real(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<WireValue, E> {
                Ok(WireValue(Value::Text(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<WireValue, E> {
                Ok(WireValue(Value::Text(v)))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// One write of a segment's payload: `{"e", "i", "d", "w", "c", "f"}`, where `f` is the
/// field list exactly as the change log encodes it.
fn write_to_text(write: &LoggedWrite) -> String {
    let fields: Vec<(&str, &rusqlite::types::Value, Option<Hlc>)> = write
        .fields
        .iter()
        .map(|(field, value, prev)| (*field, value, *prev))
        .collect();
    // Entity names and uuids are plain identifiers: nothing to escape.
    format!(
        r#"{{"e":"{}","i":"{}","d":"{}","w":{},"c":{},"f":{}}}"#,
        write.entity.name,
        write.row_id,
        write.first.device,
        write.first.wall_ms,
        write.first.counter,
        changelog::encode(&fields)
    )
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A file that was not applied, and why (in French).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
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
    /// Segments held aside because their clocks run more than 24 h ahead: (device name, file).
    pub held: Vec<Skipped>,
    /// Set when this database turned out to be a copy and took a new device id.
    pub new_device_id: Option<Uuid>,
    pub bytes_sent: u64,
}

/// Progress of a sync: `done` of `total` steps.
#[derive(Debug, Clone, Copy)]
pub struct SyncProgress {
    pub done: usize,
    pub total: usize,
}

/// Sends this device's new changes, then applies everything new in the folder.
pub fn sync(
    store: &mut Store,
    folder: &SyncFolder,
    device_name: Option<&str>,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    // The folder must still be there (a pulled USB key must not turn into a local directory).
    if !folder.root.join("FORMAT.json").is_file() {
        return Err(io_error(
            &folder.root,
            &std::io::Error::from(std::io::ErrorKind::NotFound),
        ));
    }
    export(store, folder, device_name, &mut report)?;
    import(store, folder, &mut report, progress)?;
    Ok(report)
}

fn export(
    store: &mut Store,
    folder: &SyncFolder,
    device_name: Option<&str>,
    report: &mut SyncReport,
) -> Result<()> {
    loop {
        let device = store.device_id();
        let dir = folder.device_dir(device);
        if !dir.is_dir() {
            // Only this device's own directory is created, never its parents.
            fs::create_dir(&dir).map_err(|e| io_error(&dir, &e))?;
        }
        if let Some(name) = device_name {
            let info = serde_json::json!({ "device": device, "name": name }).to_string();
            let path = dir.join("device.json");
            if fs::read_to_string(&path).ok().as_deref() != Some(info.as_str()) {
                let tmp = dir.join(".device.json.tmp");
                fs::write(&tmp, &info).map_err(|e| io_error(&dir, &e))?;
                fs::rename(&tmp, &path).map_err(|e| io_error(&dir, &e))?;
            }
        }
        let (last_seq, through): (i64, i64) = store.conn().query_row(
            "SELECT coalesce(max(seq), 0),
                    coalesce((SELECT max(through) FROM sync_segment WHERE direction = 'out'), 0)
               FROM sync_segment WHERE device = ?1 AND direction = 'out'",
            [device.as_bytes().as_slice()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let writes = changelog::own_since(store.conn(), through)?;
        let Some(last) = writes.last() else {
            return Ok(());
        };
        let seq = (last_seq + 1) as u64;
        let bytes = folder.seal_segment(device, seq, &writes);
        let path = dir.join(format!("{seq:012}.seg"));
        let digest = Sha256::digest(&bytes).to_vec();
        let written = write_new_file(&path, &bytes)?;
        if !written {
            let existing = fs::read(&path).map_err(|e| io_error(&dir, &e))?;
            if existing != bytes {
                // Another database writes under this device id: this one is a copy.
                let new_id = Uuid::from_bytes(
                    uuid::Builder::from_random_bytes(
                        Sha256::digest([device.as_bytes().as_slice(), &digest, &existing].concat())
                            [..16]
                            .try_into()
                            .unwrap_or_default(),
                    )
                    .into_uuid()
                    .into_bytes(),
                );
                store.change_device_id(new_id)?;
                report.new_device_id = Some(new_id);
                continue;
            }
        }
        store.conn().execute(
            "INSERT INTO sync_segment (device, seq, direction, digest, through) VALUES (?1, ?2, 'out', ?3, ?4)",
            params![device.as_bytes().as_slice(), seq as i64, digest, last.seq],
        )?;
        report.segments_sent += 1;
        report.changes_sent += writes.iter().map(|w| w.fields.len()).sum::<usize>();
        report.bytes_sent += bytes.len() as u64;
        return Ok(());
    }
}

/// Is this a segment name we wrote (`000000000042.seg`)? Temporary files, syncer conflict
/// copies ("(conflicted copy)", ".sync-conflict-", "Copie de", "~"…) never are.
fn segment_number(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".seg")?;
    if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn import(
    store: &mut Store,
    folder: &SyncFolder,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<()> {
    let devices_dir = folder.root.join("devices");
    let entries = fs::read_dir(&devices_dir).map_err(|e| io_error(&devices_dir, &e))?;
    let mut ingested: HashMap<(Uuid, u64), Vec<u8>> = HashMap::new();
    {
        let mut stmt = store
            .conn()
            .prepare("SELECT device, seq, digest FROM sync_segment WHERE direction = 'in'")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let device = changelog::uuid_from_blob(&row.get::<_, Vec<u8>>(0)?)?;
            ingested.insert((device, row.get::<_, i64>(1)? as u64), row.get(2)?);
        }
    }
    let mut todo: Vec<(Uuid, u64, PathBuf, String)> = Vec::new();
    let mut names: HashMap<Uuid, String> = HashMap::new();
    for entry in entries.flatten() {
        let Some(device) = entry
            .file_name()
            .to_str()
            .and_then(|n| Uuid::parse_str(n).ok())
        else {
            continue;
        };
        if device == store.device_id() {
            continue;
        }
        let name = fs::read_to_string(entry.path().join("device.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<Json>(&text).ok())
            .and_then(|j| j.get("name")?.as_str().map(str::to_string));
        if let Some(name) = name {
            store.conn().execute(
                "INSERT INTO sync_device (device, name) VALUES (?1, ?2)
                 ON CONFLICT (device) DO UPDATE SET name = excluded.name",
                params![device.as_bytes().as_slice(), name],
            )?;
            names.insert(device, name);
        }
        let Ok(files) = fs::read_dir(entry.path()) else {
            continue;
        };
        for file in files.flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            match segment_number(&name) {
                Some(seq) if !ingested.contains_key(&(device, seq)) => {
                    todo.push((device, seq, file.path(), format!("{device}/{name}")));
                }
                _ => {}
            }
        }
    }
    todo.sort();
    let total = todo.len();
    let now = store.now_ms();
    for (done, (device, seq, path, label)) in todo.into_iter().enumerate() {
        progress(SyncProgress { done, total });
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => {
                report.skipped.push(Skipped {
                    file: label,
                    reason: format!("illisible : {e}"),
                });
                continue;
            }
        };
        let changes = match folder.open_segment(&bytes, device, seq) {
            Ok(changes) => changes,
            Err(reason) => {
                report.skipped.push(Skipped {
                    file: label,
                    reason,
                });
                continue;
            }
        };
        if changes.iter().any(|c| c.hlc.wall_ms > now + MAX_AHEAD_MS) {
            let name = names
                .get(&device)
                .cloned()
                .unwrap_or_else(|| format!("appareil {device}"));
            report.held.push(Skipped {
                file: label,
                reason: format!(
                    "horloge de « {name} » en avance de plus de 24 h : vérifiez la date de cet appareil"
                ),
            });
            continue;
        }
        let digest = Sha256::digest(&bytes).to_vec();
        let applied = store.apply_changes_and(&changes, |tx| {
            tx.execute(
                "INSERT INTO sync_segment (device, seq, direction, digest) VALUES (?1, ?2, 'in', ?3)",
                params![device.as_bytes().as_slice(), seq as i64, digest],
            )?;
            Ok(())
        })?;
        report.segments_received += 1;
        report.changes_applied += applied.inserted;
        report.duplicates += applied.duplicates;
        report.conflicts += applied.conflicts;
    }
    progress(SyncProgress { done: total, total });
    Ok(())
}

/// A concurrent edit to review ("À vérifier").
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    pub id: i64,
    pub entity: &'static str,
    pub row_id: Uuid,
    pub field: &'static str,
    pub kept_value: Json,
    pub lost_value: Json,
    pub lost_device: Uuid,
    /// Clock stamps of the two values (text form of [`Hlc`]).
    pub kept_stamp: String,
    pub lost_stamp: String,
}

/// Unresolved conflicts, oldest first.
pub fn conflicts(store: &Store) -> Result<Vec<Conflict>> {
    let mut stmt = store.conn().prepare(
        "SELECT id, entity, row_id, field, kept_value, lost_value, lost_stamp, kept_stamp
           FROM sync_conflict WHERE resolved = 0 ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let entity = schema::entity(&row.get::<_, String>(1)?).ok_or(Error::NotACarnetDatabase)?;
        let field =
            schema::field_of(entity, &row.get::<_, String>(3)?).ok_or(Error::NotACarnetDatabase)?;
        let stamp: String = row.get(6)?;
        out.push(Conflict {
            id: row.get(0)?,
            entity: entity.name,
            row_id: changelog::uuid_from_blob(&row.get::<_, Vec<u8>>(2)?)?,
            field: field.name,
            kept_value: changelog::value_to_json(&row.get(4)?),
            lost_value: changelog::value_to_json(&row.get(5)?),
            lost_device: stamp.parse::<Hlc>().map(|h| h.device).unwrap_or_default(),
            kept_stamp: row.get(7)?,
            lost_stamp: stamp,
        });
    }
    Ok(out)
}

/// Settles a conflict: keep the current value (`keep_lost = false`) or bring the value that
/// lost back (a new local write, which every device will then receive).
pub fn resolve(store: &mut Store, conflict: i64, keep_lost: bool) -> Result<()> {
    let found: Option<(String, Vec<u8>, String, rusqlite::types::Value)> = store
        .conn()
        .query_row(
            "SELECT entity, row_id, field, lost_value FROM sync_conflict WHERE id = ?1 AND resolved = 0",
            [conflict],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .ok();
    let Some((entity, row_id, field, lost)) = found else {
        return Err(Error::UnknownId {
            entity: "conflit",
            id: conflict.to_string(),
        });
    };
    let spec = schema::entity(&entity).ok_or(Error::NotACarnetDatabase)?;
    let field = schema::field_of(spec, &field).ok_or(Error::NotACarnetDatabase)?;
    let row_id = changelog::uuid_from_blob(&row_id)?;
    store.write(|w| {
        if keep_lost {
            w.set_value(spec, row_id, field, lost.clone())?;
        }
        w.conn().execute(
            "UPDATE sync_conflict SET resolved = 1 WHERE id = ?1",
            [conflict],
        )?;
        Ok(())
    })
}
