#!/usr/bin/env bats
# Issue 9: broken files and limits. Every command either works or fails
# with a precise code (E_REGISTRY_CORRUPT, ...), exit status < 128, nothing
# overwritten; `keel check` explains each; `keel recover` restores where a
# good generation exists. The loops live in hostile_files.py.

load helpers

setup() { setup_home; }

drive() { # CASE [ARG]: the python driver on this test's home
    SECRETS="$SECRETS" run "$PYTHON" "$BATS_TEST_DIRNAME/hostile_files.py" "$1" "$HOME" "${@:2}"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
}

@test "registry_truncated_at_every_byte_offset_is_refused_never_overwritten" {
    two_accounts
    # a small valid registry in the Node tool's format, so that every
    # offset x (check + a write) stays fast even under ASan
    printf '{\n  "version": 1,\n  "activeAccountName": "work",\n  "accounts": {\n    "work": {\n      "name": "work"\n    }\n  }\n}\n' \
        >"$ACC/registry.json"
    drive truncate
}

@test "registry_bit_flipped_at_every_bit_works_or_is_refused" {
    two_accounts
    # one small registry, so the loop stays fast (8 bits x its size)
    drive bitflip '{"version":1,"accounts":{"w":{"name":"w"}}}'
}

@test "an_emptied_registry_is_corrupt_and_recover_restores_it" {
    two_accounts
    k config api --disable       # so that registry.json.bak is a good generation
    local good; good=$(cat "$ACC/registry.json.bak")
    : >"$ACC/registry.json"
    k_json check
    [ "$status" -eq 7 ]
    assert_error_envelope E_REGISTRY_CORRUPT
    for cmd in "save work" "use home" "config api --enable" "remove home"; do
        # shellcheck disable=SC2086
        k_json $cmd
        [ "$status" -eq 7 ]
        [ ! -s "$ACC/registry.json" ]
    done
    k recover
    [ "$status" -eq 0 ]
    [ "$(cat "$ACC/registry.json")" = "$good" ]
    ls "$ACC" | grep -q '^registry.json.damaged-'
}

@test "a_registry_replaced_by_a_directory_is_a_precise_error" {
    two_accounts
    rm "$ACC/registry.json"
    mkdir "$ACC/registry.json"
    touch "$ACC/registry.json/keep"
    k_json check
    [ "$status" -eq 1 ]
    assert_error_envelope E_NOT_A_FILE
    [[ "$(jget error.message)" == *registry.json* ]]
    k_json config api --disable
    assert_error_envelope E_NOT_A_FILE
    [ -f "$ACC/registry.json/keep" ]
    k_json list
    [ "$status" -eq 1 ]
    [ "$status" -lt 128 ]
}

@test "a_snapshot_that_is_not_json_is_refused_and_explained" {
    two_accounts
    printf 'not json at all\n' >"$ACC/work.json"
    chmod 600 "$ACC/work.json"
    k_json use work
    [ "$status" -eq 1 ]
    assert_error_envelope E_AUTH_INVALID
    [ "$(cat "$ACC/work.json")" = "not json at all" ]
    k_json check
    [ "$status" -eq 0 ]
    [[ "$output" == *W_SNAPSHOT_INVALID*work.json* ]]
    k list
    [ "$status" -eq 0 ]
}

@test "current_naming_an_unknown_account_is_explained_and_settled" {
    two_accounts
    printf 'ghost\n' >"$CODEX/current"
    k_json check
    [ "$status" -eq 0 ]
    [[ "$output" == *W_CURRENT_UNKNOWN*ghost* ]]
    k current
    [ "$status" -lt 128 ]
    k use work
    [ "$status" -eq 0 ]
    [ "$(cat "$CODEX/current")" = work ]
}

@test "a_garbage_sessions_json_is_left_alone_and_explained" {
    two_accounts
    head -c 300 /dev/urandom >"$ACC/sessions.json"
    local s; s=$(sha256sum <"$ACC/sessions.json")
    for cmd in "use work" "save work" "config api --disable" "list" \
               "rename home casa" "remove casa"; do
        # shellcheck disable=SC2086
        k $cmd
        [ "$status" -eq 0 ]
    done
    k_json check
    [ "$status" -eq 0 ]
    [[ "$output" == *W_SESSIONS_INVALID* ]]
    [ "$(sha256sum <"$ACC/sessions.json")" = "$s" ]
}

@test "limits_size_cap_nesting_and_string_length_have_defined_behaviour" {
    two_accounts
    drive limits
}

@test "ten_thousand_accounts_work_in_bounded_memory" {
    two_accounts
    drive many
}

@test "names_of_64_bytes_work_and_65_bytes_are_refused" {
    login_work
    local n64 n65
    n64=$(printf 'a%.0s' $(seq 64))
    n65=$(printf 'a%.0s' $(seq 65))
    k_json save "$n64"
    [ "$status" -eq 0 ]
    [ -f "$ACC/$n64.json" ]
    k_json save "$n65"
    [ "$status" -eq 1 ]
    assert_error_envelope E_NAME_INVALID
    [ ! -e "$ACC/$n65.json" ]
    k_json rename "$n64" "$n65"
    assert_error_envelope E_NAME_INVALID
    k_json use "$n65"
    [ "$status" -eq 4 ]
    # a 65-byte name planted in the registry is a schema defect
    "$PYTHON" - "$ACC/registry.json" "$n65" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["accounts"][sys.argv[2]] = {"name": sys.argv[2]}
open(sys.argv[1], "w").write(json.dumps(d, indent=2) + "\n")
PY
    k_json check
    [ "$status" -eq 7 ]
    assert_error_envelope E_REGISTRY_CORRUPT
}

@test "recover_restores_the_last_good_generation_after_a_bit_flip" {
    two_accounts
    k config api --disable
    local good; good=$(sha256sum <"$ACC/registry.json.bak")
    "$PYTHON" - "$ACC/registry.json" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[0] ^= 0x40
open(sys.argv[1], "wb").write(b)
PY
    k_json use work
    [ "$status" -eq 7 ]
    k recover
    [ "$status" -eq 0 ]
    [ "$(sha256sum <"$ACC/registry.json")" = "$good" ]
}
