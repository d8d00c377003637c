//! The demo generator: realistic volumes, reproducible content, a healthy store.

use carnet::{Change, ManualClock, Store, Uuid};
use carnet_demo::{DemoOptions, generate};

use crate::fixture::{day, digest};

fn demo(device: u128, seed: u64) -> Store {
    let clock = Box::new(ManualClock::at_date(day(2030, 1, 1)));
    let mut store = Store::open_in_memory(Uuid::from_u128(device), clock).unwrap();
    let options = DemoOptions {
        seed,
        years: 1,
        until: day(2026, 11, 20),
    };
    let mut weeks = 0;
    generate(&mut store, &options, &mut |p| weeks = p.weeks_done).unwrap();
    assert_eq!(weeks, 52);
    store
}

#[test]
fn same_seed_same_content_on_any_device() {
    let a = demo(1, 7);
    let b = demo(2, 7);
    let c = demo(1, 8);
    assert_eq!(digest(&a), digest(&b));
    assert_ne!(digest(&a), digest(&c));
}

#[test]
fn one_demo_year_has_realistic_volumes_and_passes_check() {
    let store = demo(1, 1);
    let stats = carnet::stats::stats(&store).unwrap();
    let n = |e: &str| stats.entities[e];
    assert!(
        (1_500..3_000).contains(&n("person")),
        "persons {}",
        n("person")
    );
    assert!(
        (7_000..12_000).contains(&n("encounter")),
        "encounters {}",
        n("encounter")
    );
    assert_eq!(n("permanence"), 52 * 11);
    assert!((250..400).contains(&stats.encounters_by_kind["interview"]));
    assert!(n("attendance") >= 120, "attendances {}", n("attendance"));
    assert!(n("referral") >= 80);
    let report = carnet::check::check(&store).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    // Replaying the whole demo log elsewhere gives the same content.
    let changes: Vec<Change> = store
        .changes_since(0)
        .unwrap()
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    let mut copy =
        Store::open_in_memory(Uuid::from_u128(5), Box::new(ManualClock::new(0))).unwrap();
    copy.apply_changes(&changes).unwrap();
    assert_eq!(digest(&copy), digest(&store));
}

#[test]
fn demo_refuses_a_notebook_with_real_data() {
    let mut f = crate::fixture::fixture();
    f.store
        .create(&crate::fixture::person("Vraie", "Personne"))
        .unwrap();
    let options = DemoOptions {
        seed: 1,
        years: 1,
        until: day(2026, 11, 20),
    };
    let err = generate(&mut f.store, &options, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("base neuve"));
}
