#!/usr/bin/env bats
# keel check: healthy state, and every warning it knows.
load helpers

setup() { setup_home; }

@test "check_on_a_healthy_state_exits_0_without_warnings" {
    two_accounts
    k_json check
    [ "$status" -eq 0 ]
    [ "$(jget data.healthy)" = true ]
    [ "$(jget data.accounts)" = 2 ]
    "$PYTHON" -c 'import json,sys; assert "warnings" not in json.loads(sys.argv[1])["data"]' "$output"
}

@test "check_on_an_empty_home_is_healthy" {
    k check
    [ "$status" -eq 0 ]
}

warns() { # CODE...: the --json check output lists each code
    "$PYTHON" - "$output" "$@" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
codes = [w["code"] for w in d["data"].get("warnings", [])]
for c in sys.argv[2:]:
    assert c in codes, (c, codes)
PY
}

@test "check_warns_about_loose_modes_temp_files_and_orphans" {
    two_accounts
    chmod 644 "$ACC/work.json"
    : >"$ACC/.keel-tmp.registry.json.12345.1"
    cp "$ACC/work.json" "$ACC/stray.json"
    rm "$ACC/home.json"
    k_json check
    [ "$status" -eq 0 ]
    warns W_FILE_MODE W_TEMP_LEFT W_SNAPSHOT_ORPHAN W_SNAPSHOT_MISSING
}

@test "check_recognises_an_interrupted_use" {
    two_accounts
    cp "$ACC/work.json" "$AUTH"          # W2 done, registry still home
    k_json check
    [ "$status" -eq 0 ]
    warns W_AUTH_NOT_ACTIVE
    k check
    [[ "$stderr" == *"keel use work"* ]]
}

@test "check_recognises_current_naming_an_unknown_account" {
    two_accounts
    echo ghost >"$CODEX/current"
    k_json check
    warns W_CURRENT_UNKNOWN
    echo work >"$CODEX/current"
    k_json check
    warns W_CURRENT_MISMATCH
}

@test "check_warns_about_an_unsaved_login" {
    two_accounts
    make_auth "$AUTH" new@example.com acc-n user-n plus
    k_json check
    warns W_AUTH_UNSAVED
}

@test "check_warns_about_a_group_writable_state_dir_that_writers_refuse" {
    two_accounts
    chmod 770 "$ACC"
    k_json check
    [ "$status" -eq 0 ]
    warns W_DIR_UNSAFE
    k_json use work
    [ "$status" -eq 1 ]
    assert_error_envelope E_STATE_UNSAFE
}

@test "temp_debris_is_swept_by_the_next_writer" {
    two_accounts
    : >"$ACC/.keel-tmp.registry.json.12345.1"
    k use work
    [ "$status" -eq 0 ]
    [ ! -e "$ACC/.keel-tmp.registry.json.12345.1" ]
}

@test "garbage_auth_files_never_crash_keel" {
    two_accounts
    for i in 1 2 3 4 5 6 7 8; do
        head -c $((i * 97)) /dev/urandom >"$AUTH"
        k save "junk$i"
        [ "$status" -lt 128 ]
    done
    printf '{"tokens":{"id_token":"a.%s.b"}}' "$(printf '\xff\xfe' | b64url)" >"$AUTH"
    k save junk
    [ "$status" -lt 128 ]
    printf '{"tokens":{"id_token":"a.!!!!.b"}}' >"$AUTH"
    k save junk2
    [ "$status" -eq 0 ]
}
