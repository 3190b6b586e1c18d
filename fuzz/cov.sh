#!/bin/sh
# cov.sh - `make fuzz-cov`: line coverage of kernel/ by the fuzz corpus.
#
# Builds every target with gcc --coverage and the replay driver
# (build/fuzz/cov/), runs each target's seeds, regressions and kept corpus
# (fuzz/corpus/<t>/), plus the queue of the last `make fuzz` campaign if
# build/fuzz/out/<t>/queue exists, then prints lcov's line coverage per
# kernel file and in total. A target that aborts on an input still counts
# the lines it reached (gcov data is flushed at exit only, so each input
# runs in its own process when the whole set fails).
set -eu
cd "$(dirname "$0")/.."
. fuzz/lib.sh

OUT=build/fuzz/cov
rm -rf "$OUT"
fuzz_build_all "$OUT" fuzz/afl_main.c "${FUZZ_COV_CC:-gcc}" "-O0 --coverage" ""
export KEEL_FUZZ_TMPDIR="${TMPDIR:-/tmp}"
for t in $FUZZ_TARGETS; do
    dirs=$(fuzz_inputs "$t")
    [ -d "build/fuzz/out/$t/queue" ] && dirs="$dirs build/fuzz/out/$t/queue"
    # shellcheck disable=SC2086
    if ! "$OUT/fuzz_$t" $dirs >/dev/null 2>&1; then
        echo "fuzz-cov: $t: some input fails (see make fuzz-replay); running inputs one by one"
        for d in $dirs; do
            for f in "$d"/*; do "$OUT/fuzz_$t" "$f" >/dev/null 2>&1 || true; done
        done
    fi
done
lcov --quiet --capture --directory "$OUT/obj" --output-file "$OUT/all.info" \
    --rc lcov_branch_coverage=0 >/dev/null 2>&1
lcov --quiet --extract "$OUT/all.info" "$PWD/kernel/*" --output-file "$OUT/kernel.info" >/dev/null 2>&1
echo "fuzz-cov: line coverage of kernel/ by the fuzz corpus"
lcov --list "$OUT/kernel.info" 2>/dev/null |
    awk -F'|' 'NF >= 2 && $1 ~ /\.c/ {
        split($2, a, " "); pct = a[1]; n = a[2];
        gsub(/%/, "", pct); gsub(/^ +| +$/, "", $1);
        hit = int(pct * n / 100 + 0.5); H += hit; N += n;
        printf "  %-28s %6s%%  of %5d lines\n", $1, pct, n }
        END { if (N) printf "  %-28s %6.1f%%  of %5d lines (%d hit)\n", "TOTAL", 100 * H / N, N, H }'
