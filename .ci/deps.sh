#!/bin/sh
# Install every Debian package Keel's build, tests, proofs, fuzzing, crash
# rig and benchmarks use. Run as root (CI is root); idempotent.
set -eu
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
    build-essential clang llvm libclang-rt-14-dev cppcheck clang-format \
    libcjson-dev libfiu-dev fiu-utils libcmocka-dev bats strace \
    frama-c-base why3 z3 cvc4 afl++ lcov gnuplot-nox hyperfine \
    python3 nodejs valgrind util-linux e2fsprogs zip unzip time >/dev/null
