//! Feeds arbitrary bytes to the decoders of a person block and to the decoder and validator of
//! a segment's decrypted payload (the first byte picks the format), then applies whatever
//! passes to a notebook: nothing may panic, a validated payload must apply, and every screen's
//! read (persons, encounters) must still work afterwards. Random bytes never get past the
//! segment's authentication, so this target starts after it.
#![no_main]

use carnet::{ManualClock, Store, Uuid};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = carnet::sync::payload::decode_v1(data);
    for format in [
        carnet::sync::payload::BlockFormat::Binary,
        carnet::sync::payload::BlockFormat::DeflatedJson,
    ] {
        let _ = carnet::sync::payload::decode_block(format, data);
    }
    // The first byte picks the segment format the rest is read as (2, 3 or 4).
    let Some((&pick, plain)) = data.split_first() else {
        return;
    };
    let device = Uuid::from_u128(1);
    let Ok(contents) = carnet::sync::decode_and_validate(2 + u16::from(pick % 3), plain, device)
    else {
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
