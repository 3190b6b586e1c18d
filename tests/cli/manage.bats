#!/usr/bin/env bats
# remove, rename, import/export, config.
load helpers

setup() { setup_home; }

@test "remove_deletes_snapshot_and_entry_together" {
    two_accounts
    k_json remove work
    [ "$status" -eq 0 ]
    [ "$(jget data.removed.0)" = work ]
    [ ! -e "$ACC/work.json" ]
    k_json list
    [ "$(jget data.accounts.0.name)" = home ]
    "$PYTHON" -c 'import json,sys; assert len(json.loads(sys.argv[1])["data"]["accounts"]) == 1' "$output"
}

@test "remove_of_the_active_account_clears_active_and_current" {
    two_accounts
    k remove home
    [ "$status" -eq 0 ]
    k_json current
    [ "$(jget data.name)" = null ]
    [ ! -e "$CODEX/current" ]
    [ -f "$AUTH" ]  # the live login itself stays
}

@test "remove_many_is_all_or_nothing_for_unknown_names" {
    two_accounts
    cp "$ACC/registry.json" "$BATS_TEST_TMPDIR/reg"
    k_json remove work nobody
    [ "$status" -eq 4 ]
    assert_error_envelope E_ACCOUNT_NOT_FOUND
    [ -f "$ACC/work.json" ]
    cmp "$ACC/registry.json" "$BATS_TEST_TMPDIR/reg"
    k remove work home
    [ "$status" -eq 0 ]
    [ ! -e "$ACC/work.json" ] && [ ! -e "$ACC/home.json" ]
}

@test "remove_finishes_an_interrupted_remove" {
    two_accounts
    rm "$ACC/work.json"          # crash after W1
    k check
    [[ "$stderr" == *W_SNAPSHOT_MISSING* || "$stderr" == *"has no snapshot"* ]]
    k remove work
    [ "$status" -eq 0 ]
    k check
    [[ "$stderr" != *"has no snapshot"* ]]
}

@test "remove_deletes_an_orphan_snapshot" {
    two_accounts
    cp "$ACC/work.json" "$ACC/stray.json"
    k remove stray
    [ "$status" -eq 0 ]
    [ ! -e "$ACC/stray.json" ]
}

@test "rename_moves_snapshot_entry_active_and_current" {
    two_accounts
    k rename home house
    [ "$status" -eq 0 ]
    [ ! -e "$ACC/home.json" ]
    cmp "$ACC/house.json" "$BATS_TEST_TMPDIR/home.auth"
    [ "$(cat "$CODEX/current")" = house ]
    k current
    [ "$output" = house ]
    k_json list
    "$PYTHON" - "$output" <<'PY'
import json, sys
names = [a["name"] for a in json.loads(sys.argv[1])["data"]["accounts"]]
assert names == ["house", "work"], names
PY
}

@test "rename_to_an_existing_name_is_refused" {
    two_accounts
    k_json rename home work
    [ "$status" -eq 1 ]
    assert_error_envelope E_ACCOUNT_EXISTS
    k_json rename nobody x
    [ "$status" -eq 4 ]
    assert_error_envelope E_ACCOUNT_NOT_FOUND
}

@test "rename_finishes_after_a_crash_at_any_write" {
    two_accounts
    # after W1: NEW.json is a copy of OLD.json
    cp "$ACC/work.json" "$ACC/job.json"
    k rename work job
    [ "$status" -eq 0 ]
    [ ! -e "$ACC/work.json" ]
    # after W3: OLD.json already gone, NEW.json there, registry still OLD
    cp "$ACC/home.json" "$ACC/casa.json" && rm "$ACC/home.json"
    k check
    [[ "$stderr" == *"has no registry entry"* ]]
    k rename home casa
    [ "$status" -eq 0 ]
    [ -f "$ACC/casa.json" ] && [ ! -e "$ACC/home.json" ]
}

@test "export_then_import_round_trips_every_snapshot" {
    two_accounts
    k_json export "$BATS_TEST_TMPDIR/out"
    [ "$status" -eq 0 ]
    [ "$(mode_of "$BATS_TEST_TMPDIR/out")" = 700 ]
    [ "$(mode_of "$BATS_TEST_TMPDIR/out/work.json")" = 600 ]
    cmp "$BATS_TEST_TMPDIR/out/work.json" "$ACC/work.json"
    # into a fresh home
    setup_home
    k_json import "$BATS_TEST_TMPDIR/out"
    [ "$status" -eq 0 ]
    [ "$(jget data.imported)" = '["home", "work"]' ] || [ "$(jget data.imported)" = '["work", "home"]' ]
    cmp "$BATS_TEST_TMPDIR/out/work.json" "$ACC/work.json"
    k_json list
    [ "$(jget data.accounts.1.email)" = work@example.com ]
    # again: nothing changes
    cp "$ACC/registry.json" "$BATS_TEST_TMPDIR/reg"
    k_json import "$BATS_TEST_TMPDIR/out"
    [ "$(jget data.imported)" = "[]" ]
    cmp "$ACC/registry.json" "$BATS_TEST_TMPDIR/reg"
}

@test "import_of_one_file_names_it_from_email_or_name_option" {
    make_auth "$BATS_TEST_TMPDIR/auth.json" solo@example.com acc-s user-s plus
    k_json import "$BATS_TEST_TMPDIR/auth.json"
    [ "$status" -eq 0 ]
    [ "$(jget data.imported.0)" = solo ]
    k_json import "$BATS_TEST_TMPDIR/auth.json" --name other
    [ "$(jget data.imported.0)" = other ]
    [ ! -e "$AUTH" ]   # the live login is not touched
}

@test "import_refuses_a_different_accounts_tokens_exit_5" {
    two_accounts
    make_auth "$BATS_TEST_TMPDIR/work.json" intruder@example.com acc-i user-i plus
    k_json import "$BATS_TEST_TMPDIR/work.json"
    [ "$status" -eq 5 ]
    assert_error_envelope E_SNAPSHOT_EMAIL_MISMATCH
    cmp "$ACC/work.json" "$BATS_TEST_TMPDIR/work.auth"
}

@test "import_of_a_non_auth_file_is_E_AUTH_INVALID" {
    echo '{"hello":1}' >"$BATS_TEST_TMPDIR/x.json"
    k_json import "$BATS_TEST_TMPDIR/x.json"
    [ "$status" -eq 1 ]
    assert_error_envelope E_AUTH_INVALID
}

@test "config_auto_and_api_edit_the_globals" {
    two_accounts
    k_json config auto --enable --5h 20 --weekly 15
    [ "$status" -eq 0 ]
    "$PYTHON" - "$ACC/registry.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["autoSwitch"] == {"enabled": True, "threshold5hPercent": 20, "thresholdWeeklyPercent": 15}, r
PY
    k config api --disable
    [ "$status" -eq 0 ]
    k_json config
    [ "$(jget data.api.usage)" = false ]
    [ "$(jget data.autoSwitch.threshold5hPercent)" = 20 ]
    k config auto --disable
    k_json config
    [ "$(jget data.autoSwitch.enabled)" = false ]
}

@test "config_threshold_out_of_range_is_E_AUTOSWITCH_CONFIG" {
    k_json config auto --weekly 0
    [ "$status" -eq 2 ]
    assert_error_envelope E_AUTOSWITCH_CONFIG
}
