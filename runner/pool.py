"""N slots, one run at a time each, and a bounded queue in front of them with a bounded wait.

Each slot has its own long-lived thread: the sandbox's --die-with-parent follows the thread that started
it, so runs are never started from short-lived request threads.

After each request, once its answer is handed back, the slot's thread runs `after(slot)` (tidying up the
request and preparing the next one's resources) before it takes another request: that work is off the
request's path, and the slot is not free until it is done.

A request that cannot start within `wait_s` (or finds the queue full) is answered at once with BusyError,
which says where it stood in the queue and how long the wait would likely have been: a caller with its own
timeout (runCode waits 90 s) hears "busy" long before that, instead of a time-out.
"""

from __future__ import annotations

import collections
import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("runner")

RECENT = 20  # requests whose durations estimate the wait
FIRST_ESTIMATE_S = 2.0


class BusyError(Exception):
    """No slot within the bounded wait (or the queue is full)."""

    def __init__(self, position: int, wait_s: int) -> None:
        super().__init__(f"busy: position {position} in the queue, about {wait_s} s")
        self.position = position
        self.wait_s = wait_s


@dataclass
class _Item:
    work: Callable[[int], Any]
    future: Future[Any] = field(default_factory=Future)
    started: bool = False


class SlotPool:
    def __init__(self, slots: int, max_queue: int, wait_s: float = 10.0,
                 after: Callable[[int], None] | None = None) -> None:
        self.slots = slots
        self.after = after
        self.max_queue = max_queue
        self.wait_s = wait_s
        self._queue: collections.deque[_Item] = collections.deque()
        self._busy = 0
        self._closed = False
        self._durations: collections.deque[float] = collections.deque(maxlen=RECENT)
        self._cond = threading.Condition()
        self._out_of_service: set[int] = set()
        self._threads = [
            threading.Thread(target=self._loop, args=(slot,), name=f"slot-{slot}", daemon=True)
            for slot in range(slots)
        ]
        for thread in self._threads:
            thread.start()

    def stats(self) -> dict[str, int]:
        with self._cond:
            return {"slots": self.slots, "busy": self._busy, "queued": len(self._queue),
                    "outOfService": len(self._out_of_service)}

    def _estimate(self, position: int) -> int:
        """Seconds until a request at `position` would likely start (called with the lock held)."""
        mean = sum(self._durations) / len(self._durations) if self._durations else FIRST_ESTIMATE_S
        working = max(1, self.slots - len(self._out_of_service))
        return max(1, math.ceil(math.ceil(position / working) * mean))

    def submit(self, work: Callable[[int], Any]) -> Any:
        """Run work(slot) on the first free slot and return its result (or raise its exception); BusyError
        when it cannot start within the wait."""
        item = _Item(work)
        with self._cond:
            if len(self._queue) >= self.max_queue:
                position = len(self._queue) + 1
                raise BusyError(position, self._estimate(position))
            self._queue.append(item)
            self._cond.notify_all()
            deadline = time.monotonic() + self.wait_s
            while not item.started:
                left = deadline - time.monotonic()
                if left <= 0:
                    position = self._queue.index(item) + 1
                    self._queue.remove(item)
                    raise BusyError(position, self._estimate(position))
                self._cond.wait(left)
        return item.future.result()

    def retire(self, slot: int) -> None:
        """Take a slot out of service for good (its processes could not be killed)."""
        with self._cond:
            self._out_of_service.add(slot)

    def _loop(self, slot: int) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed or slot in self._out_of_service:
                    return
                item = self._queue.popleft()
                item.started = True
                self._busy += 1
                self._cond.notify_all()
            started = time.monotonic()
            try:
                if item.future.set_running_or_notify_cancel():
                    try:
                        item.future.set_result(item.work(slot))
                    except BaseException as e:
                        item.future.set_exception(e)
                        if getattr(e, "retire_slot", False):  # the slot is not clean: it never runs again
                            self.retire(slot)
                if self.after is not None:
                    try:
                        self.after(slot)
                    except Exception:  # the next request creates what it needs itself
                        log.exception("runner: tidying up slot %d failed", slot)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._durations.append(time.monotonic() - started)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
