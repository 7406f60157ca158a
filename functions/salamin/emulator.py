"""Only in the Functions emulator: a Python worker that has served nothing for a while goes away.

The emulator starts one worker (a functions-framework gunicorn master and its forked worker, ~70 MB
PSS) per function and per request in flight, and never stops an idle one; a local run that touches
thirty functions keeps thirty workers resident for as long as it runs. A worker that retires is simply
FINISHED for the emulator, which starts a fresh one (a cold start, ~1 s) at the function's next request.

The worker exits by killing its gunicorn master first: the listening socket closes at once and the
emulator sees the process end within milliseconds, so only a request that lands in those milliseconds
(for a function idle for minutes) fails, as it would on a worker that crashed. Production never runs this
(FUNCTIONS_EMULATOR is set only by the emulator).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Five minutes: a live session calls its functions far more often, so only what a run stopped using retires.
IDLE_S = float(os.environ.get("SALAMIN_WORKER_IDLE_S", "300"))


class IdleClock:
    """Requests in flight and when the last one ended (thread-safe: gunicorn serves on threads)."""

    def __init__(self, now: float) -> None:
        self._lock = threading.Lock()
        self.in_flight = 0
        self.last_activity = now

    def started(self, now: float) -> None:
        with self._lock:
            self.in_flight += 1
            self.last_activity = now

    def ended(self, now: float) -> None:
        with self._lock:
            self.in_flight = max(0, self.in_flight - 1)
            self.last_activity = now

    def idle_for(self, now: float) -> float:
        """Seconds since the last request ended, or 0 while one is in flight."""
        with self._lock:
            return 0.0 if self.in_flight else now - self.last_activity


def _is_gunicorn_master(pid: int) -> bool:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"functions-framework" in cmd


def _retire() -> None:
    parent = os.getppid()
    if _is_gunicorn_master(parent):
        os.kill(parent, signal.SIGKILL)  # the master would start a new worker if only this one ended
    os._exit(0)


def retire_when_idle(idle_s: float) -> None:
    """From the next fork on (gunicorn's worker), exit once no request has come for `idle_s` seconds."""
    from flask import request_started, request_tearing_down  # noqa: PLC0415 - emulator only

    clock = IdleClock(time.monotonic())

    def on_start(_sender: Any, **_extra: Any) -> None:
        clock.started(time.monotonic())

    def on_end(_sender: Any, **_extra: Any) -> None:
        clock.ended(time.monotonic())

    request_started.connect(on_start, weak=False)
    request_tearing_down.connect(on_end, weak=False)

    def watch() -> None:
        while True:
            time.sleep(min(15.0, idle_s / 3))
            if clock.idle_for(time.monotonic()) >= idle_s:
                log.info("emulator: this worker served nothing for %.0f s; it retires", idle_s)
                _retire()

    def in_child() -> None:
        clock.ended(time.monotonic())  # the worker's clock starts when it is forked
        threading.Thread(target=watch, name="retire-when-idle", daemon=True).start()

    os.register_at_fork(after_in_child=in_child)
