#!/usr/bin/env bash
# The token server's load benchmark, beside its peers (docs/performance.md).
#
# Builds the release token-server, checks one of its tokens with the peers' independent
# verifiers, measures the time from start to the first token and the binary size, then runs
# the server under ../shared/peers/bench.sh (wrk, 64 keep-alive connections, 2 s warm-up, 10 s
# measured, loopback only) interleaved with the bare actix-web ceiling and the Node and Python
# LiveKit peers: REPS repetitions of every server in every layout. Prints Markdown tables:
# medians per server, the token server's ratios against each peer and the ceiling, the targets
# met or not, startup times and the binary size.
#
#   scripts/bench-load.sh                           # ~15 minutes once everything is built
#   REPS=5 LAYOUTS=shared scripts/bench-load.sh
#
# Layouts (as the peers' run-all.sh): shared = no pinning, server and load generator share the
# cores; pinned = server on core 1, load generator on core 0 (taskset).
# Servers: actix-static (the ceiling), node-http, node-express, python-fastapi (the peers: no
# caller authentication); actix-mint, the ceiling plus one livekit-api token per request and
# nothing else (apps/token-server/examples/actix_mint.rs: the floor for any server that mints
# with livekit-api); and the token server with its rate limiter on but set never to refuse:
#   token-server            TOKEN_SERVER_AUTH=none (APP_ENV=development), RUST_LOG=info: the
#                           peers' contract; one log line for every request (the access line,
#                           ending with the audit record)
#   token-server-log-warn   the same with RUST_LOG=warn: no per-request log lines
#   token-server-metrics    token-server with its Prometheus metrics on (METRICS_ADDR, a free
#                           loopback port): the request path with metrics, against token-server's
#                           without them
#   token-server-api-key    APP_ENV=production, TOKEN_SERVER_AUTH=api-key, RUST_LOG=info
#   token-server-jwt        APP_ENV=production, TOKEN_SERVER_AUTH=jwt (HS256 LMS session token)
#   token-server-base       token-server's settings with the binary in BASE_BIN (e.g. a release
#                           build of an earlier commit): a change against its base, in one run
# bench.sh sends no Authorization header; for the last two, wrappers named curl and wrk first on
# its PATH add one (bench.sh itself runs unchanged).
#
# Env: REPS (3), LAYOUTS ("shared pinned"), SERVERS (all of the above), DUR (10), WARM (2),
#      CONNS (64), THREADS (2), STARTS (10 startup samples per server), PAUSE (seconds to wait
#      between repetitions on a busy machine; 0), PORT_BASE (18400), PEERS_DIR (../shared/peers),
#      TOKEN_SERVER_BIN (measure this binary instead of building target/release/token-server),
#      BASE_BIN (the binary of token-server-base).
# Writes target/bench/load-<UTC stamp>/: results.txt (bench.sh RESULT lines, as run-all.sh
# writes them), startup.txt, raw.log (every bench.sh output) and summary.md (the tables).
# Needs: cargo, curl, python3, node and npm, wrk (installed with apt-get when missing and root).
# The peers directory is only read: it is copied to target/bench/peers, where the peers' own
# install scripts put node_modules, the Python venv and the ceiling's release build.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

REPS=${REPS:-3}
LAYOUTS=${LAYOUTS:-"shared pinned"}
SERVERS=${SERVERS:-"actix-static actix-mint token-server token-server-log-warn token-server-metrics token-server-api-key token-server-jwt node-http node-express python-fastapi"}
DUR=${DUR:-10}
WARM=${WARM:-2}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
STARTS=${STARTS:-10}
PAUSE=${PAUSE:-0}
PORT_BASE=${PORT_BASE:-18400}
PEERS_DIR=${PEERS_DIR:-../shared/peers}

[ -x "$PEERS_DIR/bench.sh" ] || {
  echo "bench-load: no peers harness at $PEERS_DIR (set PEERS_DIR)" >&2
  exit 2
}
PEERS_DIR=$(cd "$PEERS_DIR" && pwd)
PEERS=$ROOT/target/bench/peers
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/target/bench/load-$STAMP
mkdir -p "$OUT"
say() { printf '\n==> %s\n' "$*" >&2; }

# --- 1. Peers and load generator (each step only when missing) --------------------------------
say "peers: $PEERS_DIR -> $PEERS"
mkdir -p "$PEERS"
cp -rf "$PEERS_DIR"/. "$PEERS"/
chmod -R u+w "$PEERS"
[ -d "$PEERS/node/node_modules" ] || "$PEERS/node/install.sh"
[ -x "$PEERS/python/.venv/bin/uvicorn" ] || "$PEERS/python/install.sh"
[ -d "$PEERS/verify/node_modules" ] || (cd "$PEERS/verify" && npm ci --no-audit --no-fund)
# The ceiling only when it is measured (SERVERS): its first build is the slowest step here.
if [[ " $SERVERS " == *" actix-static "* && ! -x "$PEERS/limit/target/release/static-server" ]]; then
  # limit/build.sh builds with --locked, but the peers ship no Cargo.lock: resolve one first.
  [ -f "$PEERS/limit/Cargo.lock" ] || (cd "$PEERS/limit" &&
    { cargo generate-lockfile --offline 2>/dev/null || cargo generate-lockfile; })
  say "building the actix-web ceiling (release; 2-15 minutes)"
  "$PEERS/limit/build.sh"
fi
if ! command -v wrk >/dev/null; then
  [ "$(id -u)" = 0 ] || {
    echo "bench-load: wrk is missing: apt-get install wrk" >&2
    exit 2
  }
  apt-get update -qq && apt-get install -y -qq wrk
fi

# --- 2. The token server ----------------------------------------------------------------------
if [ -n "${TOKEN_SERVER_BIN:-}" ]; then
  BIN=$(realpath "$TOKEN_SERVER_BIN")
else
  say "cargo build --release -p token-server"
  started=$SECONDS
  cargo build --release --locked -p token-server
  echo "release build: $((SECONDS - started)) s" >&2
  BIN=$ROOT/target/release/token-server
fi
if [[ " $SERVERS " == *" actix-mint "* ]]; then
  say "cargo build --release -p token-server --example actix_mint"
  cargo build --release --locked -p token-server --example actix_mint
fi
MINT_BIN=$ROOT/target/release/examples/actix_mint
BIN_BYTES=$(stat -c %s "$BIN")
STRIPPED_BYTES=""
if command -v strip >/dev/null; then
  strip -o "$OUT/token-server.stripped" "$BIN" && STRIPPED_BYTES=$(stat -c %s "$OUT/token-server.stripped")
  rm -f "$OUT/token-server.stripped"
fi

# The peers' bench credentials (bench.sh sources the same file): a 45-character secret.
# shellcheck source=/dev/null
source "$PEERS_DIR/env.sh"
# Caller credentials for the authenticated runs (loopback benchmark values, like env.sh's).
BACKEND_KEY=bench-lms-backend-key-0123456789abcdef
LMS_SECRET=bench-lms-session-secret-0123456789abcdef
LMS_JWT=$(python3 - "$LMS_SECRET" <<'PY'
import base64, hashlib, hmac, json, sys, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=")
now = int(time.time())
claims = {"iss": "https://lms.example.edu", "aud": "openconnect-video", "sub": "u1", "iat": now,
          "exp": now + 86400, "role": "participant", "rooms": ["bench"]}
signing_input = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + b"." + b64(json.dumps(claims).encode())
signature = hmac.new(sys.argv[1].encode(), signing_input, hashlib.sha256).digest()
print((signing_input + b"." + b64(signature)).decode())
PY
)
# The token server on the loopback, its rate limiter on but never refusing (its defaults would,
# by design, refuse a load test from one address); its stderr (the log) goes to LOGFILE.
rust_cmd() { # LOGFILE RUST_LOG VARIABLE=VALUE... -> argv for bench.sh ({PORT} is replaced there)
  local log=$1 level=$2
  shift 2
  # The attendance database of this run, not the work tree's data/; the base binary's apart (an
  # older binary may refuse a schema a newer one migrated).
  local data=$OUT/data
  [ -n "${RUST_BIN:-}" ] && data=$OUT/data-base
  # shellcheck disable=SC2016 # $0 and $1 belong to the inner bash
  printf '%s\n' env HOST=127.0.0.1 'PORT={PORT}' "RUST_LOG=$level" \
    RATE_LIMIT_IP_PER_MINUTE=4000000000 RATE_LIMIT_IP_BURST=4000000000 \
    RATE_LIMIT_IDENTITY_PER_MINUTE=4000000000 RATE_LIMIT_IDENTITY_BURST=4000000000 "DATA_DIR=$data" "$@" \
    bash -c 'exec "$0" 2>"$1"' "${RUST_BIN:-$BIN}" "$log"
}
server_argv() { # NAME LOGFILE -> argv, one per line
  case "$1" in
    token-server) rust_cmd "$2" info APP_ENV=development TOKEN_SERVER_AUTH=none ;;
    token-server-base)
      RUST_BIN=${BASE_BIN:?token-server-base needs BASE_BIN} rust_cmd "$2" info APP_ENV=development \
        TOKEN_SERVER_AUTH=none
      ;;
    token-server-log-warn) rust_cmd "$2" warn APP_ENV=development TOKEN_SERVER_AUTH=none ;;
    token-server-metrics) rust_cmd "$2" info APP_ENV=development TOKEN_SERVER_AUTH=none METRICS_ADDR=127.0.0.1:0 ;;
    token-server-api-key)
      rust_cmd "$2" info APP_ENV=production TOKEN_SERVER_AUTH=api-key \
        "TOKEN_SERVER_API_KEYS=$BACKEND_KEY"
      ;;
    token-server-jwt)
      rust_cmd "$2" info APP_ENV=production TOKEN_SERVER_AUTH=jwt "AUTH_JWT_HS256_SECRET=$LMS_SECRET" \
        AUTH_JWT_ISSUER=https://lms.example.edu AUTH_JWT_AUDIENCE=openconnect-video
      ;;
    actix-static) printf '%s\n' "$PEERS/limit/run.sh" '{PORT}' ;;
    actix-mint) printf '%s\n' "$MINT_BIN" '{PORT}' ;;
    node-http) printf '%s\n' "$PEERS/node/run.sh" '{PORT}' http ;;
    node-express) printf '%s\n' "$PEERS/node/run.sh" '{PORT}' express ;;
    python-fastapi) printf '%s\n' "$PEERS/python/run.sh" '{PORT}' ;;
    *)
      echo "bench-load: unknown server $1" >&2
      return 2
      ;;
  esac
}

server_authorization() { # NAME -> the Authorization header value it needs, if any
  case "$1" in
    token-server-api-key) echo "Bearer $BACKEND_KEY" ;;
    token-server-jwt) echo "Bearer $LMS_JWT" ;;
  esac
}
# curl and wrk that add "Authorization: $BENCH_AUTHORIZATION", for bench.sh's PATH.
WRAPPERS=$OUT/auth-bin
mkdir -p "$WRAPPERS"
for tool in curl wrk; do
  real=$(command -v "$tool")
  # shellcheck disable=SC2016 # expanded when the wrapper runs
  printf '#!/bin/sh\nexec %s -H "Authorization: $BENCH_AUTHORIZATION" "$@"\n' "$real" >"$WRAPPERS/$tool"
  chmod +x "$WRAPPERS/$tool"
done

port=$PORT_BASE
next_port() {
  port=$((port + 1))
  while curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; do port=$((port + 1)); done
}

# --- 3. One token, checked by the peers' independent verifiers (LiveKit's Node and Python SDKs) --
say "token check with peers/verify"
next_port
APP_ENV=development TOKEN_SERVER_AUTH=none HOST=127.0.0.1 PORT=$port RUST_LOG=warn DATA_DIR="$OUT/data" "$BIN" \
  2>"$OUT/verify-server.log" &
VPID=$!
body=""
for _ in $(seq 100); do
  body=$(curl -sf "http://127.0.0.1:$port/api/video/token?room=bench&user=u1" || true)
  [ -n "$body" ] && break
  sleep 0.05
done
kill -TERM "$VPID" 2>/dev/null || true
wait "$VPID" 2>/dev/null || true
[ -n "$body" ] || {
  echo "bench-load: the token server did not answer; its log:" >&2
  cat "$OUT/verify-server.log" >&2
  exit 1
}
token=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' <<<"$body")
VERIFY=""
for verifier in verify-node.mjs verify-py.py; do
  if claims=$("$PEERS/verify/$verifier" "$token" --expect-room bench --expect-user u1 \
    --expect-ttl-hours "${LIVEKIT_TOKEN_TTL_HOURS:-6}"); then
    VERIFY+="$verifier: ok $claims"$'\n'
  else
    VERIFY+="$verifier: FAILED (exit $?)"$'\n'
  fi
done
printf '%s' "$VERIFY" | tee "$OUT/verify.txt" >&2

# --- 4. Time from start to the first 200 from the token endpoint --------------------------------
say "startup: $STARTS starts per server"
: >"$OUT/startup.txt"
for name in $SERVERS; do
  mapfile -t argv < <(server_argv "$name" /dev/null)
  next_port
  argv=("${argv[@]//\{PORT\}/$port}")
  BENCH_AUTHORIZATION=$(server_authorization "$name") \
    python3 - "$name" "$port" "$STARTS" "${argv[@]}" >>"$OUT/startup.txt" <<'PY'
import json, os, signal, socket, subprocess, sys, time

name, port, starts, argv = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
authorization = os.environ.get("BENCH_AUTHORIZATION", "")
request = (f"GET /api/video/token?room=bench&user=u1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           + (f"Authorization: {authorization}\r\n" if authorization else "")
           + "Connection: close\r\n\r\n").encode()

def first_200(deadline):
    while time.perf_counter() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(request)
                if s.recv(16).startswith(b"HTTP/1.1 200"):
                    return True
        except OSError:
            pass
        time.sleep(0.0005)
    return False

samples = []
for _ in range(starts):
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ok = first_200(t0 + 30)
    ms = (time.perf_counter() - t0) * 1e3
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    if ok:
        samples.append(ms)
    time.sleep(0.2)
samples.sort()
print(json.dumps({"name": name, "samples_ms": [round(s, 1) for s in samples], "starts": starts}))
PY
  tail -1 "$OUT/startup.txt" >&2
done

# --- 5. The interleaved load matrix (as the peers' run-all.sh) ----------------------------------
RESULTS=$OUT/results.txt
{
  echo "# bench-load.sh $STAMP gen=wrk reps=$REPS dur=${DUR}s warm=${WARM}s conns=$CONNS threads=$THREADS"
  echo "# host: $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r)"
  echo "# token-server: $BIN ($BIN_BYTES bytes), git $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- 2>/dev/null || echo ' + uncommitted changes')"
  echo "# $(rustc -V | cut -d' ' -f1-2), node $(node -v), python $("$PEERS/python/.venv/bin/python" -V 2>&1 | cut -d' ' -f2), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
} | tee "$RESULTS"
for rep in $(seq "$REPS"); do
  if [ "$rep" -gt 1 ] && [ "$PAUSE" != 0 ]; then sleep "$PAUSE"; fi
  for name in $SERVERS; do
    for layout in $LAYOUTS; do
      next_port
      pin=()
      [ "$layout" = pinned ] && pin=(-S 1 -L 0)
      log=$OUT/server-stderr.log
      mapfile -t argv < <(server_argv "$name" "$log")
      authorization=$(server_authorization "$name")
      path=$PATH
      [ -n "$authorization" ] && path=$WRAPPERS:$PATH
      load=$(cut -d' ' -f1-3 /proc/loadavg)
      res=$(PATH=$path BENCH_AUTHORIZATION=$authorization "$PEERS_DIR/bench.sh" -n "$name" -g wrk \
        -p "$port" -d "$DUR" -w "$WARM" -c "$CONNS" -t "$THREADS" "${pin[@]}" -- "${argv[@]}" 2>&1) || true
      echo "$res" >>"$OUT/raw.log"
      extra=""
      if [ -f "$log" ]; then # the token server's log: one access-log line per request at info
        extra=" log_lines=$(wc -l <"$log")"
        rm -f "$log"
      fi
      line=$(grep '^RESULT ' <<<"$res" || echo "RESULT name=$name FAILED")
      echo "$line layout=$layout rep=$rep loadavg_before=${load// /,}$extra" | tee -a "$RESULTS"
    done
  done
done

# --- 6. Tables ----------------------------------------------------------------------------------
{
  echo "## Load benchmark $STAMP"
  echo
  echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r);"
  echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end. wrk ${DUR} s after ${WARM} s warm-up,"
  echo "$CONNS keep-alive connections, $THREADS threads, medians of $REPS interleaved runs."
  echo
  python3 "$PEERS_DIR/summarize.py" "$RESULTS"
  echo
  python3 - "$RESULTS" "$OUT/startup.txt" "$BIN_BYTES" "$STRIPPED_BYTES" <<'PY'
import json, statistics, sys
from collections import defaultdict

results, startup, size, stripped = sys.argv[1:5]
runs = defaultdict(list)
loads = []
for line in open(results):
    if not line.startswith("RESULT ") or "rps=" not in line:
        continue
    kv = dict(t.split("=", 1) for t in line.split()[1:] if "=" in t)
    runs[(kv["name"], kv["layout"])].append(kv)
    loads.append(float(kv["loadavg_before"].split(",")[0]))
med = lambda rows, k: statistics.median(float(r[k]) for r in rows)
total = lambda rows, k: sum(int(float(r[k])) for r in rows)
starts = {}
for line in open(startup):
    d = json.loads(line)
    if d["samples_ms"]:
        starts[d["name"]] = statistics.median(d["samples_ms"]), max(d["samples_ms"]), len(d["samples_ms"]), d["starts"]

layouts = [l for l in ("shared", "pinned") if any(k[1] == l for k in runs)]
ours = [n for n in ("token-server", "token-server-log-warn", "token-server-metrics", "token-server-api-key", "token-server-jwt")
        if any(k[0] == n for k in runs)]
others = [n for n in ("actix-static", "actix-mint", "node-http", "node-express", "python-fastapi") if any(k[0] == n for k in runs)]

if ours and others:
    print("### Token server against each (ratios of the medians above)")
    print()
    against = others + ["token-server-log-warn"]
    print("| token server | layout | " + " | ".join(f"req/s × {o}" for o in against) + " | "
          + " | ".join(f"CPU/req × {o}" for o in against) + " |")
    print("|---|---|" + "---|" * (2 * len(against)))
    for layout in layouts:
        for us in ours:
            a = runs.get((us, layout))
            if not a:
                continue
            cells = []
            for key in ("rps", "server_cpu_us_per_req"):
                for other in against:
                    b = runs.get((other, layout))
                    cells.append(f"{med(a, key) / med(b, key):.2f}" if b and other != us else "-")
            print(f"| {us} | {layout} | " + " | ".join(cells) + " |")
    print()

if ours and any(k[0] == "actix-static" for k in runs):
    print("### Targets (against the actix-static ceiling, same run and layout)")
    print()
    print("| token server | layout | req/s ≥ 80 % of ceiling | CPU/req ≤ 1.5× | p99 ≤ 2× | "
          "non-2xx + socket errors = 0 | peak RSS ≤ 16 MiB | ready ≤ 100 ms |")
    print("|---|---|---|---|---|---|---|---|")
    verdict = lambda ok, text: f"{text} {'met' if ok else '**not met**'}"
    for layout in layouts:
        c = runs.get(("actix-static", layout))
        for us in ["actix-mint"] + ours:
            a = runs.get((us, layout))
            if not a or not c:
                continue
            tp = med(a, "rps") / med(c, "rps")
            cpu = med(a, "server_cpu_us_per_req") / med(c, "server_cpu_us_per_req")
            p99 = med(a, "p99_ms") / med(c, "p99_ms")
            errors = total(a, "non2xx") + total(a, "socket_errors")
            rss = max(float(r["peak_rss_kb"]) for r in a) / 1024
            ready = starts.get(us) or (us != "actix-mint" and starts.get("token-server"))
            ready_cell = verdict(ready[1] <= 100, f"{ready[0]:.0f} ms (max {ready[1]:.0f})") if ready else "-"
            cpu_text = f"{cpu:.2f}× ({med(a, 'server_cpu_us_per_req'):.1f} / {med(c, 'server_cpu_us_per_req'):.1f} µs)"
            p99_text = f"{p99:.2f}× ({med(a, 'p99_ms'):.1f} / {med(c, 'p99_ms'):.1f} ms)"
            print(f"| {us} | {layout} | {verdict(tp >= 0.8, f'{tp:.0%}')} | {verdict(cpu <= 1.5, cpu_text)} | "
                  f"{verdict(p99 <= 2, p99_text)} | {verdict(errors == 0, str(errors))} | "
                  f"{verdict(rss <= 16, f'{rss:.1f} MiB (max)')} | {ready_cell} |")
    print()

if starts:
    print("### Start to first token (ms, each start a new process, polled every 0.5 ms)")
    print()
    print("| server | median | max | starts |")
    print("|---|---|---|---|")
    for name, (m, mx, n, s) in starts.items():
        print(f"| {name} | {m:.0f} | {mx:.0f} | {n}/{s} |")
    print()

mib = lambda b: f"{int(b) / 2**20:.1f} MiB"
print(f"Release binary: {mib(size)} ({size} bytes)" + (f", {mib(stripped)} stripped" if stripped else "") + ".")
if loads:
    print(f"1-minute load average before each run: min {min(loads):.2f}, median {statistics.median(loads):.2f}, "
          f"max {max(loads):.2f}.")
PY
  echo
  echo "Token check (peers/verify, LiveKit's own SDKs):"
  echo
  echo '```text'
  cat "$OUT/verify.txt"
  echo '```'
} | tee "$OUT/summary.md"
echo >&2
echo "bench-load: results in ${OUT#"$ROOT"/}/ (summary.md, results.txt, raw.log)" >&2
