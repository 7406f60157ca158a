# Sourced by scripts/run.sh and scripts/test.sh: the code runner (runner/) on 127.0.0.1:8765 for the
# functions' runCode, with the RUNNER_SECRET the functions read from functions/.secret.local.
# start_runner sets RUNNER_PID (empty when the runner could not start: everything else still works, and
# running code says the runner can't be reached); stop_runner stops it.
RUNNER_PID=""
RUNNER_LOCAL_PORT=8765

start_runner() {
  local root="$1" secret deadline
  RUNNER_PID=""
  if [[ "$(id -u)" != 0 ]]; then
    echo "salamin: the code runner needs root (its sandbox switches users), so running code is off in this run."
    return 0
  fi
  secret="$(sed -n 's/^RUNNER_SECRET=//p' "$root/functions/.secret.local" 2>/dev/null | head -n 1)"
  if [[ -z "$secret" ]]; then
    echo "salamin: functions/.secret.local has no RUNNER_SECRET (run scripts/setup.sh), so running code is off in this run."
    return 0
  fi
  mkdir -p "$root/.cache"
  RUNNER_SECRET="$secret" RUNNER_PORT="$RUNNER_LOCAL_PORT" RUNNER_HOST=127.0.0.1 \
    "$root/runner/start.sh" >"$root/.cache/runner.log" 2>&1 &
  RUNNER_PID=$!
  deadline=$((SECONDS + 30))
  while (( SECONDS < deadline )); do
    if ! kill -0 "$RUNNER_PID" 2>/dev/null; then break; fi
    if "$root/.venv/bin/python" -c "import sys, urllib.request; urllib.request.urlopen(
        'http://127.0.0.1:$RUNNER_LOCAL_PORT/healthz', timeout=2); sys.exit(0)" 2>/dev/null; then
      echo "salamin: code runner on 127.0.0.1:$RUNNER_LOCAL_PORT (log: .cache/runner.log)"
      return 0
    fi
    sleep 0.5
  done
  echo "salamin: the code runner did not start ($(tail -n 1 "$root/.cache/runner.log" 2>/dev/null)), so running code is off in this run."
  stop_runner
  return 0
}

stop_runner() {
  if [[ -n "$RUNNER_PID" ]]; then
    kill "$RUNNER_PID" 2>/dev/null || true
    wait "$RUNNER_PID" 2>/dev/null || true
    RUNNER_PID=""
  fi
}

# The Functions emulator runs each Python worker through a shell and does not stop the worker's process
# tree when it shuts down: the workers (functions-framework, roughly 35 MB each) outlive it and pile up run
# after run. Stop this checkout's leftovers once the emulators are gone.
stop_function_workers() {
  pkill -f "$1/functions/venv/bin/functions-framework" 2>/dev/null || true
}
