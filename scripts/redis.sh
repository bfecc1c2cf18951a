#!/usr/bin/env bash
# A throw-away Redis for the test suite: Debian's package, one server on loopback, nothing on disk.
#
#   scripts/redis.sh install                   # install Debian's redis-server if missing; print its path
#   scripts/redis.sh start [--owner-pid PID]   # a fresh server on a free loopback port (see below)
#   scripts/redis.sh stop DIR                  # stop the server of DIR and delete DIR
#
# `start` runs redis-server in the background (bound to 127.0.0.1, protected mode, no snapshots, no
# append-only file; its pid file, log and working directory in a new temporary directory), waits
# until it answers PING, then prints one KEY=VALUE line each on stdout:
#   REDIS_ADDRESS=127.0.0.1:PORT  REDIS_PORT=PORT  REDIS_DIR=DIR
# With --owner-pid, a watchdog stops the server and deletes DIR once process PID has exited, so a
# test that starts one never leaves it behind. Installing needs root (`apt-get`), as for
# scripts/postgres.sh. Harness: apps/web/e2e/scale-out.mjs (the multi-node layout).
set -euo pipefail

die() {
    echo "scripts/redis.sh: $*" >&2
    exit 1
}

install_server() {
    if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
        [[ "$(id -u)" == 0 ]] || die "Redis is not installed, and installing it needs root (apt-get install redis-server)"
        command -v apt-get >/dev/null || die "Redis is not installed and there is no apt-get to install it"
        echo "scripts/redis.sh: installing Debian's redis-server package" >&2
        apt-get update >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server >&2
        command -v redis-server >/dev/null || die "no redis-server on PATH after installing redis-server"
    fi
    command -v redis-server
}

start_server() {
    local owner_pid=""
    if [[ "${1:-}" == --owner-pid && "${2:-}" =~ ^[0-9]+$ && $# -eq 2 ]]; then
        owner_pid="$2"
    elif [[ $# -gt 0 ]]; then
        die "start: usage: start [--owner-pid PID]"
    fi
    local bin dir port attempt
    bin="$(install_server)"
    dir="$(mktemp -d -t openconnect-redis.XXXXXX)"
    # A port free when chosen may be taken before Redis binds it: then the next attempt picks another.
    for attempt in 1 2 3; do
        port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
        "$bin" --bind 127.0.0.1 --port "$port" --protected-mode yes --save '' --appendonly no \
            --dir "$dir" --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/log" >/dev/null
        local deadline=$((SECONDS + 10))
        while ((SECONDS < deadline)); do
            if [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)" == PONG ]]; then
                break 2
            fi
            sleep 0.1
        done
        stop_server "$dir" keep
        echo "scripts/redis.sh: start attempt $attempt on port $port failed" >&2
        port=""
    done
    if [[ -z "$port" ]]; then
        tail -n 20 "$dir/log" >&2 || true
        rm -rf "$dir"
        die "Redis did not start (its log ends above)"
    fi
    echo "$port" >"$dir/port"
    if [[ -n "$owner_pid" ]]; then
        # Detached, with no inherited output: the caller reads our stdout to its end.
        nohup bash "${BASH_SOURCE[0]}" watch "$owner_pid" "$dir" </dev/null >/dev/null 2>&1 &
    fi
    cat <<EOF_SETTINGS
REDIS_ADDRESS=127.0.0.1:$port
REDIS_PORT=$port
REDIS_DIR=$dir
EOF_SETTINGS
}

# Stops the server whose pid file is in DIR (SIGTERM, then SIGKILL after 5 s), then deletes DIR
# unless the second argument is `keep`.
stop_server() {
    local dir="${1:-}" keep="${2:-}"
    [[ -n "$dir" && -d "$dir" && "$(basename "$dir")" == openconnect-redis.* ]] ||
        die "stop: '$dir' is not a directory made by start"
    local pid=""
    [[ -f "$dir/redis.pid" ]] && pid="$(cat "$dir/redis.pid")"
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null; then
        local deadline=$((SECONDS + 5))
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/redis.pid"
    [[ "$keep" == keep ]] || rm -rf "$dir"
}

case "${1:-}" in
install) install_server ;;
start)
    shift
    start_server "$@"
    ;;
stop)
    shift
    stop_server "$1"
    ;;
watch)
    [[ $# -eq 3 ]] || die "watch PID DIR"
    while kill -0 "$2" 2>/dev/null; do
        sleep 1
    done
    [[ -d "$3" ]] && stop_server "$3"
    ;;
*)
    sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
