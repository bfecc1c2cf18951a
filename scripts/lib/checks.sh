# Shared by the check scripts (deploy/validate.sh, tools/docs/check.sh, tests/fuzz/run.sh).
# Source it; it defines functions only. `check` and `refuses` write their command's output to
# "$WORK/out" (the caller makes WORK, a temporary directory) and count into the caller's
# `passed` and `failed`.
# shellcheck shell=bash

# check NAME COMMAND...: passes when COMMAND succeeds; its output is shown only on failure.
check() {
    local name="$1"
    shift
    if "$@" >"$WORK/out" 2>&1; then
        passed=$((passed + 1))
        echo "ok      $name"
    else
        failed=$((failed + 1))
        echo "FAILED  $name"
        sed 's/^/        /' "$WORK/out"
    fi
}

# refuses NAME COMMAND...: passes when COMMAND fails (a broken input must be rejected).
refuses() {
    local name="$1"
    shift
    if "$@" >"$WORK/out" 2>&1; then
        failed=$((failed + 1))
        echo "FAILED  $name (was accepted)"
    else
        passed=$((passed + 1))
        echo "ok      $name"
    fi
}

# setup_venv LABEL VENV REQUIREMENTS [PYTHON]: a Python venv at VENV (made by PYTHON, default
# python3) with the pinned REQUIREMENTS from PyPI, made again only when REQUIREMENTS or the
# interpreter changes (both are kept in the venv's stamp).
setup_venv() {
    local label="$1" venv="$2" requirements="$3" python="${4:-python3}"
    local stamp="$venv/.requirements.sha256"
    local wanted
    wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
    if [[ "$python" != python3 ]]; then
        wanted+=" $python"
    fi
    if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
        return
    fi
    echo "$label: installing $requirements into $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        --requirement "$requirements"
    echo "$wanted" >"$stamp"
}
