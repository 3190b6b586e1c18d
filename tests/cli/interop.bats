#!/usr/bin/env bats
# The Node tool's files: formatting, env overrides, lock, files left alone.
load helpers

setup() { setup_home; }

@test "node_registry_round_trips_byte_identically_through_a_no_op_write" {
    node_state
    k config api --enable        # already enabled
    [ "$status" -eq 0 ]
    cmp "$ACC/registry.json" "$FIXTURES/registry-node.json"
    k config auto --disable --5h 10 --weekly 5
    [ "$status" -eq 0 ]
    cmp "$ACC/registry.json" "$FIXTURES/registry-node.json"
    k use work                   # already active
    [ "$status" -eq 0 ]
    cmp "$ACC/registry.json" "$FIXTURES/registry-node.json"
}

@test "a_real_change_changes_only_the_intended_line" {
    node_state
    k config api --disable
    [ "$status" -eq 0 ]
    run diff "$FIXTURES/registry-node.json" "$ACC/registry.json"
    [ "$status" -eq 1 ]
    [ "$(printf '%s\n' "$output" | grep -c '^[<>]')" -eq 2 ]
    [[ "$output" == *'<     "usage": true'* ]]
    [[ "$output" == *'>     "usage": false'* ]]
}

@test "use_on_node_state_changes_only_the_active_line" {
    node_state
    k use home
    [ "$status" -eq 0 ]
    run diff "$FIXTURES/registry-node.json" "$ACC/registry.json"
    [ "$(printf '%s\n' "$output" | grep -c '^[<>]')" -eq 2 ]
    [[ "$output" == *'>   "activeAccountName": "home",'* ]]
}

@test "unknown_fields_survive_an_edit" {
    node_state
    k rename home house
    [ "$status" -eq 0 ]
    "$PYTHON" - "$ACC/registry.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["futureTopLevel"]["y"] == "\u00e9\u2028"
assert r["autoSwitch"]["futureKnob"] == "keep-me"
assert r["accounts"]["work"]["nodeOnlyField"] == {"nested": [1, 2.25, None, True]}
assert r["accounts"]["house"]["name"] == "house"
PY
}

@test "env_overrides_place_every_file" {
    login_work
    mv "$AUTH" "$HOME/live.json"
    export CODEX_AUTH_JSON_PATH="$HOME/live.json"
    export CODEX_AUTH_ACCOUNTS_DIR="$HOME/accts"
    export CODEX_AUTH_CURRENT_PATH="$HOME/cur"
    k save work
    [ "$status" -eq 0 ]
    [ -f "$HOME/accts/work.json" ] && [ -f "$HOME/accts/registry.json" ]
    [ "$(cat "$HOME/cur")" = work ]
    [ ! -e "$CODEX/accounts" ] && [ ! -e "$CODEX/current" ]
}

@test "blank_overrides_fall_back_to_the_defaults" {
    export CODEX_AUTH_ACCOUNTS_DIR="  "
    login_work
    k save work
    [ -f "$CODEX/accounts/work.json" ]
}

@test "sessions_json_and_unknown_files_are_left_alone" {
    node_state
    echo 'not even json {' >"$ACC/sessions.json"
    echo 'keep' >"$ACC/notes.txt"
    cp "$ACC/sessions.json" "$BATS_TEST_TMPDIR/s"
    k use home
    k rename home house
    k remove house
    k save work --force
    cmp "$ACC/sessions.json" "$BATS_TEST_TMPDIR/s"
    [ "$(cat "$ACC/notes.txt")" = keep ]
}

@test "a_live_interop_lock_is_E_REGISTRY_LOCKED_exit_6_naming_the_pid" {
    node_state
    sleep 30 &
    holder=$!
    printf '{"pid":%d,"at":"%s"}' "$holder" "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" >"$ACC/registry.json.lock"
    cp "$ACC/registry.json" "$BATS_TEST_TMPDIR/reg"
    k_json --wait 0.3 use home
    kill "$holder"
    [ "$status" -eq 6 ]
    assert_error_envelope E_REGISTRY_LOCKED
    [ "$(jget error.details.pid)" = "$holder" ]
    cmp "$ACC/registry.json" "$BATS_TEST_TMPDIR/reg"
    cmp "$AUTH" "$ACC/work.json"
}

@test "a_stale_interop_lock_is_reported_by_check_and_reaped_by_a_writer" {
    node_state
    printf '{"pid":999999,"at":"2020-01-01T00:00:00.000Z"}' >"$ACC/registry.json.lock"
    k check
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"is stale"* ]]
    k use home
    [ "$status" -eq 0 ]
    [ ! -e "$ACC/registry.json.lock" ]
}
