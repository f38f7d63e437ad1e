//! Replays the fuzz corpus (`fuzz/corpus/<target>/`) and every crash input the
//! fuzzers found (`fuzz/regressions/<target>/`) through the same checks as the
//! fuzz targets (`common/fuzz_checks.rs`), without libFuzzer: part of the normal
//! `cargo test`, a second or two. Fuzzing itself is `fuzz/README.md`.

#[path = "common/fuzz_checks.rs"]
mod fuzz_checks;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// `fuzz/` at the repository root.
fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `dir`, sorted (none when it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Runs `check` on every corpus and regression file of `target`; fails naming
/// every file whose check panicked. The corpus must not be empty (a missing
/// corpus would pass vacuously).
fn replay(target: &str, check: fn(&[u8])) {
    let corpus = files(&fuzz_dir().join("corpus").join(target));
    assert!(
        !corpus.is_empty(),
        "no corpus in fuzz/corpus/{target}: the replay would check nothing"
    );
    let regressions = files(&fuzz_dir().join("regressions").join(target));
    let mut failed = Vec::new();
    for file in corpus.iter().chain(&regressions) {
        let data = std::fs::read(file).expect("readable corpus file");
        if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
            failed.push(file.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{target}: {} of {} inputs broke a law:\n{}",
        failed.len(),
        corpus.len() + regressions.len(),
        failed.join("\n")
    );
}

#[test]
fn policy_json() {
    replay("policy_json", fuzz_checks::policy_json);
}

#[test]
fn new_card_json() {
    replay("new_card_json", fuzz_checks::new_card_json);
}

#[test]
fn event_json() {
    replay("event_json", fuzz_checks::event_json);
}

#[test]
fn card_state_json() {
    replay("card_state_json", fuzz_checks::card_state_json);
}

#[test]
fn scenario_file() {
    replay("scenario_file", fuzz_checks::scenario_file);
}

#[test]
fn fleet_line() {
    replay("fleet_line", fuzz_checks::fleet_line);
}

#[test]
fn event_sequence() {
    replay("event_sequence", fuzz_checks::event_sequence);
}
