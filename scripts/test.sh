#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this and nothing else).
# Installs what it needs on a fresh Debian machine with the pinned Rust toolchain, Node.js and
# Python: Debian's chromium for the browser test, npm packages from the lock files, a Python venv
# for the deployment checks. Never writes snapshots (INSTA_UPDATE=no).
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-true}" INSTA_UPDATE=no CARGO_TERM_COLOR=never RUST_BACKTRACE=1

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

step "rustfmt" cargo fmt --all -- --check
step "clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
step "rust tests" cargo test --workspace --locked
step "rust docs" env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
step "coverage (video-livekit: 100% of lines)" scripts/coverage.sh
for extra in apps/web/scripts/ci.sh tools/docs/check.sh deploy/validate.sh; do
  if [ -f "$extra" ]; then
    step "$extra" env TOKEN_SERVER_BIN="$PWD/target/debug/token-server" bash "$extra"
  fi
done
printf '\nchecks: %d passed, 0 failed\n' "$passed"
