//! Replays the `c_json_api` fuzz corpus (`fuzz/corpus/c_json_api/`) and every
//! crash input found (`fuzz/regressions/c_json_api/`) through the fuzz target's
//! own check (`common/fuzz_checks.rs`), without libFuzzer: part of the normal
//! `cargo test`. Fuzzing itself is `fuzz/README.md`.

#[path = "common/fuzz_checks.rs"]
mod fuzz_checks;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// The files of `fuzz/<kind>/c_json_api`, sorted (none when it does not exist).
fn files(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(kind)
        .join("c_json_api");
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

#[test]
fn c_json_api() {
    let corpus = files("corpus");
    assert!(
        !corpus.is_empty(),
        "no corpus in fuzz/corpus/c_json_api: the replay would check nothing"
    );
    let regressions = files("regressions");
    let mut failed = Vec::new();
    for file in corpus.iter().chain(&regressions) {
        let data = std::fs::read(file).expect("readable corpus file");
        if catch_unwind(AssertUnwindSafe(|| fuzz_checks::c_json_api(&data))).is_err() {
            failed.push(file.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "c_json_api: inputs that broke a law:\n{}",
        failed.join("\n")
    );
}
