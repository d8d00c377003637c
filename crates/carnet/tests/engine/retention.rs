//! The retention clock: who is past the period, from every kind of contact, and "Prolonger".

use carnet::meeting::Meeting;
use carnet::outcome::Outcome;
use carnet::referral::Referral;
use carnet::retention::{self, DEFAULT_MONTHS};

use crate::fixture::{day, encounter_with, fixture, fixture_on, person, today};

fn due_names(f: &crate::fixture::Fixture) -> Vec<String> {
    retention::due(&f.store, today(), DEFAULT_MONTHS)
        .unwrap()
        .into_iter()
        .map(|d| format!("{} {}", d.first_name, d.last_name))
        .collect()
}

#[test]
fn a_person_is_due_two_years_after_the_last_contact_of_any_kind() {
    // Recorded three years ago, then met in different ways.
    let mut f = fixture_on(1, day(2023, 10, 1));
    let old = f.store.create(&person("Aïcha", "Benali")).unwrap();
    let by_encounter = f.store.create(&person("Moussa", "Diallo")).unwrap();
    let by_meeting = f.store.create(&person("Inès", "Haddad")).unwrap();
    let by_referral = f.store.create(&person("Emre", "Yılmaz")).unwrap();
    let by_outcome = f.store.create(&person("Fatima", "Said")).unwrap();
    let never_met = f.store.create(&person("Kevin", "Martin")).unwrap();
    f.clock.set(
        today()
            .and_hms_opt(9, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis(),
    );
    let recent = f.store.create(&person("Léa", "Petit")).unwrap();
    f.store
        .create(&encounter_with(old, day(2024, 11, 24), "market"))
        .unwrap();
    f.store
        .create(&encounter_with(by_encounter, day(2023, 11, 1), "market"))
        .unwrap();
    f.store
        .create(&encounter_with(by_encounter, day(2025, 3, 2), "interview"))
        .unwrap();
    let meeting = f
        .store
        .create(&Meeting {
            date: day(2025, 6, 12),
            title: "Atelier statut".into(),
            kind: "atelier".into(),
            partner_id: None,
            quartier_id: None,
            attendee_count: None,
            note: None,
        })
        .unwrap();
    f.store
        .write(|w| carnet::meeting::attach(w, meeting, by_meeting))
        .unwrap();
    f.store
        .create(&Referral {
            person_id: by_referral,
            partner_id: f.adie,
            date: day(2023, 5, 1),
            need: "financing".into(),
            detail: None,
            status: "sent".into(),
            status_date: Some(day(2025, 1, 10)),
            follow_up: None,
        })
        .unwrap();
    f.store
        .create(&Outcome {
            person_id: by_outcome,
            kind: "job".into(),
            date: day(2024, 12, 1),
            legal_form: None,
            siret: None,
            sector: None,
            note: None,
        })
        .unwrap();
    let _ = (by_meeting, by_referral, by_outcome, recent);

    let due = retention::due(&f.store, today(), DEFAULT_MONTHS).unwrap();
    let names: Vec<(String, chrono::NaiveDate, bool)> = due
        .iter()
        .map(|d| (d.first_name.clone(), d.last_contact, d.never_met))
        .collect();
    // 25/11/2024 is exactly two years back: the 24th is past, the 25th is not.
    assert_eq!(
        names,
        vec![
            ("Kevin".to_string(), day(2023, 10, 1), true),
            ("Aïcha".to_string(), day(2024, 11, 24), false),
        ],
        "oldest first; the others were met within two years (encounter, meeting, referral status, outcome)"
    );
    assert_eq!(due[0].id, never_met);
    assert_eq!(
        retention::count_due(&f.store, today(), DEFAULT_MONTHS).unwrap(),
        2
    );
    // With twelve months, all six met or recorded before 25/11/2025 are due; Léa, recorded
    // today and never met, is not.
    assert_eq!(retention::due(&f.store, today(), 12).unwrap().len(), 6);
}

#[test]
fn prolonging_keeps_a_person_until_the_date_with_a_recorded_reason() {
    let mut f = fixture();
    let p = f.store.create(&person("Aïcha", "Benali")).unwrap();
    f.store
        .create(&encounter_with(p, day(2023, 1, 5), "market"))
        .unwrap();
    assert_eq!(due_names(&f), vec!["Aïcha Benali"]);

    let err = retention::prolong(&mut f.store, p, day(2027, 6, 30), "   ", today()).unwrap_err();
    assert_eq!(err.kind(), "required");
    assert_eq!(err.field(), Some("reason"));
    let err = retention::prolong(
        &mut f.store,
        p,
        day(2026, 11, 1),
        "Accompagnement en cours",
        today(),
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("until"));
    assert_eq!(
        due_names(&f),
        vec!["Aïcha Benali"],
        "a refused extension writes nothing"
    );

    retention::prolong(
        &mut f.store,
        p,
        day(2027, 6, 30),
        "Création d'entreprise en cours avec l'ADIE",
        today(),
    )
    .unwrap();
    assert!(due_names(&f).is_empty());
    // Past the extension, the person is due again, and the list says until when she was kept.
    let later = retention::due(&f.store, day(2027, 7, 1), DEFAULT_MONTHS).unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].extended_until, Some(day(2027, 6, 30)));
}

#[test]
fn a_deleted_person_is_not_due_and_takes_her_extensions_with_her() {
    let mut f = fixture();
    let p = f.store.create(&person("Aïcha", "Benali")).unwrap();
    f.store
        .create(&encounter_with(p, day(2023, 1, 5), "market"))
        .unwrap();
    let kept =
        retention::prolong(&mut f.store, p, day(2027, 6, 30), "Suivi ADIE", today()).unwrap();
    assert!(f.store.get::<retention::Extension>(kept).is_ok());
    f.store
        .write(|w| carnet::person::delete(w, p).map(|_| ()))
        .unwrap();
    assert!(
        retention::due(&f.store, day(2030, 1, 1), DEFAULT_MONTHS)
            .unwrap()
            .is_empty()
    );
    assert!(
        f.store.get::<retention::Extension>(kept).is_err(),
        "the extension is deleted with the person"
    );
}

#[test]
fn the_period_is_a_setting_within_bounds() {
    let mut f = fixture();
    assert_eq!(retention::period(&f.store).unwrap(), 24);
    retention::set_period(&mut f.store, 36).unwrap();
    assert_eq!(retention::period(&f.store).unwrap(), 36);
    let err = retention::set_period(&mut f.store, 3).unwrap_err();
    assert_eq!(err.field(), Some("retention_months"));
    assert!(err.to_string().contains("entre 6 et 120"), "{err}");
    assert_eq!(retention::period(&f.store).unwrap(), 36);
}
