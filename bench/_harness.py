"""Shared by the bench scripts: run a script inside `firebase emulators:exec`, and percentiles.

Each bench script's `outer` half calls `run_inside_emulators`, which checks the set-up (preflight:
Java, the Firestore emulator, free ports), starts only the emulators it needs, runs the script's
`--inner` half inside them, keeps the emulators' log under .cache/ and prints only the bench's lines
(prefixed "BENCH " or the final JSON).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_inside_emulators(script: Path, inner_args: list[str], only: str, log_name: str) -> int:
    venv_python = ROOT / ".venv/bin/python"
    if not venv_python.exists():
        print("salamin: run `make setup` first (it creates .venv and functions/venv).", file=sys.stderr)
        return 1
    pre = subprocess.run([str(venv_python), str(ROOT / "scripts/preflight.py")], capture_output=True, text=True)
    if pre.returncode != 0:
        print(pre.stderr.strip(), file=sys.stderr)
        return 1
    env = dict(os.environ)
    for line in pre.stdout.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key] = shlex.split(value)[0] if value else ""
    inner_cmd = " ".join(shlex.quote(a) for a in [str(venv_python), str(script.resolve()), "--inner", *inner_args])
    proc = subprocess.run(
        [str(ROOT / "node_modules/.bin/firebase"), "emulators:exec", "--project", "demo-salamin", "--only", only,
         inner_cmd],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    # The Functions emulator leaves its Python workers running when it stops (scripts/runner_local.sh).
    subprocess.run(["pkill", "-f", f"{ROOT}/functions/venv/bin/functions-framework"], check=False)
    (ROOT / ".cache").mkdir(exist_ok=True)
    (ROOT / ".cache" / log_name).write_text(proc.stdout + proc.stderr)
    for line in proc.stdout.splitlines():
        if line.startswith(("BENCH ", "{")):
            print(line.removeprefix("BENCH "))
    if proc.returncode != 0:
        print(f"salamin: the run failed; see .cache/{log_name}", file=sys.stderr)
    return proc.returncode


def pct(values: list[float], p: float) -> float:
    """The p-th percentile by linear interpolation (NaN for no values)."""
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)
