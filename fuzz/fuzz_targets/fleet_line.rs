#![no_main]
//! Fuzz target `fleet_line`: see `iotcard_fuzz::core::fleet_line`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| iotcard_fuzz::core::fleet_line(data));
