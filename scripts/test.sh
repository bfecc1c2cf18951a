#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this and nothing else).
# Installs what it needs on a fresh Debian machine with the pinned Rust toolchain, Go, Node.js and
# Python: the LiveKit server (built from its Go module, cached), Debian's chromium for the browser
# tests, npm packages from the lock files, a Python venv for the deployment checks. Never writes
# snapshots (INSTA_UPDATE=no).
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-true}" INSTA_UPDATE=no CARGO_TERM_COLOR=never RUST_BACKTRACE=1
# Every token server this run starts keeps its attendance database here, not in the work tree.
DATA_DIR="$(mktemp -d)"
export DATA_DIR
trap 'rm -rf "$DATA_DIR"' EXIT

passed=0
step() {
  local name=$1
  shift
  printf '\n==> %s\n' "$name"
  local started=$SECONDS
  "$@"
  printf '==> %s: ok (%ss)\n' "$name" $((SECONDS - started))
  passed=$((passed + 1))
}

# The real LiveKit server of the Rust, browser and deployment tests: the pinned version, built from
# its Go module on a fresh machine (a few minutes), then cached. No LiveKit, no green run.
step "LiveKit server $(bash scripts/livekit.sh version) (scripts/livekit.sh install)" bash scripts/livekit.sh install
step "rustfmt" cargo fmt --all -- --check
step "clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
step "rust tests" cargo test --workspace --locked
step "rust docs" env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
step "coverage (video-livekit: 100% of lines)" scripts/coverage.sh
step "token-server binary" cargo build -p token-server --locked
export TOKEN_SERVER_BIN="$PWD/target/debug/token-server"
step "web client (apps/web)" bash apps/web/scripts/ci.sh
step "docs lint and links" bash tools/docs/check.sh
step "deployment files" bash deploy/validate.sh
step "API fuzzing, TOKEN_SERVER_AUTH=none" bash tests/fuzz/run.sh
# The same against the document and server as production runs them, with an API key.
fuzz_key="fuzz-test-api-key-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
step "API fuzzing, TOKEN_SERVER_AUTH=api-key" env \
  FUZZ_EXTRA_ENV="TOKEN_SERVER_AUTH=api-key TOKEN_SERVER_API_KEYS=$fuzz_key" \
  FUZZ_AUTH_HEADER="Authorization: Bearer $fuzz_key" FUZZ_MAX_EXAMPLES=500 \
  bash tests/fuzz/run.sh
step "load test across a graceful restart" bash tests/load/run.sh
printf '\nchecks: %d passed, 0 failed\n' "$passed"
