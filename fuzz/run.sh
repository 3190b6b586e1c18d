#!/bin/sh
# run.sh - `make fuzz`: AFL++ campaigns, one target after another.
#
#   FUZZ_SECONDS=600   length of each target's campaign (wall clock)
#   FUZZ_JOBS=nproc    afl-fuzz instances per target: one main (-M), the
#                      rest secondaries (-S)
#   FUZZ_TARGETS=...   a subset of targets (default: all, see fuzz/lib.sh)
#   FUZZ_KEEP_CORPUS=1 afterwards, afl-cmin the queue into fuzz/corpus/<t>/
#                      (which fuzz-replay and fuzz-cov then run too)
#   FUZZ_OUT=build/fuzz build and campaign directory; give two concurrent
#                      runs (disjoint FUZZ_TARGETS) different ones, e.g.
#                      FUZZ_JOBS=1 on a 2-core machine
#
# Builds every target with afl-clang-fast (build/fuzz/afl/), plus a copy
# instrumented in kernel/ (and cli/claims.c) only (build/fuzz/afl-kernel/),
# which afl-showmap runs over the final queue to count the kernel edges the
# corpus reaches. Crashes found are copied to fuzz/regressions/<t>/ (they
# must then be fixed: fuzz-replay runs them in CI). Prints one line per
# target: execs/s, total execs, paths (corpus count), crashes, hangs, edge
# coverage of kernel/.
set -eu
cd "$(dirname "$0")/.."
. fuzz/lib.sh

SECS=${FUZZ_SECONDS:-600}
JOBS=${FUZZ_JOBS:-$(nproc)}
AFL_CC=${AFL_CC:-afl-clang-fast}
OUT=${FUZZ_OUT:-build/fuzz}
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
export AFL_NO_AFFINITY=1 AFL_QUIET=1 AFL_SKIP_CRASHES=1

echo "fuzz: building targets with $AFL_CC"
fuzz_build_all "$OUT/afl" fuzz/afl_main.c "$AFL_CC" "-O2" ""

# Kernel-only instrumentation, for measuring kernel edges; record how many
# edges each kernel file has (the denominator).
allow="$OUT/kernel.allow"
printf 'src: kernel/*\nsrc: cli/claims.c\n' >"$allow"
rm -rf "$OUT/afl-kernel"
unset AFL_QUIET
AFL_LLVM_ALLOWLIST="$PWD/$allow" fuzz_build_all "$OUT/afl-kernel" \
    fuzz/afl_main.c "$AFL_CC" "-O2" "" >"$OUT/afl-kernel.log" 2>&1 ||
    { cat "$OUT/afl-kernel.log"; exit 1; }
export AFL_QUIET=1
# Edges instrumented in the code under test that a target links (the
# denominator of its kernel edge coverage): PCGUARD keeps one 4-byte guard
# per edge in __sancov_guards, and the kernel-only build has guards in
# kernel/ (and cli/claims.c) only.
kernel_edges() {
    size -A "$OUT/afl-kernel/fuzz_$1" |
        awk '$1 == "__sancov_guards" { n += $2 } END { print int(n / 4) }'
}

stat_of() { sed -n "s/^$2 *: *//p" "$1" | head -n 1; }

report=""
for t in $FUZZ_TARGETS; do
    o="$OUT/out/$t"
    rm -rf "$o"
    mkdir -p "$o"
    # afl-fuzz takes one input dir: seeds + regressions + kept corpus
    mkdir -p "$o/in"
    for d in $(fuzz_inputs "$t"); do cp "$d"/* "$o/in/" 2>/dev/null || true; done
    echo "fuzz: $t: $JOBS instance(s) for ${SECS}s"
    i=0
    pids=""
    while [ "$i" -lt "$JOBS" ]; do
        if [ "$i" -eq 0 ]; then role="-M main"; else role="-S sec$i"; fi
        # shellcheck disable=SC2086
        nice -n 10 afl-fuzz $role -V "$SECS" -t 2000 -m none -i "$o/in" -o "$o/sync" \
            -x fuzz/registry.dict -- "$OUT/afl/fuzz_$t" >"$o/afl-$i.log" 2>&1 &
        pids="$pids $!"
        i=$((i + 1))
    done
    for p in $pids; do wait "$p" || true; done

    execs=0 rate=0 paths=0 crashes=0 hangs=0
    for s in "$o"/sync/*/fuzzer_stats; do
        [ -f "$s" ] || continue
        execs=$((execs + $(stat_of "$s" execs_done)))
        r=$(stat_of "$s" execs_per_sec | cut -d. -f1)
        rate=$((rate + ${r:-0}))
        crashes=$((crashes + $(stat_of "$s" saved_crashes)))
        hangs=$((hangs + $(stat_of "$s" saved_hangs)))
    done
    [ -f "$o/sync/main/fuzzer_stats" ] || {
        echo "fuzz: $t: afl-fuzz did not start:"; tail -n 20 "$o/afl-0.log"; exit 1; }
    # the campaign's corpus: every instance's queue, deduplicated
    mkdir -p "$o/queue"
    for q in "$o"/sync/*/queue; do cp "$q"/id:* "$o/queue/" 2>/dev/null || true; done
    paths=$(find "$o/queue" -type f | wc -l)
    # exact total over the run, not the last-minute average
    rate_total=$((execs / SECS))

    tuples=$(AFL_QUIET=1 afl-showmap -C -t 5000 -m none -i "$o/queue" -o "$o/kernel.map" \
        -- "$OUT/afl-kernel/fuzz_$t" 2>&1 | sed -n 's/.*Captured \([0-9]*\) tuples.*/\1/p' | tail -n 1)
    edges=$(kernel_edges "$t")
    cov="${tuples:-?}/${edges}"
    if [ -n "${tuples:-}" ] && [ "$edges" -gt 0 ]; then
        cov="$cov ($(awk "BEGIN{printf \"%.1f\", 100*$tuples/$edges}")%)"
    fi

    # keep crashes as regression inputs
    for c in "$o"/sync/*/crashes/id:* "$o"/sync/*/hangs/id:*; do
        [ -f "$c" ] || continue
        mkdir -p "fuzz/regressions/$t"
        h=$(sha1sum "$c" | cut -c1-16)
        cp "$c" "fuzz/regressions/$t/crash-$h"
        echo "fuzz: $t: saved fuzz/regressions/$t/crash-$h"
    done
    if [ "${FUZZ_KEEP_CORPUS:-0}" = 1 ]; then
        rm -rf "$o/cmin"
        AFL_QUIET=1 afl-cmin -t 5000 -m none -i "$o/queue" -o "$o/cmin" -- "$OUT/afl/fuzz_$t" >"$o/cmin.log" 2>&1 || true
        mkdir -p "fuzz/corpus/$t"
        for f in "$o"/cmin/*; do
            [ -f "$f" ] || continue
            cp "$f" "fuzz/corpus/$t/$(sha1sum "$f" | cut -c1-16)"
        done
    fi
    line=$(printf '%-12s %9s execs/s  %11s execs  %6s paths  %3s crashes  %3s hangs  kernel edges %s' \
        "$t" "$rate_total" "$execs" "$paths" "$crashes" "$hangs" "$cov")
    echo "fuzz: $line"
    report="$report$line
"
done
echo
echo "fuzz: summary (${SECS}s per target, $JOBS instance(s); execs/s = total execs / wall seconds)"
printf '%s' "$report"
