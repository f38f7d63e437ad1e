#!/usr/bin/env bash
# The Python package's test command: builds the iotcard wheel in a virtual
# environment (pinned tools from requirements-dev.txt, nothing global), installs
# it, and runs pytest against the installed wheel, mypy.stubtest on the native
# module's stubs, and mypy --strict on the tests, examples and benchmark.
#
#   bindings/python/run-tests.sh            # from any directory
#   IOTCARD_HYPOTHESIS_PROFILE=nightly bindings/python/run-tests.sh   # deeper properties
#
# The environment lives in <repo>/target/py-venv (IOTCARD_VENV to change it); it is
# made anew when missing, broken, or when requirements-dev.txt changed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${IOTCARD_VENV:-$ROOT/target/py-venv}"
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/requirements-dev.txt"

if ! "$VENV/bin/python" -c 'import maturin, pytest, hypothesis, mypy' 2>/dev/null \
    || ! cmp -s "$HERE/requirements-dev.txt" "$STAMP"; then
    echo "==> creating $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements-dev.txt"
    cp "$HERE/requirements-dev.txt" "$STAMP"
fi

# The maturin build backend runs `maturin` from PATH.
export PATH="$VENV/bin:$PATH"
export VIRTUAL_ENV="$VENV"
export HYPOTHESIS_STORAGE_DIRECTORY="$ROOT/target/py-hypothesis"
CACHE="$ROOT/target/py-cache"

echo "==> building and installing the wheel (pip install $HERE)"
python -m pip install --quiet --disable-pip-version-check --no-build-isolation \
    --force-reinstall --no-deps "$HERE"

echo "==> building the iotcard command (the billing example is checked against it)"
(cd "$ROOT" && cargo build --quiet -p iotcard-cli)
export IOTCARD_CLI="${CARGO_TARGET_DIR:-$ROOT/target}/debug/iotcard"

echo "==> pytest (against the installed wheel)"
cd "$HERE"
IOTCARD_REQUIRE_WHEEL=1 python -m pytest -p no:cacheprovider

echo "==> stubtest"
# From a directory with no iotcard source in it, so the installed package is checked.
(cd "$ROOT/target" && python -m mypy.stubtest --mypy-config-file "$HERE/pyproject.toml" iotcard)

echo "==> mypy --strict (tests, examples, bench)"
python -m mypy --strict --cache-dir "$CACHE/mypy" tests examples bench
