#!/bin/sh
# make prove: Frama-C WP over each proved kernel file; fails unless every
# goal of every file is proved, and prints the counts per file and in total.
#   sh spec/prove.sh kernel/atomic_write.c kernel/lock.c ...
# Provers: cvc4 and z3 (alt-ergo is not packaged in Debian), plus CVC4 with
# --inst-when=full declared in spec/why3-extra.conf. Extra flags for one file
# go in spec/prove-flags/<file>.flags (lines starting with '#' are comments;
# a "-then" there starts a further WP pass over the same file, and the goals
# of all passes are added up). PROVE_TIMEOUT (default 20 s) per goal.
# Cost, measured cold on kernel/txn.c (630 goals, 488 closed by WP's own
# simplifier Qed): generating the goals took 19 s of CPU, the provers the
# rest. With several provers and -wp-par 2, WP races them on each goal
# (105 s of CPU); with -wp-par 1 it tries them one after the other and stops
# at the first that proves the goal (cvc4 alone: 68 s, and it proves most
# goals first; z3 alone: 129 s). So each file runs with -wp-par 1, provers
# in the order cvc4, z3, cvc4-full. A file run that way keeps a core busy
# only about 60% of its wall time (on a fresh 2-core machine:
# kernel/registry.c 140 s of CPU in 233 s; WP waits on each prover call),
# so PROVE_JOBS files (default: twice the number of cores) run at a time,
# largest first. Measured cold on 2 cores, all files: 3 at a time 594 s,
# 4 at a time 539 s. Not more: the provers' timeouts are wall-clock; with
# 4 at a time the slowest goal took 7.6 s of its 20 s.
# Three settings make WP itself cheaper without changing what is proved
# (measured with perf on kernel/codec.c, generation only: 157 s -> 57 s):
# -wp-no-pruning skips WP's search for trivially true branches (the provers
# get the unpruned goal instead; every goal still has to be proved), and a
# larger OCaml minor heap (OCAMLRUNPARAM) cuts frama-c's garbage collection.
# -wp-no-ground turns off Qed's aggressive ground simplifications (the
# goals are still simplified, and the provers close what it left):
# kernel/codec.c, all of it, cold: 175 s -> 124 s of CPU.
# Each file's CPU time (user + system, frama-c and its provers) is printed
# when /usr/bin/time is installed (Debian package `time`, in make deps).
set -u
cd "$(dirname "$0")/.." || exit 2
out=build/prove
timeout_s=${PROVE_TIMEOUT:-20}

# One file: run WP, keep its log, write "proved total exit-status" to a
# result file that the summary below reads.
if [ "${1:-}" = "--one" ]; then
    f=$2
    base=$(basename "$f" .c)
    extra=
    [ -f "spec/prove-flags/$base.flags" ] &&
        extra=$(grep -v '^[[:space:]]*#' "spec/prove-flags/$base.flags")
    log="$out/$base.log"
    rm -f "$out/$base.time"
    timed() {
        if [ -x /usr/bin/time ]; then
            /usr/bin/time -o "$out/$base.time" -f "%U %S" "$@"
        else
            "$@"
        fi
    }
    # A file's flags may name its own provers (their order matters: WP
    # tries them in that order). Two -wp-prover options would be merged,
    # not replaced, so the default is left out then.
    provers=cvc4,z3,cvc4-full
    case " $extra " in *-wp-prover*) provers= ;; esac
    # The file comes before $extra: a "-then" in $extra ends the first pass.
    # shellcheck disable=SC2086
    timed frama-c -cpp-extra-args="-I kernel -I spec -idirafter /usr/include" \
        -wp -wp-rte -warn-unsigned-overflow -warn-signed-downcast \
        ${provers:+-wp-prover "$provers"} -wp-timeout "$timeout_s" -wp-par 1 \
        -wp-cache update -wp-cache-env -wp-no-pruning -wp-no-ground \
        "$f" $extra \
        -then -report-classify -report-unclassified-unknown ERROR \
        >"$log" 2>&1
    rc=$?
    # One summary line per WP pass: add them up.
    sed -n 's/.*Proved goals: *\([0-9]*\) *\/ *\([0-9]*\).*/\1 \2/p' "$log" |
        awk -v rc="$rc" '{ ok += $1; all += $2; n++ }
            END { if (n) print ok, all, rc; else print "-", "-", rc }' \
        >"$out/$base.result"
    exit 0
fi

mkdir -p "$out"
# A project-local Why3 configuration: the detected provers plus cvc4-full.
if [ ! -s "$out/why3.conf" ] || [ spec/why3-extra.conf -nt "$out/why3.conf" ]; then
    WHY3CONFIG="$out/why3.conf" why3 config detect >"$out/why3-detect.log" 2>&1 || {
        echo "prove: 'why3 config detect' failed (see $out/why3-detect.log)"; exit 2; }
    cat spec/why3-extra.conf >>"$out/why3.conf"
fi
WHY3CONFIG="$PWD/$out/why3.conf"
OCAMLRUNPARAM=${OCAMLRUNPARAM:-s=16M,o=400}
export WHY3CONFIG PROVE_TIMEOUT OCAMLRUNPARAM

jobs=${PROVE_JOBS:-$(( 2 * $(nproc 2>/dev/null || echo 1) ))}
start=$(date +%s)
for f in "$@"; do
    [ -f "$f" ] || { echo "prove: no such file: $f"; exit 2; }
    rm -f "$out/$(basename "$f" .c).result"
done
# Largest file first, so that the last job to start is a short one.
# shellcheck disable=SC2011
ls -S "$@" | xargs -n 1 -P "$jobs" sh spec/prove.sh --one

total_ok=0
total_all=0
total_cpu=0
bad=0
for f in "$@"; do
    base=$(basename "$f" .c)
    log="$out/$base.log"
    ok=- all=- rc='?' cpu=
    # user + system seconds of frama-c and its provers, if measured
    [ -s "$out/$base.time" ] &&
        cpu=$(awk 'NF == 2 && $1 ~ /^[0-9.]+$/ { printf "%d", $1 + $2 + 0.5 }' \
            "$out/$base.time")
    if [ -n "$cpu" ]; then
        total_cpu=$((total_cpu + cpu))
        cpu=" ($cpu s CPU)"
    fi
    [ -s "$out/$base.result" ] && read -r ok all rc <"$out/$base.result"
    if [ "$ok" = "-" ]; then
        echo "$f: no proof summary (frama-c exit $rc); see $log"
        tail -n 20 "$log"
        bad=1
        continue
    fi
    total_ok=$((total_ok + ok))
    total_all=$((total_all + all))
    if [ "$rc" != 0 ] || [ "$ok" -ne "$all" ]; then
        echo "$f: Proved goals: $ok / $all  FAILED (frama-c exit $rc; see $log)"
        grep -E 'Timeout|Unknown|Failed|\[kernel\].*(error|User Error)' "$log" | head -n 20
        bad=1
    else
        echo "$f: Proved goals: $ok / $all$cpu"
    fi
done
echo "Proved goals: $total_ok / $total_all ($(( $(date +%s) - start )) s, $jobs at a time; $total_cpu s CPU)"
[ "$bad" -eq 0 ] && [ "$total_ok" -eq "$total_all" ] && [ "$total_all" -gt 0 ]
