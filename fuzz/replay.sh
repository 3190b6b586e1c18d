#!/bin/sh
# replay.sh - `make fuzz-replay`: every seed, saved regression and kept
# corpus input of every target, run once through an ASan + UBSan build of
# the target with the replay driver (fuzz/afl_main.c without AFL). Fails on
# the first crash, sanitizer report or broken invariant, naming the input.
# Fast enough for every CI run.
set -eu
cd "$(dirname "$0")/.."
. fuzz/lib.sh

OUT=${OUT_REPLAY:-build/fuzz/replay}
CC=${FUZZ_REPLAY_CC:-clang}
SAN="-O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
fuzz_build_all "$OUT" fuzz/afl_main.c "$CC" "$SAN" ""

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fail=0
for t in $FUZZ_TARGETS; do
    dirs=$(fuzz_inputs "$t")
    [ -n "$dirs" ] || { echo "fuzz-replay: $t: no inputs"; fail=1; continue; }
    # shellcheck disable=SC2086
    if "$OUT/fuzz_$t" $dirs 2>"$OUT/$t.log"; then
        printf 'fuzz-replay: %-12s %s\n' "$t" "$(tail -n 1 "$OUT/$t.log")"
    else
        # name the input that failed: rerun verbosely, the last one named
        # shellcheck disable=SC2086
        KEEL_REPLAY_VERBOSE=1 "$OUT/fuzz_$t" $dirs >"$OUT/$t.log" 2>&1 || true
        echo "fuzz-replay: $t FAILED on $(grep '^replay: ' "$OUT/$t.log" | tail -n 1)"
        grep -v '^replay: ' "$OUT/$t.log" | head -n 40
        fail=1
    fi
done
exit $fail
