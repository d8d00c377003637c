//! The queries behind the screens: search, timeline, follow-ups, date ranges, statuses.

use carnet::encounter::Encounter;
use carnet::meeting::{self, Meeting};
use carnet::outcome::Outcome;
use carnet::permanence::Permanence;
use carnet::person::{self, Person};
use carnet::referral::{self, NewReferral};

use crate::fixture::{day, encounter_with, fixture, person, today};

fn names(found: &[carnet::Entry<Person>]) -> Vec<String> {
    found.iter().map(|p| p.data.full_name()).collect()
}

#[test]
fn search_ignores_accents_case_and_inner_spaces() {
    let mut f = fixture();
    for (first, last) in [
        ("Éloïse", "Ben Ali"),
        ("Eloi", "Dupont"),
        ("Aïcha", "N'Diaye"),
        ("Ayşe", "Çakır"),
        ("Jérôme", "Lefèvre"),
    ] {
        f.store.create(&person(first, last)).unwrap();
    }
    let search = |q: &str| names(&person::search(&f.store, q, None, 20).unwrap());
    assert_eq!(search("eloise"), ["Éloïse Ben Ali"]);
    assert_eq!(search("ELOÏSE"), ["Éloïse Ben Ali"]);
    assert_eq!(search("benali"), ["Éloïse Ben Ali"]);
    assert_eq!(search("ben ali"), ["Éloïse Ben Ali"]);
    assert_eq!(search("ali eloise"), ["Éloïse Ben Ali"]);
    assert_eq!(search("eloi"), ["Éloïse Ben Ali", "Eloi Dupont"]);
    assert_eq!(search("ndiaye"), ["Aïcha N'Diaye"]);
    assert_eq!(search("n'diaye"), ["Aïcha N'Diaye"]);
    assert_eq!(search("cakir"), ["Ayşe Çakır"]);
    assert_eq!(search("jerome lefevre"), ["Jérôme Lefèvre"]);
    assert_eq!(search("zzz"), Vec::<String>::new());
    // "%" and "_" are not wildcards: alone, they find nobody (an empty search lists everyone).
    assert_eq!(search("").len(), 5);
    for signs in ["%", "_", "%_%", " % "] {
        assert_eq!(search(signs), Vec::<String>::new(), "{signs:?}");
    }
    assert_eq!(search("elo%"), ["Éloïse Ben Ali", "Eloi Dupont"]);
    // Inside a query they separate words like a space, never stand for "any letter".
    assert_eq!(search("ben_ali"), search("ben ali"));
    assert_eq!(search("ben%ali"), ["Éloïse Ben Ali"]);
}

#[test]
fn search_follows_renames_and_filters_by_quartier() {
    let mut f = fixture();
    let id = f.store.create(&person("Samira", "Hamidi")).unwrap();
    let mut p: Person = f.store.get(id).unwrap();
    p.last_name = "Belkacem".into();
    p.quartier_id = Some(f.quartier);
    f.store.update(id, &p).unwrap();
    f.store.create(&person("Samira", "Keita")).unwrap();
    assert!(
        person::search(&f.store, "hamidi", None, 10)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        names(&person::search(&f.store, "belkacem", None, 10).unwrap()),
        ["Samira Belkacem"]
    );
    assert_eq!(
        names(&person::search(&f.store, "samira", Some(f.quartier), 10).unwrap()),
        ["Samira Belkacem"]
    );
    f.store.delete::<Person>(id).unwrap();
    assert_eq!(
        names(&person::search(&f.store, "samira", None, 10).unwrap()),
        ["Samira Keita"]
    );
}

#[test]
fn timeline_is_in_date_order_with_every_kind_of_event() {
    let mut f = fixture();
    let p = f.store.create(&person("Fatoumata", "Sylla")).unwrap();
    let adie = f.adie;
    f.store
        .write(|w| {
            w.create(&encounter_with(p, day(2026, 3, 10), "interview"))?;
            w.create(&encounter_with(p, day(2026, 1, 5), "market"))?;
            let m = w.create(&Meeting {
                date: day(2026, 2, 1),
                title: "Atelier microcrédit".into(),
                kind: "atelier".into(),
                partner_id: Some(adie),
                quartier_id: None,
                attendee_count: Some(8),
                note: None,
            })?;
            meeting::attach(w, m, p)?;
            let r = referral::create(
                w,
                &NewReferral {
                    person_id: p,
                    partner_id: adie,
                    date: day(2026, 3, 10),
                    need: "financing".into(),
                    detail: None,
                    follow_up: None,
                },
            )?;
            referral::move_to(w, r, "appointment", day(2026, 3, 20), None)?;
            w.create(&Outcome {
                person_id: p,
                kind: "business_created".into(),
                date: day(2026, 6, 1),
                legal_form: Some("micro".into()),
                siret: None,
                sector: Some("restauration".into()),
                note: None,
            })?;
            Ok(())
        })
        .unwrap();
    let items = carnet::timeline::of_person(&f.store, p).unwrap();
    let lines: Vec<(String, &str, String)> = items
        .iter()
        .map(|i| (i.date.to_string(), i.kind, i.summary.clone()))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("2026-01-05".into(), "encounter", "Marché".into()),
            (
                "2026-02-01".into(),
                "meeting",
                "Atelier : Atelier microcrédit".into()
            ),
            (
                "2026-03-10".into(),
                "encounter",
                "Entretien individuel".into()
            ),
            (
                "2026-03-10".into(),
                "referral",
                "Orientation vers ADIE (financement, microcrédit)".into()
            ),
            (
                "2026-03-20".into(),
                "referral_event",
                "Orientation vers ADIE : RDV pris".into()
            ),
            (
                "2026-06-01".into(),
                "outcome",
                "Création d'entreprise".into()
            ),
        ]
    );
    let unknown = carnet::timeline::of_person(&f.store, carnet::Uuid::from_u128(42));
    assert_eq!(unknown.unwrap_err().kind(), "unknown_id");
}

#[test]
fn follow_ups_due_skip_done_and_closed_ones() {
    let mut f = fixture();
    let p = f.store.create(&person("Hakim", "Demir")).unwrap();
    let adie = f.adie;
    f.store
        .write(|w| {
            let with_follow_up = |date, done| Encounter {
                follow_up: Some(date),
                follow_up_done: Some(done),
                ..encounter_with(p, day(2026, 10, 1), "phone")
            };
            w.create(&with_follow_up(day(2026, 11, 20), false))?; // due
            w.create(&with_follow_up(day(2026, 11, 21), true))?; // done
            w.create(&with_follow_up(day(2026, 12, 20), false))?; // later
            let open = referral::create(
                w,
                &NewReferral {
                    person_id: p,
                    partner_id: adie,
                    date: day(2026, 10, 1),
                    need: "financing".into(),
                    detail: None,
                    follow_up: Some(day(2026, 11, 1)),
                },
            )?;
            let closed = referral::create(
                w,
                &NewReferral {
                    follow_up: Some(day(2026, 11, 2)),
                    ..NewReferral {
                        person_id: p,
                        partner_id: adie,
                        date: day(2026, 10, 1),
                        need: "support".into(),
                        detail: None,
                        follow_up: None,
                    }
                },
            )?;
            referral::move_to(w, closed, "no_follow_up", day(2026, 10, 20), None)?;
            let _ = open;
            Ok(())
        })
        .unwrap();
    let due = carnet::followup::due(&f.store, today()).unwrap();
    let seen: Vec<(String, &str)> = due.iter().map(|d| (d.due.to_string(), d.source)).collect();
    assert_eq!(
        seen,
        vec![
            ("2026-11-01".into(), "referral"),
            ("2026-11-20".into(), "encounter")
        ]
    );
    assert_eq!(due[0].person_name.as_deref(), Some("Hakim Demir"));
}

#[test]
fn permanences_in_range_and_referrals_by_status() {
    let mut f = fixture();
    let q = f.quartier;
    for d in [1, 8, 15, 22] {
        f.store
            .create(&Permanence {
                quartier_id: q,
                place_id: None,
                date: day(2026, 11, d),
                start_time: Some("14:00".into()),
                end_time: Some("17:00".into()),
                status: "planned".into(),
                note: None,
            })
            .unwrap();
    }
    let week = carnet::permanence::in_range(&f.store, day(2026, 11, 8), day(2026, 11, 15)).unwrap();
    assert_eq!(
        week.iter()
            .map(|p| p.data.date.day0() + 1)
            .collect::<Vec<_>>(),
        [8, 15]
    );

    let p = f.store.create(&person("Rayan", "Sow")).unwrap();
    let adie = f.adie;
    let r = f
        .store
        .write(|w| {
            let r = referral::create(
                w,
                &NewReferral {
                    person_id: p,
                    partner_id: adie,
                    date: day(2026, 11, 2),
                    need: "financing".into(),
                    detail: None,
                    follow_up: None,
                },
            )?;
            referral::move_to(w, r, "sent", day(2026, 11, 3), None)?;
            referral::move_to(w, r, "appointment", day(2026, 11, 10), Some("RDV le 17"))?;
            Ok(r)
        })
        .unwrap();
    assert!(referral::by_status(&f.store, "to_send").unwrap().is_empty());
    assert_eq!(
        referral::by_status(&f.store, "appointment").unwrap()[0].id,
        r
    );
    let history: Vec<String> = referral::history(&f.store, r)
        .unwrap()
        .into_iter()
        .map(|e| e.data.status)
        .collect();
    assert_eq!(history, ["to_send", "sent", "appointment"]);
    let before = f
        .store
        .write(|w| referral::move_to(w, r, "sent", day(2026, 10, 1), None));
    assert_eq!(before.unwrap_err().kind(), "inconsistent");
}

use chrono::Datelike;

#[test]
fn search_finds_a_person_by_any_piece_of_their_phone_number() {
    let mut f = fixture();
    for (first, last, phone) in [
        ("Inès", "Haddad", Some("06 39 98 12 34")),
        ("Rayan", "Sow", Some("07 11 22 33 44")),
        ("Awa", "Koné", Some("+32470123456")),
        ("Sans", "Téléphone", None),
    ] {
        f.store
            .create(&carnet::person::Person {
                phone: phone.map(str::to_string),
                ..person(first, last)
            })
            .unwrap();
    }
    let search = |q: &str| names(&person::search(&f.store, q, None, 20).unwrap());
    for typed in [
        "06 39 98",
        "0639981234",
        "06.39.98.12.34",
        "+33 6 39 98 12 34",
        "0033639981234",
        "3998",
        "98 12",
    ] {
        assert_eq!(search(typed), ["Inès Haddad"], "{typed:?}");
    }
    assert_eq!(search("+32 470"), ["Awa Koné"]);
    assert_eq!(
        search("0470 12"),
        Vec::<String>::new(),
        "a Belgian number is stored with +32"
    );
    assert_eq!(
        search("555"),
        Vec::<String>::new(),
        "three digits are not a phone search"
    );
    assert_eq!(search("9999 9999"), Vec::<String>::new());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(96))]

    /// The trigram index finds exactly what testing every key with `LIKE '%word%'` finds, for
    /// words of any length (those under three letters are tested on the keys the index
    /// left), after creations, renames and deletions.
    #[test]
    fn the_trigram_index_finds_what_a_scan_of_every_key_finds(
        names in proptest::collection::vec(("[a-eé]{1,6}", "[a-e]{1,4}( [a-e]{1,4})?"), 1..25),
        renames in proptest::collection::vec((0usize..25, "[a-eè]{2,7}"), 0..6),
        deletions in proptest::collection::vec(0usize..25, 0..4),
        query in "[a-eÉ]{1,4}( [a-e]{3,5})?( [a-e]{1,2})?",
    ) {
        let mut f = fixture();
        let mut ids = Vec::new();
        for (first, last) in &names {
            ids.push(f.store.create(&person(first, last)).unwrap());
        }
        for (k, name) in &renames {
            let id = ids[k % ids.len()];
            let mut p: Person = f.store.get(id).unwrap();
            p.first_name = name.clone();
            f.store.update(id, &p).unwrap();
        }
        for k in &deletions {
            let _ = f.store.delete::<Person>(ids[k % ids.len()]);
        }
        let words = carnet::search_key::words(&query);
        let mut expected: Vec<String> = person::all(&f.store)
            .unwrap()
            .iter()
            .filter(|p| {
                let key = carnet::search_key::of_person(
                    Some(&p.data.first_name),
                    Some(&p.data.last_name),
                    p.data.email.as_deref(),
                );
                words.iter().take(6).all(|w| key.contains(w.as_str()))
            })
            .map(|p| p.id.to_string())
            .collect();
        expected.sort();
        // Read in name order (all of a small notebook), then through the index alone.
        for read_first in [person::READ_IN_NAME_ORDER_FIRST, 0] {
            f.store.set_search_reads_in_name_order(read_first);
            let mut found: Vec<String> = person::search(&f.store, &query, None, 10_000)
                .unwrap()
                .iter()
                .map(|p| p.id.to_string())
                .collect();
            found.sort();
            proptest::prop_assert_eq!(&found, &expected, "query {:?}, read first {}", query, read_first);
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// A page of a search is the same slice of the whole answer in name order, whichever way
    /// it was found (among the first persons in name order, as far as the search reads them
    /// first, or through the trigram index).
    #[test]
    fn a_page_of_a_search_is_a_slice_of_the_whole_answer(
        names in proptest::collection::vec(("[a-cé]{1,5}", "[a-c]{1,3}( [a-c]{1,3})?"), 1..30),
        query in "[a-c]{1,4}( [a-c]{3,4})?",
        limit in 1usize..6,
        offset in 0usize..8,
        read_first in proptest::prop_oneof![
            proptest::strategy::Just(person::READ_IN_NAME_ORDER_FIRST),
            0usize..14,
        ],
    ) {
        let mut f = fixture();
        for (first, last) in &names {
            f.store.create(&person(first, last)).unwrap();
        }
        let ids = |found: &[carnet::Entry<Person>]| -> Vec<String> {
            found.iter().map(|p| p.id.to_string()).collect()
        };
        // The whole answer through the index alone; the pages read first in name order as
        // far as `read_first` persons (the page found there, or found short and thrown away).
        f.store.set_search_reads_in_name_order(0);
        let whole = ids(&person::search(&f.store, &query, None, 10_000).unwrap());
        f.store.set_search_reads_in_name_order(read_first);
        let first = ids(&person::search(&f.store, &query, None, limit).unwrap());
        proptest::prop_assert_eq!(&first[..], &whole[..limit.min(whole.len())]);
        let page = person::find(&f.store, &query, None, offset, limit).unwrap();
        let page_ids: Vec<String> = page.hits.iter().map(|h| h.id.to_string()).collect();
        let from = offset.min(whole.len());
        proptest::prop_assert_eq!(&page_ids[..], &whole[from..(offset + limit).min(whole.len())]);
        proptest::prop_assert_eq!(page.total, whole.len() as i64);
    }
}

/// Frequent words whose only matches come after the first rows a search reads in name order:
/// the page found there is short, and the index gives the right one.
#[test]
fn a_frequent_word_found_only_late_in_name_order_is_still_found() {
    let mut f = fixture();
    f.store
        .write(|w| {
            for n in 0..2_560 {
                w.create(&person("Zorro", &format!("Abc{n:04}")))?;
            }
            for n in 0..12 {
                w.create(&person("Zorro", &format!("Zz{n:02}")))?;
            }
            Ok(())
        })
        .unwrap();
    // "orro" is in every key: the search looks among the first rows first, where no key
    // holds "zz" too.
    let late = names(&person::search(&f.store, "orro zz", None, 5).unwrap());
    assert_eq!(
        late,
        [
            "Zorro Zz00",
            "Zorro Zz01",
            "Zorro Zz02",
            "Zorro Zz03",
            "Zorro Zz04"
        ]
    );
    let page = person::find(&f.store, "zz orro", None, 10, 5).unwrap();
    assert_eq!(
        page.hits
            .iter()
            .map(|h| h.last_name.as_str())
            .collect::<Vec<_>>(),
        ["Zz10", "Zz11"]
    );
    assert_eq!(page.total, 12);
    // Found among the first rows: the first of all in name order.
    let early = names(&person::search(&f.store, "zorro", None, 3).unwrap());
    assert_eq!(early, ["Zorro Abc0000", "Zorro Abc0001", "Zorro Abc0002"]);
    let page = person::find(&f.store, "zorro", None, 2_499, 3).unwrap();
    assert_eq!(
        page.hits
            .iter()
            .map(|h| h.last_name.as_str())
            .collect::<Vec<_>>(),
        ["Abc2499", "Abc2500", "Abc2501"]
    );
    assert_eq!(page.total, 2_572);
}

#[test]
fn an_erased_persons_trigrams_leave_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("carnet.db");
    let clock = Box::new(carnet::ManualClock::at_date(today()));
    let mut store = carnet::Store::init(&path, carnet::Uuid::from_u128(1), clock).unwrap();
    let nadia = store.create(&person("Nadiazq", "Wxyvut")).unwrap();
    store.create(&person("Karim", "Haddad")).unwrap();
    assert_eq!(
        names(&person::search(&store, "diazq wxy", None, 10).unwrap()),
        ["Nadiazq Wxyvut"]
    );
    // The index's own table of terms: what a copy of the file would reveal.
    let terms = |path: &std::path::Path| -> Vec<String> {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, person_trigram, 'row')",
        )
        .unwrap();
        let mut stmt = conn.prepare("SELECT term FROM temp.terms").unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    // Deleted keys leave the index's storage at once, not at a later merge (FTS5's
    // secure-delete, set by the migration).
    let secure: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT v FROM person_trigram_config WHERE k = 'secure-delete'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(secure, 1);
    let before = terms(&path);
    assert!(before.contains(&"azq".to_string()) && before.contains(&"yvu".to_string()));
    carnet::erasure::erase(&mut store, nadia).unwrap();
    let after = terms(&path);
    for trigram in ["azq", "diaz", "xyv", "yvu", "vut"] {
        assert!(
            !after.contains(&trigram.to_string()),
            "{trigram} still indexed"
        );
    }
    assert!(
        after.contains(&"had".to_string()),
        "the others stay indexed"
    );
    assert!(
        person::search(&store, "nadiazq", None, 10)
            .unwrap()
            .is_empty()
    );
}
