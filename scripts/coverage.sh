#!/usr/bin/env bash
# Line coverage of crates/video-livekit by its own tests, with cargo-llvm-cov; fails below 100%.
# Installs llvm-tools and cargo-llvm-cov (pinned) when they are missing (a few minutes, once).
set -euo pipefail
cd "$(dirname "$0")/.."
LLVM_COV_VERSION=0.9.1
if ! cargo llvm-cov --version 2>/dev/null | grep -q "$LLVM_COV_VERSION"; then
  rustup component add llvm-tools-preview
  cargo install --locked --version "$LLVM_COV_VERSION" cargo-llvm-cov
fi
# Its own target dir: instrumented builds must not evict the normal debug build.
export CARGO_TARGET_DIR="$PWD/target/llvm-cov-target"
cargo llvm-cov --package video-livekit --locked --summary-only --fail-under-lines 100 \
  --ignore-filename-regex '_tests\.rs$' \
  | tee target/coverage-video-livekit.txt
