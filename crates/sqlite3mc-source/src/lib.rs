//! The notebook's page cipher, as libsqlite3-sys sees it.
//!
//! Carnet encrypts the notebook with [SQLite3 Multiple Ciphers](https://utelle.github.io/SQLite3MultipleCiphers/)
//! (sqlite3mc) and its AEGIS page cipher: every page is sealed with an authenticated cipher built
//! on the processor's AES instructions, which costs a write a few percent where SQLCipher's
//! AES-CBC + HMAC cost it 80 % (`docs/performance.md`). rusqlite only knows how to build SQLite
//! or SQLCipher: with its `bundled-sqlcipher` feature, libsqlite3-sys compiles the C file named
//! by this crate's [`source_dir`] and [`SOURCE_FILE`]. The workspace's `[patch.crates-io]` puts
//! this crate in place of the registry's `sqlcipher-src`, and the file it names is the sqlite3mc
//! amalgamation from the `sqlite3mc-src` crate (byte for byte as released), wrapped so that the
//! SQLCipher-only settings libsqlite3-sys adds are taken back (see `build.rs`).
//!
//! sqlite3mc also reads SQLCipher 4 files, which is how notebooks made by earlier versions of
//! Carnet are opened once and converted (`carnet::store`).

use std::path::Path;

/// The C file libsqlite3-sys compiles, inside [`source_dir`].
pub const SOURCE_FILE: &str = "sqlcipher.c";

/// The amalgamation's public header, inside [`source_dir`].
pub const HEADER_FILE: &str = "sqlite3.h";

/// Where [`SOURCE_FILE`] and [`HEADER_FILE`] are, written by this crate's build script.
#[must_use]
pub fn source_dir() -> &'static Path {
    Path::new(concat!(env!("OUT_DIR"), "/source"))
}
