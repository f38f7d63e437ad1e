//! The checks the fuzz targets run, included from where `cargo test` replays
//! the corpus with the same code (see README.md, "Where the checks live").

/// The core's targets: every JSON door and the structured event sequence.
#[path = "../../crates/iotcard/tests/common/fuzz_checks.rs"]
pub mod core;

/// The C ABI target.
#[path = "../../bindings/c/tests/common/fuzz_checks.rs"]
pub mod c_api;
