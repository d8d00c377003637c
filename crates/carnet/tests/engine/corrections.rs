//! Correcting what was recorded: edit, delete and undo, and a visit always counted in a
//! permanence. Each test checks the yearly figures move with the correction, as the Bilan
//! would show them.

use carnet::encounter::{self, Encounter};
use carnet::followup::{self, Window};
use carnet::meeting::{self, Meeting};
use carnet::outcome::Outcome;
use carnet::permanence::Permanence;
use carnet::referral::{self, NewReferral, Referral};
use carnet::report::indicators;
use carnet::undo::{self, Undo};
use carnet::{Error, Uuid};

use crate::fixture::{day, encounter_with, fixture, person, today};

fn market(quartier: Uuid, heads: i64) -> Encounter {
    let mut e = Encounter::new(today(), "market");
    e.head_count = Some(heads);
    e.quartier_id = Some(quartier);
    e
}

fn reached(f: &crate::fixture::Fixture) -> i64 {
    indicators(&f.store, 2026).unwrap().people_reached
}

#[test]
fn a_capture_is_undone_and_redone_and_the_figures_follow() {
    let mut f = fixture();
    let q = f.quartier;
    let recorded = f
        .store
        .write(|w| encounter::record(w, &market(q, 3), None))
        .unwrap();
    assert_eq!(reached(&f), 3);
    let redo = f.store.write(|w| undo::apply(w, &recorded.undo)).unwrap();
    assert_eq!(reached(&f), 0, "the false '3 personnes' is gone");
    assert!(encounter::of_day(&f.store, today()).unwrap().is_empty());
    // Undoing twice is refused whole, and changes nothing.
    let again = f.store.write(|w| undo::apply(w, &recorded.undo));
    assert!(matches!(again, Err(Error::UndoStale)), "{again:?}");
    f.store.write(|w| undo::apply(w, &redo)).unwrap();
    assert_eq!(reached(&f), 3, "redo brings it back");
}

#[test]
fn a_capture_with_a_new_person_is_undone_with_the_person() {
    let mut f = fixture();
    let e = Encounter::new(today(), "interview");
    let recorded = f
        .store
        .write(|w| encounter::record(w, &e, Some(&person("Inès", "Haddad"))))
        .unwrap();
    let person_id = recorded.person_id.unwrap();
    assert!(
        carnet::person::search(&f.store, "haddad", None, 10)
            .unwrap()
            .len()
            == 1
    );
    f.store.write(|w| undo::apply(w, &recorded.undo)).unwrap();
    assert!(
        carnet::person::search(&f.store, "haddad", None, 10)
            .unwrap()
            .is_empty()
    );
    assert!(f.store.get::<carnet::person::Person>(person_id).is_err());
}

#[test]
fn an_encounter_is_corrected_then_deleted_and_each_step_undone() {
    let mut f = fixture();
    let q = f.quartier;
    let id = f
        .store
        .write(|w| encounter::record(w, &market(q, 3), None))
        .unwrap()
        .id;
    let fixed = f
        .store
        .write(|w| encounter::correct(w, id, &market(q, 2)))
        .unwrap();
    assert_eq!(reached(&f), 2);
    assert_eq!(fixed.undo.steps.len(), 1, "only the head count changed");
    f.store.write(|w| undo::apply(w, &fixed.undo)).unwrap();
    assert_eq!(reached(&f), 3);

    let deleted = f
        .store
        .write(|w| undo::delete(w, &carnet::schema::ENCOUNTER, id))
        .unwrap();
    assert_eq!(reached(&f), 0);
    f.store.write(|w| undo::apply(w, &deleted)).unwrap();
    assert_eq!(reached(&f), 3);
    assert_eq!(f.store.get::<Encounter>(id).unwrap().head_count, Some(3));
}

#[test]
fn an_undo_token_survives_its_json_round_trip() {
    let mut f = fixture();
    let q = f.quartier;
    let recorded = f
        .store
        .write(|w| encounter::record(w, &market(q, 3), None))
        .unwrap();
    let fixed = f
        .store
        .write(|w| encounter::correct(w, recorded.id, &market(q, 4)))
        .unwrap();
    let json = serde_json::to_string(&fixed.undo).unwrap();
    assert!(json.contains(r#""action":"set""#), "{json}");
    let back: Undo = serde_json::from_str(&json).unwrap();
    f.store.write(|w| undo::apply(w, &back)).unwrap();
    assert_eq!(reached(&f), 3);
}

#[test]
fn a_visit_from_the_home_screen_is_counted_in_that_days_permanence() {
    let mut f = fixture();
    let mut visit = Encounter::new(today(), "permanence_visit");
    visit.head_count = Some(1);
    visit.quartier_id = Some(f.quartier);
    let first = f
        .store
        .write(|w| encounter::record(w, &visit, None))
        .unwrap();
    let permanence = first.permanence.clone().unwrap();
    assert!(
        permanence.created,
        "no permanence was planned: one is created"
    );
    let i = indicators(&f.store, 2026).unwrap();
    assert_eq!((i.permanences_held, i.permanence_visitors), (1, 1));

    // The next visit joins the same permanence.
    let second = f
        .store
        .write(|w| encounter::record(w, &visit, None))
        .unwrap();
    assert_eq!(second.permanence.as_ref().unwrap().id, permanence.id);
    assert!(!second.permanence.as_ref().unwrap().created);
    let i = indicators(&f.store, 2026).unwrap();
    assert_eq!((i.permanences_held, i.permanence_visitors), (1, 2));

    // Undoing the first visit keeps the permanence it created: the second visit is in it.
    f.store.write(|w| undo::apply(w, &first.undo)).unwrap();
    let i = indicators(&f.store, 2026).unwrap();
    assert_eq!((i.permanences_held, i.permanence_visitors), (1, 1));
    // Undoing the second one too leaves no permanence behind only if nothing uses it: the
    // second visit did not create it, so it stays, held and empty, for the officer to see.
    f.store.write(|w| undo::apply(w, &second.undo)).unwrap();
    assert_eq!(indicators(&f.store, 2026).unwrap().permanence_visitors, 0);
}

#[test]
fn a_visitor_makes_a_planned_permanence_held_and_undo_puts_it_back() {
    let mut f = fixture();
    let planned = f
        .store
        .create(&Permanence {
            quartier_id: f.quartier,
            place_id: None,
            date: today(),
            start_time: Some("14:00".into()),
            end_time: Some("17:00".into()),
            status: "planned".into(),
            note: None,
        })
        .unwrap();
    assert_eq!(indicators(&f.store, 2026).unwrap().permanence_visitors, 0);
    let mut visit = Encounter::new(today(), "permanence_visit");
    visit.head_count = Some(2);
    visit.permanence_id = Some(planned);
    let recorded = f
        .store
        .write(|w| encounter::record(w, &visit, None))
        .unwrap();
    let attached = recorded.permanence.clone().unwrap();
    assert!(attached.marked_held && !attached.created);
    let i = indicators(&f.store, 2026).unwrap();
    assert_eq!((i.permanences_held, i.permanence_visitors), (1, 2));
    // From the home screen too: the visit finds the planned permanence of the day.
    f.store.write(|w| undo::apply(w, &recorded.undo)).unwrap();
    assert_eq!(
        f.store.get::<Permanence>(planned).unwrap().status,
        "planned"
    );
    visit.permanence_id = None;
    visit.quartier_id = Some(f.quartier);
    let again = f
        .store
        .write(|w| encounter::record(w, &visit, None))
        .unwrap();
    assert_eq!(again.permanence.unwrap().id, planned);
    assert_eq!(f.store.get::<Permanence>(planned).unwrap().status, "held");
}

#[test]
fn a_visit_without_quartier_nor_permanence_is_refused_with_a_message() {
    let mut f = fixture();
    let mut visit = Encounter::new(today(), "permanence_visit");
    visit.head_count = Some(1);
    let err = f
        .store
        .write(|w| encounter::record(w, &visit, None))
        .unwrap_err();
    assert_eq!(err.field(), Some("quartier_id"));
    assert!(err.to_string().contains("quartier"), "{err}");
    assert_eq!(
        carnet::stats::stats(&f.store).unwrap().entities["permanence"],
        0
    );
}

#[test]
fn deleting_a_person_takes_their_history_out_of_the_figures_and_undo_brings_it_back() {
    let mut f = fixture();
    let adie = f.adie;
    let p = f.store.create(&person("Test", "Erreur")).unwrap();
    f.store
        .write(|w| {
            w.create(&encounter_with(p, day(2026, 3, 2), "interview"))?;
            let r = referral::create(
                w,
                &NewReferral {
                    person_id: p,
                    partner_id: adie,
                    date: day(2026, 3, 2),
                    need: "financing".into(),
                    detail: None,
                    follow_up: None,
                },
            )?;
            referral::move_to(w, r, "appointment", day(2026, 3, 9), None)?;
            w.create(&Outcome {
                person_id: p,
                kind: "job".into(),
                date: day(2026, 6, 1),
                legal_form: None,
                siret: None,
                sector: None,
                note: None,
            })?;
            Ok(())
        })
        .unwrap();
    let before = indicators(&f.store, 2026).unwrap();
    assert_eq!((before.persons_received, before.referrals), (1, 1));
    let undo = f.store.write(|w| carnet::person::delete(w, p)).unwrap();
    let after = indicators(&f.store, 2026).unwrap();
    assert_eq!(
        (after.persons_received, after.referrals, after.encounters),
        (0, 0, 0)
    );
    assert!(carnet::timeline::of_person(&f.store, p).is_err());
    f.store.write(|w| undo::apply(w, &undo)).unwrap();
    assert_eq!(indicators(&f.store, 2026).unwrap(), before);
    assert_eq!(carnet::timeline::of_person(&f.store, p).unwrap().len(), 4);
}

#[test]
fn deleting_or_correcting_a_referral_step_moves_the_status_back() {
    let mut f = fixture();
    let adie = f.adie;
    let p = f.store.create(&person("Awa", "Diallo")).unwrap();
    let (r, step) = f
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
            let step = referral::move_to(w, r, "appointment", day(2026, 11, 10), None)?;
            Ok((r, step))
        })
        .unwrap();
    let status = |f: &crate::fixture::Fixture| {
        let r: Referral = f.store.get(r).unwrap();
        (r.status, r.status_date.unwrap())
    };
    assert_eq!(status(&f), ("appointment".into(), day(2026, 11, 10)));
    let corrected = f
        .store
        .write(|w| {
            referral::correct_step(
                w,
                step,
                "supported",
                day(2026, 11, 12),
                Some("Prêt accordé"),
            )
        })
        .unwrap();
    assert_eq!(status(&f), ("supported".into(), day(2026, 11, 12)));
    f.store.write(|w| undo::apply(w, &corrected)).unwrap();
    assert_eq!(status(&f), ("appointment".into(), day(2026, 11, 10)));

    let deleted = f.store.write(|w| referral::delete_step(w, step)).unwrap();
    assert_eq!(status(&f), ("sent".into(), day(2026, 11, 3)));
    assert_eq!(referral::history(&f.store, r).unwrap().len(), 2);
    f.store.write(|w| undo::apply(w, &deleted)).unwrap();
    assert_eq!(status(&f), ("appointment".into(), day(2026, 11, 10)));

    // A step before the referral's date is refused, nothing changes.
    let early = f
        .store
        .write(|w| referral::correct_step(w, step, "appointment", day(2026, 10, 1), None));
    assert_eq!(early.unwrap_err().field(), Some("date"));
    assert_eq!(status(&f), ("appointment".into(), day(2026, 11, 10)));
}

#[test]
fn deleting_the_only_step_deletes_the_referral() {
    let mut f = fixture();
    let adie = f.adie;
    let p = f.store.create(&person("Awa", "Diallo")).unwrap();
    let r = f
        .store
        .write(|w| {
            referral::create(
                w,
                &NewReferral {
                    person_id: p,
                    partner_id: adie,
                    date: day(2026, 11, 2),
                    need: "financing".into(),
                    detail: None,
                    follow_up: None,
                },
            )
        })
        .unwrap();
    let only = referral::history(&f.store, r).unwrap()[0].id;
    let undo = f.store.write(|w| referral::delete_step(w, only)).unwrap();
    assert_eq!(indicators(&f.store, 2026).unwrap().referrals, 0);
    f.store.write(|w| undo::apply(w, &undo)).unwrap();
    assert_eq!(indicators(&f.store, 2026).unwrap().referrals, 1);
}

#[test]
fn removing_an_attendee_lowers_the_head_count_it_had_raised() {
    let mut f = fixture();
    let p = f.store.create(&person("Awa", "Diallo")).unwrap();
    let m = f
        .store
        .create(&Meeting {
            date: day(2026, 11, 2),
            title: "Atelier".into(),
            kind: "atelier".into(),
            partner_id: None,
            quartier_id: None,
            attendee_count: None,
            note: None,
        })
        .unwrap();
    f.store.write(|w| meeting::attach(w, m, p)).unwrap();
    assert_eq!(f.store.get::<Meeting>(m).unwrap().attendee_count, Some(1));
    let undo = f.store.write(|w| meeting::detach(w, m, p)).unwrap();
    assert_eq!(f.store.get::<Meeting>(m).unwrap().attendee_count, Some(0));
    assert!(meeting::attendees(&f.store, m).unwrap().is_empty());
    f.store.write(|w| undo::apply(w, &undo)).unwrap();
    assert_eq!(meeting::attendees(&f.store, m).unwrap().len(), 1);
    assert_eq!(f.store.get::<Meeting>(m).unwrap().attendee_count, Some(1));
}

#[test]
fn follow_ups_overdue_newest_first_capped_done_and_postponed() {
    let mut f = fixture();
    let p = f.store.create(&person("Hakim", "Demir")).unwrap();
    let mut ids = Vec::new();
    for (month, d) in [(1, 5), (6, 10), (11, 20), (11, 26), (11, 29), (12, 15)] {
        let mut e = encounter_with(p, day(2026, month, d).min(today()), "interview");
        e.follow_up = Some(day(2026, month, d).max(e.date));
        ids.push(f.store.create(&e).unwrap());
    }
    let home = followup::home(&f.store, today(), 2).unwrap();
    let dates = |v: &[followup::FollowUp]| v.iter().map(|x| x.due).collect::<Vec<_>>();
    assert_eq!(
        dates(&home.overdue),
        vec![day(2026, 11, 20), day(2026, 6, 10)]
    );
    assert_eq!(home.overdue_total, 3);
    assert_eq!(
        dates(&home.this_week),
        vec![day(2026, 11, 26), day(2026, 11, 29)]
    );

    let done = f
        .store
        .write(|w| followup::done(w, "encounter", ids[2]))
        .unwrap();
    assert_eq!(
        followup::home(&f.store, today(), 8).unwrap().overdue_total,
        2
    );
    let later = f
        .store
        .write(|w| followup::postpone(w, "encounter", ids[0], day(2026, 12, 2)))
        .unwrap();
    let page = followup::list(&f.store, today(), Window::Upcoming, 0, 10).unwrap();
    assert_eq!(
        dates(&page.items),
        vec![
            day(2026, 11, 26),
            day(2026, 11, 29),
            day(2026, 12, 2),
            day(2026, 12, 15)
        ]
    );
    let page = followup::list(&f.store, today(), Window::All, 1, 2).unwrap();
    assert_eq!(page.total, 5);
    assert_eq!(
        dates(&page.items),
        vec![day(2026, 12, 2), day(2026, 11, 29)]
    );
    f.store.write(|w| undo::apply(w, &later)).unwrap();
    f.store.write(|w| undo::apply(w, &done)).unwrap();
    assert_eq!(
        followup::home(&f.store, today(), 8).unwrap().overdue_total,
        3
    );
    let bad = f.store.write(|w| followup::done(w, "letter", ids[0]));
    assert!(bad.is_err());
}

#[test]
fn attaching_an_attendee_is_undone_with_the_head_count_it_raised() {
    let mut f = fixture();
    let p = f.store.create(&person("Awa", "Diallo")).unwrap();
    let m = f
        .store
        .create(&Meeting {
            date: day(2026, 11, 2),
            title: "Atelier".into(),
            kind: "atelier".into(),
            partner_id: None,
            quartier_id: None,
            attendee_count: Some(0),
            note: None,
        })
        .unwrap();
    let (_, undo) = f
        .store
        .write(|w| meeting::attach_undoable(w, m, p))
        .unwrap();
    assert_eq!(f.store.get::<Meeting>(m).unwrap().attendee_count, Some(1));
    // Attaching again changes nothing, and has nothing to undo.
    let (_, again) = f
        .store
        .write(|w| meeting::attach_undoable(w, m, p))
        .unwrap();
    assert!(again.is_empty());
    f.store.write(|w| undo::apply(w, &undo)).unwrap();
    assert_eq!(f.store.get::<Meeting>(m).unwrap().attendee_count, Some(0));
    assert!(meeting::attendees(&f.store, m).unwrap().is_empty());
}
