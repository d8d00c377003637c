//! The notebook encrypted at rest, tested as a thief would read it: the bytes of the database
//! and its write-ahead log hold no name, phone or note; without the key, or with another,
//! nothing opens and nothing is written.

use std::path::Path;

use carnet::notebook_key::{FileKind, NotebookKey, file_kind};
use carnet::person::Person;
use carnet::{Error, ManualClock, Store, Uuid};

use crate::fixture::today;

fn clock() -> Box<ManualClock> {
    Box::new(ManualClock::at_date(today()))
}

fn key(byte: u8) -> NotebookKey {
    NotebookKey::from_bytes([byte; 32])
}

/// Every file of the notebook (the database, its WAL and shared memory, the copies of the
/// segments it wrote), read whole.
fn notebook_bytes(db: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(path: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        if path.is_dir() {
            for entry in std::fs::read_dir(path).unwrap().flatten() {
                walk(&entry.path(), out);
            }
        } else {
            out.push((path.display().to_string(), std::fs::read(path).unwrap()));
        }
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(db.parent().unwrap()).unwrap().flatten() {
        if entry.file_name().to_string_lossy().starts_with("carnet.db") {
            walk(&entry.path(), &mut out);
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

const SECRETS: [&str; 3] = ["Haddad", "06 39 98 12 34", "titre de séjour"];

fn write_a_person(store: &mut Store) -> Uuid {
    store
        .create(&Person {
            first_name: "Inès".into(),
            last_name: "Haddad".into(),
            phone: Some("06 39 98 12 34".into()),
            note: Some("Attend son titre de séjour.".into()),
            ..Default::default()
        })
        .unwrap()
}

#[test]
fn an_encrypted_notebook_holds_no_personal_data_in_clear_and_opens_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("carnet.db");
    let mut store = Store::init_with(&db, Uuid::from_u128(1), Some(&key(7)), clock()).unwrap();
    let id = write_a_person(&mut store);
    // While it is open, with the WAL not yet checkpointed, and after it is closed.
    for (name, bytes) in notebook_bytes(&db) {
        for secret in SECRETS {
            assert!(!contains(&bytes, secret), "{secret:?} in clear in {name}");
        }
    }
    drop(store);
    for (name, bytes) in notebook_bytes(&db) {
        for secret in SECRETS {
            assert!(!contains(&bytes, secret), "{secret:?} in clear in {name}");
        }
    }
    assert_eq!(file_kind(&db).unwrap(), FileKind::Encrypted);

    let store = Store::open_with(&db, Some(&key(7)), clock()).unwrap();
    assert_eq!(store.get::<Person>(id).unwrap().last_name, "Haddad");
}

#[test]
fn without_its_key_or_with_another_an_encrypted_notebook_does_not_open_and_is_not_touched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("carnet.db");
    let mut store = Store::init_with(&db, Uuid::from_u128(1), Some(&key(7)), clock()).unwrap();
    write_a_person(&mut store);
    drop(store);
    let before = std::fs::read(&db).unwrap();
    let err = Store::open(&db, clock()).unwrap_err();
    assert!(matches!(err, Error::NotebookEncrypted), "{err:?}");
    assert!(err.to_string().contains("phrase de passe"), "{err}");
    let err = Store::open_with(&db, Some(&key(8)), clock()).unwrap_err();
    assert!(matches!(err, Error::WrongNotebookKey), "{err:?}");
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing written");
    // A damaged file: the same clear refusal, no panic.
    let mut damaged = before.clone();
    for b in damaged.iter_mut().skip(100).take(400) {
        *b ^= 0x5a;
    }
    std::fs::write(&db, &damaged).unwrap();
    let err = Store::open_with(&db, Some(&key(7)), clock()).unwrap_err();
    assert!(matches!(err, Error::WrongNotebookKey), "{err:?}");
}

#[test]
fn a_plaintext_notebook_still_opens_and_deleted_rows_are_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("carnet.db");
    let mut store = Store::init(&db, Uuid::from_u128(1), clock()).unwrap();
    let id = write_a_person(&mut store);
    drop(store);
    assert_eq!(file_kind(&db).unwrap(), FileKind::Plaintext);
    let store = Store::open(&db, clock()).unwrap();
    assert_eq!(store.get::<Person>(id).unwrap().first_name, "Inès");
    assert!(store.secure_delete().unwrap());
}

fn demo_notebook(db: &Path) -> String {
    let mut store = Store::init(db, Uuid::from_u128(1), clock()).unwrap();
    carnet_demo::generate(
        &mut store,
        &carnet_demo::DemoOptions {
            seed: 3,
            years: 1,
            until: today(),
        },
        &mut |_| {},
    )
    .unwrap();
    write_a_person(&mut store);
    carnet::digest::digest(&store).unwrap()
}

/// What a conversion (plaintext → encrypted, or SQLCipher → AEGIS) may leave beside the
/// notebook when it stops half-way.
fn leftovers(db: &Path) -> Vec<String> {
    std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            [".encrypting", ".plaintext", ".sqlcipher"]
                .iter()
                .any(|k| n.contains(k))
        })
        .collect()
}

#[test]
fn a_plaintext_notebook_is_converted_and_no_plaintext_copy_remains() {
    use carnet::conversion;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("carnet.db");
    let digest = demo_notebook(&db);
    let kept = dir.path().join("key-kept");
    conversion::encrypt(&db, &key(9), clock(), || {
        std::fs::write(&kept, b"wrapped key").map_err(|e| Error::CannotWrite {
            path: kept.display().to_string(),
            reason: e.to_string(),
        })
    })
    .unwrap();
    assert!(kept.exists(), "the key was kept before the swap");
    assert_eq!(file_kind(&db).unwrap(), FileKind::Encrypted);
    let store = Store::open_with(&db, Some(&key(9)), clock()).unwrap();
    assert_eq!(carnet::digest::digest(&store).unwrap(), digest);
    drop(store);
    assert!(leftovers(&db).is_empty(), "{:?}", leftovers(&db));
    for (name, bytes) in notebook_bytes(&db) {
        for secret in SECRETS {
            assert!(!contains(&bytes, secret), "{secret:?} in clear in {name}");
        }
    }
    // Twice is refused, and changes nothing.
    let again = conversion::encrypt(&db, &key(9), clock(), || Ok(()));
    assert!(
        matches!(again, Err(Error::NotebookAlreadyEncrypted)),
        "{again:?}"
    );
}

#[test]
fn a_conversion_stopped_at_any_step_leaves_one_complete_notebook() {
    use carnet::conversion::{self, Stage};
    for stage in [Stage::Copied, Stage::KeyKept, Stage::Linked, Stage::Swapped] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("carnet.db");
        let digest = demo_notebook(&db);
        conversion::encrypt_until(&db, &key(9), clock(), || Ok(()), stage).unwrap();
        // The next start settles what is there before opening.
        conversion::finish_interrupted(&db).unwrap();
        assert!(leftovers(&db).is_empty(), "{stage:?}: {:?}", leftovers(&db));
        let store = match file_kind(&db).unwrap() {
            FileKind::Plaintext => {
                assert!(stage < Stage::Swapped, "{stage:?}: still plaintext");
                Store::open(&db, clock()).unwrap()
            }
            FileKind::Encrypted => {
                assert_eq!(stage, Stage::Swapped);
                Store::open_with(&db, Some(&key(9)), clock()).unwrap()
            }
            FileKind::Other => panic!("{stage:?}: no notebook"),
        };
        assert_eq!(carnet::digest::digest(&store).unwrap(), digest, "{stage:?}");
        drop(store);
        if stage == Stage::Swapped {
            // The old plaintext was wiped, not just unlinked: nothing of it anywhere.
            for (name, bytes) in notebook_bytes(&db) {
                for secret in SECRETS {
                    assert!(!contains(&bytes, secret), "{stage:?}: {secret:?} in {name}");
                }
            }
        } else {
            // And the conversion can simply be run again.
            conversion::encrypt(&db, &key(9), clock(), || Ok(())).unwrap();
            let store = Store::open_with(&db, Some(&key(9)), clock()).unwrap();
            assert_eq!(carnet::digest::digest(&store).unwrap(), digest, "{stage:?}");
        }
    }
}

mod key_file {
    use super::*;
    use carnet::kdf::KdfParams;
    use carnet::key_file::{KeyFile, Randomness, RecoveryKey, path_for};

    const PASSPHRASE: &str = "Marché des Buis, mardi 9h !";
    const NEW_PASSPHRASE: &str = "La Chiffogne le jeudi, 14h30 ?";

    fn random(seed: u8) -> Randomness {
        Randomness {
            salt: [seed; 16],
            passphrase_nonce: [seed.wrapping_add(1); 24],
            recovery_nonce: [seed.wrapping_add(2); 24],
        }
    }

    fn recovery() -> RecoveryKey {
        RecoveryKey::from_bytes([42; 32])
    }

    #[test]
    fn the_passphrase_and_the_recovery_key_open_the_same_notebook() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("carnet.db");
        let mut store = Store::init_with(&db, Uuid::from_u128(1), Some(&key(5)), clock()).unwrap();
        let id = write_a_person(&mut store);
        drop(store);
        let file = KeyFile::create(
            &key(5),
            PASSPHRASE,
            &recovery(),
            &random(1),
            KdfParams::FAST_FOR_TESTS,
        )
        .unwrap();
        let path = path_for(&db);
        file.save(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "owner-only");
        }
        let file = KeyFile::load(&path).unwrap();
        let by_passphrase = file.open_with_passphrase(PASSPHRASE).unwrap();
        let store = Store::open_with(&db, Some(&by_passphrase), clock()).unwrap();
        assert_eq!(store.get::<Person>(id).unwrap().last_name, "Haddad");
        drop(store);
        let typed = recovery().display().to_lowercase().replace('-', " ");
        let by_recovery = file.open_with_recovery_key(&typed).unwrap();
        assert_eq!(by_recovery.as_bytes(), key(5).as_bytes());
        // Nothing of the key, the passphrase or a name is in the file.
        let bytes = std::fs::read(&path).unwrap();
        assert!(!contains(&bytes, PASSPHRASE));
        assert!(!bytes.windows(32).any(|w| w == key(5).as_bytes()));
    }

    #[test]
    fn wrong_secrets_and_damaged_files_are_told_apart_and_refused() {
        let file = KeyFile::create(
            &key(5),
            PASSPHRASE,
            &recovery(),
            &random(1),
            KdfParams::FAST_FOR_TESTS,
        )
        .unwrap();
        let wrong = file.open_with_passphrase("marché des buis, mardi 9h !");
        assert!(
            matches!(wrong, Err(Error::WrongNotebookPassphrase)),
            "{wrong:?}"
        );
        let other = RecoveryKey::from_bytes([43; 32]).display();
        let wrong = file.open_with_recovery_key(&other);
        assert!(matches!(wrong, Err(Error::WrongRecoveryKey)), "{wrong:?}");
        let malformed = file.open_with_recovery_key("1234-5678");
        assert!(
            matches!(malformed, Err(Error::RecoveryKeyMalformed)),
            "{malformed:?}"
        );
        let weak = KeyFile::create(
            &key(5),
            "motdepasse",
            &recovery(),
            &random(1),
            KdfParams::FAST_FOR_TESTS,
        );
        assert!(
            matches!(weak, Err(Error::NotebookPassphraseTooWeak { .. })),
            "{weak:?}"
        );

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("carnet.db.key");
        file.save(&path).unwrap();
        let good = std::fs::read_to_string(&path).unwrap();
        // Truncated, a sealed key altered, a cost of a terabyte, too big, missing.
        let cases = [
            good[..good.len() / 2].to_string(),
            good.replacen("\"sealed\": \"", "\"sealed\": \"AAAA", 1),
            good.replace("\"m_cost_kib\": 64", "\"m_cost_kib\": 1073741824"),
            " ".repeat(20_000),
        ];
        for (n, case) in cases.iter().enumerate() {
            std::fs::write(&path, case).unwrap();
            match KeyFile::load(&path) {
                Err(Error::KeyFileDamaged) => {}
                Ok(loaded) => {
                    let opened = loaded.open_with_passphrase(PASSPHRASE);
                    assert!(opened.is_err(), "case {n} opened");
                }
                Err(other) => panic!("case {n}: {other:?}"),
            }
        }
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(
            KeyFile::load(&path),
            Err(Error::KeyFileMissing { .. })
        ));
    }

    #[test]
    fn a_new_passphrase_replaces_the_old_one_and_the_recovery_key_still_opens() {
        let file = KeyFile::create(
            &key(5),
            PASSPHRASE,
            &recovery(),
            &random(1),
            KdfParams::FAST_FOR_TESTS,
        )
        .unwrap();
        let opened = file.open_with_passphrase(PASSPHRASE).unwrap();
        let changed = file
            .with_new_passphrase(
                &opened,
                NEW_PASSPHRASE,
                &random(7),
                KdfParams::FAST_FOR_TESTS,
            )
            .unwrap();
        assert!(matches!(
            changed.open_with_passphrase(PASSPHRASE),
            Err(Error::WrongNotebookPassphrase)
        ));
        assert_eq!(
            changed
                .open_with_passphrase(NEW_PASSPHRASE)
                .unwrap()
                .as_bytes(),
            key(5).as_bytes()
        );
        assert_eq!(
            changed
                .open_with_recovery_key(&recovery().display())
                .unwrap()
                .as_bytes(),
            key(5).as_bytes()
        );
        // A new recovery sheet: the old key no longer opens.
        let renewed = changed
            .with_new_recovery_key(&opened, &RecoveryKey::from_bytes([9; 32]), &random(8))
            .unwrap();
        assert!(
            renewed
                .open_with_recovery_key(&recovery().display())
                .is_err()
        );
        assert!(
            renewed
                .open_with_recovery_key(&RecoveryKey::from_bytes([9; 32]).display())
                .is_ok()
        );
    }
}

/// Whether a plain SQLite connection keyed with `statements` reads the file at `path`.
fn reads_with(path: &Path, statements: &str) -> bool {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(statements).unwrap();
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .is_ok()
}

const AEGIS: &str = "PRAGMA cipher = 'aegis'; PRAGMA algorithm = 'aegis-256';";
const SQLCIPHER4: &str =
    "PRAGMA cipher = 'sqlcipher'; PRAGMA legacy = 4; PRAGMA hmac_algorithm = 1;";

/// `PRAGMA key = "x'…'";` for `key`, as a raw SQLite connection is keyed by hand.
fn raw_key(key: &NotebookKey) -> String {
    let hex: String = key.as_bytes().iter().map(|b| format!("{b:02X}")).collect();
    format!("PRAGMA key = \"x'{hex}'\";")
}

#[test]
fn notebooks_and_converted_copies_share_one_page_format() {
    // Created encrypted or converted from plaintext: AEGIS-256 pages, which a reader set for
    // the former format (SQLCipher 4) cannot read.
    let dir = tempfile::tempdir().unwrap();
    let created = dir.path().join("carnet.db");
    drop(Store::init_with(&created, Uuid::from_u128(1), Some(&key(3)), clock()).unwrap());
    let plain = dir.path().join("plain.db");
    let store = Store::init(&plain, Uuid::from_u128(1), clock()).unwrap();
    let converted = dir.path().join("copy.db");
    store.export_encrypted(&converted, &key(3)).unwrap();
    for path in [&created, &converted] {
        assert!(
            reads_with(path, &format!("{AEGIS} {}", raw_key(&key(3)))),
            "{path:?}"
        );
        assert!(
            !reads_with(path, &format!("{AEGIS} {}", raw_key(&key(4)))),
            "{path:?}: another key"
        );
        assert!(
            !reads_with(path, &format!("{SQLCIPHER4} {}", raw_key(&key(3)))),
            "{path:?}"
        );
        assert!(!reads_with(path, ""), "{path:?} read without a key");
        assert!(Store::open_with(path, Some(&key(3)), clock()).is_ok());
    }
}

mod former_page_format {
    //! Notebooks made before the page cipher changed (SQLCipher 4): the fixture was written by
    //! that version of Carnet. They open with the same passphrase and are converted once.

    use std::path::{Path, PathBuf};

    use carnet::conversion::{self, UpgradeStage};
    use carnet::{Store, notebook_lock};

    use super::{
        AEGIS, SQLCIPHER4, clock, contains, leftovers, notebook_bytes, raw_key, reads_with,
    };

    const PASSPHRASE: &str = "cheval correct agrafe batterie lune 2026";
    const DIGEST: &str = "8266f6f931c1b41cd70b99dc6d4b87cd4fdf677ae1cadfd4f4ed48880a5604e7";

    /// A copy of the fixture notebook and its key file in a new folder.
    fn former_notebook(dir: &Path) -> PathBuf {
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sqlcipher4-notebook");
        for name in ["carnet.db", "carnet.db.key"] {
            std::fs::copy(fixture.join(name), dir.join(name)).unwrap();
        }
        dir.join("carnet.db")
    }

    #[test]
    fn a_notebook_of_the_sqlcipher_version_opens_with_its_passphrase_and_is_converted() {
        let dir = tempfile::tempdir().unwrap();
        let db = former_notebook(dir.path());
        let key = notebook_lock::key_from_passphrase(&db, PASSPHRASE).unwrap();
        assert!(
            reads_with(&db, &format!("{SQLCIPHER4} {}", raw_key(&key))),
            "the fixture is SQLCipher 4"
        );
        assert!(!reads_with(&db, &format!("{AEGIS} {}", raw_key(&key))));

        let store = Store::open_with(&db, Some(&key), clock()).unwrap();
        assert_eq!(carnet::digest::digest(&store).unwrap(), DIGEST);
        let found = carnet::person::search(&store, "belkacem", None, 10).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        drop(store);

        assert!(
            reads_with(&db, &format!("{AEGIS} {}", raw_key(&key))),
            "converted to AEGIS"
        );
        assert!(!reads_with(&db, &format!("{SQLCIPHER4} {}", raw_key(&key))));
        assert!(leftovers(&db).is_empty(), "{:?}", leftovers(&db));
        for (name, bytes) in notebook_bytes(&db) {
            for secret in ["Belkacem", "traiteur", "06 12 34 56 78"] {
                assert!(!contains(&bytes, secret), "{secret:?} in clear in {name}");
            }
        }
        // The same passphrase opens it again, now with nothing to convert.
        let key = notebook_lock::key_from_passphrase(&db, PASSPHRASE).unwrap();
        let store = Store::open_with(&db, Some(&key), clock()).unwrap();
        assert_eq!(carnet::digest::digest(&store).unwrap(), DIGEST);
    }

    #[test]
    fn a_wrong_key_never_starts_a_conversion() {
        let dir = tempfile::tempdir().unwrap();
        let db = former_notebook(dir.path());
        let before = std::fs::read(&db).unwrap();
        let opened = Store::open_with(&db, Some(&super::key(7)), clock());
        assert!(
            matches!(opened, Err(carnet::Error::WrongNotebookKey)),
            "{opened:?}"
        );
        assert_eq!(
            std::fs::read(&db).unwrap(),
            before,
            "the file was not touched"
        );
        assert!(leftovers(&db).is_empty(), "{:?}", leftovers(&db));
    }

    #[test]
    fn a_conversion_stopped_at_any_step_leaves_one_complete_notebook() {
        for stage in [
            UpgradeStage::Copied,
            UpgradeStage::MovedAside,
            UpgradeStage::Swapped,
        ] {
            let dir = tempfile::tempdir().unwrap();
            let db = former_notebook(dir.path());
            let key = notebook_lock::key_from_passphrase(&db, PASSPHRASE).unwrap();
            conversion::upgrade_page_cipher_until(&db, &key, stage).unwrap();
            // The next start settles what is there before asking for the passphrase.
            let key = notebook_lock::key_from_passphrase(&db, PASSPHRASE).unwrap();
            assert!(leftovers(&db).is_empty(), "{stage:?}: {:?}", leftovers(&db));
            let converted = reads_with(&db, &format!("{AEGIS} {}", raw_key(&key)));
            assert_eq!(converted, stage == UpgradeStage::Swapped, "{stage:?}");
            let store = Store::open_with(&db, Some(&key), clock()).unwrap();
            assert_eq!(carnet::digest::digest(&store).unwrap(), DIGEST, "{stage:?}");
            drop(store);
            assert!(
                reads_with(&db, &format!("{AEGIS} {}", raw_key(&key))),
                "{stage:?}"
            );
            assert!(leftovers(&db).is_empty(), "{stage:?}: {:?}", leftovers(&db));
        }
    }
}

mod team_keys {
    //! The team's sync keys kept inside the encrypted notebook: sync starts with no second
    //! passphrase, only from an encrypted notebook, and never with a folder that moved on.

    use carnet::sync::{self, team_key};
    use carnet::{Error, Store, Uuid};

    use super::{clock, key, write_a_person};
    use crate::sync::{PASS, new_folder, secrets};

    #[test]
    fn an_encrypted_notebook_keeps_the_team_keys_and_syncs_with_them_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("partage");
        std::fs::create_dir(&shared).unwrap();
        let db = dir.path().join("carnet.db");
        let mut store = Store::init_with(&db, Uuid::from_u128(1), Some(&key(7)), clock()).unwrap();
        let folder = new_folder(&shared);
        assert!(team_key::keep(&store, &folder).unwrap());
        write_a_person(&mut store);
        drop(store);

        let mut store = Store::open_with(&db, Some(&key(7)), clock()).unwrap();
        let reopened = team_key::reopen(&store, &shared)
            .unwrap()
            .expect("kept keys");
        let report = sync::sync(&mut store, &reopened, None, &mut |_| {}).unwrap();
        assert!(report.changes_sent > 0);
        // What it wrote opens with the passphrase on another device.
        let (mut other, _) = crate::sync::device(2);
        let opened = carnet::sync::SyncFolder::open(&shared, PASS).unwrap();
        assert!(
            sync::sync(&mut other, &opened, None, &mut |_| {})
                .unwrap()
                .changes_applied
                > 0
        );
        // And the keys are nowhere in the notebook's bytes in clear.
        drop(store);
        let hex = carnet::hex::encode(&secrets(7).key);
        for (name, bytes) in super::notebook_bytes(&db) {
            assert!(
                !super::contains(&bytes, &hex),
                "team key in clear in {name}"
            );
        }
    }

    #[test]
    fn a_plaintext_notebook_never_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("partage");
        std::fs::create_dir(&shared).unwrap();
        let db = dir.path().join("carnet.db");
        let store = Store::init(&db, Uuid::from_u128(1), clock()).unwrap();
        let folder = new_folder(&shared);
        assert!(!team_key::keep(&store, &folder).unwrap());
        assert!(!team_key::is_kept(&store).unwrap());
        assert!(team_key::reopen(&store, &shared).unwrap().is_none());
    }

    #[test]
    fn a_folder_whose_passphrase_changed_since_asks_for_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("partage");
        std::fs::create_dir(&shared).unwrap();
        let db = dir.path().join("carnet.db");
        let store = Store::init_with(&db, Uuid::from_u128(1), Some(&key(7)), clock()).unwrap();
        let folder = new_folder(&shared);
        team_key::keep(&store, &folder).unwrap();
        // A colleague changes the team passphrase.
        let mut colleague = carnet::sync::SyncFolder::open(&shared, PASS).unwrap();
        colleague
            .change_passphrase(
                "une toute nouvelle phrase pour l'équipe du quartier",
                &secrets(9),
                carnet::sync::KdfParams::FAST_FOR_TESTS,
            )
            .unwrap();
        assert!(matches!(
            team_key::reopen(&store, &shared),
            Err(Error::SyncPassphraseChanged)
        ));
    }

    #[test]
    fn a_folder_of_another_team_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("partage");
        let other_shared = dir.path().join("autre");
        std::fs::create_dir(&shared).unwrap();
        std::fs::create_dir(&other_shared).unwrap();
        let db = dir.path().join("carnet.db");
        let store = Store::init_with(&db, Uuid::from_u128(1), Some(&key(7)), clock()).unwrap();
        team_key::keep(&store, &new_folder(&shared)).unwrap();
        carnet::sync::SyncFolder::create(
            &other_shared,
            PASS,
            &secrets(8),
            Uuid::from_u128(88),
            carnet::sync::KdfParams::FAST_FOR_TESTS,
        )
        .unwrap();
        assert!(matches!(
            team_key::reopen(&store, &other_shared),
            Err(Error::SyncOtherTeam)
        ));
        // Leaving the team forgets the keys.
        let mut store = store;
        sync::forget_team(&mut store).unwrap();
        assert!(!team_key::is_kept(&store).unwrap());
    }
}
