#!/usr/bin/env bash
# The run command: set-up, the whole app on the Firebase Emulator Suite with demo data, then the URL.
# Ctrl-C stops everything.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/setup.sh
eval "$(.venv/bin/python scripts/preflight.py)"

# The local media relay, with the same generated secret the functions mint credentials with.
TURN_PID=""
if command -v turnserver >/dev/null; then
  TURN_SECRET="$(sed -n 's/^TURN_SECRET=//p' functions/.secret.local)"
  turnserver -n --listening-ip=127.0.0.1 --listening-port=3478 --relay-ip=127.0.0.1 \
    --min-port=49160 --max-port=49260 --use-auth-secret --static-auth-secret="$TURN_SECRET" \
    --realm=salamin.local --no-tls --no-dtls --no-cli --fingerprint --allow-loopback-peers \
    --log-file="$ROOT/.cache/turn.log" --simple-log --no-stdout-log --pidfile="$ROOT/.cache/turn.pid" \
    2>"$ROOT/.cache/turn-stderr.log" &  # coturn's "socket: Protocol not supported": it probes SCTP at start
  TURN_PID=$!
fi

# The code runner, with the generated secret the functions send it (scripts/runner_local.sh).
source scripts/runner_local.sh
start_runner "$ROOT"

LOG="$ROOT/.cache/emulators.log"
# The Functions emulator serves every request in flight at once, each in a Python process of its own;
# this bounds them (the rest wait in its queue), as bench/_harness.py does. README "Memory".
export FUNCTIONS_EMULATOR_PARALLEL="${FUNCTIONS_EMULATOR_PARALLEL:-4}"
node_modules/.bin/firebase emulators:start --project demo-salamin >"$LOG" 2>&1 &
EMU=$!
cleanup() {
  kill -INT "$EMU" 2>/dev/null || true
  [[ -n "$TURN_PID" ]] && kill "$TURN_PID" 2>/dev/null || true
  stop_runner
  wait "$EMU" 2>/dev/null || true
  stop_function_workers "$ROOT"
}
trap cleanup EXIT INT TERM

echo "salamin: starting the emulators (log: .cache/emulators.log)"
if ! .venv/bin/python scripts/wait_ready.py --pid "$EMU" --timeout 180; then
  echo "salamin: the emulators did not start; the last lines of .cache/emulators.log:" >&2
  tail -n 20 "$LOG" >&2
  exit 1
fi
export FIRESTORE_EMULATOR_HOST=127.0.0.1:8080 FIREBASE_AUTH_EMULATOR_HOST=127.0.0.1:9099 GCLOUD_PROJECT=demo-salamin
.venv/bin/python scripts/demo_data.py
cat <<MSG

  Salamin is running: open http://127.0.0.1:5000
  Demo accounts (password: practise-together):
    ada@demo.salamin.dev      grace@demo.salamin.dev
    linus@demo.salamin.dev    margaret@demo.salamin.dev
  Sign in as two of them in two browser windows (one private) to try matching.
  Ctrl-C stops everything.

MSG
wait "$EMU"
