# Shared setup for the keel CLI tests (bats). Each test gets a fresh HOME
# under $BATS_TEST_TMPDIR, the Node tool's env overrides pointing into it,
# and a list of planted secret strings that no keel output may ever contain.
bats_require_minimum_version 1.5.0

FIXTURES="$BATS_TEST_DIRNAME/fixtures"
# Debian's python3 when present (a pyenv shim is slow and depends on HOME).
PYTHON=$(command -v /usr/bin/python3 || command -v python3)

setup_home() {
    : "${KEEL:?KEEL must name the keel binary (tests/run.sh sets it)}"
    TEST_HOME=$(mktemp -d "$BATS_TEST_TMPDIR/home.XXXXXX")
    chmod 700 "$TEST_HOME"
    export HOME="$TEST_HOME"
    export CODEX_AUTH_CODEX_DIR="$HOME/.codex"
    export CODEX_AUTH_ACCOUNTS_DIR="$HOME/.codex/accounts"
    export CODEX_AUTH_JSON_PATH="$HOME/.codex/auth.json"
    export CODEX_AUTH_CURRENT_PATH="$HOME/.codex/current"
    export CODEX_AUTH_SESSION_MAP_PATH="$HOME/.codex/accounts/sessions.json"
    CODEX="$HOME/.codex"
    ACC="$CODEX/accounts"
    AUTH="$CODEX/auth.json"
    SECRETS="$BATS_TEST_TMPDIR/secrets.$$"
    : >"$SECRETS"
    mkdir -p "$CODEX"
    chmod 700 "$CODEX"
}

# A fresh distinctive secret, remembered for no_secrets.
secret() {
    local s="TOKSECRET-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
    echo "$s" >>"$SECRETS"
    echo "$s"
}

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# make_jwt EMAIL ACCOUNT_ID USER_ID PLAN: an unsigned-looking id_token whose
# signature part is a planted secret.
make_jwt() {
    local hdr payload sig
    hdr=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
    payload=$(printf '{"iss":"https://auth.openai.com","sub":"auth0|%s","email":"%s","https://api.openai.com/auth":{"chatgpt_account_id":"%s","chatgpt_user_id":"%s","chatgpt_plan_type":"%s"},"exp":1999999999}' \
        "$3" "$1" "$2" "$3" "$4" | b64url)
    sig=$(secret)
    echo "$hdr.$payload.$sig"
}

# make_auth FILE EMAIL ACCOUNT_ID USER_ID PLAN: a Codex auth.json with
# planted access/refresh tokens, in Codex's layout.
make_auth() {
    local file=$1 jwt access refresh
    jwt=$(make_jwt "$2" "$3" "$4" "$5")
    access=$(secret)
    refresh=$(secret)
    mkdir -p "$(dirname "$file")"
    printf '{\n  "OPENAI_API_KEY": null,\n  "tokens": {\n    "id_token": "%s",\n    "access_token": "%s",\n    "refresh_token": "%s",\n    "account_id": "%s"\n  },\n  "last_refresh": "2026-05-01T10:00:00.000Z"\n}\n' \
        "$jwt" "$access" "$refresh" "$3" >"$file"
    chmod 600 "$file"
}

login_work() { make_auth "$AUTH" work@example.com acc-work user-work plus; }
login_home() { make_auth "$AUTH" home@example.com acc-home user-home pro; }

# Fail if any planted secret appears in the last command's stdout/stderr.
no_secrets() {
    local s
    while read -r s; do
        [ -n "$s" ] || continue
        if [[ "$output" == *"$s"* || "${stderr:-}" == *"$s"* ]]; then
            echo "a planted token leaked into keel's output" >&2
            return 1
        fi
    done <"$SECRETS"
}

# need_fiu_run: skip unless keel runs under fiu-run (libfiu's preload with
# fault injection); the ASan build crashes under that preload.
need_fiu_run() {
    command -v fiu-run >/dev/null || skip "fiu-run not installed"
    ASAN_OPTIONS="verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
        fiu-run -x -f "" "$KEEL" --version >/dev/null 2>&1 ||
        skip "this keel build does not run under fiu-run's preload (ASan?)"
}

# no_secrets_in FILE...: the same check for output captured in files (keel
# run in the background, or under a umask/ulimit wrapper).
no_secrets_in() {
    local f s
    for f in "$@"; do
        while read -r s; do
            [ -n "$s" ] || continue
            if grep -qF -- "$s" "$f"; then
                echo "a planted token leaked into keel's output ($f)" >&2
                return 1
            fi
        done <"$SECRETS"
    done
}

# k ARGS...: run keel (stdout in $output, stderr in $stderr), then check
# that no secret leaked. Never fails on keel's exit status itself.
k() {
    run --separate-stderr "$KEEL" "$@"
    no_secrets
}

# k_json ARGS...: as k with --json; stdout must be exactly one JSON line.
k_json() {
    k --json "$@"
    [ "${#lines[@]}" -eq 1 ] || { echo "want one stdout line, got: $output" >&2; return 1; }
    "$PYTHON" -c 'import json,sys; json.loads(sys.argv[1])' "$output" ||
        { echo "not JSON: $output" >&2; return 1; }
}

# jget PATH: a value from the JSON in $output ("error.code", "data.accounts.0.name").
jget() {
    "$PYTHON" - "$output" "$1" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
for part in sys.argv[2].split("."):
    d = d[int(part)] if isinstance(d, list) else d[part]
print(d if isinstance(d, str) else json.dumps(d))
PY
}

# The error envelope's shape: ok false, code, severity fatal, message, details.
assert_error_envelope() { # CODE
    [ "$(jget ok)" = false ]
    [ "$(jget error.code)" = "$1" ]
    [ "$(jget error.severity)" = fatal ]
    [ -n "$(jget error.message)" ]
    "$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]); assert isinstance(d["error"]["details"], dict)' "$output"
}

mode_of() { stat -c %a "$1"; }

# Two saved accounts: work (active after the second save: home).
two_accounts() {
    login_work
    k save work
    [ "$status" -eq 0 ]
    cp "$AUTH" "$BATS_TEST_TMPDIR/work.auth"
    login_home
    k save home
    [ "$status" -eq 0 ]
    cp "$AUTH" "$BATS_TEST_TMPDIR/home.auth"
}

# The Node tool's registry (fixtures/registry-node.json) with snapshots
# matching its two accounts; live auth.json is work's.
node_state() {
    mkdir -p "$ACC"
    chmod 700 "$ACC"
    cp "$FIXTURES/registry-node.json" "$ACC/registry.json"
    chmod 600 "$ACC/registry.json"
    make_auth "$ACC/home.json" home@example.com acc-home user-home pro
    make_auth "$ACC/work.json" work@example.com acc-work user-work plus
    chmod 600 "$ACC"/*.json
    cp "$ACC/work.json" "$AUTH"
    printf 'work\n' >"$CODEX/current"
}
