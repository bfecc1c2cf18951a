#!/usr/bin/env bash
# Webhook ingest with durable commits (docs/performance.md): the release token server on SQLite
# (a temporary DATA_DIR) and on PostgreSQL (scripts/postgres.sh), each fed EVENTS signed LiveKit
# events over CONNECTIONS keep-alive connections by apps/token-server/examples/webhook_load.rs.
# Every event has its own id: every delivery is an insert committed before its 200. Loopback only.
#
#   scripts/bench-webhooks.sh                  # EVENTS=4000 CONNECTIONS=32 REPS=3
#   EVENTS=10000 CONNECTIONS=64 REPS=5 scripts/bench-webhooks.sh
#
# Prints one line per run: events per second and the latency of a committed delivery (p50, p99,
# max), with the token server's default logging (RUST_LOG=info: one access line per request).
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-4000}
CONNECTIONS=${CONNECTIONS:-32}
REPS=${REPS:-3}
export LIVEKIT_API_KEY=APIbench
LIVEKIT_API_SECRET="bench-webhook-secret-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export LIVEKIT_API_SECRET

cargo build --release --locked -p token-server --bin token-server --example webhook_load
BIN="$PWD/target/release/token-server"
LOAD="$PWD/target/release/examples/webhook_load"

WORK="$(mktemp -d)"
server_pid=""
postgres_dir=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [[ -n "$postgres_dir" ]]; then
        bash scripts/postgres.sh stop "$postgres_dir" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# bench LABEL NAME=VALUE: REPS loads against one token server whose database is set by NAME=VALUE.
bench() {
    local label="$1" database="$2" port rep
    port="$(free_port)"
    env HOST=127.0.0.1 PORT="$port" RUST_LOG=info "$database" "$BIN" >"$WORK/$label.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do
        if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
            break
        fi
        sleep 0.1
    done
    for rep in $(seq "$REPS"); do
        printf '%-10s rep %s: ' "$label" "$rep"
        "$LOAD" "127.0.0.1:$port" "$EVENTS" "$CONNECTIONS"
    done
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

mkdir -p "$WORK/data"
bench sqlite "DATA_DIR=$WORK/data"

postgres_url=""
while IFS='=' read -r name value; do
    case "$name" in
    DATABASE_URL) postgres_url="$value" ;;
    POSTGRES_DIR) postgres_dir="$value" ;;
    esac
done < <(bash scripts/postgres.sh start)
bench postgres "DATABASE_URL=$postgres_url"
