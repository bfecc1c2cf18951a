#!/usr/bin/env bash
# Line coverage of crates/video-livekit by its own tests, with cargo-llvm-cov; fails below 100%.
# Installs llvm-tools and cargo-llvm-cov (pinned) when they are missing (a few minutes, once).
#
# A line counts as covered when any test executes it: its unit tests (the crate built with
# cfg(test)) or its integration tests (the crate built as a library, against the real LiveKit
# server). The per-line data of the LCOV export merges both builds; llvm-cov's summary table does
# not (for each function it keeps the one build that covers the most of it), so the table is
# printed for reading and the gate reads the LCOV export.
set -euo pipefail
cd "$(dirname "$0")/.."
LLVM_COV_VERSION=0.9.1
if ! cargo llvm-cov --version 2>/dev/null | grep -q "$LLVM_COV_VERSION"; then
  rustup component add llvm-tools-preview
  cargo install --locked --version "$LLVM_COV_VERSION" cargo-llvm-cov
fi
# Its own target dir: instrumented builds must not evict the normal debug build.
export CARGO_TARGET_DIR="$PWD/target/llvm-cov-target"
ignore='_tests\.rs$'
cargo llvm-cov --package video-livekit --locked --no-report
cargo llvm-cov report --package video-livekit --summary-only --ignore-filename-regex "$ignore" \
  | tee target/coverage-video-livekit.txt
lcov=target/coverage-video-livekit.lcov
cargo llvm-cov report --package video-livekit --lcov --output-path "$lcov" --ignore-filename-regex "$ignore"
# DA:<line>,<count> per line of each source file (SF:<path>).
awk -F'[:,]' '
  /^SF:/ { file = substr($0, 4); sub(/.*\/crates\//, "crates/", file) }
  /^DA:/ { lines++; if ($3 == 0) { missed++; print "not covered: " file ":" $2 } }
  END {
    if (lines == 0) { print "coverage: no line data"; exit 1 }
    printf "coverage: %d of %d lines of video-livekit executed by its tests (%.2f%%)\n", lines - missed, lines, 100 * (lines - missed) / lines
    exit missed > 0
  }' "$lcov"
