#!/bin/sh
# smoke.sh - `make fuzz-smoke`: fuzz/build.sh as OSS-Fuzz would run it, with
# clang's libFuzzer and ASan + UBSan, into build/ossfuzz; then each target
# runs FUZZ_SMOKE_SECONDS (default 10) from its unpacked seed corpus with its
# dictionary. Fails if the build fails or any target finds a crash.
set -eu
cd "$(dirname "$0")/.."
. fuzz/lib.sh
OUT=build/ossfuzz
SECS=${FUZZ_SMOKE_SECONDS:-10}
command -v zip >/dev/null || { echo "fuzz-smoke: zip is missing (make deps)"; exit 1; }
CC=clang CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all" \
    LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=$OUT bash fuzz/build.sh
export KEEL_FUZZ_TMPDIR="${TMPDIR:-/tmp}"
fail=0
for t in $FUZZ_TARGETS; do
    c="$OUT/corpus/$t"
    rm -rf "$c"
    mkdir -p "$c"
    (cd "$c" && unzip -q -o "../../fuzz_${t}_seed_corpus.zip")
    if nice -n 10 "$OUT/fuzz_$t" -max_total_time="$SECS" -dict="$OUT/fuzz_$t.dict" \
        -max_len=65536 -artifact_prefix="$OUT/crash-$t-" "$c" >"$OUT/$t.log" 2>&1; then
        printf 'fuzz-smoke: %-12s ok  %s\n' "$t" "$(grep -o 'stat::number_of_executed_units: [0-9]*\|#[0-9]*.*DONE.*' "$OUT/$t.log" | tail -n 1)"
    else
        echo "fuzz-smoke: $t FAILED"; tail -n 30 "$OUT/$t.log"; fail=1
    fi
done
exit $fail
