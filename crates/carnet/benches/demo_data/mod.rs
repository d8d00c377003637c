//! The demo notebook every benchmark measures on, made the same way in each of them: seed 1,
//! up to 2026-11-20, ten years under `cargo bench` and one year when `cargo test --benches`
//! runs each benchmark once (so CI checks they work without the wait).

use std::path::Path;

use carnet::{ManualClock, Store, Uuid};
use carnet_demo::{DemoOptions, generate};
use chrono::NaiveDate;

/// The day the demo ends and the benchmarks pretend it is.
pub fn until() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

/// True under `cargo bench`, false when run once as a test.
pub fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// 10 years under `cargo bench`, 1 as a test.
pub fn years() -> u32 {
    if full_run() { 10 } else { 1 }
}

/// A file database at `path` holding `years` of demo data.
pub fn demo_db(path: &Path, years: u32) -> Store {
    let clock = Box::new(ManualClock::at_date(until()));
    let mut store = Store::init(path, Uuid::from_u128(1), clock).unwrap();
    let options = DemoOptions {
        seed: 1,
        years,
        until: until(),
    };
    generate(&mut store, &options, &mut |_| {}).unwrap();
    store
}
