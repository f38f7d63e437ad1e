#![no_main]
//! Fuzz target `card_state_json`: see `iotcard_fuzz::core::card_state_json`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| iotcard_fuzz::core::card_state_json(data));
