//! Erasing a person, as the attacker of a "forgotten" person would check it: scan the
//! notebook's bytes for her name, phone and note; replay a colleague's offline edits; let a
//! device join afterwards.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use carnet::encounter::Encounter;
use carnet::meeting::Meeting;
use carnet::outcome::Outcome;
use carnet::person::Person;
use carnet::referral::NewReferral;
use carnet::{ManualClock, Store, Uuid};

use crate::fixture::{day, digest, today};
use crate::sync::{new_folder, run};

const FIRST: &str = "Zoubida";
const LAST: &str = "Ouattara-Kergoat";
const PHONE: &str = "06 71 42 93 58";
const NOTE: &str = "Souhaite ouvrir un salon de coiffure afro rue des Lilas";

/// A plaintext notebook file (so that a byte scan means something) for device `n`.
fn notebook(dir: &Path, n: u128) -> (Store, PathBuf, Arc<ManualClock>) {
    let path = dir.join(format!("appareil-{n}.db"));
    let clock = Arc::new(ManualClock::at_date(today()));
    let store = Store::init(&path, Uuid::from_u128(n), Box::new(clock.clone())).unwrap();
    (store, path, clock)
}

/// Every byte of the notebook's files, after a checkpoint (nothing left in the WAL).
fn bytes_of(store: &Store, path: &Path) -> Vec<u8> {
    store.checkpoint().unwrap();
    let mut all = std::fs::read(path).unwrap();
    for suffix in ["-wal", "-journal"] {
        if let Ok(more) = std::fs::read(format!("{}{suffix}", path.display())) {
            all.extend(more);
        }
    }
    all
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn assert_no_trace(store: &Store, path: &Path, who: &str) {
    let bytes = bytes_of(store, path);
    for needle in [
        FIRST,
        LAST,
        "Kergoat",
        "coiffure afro",
        "71 42 93",
        "0671429358",
    ] {
        assert!(
            !holds(&bytes, needle),
            "{who}: « {needle} » is still in the file"
        );
    }
    assert!(
        carnet::person::search(store, "zoubida", None, 10)
            .unwrap()
            .is_empty(),
        "{who}: still found by search"
    );
    assert!(
        carnet::sync::conflicts(store).unwrap().iter().all(|c| {
            let text = format!("{c:?}");
            !text.contains(FIRST) && !text.contains(PHONE)
        }),
        "{who}: a conflict kept her values"
    );
}

/// Zoubida, with a history of every kind on device `store`: encounters, a referral with its
/// steps and letter, an outcome, a meeting attended, a retention extension.
fn with_history(store: &mut Store) -> (Uuid, Vec<Uuid>) {
    store
        .write(|w| carnet::notebook::start(w, Some("Sarah Martin"), Some("Pays de Montbéliard")))
        .unwrap();
    let quartier = carnet::territory::quartiers(store).unwrap()[0].id;
    let adie = carnet::partner::partners(store)
        .unwrap()
        .into_iter()
        .find(|p| p.data.name == "ADIE")
        .unwrap()
        .id;
    let person = store
        .create(&Person {
            first_name: FIRST.into(),
            last_name: LAST.into(),
            phone: Some(PHONE.into()),
            note: Some(NOTE.into()),
            quartier_id: Some(quartier),
            consent_partners: Some(true),
            consent_date: Some(day(2026, 10, 2)),
            ..Default::default()
        })
        .unwrap();
    let mut encounters = Vec::new();
    for (date, kind) in [
        (day(2026, 10, 2), "market"),
        (day(2026, 11, 3), "interview"),
    ] {
        let mut e = Encounter::new(date, kind);
        e.person_id = Some(person);
        e.quartier_id = Some(quartier);
        e.note = Some(format!("{NOTE}, rappeler au {PHONE}"));
        e.follow_up = Some(day(2026, 12, 1));
        encounters.push(store.create(&e).unwrap());
    }
    let referral = store
        .write(|w| {
            carnet::referral::create(
                w,
                &NewReferral {
                    person_id: person,
                    partner_id: adie,
                    date: day(2026, 11, 3),
                    need: "financing".into(),
                    detail: Some(format!("Microcrédit pour {NOTE}")),
                    follow_up: None,
                },
            )
        })
        .unwrap();
    carnet::letter::make(store, referral, None, day(2026, 11, 4)).unwrap();
    store
        .create(&Outcome {
            person_id: person,
            kind: "business_created".into(),
            date: day(2026, 11, 20),
            legal_form: None,
            siret: None,
            sector: None,
            note: Some(format!("Salon ouvert par {FIRST}")),
        })
        .unwrap();
    let meeting = store
        .create(&Meeting {
            date: day(2026, 10, 15),
            title: "Atelier financement".into(),
            kind: "atelier".into(),
            partner_id: None,
            quartier_id: None,
            attendee_count: None,
            note: None,
        })
        .unwrap();
    store
        .write(|w| carnet::meeting::attach(w, meeting, person))
        .unwrap();
    carnet::retention::prolong(store, person, day(2027, 6, 30), "Suivi ADIE", today()).unwrap();
    (person, encounters)
}

#[test]
fn erasing_removes_every_trace_and_keeps_encounters_as_anonymous_contacts() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, path, _) = notebook(dir.path(), 1);
    let (person, encounters) = with_history(&mut a);
    assert!(
        holds(&bytes_of(&a, &path), LAST),
        "the scan finds her before"
    );
    let preview = carnet::erasure::preview(&a, person).unwrap();
    assert_eq!(
        (
            preview.encounters,
            preview.referrals,
            preview.outcomes,
            preview.letters,
            preview.attendances
        ),
        (2, 1, 1, 1, 1)
    );

    let purged = carnet::erasure::erase(&mut a, person).unwrap();
    assert_eq!(purged.encounters_detached, 2);
    // The person, the referral and its step, the letter, the outcome, the attendance and the
    // extension.
    assert_eq!(purged.rows, 7);
    assert_no_trace(&a, &path, "A");
    for id in &encounters {
        let e: Encounter = a.get(*id).unwrap();
        assert_eq!(e.person_id, None);
        assert_eq!(e.note, None);
        assert_eq!(e.follow_up, None);
        assert!(e.quartier_id.is_some(), "the quartier stays");
    }
    assert!(
        carnet::timeline::of_person(&a, person).is_err()
            || carnet::timeline::of_person(&a, person).unwrap().is_empty()
    );
    let err = carnet::erasure::erase(&mut a, person).unwrap_err();
    assert_eq!(
        err.kind(),
        "unknown_id",
        "an erased person cannot be erased twice"
    );
    let check = carnet::check::check(&a).unwrap();
    assert!(check.is_ok(), "{:?}", check.problems);
}

#[test]
fn the_order_reaches_every_device_drops_offline_edits_and_a_late_device_gets_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let folder_dir = tempfile::tempdir().unwrap();
    let folder = new_folder(folder_dir.path());
    let (mut a, path_a, _) = notebook(dir.path(), 1);
    let (mut b, path_b, _) = notebook(dir.path(), 2);
    let (mut c, path_c, _) = notebook(dir.path(), 3);
    let (person, _) = with_history(&mut a);
    run(&mut a, &folder);
    run(&mut b, &folder);
    assert_eq!(
        carnet::person::search(&b, "zoubida", None, 5)
            .unwrap()
            .len(),
        1
    );

    // B, offline, corrects her phone and writes a note; A erases her meanwhile.
    let mut p: Person = b.get(person).unwrap();
    p.phone = Some("07 11 22 33 44".into());
    p.note = Some(format!("{NOTE} — rendez-vous BGE pris"));
    b.update(person, &p).unwrap();
    carnet::erasure::erase(&mut a, person).unwrap();
    run(&mut a, &folder);

    // C never saw her: it reads her creation and the order in the same sync.
    let got = run(&mut c, &folder);
    assert!(got.persons_erased >= 1 || got.erased_dropped > 0);
    assert_no_trace(&c, &path_c, "C");

    // B comes back: the order is applied before it writes, her edits are dropped and said.
    let back = run(&mut b, &folder);
    assert_eq!(back.persons_erased, 1);
    assert!(back.own_edits_dropped >= 1, "{back:?}");
    assert_eq!(back.changes_sent, 0, "nothing about her leaves B");
    assert_no_trace(&b, &path_b, "B");

    run(&mut a, &folder);
    run(&mut c, &folder);
    assert_no_trace(&a, &path_a, "A");
    assert_eq!(digest(&a), digest(&b));
    assert_eq!(digest(&a), digest(&c));

    // D joins afterwards and reads every segment, in the folder's order.
    let (mut d, path_d, _) = notebook(dir.path(), 4);
    run(&mut d, &folder);
    assert_no_trace(&d, &path_d, "D");
    assert_eq!(digest(&a), digest(&d));
}

#[test]
fn a_colleagues_new_referral_for_an_erased_person_is_purged_when_it_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let folder_dir = tempfile::tempdir().unwrap();
    let folder = new_folder(folder_dir.path());
    let (mut a, path_a, _) = notebook(dir.path(), 1);
    let (mut b, _, _) = notebook(dir.path(), 2);
    let (person, _) = with_history(&mut a);
    run(&mut a, &folder);
    run(&mut b, &folder);
    // B refers her to BGE and syncs before A's erasure is in the folder.
    let bge = carnet::partner::partners(&b)
        .unwrap()
        .into_iter()
        .find(|p| p.data.name == "BGE")
        .unwrap()
        .id;
    b.write(|w| {
        carnet::referral::create(
            w,
            &NewReferral {
                person_id: person,
                partner_id: bge,
                date: today(),
                need: "support".into(),
                detail: Some(format!("{FIRST} veut un accompagnement BGE")),
                follow_up: None,
            },
        )
    })
    .unwrap();
    carnet::erasure::erase(&mut a, person).unwrap();
    run(&mut b, &folder);
    // A reads B's referral after erasing her: sealed with her key, which A destroyed, it
    // stays closed and is counted as dropped.
    let got = run(&mut a, &folder);
    assert!(got.erased_dropped >= 5, "{got:?}");
    assert!(got.skipped.is_empty(), "{got:?}");
    assert_no_trace(&a, &path_a, "A");
    run(&mut b, &folder);
    assert_eq!(digest(&a), digest(&b));
    assert!(
        carnet::referral::overview(&a, None, 100)
            .unwrap()
            .iter()
            .all(|r| r.person_id != person)
    );
}

#[test]
fn anonymising_keeps_the_skeleton_and_nothing_that_names_her() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, path, _) = notebook(dir.path(), 1);
    let (person, encounters) = with_history(&mut a);
    let mut p: Person = a.get(person).unwrap();
    p.birth_date = Some(day(1999, 8, 17));
    p.gender = Some("female".into());
    a.update(person, &p).unwrap();
    let before = carnet::report::indicators(&a, 2026).unwrap();

    let purged = carnet::erasure::anonymise(&mut a, person).unwrap();
    assert_no_trace(&a, &path, "A");
    assert!(a.get::<Person>(person).is_err(), "her own record is gone");
    let copy = purged.anonymous_copy.expect("she counted in the figures");
    assert_ne!(copy, person, "the copy shares no id with her");
    // Two encounters, the meeting, the referral and the outcome.
    assert_eq!(purged.kept_anonymously, 5);
    let kept: Person = a.get(copy).unwrap();
    assert_eq!(
        (kept.first_name.as_str(), kept.last_name.as_str()),
        ("Personne", "anonymisée")
    );
    assert_eq!(kept.phone, None);
    assert_eq!(kept.note, None);
    assert_eq!(kept.gender.as_deref(), Some("female"));
    assert!(kept.quartier_id.is_some());
    assert_eq!(
        kept.birth_date,
        Some(day(1999, 1, 1)),
        "26 at both contacts either way: only the year stays"
    );
    for id in &encounters {
        assert!(
            a.get::<Encounter>(*id).is_err(),
            "her encounters are replaced by the copy's"
        );
    }
    let timeline = carnet::timeline::of_person(&a, copy).unwrap();
    assert!(
        !timeline.is_empty(),
        "the copy has the encounters, without notes"
    );
    assert!(!format!("{timeline:?}").contains("coiffure"));
    assert_eq!(carnet::report::indicators(&a, 2026).unwrap(), before);
    // Anonymising the copy again changes nothing.
    assert_eq!(
        carnet::erasure::anonymise(&mut a, copy).unwrap(),
        carnet::erasure::Purged::default()
    );
    let check = carnet::check::check(&a).unwrap();
    assert!(check.is_ok(), "{:?}", check.problems);
    assert!(
        carnet::person::search(&a, "anonymisée", None, 5)
            .unwrap()
            .len()
            == 1,
        "found under her anonymous name"
    );
}

#[test]
fn anonymising_past_retention_keeps_every_years_figures() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.db");
    let clock = Arc::new(ManualClock::at_date(today()));
    let mut store = Store::init(&path, Uuid::from_u128(1), Box::new(clock.clone())).unwrap();
    carnet_demo::generate(
        &mut store,
        &carnet_demo::DemoOptions {
            seed: 3,
            years: 3,
            until: today(),
        },
        &mut |_| {},
    )
    .unwrap();
    let years = [2023, 2024, 2025, 2026];
    let before: Vec<_> = years
        .iter()
        .map(|y| carnet::report::indicators(&store, *y).unwrap())
        .collect();
    let due: Vec<Uuid> = carnet::retention::due(&store, today(), 12)
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert!(due.len() > 500, "{} persons past 12 months", due.len());
    let mut seen = 0;
    carnet::erasure::anonymise_all(&mut store, &due, &mut |done, total| {
        assert_eq!(total, due.len());
        seen = done;
    })
    .unwrap();
    assert_eq!(seen, due.len(), "progress reaches the end");
    assert!(
        carnet::retention::due(&store, today(), 12)
            .unwrap()
            .is_empty(),
        "anonymised persons are no longer to review"
    );
    for (year, was) in years.iter().zip(&before) {
        assert_eq!(
            &carnet::report::indicators(&store, *year).unwrap(),
            was,
            "figures of {year}"
        );
    }
    let check = carnet::check::check(&store).unwrap();
    assert!(check.is_ok(), "{:?}", check.problems);
}

#[test]
fn an_anonymisation_reaches_every_device_and_its_copy_can_still_be_erased() {
    let dir = tempfile::tempdir().unwrap();
    let folder_dir = tempfile::tempdir().unwrap();
    let folder = new_folder(folder_dir.path());
    let (mut a, path_a, _) = notebook(dir.path(), 1);
    let (mut b, path_b, _) = notebook(dir.path(), 2);
    let (person, _) = with_history(&mut a);
    run(&mut a, &folder);
    run(&mut b, &folder);
    // B, offline, corrects her name and phone; A anonymises her meanwhile.
    let mut p: Person = b.get(person).unwrap();
    p.first_name = "Zoubeida".into();
    p.phone = Some("07 11 22 33 44".into());
    b.update(person, &p).unwrap();
    carnet::erasure::anonymise(&mut a, person).unwrap();
    run(&mut a, &folder);
    let back = run(&mut b, &folder);
    assert!(back.own_edits_dropped >= 1, "{back:?}");
    run(&mut a, &folder);
    assert_eq!(digest(&a), digest(&b));
    for (store, path, who) in [(&a, &path_a, "A"), (&b, &path_b, "B")] {
        assert_no_trace(store, path, who);
        let bytes = bytes_of(store, path);
        assert!(
            !holds(&bytes, "Zoubeida") && !holds(&bytes, "0711223344"),
            "{who}"
        );
        assert!(store.get::<Person>(person).is_err(), "{who}");
        let copies = carnet::person::search(store, "anonymisée", None, 5).unwrap();
        assert_eq!(copies.len(), 1, "{who}: one anonymous copy");
    }
    // A late device reads everything, in the folder's order.
    let (mut c, path_c, _) = notebook(dir.path(), 3);
    run(&mut c, &folder);
    assert_no_trace(&c, &path_c, "C");
    assert_eq!(digest(&a), digest(&c));

    // She can no longer be erased or anonymised (she is gone); her anonymous copy can be
    // erased, and then it goes everywhere too.
    assert!(carnet::erasure::erase(&mut b, person).is_err());
    let copy = carnet::person::search(&b, "anonymisée", None, 5).unwrap()[0].id;
    carnet::erasure::erase(&mut b, copy).unwrap();
    run(&mut b, &folder);
    run(&mut a, &folder);
    run(&mut c, &folder);
    run(&mut b, &folder);
    for store in [&a, &b, &c] {
        assert!(store.get::<Person>(person).is_err());
        assert!(store.get::<Person>(copy).is_err());
    }
    assert_eq!(digest(&a), digest(&b));
    assert_eq!(digest(&a), digest(&c));
}

#[test]
fn erasing_keeps_the_figures_of_closed_years_on_every_device() {
    let dir = tempfile::tempdir().unwrap();
    let folder_dir = tempfile::tempdir().unwrap();
    let folder = new_folder(folder_dir.path());
    let (mut a, _, _) = notebook(dir.path(), 1);
    carnet_demo::generate(
        &mut a,
        &carnet_demo::DemoOptions {
            seed: 5,
            years: 2,
            until: today(),
        },
        &mut |_| {},
    )
    .unwrap();
    let (mut b, _, _) = notebook(dir.path(), 2);
    run(&mut a, &folder);
    run(&mut b, &folder);
    let closed = [2024, 2025];
    let figures = |store: &Store| -> Vec<carnet::report::Indicators> {
        closed
            .iter()
            .map(|y| carnet::report::indicators(store, *y).unwrap())
            .collect()
    };
    let before = figures(&a);
    let this_year = carnet::report::indicators(&a, 2026).unwrap();
    // Persons met both last year and this year, and persons met only in closed years.
    let both: Vec<Uuid> = {
        let last = carnet::person::seen_between(&a, day(2025, 1, 1), day(2025, 12, 31)).unwrap();
        let now = carnet::person::seen_between(&a, day(2026, 1, 1), today()).unwrap();
        let now: std::collections::HashSet<Uuid> = now.iter().map(|p| p.id).collect();
        last.iter()
            .map(|p| p.id)
            .filter(|id| now.contains(id))
            .take(12)
            .collect()
    };
    let earlier: Vec<Uuid> = carnet::retention::due(&a, today(), 12)
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .take(12)
        .collect();
    assert!(
        both.len() >= 10 && earlier.len() >= 10,
        "{} {}",
        both.len(),
        earlier.len()
    );
    let mut kept = 0;
    for person in both.iter().chain(&earlier) {
        let purged = carnet::erasure::erase(&mut a, *person).unwrap();
        assert!(
            purged.kept_anonymously > 0,
            "each was counted in a closed year"
        );
        kept += purged.kept_anonymously;
        assert!(
            carnet::person::all(&a)
                .unwrap()
                .iter()
                .all(|p| p.id != *person)
        );
    }
    assert!(kept > 20, "{kept} rows kept anonymously");
    assert_eq!(figures(&a), before, "closed years unchanged where erased");
    let now = carnet::report::indicators(&a, 2026).unwrap();
    assert_eq!(
        now.persons_received,
        this_year.persons_received - both.len() as i64,
        "this year, the erased persons are no longer counted"
    );
    // The anonymous copies are never to review, and hold no name.
    for due in carnet::retention::due(&a, today(), 12).unwrap() {
        let p: Person = a.get(due.id).unwrap();
        assert_ne!(
            p.first_name, "Personne",
            "an anonymous copy is listed for review"
        );
    }
    let check = carnet::check::check(&a).unwrap();
    assert!(check.is_ok(), "{:?}", check.problems);

    run(&mut a, &folder);
    run(&mut b, &folder);
    assert_eq!(
        figures(&b),
        before,
        "closed years unchanged on a colleague's device"
    );
    assert_eq!(digest(&a), digest(&b));
    let (mut d, _, _) = notebook(dir.path(), 4);
    run(&mut d, &folder);
    assert_eq!(
        figures(&d),
        before,
        "closed years unchanged on a new device"
    );
    assert_eq!(digest(&a), digest(&d));
}

#[test]
fn the_anonymous_copy_for_closed_years_names_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, path, _) = notebook(dir.path(), 1);
    let (person, _) = with_history(&mut a);
    // Her story started last year.
    let quartier = carnet::territory::quartiers(&a).unwrap()[0].id;
    let mut e = Encounter::new(day(2025, 6, 12), "interview");
    e.person_id = Some(person);
    e.quartier_id = Some(quartier);
    e.note = Some(format!("{NOTE}, joindre au {PHONE}"));
    a.create(&e).unwrap();
    let mut p: Person = a.get(person).unwrap();
    p.birth_date = Some(day(1990, 3, 4));
    p.gender = Some("female".into());
    a.update(person, &p).unwrap();
    let before = carnet::report::indicators(&a, 2025).unwrap();
    assert_eq!(before.persons_received, 1);

    let purged = carnet::erasure::erase(&mut a, person).unwrap();
    assert_eq!(purged.kept_anonymously, 1, "last year's interview");
    assert_no_trace(&a, &path, "A");
    assert_eq!(carnet::report::indicators(&a, 2025).unwrap(), before);
    let this_year = carnet::report::indicators(&a, 2026).unwrap();
    assert_eq!(this_year.persons_received, 0);
    let copy = carnet::person::all(&a).unwrap();
    assert_eq!(copy.len(), 1);
    let copy = &copy[0];
    assert_ne!(copy.id, person);
    assert_eq!(
        (copy.data.first_name.as_str(), copy.data.last_name.as_str()),
        ("Personne", "anonymisée")
    );
    assert_eq!(copy.data.birth_date, Some(day(1990, 1, 1)));
    assert_eq!(
        (copy.data.phone.as_ref(), copy.data.note.as_ref()),
        (None, None)
    );
    let named = Person {
        first_name: FIRST.into(),
        ..copy.data.clone()
    };
    assert!(
        a.update(copy.id, &named).is_err(),
        "its identity cannot be filled in"
    );
}

/// Whether anything the team passphrase opens in the folder still holds her.
fn folder_holds_her(folder: &carnet::sync::SyncFolder) -> Vec<&'static str> {
    let readable = folder.readable_with_team_key();
    [
        FIRST,
        LAST,
        "Kergoat",
        "coiffure afro",
        "71 42 93",
        "0671429358",
        "Zoubeida",
    ]
    .into_iter()
    .filter(|needle| readable.iter().any(|plain| holds(plain, needle)))
    .collect()
}

fn key_bundles(shared: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(shared.join("carnet-sync/persons"))
        .map(|d| d.map(|f| f.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn old_segments_become_unreadable_for_her_even_for_a_device_that_joins_later() {
    let dir = tempfile::tempdir().unwrap();
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let (mut a, path_a, _) = notebook(dir.path(), 1);
    let (mut b, path_b, _) = notebook(dir.path(), 2);
    let (person, _) = with_history(&mut a);
    run(&mut a, &folder);
    run(&mut b, &folder);
    // E, a laptop that will never sync again, wrote about her too.
    let (mut e, path_e, _) = notebook(dir.path(), 5);
    run(&mut e, &folder);
    let mut p: Person = e.get(person).unwrap();
    p.first_name = "Zoubeida".into();
    p.note = Some(format!("{NOTE} (vue au marché)"));
    e.update(person, &p).unwrap();
    run(&mut e, &folder);
    drop(e);
    std::fs::remove_file(&path_e).unwrap();
    assert!(
        !folder_holds_her(&folder).is_empty(),
        "before the erasure, the team passphrase reads her in the folder"
    );
    assert!(!key_bundles(shared.path()).is_empty());

    carnet::erasure::erase(&mut a, person).unwrap();
    let sent = run(&mut a, &folder);
    assert_eq!(
        sent.person_keys_destroyed, 1,
        "her key, out of its bundle: {sent:?}"
    );
    let seen = run(&mut b, &folder);
    assert_eq!(seen.persons_erased, 1);

    // Every segment ever written is still there, E's included; none opens her any more.
    assert_eq!(folder_holds_her(&folder), Vec::<&str>::new());
    // A device that joins now, with the team passphrase, reads every old segment.
    let reopened = carnet::sync::SyncFolder::open(shared.path(), crate::sync::PASS).unwrap();
    let (mut d, path_d, _) = notebook(dir.path(), 4);
    let joined = run(&mut d, &reopened);
    assert!(joined.skipped.is_empty(), "{:?}", joined.skipped);
    assert!(joined.erased_dropped > 0, "her sealed changes stay closed");
    for (store, path, who) in [(&a, &path_a, "A"), (&b, &path_b, "B"), (&d, &path_d, "D")] {
        assert_no_trace(store, path, who);
        assert!(!holds(&bytes_of(store, path), "Zoubeida"), "{who}");
    }
    assert_eq!(digest(&a), digest(&d));
    assert_eq!(digest(&a), digest(&b));
}

#[test]
fn deleted_key_bundles_are_written_again_by_a_device_that_holds_the_keys() {
    let dir = tempfile::tempdir().unwrap();
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let (mut a, _, _) = notebook(dir.path(), 1);
    let (person, _) = with_history(&mut a);
    run(&mut a, &folder);
    for file in key_bundles(shared.path()) {
        std::fs::remove_file(file).unwrap();
    }
    // A new device cannot read her yet: it says so and retries.
    let (mut c, _, _) = notebook(dir.path(), 3);
    let waiting = run(&mut c, &folder);
    assert!(
        waiting
            .skipped
            .iter()
            .any(|s| s.reason.contains("clé d'une personne")),
        "{:?}",
        waiting.skipped
    );
    assert!(c.get::<Person>(person).is_err());
    // A, which holds her key, writes it back at its next sync; C then reads her.
    let healed = run(&mut a, &folder);
    assert!(healed.person_keys_written >= 1, "{healed:?}");
    let read = run(&mut c, &folder);
    assert!(read.skipped.is_empty(), "{:?}", read.skipped);
    assert_eq!(c.get::<Person>(person).unwrap().first_name, FIRST);
    assert_eq!(digest(&a), digest(&c));
}

#[test]
fn an_altered_or_planted_key_bundle_is_refused_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let (mut a, _, _) = notebook(dir.path(), 1);
    let (person, _) = with_history(&mut a);
    run(&mut a, &folder);
    let bundles = key_bundles(shared.path());
    assert_eq!(bundles.len(), 1, "one export, one bundle");
    // A member alters a byte of the bundle (its name no longer matches its content).
    let mut bytes = std::fs::read(&bundles[0]).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&bundles[0], &bytes).unwrap();
    // And plants a link named like a bundle.
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        "/etc/passwd",
        shared
            .path()
            .join("carnet-sync/persons/00112233445566778899aabbccddeeff.keys"),
    )
    .unwrap();
    let (mut c, _, _) = notebook(dir.path(), 3);
    let refused = run(&mut c, &folder);
    assert!(
        refused
            .skipped
            .iter()
            .any(|s| s.reason.contains("clés des personnes")),
        "{:?}",
        refused.skipped
    );
    assert!(c.get::<Person>(person).is_err(), "nothing of her applied");
    // A finds her key in no readable bundle and writes it again; C reads her then.
    let healed = run(&mut a, &folder);
    assert!(healed.person_keys_written >= 1, "{healed:?}");
    run(&mut c, &folder);
    assert_eq!(c.get::<Person>(person).unwrap().first_name, FIRST);
    assert_eq!(digest(&a), digest(&c));
}

#[test]
fn many_small_key_bundles_are_merged_and_an_erasure_still_removes_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let shared = tempfile::tempdir().unwrap();
    let folder = new_folder(shared.path());
    let (mut a, _, _) = notebook(dir.path(), 1);
    let mut persons = Vec::new();
    for n in 0..20 {
        persons.push(
            a.create(&Person {
                first_name: format!("Personne{n}"),
                last_name: "Traoré".into(),
                ..Default::default()
            })
            .unwrap(),
        );
        run(&mut a, &folder);
    }
    assert!(
        key_bundles(shared.path()).len() <= 17,
        "{} bundles",
        key_bundles(shared.path()).len()
    );
    let (mut b, _, _) = notebook(dir.path(), 2);
    run(&mut b, &folder);
    assert_eq!(carnet::person::all(&b).unwrap().len(), 20);
    carnet::erasure::erase(&mut b, persons[3]).unwrap();
    let sent = run(&mut b, &folder);
    assert_eq!(sent.person_keys_destroyed, 1, "{sent:?}");
    let readable = folder.readable_with_team_key();
    assert!(!readable.iter().any(|p| holds(p, "Personne3")));
    assert!(readable.iter().any(|p| holds(p, "Personne4")));
    let (mut d, _, _) = notebook(dir.path(), 4);
    run(&mut d, &folder);
    run(&mut a, &folder);
    assert_eq!(carnet::person::all(&d).unwrap().len(), 19);
    assert_eq!(digest(&a), digest(&d));
}

#[test]
fn an_erasure_whose_file_rewrite_never_ran_is_finished_when_the_notebook_opens() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, path, clock) = notebook(dir.path(), 1);
    let (person, _) = with_history(&mut store);
    // The window erases, answers, then rewrites on another thread: here the app stops first.
    carnet::erasure::erase_without_rewrite(&mut store, person).unwrap();
    assert!(store.get::<Person>(person).is_err());
    assert!(store.rewrite_pending().unwrap());
    drop(store);
    let store = Store::open(&path, Box::new(clock.clone())).unwrap();
    assert!(
        !store.rewrite_pending().unwrap(),
        "opening rewrote the file"
    );
    assert_no_trace(&store, &path, "reopened");
}
