"""N slots, one run at a time each, and a bounded queue in front of them.

Each slot has its own long-lived thread: the sandbox's --die-with-parent follows the thread that started
it, so runs are never started from short-lived request threads.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


class BusyError(Exception):
    """The queue is full."""


class SlotPool:
    def __init__(self, slots: int, max_queue: int) -> None:
        self.slots = slots
        self.max_queue = max_queue
        self._jobs: queue.Queue[tuple[Callable[[int], Any], Future[Any]] | None] = queue.Queue()
        self._busy = 0
        self._waiting = 0
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._loop, args=(slot,), name=f"slot-{slot}", daemon=True)
            for slot in range(slots)
        ]
        for thread in self._threads:
            thread.start()

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"slots": self.slots, "busy": self._busy, "queued": self._waiting}

    def submit(self, work: Callable[[int], Any]) -> Any:
        """Run work(slot) on the first free slot and return its result (or raise its exception)."""
        future: Future[Any] = Future()
        with self._lock:
            if self._waiting >= self.max_queue:
                raise BusyError
            self._waiting += 1
        self._jobs.put((work, future))
        return future.result()

    def _loop(self, slot: int) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            work, future = item
            with self._lock:
                self._waiting -= 1
                self._busy += 1
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(work(slot))
                    except BaseException as e:
                        future.set_exception(e)
            finally:
                with self._lock:
                    self._busy -= 1

    def close(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)
