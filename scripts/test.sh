#!/usr/bin/env bash
# Runs every test of the project: format and lint checks, the Rust tests (unit,
# property, doc, command), the scenario suite through `iotcard test`, the
# benchmarks in smoke mode, the C suite under valgrind, the Python suite in a
# fresh virtual environment, and the Python peers of the benchmarks (the
# pure-Python implementation against every scenario and, differentially, against
# the binding; zen-engine against the core).
#
# Usage: bash scripts/test.sh      (PROPTEST_CASES=2048 for a longer property run)
set -euo pipefail
cd "$(dirname "$0")/.."

suites=0
step() {
    printf '\n== %s\n' "$*"
}
passed() {
    suites=$((suites + 1))
}

step "cargo fmt --check"
cargo fmt --all --check
passed

step "cargo clippy (all targets, -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings
passed

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
passed

step "cargo test --workspace"
cargo test --workspace --locked
passed

step "scenario suite: iotcard test tests/scenarios"
cargo run --quiet --locked -p iotcard-cli -- test tests/scenarios
passed

step "benchmarks, smoke mode (each once; no time is asserted)"
FLEET_CARDS=300 cargo test --benches --locked -p iotcard-fleetgen -p iotcard-ffi
passed

for suite in bindings/c/run-tests.sh bindings/python/run-tests.sh benches/python/run-tests.sh; do
    step "$suite"
    bash "$suite"
    passed
done

printf '\nsuites: %d passed, 0 failed\n' "$suites"
