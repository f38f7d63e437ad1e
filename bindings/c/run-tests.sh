#!/usr/bin/env bash
# The C suite of iotcard-ffi: builds the library with cargo, checks that the
# committed header is current, compiles the C tests (C11 and C++17) and the
# example against it, and runs them under valgrind (any error or leak fails);
# then runs the C tests again built with AddressSanitizer + UndefinedBehavior-
# Sanitizer, the threaded test under ThreadSanitizer and under helgrind.
# Ends with one line "N passed, N failed"; exits non-zero if anything failed.
#
# Runnable from any directory: bash bindings/c/run-tests.sh
# Environment:
#   IOTCARD_SCENARIOS  scenario files to play (default: every tests/scenarios/*.json)
#   CC, CXX            compilers (default gcc, g++)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
CC="${CC:-gcc}"
CXX="${CXX:-g++}"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAILED: $1"; }

# Adds a test program's "N passed, N failed" line to the totals; a non-zero exit
# that the program's own counts do not explain (valgrind, a crash) is a failure.
count() {
    local name="$1" log="$2" status="$3" line p f
    line="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1 || true)"
    if [[ -z "$line" ]]; then
        fail "$name: no result line (exit $status)"
        return
    fi
    p="${line%% passed*}"
    f="${line#*passed, }"
    f="${f%% failed}"
    passed=$((passed + p))
    failed=$((failed + f))
    if [[ "$status" -ne 0 && "$f" -eq 0 ]]; then
        fail "$name: exit $status with no failed test (valgrind error, leak or crash)"
    fi
    echo "$name: $line"
}

if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind is missing; installing it with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
fi
for tool in "$CC" "$CXX" cargo; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$tool is required"; exit 1; }
done

# 1. The library (debug profile; the `testing` feature adds iotcard_testing_panic).
cd "$root"
cargo build --quiet -p iotcard-ffi --features testing
target="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
lib="$target/debug"
[[ -f "$lib/libiotcard_ffi.so" && -f "$lib/libiotcard_ffi.a" ]] || { echo "no library in $lib"; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 2. The committed header is what cbindgen makes of the crate today.
if cargo test --quiet -p iotcard-ffi --test header >"$work/header.log" 2>&1; then
    pass "include/iotcard.h is up to date"
else
    cat "$work/header.log"
    fail "include/iotcard.h is up to date"
fi

cflags=(-std=c11 -Wall -Wextra -Werror -pedantic -g -I"$here/include")
cxxflags=(-x c++ -std=c++17 -Wall -Wextra -Werror -g -I"$here/include")
dynamic=(-L"$lib" -liotcard_ffi -Wl,-rpath,"$lib")
# `cargo rustc -p iotcard-ffi --crate-type staticlib -- --print native-static-libs`
static=("$lib/libiotcard_ffi.a" -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc)

compile() {
    local name="$1"
    shift
    if "$@" 2>"$work/$name.cc.log"; then
        pass "compile $name"
    else
        cat "$work/$name.cc.log"
        fail "compile $name"
    fi
}

# 3. Compile: the API tests as C11 and as C++17 (the header's guards), the
#    scenario runner, the example; the C++ build links the static library.
compile test_api "$CC" "${cflags[@]}" "$here/tests/test_api.c" -o "$work/test_api" "${dynamic[@]}" -pthread
compile test_api_cpp "$CXX" "${cxxflags[@]}" "$here/tests/test_api.c" -x none -o "$work/test_api_cpp" "${static[@]}"
compile test_scenarios "$CC" "${cflags[@]}" "$here/tests/test_scenarios.c" -o "$work/test_scenarios" "${dynamic[@]}"
compile test_threads "$CC" "${cflags[@]}" "$here/tests/test_threads.c" -o "$work/test_threads" "${dynamic[@]}" -pthread
#    A program built against version 1 of iotcard_assessment (a frozen copy of
#    the struct in the test), run against this library.
compile test_old_abi "$CC" "${cflags[@]}" "$here/tests/test_old_abi.c" -o "$work/test_old_abi" "${dynamic[@]}"
compile billing "$CC" "${cflags[@]}" "$here/examples/billing.c" -o "$work/billing" "${dynamic[@]}"
compile first_card "$CC" "${cflags[@]}" "$here/examples/first_card.c" -o "$work/first_card" "${dynamic[@]}"
#    The same C tests with the sanitizers compiled in (the Rust library is the
#    normal build: its allocations go through the sanitizers' malloc, so a
#    double or foreign free of a library string or handle is caught).
asan=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
compile test_api_asan "$CC" "${cflags[@]}" "${asan[@]}" "$here/tests/test_api.c" -o "$work/test_api_asan" "${dynamic[@]}" -pthread
compile test_scenarios_asan "$CC" "${cflags[@]}" "${asan[@]}" "$here/tests/test_scenarios.c" -o "$work/test_scenarios_asan" "${dynamic[@]}"
compile test_old_abi_asan "$CC" "${cflags[@]}" "${asan[@]}" "$here/tests/test_old_abi.c" -o "$work/test_old_abi_asan" "${dynamic[@]}"
compile test_threads_asan "$CC" "${cflags[@]}" "${asan[@]}" "$here/tests/test_threads.c" -o "$work/test_threads_asan" "${dynamic[@]}" -pthread
compile test_threads_tsan "$CC" "${cflags[@]}" -fsanitize=thread "$here/tests/test_threads.c" -o "$work/test_threads_tsan" "${dynamic[@]}" -pthread

vg=(valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect)
export RUST_BACKTRACE=0

# Runs a command line as the test LABEL and adds its counts.
run_as() {
    local label="$1" status=0
    shift
    echo "== $label"
    "$@" >"$work/$label.log" 2>&1 || status=$?
    cat "$work/$label.log"
    count "$label" "$work/$label.log" "$status"
}

# Runs $work/NAME under valgrind (memcheck).
run() {
    local name="$1"
    shift
    [[ -x "$work/$name" ]] || { fail "$name: not built"; return; }
    run_as "$name" "${vg[@]}" "$work/$name" "$@"
}

# 4. Run under valgrind.
run test_api
run test_api_cpp
if [[ -n "${IOTCARD_SCENARIOS:-}" ]]; then
    read -r -a scenarios <<<"$IOTCARD_SCENARIOS"
else
    scenarios=("$root"/tests/scenarios/*.json)
fi
if [[ -e "${scenarios[0]}" ]]; then
    run test_scenarios "${scenarios[@]}"
else
    fail "test_scenarios: no scenario files in tests/scenarios"
fi
run test_threads
run test_old_abi

# 5. Sanitizers: AddressSanitizer (with LeakSanitizer) and UndefinedBehavior-
#    Sanitizer stop at the first error; ThreadSanitizer sees the C side (the
#    Rust library is not instrumented: that needs a nightly std build), so
#    helgrind, which sees every access of the library too, runs the threaded
#    test as well. `setarch -R` (no address randomization) keeps ThreadSanitizer
#    working on kernels with high-entropy mmap randomization.
sanitized=(env ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    TSAN_OPTIONS=halt_on_error=1)
no_aslr=()
if command -v setarch >/dev/null 2>&1 && setarch "$(uname -m)" -R true 2>/dev/null; then
    no_aslr=(setarch "$(uname -m)" -R)
fi
for name in test_api_asan test_scenarios_asan test_old_abi_asan test_threads_asan test_threads_tsan; do
    if [[ ! -x "$work/$name" ]]; then
        fail "$name: not built"
    elif [[ "$name" == test_scenarios_asan ]]; then
        run_as "$name" "${sanitized[@]}" "$work/$name" "${scenarios[@]}"
    elif [[ "$name" == *_tsan ]]; then
        run_as "$name" "${sanitized[@]}" "${no_aslr[@]}" "$work/$name"
    else
        run_as "$name" "${sanitized[@]}" "$work/$name"
    fi
done
if [[ -x "$work/test_threads" ]]; then
    run_as test_threads_helgrind valgrind -q --tool=helgrind --error-exitcode=1 "$work/test_threads"
fi

# 6. The billing example, two days in a row (the second loads the first's states), under
#    valgrind, compared with the expected output.
data="$here/examples/data"
example_day() {
    local day="$1" cards="$2" states="$3" status=0
    [[ -x "$work/billing" ]] || { fail "example $day: not built"; return; }
    (cd "$data" && "${vg[@]}" "$work/billing" policy.json "$cards" "events-$day.tsv" \
        "${day}T23:59:59+08:00" "$states") >"$work/billing-$day.out" 2>&1 || status=$?
    if [[ "$status" -eq 0 ]] && diff -u "$data/expected-$day.txt" "$work/billing-$day.out"; then
        pass "example billing $day"
    else
        cat "$work/billing-$day.out"
        fail "example billing $day (exit $status)"
    fi
}
example_day 2026-01-05 cards.jsonl "$work/states-1.jsonl"
example_day 2026-02-01 "$work/states-1.jsonl" "$work/states-2.jsonl"

# 7. The README's first program is examples/first_card.c, word for word, and
#    prints what the README says, under valgrind.
readme_code="$(awk '/^<!-- examples\/first_card.c -->$/ {on = 1; next} on && /^```c$/ {inside = 1; next} inside && /^```$/ {exit} inside' "$here/README.md")"
if [[ -n "$readme_code" && "$readme_code" == "$(cat "$here/examples/first_card.c")" ]]; then
    pass "README's first program is examples/first_card.c"
else
    fail "README's first program is examples/first_card.c"
fi
if [[ -x "$work/first_card" ]] && "${vg[@]}" "$work/first_card" >"$work/first_card.out" 2>&1 &&
    diff -u "$data/expected-first-card.txt" "$work/first_card.out"; then
    pass "example first_card"
else
    cat "$work/first_card.out" 2>/dev/null || true
    fail "example first_card"
fi

echo "$passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
