# lib.sh - shared by fuzz/*.sh (sourced, POSIX sh): the target list and how
# one fuzz binary is built from the kernel sources.
#
#   fuzz_build_all OUTDIR DRIVER CC "CFLAGS" "LDFLAGS"
#     builds OUTDIR/fuzz_<t> for every target in $FUZZ_TARGETS. The kernel
#     (and cli/claims.c) are compiled from source into each binary, one
#     object directory per OUTDIR; DRIVER is fuzz/afl_main.c, or "" when
#     LDFLAGS brings its own main (libFuzzer). Target code gets $FUZZ_WARN;
#     kernel code is other people's and gets no -Werror here.
#     Targets in FUZZ_FIU_TARGETS (fuzz_faults) are built, kernel included,
#     with -DFIU_ENABLE (the libfiu failpoints of kernel/sys.c) into their
#     own object directory OUTDIR/obj/fiu, and linked with -lfiu.

FUZZ_TARGETS=${FUZZ_TARGETS:-"decode roundtrip merge claims lockpayload writepath faults"}
FUZZ_FIU_TARGETS="faults"
FUZZ_WARN="-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla"
# -U_FORTIFY_SOURCE as everywhere in Keel (Makefile); gc-sections so that a
# kernel function no target calls may be unfinished while fuzzing goes on.
FUZZ_BASE="-std=c11 -D_GNU_SOURCE -U_FORTIFY_SOURCE -g -ffunction-sections -fdata-sections"
FUZZ_LIBS="-lcjson -lm"

# Sources a target needs besides its own file. FUZZ_EXCLUDE (space
# separated paths) leaves files out, for fuzzing while one is mid-edit.
fuzz_sources() {
    case "$1" in
    claims) _l="cli/claims.c" ;;
    *) _l=$(ls kernel/*.c) ;;
    esac
    for _f in $_l; do
        case " ${FUZZ_EXCLUDE:-} " in
        *" $_f "*) ;;
        *) echo "$_f" ;;
        esac
    done
}

# fuzz_obj CC CFLAGS OBJDIR SRC -> prints the object path
fuzz_obj() {
    _o="$3/$(echo "$4" | tr / _ | sed 's/\.c$/.o/')"
    # rebuild when the source or any header is newer than the object
    if [ ! -f "$_o" ] ||
        [ -n "$(find "$4" kernel cli fuzz spec -name '*.h' -newer "$_o" 2>/dev/null | head -n 1)" ] ||
        [ -n "$(find "$4" -newer "$_o" 2>/dev/null)" ]; then
        # shellcheck disable=SC2086
        $1 $2 -c "$4" -o "$_o" || return 1
    fi
    echo "$_o"
}

fuzz_build_all() {
    _out=$1 _drv=$2 _cc=$3 _cflags=$4 _ldflags=$5
    mkdir -p "$_out/obj"
    _drvobj=
    if [ -n "$_drv" ]; then
        _drvobj=$(fuzz_obj "$_cc" "$FUZZ_BASE $FUZZ_WARN $_cflags" "$_out/obj" "$_drv") || return 1
    fi
    for _t in $FUZZ_TARGETS; do
        _od="$_out/obj" _fi="" _libs="$FUZZ_LIBS"
        case " $FUZZ_FIU_TARGETS " in
        *" $_t "*) _od="$_out/obj/fiu" _fi="-DFIU_ENABLE" _libs="$FUZZ_LIBS -lfiu" ;;
        esac
        mkdir -p "$_od"
        _objs=$(fuzz_obj "$_cc" "$FUZZ_BASE $FUZZ_WARN $_fi $_cflags" "$_od" "fuzz/fuzz_$_t.c") || return 1
        for _s in $(fuzz_sources "$_t"); do
            _x=$(fuzz_obj "$_cc" "$FUZZ_BASE $_fi $_cflags" "$_od" "$_s") || return 1
            _objs="$_objs $_x"
        done
        # shellcheck disable=SC2086
        $_cc $_cflags $_ldflags -Wl,--gc-sections -o "$_out/fuzz_$_t" $_objs $_drvobj $_libs || return 1
    done
}

# Input directories of a target that exist: seeds, regressions, corpus.
fuzz_inputs() {
    for _d in fuzz/seeds/"$1" fuzz/regressions/"$1" fuzz/corpus/"$1"; do
        if [ -d "$_d" ]; then echo "$_d"; fi
    done
    return 0
}
