//! The notebook's key: 32 random bytes with which SQLCipher encrypts the whole database file,
//! its write-ahead log and its journal, page by page.
//!
//! Why a raw key rather than SQLCipher's passphrase mode: Carnet derives and wraps the key
//! itself (the officer's passphrase with Argon2id, a printed recovery key), so SQLCipher's own
//! slow derivation at every open is skipped and changing the passphrase never re-encrypts the
//! file. The key never leaves memory in clear: it is zeroized when dropped, and the text of the
//! `PRAGMA key` statement that hands it to SQLite is zeroized too. The engine never makes one
//! up: the random bytes come from the caller (the CLI, the desktop shell), like the clock.

use std::path::{Path, PathBuf};

use zeroize::{Zeroize, Zeroizing};

/// A notebook's raw 256-bit key.
pub struct NotebookKey(Zeroizing<[u8; 32]>);

impl NotebookKey {
    /// The key made of these 32 bytes (from the OS's random source, or unwrapped).
    pub fn from_bytes(mut bytes: [u8; 32]) -> NotebookKey {
        let key = NotebookKey(Zeroizing::new(bytes));
        bytes.zeroize();
        key
    }

    /// The raw bytes, to wrap them.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// `PRAGMA key = "x'…'";`: SQLCipher's form for a raw key (no derivation).
    pub(crate) fn pragma(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::with_capacity(90));
        text.push_str("PRAGMA key = \"");
        text.push_str(&self.raw_key_text());
        text.push_str("\";");
        text
    }

    /// `x'…'`: the key as SQLCipher reads a raw key (in `PRAGMA key` or `ATTACH … KEY`).
    pub(crate) fn raw_key_text(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::with_capacity(67));
        text.push_str("x'");
        for byte in self.0.iter() {
            text.push(char::from(HEX[usize::from(byte >> 4)]));
            text.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        text.push('\'');
        text
    }
}

impl std::fmt::Debug for NotebookKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NotebookKey(…)")
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// A file that lives beside the notebook at `notebook` and is named after it:
/// `carnet.db.<extension>` (its key file, a conversion's leftovers, the "remember" marker).
pub fn beside(notebook: &Path, extension: &str) -> PathBuf {
    let mut name = notebook.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(extension);
    notebook.with_file_name(name)
}

/// What a notebook file is, from its first bytes and size: a plaintext SQLite database
/// starts with "SQLite format 3"; an encrypted one is random-looking whole pages (SQLCipher's
/// salt first); anything else is not a notebook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Plaintext,
    Encrypted,
    Other,
}

/// Reads the first bytes of the file at `path` to tell a plaintext notebook from an encrypted
/// one. An empty file counts as plaintext (SQLite writes its header on first use).
pub fn file_kind(path: &Path) -> std::io::Result<FileKind> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(
        if read == 0 || head[..read] == b"SQLite format 3\0"[..read] {
            FileKind::Plaintext
        } else if len >= 1024 && len % 512 == 0 {
            FileKind::Encrypted
        } else {
            FileKind::Other
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pragma_holds_the_key_in_sqlciphers_raw_form() {
        let mut bytes = [0u8; 32];
        bytes[0] = 0xAB;
        bytes[31] = 0x01;
        let key = NotebookKey::from_bytes(bytes);
        let pragma = key.pragma();
        assert!(pragma.starts_with("PRAGMA key = \"x'AB00"), "{}", &*pragma);
        assert!(pragma.ends_with("0001'\";"), "{}", &*pragma);
        assert_eq!(pragma.len(), "PRAGMA key = \"x''\";".len() + 64);
        assert_eq!(format!("{key:?}"), "NotebookKey(…)");
    }
}
