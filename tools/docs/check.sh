#!/usr/bin/env bash
# Checks every Markdown file in the repository:
#
#   bash tools/docs/check.sh
#
# markdownlint-cli2 (pinned in tools/docs/package-lock.json, settings in the root
# .markdownlint-cli2.jsonc) over every *.md outside node_modules, target and .cache; then the
# relative links between files and their #anchors (check_links.py), after the link checker's own
# tests. Needs node/npm (first run: the npm registry) and python3. The last line reads
# `docs: N passed, M failed`; the exit status is non-zero when anything failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="tools/docs"
cd "$ROOT"

# Install the pinned markdownlint-cli2 when it is missing or the lockfile changed.
stamp="$TOOLS/node_modules/.package-lock.sha256"
wanted="$(sha256sum "$TOOLS/package-lock.json" | cut -d' ' -f1)"
if [[ ! -x "$TOOLS/node_modules/.bin/markdownlint-cli2" || ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
    echo "docs: installing markdownlint-cli2 into $TOOLS/node_modules"
    npm ci --prefix "$TOOLS" --no-audit --no-fund --loglevel=error
    echo "$wanted" >"$stamp"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

# shellcheck source=scripts/lib/checks.sh
source "$ROOT/scripts/lib/checks.sh"

markdown_count="$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import check_links; print(len(check_links.markdown_files(check_links.Path(sys.argv[2]))))' "$TOOLS" "$ROOT")"

check "markdownlint: $markdown_count Markdown files" "$TOOLS/node_modules/.bin/markdownlint-cli2"
check "link checker self-test: broken links are reported" \
    python3 -m unittest discover --start-directory "$TOOLS" --pattern 'test_*.py'
check "links and anchors between Markdown files resolve" python3 "$TOOLS/check_links.py"

echo "docs: $passed passed, $failed failed"
((failed == 0))
