#!/usr/bin/env bash
# Validates the deployment files without a Docker engine or a Kubernetes cluster:
#
#   bash deploy/validate.sh
#
# Compose file (Docker Compose's own `config`, the compose-spec schema, and how the stack is
# wired), LiveKit configuration keys against LiveKit's documented settings, Kubernetes manifests
# (Kubernetes' OpenAPI schemas offline, plus probes, Secret and label consistency), the Dockerfile
# (hadolint), GitHub workflows (their schema, and actionlint), the shell scripts (shellcheck), that every
# environment variable we set is one the token server documents, and the monitoring files
# (deploy/monitoring: promtool checks the scrape configuration and the alert rules and runs their
# unit tests; the dashboard's LiveKit metrics are checked against what the pinned LiveKit serves;
# its token-server metrics are checked against the server by apps/token-server/tests/api/metrics.rs).
#
# Tools come from PyPI (deploy/requirements.txt) into .cache/deploy-venv, reinstalled only when
# that file changes. Needs python3 with venv and access to PyPI on the first run. The last line
# reads `deploy: N passed, M failed`; the exit status is non-zero when anything failed.
set -euo pipefail

# The document whose Markdown tables list the token server's environment variables (first
# column). Every variable set by the Compose file, the Dockerfile or the Kubernetes manifests
# must appear there.
ENV_DOC="${ENV_DOC:-docs/configuration.md}"
export ENV_DOC

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.cache/deploy-venv"
REQUIREMENTS="deploy/requirements.txt"
CHECKS="deploy/checks/deploy_checks.py"
COMPOSE_FILE="deploy/docker-compose.yml"
KUBE_DIR="deploy/kubernetes"

# shellcheck source=scripts/lib/checks.sh
source "$ROOT/scripts/lib/checks.sh"

setup_venv deploy "$VENV" "$REQUIREMENTS"
export PATH="$VENV/bin:$PATH"
PYTHON="$VENV/bin/python"

# actionlint, built from the Go module proxy into .cache once per version (needs Go 1.24 or
# later on PATH; CI installs it with actions/setup-go).
ACTIONLINT_VERSION="v1.7.12"
ACTIONLINT="$ROOT/.cache/actionlint/$ACTIONLINT_VERSION/actionlint"
if [[ ! -x "$ACTIONLINT" ]]; then
    echo "deploy: installing actionlint $ACTIONLINT_VERSION into ${ACTIONLINT%/*}"
    GOBIN="${ACTIONLINT%/*}" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi

# promtool, from Debian's `prometheus` package, installed with apt-get when missing (as
# scripts/postgres.sh installs PostgreSQL and apps/web/scripts/ci.sh Chromium).
if ! command -v promtool >/dev/null; then
    if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
        echo "deploy: promtool is missing, and installing it needs root and apt-get (apt-get install prometheus)" >&2
        exit 1
    fi
    echo "deploy: installing Debian's prometheus package (promtool)"
    apt-get update -q </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus </dev/null
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

passed=0
failed=0

mapfile -t yaml_files < <(
    find deploy .github -type f \( -name '*.yml' -o -name '*.yaml' \) -not -path '*/.cache/*' | sort
)
mapfile -t kube_resources < <(find "$KUBE_DIR" -type f -name '*.yaml' ! -name kustomization.yaml | sort)
mapfile -t workflows < <(find .github/workflows -type f \( -name '*.yml' -o -name '*.yaml' \) | sort)

# Compose: a valid key pair, and a missing secret that Compose must refuse.
printf 'LIVEKIT_API_KEY=validate\nLIVEKIT_API_SECRET=%s\n' \
    "$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))')" >"$WORK/valid.env"
printf 'LIVEKIT_API_KEY=validate\nLIVEKIT_API_SECRET=\n' >"$WORK/no-secret.env"
compose() {
    docker-compose --project-directory deploy --file "$COMPOSE_FILE" "$@"
}

check "YAML parses: ${#yaml_files[@]} files" "$PYTHON" "$CHECKS" yaml "${yaml_files[@]}"
check "yamllint: ${#yaml_files[@]} files" yamllint --strict -c deploy/checks/yamllint.yaml "${yaml_files[@]}"

check "compose: docker compose config" compose --env-file "$WORK/valid.env" config --quiet
refuses "compose: refuses to start without LIVEKIT_API_SECRET" \
    compose --env-file "$WORK/no-secret.env" config --quiet
check "compose: compose-spec schema" check-jsonschema --builtin-schema vendor.compose-spec "$COMPOSE_FILE"
check "compose: services, ports, health checks, secrets" \
    "$PYTHON" "$CHECKS" compose "$COMPOSE_FILE" --env-example deploy/.env.example
env_file_ignored() {
    git check-ignore --quiet deploy/.env || { echo "deploy/.env is not git-ignored"; return 1; }
    ! git check-ignore --quiet deploy/.env.example || { echo "deploy/.env.example is git-ignored"; return 1; }
}
check "compose: .env is git-ignored, .env.example is not" env_file_ignored

check "livekit.yaml: documented LiveKit settings only" "$PYTHON" "$CHECKS" livekit-config deploy/livekit.yaml
check "livekit-helm values: LiveKit settings, Redis, keys in a Secret" \
    "$PYTHON" "$CHECKS" livekit-helm-values deploy/livekit-helm/values.yaml
check "LiveKit version pinned consistently" "$PYTHON" "$CHECKS" versions .
check "tests/livekit/livekit.yaml: loopback only, test keys, documented settings" \
    "$PYTHON" "$CHECKS" livekit-test-config tests/livekit/livekit.yaml
# Compose gives LiveKit webhook.api_key in LIVEKIT_WEBHOOK_API_KEY (livekit.yaml has webhook.urls
# only); check-config's key is named `check-config`.
check "livekit.yaml: the pinned LiveKit server starts with it" \
    env LIVEKIT_WEBHOOK_API_KEY=check-config bash scripts/livekit.sh check-config deploy/livekit.yaml \
    "$WORK/livekit-metrics.txt"

MONITORING=deploy/monitoring
check "monitoring: promtool check config (Compose scrape configuration)" \
    promtool check config "$MONITORING/prometheus.yml"
check "monitoring: promtool check rules" promtool check rules "$MONITORING/alerts.yml"
check "monitoring: promtool test rules (the alerts fire when they should)" \
    promtool test rules "$MONITORING/alerts.test.yml"
# Every livekit_* metric the dashboard queries is one the pinned LiveKit serves (saved by the
# check-config run above; a gauge is listed by `# TYPE` before any room exists).
livekit_metrics_exported() {
    "$PYTHON" - "$MONITORING/grafana-dashboard.json" "$WORK/livekit-metrics.txt" <<'PY'
import json, re, sys
dashboard = json.load(open(sys.argv[1], encoding="utf-8"))
served = set(re.findall(r"^# TYPE (livekit_\w+)", open(sys.argv[2], encoding="utf-8").read(), re.M))
queried = set(re.findall(r"\blivekit_\w+", json.dumps(dashboard)))
assert queried, "the dashboard queries no LiveKit metric"
missing = sorted(queried - served)
assert not missing, f"LiveKit does not serve {missing}; it serves {sorted(served)}"
PY
}
check "monitoring: the dashboard's LiveKit metrics are LiveKit's" livekit_metrics_exported

check "kubernetes: OpenAPI schemas (strict), ${#kube_resources[@]} files" \
    kubernetes-validate --strict --quiet "${kube_resources[@]}"
check "kubernetes: kustomization, probes, Secret refs, selectors" "$PYTHON" "$CHECKS" kubernetes "$KUBE_DIR"

check "environment variables documented in $ENV_DOC" "$PYTHON" "$CHECKS" env-vars --doc "$ENV_DOC" .

check "Dockerfile: hadolint" hadolint Dockerfile
dockerignore_covers() {
    local pattern
    for pattern in .git target '**/node_modules' deploy/.env; do
        grep --quiet --line-regexp --fixed-strings -- "$pattern" .dockerignore ||
            { echo ".dockerignore lacks $pattern"; return 1; }
    done
}
check ".dockerignore keeps secrets and build output out of the image" dockerignore_covers

if ((${#workflows[@]})); then
    check "GitHub workflows: schema, ${#workflows[@]} files" \
        check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
    # Expressions, action inputs, runners and the `run:` scripts (through shellcheck, on PATH
    # from the venv); warnings fail too.
    check "GitHub workflows: actionlint, ${#workflows[@]} files" "$ACTIONLINT" "${workflows[@]}"
fi
check "deny.toml: parses, crates.io is the only source" "$PYTHON" -c '
import tomllib
deny = tomllib.load(open("deny.toml", "rb"))
sources = deny["sources"]
assert sources["unknown-registry"] == "deny" and sources["unknown-git"] == "deny", sources
assert sources.get("allow-registry") == ["https://github.com/rust-lang/crates.io-index"], sources
assert not sources.get("allow-git"), sources
'
check "shellcheck: deploy and docs scripts" shellcheck -x deploy/validate.sh tools/docs/check.sh scripts/lib/checks.sh tests/fuzz/run.sh tests/load/run.sh scripts/test.sh scripts/livekit.sh scripts/bench-webhooks.sh scripts/postgres.sh scripts/redis.sh

check "deploy_checks self-test: broken fixtures are rejected" \
    "$PYTHON" -m unittest discover --start-directory deploy/checks --pattern 'test_*.py'

echo "deploy: $passed passed, $failed failed"
((failed == 0))
