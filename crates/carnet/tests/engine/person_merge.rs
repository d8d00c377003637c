//! Merging two records of one person (issue #15): the timeline and the figures before and
//! after, "Annuler" and "Séparer", an offline device writing to the merged-away record,
//! crossed merges on two devices, "pas un doublon" synced, erasure taking the whole person.

use carnet::outcome::Outcome;
use carnet::person::Person;
use carnet::person_merge;
use carnet::referral::NewReferral;
use carnet::{Store, Uuid};

use crate::fixture::{Fixture, day, digest, encounter_with, fixture_for};
use crate::sync::{device, new_folder, run};

/// Inès Haddad twice: the record typed at a market (two encounters) and the one typed at a
/// permanence (an encounter, a referral to ADIE, a business created).
fn twice(f: &mut Fixture) -> (Uuid, Uuid) {
    let adie = f.adie;
    let quartier = f.quartier;
    f.store
        .write(|w| {
            let keep = w.create(&Person {
                first_name: "Inès".into(),
                last_name: "Haddad".into(),
                gender: Some("female".into()),
                birth_date: Some(day(1990, 3, 7)),
                quartier_id: Some(quartier),
                ..Person::default()
            })?;
            let other = w.create(&Person {
                first_name: "Ines".into(),
                last_name: "HADDAD".into(),
                gender: Some("female".into()),
                phone: Some("06 12 34 56 78".into()),
                ..Person::default()
            })?;
            w.create(&encounter_with(keep, day(2026, 3, 2), "market"))?;
            w.create(&encounter_with(keep, day(2026, 6, 9), "interview"))?;
            w.create(&encounter_with(other, day(2025, 11, 4), "permanence_visit"))?;
            w.create(&encounter_with(other, day(2026, 9, 15), "interview"))?;
            carnet::referral::create(
                w,
                &NewReferral {
                    person_id: other,
                    partner_id: adie,
                    date: day(2026, 9, 15),
                    need: "financing".into(),
                    detail: None,
                    follow_up: None,
                },
            )?;
            w.create(&Outcome {
                person_id: other,
                kind: "business_created".into(),
                date: day(2026, 10, 1),
                legal_form: None,
                siret: None,
                sector: None,
                note: None,
            })?;
            Ok((keep, other))
        })
        .unwrap()
}

fn timeline_ids(store: &Store, person: Uuid) -> Vec<Uuid> {
    carnet::timeline::of_person(store, person)
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect()
}

fn received(store: &Store, year: i32) -> (i64, i64) {
    let y = carnet::report::indicators(store, year).unwrap();
    (y.persons_received, y.persons_new)
}

fn found(store: &Store, query: &str) -> Vec<Uuid> {
    carnet::person::find(store, query, None, 0, 50)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
}

#[test]
fn a_merge_joins_the_timelines_counts_her_once_and_can_be_undone_or_separated() {
    let mut f = fixture_for(1);
    let (keep, other) = twice(&mut f);
    let store = &mut f.store;
    // Before: two persons received in 2026, both "new" only for the market record.
    assert_eq!(received(store, 2026), (2, 1));
    assert_eq!(received(store, 2025), (1, 1));
    assert_eq!(timeline_ids(store, keep).len(), 2);
    let other_items = timeline_ids(store, other);
    assert_eq!(
        other_items.len(),
        4,
        "2 encounters, the referral, the outcome"
    );
    assert_eq!(found(store, "haddad").len(), 2);
    assert!(
        carnet::duplicates::pairs(store)
            .unwrap()
            .iter()
            .any(|p| [p.a, p.b].contains(&keep) && [p.a, p.b].contains(&other))
    );

    // Keep the market record, take the phone of the other.
    let undo = store
        .write(|w| person_merge::merge(w, keep, other, &["phone"]))
        .unwrap();
    let kept: Person = store.get(keep).unwrap();
    assert_eq!(kept.phone.as_deref(), Some("06 12 34 56 78"));
    assert_eq!(kept.first_name, "Inès", "fields not taken stay");
    // One person, first met in 2025 (the other record's first contact).
    assert_eq!(received(store, 2026), (1, 0));
    assert_eq!(received(store, 2025), (1, 1));
    let joined = timeline_ids(store, keep);
    assert_eq!(joined.len(), 6);
    assert!(other_items.iter().all(|i| joined.contains(i)));
    assert_eq!(
        timeline_ids(store, other),
        joined,
        "the old record opens hers"
    );
    assert_eq!(found(store, "haddad"), vec![keep]);
    assert_eq!(found(store, "06 12 34"), vec![keep]);
    assert_eq!(person_merge::merged_into(store, other).unwrap(), Some(keep));
    let listed = person_merge::merged_from(store, keep).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, other);
    assert!(carnet::duplicates::pairs(store).unwrap().is_empty());
    // Her follow-ups, referrals and letters name the kept record.
    let referrals = carnet::referral::overview(store, None, 50).unwrap();
    assert_eq!(referrals[0].person_id, keep);
    assert_eq!(referrals[0].person_name, "Inès Haddad");
    // A merged-away record cannot be merged again, nor a record into itself.
    let again = store.write(|w| person_merge::merge(w, other, keep, &[]));
    assert!(again.is_err());
    assert!(
        store
            .write(|w| person_merge::merge(w, keep, keep, &[]))
            .is_err()
    );
    assert!(carnet::check::check(store).unwrap().is_ok());

    // "Annuler" right after: everything as before, the phone too.
    store.write(|w| carnet::undo::apply(w, &undo)).unwrap();
    assert_eq!(store.get::<Person>(keep).unwrap().phone, None);
    assert_eq!(received(store, 2026), (2, 1));
    assert_eq!(timeline_ids(store, other), other_items);

    // Merged again, then "Séparer" later: two records, the values taken stay.
    store
        .write(|w| person_merge::merge(w, keep, other, &["phone"]))
        .unwrap();
    assert_eq!(received(store, 2026), (1, 0));
    store.write(|w| person_merge::separate(w, other)).unwrap();
    assert_eq!(received(store, 2026), (2, 1));
    assert_eq!(timeline_ids(store, other), other_items);
    assert_eq!(timeline_ids(store, keep).len(), 2);
    assert_eq!(found(store, "haddad").len(), 2);
    assert_eq!(
        store.get::<Person>(keep).unwrap().phone.as_deref(),
        Some("06 12 34 56 78")
    );
    assert!(
        store.write(|w| person_merge::separate(w, other)).is_err(),
        "nothing left to separate"
    );
    assert!(carnet::check::check(store).unwrap().is_ok());

    // Separated, corrected, merged again: the correction was made before this merge, so
    // nothing is carried over as a late edit.
    let mut p: Person = store.get(other).unwrap();
    p.phone = Some("07 00 00 00 01".into());
    store.update(other, &p).unwrap();
    f.clock.advance(1_000);
    store
        .write(|w| person_merge::merge(w, keep, other, &[]))
        .unwrap();
    assert_eq!(person_merge::forward_late_edits(store).unwrap(), 0);
    assert_eq!(
        store.get::<Person>(keep).unwrap().phone.as_deref(),
        Some("06 12 34 56 78")
    );
}

#[test]
fn an_offline_encounter_and_edit_to_the_merged_away_record_land_on_the_kept_one() {
    let folder_dir = tempfile::tempdir().unwrap();
    let folder = new_folder(folder_dir.path());
    let mut a = fixture_for(1);
    let (keep, other) = twice(&mut a);
    let (mut b, b_clock) = device(2);
    run(&mut a.store, &folder);
    run(&mut b, &folder);

    // A merges; B, offline and later in the day, records a visit on the old record and
    // corrects its phone.
    a.store
        .write(|w| person_merge::merge(w, keep, other, &[]))
        .unwrap();
    run(&mut a.store, &folder);
    b_clock.advance(3_600_000);
    let visit = b
        .create(&encounter_with(other, day(2026, 11, 20), "market"))
        .unwrap();
    let mut p: Person = b.get(other).unwrap();
    p.phone = Some("07 98 76 54 32".into());
    b.update(other, &p).unwrap();

    let back = run(&mut b, &folder);
    assert_eq!(back.merge_edits_forwarded, 1, "{back:?}");
    run(&mut a.store, &folder);
    for store in [&a.store, &b] {
        assert!(timeline_ids(store, keep).contains(&visit));
        assert_eq!(
            store.get::<Person>(keep).unwrap().phone.as_deref(),
            Some("07 98 76 54 32")
        );
        assert_eq!(found(store, "haddad"), vec![keep]);
        assert_eq!(received(store, 2026), (1, 0));
    }
    assert_eq!(digest(&a.store), digest(&b));
    // Nothing more to carry over: a second round changes nothing.
    assert_eq!(run(&mut a.store, &folder).merge_edits_forwarded, 0);
    assert_eq!(run(&mut b, &folder).merge_edits_forwarded, 0);
}

#[test]
fn crossed_merges_on_two_devices_resolve_alike_and_are_shown_for_review() {
    for a_syncs_first in [true, false] {
        let folder_dir = tempfile::tempdir().unwrap();
        let folder = new_folder(folder_dir.path());
        let mut a = fixture_for(1);
        let (x, y) = twice(&mut a);
        let (mut b, b_clock) = device(2);
        run(&mut a.store, &folder);
        run(&mut b, &folder);

        // A merges X into Y; B, a little later and without knowing, Y into X.
        a.store
            .write(|w| person_merge::merge(w, y, x, &[]))
            .unwrap();
        b_clock.advance(60_000);
        b.write(|w| person_merge::merge(w, x, y, &["phone"]))
            .unwrap();
        if a_syncs_first {
            run(&mut a.store, &folder);
            run(&mut b, &folder);
            run(&mut a.store, &folder);
        } else {
            run(&mut b, &folder);
            run(&mut a.store, &folder);
            let last = run(&mut b, &folder);
            assert_eq!(last.crossed_merges.len(), 1);
        }
        assert_eq!(digest(&a.store), digest(&b));
        for store in [&a.store, &b] {
            // The later merge (B's, Y into X) stands; A's is set aside for review.
            assert_eq!(person_merge::merged_into(store, y).unwrap(), Some(x));
            assert_eq!(person_merge::merged_into(store, x).unwrap(), None);
            let crossed = person_merge::crossed(store).unwrap();
            assert_eq!(crossed.len(), 1);
            assert_eq!((crossed[0].person_id, crossed[0].into_id), (x, y));
            assert_eq!(found(store, "haddad"), vec![x]);
            assert_eq!(received(store, 2026), (1, 0));
            assert_eq!(timeline_ids(store, x).len(), 6);
        }

        // The officer confirms on B; A follows.
        b.write(|w| person_merge::confirm_crossed(w, x)).unwrap();
        run(&mut b, &folder);
        let last = run(&mut a.store, &folder);
        assert!(last.crossed_merges.is_empty());
        for store in [&a.store, &b] {
            assert!(person_merge::crossed(store).unwrap().is_empty());
            assert_eq!(person_merge::merged_into(store, y).unwrap(), Some(x));
        }
        assert_eq!(digest(&a.store), digest(&b));
    }
}

#[test]
fn not_a_duplicate_is_synced_and_the_pair_is_not_listed_again_anywhere() {
    let folder_dir = tempfile::tempdir().unwrap();
    let folder = new_folder(folder_dir.path());
    let mut a = fixture_for(1);
    let (keep, other) = twice(&mut a);
    let (mut b, _) = device(2);
    run(&mut a.store, &folder);
    run(&mut b, &folder);
    let listed = |s: &Store| {
        carnet::duplicates::pairs(s)
            .unwrap()
            .iter()
            .any(|p| [p.a, p.b].contains(&keep) && [p.a, p.b].contains(&other))
    };
    assert!(listed(&a.store) && listed(&b));

    let undo = b
        .write(|w| person_merge::not_duplicate(w, other, keep))
        .unwrap();
    assert!(!listed(&b));
    // Said again (on the other device, the other way round): the same row, nothing new.
    run(&mut b, &folder);
    run(&mut a.store, &folder);
    assert!(!listed(&a.store));
    a.store
        .write(|w| person_merge::not_duplicate(w, keep, other))
        .unwrap();
    assert_eq!(run(&mut a.store, &folder).changes_sent, 0);
    // After a sync bringing the pair to a third device, it is not proposed either.
    let (mut c, _) = device(3);
    let report = run(&mut c, &folder);
    assert!(report.likely_duplicates.is_empty(), "{report:?}");
    assert!(!listed(&c));

    // "Annuler" lists it again.
    b.write(|w| carnet::undo::apply(w, &undo)).unwrap();
    assert!(listed(&b));
}

#[test]
fn erasing_the_kept_record_erases_the_merged_ones_and_keeps_closed_years_counted_once() {
    let mut f = fixture_for(1);
    let (keep, other) = twice(&mut f);
    let store = &mut f.store;
    store
        .write(|w| person_merge::merge(w, keep, other, &[]))
        .unwrap();
    let closed_before = received(store, 2025);
    carnet::erasure::erase(store, keep).unwrap();
    assert!(store.get::<Person>(keep).is_err());
    assert!(store.get::<Person>(other).is_err());
    let erased = carnet::erasure::erased_ids(store).unwrap();
    assert!(erased.contains(&keep) && erased.contains(&other));
    assert!(found(store, "haddad").is_empty());
    // 2025 is closed: she still counts there, once.
    assert_eq!(received(store, 2025), closed_before);
    let pointers = store
        .changes_since(0)
        .unwrap()
        .into_iter()
        .filter(|(_, c)| c.entity.name == "person_merge")
        .count();
    assert_eq!(pointers, 0, "no pointer left about her, in the log either");
    assert!(carnet::check::check(store).unwrap().is_ok());
}

#[test]
fn a_new_device_reading_the_merge_before_the_records_it_names_still_follows_it() {
    let folder_dir = tempfile::tempdir().unwrap();
    let folder = new_folder(folder_dir.path());
    // The records are typed on device 9; device 1 merges them. A new device reads device 1's
    // segment (the pointer) before device 9's (the records).
    let mut typist = fixture_for(9);
    let (keep, other) = twice(&mut typist);
    run(&mut typist.store, &folder);
    let (mut merger, _) = device(1);
    run(&mut merger, &folder);
    merger
        .write(|w| person_merge::merge(w, keep, other, &[]))
        .unwrap();
    run(&mut merger, &folder);
    let (mut newcomer, _) = device(5);
    run(&mut newcomer, &folder);
    assert_eq!(
        person_merge::merged_into(&newcomer, other).unwrap(),
        Some(keep)
    );
    assert_eq!(found(&newcomer, "haddad"), vec![keep]);
    assert_eq!(received(&newcomer, 2026), (1, 0));
    assert_eq!(digest(&newcomer), digest(&merger));
}
