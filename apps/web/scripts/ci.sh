#!/usr/bin/env bash
# CI for apps/web: installs what the tests need (npm packages; Debian's chromium when absent),
# then runs lint, the Vitest suite, the production build and the browser end-to-end test.
#
# The e2e test starts the real token server: build it first (`cargo build -p token-server` from
# the repository root) or point TOKEN_SERVER_BIN at a binary. Works with CI=true and no stdin.
set -euo pipefail

web_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$web_dir"

export TOKEN_SERVER_BIN="${TOKEN_SERVER_BIN:-$web_dir/../../target/debug/token-server}"
if [[ ! -x "$TOKEN_SERVER_BIN" ]]; then
  echo "apps/web ci: no token server binary at $TOKEN_SERVER_BIN;" \
    "run 'cargo build -p token-server' first or set TOKEN_SERVER_BIN" >&2
  exit 1
fi

if [[ ! -x /usr/bin/chromium ]]; then
  echo "== installing Debian's chromium (absent)"
  sudo_cmd=()
  if [[ "$(id -u)" -ne 0 ]]; then
    sudo_cmd=(sudo -n)
  fi
  "${sudo_cmd[@]}" apt-get update -q </dev/null
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends chromium </dev/null
fi

reports="$(mktemp -d)"
trap 'rm -rf "$reports"' EXIT

echo "== npm ci"
npm ci --no-audit --no-fund </dev/null

echo "== npm run lint"
npm run lint </dev/null

echo "== npm test"
npm test -- --reporter=default --reporter=json --outputFile.json="$reports/vitest.json" </dev/null

echo "== npm run build"
npm run build </dev/null

echo "== npm run e2e"
npm run e2e </dev/null 2>&1 | tee "$reports/e2e.log"

unit_summary="$(node -e '
  const report = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed`);
' "$reports/vitest.json")"
e2e_pass="$(sed -n 's/^[^a-z]*pass \([0-9]*\)$/\1/p' "$reports/e2e.log" | tail -n 1)"
e2e_fail="$(sed -n 's/^[^a-z]*fail \([0-9]*\)$/\1/p' "$reports/e2e.log" | tail -n 1)"

echo "== apps/web summary"
echo "vitest: $unit_summary"
echo "e2e: ${e2e_pass:-0} passed, ${e2e_fail:-0} failed"
