#!/usr/bin/env bats
# Global options, help, usage errors and the --json envelope shape.
load helpers

setup() { setup_home; }

@test "version_prints_keel_0.1.0" {
    k --version
    [ "$status" -eq 0 ]
    [ "$output" = "keel 0.1.0" ]
    k_json --version
    [ "$(jget data.version)" = 0.1.0 ]
}

@test "help_lists_every_command_and_exits_0" {
    k --help
    [ "$status" -eq 0 ]
    for c in save use list current remove rename import export config check recover; do
        [[ "$output" == *"  $c "* ]]
    done
}

@test "each_command_has_its_own_help" {
    for c in save use list current remove rename import export config check recover; do
        k "$c" --help
        [ "$status" -eq 0 ]
        [[ "$output" == "usage: keel $c"* ]]
    done
    k help use
    [[ "$output" == "usage: keel use NAME"* ]]
}

@test "unknown_command_is_a_usage_error_exit_2" {
    k frobnicate
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"unknown command 'frobnicate'"* ]]
    k_json frobnicate
    [ "$status" -eq 2 ]
    assert_error_envelope E_USAGE
}

@test "bad_options_and_arguments_are_usage_errors_exit_2" {
    k
    [ "$status" -eq 2 ]
    k use
    [ "$status" -eq 2 ]
    k rename onlyone
    [ "$status" -eq 2 ]
    k remove
    [ "$status" -eq 2 ]
    k save --bogus
    [ "$status" -eq 2 ]
    k --wait abc list
    [ "$status" -eq 2 ]
    k config auto --5h 500
    [ "$status" -eq 2 ]
    k config api --enable --disable
    [ "$status" -eq 2 ]
    k config api
    [ "$status" -eq 2 ]
}

@test "usage_errors_touch_nothing" {
    k use
    [ ! -e "$CODEX/accounts" ]
}

@test "json_success_is_one_line_with_ok_true_and_data" {
    k_json list
    [ "$status" -eq 0 ]
    [ "$(jget ok)" = true ]
    [ "$(jget data.accounts)" = "[]" ]
    [ "$(jget data.activeAccountName)" = null ]
    [ -z "$stderr" ]
}

@test "global_options_may_follow_the_command" {
    k list --json
    [ "$status" -eq 0 ]
    [ "$(jget ok)" = true ]
}

@test "missing_home_without_override_fails_cleanly" {
    run --separate-stderr env -u HOME -u CODEX_AUTH_CODEX_DIR "$KEEL" list
    no_secrets
    [ "$status" -eq 1 ]
    [[ "$stderr" == *HOME* ]]
}
