#!/usr/bin/env bash
# Starts the code runner on 127.0.0.1:8765 (RUNNER_HOST / RUNNER_PORT to change). RUNNER_SECRET must be set
# (the shared secret callers send in X-Runner-Secret). Needs root and a finished runner/setup.sh.
# The venv is RUNNER_VENV or .venv at the repository root.
set -euo pipefail
RUNNER="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$RUNNER/.." && pwd)"
PY="${RUNNER_VENV:-$ROOT/.venv}/bin/python"
[[ -n "${RUNNER_SECRET:-}" ]] || { echo "runner: set RUNNER_SECRET (16+ characters) first" >&2; exit 2; }
cd "$ROOT"
exec "$PY" -m runner "$@"
