#!/usr/bin/env bash
# test.sh - `make test`: install what the build and the tests need, build the normal and the
# sanitizer (ASan+UBSan) trees, and run the whole suite (unit and integration tests) in both.
# Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build test || exit 1

jobs=$(nproc)
configure_build() {
    local dir=$1; shift
    cmake -S . -B "$dir" "$@" > "$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; return 1; }
    cmake --build "$dir" -j"$jobs" > "$dir.build.log" 2>&1 || { grep -E "error|Error" "$dir.build.log" | head -50; return 1; }
}
mkdir -p build build-asan
configure_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo || { echo "0 passed, 1 failed (build)"; exit 1; }
configure_build build-asan -DCMAKE_BUILD_TYPE=Debug -DVIGIL_SANITIZE=ON || { echo "0 passed, 1 failed (sanitizer build)"; exit 1; }

passed=0; failed=0
run_suite() {
    local dir=$1 out
    echo "=== test suite in $dir"
    out=$(ctest --test-dir "$dir" --output-on-failure -j"$jobs" --timeout 900 2>&1)
    echo "$out" | grep -vE '^\s*$' | grep -E 'Test +#|tests passed|tests failed|FAIL|Error|\*\*\*' || true
    echo "$out" | sed -n '/The following tests FAILED/,$p'
    local line total fails
    line=$(echo "$out" | grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' | tail -n 1)
    total=$(echo "$line" | sed -E 's/.*out of ([0-9]+).*/\1/')
    fails=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed.*/\1/')
    if [ -z "$total" ]; then echo "$out" | tail -n 50; failed=$((failed + 1)); return; fi
    if [ "$fails" != 0 ]; then echo "$out" | grep -B2 -A40 -E '\*\*\*Failed|FAIL' | head -300; fi
    passed=$((passed + total - fails)); failed=$((failed + fails))
}
run_suite build
run_suite build-asan
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
