#!/usr/bin/env bash
# Installs what the code runner needs on Debian, as root, and nothing twice:
#   apt: bubblewrap, sqlite3, gcc/g++ and libseccomp-dev, a JDK (javac); node 20+ must already be there
#   runner/.build: the seccomp filter and the launcher (native/build.sh)
#   runner/node_modules: esbuild (npm ci, for TypeScript)
#   the Python venv given as $1 (default: .venv at the repository root): runner/requirements.txt
# Each step is skipped when its inputs have not changed. Safe to run again.
set -euo pipefail
RUNNER="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$RUNNER/.." && pwd)"
VENV="${1:-$ROOT/.venv}"
STAMPS="$RUNNER/.build/stamps"
mkdir -p "$STAMPS"

say() { printf '\033[1;34mrunner:\033[0m %s\n' "$*"; }
die() { printf '\033[1;31mrunner:\033[0m %s\n' "$*" >&2; exit 1; }
fresh() { local sum; sum="$(cat "${@:2}" 2>/dev/null | sha256sum | cut -c1-32)"; [[ -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$sum" ]]; }
stamp() { cat "${@:2}" 2>/dev/null | sha256sum | cut -c1-32 > "$STAMPS/$1"; }

# ---- Debian packages ----------------------------------------------------------------------------
missing=()
command -v bwrap >/dev/null || missing+=(bubblewrap)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
command -v gcc >/dev/null || missing+=(gcc)
command -v g++ >/dev/null || missing+=(g++)
[[ -f /usr/include/seccomp.h ]] || missing+=(libseccomp-dev)
command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v python3 >/dev/null || missing+=(python3 python3-venv)
if (( ${#missing[@]} )); then
  [[ "$(id -u)" == 0 ]] || die "please install as root: ${missing[*]}"
  command -v apt-get >/dev/null || die "not Debian: please install ${missing[*]}"
  say "installing ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v node >/dev/null || die "Node.js 20 or newer is needed for JavaScript and TypeScript runs"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' \
  || die "Node.js 20 or newer is needed (found $(node --version))"

# ---- native pieces: seccomp filter and launcher -------------------------------------------------------
if [[ ! -x "$RUNNER/.build/runner-launch" || ! -x "$RUNNER/.build/runner-stage" || ! -f "$RUNNER/.build/seccomp.bpf" || ! -f "$RUNNER/.build/seccomp-allow.bpf" ]] \
    || ! fresh native "$RUNNER"/native/*; then
  say "building the seccomp filter, the launcher and the stage helper (runner/.build)"
  "$RUNNER/native/build.sh" "$RUNNER/.build"
  stamp native "$RUNNER"/native/*
fi

# ---- esbuild (TypeScript) ----------------------------------------------------------------------------
if [[ ! -d "$RUNNER/node_modules/esbuild" ]] || ! fresh npm "$RUNNER/package-lock.json"; then
  say "installing esbuild (npm ci in runner/)"
  (cd "$RUNNER" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  stamp npm "$RUNNER/package-lock.json"
fi

# ---- Python dependencies -------------------------------------------------------------------------------
if [[ ! -x "$VENV/bin/python" ]] || ! fresh "pip-$(echo "$VENV" | sha256sum | cut -c1-12)" "$RUNNER/requirements.txt"; then
  say "installing the runner's Python packages into $VENV"
  [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$RUNNER/requirements.txt"
  stamp "pip-$(echo "$VENV" | sha256sum | cut -c1-12)" "$RUNNER/requirements.txt"
fi

# ---- the kernel must allow unprivileged user namespaces (bwrap runs as each slot's uid) ---------------
max_userns="$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)"
if [[ "$max_userns" == 0 ]] || [[ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" == 0 ]]; then
  die "this kernel does not allow unprivileged user namespaces, which the sandbox needs (sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone)"
fi
say "runner set-up complete"
