//! The journal (issue #16): each action leaves exactly one entry, with ids only; a removed,
//! altered or cut-off entry is found; retention drops the oldest entries and what remains
//! still verifies.

use std::path::Path;
use std::sync::Arc;

use carnet::audit::{self, Action};
use carnet::officer::Officer;
use carnet::person::Person;
use carnet::referral::NewReferral;
use carnet::{ManualClock, Store, Uuid};

use crate::fixture::{day, today};
use crate::sync::{new_folder, run};

const NAME: &str = "Zoubida";
const PHONE: &str = "06 71 42 93 58";

fn notebook(dir: &Path) -> (Store, std::path::PathBuf, Arc<ManualClock>) {
    let path = dir.join("journal.db");
    let clock = Arc::new(ManualClock::at_date(today()));
    let mut store = Store::init(&path, Uuid::from_u128(1), Box::new(clock.clone())).unwrap();
    store
        .write(|w| {
            w.create(&Officer {
                name: "Sarah Martin".into(),
                ..Officer::default()
            })?;
            carnet::partner::seed_partners(w)?;
            carnet::letter::template::seed_templates(w)?;
            Ok(())
        })
        .unwrap();
    (store, path, clock)
}

fn count(store: &Store, action: Action, record: Option<Uuid>) -> usize {
    audit::entries(store, None, Some(action))
        .unwrap()
        .iter()
        .filter(|e| record.is_none() || e.record == record)
        .count()
}

#[test]
fn each_action_leaves_one_entry_with_ids_only() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, path, _) = notebook(dir.path());
    let adie = carnet::partner::partners(&store)
        .unwrap()
        .into_iter()
        .find(|p| p.data.name == "ADIE")
        .unwrap()
        .id;
    let person = store
        .create(&Person {
            first_name: NAME.into(),
            last_name: "Kergoat".into(),
            phone: Some(PHONE.into()),
            consent_partners: Some(true),
            consent_date: Some(day(2026, 10, 2)),
            ..Person::default()
        })
        .unwrap();
    assert_eq!(count(&store, Action::Created, Some(person)), 1);

    let mut p: Person = store.get(person).unwrap();
    p.note = Some("Projet de salon de coiffure".into());
    store.update(person, &p).unwrap();
    assert_eq!(count(&store, Action::Changed, Some(person)), 1);

    carnet::person::open(&store, person).unwrap();
    assert_eq!(count(&store, Action::Opened, Some(person)), 1);

    let referral = store
        .write(|w| {
            carnet::referral::create(
                w,
                &NewReferral {
                    person_id: person,
                    partner_id: adie,
                    date: day(2026, 11, 20),
                    need: "financing".into(),
                    detail: None,
                    follow_up: None,
                },
            )
        })
        .unwrap();
    assert_eq!(count(&store, Action::Created, Some(referral)), 1);
    let saved = carnet::letter::save(
        &mut store,
        referral,
        None,
        day(2026, 11, 23),
        &dir.path().join("lettre.pdf"),
    )
    .unwrap();
    assert_eq!(
        count(&store, Action::LetterPrinted, Some(saved.letter_id)),
        1
    );

    let options = carnet::report::xlsx::ExportOptions {
        year: 2026,
        structure: "CitésLab".into(),
        made_on: today(),
        with_names: false,
    };
    carnet::report::export(
        &store,
        &options,
        &dir.path().join("bilan.csv"),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(count(&store, Action::Exported, None), 1);

    let folder_dir = tempfile::tempdir().unwrap();
    let folder = new_folder(folder_dir.path());
    run(&mut store, &folder);
    assert_eq!(count(&store, Action::Synced, None), 1);

    let other = store
        .create(&Person {
            first_name: "Autre".into(),
            last_name: "Personne".into(),
            ..Person::default()
        })
        .unwrap();
    store.write(|w| carnet::person::delete(w, other)).unwrap();
    assert_eq!(count(&store, Action::Deleted, Some(other)), 1);

    carnet::erasure::erase(&mut store, person).unwrap();
    assert_eq!(count(&store, Action::Erased, Some(person)), 1);
    let third = store
        .create(&Person {
            first_name: "Troisième".into(),
            last_name: "Personne".into(),
            ..Person::default()
        })
        .unwrap();
    carnet::erasure::anonymise(&mut store, third).unwrap();
    assert_eq!(count(&store, Action::Anonymised, Some(third)), 1);

    // Ids, codes and times: nothing of her in the journal, nor in its bytes on disk.
    let entries = audit::entries(&store, None, None).unwrap();
    assert!(entries.len() >= 9);
    let text = serde_json::to_string(&entries).unwrap();
    for needle in [NAME, "Kergoat", PHONE, "coiffure"] {
        assert!(!text.contains(needle), "« {needle} » in the journal");
    }
    let officer = carnet::officer::officers(&store).unwrap()[0].id;
    assert!(entries.iter().all(|e| e.officer == Some(officer)));
    assert!(audit::verify(&store).unwrap().is_ok());
    drop(store);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let rows: Vec<String> = raw
        .prepare(
            "SELECT coalesce(officer,'') || action || coalesce(entity,'') || coalesce(record,'')
               FROM audit_entry
             UNION ALL
             SELECT journal_officer || journal_action FROM change_log
              WHERE journal_seq IS NOT NULL",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(rows.len() >= entries.len());
    assert!(
        rows.iter()
            .all(|r| !r.contains(NAME) && !r.contains("71 42"))
    );
}

/// A journal of `n` consultations, one a day, the last today, and a person created every
/// tenth day (an entry carried by the change log).
fn journal_of(dir: &Path, n: i64) -> (Store, std::path::PathBuf, Arc<ManualClock>) {
    let (mut store, path, clock) = notebook(dir);
    let start = carnet::clock::Clock::now_ms(&*clock);
    for k in 0..n {
        clock.set(start - (n - 1 - k) * 86_400_000);
        audit::record(
            &store,
            Action::Opened,
            Some("person"),
            Some(Uuid::from_u128(k as u128)),
        )
        .unwrap();
        if k % 10 == 0 {
            store
                .create(&Person {
                    first_name: format!("Jour {k}"),
                    last_name: "Essai".into(),
                    ..Person::default()
                })
                .unwrap();
        }
    }
    clock.set(start);
    (store, path, clock)
}

fn tamper(path: &Path, sql: &str) {
    let raw = rusqlite::Connection::open(path).unwrap();
    raw.execute_batch(sql).unwrap();
}

#[test]
fn a_removed_altered_or_cut_off_entry_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let (store, path, clock) = journal_of(dir.path(), 30);
    let v = audit::verify(&store).unwrap();
    assert!(v.is_ok(), "{v:?}");
    let first = audit::entries(&store, None, Some(Action::Opened)).unwrap()[0].seq;
    drop(store);

    // An entry removed from the middle.
    let copy = dir.path().join("retire.db");
    std::fs::copy(&path, &copy).unwrap();
    tamper(
        &copy,
        &format!("DELETE FROM audit_entry WHERE seq = {}", first + 10),
    );
    let s = Store::open(&copy, Box::new(clock.clone())).unwrap();
    assert_eq!(audit::verify(&s).unwrap().broken_at, Some(first + 11));

    // An entry altered (another record id), or its time moved.
    for (name, sql) in [
        (
            "modifie.db",
            format!(
                "UPDATE audit_entry SET record = '00000000-0000-0000-0000-000000000000' WHERE seq = {}",
                first + 5
            ),
        ),
        (
            "heure.db",
            format!(
                "UPDATE audit_entry SET at_ms = at_ms + 1 WHERE seq = {}",
                first + 5
            ),
        ),
    ] {
        let copy = dir.path().join(name);
        std::fs::copy(&path, &copy).unwrap();
        tamper(&copy, &sql);
        let s = Store::open(&copy, Box::new(clock.clone())).unwrap();
        assert_eq!(
            audit::verify(&s).unwrap().broken_at,
            Some(first + 5),
            "{name}"
        );
    }

    // The last entries removed.
    let copy = dir.path().join("coupe.db");
    std::fs::copy(&path, &copy).unwrap();
    tamper(
        &copy,
        &format!("DELETE FROM audit_entry WHERE seq > {}", first + 25),
    );
    let s = Store::open(&copy, Box::new(clock.clone())).unwrap();
    let v = audit::verify(&s).unwrap();
    assert!(v.truncated && v.broken_at.is_none(), "{v:?}");
}

/// The entries of writes ride on their change-log rows: removing such a row, or changing
/// what its entry says, is found just the same.
#[test]
fn a_write_entry_removed_or_altered_in_the_change_log_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, path, clock) = notebook(dir.path());
    let mut ids = Vec::new();
    for k in 0..6 {
        ids.push(
            store
                .create(&Person {
                    first_name: format!("Personne {k}"),
                    last_name: "Essai".into(),
                    ..Person::default()
                })
                .unwrap(),
        );
        audit::record(&store, Action::Opened, Some("person"), Some(ids[k])).unwrap();
    }
    assert!(audit::verify(&store).unwrap().is_ok());
    let created: Vec<i64> = audit::entries(&store, None, Some(Action::Created))
        .unwrap()
        .iter()
        .filter(|e| e.record.is_some_and(|r| ids.contains(&r)))
        .map(|e| e.seq)
        .collect();
    assert_eq!(created.len(), 6);
    drop(store);
    let target = created[2];
    for (name, sql) in [
        (
            "ligne.db",
            format!("DELETE FROM change_log WHERE journal_seq = {target}"),
        ),
        (
            "action.db",
            format!(
                "UPDATE change_log SET journal_action = 'changed' WHERE journal_seq = {target}"
            ),
        ),
        (
            "qui.db",
            format!("UPDATE change_log SET journal_officer = NULL WHERE journal_seq = {target}"),
        ),
        (
            "quand.db",
            format!(
                "UPDATE change_log SET journal_at = journal_at - 60000 WHERE journal_seq = {target}"
            ),
        ),
    ] {
        let copy = dir.path().join(name);
        std::fs::copy(&path, &copy).unwrap();
        tamper(&copy, &sql);
        let s = Store::open(&copy, Box::new(clock.clone())).unwrap();
        let v = audit::verify(&s).unwrap();
        let expected = if name == "ligne.db" {
            target + 1
        } else {
            target
        };
        assert_eq!(v.broken_at, Some(expected), "{name}: {v:?}");
    }
    // The last write's row removed with everything after it: the head says so.
    let copy = dir.path().join("fin.db");
    std::fs::copy(&path, &copy).unwrap();
    tamper(
        &copy,
        &format!(
            "DELETE FROM change_log WHERE journal_seq >= {0};
             DELETE FROM audit_entry WHERE seq >= {0};",
            created[5]
        ),
    );
    let s = Store::open(&copy, Box::new(clock.clone())).unwrap();
    let v = audit::verify(&s).unwrap();
    assert!(v.truncated && v.broken_at.is_none(), "{v:?}");
}

#[test]
fn entries_older_than_the_setting_are_dropped_and_the_rest_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    // Two years of daily entries; kept: 12 months.
    let (store, path, clock) = journal_of(dir.path(), 730);
    drop(store);
    // Opening prunes by the setting (12 months by default).
    let mut store = Store::open(&path, Box::new(clock.clone())).unwrap();
    let left = audit::entries(&store, None, Some(Action::Opened)).unwrap();
    assert!((364..=367).contains(&left.len()), "{} left", left.len());
    let oldest = chrono::DateTime::from_timestamp_millis(left[0].at_ms)
        .unwrap()
        .date_naive();
    assert!(oldest >= day(2025, 11, 25), "{oldest}");
    let created = audit::entries(&store, None, Some(Action::Created)).unwrap();
    assert!(
        (36..=38).contains(&created.len()),
        "{} created",
        created.len()
    );
    assert!(
        created
            .iter()
            .all(|e| e.at_ms >= left[0].at_ms - 86_400_000)
    );
    assert!(audit::verify(&store).unwrap().is_ok());
    // A person created two years ago (her entry dropped) and one created this year, erased:
    // their entries move out of the change log without coming back from before the anchor.
    let persons = carnet::person::all(&store).unwrap();
    for name in ["Jour 0", "Jour 700"] {
        let id = persons
            .iter()
            .find(|p| p.data.first_name == name)
            .unwrap()
            .id;
        carnet::erasure::erase(&mut store, id).unwrap();
        let v = audit::verify(&store).unwrap();
        assert!(v.is_ok(), "after erasing « {name} »: {v:?}");
    }
    // Shorter still: 1 month; the chain verifies, and more entries chain on.
    audit::set_months(&mut store, 1).unwrap();
    audit::prune(&store, 1).unwrap();
    let month_ago = chrono::NaiveDate::from_ymd_opt(2026, 10, 24)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    let kept = audit::entries(&store, None, None).unwrap();
    assert!(kept.iter().all(|e| e.at_ms >= month_ago), "{kept:?}");
    audit::record(&store, Action::Synced, None, None).unwrap();
    store
        .create(&Person {
            first_name: "Après".into(),
            last_name: "Élagage".into(),
            ..Person::default()
        })
        .unwrap();
    assert!(audit::verify(&store).unwrap().is_ok());
    // Out of range is refused in French.
    let err = audit::set_months(&mut store, 0).unwrap_err();
    assert_eq!(err.field(), Some("audit_months"));
}
