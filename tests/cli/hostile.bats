#!/usr/bin/env bats
# Issue 9: hostile environments - symlinks, ownership and modes, full and
# read-only file systems, fd exhaustion, signals. Each test names the
# defence it guards; the note in releases/v0.1.0.md lists them.

load helpers

setup() { setup_home; }

teardown() {
    # unmount anything a test mounted under its home
    if [ -n "${MNT:-}" ] && mountpoint -q "$MNT"; then umount -l "$MNT"; fi
    if [ -n "${BG:-}" ]; then kill "$BG" 2>/dev/null || true; fi
    return 0
}

sum() { sha256sum "$1" | cut -d' ' -f1; }

no_temps() { # DIR...: no .keel-tmp.* anywhere below
    local found
    found=$(find "$@" -name '.keel-tmp.*' 2>/dev/null)
    [ -z "$found" ] || { echo "temp left: $found" >&2; return 1; }
}

# ---- symlinks (G8) -----------------------------------------------------------

# plant_link FILE: move FILE outside the state and leave a symlink to it.
plant_link() {
    local f=$1 out="$BATS_TEST_TMPDIR/outside.$(basename "$1")"
    mv "$f" "$out"
    ln -s "$out" "$f"
    OUTSIDE=$out
    OUTSUM=$(sum "$out")
}

assert_link_refused() { # PATH
    [ "$status" -eq 1 ]
    [ "$(jget error.code)" = E_SYMLINK ]
    [[ "$(jget error.message)" == *"$1"* ]]
    [ -L "$1" ]
    [ "$(sum "$OUTSIDE")" = "$OUTSUM" ]
}

@test "symlink_at_registry_is_never_written_through" {
    two_accounts
    plant_link "$ACC/registry.json"
    for cmd in "config api --disable" "use work" "save home" "remove work" \
               "rename work job"; do
        # shellcheck disable=SC2086
        k_json $cmd
        assert_link_refused "$ACC/registry.json"
    done
    no_temps "$CODEX"
}

@test "symlink_at_a_snapshot_is_never_written_through" {
    two_accounts
    plant_link "$ACC/home.json"
    k_json save home            # live auth.json is home's: would rewrite it
    assert_link_refused "$ACC/home.json"
    k_json use home
    assert_link_refused "$ACC/home.json"
    k check
    [[ "$stderr" == *"symlink"* ]]
}

@test "symlink_at_auth_json_is_refused_not_followed" {
    # documented behaviour (keel(1), spec/cli-order.md): refuse, touch nothing
    two_accounts
    plant_link "$AUTH"
    local reg; reg=$(sum "$ACC/registry.json")
    k_json use work
    assert_link_refused "$AUTH"
    k_json save other
    assert_link_refused "$AUTH"
    [ "$(sum "$ACC/registry.json")" = "$reg" ]
    [ "$(sum "$ACC/work.json")" = "$(sum "$BATS_TEST_TMPDIR/work.auth")" ]
}

@test "symlink_at_current_is_refused_before_any_write" {
    two_accounts
    plant_link "$CODEX/current"
    local a; a=$(sum "$AUTH")
    k_json use work
    assert_link_refused "$CODEX/current"
    # refused up front: auth.json was not switched either
    [ "$(sum "$AUTH")" = "$a" ]
}

@test "symlink_at_the_interop_lock_file_is_refused" {
    two_accounts
    ln -s "$BATS_TEST_TMPDIR/lock-target" "$ACC/registry.json.lock"
    k_json config api --disable
    [ "$status" -eq 1 ]
    [ "$(jget error.code)" = E_SYMLINK ]
    [[ "$(jget error.message)" == *registry.json.lock* ]]
    [ ! -e "$BATS_TEST_TMPDIR/lock-target" ]
    [ -L "$ACC/registry.json.lock" ]
}

@test "accounts_dir_that_is_a_symlink_is_refused" {
    two_accounts
    mv "$ACC" "$BATS_TEST_TMPDIR/acc-real"
    ln -s "$BATS_TEST_TMPDIR/acc-real" "$ACC"
    local before; before=$(cd "$BATS_TEST_TMPDIR/acc-real" && sha256sum * | sha256sum)
    k_json save work
    [ "$status" -eq 1 ]
    [ "$(jget error.code)" = E_SYMLINK ]
    [[ "$(jget error.message)" == *"$ACC"* ]]
    k_json list
    [ "$status" -eq 1 ]
    [ "$(cd "$BATS_TEST_TMPDIR/acc-real" && sha256sum * | sha256sum)" = "$before" ]
}

# ---- ownership and modes (G8) ----------------------------------------------

@test "state_dir_writable_by_group_or_others_is_refused_with_a_hint" {
    two_accounts
    for m in 770 707 777 720; do
        chmod "$m" "$ACC"
        k_json config api --disable
        [ "$status" -eq 1 ]
        [ "$(jget error.code)" = E_STATE_UNSAFE ]
        [[ "$(jget error.hint)" == *chmod* ]]
    done
    chmod 775 "$CODEX"; chmod 700 "$ACC"
    k_json use work
    [ "$(jget error.code)" = E_STATE_UNSAFE ]
    [[ "$(jget error.message)" == *"$CODEX"* ]]
}

@test "state_dir_owned_by_another_user_is_refused_with_a_hint" {
    two_accounts
    chown nobody "$ACC"
    k_json config api --disable
    [ "$status" -eq 1 ]
    [ "$(jget error.code)" = E_STATE_UNSAFE ]
    [[ "$(jget error.hint)" == *chown* ]]
    k check                     # check explains it, as a warning
    [[ "$stderr" == *"owned by another user"* ]]
}

@test "files_are_0600_and_dirs_0700_whatever_the_umask" {
    for u in 000 022 077 277 0777; do
        setup_home
        rmdir "$CODEX"
        login_work
        rm -rf "$CODEX/accounts"
        (umask "$u"; "$KEEL" save work >"$BATS_TEST_TMPDIR/out" 2>&1) ||
            { echo "umask $u: save failed"; return 1; }
        no_secrets_in "$BATS_TEST_TMPDIR/out"
        (umask "$u"; "$KEEL" config api --disable >"$BATS_TEST_TMPDIR/out" 2>&1)
        no_secrets_in "$BATS_TEST_TMPDIR/out"
        [ "$(mode_of "$ACC")" = 700 ] || { echo "umask $u: accounts $(mode_of "$ACC")"; return 1; }
        for f in "$ACC/work.json" "$ACC/registry.json" "$CODEX/current"; do
            [ "$(mode_of "$f")" = 600 ] || { echo "umask $u: $f $(mode_of "$f")"; return 1; }
        done
    done
    # a codex home keel creates itself is 0700 too
    setup_home
    rm -rf "$CODEX"
    export CODEX_AUTH_JSON_PATH="$HOME/elsewhere/auth.json"
    make_auth "$CODEX_AUTH_JSON_PATH" w@example.com a u plus
    (umask 000; "$KEEL" save w >"$BATS_TEST_TMPDIR/out" 2>&1)
    no_secrets_in "$BATS_TEST_TMPDIR/out"
    [ "$(mode_of "$CODEX")" = 700 ]
    [ "$(mode_of "$ACC")" = 700 ]
}

@test "a_looser_snapshot_mode_is_reported_and_tightened_on_the_next_write" {
    login_work
    k save work
    chmod 644 "$ACC/work.json"
    chmod 640 "$ACC/registry.json"
    k_json check
    [ "$status" -eq 0 ]
    [[ "$output" == *W_FILE_MODE*work.json* ]]
    [[ "$output" == *W_FILE_MODE*registry.json* ]]
    login_work                    # refreshed tokens of the same login
    k save work
    [ "$status" -eq 0 ]
    [ "$(mode_of "$ACC/work.json")" = 600 ]
    k config api --disable        # a registry write
    [ "$(mode_of "$ACC/registry.json")" = 600 ]
    k_json check
    [[ "$output" != *W_FILE_MODE* ]]
}

# ---- disk and fd exhaustion (G9) ---------------------------------------------

# snapshot of the state: every file's path and hash
# (registry.json.bak may gain a hard link to the unchanged registry.json)
state_sum() {
    (cd "$CODEX" && find . -type f ! -name registry.json.bak -print0 |
        sort -z | xargs -0 sha256sum)
}

mount_small_fs() { # SIZE: a tmpfs holding a copy of the codex home
    MNT=$CODEX
    cp -a "$CODEX" "$BATS_TEST_TMPDIR/codex-copy"
    if ! mount -t tmpfs -o "size=$1,mode=700" tmpfs "$MNT" 2>/dev/null; then
        MNT=
        return 1
    fi
    cp -a "$BATS_TEST_TMPDIR/codex-copy/." "$MNT/"
    chmod 700 "$MNT"
}

@test "a_full_file_system_fails_cleanly_and_loses_nothing" {
    two_accounts
    mount_small_fs 64k || skip "cannot mount a tmpfs here (not root?)"
    login_work                 # refreshed tokens to save back on 'use home'
    # fill the file system, leaving no room for a temp file
    dd if=/dev/zero of="$CODEX/filler" bs=1k count=1024 2>/dev/null || true
    local before; before=$(state_sum)
    for cmd in "use home" "save extra" "config api --disable" "rename work job"; do
        # shellcheck disable=SC2086
        k_json $cmd
        [ "$status" -ne 0 ] && [ "$status" -lt 128 ]
        [[ "$(jget error.message)" == *"No space left on device"* ]] ||
            [[ "$(jget error.message)" == *"Disk quota"* ]]
        no_temps "$CODEX"
        [ ! -e "$ACC/registry.json.lock" ]
        [ "$(state_sum)" = "$before" ]
    done
    rm "$CODEX/filler"
    k use home
    [ "$status" -eq 0 ]
}

@test "disk_quota_and_enospc_injected_at_the_write_fail_cleanly" {
    need_fiu_run
    two_accounts
    local before; before=$(state_sum)
    for e in 28 122; do         # ENOSPC, EDQUOT
        ASAN_OPTIONS="verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
            run --separate-stderr fiu-run -x -f "" -c "enable name=keel/atomic/write,failinfo=$e" \
            "$KEEL" --json config api --disable
        no_secrets
        [ "$status" -eq 1 ]
        [[ "$output" == *'"code":"E_IO"'* ]]
        [[ "$output" == *"write the temp file"* ]]
        no_temps "$CODEX"
        [ "$(state_sum)" = "$before" ]
    done
}

@test "a_read_only_file_system_fails_cleanly" {
    two_accounts
    mount_small_fs 1m || skip "cannot mount a tmpfs here (not root?)"
    mount -o remount,ro "$MNT" || skip "cannot remount read-only"
    local before; before=$(state_sum)
    for cmd in "use work" "save home" "config api --disable" "remove work"; do
        # shellcheck disable=SC2086
        k_json $cmd
        [ "$status" -eq 1 ]
        [[ "$(jget error.message)" == *"Read-only file system"* ]]
        [ "$(state_sum)" = "$before" ]
    done
    k check
    [ "$status" -eq 0 ]
}

@test "fd_exhaustion_fails_cleanly_at_every_limit" {
    two_accounts
    login_work
    local n before
    for n in 4 5 6 7 8 9 10 11 12; do
        before=$(state_sum)
        # ulimit -n N, with only stdin/stdout/stderr open
        run --separate-stderr "$PYTHON" -c 'import os, resource, sys
n = int(sys.argv[1])
os.closerange(3, 65536)
resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
os.execv(sys.argv[2], sys.argv[2:])' "$n" "$KEEL" --json use home
        no_secrets
        [ "$status" -lt 128 ] || { echo "limit $n: status $status"; return 1; }
        no_temps "$CODEX"
        [ ! -e "$ACC/registry.json.lock" ]
        "$PYTHON" -c 'import json,sys; json.load(open(sys.argv[1]))' "$ACC/registry.json"
        if [ "$status" -ne 0 ]; then
            [[ "$output" == *"Too many open files"* ]] ||
                { echo "limit $n: status $status: $output $stderr"; return 1; }
        fi
        # back to work's login for the next round (nothing lost: work.json
        # holds the refreshed tokens or auth.json still does)
        k use work
        [ "$status" -eq 0 ]
    done
}

# ---- as an unprivileged user -------------------------------------------------

# as_nobody ARGS...: run keel as nobody with this test's environment.
as_nobody() {
    run --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
        env HOME="$HOME" CODEX_AUTH_CODEX_DIR="$CODEX_AUTH_CODEX_DIR" \
        CODEX_AUTH_ACCOUNTS_DIR="$CODEX_AUTH_ACCOUNTS_DIR" \
        CODEX_AUTH_JSON_PATH="$CODEX_AUTH_JSON_PATH" \
        CODEX_AUTH_CURRENT_PATH="$CODEX_AUTH_CURRENT_PATH" \
        CODEX_AUTH_SESSION_MAP_PATH="$CODEX_AUTH_SESSION_MAP_PATH" \
        ASAN_OPTIONS="${ASAN_OPTIONS:-}" "$KEEL" "$@"
    no_secrets
}

nobody_home() { # a home nobody can reach and owns
    command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
    setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null ||
        skip "cannot switch to user nobody (not root?)"
    local d; d=$(mktemp -d /tmp/keel-nobody.XXXXXX)
    chmod 755 "$d"
    mv "$HOME" "$d/home"
    setup_paths_under "$d/home"
    chown -R nobody:nogroup "$d/home"
    NOBODY_ROOT=$d
    # the binary must be reachable
    as_nobody --version
    [ "$status" -eq 0 ] || skip "keel binary not executable by nobody"
}

setup_paths_under() {
    export HOME=$1
    export CODEX_AUTH_CODEX_DIR="$HOME/.codex"
    export CODEX_AUTH_ACCOUNTS_DIR="$HOME/.codex/accounts"
    export CODEX_AUTH_JSON_PATH="$HOME/.codex/auth.json"
    export CODEX_AUTH_CURRENT_PATH="$HOME/.codex/current"
    export CODEX_AUTH_SESSION_MAP_PATH="$HOME/.codex/accounts/sessions.json"
    CODEX="$HOME/.codex"; ACC="$CODEX/accounts"; AUTH="$CODEX/auth.json"
}

@test "a_directory_without_write_permission_fails_cleanly_as_a_user" {
    two_accounts
    nobody_home
    as_nobody list
    [ "$status" -eq 0 ]
    chmod 500 "$ACC"
    local before; before=$(state_sum)
    for cmd in "save home" "use work" "config api --disable"; do
        # shellcheck disable=SC2086
        as_nobody --json $cmd
        [ "$status" -eq 1 ]
        [[ "$output" == *"Permission denied"* ]]
        [ "$(state_sum)" = "$before" ]
    done
    no_temps "$CODEX"
    rm -rf "$NOBODY_ROOT"
}

@test "an_unreadable_registry_or_snapshot_is_a_precise_error_as_a_user" {
    two_accounts
    nobody_home
    chmod 000 "$ACC/registry.json"
    local before; before=$(state_sum)
    as_nobody --json config api --disable
    [ "$status" -eq 1 ]
    [[ "$output" == *'"code":"E_IO"'* ]]
    [[ "$output" == *registry.json*"Permission denied"* ]]
    as_nobody --json check
    [ "$status" -eq 1 ]
    [ "$(state_sum)" = "$before" ]
    chmod 600 "$ACC/registry.json"
    chmod 000 "$ACC/work.json"
    as_nobody --json use work
    [ "$status" -eq 1 ]
    [[ "$output" == *work.json*"Permission denied"* ]]
    as_nobody --json check
    [[ "$output" == *W_SNAPSHOT_UNREADABLE* ]]
    rm -rf "$NOBODY_ROOT"
}

@test "a_state_dir_owned_by_someone_else_is_refused_as_a_user" {
    two_accounts
    nobody_home
    chown root "$ACC"
    chmod 755 "$ACC"
    as_nobody --json save home
    [ "$status" -eq 1 ]
    [[ "$output" == *E_STATE_UNSAFE* ]]
    [[ "$output" == *"owned by uid 0"* ]]
    rm -rf "$NOBODY_ROOT"
}

# ---- signals -----------------------------------------------------------------

@test "sigterm_during_the_lock_wait_exits_143_promptly" {
    two_accounts
    # hold the registry's flock guard (the accounts directory) elsewhere
    "$PYTHON" -c 'import fcntl,os,sys,time
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(60)' "$ACC" "$BATS_TEST_TMPDIR/locked" 3>&- &
    BG=$!
    local i
    for i in $(seq 200); do
        [ -e "$BATS_TEST_TMPDIR/locked" ] && break
        sleep 0.05
    done
    [ -e "$BATS_TEST_TMPDIR/locked" ]
    "$KEEL" --wait 20 config api --disable 2>"$BATS_TEST_TMPDIR/err" 3>&- &
    local pid=$! t0 t1 rc=0
    sleep 1                     # it is waiting for the lock now
    kill -0 "$pid"
    t0=$(date +%s%N)
    kill -TERM "$pid"
    wait "$pid" || rc=$?
    t1=$(date +%s%N)
    [ "$rc" -eq 143 ]
    [ $(( (t1 - t0) / 1000000 )) -lt 2000 ]
    grep -q "interrupted by SIGTERM" "$BATS_TEST_TMPDIR/err"
    no_secrets_in "$BATS_TEST_TMPDIR/err"
    kill "$BG"; BG=
    k --wait 0 config api --disable
    [ "$status" -eq 0 ]
}

@test "sigint_between_two_writes_cleans_up_like_an_error_path" {
    local root; root=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
    local fi="$root/build/crashtest/keel_fi.so"
    [ -f "$fi" ] || make -s -C "$root" build/crashtest/keel_fi.so >/dev/null 2>&1 ||
        skip "cannot build the fault-injection preload"
    login_work
    k save work
    login_home
    local reg; reg=$(sum "$ACC/registry.json")
    # stop 'keel save home' inside its second file replace (current), after
    # W1 wrote home.json: it holds the lock and has a temp file open
    LD_PRELOAD="$fi" KEEL_FI="keel/atomic/write:2:262144" \
        ASAN_OPTIONS="verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
        "$KEEL" save home 2>"$BATS_TEST_TMPDIR/err" 3>&- &
    local pid=$! i rc=0
    for i in $(seq 100); do
        [ "$(ps -o stat= -p "$pid" | cut -c1)" = T ] && break
        sleep 0.05
    done
    [ "$(ps -o stat= -p "$pid" | cut -c1)" = T ]
    ls -a "$CODEX" | grep -q '^\.keel-tmp\.'    # mid-replace
    [ -e "$ACC/registry.json.lock" ]
    kill -INT "$pid"
    kill -CONT "$pid"
    wait "$pid" || rc=$?
    [ "$rc" -eq 130 ]
    grep -q "interrupted by SIGINT" "$BATS_TEST_TMPDIR/err"
    no_secrets_in "$BATS_TEST_TMPDIR/err"
    no_temps "$CODEX"
    [ ! -e "$ACC/registry.json.lock" ]             # lock released
    [ "$(sum "$ACC/registry.json")" = "$reg" ]     # commit never ran
    k save home                                    # finishes it
    [ "$status" -eq 0 ]
    k_json list
    [[ "$output" == *home* ]]
}

# ---- secrets (G8) --------------------------------------------------------------

@test "every_keel_run_in_the_cli_suite_is_checked_for_planted_tokens" {
    # k/k_json check each run (helpers.bash); any other way of running keel
    # must call no_secrets or no_secrets_in within the next 20 lines, and the
    # python driver checks every output it captures
    run "$PYTHON" - "$BATS_TEST_DIRNAME" <<'PY'
import glob, os, re, sys
bad = []
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.bats"))):
    lines = open(f).read().splitlines()
    for i, l in enumerate(lines):
        if '"$KEEL"' not in l or l.lstrip().startswith("#"):
            continue
        near = "\n".join(lines[i:i + 20])
        if "no_secrets" not in near and "as_nobody()" not in "\n".join(lines[max(0, i - 8):i + 1]):
            bad.append("%s:%d: %s" % (os.path.basename(f), i + 1, l.strip()))
py = open(os.path.join(sys.argv[1], "hostile_files.py")).read()
if "SECRETS" not in py:
    bad.append("hostile_files.py does not check the planted tokens")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
}
