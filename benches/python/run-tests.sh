#!/usr/bin/env bash
# The Python benchmarks' test command (runnable from any directory):
#   - the pure-Python peer plays every tests/scenarios/*.json (run_scenarios.py);
#   - the Hypothesis differential test, peer against iotcard (test_differential.py;
#     IOTCARD_HYPOTHESIS_PROFILE=nightly for a deeper run);
#   - the zen-engine model of the suspension rules against iotcard (zen/check_zen.py);
#   - the benchmark in smoke mode (bench_python.py --smoke: runs, asserts no time);
#   - mypy --strict on these files.
# It reuses the virtual environment of bindings/python/run-tests.sh (target/py-venv),
# making it with that script only when `import iotcard` fails there, and installs
# requirements.txt into it. Ends with one line `N passed, N failed` (one per check).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${IOTCARD_VENV:-$ROOT/target/py-venv}"
PY="$VENV/bin/python"

if ! "$PY" -c 'import iotcard' 2>/dev/null; then
    echo "==> no iotcard in $VENV: building it with bindings/python/run-tests.sh"
    bash "$ROOT/bindings/python/run-tests.sh"
fi
echo "==> pip install -r benches/python/requirements.txt"
"$PY" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"

export HYPOTHESIS_STORAGE_DIRECTORY="$ROOT/target/py-hypothesis-benches"
cd "$HERE"

passed=0
failed=0
check() {
    local name="$1"
    shift
    echo "==> $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        echo "FAILED: $name"
        failed=$((failed + 1))
    fi
}

check "scenarios through the pure-Python peer" "$PY" run_scenarios.py "$ROOT/tests/scenarios"
check "differential: peer vs iotcard (Hypothesis)" \
    "$PY" -m pytest -p no:cacheprovider --rootdir "$HERE" -q test_differential.py
check "zen-engine suspension model vs iotcard" "$PY" zen/check_zen.py
check "bench_python.py --smoke" "$PY" bench_python.py --smoke
check "mypy --strict" "$PY" -m mypy --strict --cache-dir "$ROOT/target/py-cache/mypy-benches" \
    iotcard_peer run_scenarios.py test_differential.py benchfleet.py bench_python.py zen/check_zen.py

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
