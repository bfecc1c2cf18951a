#!/usr/bin/env bash
# API fuzzing of the token server against its own OpenAPI document, with Schemathesis:
#
#   bash tests/fuzz/run.sh                   # 30-45 s with the defaults on 2 cores
#   bash tests/fuzz/run.sh --broken-schema   # self-test: a wrong copy of the document must fail
#
# Starts the real LiveKit server (scripts/livekit.sh run: the pinned version, free loopback
# ports), so that the room-administration routes answer as in production, and the real token
# server on 127.0.0.1 (PORT=0) administering it; reads the address from its `listening on` log
# line, and runs `schemathesis run` against http://127.0.0.1:PORT/api-docs/openapi.json with
# every check that applies to this API (see EXCLUDED_CHECKS), in its examples, coverage and
# fuzzing phases. All traffic goes to that loopback address only. The run is bounded by
# FUZZ_MAX_EXAMPLES and a hard FUZZ_TIME_LIMIT; a fixed seed makes it reproducible.
#
# Environment (all optional):
#   FUZZ_MAX_EXAMPLES   test cases per operation and phase (default 4000)
#   FUZZ_SEED           Schemathesis seed (default 20261124); `random` draws one (it is printed)
#   FUZZ_TIME_LIMIT     seconds before the run is stopped and counted as failed (default 300)
#   FUZZ_WORKERS        concurrent Schemathesis workers (default 2)
#   FUZZ_AUTH_HEADER    "Name: value" sent with every request, e.g. "Authorization: Bearer $KEY".
#                       The value reaches Schemathesis through the environment only, and every
#                       report shows it as [Filtered].
#   FUZZ_EXTRA_ENV      NAME=VALUE words (split on white space) added to the server's environment,
#                       e.g. "TOKEN_SERVER_AUTH=api-key TOKEN_SERVER_API_KEYS=$KEY". HOST and PORT
#                       are always 127.0.0.1 and 0; rate limits are off unless set here. Only
#                       the names are printed, but the values are on a command line: test keys.
#   FUZZ_EXCLUDE_CHECKS extra comma-separated checks to skip (each exclusion is printed)
#   TOKEN_SERVER_BIN    the server binary; by default `cargo build -p token-server` and
#                       target/debug/token-server
#
# Schemathesis comes from PyPI (tests/fuzz/requirements.txt, every version pinned) into
# .cache/fuzz-venv, reinstalled only when that file changes. The last run's console output,
# reports (JSON, JUnit), server log and summary.json go to target/fuzz/last/. The last line reads
# `fuzz: N passed, M failed` (checks, plus one for the server process); the exit status is
# non-zero when anything failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.cache/fuzz-venv"
REQUIREMENTS="tests/fuzz/requirements.txt"
HELPER="$ROOT/tests/fuzz/fuzz_report.py"
OUT="$ROOT/target/fuzz/last"

# Checks that cannot apply to this API, each with its reason. Every other check runs.
EXCLUDED_CHECKS=(
    object_level_authorization   # needs objects one identity creates and another reads: rooms
                                 # belong to no caller (tests/api/rooms.rs checks who may act)
)
# What `--checks all` runs after those exclusions, in Schemathesis 4.32 (the summary reports each).
CHECKS=(
    not_a_server_error status_code_conformance content_type_conformance
    response_headers_conformance response_schema_conformance negative_data_rejection
    positive_data_acceptance missing_required_header unsupported_method
    allow_header_conformance ignored_auth use_after_free ensure_resource_availability
)

broken_schema=0
case "${1:-}" in
    "") ;;
    --broken-schema) broken_schema=1 ;;
    -h | --help)
        sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "fuzz: unknown argument: $1 (try --help)" >&2
        exit 2
        ;;
esac

MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-4000}"
SEED="${FUZZ_SEED:-20261124}"
TIME_LIMIT="${FUZZ_TIME_LIMIT:-300}"
WORKERS="${FUZZ_WORKERS:-2}"
if [[ "$SEED" == random ]]; then
    SEED="$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')"
fi
for number in "$MAX_EXAMPLES" "$SEED" "$TIME_LIMIT" "$WORKERS"; do
    [[ "$number" =~ ^[0-9]+$ ]] || { echo "fuzz: not a whole number: $number" >&2; exit 2; }
done

excluded=("${EXCLUDED_CHECKS[@]}")
if [[ -n "${FUZZ_EXCLUDE_CHECKS:-}" ]]; then
    IFS=',' read -r -a more <<<"$FUZZ_EXCLUDE_CHECKS"
    for check in "${more[@]}"; do
        echo "fuzz: warning: check $check excluded by FUZZ_EXCLUDE_CHECKS"
        excluded+=("$check")
        for i in "${!CHECKS[@]}"; do
            [[ "${CHECKS[$i]}" == "$check" ]] && unset 'CHECKS[i]'
        done
    done
fi

extra_env=()
if [[ -n "${FUZZ_EXTRA_ENV:-}" ]]; then
    read -r -a extra_env <<<"$FUZZ_EXTRA_ENV"
    for assignment in "${extra_env[@]}"; do
        [[ "$assignment" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] ||
            { echo "fuzz: FUZZ_EXTRA_ENV holds something that is not NAME=VALUE" >&2; exit 2; }
    done
    echo "fuzz: server environment adds: $(printf '%s ' "${extra_env[@]%%=*}")"
fi

# shellcheck source=scripts/lib/checks.sh
source "$ROOT/scripts/lib/checks.sh"
# Python 3.11's ast module can raise "AST constructor recursion depth mismatch" (a CPython bug,
# gone in 3.12) when Hypothesis describes a filter deep inside Schemathesis' coverage phase, which
# ends the run with a runtime error. Use Python 3.12 or newer where the machine has one (pyenv's
# versions count); with 3.11 alone, run without the coverage phase and say so.
FUZZ_PYTHON=""
for candidate in python3.14 python3.13 python3.12 \
    "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3; do
    if [[ -x "$candidate" ]] || command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
        FUZZ_PYTHON="$candidate"
        break
    fi
done
PHASES=examples,coverage,fuzzing
if [[ -z "$FUZZ_PYTHON" ]]; then
    FUZZ_PYTHON=python3
    if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
        PHASES=examples,fuzzing
        echo "fuzz: only Python < 3.12 here: the coverage phase is skipped (CPython's ast bug, see run.sh)"
    fi
fi
setup_venv fuzz "$VENV" "$REQUIREMENTS" "$FUZZ_PYTHON"
PYTHON="$VENV/bin/python"

if [[ -n "${TOKEN_SERVER_BIN:-}" ]]; then
    BIN="$TOKEN_SERVER_BIN"
else
    cargo build --quiet -p token-server
    BIN="$ROOT/target/debug/token-server"
fi
[[ -x "$BIN" ]] || { echo "fuzz: no token server binary at $BIN" >&2; exit 2; }

started=$SECONDS
WORK="$(mktemp -d)"
server_pid=""
livekit_pid=""
cleanup() {
    for pid in "$server_pid" "$livekit_pid"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# The real LiveKit server: its address and test key pair come first on its stdout, then it starts.
bash "$ROOT/scripts/livekit.sh" run >"$WORK/livekit.out" 2>"$WORK/livekit.log" &
livekit_pid=$!
livekit_env=()
for _ in $(seq 9000); do # up to 15 min: a fresh machine builds LiveKit first
    if grep -q '^LIVEKIT_STARTING$' "$WORK/livekit.out"; then
        read -r -a livekit_env <<<"$(grep -E '^LIVEKIT_(URL|API_KEY|API_SECRET)=' "$WORK/livekit.out" | tr '\n' ' ')"
        break
    fi
    kill -0 "$livekit_pid" 2>/dev/null || break
    sleep 0.1
done
livekit_http="$(sed -n 's/^LIVEKIT_HTTP_URL=//p' "$WORK/livekit.out")"
livekit_ready=0
for _ in $(seq 300); do
    if [[ -n "$livekit_http" ]] && "$PYTHON" -c 'import sys, urllib.request
urllib.request.build_opener(urllib.request.ProxyHandler({})).open(sys.argv[1], timeout=2)' \
        "$livekit_http/" 2>/dev/null; then
        livekit_ready=1
        break
    fi
    kill -0 "$livekit_pid" 2>/dev/null || break
    sleep 0.1
done
if ((!livekit_ready)) || ((${#livekit_env[@]} != 3)); then
    echo "fuzz: the LiveKit server did not start; its log ends:" >&2
    tail -n 30 "$WORK/livekit.log" | sed 's/^/    /' >&2
    exit 1
fi
echo "fuzz: LiveKit at $livekit_http (pid $livekit_pid)"

# The server: loopback, any free port, rate limits off (thousands of requests come from one
# address; FUZZ_EXTRA_ENV may turn them back on), the caller's extra settings (never HOST or PORT).
: >"$WORK/server.log" # exists before the first read below, whenever the child opens it
mkdir -p "$WORK/data"
env -u LISTEN_FDS -u LISTEN_PID RUST_LOG=info DATA_DIR="$WORK/data" \
    RATE_LIMIT_IP_PER_MINUTE=0 RATE_LIMIT_IDENTITY_PER_MINUTE=0 "${livekit_env[@]}" \
    "${extra_env[@]}" HOST=127.0.0.1 PORT=0 \
    "$BIN" >"$WORK/server.out" 2>"$WORK/server.log" &
server_pid=$!
address=""
for _ in $(seq 300); do
    address="$(sed -n 's|.*listening on http://\([^ ]*\).*|\1|p' "$WORK/server.log" | head -n 1)"
    [[ -n "$address" ]] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "fuzz: the server exited before listening; its log:" >&2
        sed 's/^/    /' "$WORK/server.log" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ ! "$address" =~ ^127\.[0-9.]+:[0-9]+$ ]]; then
    echo "fuzz: no 'listening on http://127.x.x.x:PORT' line from the server in 30 s" \
        "(is RUST_LOG at least info for token_server?); its log:" >&2
    sed 's/^/    /' "$WORK/server.log" >&2
    exit 1
fi
base_url="http://$address"
echo "fuzz: server $BIN at $base_url (pid $server_pid)"

if [[ -n "${FUZZ_AUTH_HEADER:-}" ]]; then
    value="${FUZZ_AUTH_HEADER#*:}"
    export FUZZ_AUTH_HEADER_VALUE="${value#"${value%%[![:space:]]*}"}"
    echo "fuzz: sending the header ${FUZZ_AUTH_HEADER%%:*} with every request"
fi
"$PYTHON" "$HELPER" config "$WORK/schemathesis.toml"

location="$base_url/api-docs/openapi.json"
if ((broken_schema)); then
    "$PYTHON" -c '
import os, sys, urllib.request
request = urllib.request.Request(sys.argv[1])
header = os.environ.get("FUZZ_AUTH_HEADER")
if header:
    request.add_header(header.split(":", 1)[0].strip(), os.environ["FUZZ_AUTH_HEADER_VALUE"])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
open(sys.argv[2], "wb").write(opener.open(request, timeout=10).read())
' "$location" "$WORK/openapi.json"
    "$PYTHON" "$HELPER" break-schema "$WORK/openapi.json" "$WORK/broken-openapi.json"
    location="$WORK/broken-openapi.json"
    echo "fuzz: SELF-TEST against a deliberately wrong copy of the document: failures expected"
fi

excluded_csv="$(IFS=,; echo "${excluded[*]}")"
checks_csv="$(IFS=,; echo "${CHECKS[*]}")"
echo "fuzz: schema $location; seed $SEED; max examples $MAX_EXAMPLES; time limit ${TIME_LIMIT}s"
echo "fuzz: excluded checks: $excluded_csv"

mkdir -p "$WORK/reports"
set +e
(
    cd "$WORK" # Schemathesis and Hypothesis write their caches to the working directory.
    # No proxy may redirect the traffic: it goes to the loopback address above only.
    env -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY -u http_proxy -u https_proxy -u all_proxy \
        NO_PROXY=127.0.0.1,localhost \
        timeout --kill-after=10 "$TIME_LIMIT" \
        "$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" --no-color run "$location" \
        --url "$base_url" \
        --checks all --exclude-checks "$excluded_csv" \
        --phases "$PHASES" \
        --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers "$WORKERS" \
        --continue-on-failure --generation-database none --request-timeout 10 \
        --report json,junit,ndjson --report-dir "$WORK/reports" \
        --report-json-path "$WORK/reports/report.json" \
        --report-junit-path "$WORK/reports/junit.xml" \
        --report-ndjson-path "$WORK/reports/events.ndjson"
) 2>&1 | tee "$WORK/output.txt"
st_status=${PIPESTATUS[0]}
set -e
if ((st_status == 124 || st_status == 137)); then
    echo "fuzz: Schemathesis did not finish within FUZZ_TIME_LIMIT=${TIME_LIMIT}s"
fi

# The server must still be running, then stop cleanly on SIGTERM.
server_exit=-1
if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    set +e
    wait "$server_pid"
    server_exit=$?
    set -e
else
    echo "fuzz: the server died during the run"
fi
server_pid=""

rm -rf "$OUT"
mkdir -p "$OUT"
set +e
"$PYTHON" "$HELPER" summarize \
    --ndjson "$WORK/reports/events.ndjson" --report-json "$WORK/reports/report.json" \
    --checks "$checks_csv" --exit-code "$st_status" \
    --server-log "$WORK/server.log" --server-exit "$server_exit" \
    --schema "$( ((broken_schema)) && echo "broken copy of /api-docs/openapi.json" || echo /api-docs/openapi.json)" \
    --max-examples "$MAX_EXAMPLES" --seed "$SEED" --root "$ROOT" --out "$OUT/summary.json" >"$WORK/summary.txt"
status=$?
set -e
cp "$WORK/output.txt" "$WORK/server.log" "$OUT/"
cp "$WORK/reports/report.json" "$WORK/reports/junit.xml" "$OUT/" 2>/dev/null || true
if ((status != 0)); then
    # Every request and response of the run, for the failures' details.
    cp "$WORK/reports/events.ndjson" "$OUT/" 2>/dev/null || true
fi
echo
echo "fuzz: summary (${OUT#"$ROOT"/}/summary.json), $((SECONDS - started))s"
cat "$WORK/summary.txt"
((status == 0))
