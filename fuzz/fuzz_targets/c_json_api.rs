#![no_main]
//! Fuzz target `c_json_api`: see `iotcard_fuzz::c_api::c_json_api`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| iotcard_fuzz::c_api::c_json_api(data));
