#!/usr/bin/env bash
# Load test across a graceful restart of the token server, on 127.0.0.1 only:
#
#   bash tests/load/run.sh                          # 300 connections for 20 s
#   CONNECTIONS=100 DURATION=10 bash tests/load/run.sh
#   bash tests/load/run.sh --kill                   # self-test: SIGKILL must show dropped requests
#
# Runs tests/load/restart.py (Python standard library; its docstring says what counts as a
# dropped or a retried request) against TOKEN_SERVER_BIN, by default target/debug/token-server
# after `cargo build -p token-server`. Other arguments go to restart.py (see --help), e.g.
# `--extra-env NAME=VALUE` for the servers' environment. Writes target/load/summary.json and the
# two servers' logs beside it. The last line reads `load: N passed, M failed`; the exit status is
# non-zero on failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

if [[ -z "${TOKEN_SERVER_BIN:-}" ]]; then
    cargo build --quiet -p token-server
    export TOKEN_SERVER_BIN="$ROOT/target/debug/token-server"
fi
[[ -x "$TOKEN_SERVER_BIN" ]] || { echo "load: no token server binary at $TOKEN_SERVER_BIN" >&2; exit 2; }

exec python3 tests/load/restart.py \
    --connections "${CONNECTIONS:-300}" --duration "${DURATION:-20}" "$@"
