#!/usr/bin/env bash
# The test command: set-up, lint, then every test (unit, rules, functions, browser) inside the real
# Firebase emulators. Extra arguments go to pytest, e.g. scripts/test.sh -k matching
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/setup.sh

# SALAMIN_SKIP_CHECKS=1 skips the static checks while iterating on a few tests; `make test` never does.
if [[ "${SALAMIN_SKIP_CHECKS:-}" != 1 ]]; then
  echo "salamin: ruff"
  .venv/bin/ruff check functions/salamin functions/main.py tests bench scripts runner
  echo "salamin: mypy"
  .venv/bin/python -m mypy  # files and strictness: [tool.mypy] in pyproject.toml
  echo "salamin: web checks (ESLint, Vitest, unused exports)"
  npm --prefix web run --silent lint
  npm --prefix web run --silent test:unit
  npm --prefix web run --silent unused
fi

# Java 21+, the Firestore emulator jar and free ports; one plain sentence and exit 1 when not.
eval "$(.venv/bin/python scripts/preflight.py)"

# The code runner for runCode (emulator and browser tests), stopped whatever happens.
source scripts/runner_local.sh
trap 'stop_runner; stop_function_workers "$ROOT"' EXIT
start_runner "$ROOT"

export SALAMIN_REQUIRE_EMULATORS=1
set +e
ARGS=""
if [[ $# -gt 0 ]]; then ARGS="$(printf '%q ' "$@")"; fi
node_modules/.bin/firebase emulators:exec --project demo-salamin \
  "$ROOT/.venv/bin/python -m pytest $ARGS" 2>&1 | tee .cache/test-emulators.log \
  | grep -v -E '^(127\.0\.0\.1 - - |\[3[0-9]m|$)'
rc=${PIPESTATUS[0]}
set -e
if [[ $rc == 5 ]]; then echo "salamin: no tests ran"; exit 1; fi
exit "$rc"
