#!/bin/bash -eu
# build.sh - OSS-Fuzz / ClusterFuzzLite build script for Keel's fuzz targets.
#
# Honours the convention's environment: $CC, $CFLAGS (sanitizer and coverage
# flags come from the infrastructure), $LIB_FUZZING_ENGINE (-fsanitize=fuzzer
# for libFuzzer; an AFL++ or honggfuzz driver library elsewhere), $SRC (the
# checkout's parent; the project is $SRC/keel unless run from inside it) and
# $OUT. For every target fuzz/fuzz_<t>.c it writes $OUT/fuzz_<t>, the seed
# corpus $OUT/fuzz_<t>_seed_corpus.zip (seeds, regressions and kept corpus)
# and the dictionary $OUT/fuzz_<t>.dict. Needs libcjson-dev, libfiu-dev
# (fuzz_faults) and zip.
#
# Local smoke test (make fuzz-smoke): CC=clang CFLAGS="-fsanitize=address"
# LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=build/ossfuzz fuzz/build.sh
: "${CC:=clang}"
: "${CFLAGS:=}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${OUT:?set OUT to the output directory}"

here=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${SRC:-}" ] && [ -d "$SRC/keel/fuzz" ]; then
    here="$SRC/keel"
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
cd "$here"
. fuzz/lib.sh

# The engine brings its own main: no driver. -fsanitize=fuzzer must be
# given at link time only when it is the engine; compile with
# fuzzer-no-link so the objects carry coverage for any engine.
compile_flags="$CFLAGS"
case "$LIB_FUZZING_ENGINE" in
*-fsanitize=fuzzer*) compile_flags="$compile_flags -fsanitize=fuzzer-no-link" ;;
esac
# fuzz_build_all passes the same flags to compile and link; link the engine
# separately by wrapping CC.
work="$OUT/.keel-build"
rm -rf "$work"
mkdir -p "$work"
cat >"$work/cc" <<WRAP
#!/bin/sh
case " \$* " in
*" -c "*) exec $CC "\$@" ;;
*) exec $CC "\$@" $LIB_FUZZING_ENGINE ;;
esac
WRAP
chmod +x "$work/cc"
fuzz_build_all "$work" "" "$work/cc" "$compile_flags" ""

for t in $FUZZ_TARGETS; do
    cp "$work/fuzz_$t" "$OUT/fuzz_$t"
    cp fuzz/registry.dict "$OUT/fuzz_$t.dict"
    rm -f "$OUT/fuzz_${t}_seed_corpus.zip"
    # shellcheck disable=SC2046
    zip -q -j "$OUT/fuzz_${t}_seed_corpus.zip" $(for d in $(fuzz_inputs "$t"); do
        find "$d" -maxdepth 1 -type f ! -name '.*'; done)
done
rm -rf "$work"
