#![no_main]
//! Fuzz target `policy_json`: see `iotcard_fuzz::core::policy_json`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| iotcard_fuzz::core::policy_json(data));
