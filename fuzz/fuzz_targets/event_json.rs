#![no_main]
//! Fuzz target `event_json`: see `iotcard_fuzz::core::event_json`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| iotcard_fuzz::core::event_json(data));
