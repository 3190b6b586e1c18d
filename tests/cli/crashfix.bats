#!/usr/bin/env bats
# Regressions for the bugs `make crashtest` found in the CLI (each one is
# also covered by the crash rig; these reproduce them in a second).

load helpers

setup() { setup_home; }

@test "temps_left_beside_auth_json_and_current_are_reported_and_swept" {
    two_accounts
    # what a keel killed inside the replace of auth.json / current leaves
    printf 'partial tokens\n' >"$CODEX/.keel-tmp.auth.json.4242.0"
    printf 'wo' >"$CODEX/.keel-tmp.current.4242.1"
    k_json check
    [ "$status" -eq 0 ]
    [[ "$output" == *W_TEMP_LEFT*keel-tmp.auth.json* ]]
    [[ "$output" == *W_TEMP_LEFT*keel-tmp.current* ]]
    k config api --disable
    [ "$status" -eq 0 ]
    [ -z "$(ls -A "$CODEX" | grep keel-tmp)" ]
    # also when they live outside the codex home
    export CODEX_AUTH_CURRENT_PATH="$HOME/elsewhere/current"
    mkdir -p "$HOME/elsewhere"; chmod 700 "$HOME/elsewhere"
    printf 'x' >"$HOME/elsewhere/.keel-tmp.current.4242.2"
    k_json check
    [[ "$output" == *W_TEMP_LEFT*elsewhere* ]]
    k use work
    [ "$status" -eq 0 ]
    [ ! -e "$HOME/elsewhere/.keel-tmp.current.4242.2" ]
}

@test "rerunning_an_interrupted_import_registers_identical_snapshots" {
    login_work
    k save work
    mkdir -p "$BATS_TEST_TMPDIR/exp"
    make_auth "$BATS_TEST_TMPDIR/exp/alpha.json" alpha@example.com acc-a user-a team
    make_auth "$BATS_TEST_TMPDIR/exp/beta.json" beta@example.com acc-b user-b team
    # the import was killed after W1: snapshots written, registry not
    cp "$BATS_TEST_TMPDIR/exp/alpha.json" "$BATS_TEST_TMPDIR/exp/beta.json" "$ACC/"
    k_json check
    [[ "$output" == *W_SNAPSHOT_ORPHAN* ]]
    k_json import "$BATS_TEST_TMPDIR/exp"
    [ "$status" -eq 0 ]
    k_json list
    [[ "$output" == *alpha* && "$output" == *beta* ]]
    k_json check
    [[ "$output" != *W_SNAPSHOT_ORPHAN* ]]
}

@test "use_of_the_account_auth_json_already_holds_keeps_its_refreshed_tokens" {
    two_accounts
    k use work
    # codex refreshed work's tokens in place
    login_work
    cp "$AUTH" "$BATS_TEST_TMPDIR/refreshed"
    k use work
    [ "$status" -eq 0 ]
    cmp "$AUTH" "$BATS_TEST_TMPDIR/refreshed"
    cmp "$ACC/work.json" "$BATS_TEST_TMPDIR/refreshed"
    k use work                  # again: nothing stale comes back
    cmp "$ACC/work.json" "$BATS_TEST_TMPDIR/refreshed"
    cmp "$AUTH" "$BATS_TEST_TMPDIR/refreshed"
}

@test "a_failed_snapshot_unlink_names_its_step" {
    need_fiu_run
    two_accounts
    ASAN_OPTIONS="verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
        run --separate-stderr fiu-run -x -f "" \
        -c "enable name=keel/cli/unlink_snapshot,failinfo=13" "$KEEL" --json remove home
    no_secrets
    [ "$status" -eq 1 ]
    [[ "$output" == *"cannot remove the snapshot: Permission denied"* ]]
    [[ "$output" == *'"step":"keel/cli/unlink_snapshot"'* ]]
    [ -f "$ACC/home.json" ]
}
