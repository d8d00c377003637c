//! Feeds arbitrary bytes to the segment reader: it must refuse them without panicking.
#![no_main]

use std::sync::OnceLock;

use carnet::sync::{FreshSecrets, KdfParams, SyncFolder};
use libfuzzer_sys::fuzz_target;

static FOLDER: OnceLock<(tempfile::TempDir, SyncFolder)> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let (_, folder) = FOLDER.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary folder");
        let folder = SyncFolder::create(
            dir.path(),
            "phrase de passe du fuzz pour Carnet",
            &FreshSecrets { salt: [9; 16], key: [8; 32] },
            uuid::Uuid::from_u128(9),
            KdfParams::FAST_FOR_TESTS,
        )
        .expect("folder");
        (dir, folder)
    });
    let _ = folder.open_segment(data, uuid::Uuid::from_u128(1), 1);
});
