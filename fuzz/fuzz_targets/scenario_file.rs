#![no_main]
//! Fuzz target `scenario_file`: see `iotcard_fuzz::core::scenario_file`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| iotcard_fuzz::core::scenario_file(data));
