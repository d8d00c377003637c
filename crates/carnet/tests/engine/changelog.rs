//! The change log records every field change, stamped with strictly increasing clocks.

use carnet::encounter::Encounter;
use carnet::person::Person;

use crate::fixture::{fixture, person, today};

#[test]
fn every_field_change_is_logged_with_increasing_clocks_even_when_time_goes_back() {
    let mut f = fixture();
    let start = f.store.change_count().unwrap();
    let id = f
        .store
        .create(&Person {
            phone: Some("0612345678".into()),
            ..person("Léa", "Girard")
        })
        .unwrap();
    // Three fields set: first name, last name, phone.
    assert_eq!(f.store.change_count().unwrap() - start, 3);

    f.clock.advance(-3_600_000); // the laptop's clock jumps back an hour
    let mut edited: Person = f.store.get(id).unwrap();
    edited.last_name = "Girard-Martin".into();
    edited.city = Some("Montbéliard".into());
    f.store.update(id, &edited).unwrap();
    // Only the two changed fields are logged.
    assert_eq!(f.store.change_count().unwrap() - start, 5);

    f.store.delete::<Person>(id).unwrap();
    let changes = f.store.changes_since(0).unwrap();
    let stamps: Vec<_> = changes.iter().map(|(_, c)| c.hlc).collect();
    assert!(
        stamps.windows(2).all(|w| w[0] < w[1]),
        "clocks must strictly increase"
    );
    let last = &changes.last().unwrap().1;
    assert_eq!((last.entity.name, last.field), ("person", "deleted"));
    assert_eq!(f.store.get::<Person>(id).unwrap_err().kind(), "unknown_id");
}

#[test]
fn clock_survives_reopening_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("carnet.db");
    let clock = std::sync::Arc::new(carnet::ManualClock::at_date(today()));
    let device = carnet::Uuid::from_u128(3);
    let last = {
        let mut store = carnet::Store::init(&path, device, Box::new(clock.clone())).unwrap();
        store.create(&person("A", "B")).unwrap();
        store.last_hlc()
    };
    clock.advance(-86_400_000); // reopened with a clock a day behind
    let mut store = carnet::Store::open(&path, Box::new(clock.clone())).unwrap();
    assert_eq!(store.device_id(), device);
    store.create(&person("C", "D")).unwrap();
    assert!(store.last_hlc() > last);
}

#[test]
fn encounter_updates_log_only_changed_fields() {
    let mut f = fixture();
    let mut e = Encounter::new(today(), "market");
    e.head_count = Some(3);
    let id = f.store.create(&e).unwrap();
    let before = f.store.change_count().unwrap();
    f.store.update(id, &e).unwrap();
    assert_eq!(
        f.store.change_count().unwrap(),
        before,
        "no change, no log row"
    );
    e.head_count = Some(4);
    f.store.update(id, &e).unwrap();
    assert_eq!(f.store.change_count().unwrap(), before + 1);
}

#[test]
fn database_files_are_refused_or_created_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let clock = || Box::new(carnet::ManualClock::at_date(today()));
    let missing = dir.path().join("absent.db");
    assert_eq!(
        carnet::Store::open(&missing, clock()).unwrap_err().kind(),
        "no_database"
    );
    let not_db = dir.path().join("notes.txt");
    std::fs::write(&not_db, "ceci n'est pas une base").unwrap();
    let err = carnet::Store::open(&not_db, clock()).unwrap_err();
    assert!(
        matches!(err.kind(), "cannot_open" | "not_a_carnet_database"),
        "{}",
        err.kind()
    );
    let nowhere = dir.path().join("no/such/folder/carnet.db");
    assert_eq!(
        carnet::Store::init(&nowhere, carnet::Uuid::from_u128(1), clock())
            .unwrap_err()
            .kind(),
        "cannot_open"
    );
    let path = dir.path().join("carnet.db");
    carnet::Store::init(&path, carnet::Uuid::from_u128(1), clock()).unwrap();
    assert_eq!(
        carnet::Store::init(&path, carnet::Uuid::from_u128(1), clock())
            .unwrap_err()
            .kind(),
        "database_exists"
    );
    let store = carnet::Store::open(&path, clock()).unwrap();
    assert!(carnet::check::check(&store).unwrap().is_ok());
}

#[cfg(unix)]
#[test]
fn the_notebook_and_its_journal_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("carnet.db");
    let clock = Box::new(carnet::ManualClock::at_date(crate::fixture::today()));
    let mut store = carnet::Store::init(&db, carnet::Uuid::from_u128(1), clock).unwrap();
    store
        .create(&crate::fixture::person("Inès", "Haddad"))
        .unwrap();
    for name in ["carnet.db", "carnet.db-wal"] {
        let mode = std::fs::metadata(dir.path().join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{name}");
    }
}

#[test]
fn check_finds_values_changed_behind_the_log_rows_without_history_and_invalid_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("carnet.db");
    let clock = || Box::new(carnet::ManualClock::at_date(crate::fixture::today()));
    let mut store = carnet::Store::init(&path, carnet::Uuid::from_u128(1), clock()).unwrap();
    let samira = store
        .create(&crate::fixture::person("Samira", "Hamidi"))
        .unwrap();
    store
        .create(&crate::fixture::person("Karim", "Haddad"))
        .unwrap();
    assert!(carnet::check::check(&store).unwrap().is_ok());
    drop(store);
    // Written behind the engine's back, as a damaged or hand-edited file would be.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE person SET last_name = 'Autre' WHERE id = ?1",
        [samira.to_string()],
    )
    .unwrap();
    conn.execute(
        "UPDATE person SET gender = 'inconnu' WHERE last_name = 'Haddad'",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO partner (id, name, kind) VALUES ('00000000-0000-0000-0000-00000000abcd', 'Fantôme', 'other')",
        [],
    )
    .unwrap();
    // Karim's key taken out of the search index.
    conn.execute(
        "INSERT INTO person_trigram (person_trigram, rowid, search_key)
         SELECT 'delete', rowid, search_key FROM person WHERE last_name = 'Haddad'",
        [],
    )
    .unwrap();
    drop(conn);
    let store = carnet::Store::open(&path, clock()).unwrap();
    let report = carnet::check::check(&store).unwrap();
    assert_eq!(
        report.problems,
        [
            "Index de recherche des personnes : il ne correspond pas aux fiches.",
            "Table partner : 2 valeur(s) ne correspondent pas au journal des modifications.",
            "Table partner : 1 ligne(s) sans modification enregistrée.",
            "Table person : 2 valeur(s) ne correspondent pas au journal des modifications.",
            "Table person : 1 valeur(s) invalide(s) (format, liste de choix ou longueur).",
            "1 clé(s) de recherche de personnes ne sont pas à jour.",
        ],
        "{:?}",
        report.problems
    );
}
