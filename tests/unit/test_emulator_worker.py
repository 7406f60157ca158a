"""A Functions-emulator worker that served nothing for a while exits, master and forked worker both
(salamin/emulator.py); one that is serving, or served recently, stays."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from salamin.emulator import IdleClock

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"


def test_the_idle_clock_counts_from_the_last_request_and_never_while_one_runs() -> None:
    clock = IdleClock(now=100.0)
    assert clock.idle_for(130.0) == 30.0
    clock.started(140.0)
    clock.started(141.0)
    assert clock.idle_for(500.0) == 0.0  # two in flight
    clock.ended(150.0)
    assert clock.idle_for(500.0) == 0.0  # one still in flight
    clock.ended(160.0)
    assert clock.idle_for(170.0) == 10.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return None


@pytest.mark.skipif(not (FUNCTIONS / "venv/bin/functions-framework").exists(), reason="run `make setup` first")
def test_an_idle_worker_exits_and_a_busy_one_stays() -> None:
    port = _free_port()
    env = {**os.environ, "FUNCTIONS_EMULATOR": "true", "SALAMIN_WORKER_IDLE_S": "3", "PORT": str(port),
           "HOST": "127.0.0.1", "FUNCTION_TARGET": "matchingStatus", "FUNCTION_SIGNATURE_TYPE": "http",
           "GCLOUD_PROJECT": "demo-salamin"}
    env.pop("FIRESTORE_EMULATOR_HOST", None)
    master = subprocess.Popen([str(FUNCTIONS / "venv/bin/python"), str(FUNCTIONS / "venv/bin/functions-framework")],
                              cwd=FUNCTIONS, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while _get(port) is None:  # the worker is up once it answers (a GET to a callable: 400)
            assert master.poll() is None and time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.2)
        children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
        assert len(children) == 1  # gunicorn's one forked worker, where the requests are served
        # Requests every second for 5 s (longer than the idle limit): it stays while used.
        for _ in range(5):
            assert _get(port) is not None
            time.sleep(1)
        assert master.poll() is None
        # Then nothing: the master ends within the limit plus a check (wait raises if not), and so do
        # the forked worker and the port.
        master.wait(timeout=30)
        assert _get(port) is None
        assert not Path(f"/proc/{children[0]}").exists() or \
            Path(f"/proc/{children[0]}/stat").read_text().split()[2] == "Z"
    finally:
        if master.poll() is None:
            master.kill()
            master.wait()
