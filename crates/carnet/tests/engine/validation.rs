//! Each validation rule as a table of good and bad cases, and atomic multi-row writes.

use carnet::encounter::Encounter;
use carnet::outcome::Outcome;
use carnet::permanence::Permanence;
use carnet::person::Person;
use carnet::{Error, Uuid};

use crate::fixture::{day, digest, fixture, person, today};

fn kind_of(result: Result<Uuid, Error>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(e) => e.kind(),
    }
}

#[test]
fn person_rules() {
    let mut f = fixture();
    let long = "x".repeat(201);
    let just = "é".repeat(200);
    let note = "n".repeat(20_001);
    let cases: Vec<(&str, Person, &str)> = vec![
        ("minimal", person("Éloïse", "Ben Ali"), "ok"),
        ("no first name", person("  ", "Ben Ali"), "required"),
        ("no last name", person("Éloïse", ""), "required"),
        ("200 chars", person(&just, "Ben Ali"), "ok"),
        ("201 chars", person(&long, "Ben Ali"), "too_long"),
        (
            "note too long",
            Person {
                note: Some(note),
                ..person("A", "B")
            },
            "too_long",
        ),
        (
            "birth tomorrow",
            Person {
                birth_date: Some(day(2026, 11, 26)),
                ..person("A", "B")
            },
            "birth_date_in_future",
        ),
        (
            "birth 121 years ago",
            Person {
                birth_date: Some(day(1905, 1, 1)),
                ..person("A", "B")
            },
            "birth_date_too_old",
        ),
        (
            "birth 119 years ago",
            Person {
                birth_date: Some(day(1907, 12, 1)),
                ..person("A", "B")
            },
            "ok",
        ),
        (
            "phone ok",
            Person {
                phone: Some("+33 6 12 34 56 78".into()),
                ..person("A", "B")
            },
            "ok",
        ),
        (
            "phone bad",
            Person {
                phone: Some("12 34".into()),
                ..person("A", "B")
            },
            "invalid_phone",
        ),
        (
            "email bad",
            Person {
                email: Some("sarah@".into()),
                ..person("A", "B")
            },
            "invalid_email",
        ),
        (
            "unknown gender",
            Person {
                gender: Some("robot".into()),
                ..person("A", "B")
            },
            "unknown_value",
        ),
        (
            "unknown quartier",
            Person {
                quartier_id: Some(Uuid::from_u128(99)),
                ..person("A", "B")
            },
            "unknown_id",
        ),
        (
            "consent without date",
            Person {
                consent_partners: Some(true),
                ..person("A", "B")
            },
            "required",
        ),
        (
            "consent with date",
            Person {
                consent_partners: Some(true),
                consent_date: Some(today()),
                ..person("A", "B")
            },
            "ok",
        ),
    ];
    for (name, p, expected) in cases {
        assert_eq!(kind_of(f.store.create(&p)), expected, "case {name}");
    }
}

#[test]
fn phone_is_stored_normalised() {
    let mut f = fixture();
    let id = f
        .store
        .create(&Person {
            phone: Some("+33 6 12 34 56 78".into()),
            ..person("A", "B")
        })
        .unwrap();
    let stored: Person = f.store.get(id).unwrap();
    assert_eq!(stored.phone.as_deref(), Some("06 12 34 56 78"));
}

#[test]
fn encounter_rules() {
    let mut f = fixture();
    let p = f.store.create(&person("Inès", "Haddad")).unwrap();
    let anonymous = |n: Option<i64>, date| Encounter {
        head_count: n,
        ..Encounter::new(date, "market")
    };
    let cases: Vec<(&str, Encounter, &str)> = vec![
        ("anonymous group", anonymous(Some(3), today()), "ok"),
        (
            "tomorrow is allowed",
            anonymous(Some(3), day(2026, 11, 26)),
            "ok",
        ),
        (
            "two days ahead",
            anonymous(Some(3), day(2026, 11, 27)),
            "date_too_far_ahead",
        ),
        ("nobody", anonymous(None, today()), "inconsistent"),
        ("zero people", anonymous(Some(0), today()), "out_of_range"),
        (
            "unknown kind",
            Encounter {
                head_count: Some(1),
                ..Encounter::new(today(), "picnic")
            },
            "unknown_value",
        ),
        (
            "unknown person",
            Encounter {
                person_id: Some(Uuid::from_u128(5)),
                ..Encounter::new(today(), "market")
            },
            "unknown_id",
        ),
        (
            "named",
            Encounter {
                person_id: Some(p),
                ..Encounter::new(today(), "interview")
            },
            "ok",
        ),
        (
            "follow-up before",
            Encounter {
                person_id: Some(p),
                follow_up: Some(day(2026, 1, 1)),
                ..Encounter::new(today(), "interview")
            },
            "inconsistent",
        ),
    ];
    for (name, e, expected) in cases {
        assert_eq!(kind_of(f.store.create(&e)), expected, "case {name}");
    }
}

#[test]
fn permanence_and_outcome_rules() {
    let mut f = fixture();
    let p = f.store.create(&person("Karim", "Mansouri")).unwrap();
    let perm = |start: &str, end: &str| Permanence {
        quartier_id: f.quartier,
        place_id: None,
        date: today(),
        start_time: Some(start.into()),
        end_time: Some(end.into()),
        status: "planned".into(),
        note: None,
    };
    assert_eq!(kind_of(f.store.create(&perm("9h", "12:00"))), "ok");
    assert_eq!(
        kind_of(f.store.create(&perm("14:00", "12:00"))),
        "end_before_start"
    );
    assert_eq!(
        kind_of(f.store.create(&perm("25:00", "26:00"))),
        "invalid_time"
    );
    let outcome = |kind: &str, siret: Option<&str>| Outcome {
        person_id: p,
        kind: kind.into(),
        date: today(),
        legal_form: None,
        siret: siret.map(str::to_string),
        sector: None,
        note: None,
    };
    let good = carnet::validate::siret_with_key("1234567890123");
    assert_eq!(
        kind_of(f.store.create(&outcome("business_created", Some(&good)))),
        "ok"
    );
    assert_eq!(
        kind_of(
            f.store
                .create(&outcome("business_created", Some("12345678901234")))
        ),
        "invalid_siret"
    );
    assert_eq!(
        kind_of(f.store.create(&outcome("job", Some(&good)))),
        "inconsistent"
    );
}

#[test]
fn failed_multi_row_write_leaves_nothing() {
    let mut f = fixture();
    f.store.create(&person("Nadia", "Cherif")).unwrap();
    let before = digest(&f.store);
    let changes_before = f.store.change_count().unwrap();
    let result = f.store.write(|w| {
        let p = w.create(&person("Moussa", "Traoré"))?;
        w.create(&Encounter {
            person_id: Some(p),
            ..Encounter::new(today(), "market")
        })?;
        // The third write is invalid: the two before must vanish with it.
        w.create(&Encounter {
            person_id: Some(p),
            ..Encounter::new(day(2030, 1, 1), "market")
        })
    });
    let err = result.unwrap_err();
    assert_eq!(err.kind(), "date_too_far_ahead");
    assert!(
        err.to_string().contains("01/01/2030"),
        "dates in messages as jj/mm/aaaa: {err}"
    );
    assert_eq!(digest(&f.store), before);
    assert_eq!(f.store.change_count().unwrap(), changes_before);
    assert_eq!(
        carnet::person::search(&f.store, "moussa", None, 10)
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn every_error_message_is_french_and_names_no_person() {
    let mut f = fixture();
    let err = f
        .store
        .create(&Person {
            email: Some("eloise.benali@@example.org".into()),
            ..person("Éloïse", "Ben Ali")
        })
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("adresse e-mail"), "{text}");
    assert!(
        !text.contains("Ben Ali") && !text.contains("eloise"),
        "{text}"
    );
    assert_eq!(err.field(), Some("email"));
}

#[test]
fn a_row_deleted_earlier_in_the_same_write_cannot_be_referenced() {
    let mut f = fixture();
    let result = f.store.write(|w| {
        let p = w.create(&person("Walid", "Sow"))?;
        w.create(&Encounter {
            person_id: Some(p),
            ..Encounter::new(today(), "market")
        })?;
        w.delete(&carnet::schema::PERSON, p)?;
        w.create(&Encounter {
            person_id: Some(p),
            ..Encounter::new(today(), "phone")
        })
    });
    assert_eq!(result.unwrap_err().kind(), "unknown_id");
}

#[test]
fn forms_are_read_with_the_engines_own_errors() {
    use carnet::record::from_json;
    use carnet::schema;
    use serde_json::json;
    let read =
        |value| from_json::<Person>(&schema::PERSON, value, crate::fixture::today()).map(|_| ());
    assert!(
        read(json!({ "first_name": "Inès", "last_name": "Haddad", "birth_date": "1990-05-04" }))
            .is_ok()
    );
    let err =
        read(json!({ "first_name": "Inès", "last_name": "Haddad", "birth_date": "1990-13-04" }))
            .unwrap_err();
    assert_eq!(
        (err.kind(), err.field()),
        ("invalid_date", Some("birth_date"))
    );
    let err = read(json!({ "first_name": "", "last_name": "Haddad" })).unwrap_err();
    assert_eq!((err.kind(), err.field()), ("required", Some("first_name")));
    let err = read(json!({ "first_name": "I", "last_name": "H", "quartier_id": "pas-un-id" }))
        .unwrap_err();
    assert_eq!(err.kind(), "malformed_id");
    let encounter = from_json::<Encounter>(
        &schema::ENCOUNTER,
        json!({ "date": null, "kind": "market" }),
        crate::fixture::today(),
    );
    assert_eq!(encounter.unwrap_err().field(), Some("date"));
    let count = |typed: &str| {
        from_json::<Encounter>(
            &schema::ENCOUNTER,
            json!({ "date": "2026-01-01", "kind": "market", "head_count": typed }),
            crate::fixture::today(),
        )
    };
    // Typed text is read strictly: never "3e2" as 300 nor "2,5" as 2.
    for bad in ["trois", "3e2", "2,5", "2.5"] {
        let err = count(bad).unwrap_err();
        assert_eq!(
            (err.kind(), err.field()),
            ("not_an_integer", Some("head_count")),
            "{bad}"
        );
        assert!(err.to_string().contains("nombre entier"), "{err}");
    }
    assert_eq!(count(" 12 ").unwrap().head_count, Some(12));
    // Dates from a form, as typed: relative to the notebook's today, or named when impossible.
    let on = |typed: &str| {
        from_json::<Encounter>(
            &schema::ENCOUNTER,
            json!({ "date": typed, "kind": "market" }),
            crate::fixture::today(),
        )
    };
    assert_eq!(on("hier").unwrap().date, day(2026, 11, 24));
    assert_eq!(on("25/11/26").unwrap().date, day(2026, 11, 25));
    assert_eq!(on("251126").unwrap().date, day(2026, 11, 25));
    assert_eq!(on("2026-11-25").unwrap().date, day(2026, 11, 25));
    let err = on("2026-02-31").unwrap_err();
    assert_eq!(
        (err.kind(), err.field()),
        ("date_does_not_exist", Some("date"))
    );
    assert!(
        err.to_string().contains("le 31 février 2026 n'existe pas"),
        "{err}"
    );
    assert_eq!(count("").unwrap().head_count, None);
}
