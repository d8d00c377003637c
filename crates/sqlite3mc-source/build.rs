//! Writes the one C file libsqlite3-sys compiles: a few lines that take back the SQLCipher
//! settings libsqlite3-sys passes on the compiler's command line, then include the SQLite3
//! Multiple Ciphers amalgamation from the `sqlite3mc-src` crate, untouched.

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let dir = out.join("source");
    std::fs::create_dir_all(&dir).expect("OUT_DIR is writable");
    let amalgamation = sqlite3mc_src::source_dir().join(sqlite3mc_src::SOURCE_FILE);
    let header = sqlite3mc_src::source_dir().join(sqlite3mc_src::HEADER_FILE);
    let wrapper = format!(
        "/* Written by crates/sqlite3mc-source/build.rs: do not edit. */\n\
         /* libsqlite3-sys builds SQLCipher's way; SQLite3 Multiple Ciphers needs none of it: */\n\
         /* it registers its codec itself and brings its own ciphers (no OpenSSL).           */\n\
         #undef SQLITE_HAS_CODEC\n\
         #undef SQLITE_EXTRA_INIT\n\
         #undef SQLITE_EXTRA_SHUTDOWN\n\
         #include \"{}\"\n",
        amalgamation.display()
    );
    std::fs::write(dir.join("sqlcipher.c"), wrapper).expect("OUT_DIR is writable");
    std::fs::copy(&header, dir.join("sqlite3.h")).expect("the amalgamation's header is readable");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={}", amalgamation.display());
}
