#!/bin/sh
# shellcheck disable=SC2086  # $cflags is split into words on purpose
# build-variant.sh VARIANT OUTDIR [BASEDIR] - build keel from a copy of
# kernel/ and cli/ with harness/powerloss/variants/VARIANT.sed applied to the
# file its "# file:" line names (VARIANT "none": an unmodified copy). The
# sources in the tree are never touched. With BASEDIR (an earlier "none"
# build from the same sources) only the patched file is compiled again.
# SRC (environment) takes the sources from a snapshot of the tree instead
# of the tree itself. Prints the path of the binary.
set -eu
variant=$1
out=$2
base=${3:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
src=${SRC:-$top}
rm -rf "$out"
mkdir -p "$out/spec"
cp -r "$src/kernel" "$src/cli" "$out/"
cp "$src"/spec/*.h "$out/spec/"   # headers the kernel includes (ghost model)
if [ "$variant" != none ]; then
    script="$top/harness/powerloss/variants/$variant.sed"
    file=$(sed -n 's/^# file: //p' "$script")
    cp "$out/$file" "$out/$file.orig"
    sed -i -f "$script" "$out/$file"
    if cmp -s "$out/$file" "$out/$file.orig"; then
        echo "build-variant: $variant.sed changed nothing in $file" >&2
        exit 1
    fi
    # every substitution of the script must have matched: each one leaves
    # a "powerloss-variant" marker
    n=$(grep -c '^s/' "$script")
    m=$(grep -c 'powerloss-variant' "$out/$file" || true)
    if [ "$m" -ne "$n" ]; then
        echo "build-variant: $variant.sed did not apply to $file" >&2
        exit 1
    fi
fi
# Release flags (Makefile REL_CFLAGS) minus -Werror (a planted bug may
# leave an unused variable behind), linked as the Makefile links: kernel
# objects through an archive, so only what the CLI needs is pulled in.
cflags="-std=c11 -D_GNU_SOURCE -O2 -g -U_FORTIFY_SOURCE -w"
mkdir -p "$out/obj"
if [ -n "$base" ] && [ "$variant" != none ]; then
    # the base's objects are reused only if every other source and header
    # is the same as in this copy (the tree may have changed in between)
    for f in "$base"/kernel/* "$base"/cli/* "$base"/spec/*; do
        rel=${f#"$base"/}
        [ "$rel" = "$file" ] && continue
        if ! cmp -s "$f" "$out/$rel"; then
            echo "build-variant: $rel changed since $base was built" >&2
            exit 1
        fi
    done
    cp "$base"/obj/*.o "$out/obj/"
    d=$(dirname "$file")
    ${CC:-cc} $cflags -c "$out/$file" \
        -o "$out/obj/$(basename "$d")_$(basename "$file" .c).o"
else
    # shellcheck disable=SC2016
    printf '%s\n' "$out"/kernel/*.c "$out"/cli/*.c | xargs -P 8 -I{} sh -c \
        'f={}; d=$(basename "$(dirname "$f")"); '"${CC:-cc} $cflags"' \
         -c "$f" -o "'"$out"'/obj/${d}_$(basename "$f" .c).o"'
fi
ar rcs "$out/libkeel.a" "$out"/obj/kernel_*.o
${CC:-cc} $cflags -o "$out/keel" "$out"/obj/cli_*.o "$out/libkeel.a" -lcjson
echo "$out/keel"
