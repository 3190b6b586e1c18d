#!/bin/sh
# Run every unit test binary and every CLI test file of one build variant,
# all speaking TAP, and close with the line CI counts: "N passed, N failed".
#   sh tests/run.sh build/test     (or build/asan)
# KEEL_TEST_FILTER=regex runs only the suites whose file name matches.
set -u
variant=${1:?usage: tests/run.sh build/VARIANT}
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_suite() { # name, command...
    name=$1; shift
    if [ -n "${KEEL_TEST_FILTER:-}" ] && ! echo "$name" | grep -Eq "$KEEL_TEST_FILTER"; then
        return
    fi
    echo "# suite $name"
    "$@" >"$log" 2>&1
    rc=$?
    cat "$log"
    p=$(grep -Ec '^ok ' "$log")
    f=$(grep -Ec '^not ok ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "not ok - suite $name exited with status $rc"
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
}

export CMOCKA_MESSAGE_OUTPUT=TAP
# Sanitizer builds: stop at the first error, and ignore libfiu's own
# lifetime allocations (tests/lsan.supp).
LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS UBSAN_OPTIONS
for t in "$variant"/test_*; do
    [ -x "$t" ] || continue
    run_suite "$(basename "$t")" "$t"
done

KEEL="$(cd "$(dirname "$variant/keel")" && pwd)/keel"
export KEEL
for b in tests/cli/*.bats; do
    [ -f "$b" ] || continue
    run_suite "$(basename "$b")" bats --tap "$b"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
