#![no_main]
//! Fuzz target `event_sequence`: see `iotcard_fuzz::core::event_sequence`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| iotcard_fuzz::core::event_sequence(data));
