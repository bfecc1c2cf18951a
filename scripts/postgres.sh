#!/usr/bin/env bash
# A throw-away PostgreSQL for the test suite: Debian's package, a fresh cluster on loopback.
#
#   scripts/postgres.sh install                   # install Debian's postgresql if missing; print its bin dir
#   scripts/postgres.sh start [--owner-pid PID]   # a fresh cluster on a free loopback port (see below)
#   scripts/postgres.sh stop DIR                  # stop the cluster in DIR and delete DIR
#
# `start` creates a cluster in a new temporary directory (initdb, trust authentication, superuser
# `postgres`, listening on 127.0.0.1 only, its socket in that directory), starts it and waits
# until it accepts connections, then prints one KEY=VALUE line each on stdout:
#   DATABASE_URL=postgres://postgres@127.0.0.1:PORT/postgres  POSTGRES_PORT=PORT  POSTGRES_DIR=DIR
# Its log is DIR/log. With --owner-pid, a watchdog stops the cluster and deletes DIR once process
# PID has exited, so a test binary that starts one never leaves it behind.
#
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` user (which the
# package creates) through `runuser`; as any other user, as that user. Installing needs root
# (`apt-get`). The binaries are the newest of /usr/lib/postgresql/*/bin (or $POSTGRES_BIN_DIR).
# Harness: crates/video-attendance/tests/support/mod.rs.
set -euo pipefail

die() {
    echo "scripts/postgres.sh: $*" >&2
    exit 1
}

bin_dir() {
    if [[ -n "${POSTGRES_BIN_DIR:-}" ]]; then
        echo "$POSTGRES_BIN_DIR"
        return
    fi
    local dirs
    dirs="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V)"
    [[ -n "$dirs" ]] && echo "${dirs##*$'\n'}"
}

install_server() {
    local dir
    dir="$(bin_dir || true)"
    if [[ -z "$dir" || ! -x "$dir/initdb" ]]; then
        [[ "$(id -u)" == 0 ]] || die "PostgreSQL is not installed, and installing it needs root (apt-get install postgresql)"
        command -v apt-get >/dev/null || die "PostgreSQL is not installed and there is no apt-get to install it"
        echo "scripts/postgres.sh: installing Debian's postgresql package" >&2
        apt-get update >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
        dir="$(bin_dir || true)"
        [[ -n "$dir" && -x "$dir/initdb" ]] || die "no initdb under /usr/lib/postgresql/*/bin after installing postgresql"
    fi
    echo "$dir"
}

# Runs a command as the cluster's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_cluster() {
    local owner_pid=""
    while [[ $# -gt 0 ]]; do
        case "$1" in
        --owner-pid)
            [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || die "--owner-pid needs a process id"
            owner_pid="$2"
            shift 2
            ;;
        *) die "start: unknown argument '$1' (usage: start [--owner-pid PID])" ;;
        esac
    done
    local bin dir port
    bin="$(install_server)"
    dir="$(mktemp -d -t openconnect-postgres.XXXXXX)"
    if [[ "$(id -u)" == 0 ]]; then
        chown postgres: "$dir"
    fi
    if ! as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale \
        >"$dir/initdb.log" 2>&1; then
        tail -n 20 "$dir/initdb.log" >&2
        rm -rf "$dir"
        die "initdb failed (last lines above)"
    fi
    # The port is free when chosen; another process may take it before the server binds it, in
    # which case pg_ctl fails and the next attempt picks another.
    local attempt started=0
    for attempt in 1 2 3; do
        port="$(free_port)"
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir" start >/dev/null 2>&1; then
            started=1
            break
        fi
        echo "scripts/postgres.sh: start attempt $attempt on port $port failed" >&2
    done
    if ((started == 0)); then
        tail -n 20 "$dir/log" >&2 || true
        rm -rf "$dir"
        die "PostgreSQL did not start (its log ends above)"
    fi
    if [[ -n "$owner_pid" ]]; then
        # Detached, with no inherited output: the caller reads our stdout to its end.
        nohup bash "${BASH_SOURCE[0]}" watch "$owner_pid" "$dir" </dev/null >/dev/null 2>&1 &
    fi
    cat <<EOF_SETTINGS
DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres
POSTGRES_PORT=$port
POSTGRES_DIR=$dir
EOF_SETTINGS
}

stop_cluster() {
    local dir="${1:-}"
    [[ -n "$dir" && -f "$dir/data/PG_VERSION" ]] || die "stop: '$dir' is not a directory made by start"
    local bin
    bin="$(bin_dir)" || die "no PostgreSQL binaries"
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}

# The watchdog behind --owner-pid: waits for PID to exit, then stops the cluster in DIR.
watch_owner() {
    local pid="$1" dir="$2"
    while kill -0 "$pid" 2>/dev/null; do
        sleep 1
    done
    stop_cluster "$dir"
}

case "${1:-}" in
install) install_server ;;
start)
    shift
    start_cluster "$@"
    ;;
stop)
    shift
    stop_cluster "$@"
    ;;
watch)
    [[ $# -eq 3 ]] || die "watch PID DIR"
    watch_owner "$2" "$3"
    ;;
*)
    sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
