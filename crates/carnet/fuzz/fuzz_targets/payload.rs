//! Feeds arbitrary bytes to the decoder and validator of a segment's decrypted payload, then
//! applies whatever passes to a notebook: nothing may panic, a validated payload must apply,
//! and every screen's read (persons, encounters) must still work afterwards. Random bytes never
//! get past the segment's authentication, so this target starts after it.
#![no_main]

use carnet::{ManualClock, Store, Uuid};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = carnet::sync::payload::decode_v1(data);
    let device = Uuid::from_u128(1);
    let Ok(contents) = carnet::sync::decode_and_validate(data, device) else {
        return;
    };
    let mut store = Store::open_in_memory(Uuid::from_u128(2), Box::new(ManualClock::new(0)))
        .expect("store");
    store
        .apply_changes(&contents.changes)
        .expect("a validated payload applies");
    carnet::person::all(&store).expect("persons still read");
    carnet::check::check(&store).expect("check runs");
});
