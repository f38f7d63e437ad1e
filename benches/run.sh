#!/usr/bin/env bash
# Runs every benchmark and writes benches/RESULTS.md: native Rust and C
# (criterion), Python (the binding, the pure-Python peer, zen-engine) and the
# command over 100,000 and 1,000,000 generated cards. About 15 minutes; run it
# on an otherwise idle machine. Usage: bash benches/run.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out=target/bench-results
mkdir -p "$out"
rm -rf target/criterion

echo "== native and C (criterion)"
# Longer samples than criterion's 5 s: the ratios are read against targets.
cargo bench --locked -p iotcard-fleetgen --bench native -- --measurement-time 8
cargo bench --locked -p iotcard-ffi --bench assess -- --measurement-time 8

echo "== Python"
if ! target/py-venv/bin/python -c "import iotcard" 2>/dev/null; then
    bash bindings/python/run-tests.sh
fi
target/py-venv/bin/python -m pip install --quiet --disable-pip-version-check -r benches/python/requirements.txt
target/py-venv/bin/python benches/python/bench_python.py > "$out/python.json"

echo "== the command"
cargo build --release --locked -p iotcard-cli
python3 benches/cmd_bench.py target/release/iotcard "$out/cmd.json" 100000 1000000

python3 benches/report.py > benches/RESULTS.md
echo "wrote benches/RESULTS.md"
