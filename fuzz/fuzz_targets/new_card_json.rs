#![no_main]
//! Fuzz target `new_card_json`: see `iotcard_fuzz::core::new_card_json`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| iotcard_fuzz::core::new_card_json(data));
