//! Consent history (issue #16): each consent given or withdrawn is kept with its date and how
//! it was given; a letter is refused once sharing was withdrawn, saying when; the history goes
//! with the person when she is erased.

use carnet::consent;
use carnet::person::Person;
use carnet::referral::NewReferral;

use crate::fixture::{day, fixture};

#[test]
fn withdrawing_keeps_the_history_and_refuses_the_letter() {
    let mut f = fixture();
    let adie = f.adie;
    let store = &mut f.store;
    let mut p = Person {
        first_name: "Zoubida".into(),
        last_name: "Kergoat".into(),
        consent_date: Some(day(2026, 9, 1)),
        consent_contact: Some(true),
        consent_partners: Some(true),
        ..Person::default()
    };
    let id = store
        .write(|w| consent::create_person(w, &p, Some("written")))
        .unwrap();
    let h = consent::history(store, id).unwrap();
    assert_eq!(
        h.events.len(),
        2,
        "contact and partners given; stats not answered"
    );
    assert!(
        h.events
            .iter()
            .all(|e| e.given && e.how.as_deref() == Some("written"))
    );
    assert_eq!(h.events[0].date, day(2026, 9, 1));
    assert_eq!(h.recorded_before_history, None);

    // She withdraws sharing with partners, by message, on a date typed with it; an unchanged
    // edit adds nothing. A withdrawal noted without a new date is dated today.
    p.consent_partners = Some(false);
    p.consent_date = Some(day(2026, 11, 2));
    store
        .write(|w| consent::update_person(w, id, &p, Some("message")))
        .unwrap();
    store
        .write(|w| consent::update_person(w, id, &p, Some("message")))
        .unwrap();
    let h = consent::history(store, id).unwrap();
    assert_eq!(h.events.len(), 3);
    let last = h.events.last().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.given, last.how_label.as_deref()),
        ("partners", false, Some("Par message"))
    );
    assert_eq!(last.date, day(2026, 11, 2));
    assert!(
        h.events[..2].iter().all(|e| e.given),
        "what was given stays in the history"
    );
    assert_eq!(
        h.current
            .iter()
            .map(|(k, _, g)| (k.as_str(), *g))
            .collect::<Vec<_>>(),
        vec![
            ("contact", Some(true)),
            ("partners", Some(false)),
            ("stats", None)
        ]
    );

    // A letter for her is refused, saying when she withdrew.
    let referral = store
        .write(|w| {
            carnet::referral::create(
                w,
                &NewReferral {
                    person_id: id,
                    partner_id: adie,
                    date: day(2026, 11, 20),
                    need: "financing".into(),
                    detail: None,
                    follow_up: None,
                },
            )
        })
        .unwrap();
    let refused = carnet::letter::draft(store, referral, None, day(2026, 11, 23)).unwrap_err();
    assert_eq!(refused.kind(), "consent_withdrawn");
    assert!(refused.to_string().contains("2 novembre 2026"), "{refused}");

    // Erased: her consent history goes with her.
    carnet::erasure::erase(store, id).unwrap();
    let left = store
        .changes_since(0)
        .unwrap()
        .into_iter()
        .filter(|(_, c)| c.entity.name == "consent")
        .count();
    assert_eq!(left, 0);
}

#[test]
fn answers_recorded_before_the_history_show_as_such() {
    let mut f = fixture();
    let id = f
        .store
        .create(&Person {
            first_name: "Aïcha".into(),
            last_name: "Benali".into(),
            consent_date: Some(day(2025, 3, 4)),
            consent_stats: Some(true),
            ..Person::default()
        })
        .unwrap();
    let h = consent::history(&f.store, id).unwrap();
    assert!(h.events.is_empty());
    assert_eq!(h.recorded_before_history, Some(day(2025, 3, 4)));
}
