//! Replaying the change log rebuilds the same content, in any order (property tests).

use carnet::encounter::Encounter;
use carnet::person::Person;
use carnet::{Change, Store, Uuid};
use proptest::prelude::*;

use crate::fixture::{digest, fixture_for, today};

#[derive(Debug, Clone)]
enum Op {
    CreatePerson(usize, usize),
    EditName(usize, usize),
    EditPhone(usize, Option<u8>),
    Delete(usize),
    Restore(usize),
    Encounter(usize, Option<i64>),
    ClockJump(i64),
}

const NAMES: &[&str] = &["Éloïse", "Ben Ali", "Çakır", "Lefèvre", "N'Diaye", "Martin"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..NAMES.len(), 0..NAMES.len()).prop_map(|(a, b)| Op::CreatePerson(a, b)),
        2 => (0..8usize, 0..NAMES.len()).prop_map(|(i, n)| Op::EditName(i, n)),
        1 => (0..8usize, proptest::option::of(0..100u8)).prop_map(|(i, p)| Op::EditPhone(i, p)),
        1 => (0..8usize).prop_map(Op::Delete),
        1 => (0..8usize).prop_map(Op::Restore),
        2 => (0..8usize, proptest::option::of(1..9i64)).prop_map(|(i, n)| Op::Encounter(i, n)),
        1 => (-5_000_000..5_000_000i64).prop_map(Op::ClockJump),
    ]
}

/// Runs the operations; invalid ones (editing a deleted person…) are refused by the engine
/// and must leave nothing behind, like any failed write.
fn run(ops: &[Op]) -> Store {
    let mut f = fixture_for(11);
    let mut people: Vec<Uuid> = Vec::new();
    for op in ops {
        let pick = |i: &usize| people.get(i % people.len().max(1)).copied();
        let _ = match op {
            Op::CreatePerson(a, b) => f
                .store
                .create(&Person {
                    first_name: NAMES[*a].into(),
                    last_name: NAMES[*b].into(),
                    ..Default::default()
                })
                .map(|id| people.push(id)),
            Op::EditName(i, n) => match pick(i) {
                Some(id) => f.store.get::<Person>(id).and_then(|mut p| {
                    p.first_name = NAMES[*n].into();
                    f.store.update(id, &p)
                }),
                None => Ok(()),
            },
            Op::EditPhone(i, phone) => match pick(i) {
                Some(id) => f.store.get::<Person>(id).and_then(|mut p| {
                    p.phone = phone.map(|n| format!("06 39 98 00 {n:02}"));
                    f.store.update(id, &p)
                }),
                None => Ok(()),
            },
            Op::Delete(i) => match pick(i) {
                Some(id) => f.store.delete::<Person>(id),
                None => Ok(()),
            },
            Op::Restore(i) => match pick(i) {
                Some(id) => f.store.write(|w| w.restore(&carnet::schema::PERSON, id)),
                None => Ok(()),
            },
            Op::Encounter(i, n) => {
                let mut e = Encounter::new(today(), "market");
                e.person_id = if n.is_none() { pick(i) } else { None };
                e.head_count = *n;
                f.store.create(&e).map(|_| ())
            }
            Op::ClockJump(ms) => {
                f.clock.advance(*ms);
                Ok(())
            }
        };
    }
    f.store
}

fn replay(changes: &[Change]) -> Store {
    let clock = Box::new(carnet::ManualClock::at_date(today()));
    let mut store = Store::open_in_memory(Uuid::from_u128(99), clock).unwrap();
    store.apply_changes(changes).unwrap();
    store
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn replaying_the_log_in_any_order_rebuilds_the_same_content(
        ops in proptest::collection::vec(op(), 1..40),
        seed in any::<u64>(),
    ) {
        let original = run(&ops);
        let changes: Vec<Change> = original.changes_since(0).unwrap().into_iter().map(|(_, c)| c).collect();

        let in_order = replay(&changes);
        prop_assert_eq!(digest(&in_order), digest(&original));

        // Shuffled, with duplicates, delivered in two batches.
        let mut shuffled = changes.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let half = shuffled.len() / 2;
        let mut twice = shuffled[..half].to_vec();
        twice.extend_from_slice(&shuffled);
        let clock = Box::new(carnet::ManualClock::at_date(today()));
        let mut other = Store::open_in_memory(Uuid::from_u128(98), clock).unwrap();
        other.apply_changes(&twice[..half]).unwrap();
        let report = other.apply_changes(&twice[half..]).unwrap();
        prop_assert_eq!(report.duplicates, half);
        prop_assert_eq!(digest(&other), digest(&original));
        prop_assert!(carnet::check::check(&other).unwrap().is_ok());
        prop_assert!(carnet::check::check(&original).unwrap().is_ok());
    }
}

#[test]
fn local_writes_after_receiving_changes_win_over_them() {
    let mut a = fixture_for(1);
    let id = a
        .store
        .create(&crate::fixture::person("Nour", "Hamidi"))
        .unwrap();
    let changes: Vec<Change> = a
        .store
        .changes_since(0)
        .unwrap()
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    // Device B's clock is a day behind, yet its edit after receiving A's data must win.
    let clock = std::sync::Arc::new(carnet::ManualClock::at_date(today()));
    clock.advance(-86_400_000);
    let mut b = Store::open_in_memory(Uuid::from_u128(2), Box::new(clock)).unwrap();
    b.apply_changes(&changes).unwrap();
    let mut p: Person = b.get(id).unwrap();
    p.first_name = "Noura".into();
    b.update(id, &p).unwrap();
    let back: Vec<Change> = b
        .changes_since(0)
        .unwrap()
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    a.store.apply_changes(&back).unwrap();
    assert_eq!(a.store.get::<Person>(id).unwrap().first_name, "Noura");
    assert_eq!(digest(&a.store), digest(&b));
}
