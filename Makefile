# Keel - one non-recursive Makefile. `make help` lists the targets.
#
# Build variants, each in its own directory under build/:
#   build/            release: libkeel.a and keel, no libfiu, no sanitizers
#   build/test/       -DFIU_ENABLE (failpoints compiled in), linked with libfiu
#   build/asan/       as test/, plus AddressSanitizer and UBSan

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1
COMPDIR = $(PREFIX)/share/bash-completion/completions

CC ?= cc
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla
BASE_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -g -Ikernel
# _FORTIFY_SOURCE turns open() into __open_2, which libfiu's preload does not
# intercept (DESIGN.md section 4): leave it off in every variant.
REL_CFLAGS = $(BASE_CFLAGS) -O2 -U_FORTIFY_SOURCE
TEST_CFLAGS = $(BASE_CFLAGS) -O1 -DFIU_ENABLE -U_FORTIFY_SOURCE
SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_CFLAGS = $(TEST_CFLAGS) $(SAN)
LDLIBS = -lcjson -lm
TEST_LDLIBS = -lcjson -lfiu -lcmocka -lm

KERNEL_SRC = $(sort $(wildcard kernel/*.c))
CLI_SRC = $(sort $(wildcard cli/*.c))
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
TESTLIB_SRC = $(sort $(wildcard tests/lib/*.c))

REL_OBJ = $(KERNEL_SRC:%.c=build/obj/%.o)
TEST_OBJ = $(KERNEL_SRC:%.c=build/test/obj/%.o)
ASAN_OBJ = $(KERNEL_SRC:%.c=build/asan/obj/%.o)

UNIT_TEST_BIN = $(UNIT_SRC:tests/unit/%.c=build/test/%)
UNIT_ASAN_BIN = $(UNIT_SRC:tests/unit/%.c=build/asan/%)

.PHONY: all help test test-unit test-asan check cppcheck glue-check prove install \
        clean deps format crashtest crashtest-selftest fuzz fuzz-replay \
        fuzz-cov bench

all: build/libkeel.a build/keel

help:
	@echo "make              build build/libkeel.a and build/keel"
	@echo "make test         unit and CLI tests (failpoints on); ends 'N passed, N failed'"
	@echo "make test-asan    the same tests under ASan + UBSan"
	@echo "make prove        Frama-C WP over the kernel; fails unless every goal is proved"
	@echo "make crashtest    kill/errno/power-loss rig over real keel commands"
	@echo "make fuzz         AFL++ campaigns (FUZZ_SECONDS per target)"
	@echo "make fuzz-replay  every corpus file through ASan+UBSan builds"
	@echo "make bench        Keel against the physical floor, as ratios"
	@echo "make cppcheck     static analysis (and glue-check: cJSON only in kernel/cjson_glue.*)"
	@echo "make check        everything CI runs"
	@echo "make install      PREFIX=$(PREFIX) DESTDIR=... : binary, man page, completion"
	@echo "make deps         install the Debian packages the project uses (root)"

deps:
	sh .ci/deps.sh

# ---- objects ---------------------------------------------------------------

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -MMD -MP -c $< -o $@

build/test/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

build/asan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -MMD -MP -c $< -o $@

-include $(shell find build -name '*.d' 2>/dev/null)

# ---- libraries and programs ------------------------------------------------

build/libkeel.a: $(REL_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

build/test/libkeel.a: $(TEST_OBJ)
	rm -f $@ && ar rcs $@ $^

build/asan/libkeel.a: $(ASAN_OBJ)
	rm -f $@ && ar rcs $@ $^

build/keel: $(CLI_SRC:%.c=build/obj/%.o) build/libkeel.a
	$(CC) $(REL_CFLAGS) -o $@ $^ $(LDLIBS)

build/test/keel: $(CLI_SRC:%.c=build/test/obj/%.o) build/test/libkeel.a
	$(CC) $(TEST_CFLAGS) -o $@ $^ $(TEST_LDLIBS)

build/asan/keel: $(CLI_SRC:%.c=build/asan/obj/%.o) build/asan/libkeel.a
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(TEST_LDLIBS)

build/test/test_%: build/test/obj/tests/unit/test_%.o $(TESTLIB_SRC:%.c=build/test/obj/%.o) build/test/libkeel.a
	$(CC) $(TEST_CFLAGS) -o $@ $^ $(TEST_LDLIBS)

build/asan/test_%: build/asan/obj/tests/unit/test_%.o $(TESTLIB_SRC:%.c=build/asan/obj/%.o) build/asan/libkeel.a
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(TEST_LDLIBS)

# ---- tests -----------------------------------------------------------------

test: $(UNIT_TEST_BIN) build/test/keel
	sh tests/run.sh build/test

test-asan: $(UNIT_ASAN_BIN) build/asan/keel
	sh tests/run.sh build/asan

# ---- static analysis and proof ---------------------------------------------

# Only kernel/cjson_glue.{c,h} may use cJSON: every other kernel file reads
# and edits trees through the glue, where Frama-C sees keel_json as an
# incomplete type, and so stays provable (spec/json_model.h). Caught: the
# include, cJSON_* names, cJSON pointers and node field access (-> on
# child, next, prev, string, type, value*); the word cJSON in a comment is
# fine.
GLUE_FORBIDDEN = \#[[:space:]]*include[[:space:]]*[<"]cjson/|cJSON_[A-Za-z]|cJSON[[:space:]]*\*|->(child|next|prev|string|type|valuestring|valuedouble|valueint)\b
GLUE_OTHERS = $(filter-out kernel/cjson_glue.%,$(wildcard kernel/*.c kernel/*.h))

glue-check:
	@bad=$$(grep -nE '$(GLUE_FORBIDDEN)' $(GLUE_OTHERS)); \
	if [ -n "$$bad" ]; then \
	  echo "$$bad"; \
	  echo "glue-check: cJSON used outside kernel/cjson_glue.c/.h (lines above);" \
	       "use the keel_json_* functions of kernel/cjson_glue.h"; \
	  exit 1; \
	fi

cppcheck: glue-check
	cppcheck --error-exitcode=1 --enable=warning,style,performance,portability \
	  --std=c11 --inline-suppr --quiet -D_GNU_SOURCE -Ikernel \
	  --suppress=missingIncludeSystem kernel cli tests fuzz bench harness

# Files in the proof (spec/prove.sh; per-file flags in spec/prove-flags/).
# The syscall shim (sys.c) is in with its ghost-model postconditions and its
# public assigns clauses assumed (spec/prove-flags/sys.flags). readfile.c,
# txn.c, tree.c, codec.c and encode.c are in against the allocator model
# (spec/alloc_model.h), the glue's contracts (kernel/cjson_glue.h,
# spec/json_model.h) and the contracts of registry.h, codec.h, merge.h and
# tree.h, which are assumed there; registry.c is in against the same
# models, its one-libc-call wrappers (calloc, realloc, free, strdup, qsort)
# being contracts without a body; so is merge.c, its typed malloc/free
# wrappers being contracts without a body the same way. The cJSON glue
# (cjson_glue.c) stays outside (spec/SPEC.md).
PROVE_FILES = kernel/error.c kernel/atomic_write.c kernel/lock.c kernel/sweep.c kernel/name.c kernel/json_check.c kernel/merge_plan.c kernel/json_number.c kernel/sys.c kernel/readfile.c kernel/txn.c kernel/tree.c kernel/codec.c kernel/encode.c kernel/registry.c kernel/merge.c
prove:
	sh spec/prove.sh $(PROVE_FILES)

# ---- everything CI runs ----------------------------------------------------

check: all test test-asan cppcheck prove fuzz-replay crashtest

# ---- fuzzing ----------------------------------------------------------------
# Targets and scripts live in fuzz/ (fuzz/README.md). Every target is one
# LLVMFuzzerTestOneInput over the kernel sources, built per engine:
#   fuzz         AFL++ (afl-clang-fast) campaigns, FUZZ_SECONDS per target
#                (default 600), FUZZ_JOBS instances (default nproc), then
#                execs/s, execs, paths, crashes, hangs, kernel edges per target
#   fuzz-replay  seeds, regressions and kept corpus through ASan+UBSan (CI)
#   fuzz-cov     line coverage of kernel/ by that corpus (gcc --coverage, lcov)
#   fuzz-smoke   fuzz/build.sh (OSS-Fuzz convention) with libFuzzer, ~10 s each
.PHONY: fuzz-smoke
fuzz:
	sh fuzz/run.sh

fuzz-replay:
	sh fuzz/replay.sh

fuzz-cov:
	sh fuzz/cov.sh

fuzz-smoke:
	sh fuzz/smoke.sh
# ---- end fuzzing ----------------------------------------------------------

# ---- crash rig ---------------------------------------------------------------
# Kill keel at every kernel step and every I/O call, inject every meaningful
# errno, SIGKILL concurrent writers (issue 5, harness/README.md). `crashtest`
# runs the passes listed in CRASHTEST_STEPS; another pass joins by adding a
# prerequisite (`crashtest: its-target`) anywhere, or by `+=` before this
# line (rule prerequisites expand where the rule is read). Same for
# crashtest-selftest / CRASHTEST_SELFTEST_STEPS. report.md: each pass keeps
# to its own delimited section.
# Knobs (environment): CRASH_P, CRASH_M, CRASH_SEED, CRASH_JOBS,
# CRASH_SCENARIOS, CRASH_MODES, CRASH_ERRNO=full; see harness/crashtest.py.
CRASHTEST_STEPS = crashtest-kill
CRASHTEST_SELFTEST_STEPS = crashtest-kill-selftest

crashtest: $(CRASHTEST_STEPS)

crashtest-selftest: $(CRASHTEST_SELFTEST_STEPS)

build/crashtest/keel_fi.so: harness/keel_fi.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -Wall -Wextra -Werror -O1 -g -shared -fPIC -DFIU_ENABLE \
	  -o $@ $< -lfiu -ldl

build/crashtest/kdrive: harness/kdrive.c build/test/libkeel.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $^ $(TEST_LDLIBS)

crashtest-kill: build/test/keel build/crashtest/keel_fi.so build/crashtest/kdrive
	python3 harness/crashtest.py

crashtest-kill-selftest: build/test/keel build/crashtest/keel_fi.so
	python3 harness/selftest/selftest.py

.PHONY: crashtest-kill crashtest-kill-selftest
# ---- end crash rig -----------------------------------------------------------

# ---- power loss ------------------------------------------------------------
# Power-loss simulation (issue 6, spec/persistence-model.md): record real
# keel commands under strace, build every crash state the prefix and the weak
# model allow, check each one and run the next keel commands on it. Writes
# build/crashtest/powerloss.md and the same as a delimited section of
# build/crashtest/report.md. The selftest builds keel from copies of kernel/
# and cli/ with a planted bug (harness/powerloss/variants/*.sed; the tree is
# never touched) and fails unless each one is caught.
# Joins `make crashtest` / `make crashtest-selftest` as an extra
# prerequisite (a `CRASHTEST_STEPS +=` down here would come after the crash
# rig's rule line had already expanded the list); it runs after the crash
# rig's pass, so its section lands in report.md after that report is written.
POWERLOSS_JOBS ?= 2

crashtest: crashtest-powerloss

crashtest-selftest: crashtest-powerloss-selftest

crashtest-powerloss: build/keel
	python3 harness/powerloss/run.py --keel build/keel --jobs $(POWERLOSS_JOBS)

crashtest-powerloss-selftest:
	python3 harness/powerloss/run.py --selftest --jobs $(POWERLOSS_JOBS)

.PHONY: crashtest-powerloss crashtest-powerloss-selftest
# ---- end power loss --------------------------------------------------------

# ---- benchmarks ------------------------------------------------------------
# Keel against the physical floor, as interleaved ratios (bench/run.sh).
# Not part of `make check`: nothing asserts on wall time. BENCH_QUICK=1 for
# a ~1 minute run.

BENCH_BIN = build/bench/bench_commit build/bench/bench_proc build/bench/floor
BENCH_H = bench/stats.h bench/floor_seq.h

build/bench/bench_commit: bench/bench_commit.c bench/stats.c bench/floor_seq.c build/libkeel.a $(BENCH_H)
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -o $@ $(filter %.c %.a,$^) $(LDLIBS)

build/bench/bench_proc: bench/bench_proc.c bench/stats.c $(BENCH_H)
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -o $@ $(filter %.c,$^)

build/bench/floor: bench/floor.c bench/floor_seq.c $(BENCH_H)
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -o $@ $(filter %.c,$^)

bench: build/keel $(BENCH_BIN)
	bash bench/run.sh build

# ---- install ---------------------------------------------------------------

install: build/keel
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(COMPDIR)
	install -m 0755 build/keel $(DESTDIR)$(BINDIR)/keel
	install -m 0644 cli/keel.1 $(DESTDIR)$(MANDIR)/keel.1
	install -m 0644 cli/keel.bash-completion $(DESTDIR)$(COMPDIR)/keel

format:
	clang-format -i kernel/*.c kernel/*.h cli/*.c tests/unit/*.c

clean:
	rm -rf build
