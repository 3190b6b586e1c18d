#!/usr/bin/env bats
# keel save / use / list / current, and the refreshed-token save-back rule.
load helpers

setup() { setup_home; }

@test "save_snapshots_auth_and_registers_claims" {
    login_work
    k save work
    [ "$status" -eq 0 ]
    [[ "$output" == *"saved account work (work@example.com)"* ]]
    cmp "$AUTH" "$ACC/work.json"
    [ "$(mode_of "$ACC/work.json")" = 600 ]
    [ "$(mode_of "$ACC/registry.json")" = 600 ]
    [ "$(mode_of "$ACC")" = 700 ]
    [ "$(cat "$CODEX/current")" = work ]
    "$PYTHON" - "$ACC/registry.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
a = r["accounts"]["work"]
assert r["activeAccountName"] == "work"
assert a["email"] == "work@example.com" and a["accountId"] == "acc-work"
assert a["userId"] == "user-work" and a["planType"] == "plus"
assert a["createdAt"].endswith("Z")
PY
}

@test "save_creates_missing_dirs_0700_under_any_umask" {
    login_work
    rm -rf "$ACC"
    export CODEX_AUTH_ACCOUNTS_DIR="$HOME/deep/er/accounts"
    (umask 0277 && "$KEEL" save work >"$BATS_TEST_TMPDIR/out" 2>&1)
    no_secrets_in "$BATS_TEST_TMPDIR/out"
    [ "$(mode_of "$HOME/deep")" = 700 ]
    [ "$(mode_of "$HOME/deep/er/accounts")" = 700 ]
    [ "$(mode_of "$HOME/deep/er/accounts/work.json")" = 600 ]
}

@test "save_without_name_infers_it_from_the_email" {
    make_auth "$AUTH" jane.doe+x@example.com acc-j user-j team
    k_json save
    [ "$status" -eq 0 ]
    [ "$(jget data.name)" = jane.doe+x ]
    [ "$(jget data.created)" = true ]
    [ -f "$ACC/jane.doe+x.json" ]
}

@test "save_without_name_refreshes_the_account_it_belongs_to" {
    two_accounts
    make_auth "$AUTH" work@example.com acc-work user-work plus
    k_json save
    [ "$(jget data.name)" = work ]
    [ "$(jget data.created)" = false ]
    cmp "$AUTH" "$ACC/work.json"
}

@test "save_without_auth_json_is_E_AUTH_MISSING_exit_3" {
    k save work
    [ "$status" -eq 3 ]
    [[ "$stderr" == *"$AUTH"* ]]
    k_json save work
    [ "$status" -eq 3 ]
    assert_error_envelope E_AUTH_MISSING
}

@test "save_of_a_non_auth_file_is_E_AUTH_INVALID_exit_1" {
    echo '[1,2' >"$AUTH"
    k_json save work
    [ "$status" -eq 1 ]
    assert_error_envelope E_AUTH_INVALID
    [ ! -e "$ACC/work.json" ]
}

@test "save_with_no_email_and_no_name_is_E_NAME_INFERENCE_FAILED" {
    printf '{"OPENAI_API_KEY":"sk-%s","tokens":null}' "$(secret)" >"$AUTH"
    k_json save
    [ "$status" -eq 1 ]
    assert_error_envelope E_NAME_INFERENCE_FAILED
}

@test "save_rejects_names_that_could_form_paths" {
    login_work
    for n in ../evil .hidden a/b "$(printf 'x%.0s' {1..65})"; do
        k_json save "$n"
        [ "$status" -eq 1 ]
        assert_error_envelope E_NAME_INVALID
    done
    [ ! -e "$CODEX/evil.json" ]
}

@test "save_over_another_accounts_snapshot_is_exit_5_unless_forced" {
    two_accounts
    cp "$ACC/work.json" "$BATS_TEST_TMPDIR/before"
    k_json save work
    [ "$status" -eq 5 ]
    assert_error_envelope E_SNAPSHOT_EMAIL_MISMATCH
    cmp "$ACC/work.json" "$BATS_TEST_TMPDIR/before"
    k save work --force
    [ "$status" -eq 0 ]
    cmp "$AUTH" "$ACC/work.json"
}

@test "list_marks_the_active_account_and_shows_plan_and_email" {
    two_accounts
    k list
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "* home"*pro*home@example.com* ]]
    [[ "${lines[1]}" == "  work"*plus*work@example.com* ]]
    k_json list
    [ "$(jget data.activeAccountName)" = home ]
    [ "$(jget data.accounts.0.name)" = home ]
    [ "$(jget data.accounts.0.active)" = true ]
    [ "$(jget data.accounts.1.email)" = work@example.com ]
}

@test "current_prints_the_active_name" {
    k current
    [ "$status" -eq 0 ]
    [ "$output" = "no active account" ]
    two_accounts
    k current
    [ "$output" = home ]
    k_json current
    [ "$(jget data.name)" = home ]
}

@test "use_installs_the_snapshot_and_updates_registry_and_current" {
    two_accounts
    k use work
    [ "$status" -eq 0 ]
    [[ "$output" == *"switched to work"* ]]
    cmp "$AUTH" "$ACC/work.json"
    [ "$(mode_of "$AUTH")" = 600 ]
    [ "$(cat "$CODEX/current")" = work ]
    k current
    [ "$output" = work ]
    k use home
    cmp "$AUTH" "$BATS_TEST_TMPDIR/home.auth"
}

@test "use_of_an_unknown_account_is_exit_4_and_changes_nothing" {
    two_accounts
    cp "$AUTH" "$BATS_TEST_TMPDIR/before"
    k_json use nobody
    [ "$status" -eq 4 ]
    assert_error_envelope E_ACCOUNT_NOT_FOUND
    cmp "$AUTH" "$BATS_TEST_TMPDIR/before"
}

@test "use_saves_refreshed_tokens_back_before_switching" {
    two_accounts
    # codex refreshed home's tokens in place
    make_auth "$AUTH" home@example.com acc-home user-home pro
    cp "$AUTH" "$BATS_TEST_TMPDIR/refreshed"
    ! cmp -s "$AUTH" "$ACC/home.json"
    k_json use work
    [ "$status" -eq 0 ]
    [ "$(jget data.savedBack)" = home ]
    cmp "$ACC/home.json" "$BATS_TEST_TMPDIR/refreshed"
    cmp "$AUTH" "$ACC/work.json"
    k use home
    cmp "$AUTH" "$BATS_TEST_TMPDIR/refreshed"
}

@test "use_never_saves_another_accounts_tokens_into_the_active_snapshot" {
    two_accounts
    # crash state: auth.json holds work's tokens, registry still says home
    cp "$ACC/home.json" "$BATS_TEST_TMPDIR/home.before"
    make_auth "$AUTH" work@example.com acc-work user-work plus
    cp "$AUTH" "$BATS_TEST_TMPDIR/work.refreshed"
    k_json use home
    [ "$status" -eq 0 ]
    [ "$(jget data.savedBack)" = work ]
    cmp "$ACC/home.json" "$BATS_TEST_TMPDIR/home.before"
    cmp "$ACC/work.json" "$BATS_TEST_TMPDIR/work.refreshed"
    cmp "$AUTH" "$ACC/home.json"
}

@test "use_refuses_to_discard_an_unsaved_login_unless_forced" {
    two_accounts
    make_auth "$AUTH" stranger@example.com acc-x user-x free
    cp "$AUTH" "$BATS_TEST_TMPDIR/stranger"
    k_json use work
    [ "$status" -eq 1 ]
    assert_error_envelope E_AUTH_UNSAVED
    cmp "$AUTH" "$BATS_TEST_TMPDIR/stranger"
    k_json use work --force
    [ "$status" -eq 0 ]
    [ "$(jget data.warnings.0.code)" = W_AUTH_DISCARDED ]
    cmp "$AUTH" "$ACC/work.json"
}

@test "use_with_no_live_auth_json_just_installs" {
    two_accounts
    rm "$AUTH"
    k use work
    [ "$status" -eq 0 ]
    cmp "$AUTH" "$ACC/work.json"
}

@test "use_of_the_active_account_is_a_no_op_on_bytes" {
    two_accounts
    cp "$ACC/registry.json" "$BATS_TEST_TMPDIR/reg"
    k use home
    [ "$status" -eq 0 ]
    cmp "$ACC/registry.json" "$BATS_TEST_TMPDIR/reg"
}

@test "api_key_auth_files_are_saved_and_never_printed" {
    key="sk-$(secret)"
    printf '{"OPENAI_API_KEY":"%s","tokens":null,"last_refresh":null}\n' "$key" >"$AUTH"
    k_json save apikey
    [ "$status" -eq 0 ]
    k list
    k check
    [ "$status" -eq 0 ]
}
