//! Stores for tests: in memory, on a manual clock, with a small territory.

use std::sync::Arc;

use carnet::encounter::Encounter;
use carnet::person::Person;
use carnet::{ManualClock, Store, Uuid};
use chrono::NaiveDate;

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The date tests pretend it is.
pub fn today() -> NaiveDate {
    day(2026, 11, 25)
}

pub struct Fixture {
    pub store: Store,
    pub clock: Arc<ManualClock>,
    pub quartier: Uuid,
    pub adie: Uuid,
}

/// An in-memory store for `device`, with Pays de Montbéliard's quartiers and the partners.
pub fn fixture_for(device: u128) -> Fixture {
    fixture_on(device, today())
}

/// [`fixture_for`], made on `date` (the clock stays there until a test moves it).
pub fn fixture_on(device: u128, date: NaiveDate) -> Fixture {
    let clock = Arc::new(ManualClock::at_date(date));
    let mut store =
        Store::open_in_memory(Uuid::from_u128(device), Box::new(clock.clone())).unwrap();
    store
        .write(|w| {
            carnet::partner::seed_partners(w)?;
            carnet::territory::create_territory(w, "Pays de Montbéliard")?;
            Ok(())
        })
        .unwrap();
    let quartier = carnet::territory::quartiers(&store)
        .unwrap()
        .into_iter()
        .find(|q| q.data.name == "La Chiffogne")
        .unwrap()
        .id;
    let adie = carnet::partner::partners(&store)
        .unwrap()
        .into_iter()
        .find(|p| p.data.name == "ADIE")
        .unwrap()
        .id;
    Fixture {
        store,
        clock,
        quartier,
        adie,
    }
}

pub fn fixture() -> Fixture {
    fixture_for(1)
}

pub fn person(first: &str, last: &str) -> Person {
    Person {
        first_name: first.into(),
        last_name: last.into(),
        ..Default::default()
    }
}

pub fn encounter_with(person: Uuid, date: NaiveDate, kind: &str) -> Encounter {
    let mut e = Encounter::new(date, kind);
    e.person_id = Some(person);
    e
}

pub fn digest(store: &Store) -> String {
    carnet::digest::digest(store).unwrap()
}
