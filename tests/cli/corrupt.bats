#!/usr/bin/env bats
# A corrupt registry is never overwritten (G5); check explains, recover restores.
load helpers

setup() {
    setup_home
    two_accounts
    k use work                     # a second commit: registry.json.bak exists
    [ "$status" -eq 0 ]
    cp "$ACC/registry.json" "$BATS_TEST_TMPDIR/good"
}

corrupt() { printf '{\n  "version": 1,\n  "accounts": {,\n' >"$ACC/registry.json"; }

@test "every_write_command_refuses_a_corrupt_registry_and_leaves_it_byte_identical" {
    corrupt
    cp "$ACC/registry.json" "$BATS_TEST_TMPDIR/bad"
    cp "$AUTH" "$BATS_TEST_TMPDIR/auth"
    mkdir -p "$BATS_TEST_TMPDIR/exp"
    for cmd in "save work" "save" "use home" "remove home" "rename home x" \
               "import $BATS_TEST_TMPDIR/work.auth --name imp" \
               "export $BATS_TEST_TMPDIR/exp" \
               "config auto --enable" "config api --disable"; do
        # shellcheck disable=SC2086
        k_json $cmd
        [ "$status" -eq 7 ] || { echo "$cmd: status $status" >&2; false; }
        assert_error_envelope E_REGISTRY_CORRUPT
        [ "$(jget error.details.kind)" = syntax ]
        [ "$(jget error.details.file)" = "$ACC/registry.json" ]
        [ "$(jget error.details.offset)" -ge 0 ]
        cmp "$ACC/registry.json" "$BATS_TEST_TMPDIR/bad"
        cmp "$AUTH" "$BATS_TEST_TMPDIR/auth"
    done
    [ -f "$ACC/home.json" ]
    [ ! -e "$ACC/imp.json" ]
}

@test "corrupt_registry_human_message_names_file_kind_and_offset" {
    corrupt
    k use home
    [ "$status" -eq 7 ]
    [[ "$stderr" == *"$ACC/registry.json"* ]]
    [[ "$stderr" == *"syntax error at byte"* ]]
    [[ "$stderr" == *"keel recover"* ]]
}

@test "read_only_commands_report_a_corrupt_registry_with_exit_7" {
    corrupt
    k_json list
    [ "$status" -eq 7 ]
    assert_error_envelope E_REGISTRY_CORRUPT
    k current
    [ "$status" -eq 7 ]
}

@test "schema_defects_name_the_json_path" {
    printf '{\n  "version": 1,\n  "accounts": {\n    "a": {\n      "name": "b"\n    }\n  }\n}\n' >"$ACC/registry.json"
    k_json check
    [ "$status" -eq 7 ]
    [ "$(jget error.details.kind)" = schema ]
    [[ "$(jget error.details.path)" == accounts* ]]
}

@test "check_exits_7_with_the_error_record" {
    corrupt
    k_json check
    [ "$status" -eq 7 ]
    assert_error_envelope E_REGISTRY_CORRUPT
    k check --file "$BATS_TEST_TMPDIR/good"
    [ "$status" -eq 0 ]
    k_json check --file "$ACC/registry.json"
    [ "$status" -eq 7 ]
}

@test "recover_restores_the_last_good_generation_and_keeps_the_damaged_file" {
    corrupt
    cp "$ACC/registry.json" "$BATS_TEST_TMPDIR/bad"
    k_json recover
    [ "$status" -eq 0 ]
    [ "$(jget data.recovered)" = true ]
    aside=$(jget data.aside)
    [[ "$aside" == registry.json.damaged-* ]]
    cmp "$ACC/$aside" "$BATS_TEST_TMPDIR/bad"
    k check
    [ "$status" -eq 0 ]
    [[ "$stderr" == *W_DAMAGED_KEPT* || "$stderr" == *"kept aside"* ]]
    k use home
    [ "$status" -eq 0 ]
}

@test "recover_on_a_healthy_registry_does_nothing" {
    k recover
    [ "$status" -eq 0 ]
    [[ "$output" == *"nothing to do"* ]]
    cmp "$ACC/registry.json" "$BATS_TEST_TMPDIR/good"
}

@test "recover_without_a_good_generation_is_exit_7" {
    corrupt
    rm -f "$ACC/registry.json.bak"
    k_json recover
    [ "$status" -eq 7 ]
    assert_error_envelope E_REGISTRY_CORRUPT
}
