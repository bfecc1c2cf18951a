#!/usr/bin/env bash
# The real LiveKit server, for the test suite and for local development without Docker.
#
#   scripts/livekit.sh install        # build it once per version (Go module proxy); print its path
#   scripts/livekit.sh dev            # LiveKit for `cargo run -p token-server`'s defaults
#   scripts/livekit.sh run [--webhook-url URL] [--redis ADDR]
#                                     # a test instance on free loopback ports (see below)
#   scripts/livekit.sh check-config FILE [METRICS_OUT]
#                                     # the pinned server starts with FILE (strict parsing);
#                                     # with METRICS_OUT, its /metrics text is saved there
#   scripts/livekit.sh version        # the pinned version
#
# The version is pinned here and nowhere else is it chosen: deploy/docker-compose.yml, the Helm
# values and docs/providers/livekit/README.md name the same one, and deploy/validate.sh fails when
# they drift. v1.13.5 is the newest tag whose go.mod has no `replace` directives, which
# `go install pkg@version` refuses.
#
# The binary is built from LiveKit's own Go module (`CGO_ENABLED=0 go install
# github.com/livekit/livekit-server/cmd/server@VERSION`) and cached outside the repository, keyed
# by version: $LIVEKIT_CACHE_DIR (default ${XDG_CACHE_HOME:-~/.cache}/openconnect-video/livekit)
# /VERSION/livekit-server. A fresh machine builds it in a few minutes; later runs take no time.
# LIVEKIT_SERVER_BIN points at another binary instead (it must report the pinned version).
#
# `run` starts LiveKit in the foreground (it execs the server: the caller's child process *is*
# LiveKit, so stopping the child stops the server) from the committed test configuration
# tests/livekit/livekit.yaml: bound to 127.0.0.1, node_ip 127.0.0.1, loopback ICE candidates, no
# STUN server on the internet, and the test key pair. Ports are chosen free for each run, so two
# runs never collide. Before exec it prints, on stdout, one KEY=VALUE line each:
#   LIVEKIT_URL=ws://127.0.0.1:PORT  LIVEKIT_HTTP_URL=http://127.0.0.1:PORT  LIVEKIT_PORT=PORT
#   LIVEKIT_RTC_TCP_PORT=PORT  LIVEKIT_RTC_UDP_PORT=PORT  LIVEKIT_API_KEY=KEY  LIVEKIT_API_SECRET=…
# then a line `LIVEKIT_STARTING`; LiveKit's own log follows on stderr. The server is ready when
# GET LIVEKIT_HTTP_URL/ answers 200 ("OK"). With --webhook-url, LiveKit posts its webhooks there,
# signed with the test key. With --redis (HOST:PORT, e.g. from scripts/redis.sh), the node joins the
# LiveKit cluster of every node started with the same address: LiveKit runs distributed, rooms are
# placed on one node and participants may connect through any (the multi-node test layout,
# apps/web/e2e/scale-out.mjs). Harnesses: apps/web/e2e/livekit.mjs (Node) and
# crates/video-livekit/tests/support/mod.rs (Rust).
set -euo pipefail

LIVEKIT_VERSION="v1.13.5"
LIVEKIT_MODULE="github.com/livekit/livekit-server"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEST_CONFIG="$ROOT/tests/livekit/livekit.yaml"
CACHE_DIR="${LIVEKIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/openconnect-video/livekit}"
CACHED_BIN="$CACHE_DIR/$LIVEKIT_VERSION/livekit-server"

die() {
    echo "scripts/livekit.sh: $*" >&2
    exit 1
}

# Prints the path of a LiveKit server binary of the pinned version, building it when absent.
install_server() {
    if [[ -n "${LIVEKIT_SERVER_BIN:-}" ]]; then
        [[ -x "$LIVEKIT_SERVER_BIN" ]] || die "LIVEKIT_SERVER_BIN=$LIVEKIT_SERVER_BIN is not executable"
        check_version "$LIVEKIT_SERVER_BIN"
        echo "$LIVEKIT_SERVER_BIN"
        return
    fi
    if [[ ! -x "$CACHED_BIN" ]]; then
        command -v go >/dev/null || die "Go is needed to build the LiveKit server (go install), and none is on PATH"
        local work
        work="$(mktemp -d)"
        echo "scripts/livekit.sh: building LiveKit server $LIVEKIT_VERSION from its Go module (a few minutes, once)" >&2
        local started=$SECONDS
        if ! CGO_ENABLED=0 GOBIN="$work" GOFLAGS=-mod=mod \
            go install "$LIVEKIT_MODULE/cmd/server@$LIVEKIT_VERSION" >"$work/build.log" 2>&1; then
            tail -n 30 "$work/build.log" >&2
            rm -rf "$work"
            die "go install $LIVEKIT_MODULE/cmd/server@$LIVEKIT_VERSION failed (last lines above)"
        fi
        mkdir -p "$(dirname "$CACHED_BIN")"
        # Renamed into place: a build interrupted half-way never leaves a broken cached binary.
        mv "$work/server" "$CACHED_BIN.partial"
        mv "$CACHED_BIN.partial" "$CACHED_BIN"
        rm -rf "$work"
        echo "scripts/livekit.sh: built in $((SECONDS - started)) s: $CACHED_BIN" >&2
    fi
    check_version "$CACHED_BIN"
    echo "$CACHED_BIN"
}

# Fails unless BIN says it is the pinned version (`livekit-server --version` prints "… 1.13.5").
check_version() {
    local reported
    reported="$("$1" --version 2>&1 || true)"
    [[ "$reported" == *" ${LIVEKIT_VERSION#v}"* ]] ||
        die "$1 reports '$reported', not the pinned LiveKit server $LIVEKIT_VERSION"
}

# Prints N distinct ports that are free for both TCP and UDP on 127.0.0.1 right now.
free_ports() {
    python3 - "$1" <<'PY'
import socket, sys
wanted, ports, held = int(sys.argv[1]), [], []
while len(ports) < wanted:
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    port = tcp.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        udp.bind(("127.0.0.1", port))
    except OSError:
        tcp.close()
        udp.close()
        continue
    held += [tcp, udp]  # held until all are chosen, so no port is handed out twice
    ports.append(port)
print(" ".join(map(str, ports)))
PY
}

# The first "key: secret" pair under `keys:` in the test configuration.
test_key_pair() {
    awk '
        /^keys:/ { in_keys = 1; next }
        in_keys && /^[^ #]/ { exit }
        in_keys && /^  [^ #][^:]*: / { sub(/^  /, ""); print; exit }
    ' "$TEST_CONFIG"
}

run_test_server() {
    local webhook_url="" redis_address=""
    while [[ $# -gt 0 ]]; do
        case "$1" in
        --webhook-url)
            [[ $# -ge 2 && -n "$2" ]] || die "--webhook-url needs a URL"
            webhook_url="$2"
            shift 2
            ;;
        --redis)
            [[ $# -ge 2 && "$2" =~ ^[^:[:space:]]+:[0-9]+$ ]] || die "--redis needs HOST:PORT"
            redis_address="$2"
            shift 2
            ;;
        *) die "run: unknown argument '$1' (usage: run [--webhook-url URL] [--redis HOST:PORT])" ;;
        esac
    done
    local bin
    bin="$(install_server)"
    [[ -f "$TEST_CONFIG" ]] || die "missing $TEST_CONFIG"

    local pair key secret
    pair="$(test_key_pair)"
    key="${pair%%: *}"
    secret="${pair#*: }"
    [[ -n "$key" && -n "$secret" && "$pair" == *": "* ]] || die "no key pair under keys: in $TEST_CONFIG"

    local body port tcp_port udp_port
    body="$(cat "$TEST_CONFIG")"
    if [[ -n "$webhook_url" ]]; then
        # The committed file has no `webhook:` section (deploy/validate.sh checks), so appending
        # one at the top level keeps the YAML valid. LiveKit signs webhooks with this key.
        body+=$'\n'"webhook:"$'\n'"  api_key: $key"$'\n'"  urls:"$'\n'"    - \"$webhook_url\""
    fi
    if [[ -n "$redis_address" ]]; then
        # Likewise no `redis:` section in the committed file: without one, LiveKit runs as a single node.
        body+=$'\n'"redis:"$'\n'"  address: \"$redis_address\""
    fi
    read -r port tcp_port udp_port <<<"$(free_ports 3)"

    cat <<EOF
LIVEKIT_URL=ws://127.0.0.1:$port
LIVEKIT_HTTP_URL=http://127.0.0.1:$port
LIVEKIT_PORT=$port
LIVEKIT_RTC_TCP_PORT=$tcp_port
LIVEKIT_RTC_UDP_PORT=$udp_port
LIVEKIT_API_KEY=$key
LIVEKIT_API_SECRET=$secret
LIVEKIT_STARTING
EOF
    exec "$bin" --config-body "$body" --port "$port" --rtc.tcp_port "$tcp_port" --udp-port "$udp_port"
}

# LiveKit for local development: what `cargo run -p token-server` expects with no variables set
# (LIVEKIT_URL ws://localhost:7880, key `devkey`, secret `secret`). `--dev` is LiveKit's own
# development mode, which uses exactly that key pair and binds to loopback; the configuration adds
# what a browser on this machine needs (media over 127.0.0.1).
DEV_CONFIG='rtc: {node_ip: 127.0.0.1, use_external_ip: false, enable_loopback_candidate: true}'

run_dev_server() {
    local bin
    bin="$(install_server)"
    echo "scripts/livekit.sh: LiveKit $LIVEKIT_VERSION on ws://localhost:7880 (devkey/secret); Ctrl-C stops it" >&2
    exec "$bin" --dev --config-body "$DEV_CONFIG" "$@"
}

# Stops PID with SIGTERM, and with SIGKILL if it is still running after SECONDS (LiveKit's
# graceful shutdown has been seen to hang when it is stopped right after it started).
stop_within() {
    local seconds="$1" pid="$2" deadline
    kill "$pid" 2>/dev/null || return 0
    deadline=$((SECONDS + seconds))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.2
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# Starts the pinned server with FILE (on free loopback ports, a throw-away key pair) and stops it
# once it answers: LiveKit parses its configuration strictly, so this proves it accepts FILE. Its
# Prometheus port (prometheus.port) is moved to a free one too; with METRICS_OUT, what it serves
# there is saved to that file (deploy/validate.sh checks the dashboard's LiveKit metrics with it).
check_config() {
    local file="${1:-}" metrics_out="${2:-}"
    [[ -f "$file" ]] || die "check-config: no such file '$file'"
    local bin port tcp_port udp_port prometheus_port log pid
    bin="$(install_server)"
    read -r port tcp_port udp_port prometheus_port <<<"$(free_ports 4)"
    log="$(mktemp)"
    "$bin" --config "$file" --keys "check-config: $(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
        --bind 127.0.0.1 --node-ip 127.0.0.1 --port "$port" --rtc.tcp_port "$tcp_port" --udp-port "$udp_port" \
        --prometheus.port "$prometheus_port" >"$log" 2>&1 &
    pid=$!
    local deadline=$((SECONDS + 30)) ok=0
    while ((SECONDS < deadline)) && kill -0 "$pid" 2>/dev/null; do
        if [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/" || true)" == 200 ]]; then
            ok=1
            break
        fi
        sleep 0.2
    done
    if ((ok == 1)) && [[ -n "$metrics_out" ]]; then
        curl -s --fail --max-time 5 "http://127.0.0.1:$prometheus_port/metrics" >"$metrics_out" ||
            { stop_within 10 "$pid"; die "LiveKit $LIVEKIT_VERSION serves no /metrics on its Prometheus port"; }
    fi
    stop_within 10 "$pid"
    if ((ok == 0)); then
        tail -n 20 "$log" >&2
        rm -f "$log"
        die "LiveKit $LIVEKIT_VERSION did not start with $file (its log ends above)"
    fi
    rm -f "$log"
    echo "LiveKit $LIVEKIT_VERSION starts with $file"
}

case "${1:-}" in
install) install_server ;;
run)
    shift
    run_test_server "$@"
    ;;
dev)
    shift
    run_dev_server "$@"
    ;;
check-config)
    shift
    check_config "$@"
    ;;
version) echo "$LIVEKIT_VERSION" ;;
*)
    sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
