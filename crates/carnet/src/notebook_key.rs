//! The notebook's key: 32 random bytes with which the page cipher encrypts the whole database
//! file, its write-ahead log and its journal, page by page.
//!
//! The page cipher is AEGIS-256 from SQLite3 Multiple Ciphers (`crates/sqlite3mc-source` says
//! why it replaced SQLCipher): each page is sealed with a fresh nonce and its own
//! authentication tag, so a changed, swapped or truncated page is refused when read. Notebooks
//! made by earlier versions of Carnet are SQLCipher 4 files (AES-256-CBC, HMAC-SHA256): they are
//! still read, once, to be copied into the current format ([`PageCipher::SqlCipher4`],
//! `conversion`).
//!
//! Why a raw key rather than the cipher's passphrase mode: Carnet derives and wraps the key
//! itself (the officer's passphrase with Argon2id, a printed recovery key), so the library's
//! own slow derivation at every open is skipped and changing the passphrase never re-encrypts
//! the file. The key never leaves memory in clear: it is zeroized when dropped, and the text of
//! the statements that hand it to SQLite is zeroized too. The engine never makes one up: the
//! random bytes come from the caller (the CLI, the desktop shell), like the clock.

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

    /// The same key, kept apart (it is zeroed when dropped, as this one).
    pub(crate) fn copy(&self) -> NotebookKey {
        NotebookKey::from_bytes(*self.0)
    }

    /// The raw bytes, to wrap them.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The statements that key a connection for `cipher`, before anything is read: the page
    /// cipher and its settings, then `PRAGMA key = "x'…'"` (a raw key: no derivation).
    pub(crate) fn pragma(&self, cipher: PageCipher) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::with_capacity(200));
        for (name, value) in cipher.settings() {
            let quote = if value.bytes().all(|b| b.is_ascii_digit()) {
                ""
            } else {
                "'"
            };
            text.push_str(&format!("PRAGMA {name} = {quote}{value}{quote}; "));
        }
        text.push_str("PRAGMA key = \"");
        text.push_str(&self.raw_key_text());
        text.push_str("\";");
        text
    }

    /// The query part of a `file:` URI that opens a new file with this key in the current
    /// format (`VACUUM INTO`'s target): `cipher=aegis&algorithm=aegis-256&key=x'…'`.
    pub(crate) fn uri_parameters(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::with_capacity(120));
        for (name, value) in PageCipher::Aegis.settings() {
            text.push_str(&format!("{name}={value}&"));
        }
        text.push_str("key=");
        text.push_str(&self.raw_key_text());
        text
    }

    /// `x'…'`: the key as SQLite3 Multiple Ciphers reads a raw key.
    fn raw_key_text(&self) -> Zeroizing<String> {
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

/// How a notebook's pages are encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageCipher {
    /// The current format: AEGIS-256, an authenticated cipher on the processor's AES
    /// instructions (a nonce and a tag in each page's reserved bytes).
    Aegis,
    /// The format of Carnet before November 2026: SQLCipher 4 pages (AES-256-CBC) with
    /// HMAC-SHA256, read only to be converted.
    SqlCipher4,
}

impl PageCipher {
    /// The cipher and its settings, in the order they must be given: as `PRAGMA`s on a
    /// connection ([`NotebookKey::pragma`]) and as `file:` URI parameters
    /// ([`NotebookKey::uri_parameters`]), from this one list.
    fn settings(self) -> &'static [(&'static str, &'static str)] {
        match self {
            PageCipher::Aegis => &[("cipher", "aegis"), ("algorithm", "aegis-256")],
            // SQLCipher 4's defaults, with the HMAC Carnet chose then (SHA-256; 1 in
            // sqlite3mc's numbering), set after `legacy`, which resets the others.
            PageCipher::SqlCipher4 => &[
                ("cipher", "sqlcipher"),
                ("legacy", "4"),
                ("hmac_algorithm", "1"),
            ],
        }
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
/// starts with "SQLite format 3"; an encrypted one is random-looking whole pages (the cipher's
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
    fn the_pragma_names_the_cipher_and_holds_the_key_in_raw_form() {
        let mut bytes = [0u8; 32];
        bytes[0] = 0xAB;
        bytes[31] = 0x01;
        let key = NotebookKey::from_bytes(bytes);
        let pragma = key.pragma(PageCipher::Aegis);
        assert!(
            pragma.starts_with("PRAGMA cipher = 'aegis'; PRAGMA algorithm = 'aegis-256'; "),
            "{}",
            &*pragma
        );
        assert!(pragma.contains("PRAGMA key = \"x'AB00"), "{}", &*pragma);
        assert!(pragma.ends_with("0001'\";"), "{}", &*pragma);
        let legacy = key.pragma(PageCipher::SqlCipher4);
        assert!(legacy.starts_with("PRAGMA cipher = 'sqlcipher'; PRAGMA legacy = 4;"));
        let uri = key.uri_parameters();
        assert!(
            uri.starts_with("cipher=aegis&algorithm=aegis-256&key=x'AB"),
            "{}",
            &*uri
        );
        assert!(uri.ends_with(&format!("&key=x'AB{}01'", "00".repeat(30))));
        assert_eq!(format!("{key:?}"), "NotebookKey(…)");
    }
}
