//! Feeds arbitrary bytes to the decoder of a segment's decrypted payload (the JSON list of
//! writes): it must refuse them without panicking. Random bytes never get past the segment's
//! authentication, so this target reaches the decoder directly.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = carnet::sync::decode_payload(data);
});
