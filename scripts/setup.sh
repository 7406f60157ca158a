#!/usr/bin/env bash
# Installs everything Salamin needs on a fresh machine, and nothing twice: Python venvs, npm packages,
# the web build and a Chromium for the browser tests. Safe to run again; each step is skipped when its
# inputs have not changed. Anything it cannot do by itself it explains in one sentence.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STAMPS="$ROOT/.cache/stamps"
mkdir -p "$STAMPS"

say() { printf '\033[1;34msalamin:\033[0m %s\n' "$*"; }
die() { printf '\033[1;31msalamin:\033[0m %s\n' "$*" >&2; exit 1; }

# Re-run a step only when the hash of its inputs changed.
fresh() {  # fresh NAME FILE... -> 0 when up to date
  local sum; sum="$(cat "${@:2}" 2>/dev/null | sha256sum | cut -c1-32)"
  [[ -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$sum" ]]
}
stamp() { cat "${@:2}" 2>/dev/null | sha256sum | cut -c1-32 > "$STAMPS/$1"; }

is_root() { [[ "$(id -u)" == 0 ]]; }
is_debian() { [[ -f /etc/debian_version ]] && command -v apt-get >/dev/null; }
APT_UPDATED=0
apt_install() {
  if is_root && is_debian; then
    if [[ $APT_UPDATED == 0 ]]; then apt-get update -qq >/dev/null; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    die "please install: $* (with your system's package manager), then run this again."
  fi
}

# ---- Python 3.11+ -------------------------------------------------------------------------------
PY="${PYTHON:-}"
if [[ -z "$PY" ]]; then
  for cand in python3.11 python3.12 python3.13 python3; do
    if command -v "$cand" >/dev/null && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PY="$(command -v "$cand")"; break
    fi
  done
fi
[[ -n "$PY" ]] || die "Python 3.11 or newer is needed: install python3.11 (with venv and pip)."
"$PY" -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv

# ---- Node.js 20+ --------------------------------------------------------------------------------
command -v node >/dev/null || die "Node.js 20 or newer is needed: install nodejs and npm."
node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' || die "Node.js 20 or newer is needed (found $(node --version))."

# ---- tooling and test venv (.venv) ----------------------------------------------------------------
if [[ ! -x .venv/bin/python ]] || ! fresh venv requirements-dev.txt functions/requirements.txt; then
  say "installing the Python tools and test dependencies (.venv)"
  [[ -x .venv/bin/python ]] || "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
  stamp venv requirements-dev.txt functions/requirements.txt
fi

# ---- functions venv (the Functions emulator runs functions/venv) -------------------------------------
# The emulator runs the functions with python3.11 semantics; the runtime in firebase.json is python311.
if [[ ! -x functions/venv/bin/python ]] || ! fresh functions-venv functions/requirements.txt; then
  say "installing the Cloud Functions dependencies (functions/venv)"
  [[ -x functions/venv/bin/python ]] || "$PY" -m venv functions/venv
  functions/venv/bin/python -m pip install -q --disable-pip-version-check -r functions/requirements.txt
  stamp functions-venv functions/requirements.txt
fi

# ---- local secrets for the functions (never committed) -------------------------------------------------
# TURN_SECRET: the functions mint relay credentials with it, the local coturn checks them.
# RUNNER_SECRET: the functions send it to the local code runner, which expects it in X-Runner-Secret.
# Each is generated once, when missing; existing ones are kept.
for name in TURN_SECRET RUNNER_SECRET; do
  if [[ ! -s functions/.secret.local ]] || ! grep -q "^$name=" functions/.secret.local; then
    if [[ -s functions/.secret.local && -n "$(tail -c1 functions/.secret.local)" ]]; then echo >> functions/.secret.local; fi
    echo "$name=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" >> functions/.secret.local
    chmod 600 functions/.secret.local
  fi
done

# ---- npm: firebase-tools (root) and the web app -------------------------------------------------------
if [[ ! -x node_modules/.bin/firebase ]] || ! fresh npm-root package-lock.json; then
  say "installing firebase-tools (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  stamp npm-root package-lock.json
fi
if [[ ! -d web/node_modules ]] || ! fresh npm-web web/package-lock.json; then
  say "installing the web app's packages (npm ci)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
  stamp npm-web web/package-lock.json
fi

# ---- web build (web/dist, served by the Hosting emulator) -------------------------------------------
WEB_INPUTS=$(find web/src web/index.html web/package-lock.json web/vite.config.ts web/tsconfig*.json -type f 2>/dev/null | sort)
if [[ ! -f web/dist/index.html ]] || ! fresh web-build $WEB_INPUTS; then
  say "building the web app (web/dist)"
  (cd web && npm run build --silent)
  stamp web-build $WEB_INPUTS
fi

# ---- coturn: the media relay for local calls and the relay tests -------------------------------------------
if ! command -v turnserver >/dev/null; then
  say "installing coturn (the TURN relay)"
  if is_root && is_debian; then apt_install coturn; else
    die "the session room's relay needs coturn: install the 'coturn' package."
  fi
fi

# ---- the code runner: sandbox toolchains, seccomp filter and launcher, esbuild, its Python deps ---------------
runner/setup.sh "$ROOT/.venv"

# ---- Chromium for the browser tests ------------------------------------------------------------------
if [[ "${SALAMIN_SKIP_BROWSER:-0}" != 1 ]]; then
  CHROMIUM="${SALAMIN_CHROMIUM:-/usr/bin/chromium}"
  if [[ ! -x "$CHROMIUM" ]]; then
    say "installing Chromium for the browser tests"
    if is_root && is_debian; then apt_install chromium; else
      die "the browser tests need Chromium at /usr/bin/chromium: install the 'chromium' package (or set SALAMIN_CHROMIUM to a Chromium binary)."
    fi
  fi
fi

# ---- Java 21+ and the Firestore emulator (checked, not started) ------------------------------------------
.venv/bin/python scripts/preflight.py --no-ports >/dev/null
say "set-up complete"
