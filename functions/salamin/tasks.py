"""Cloud Tasks plumbing shared by every task-queue function.

Two quirks are handled here, once:
* The Python Admin SDK's `task_queue(...).enqueue(x)` posts `x` as the request body, while the Python
  `on_task_dispatched` handler reads `body["data"]`; so the payload is wrapped as {"data": payload}.
* The Cloud Tasks emulator ignores schedule times and dispatches at once. Each payload carries `dueAtMs`;
  a handler called before it raises NotDueError, which the queue's retry policy turns into a short
  backoff. In production tasks arrive on time and this path is idle.
"""

from __future__ import annotations

import os
import time
from typing import Any

from firebase_admin import functions as admin_functions
from firebase_functions import options

from salamin import firebase
from salamin.errors import DomainError

# Retries are frequent and short so an early (emulated) or failed task comes back within seconds;
# max_retry_seconds keeps them coming for as long as the longest timer we schedule.
RETRY = options.RetryConfig(
    max_attempts=10, min_backoff_seconds=1, max_backoff_seconds=5, max_doublings=2, max_retry_seconds=1500
)
# Timeouts tolerate a few seconds of lateness; fewer early (emulated) dispatches keep the emulator calm.
TIMEOUT_RETRY = options.RetryConfig(
    max_attempts=10, min_backoff_seconds=4, max_backoff_seconds=15, max_doublings=2, max_retry_seconds=1500
)
# functions/.env.local (read only by the emulators) sets this: the Functions emulator starts a Python
# process for every request in flight (bounded by FUNCTIONS_EMULATOR_PARALLEL, docs/capacity.md), so
# locally the queues dispatch a few at a time; production keeps wide queues.
EMULATED = os.environ.get("SALAMIN_TASK_PROFILE") == "emulator" or os.environ.get("FUNCTIONS_EMULATOR") == "true"

# Session timers run for up to 80 minutes; in the emulator (which dispatches early) they come back at most
# every 30 s until due, so they fire at most that late locally and on time in production.
LONG_TIMER_RETRY = options.RetryConfig(
    max_attempts=10, min_backoff_seconds=5, max_backoff_seconds=60 if EMULATED else 30, max_doublings=3,
    max_retry_seconds=180000,
)
# The shared documents' per-session tick (doctimer.py): an early (emulated) dispatch comes back one busy
# tick later, and a tick that failed is retried on the same beat.
DOCS_RETRY = options.RetryConfig(
    max_attempts=20, min_backoff_seconds=5, max_backoff_seconds=5, max_doublings=0, max_retry_seconds=600
)
# The directory's deferred refresh (directory.py): due within a minute; the emulator's early deliveries
# come back every few seconds so the card shows soon after it is due (120 attempts: ~8 minutes).
DIRECTORY_RETRY = options.RetryConfig(
    max_attempts=120 if EMULATED else 20, min_backoff_seconds=2 if EMULATED else 5,
    max_backoff_seconds=4 if EMULATED else 60, max_doublings=1, max_retry_seconds=3600,
)
RATE = (options.RateLimits(max_concurrent_dispatches=4, max_dispatches_per_second=20) if EMULATED
        else options.RateLimits(max_concurrent_dispatches=100, max_dispatches_per_second=200))
# The directory's queue locally: the emulator keeps a not-yet-due task in one of the queue's dispatch
# slots until it fires, so with 4 slots four deferred refreshes (due within ~a minute) or pending relists
# held every other member's refresh back for minutes. Its tasks are few and cheap (one transaction).
DIRECTORY_RATE = (options.RateLimits(max_concurrent_dispatches=32, max_dispatches_per_second=20) if EMULATED
                  else RATE)
# The timers (session no-show, phases, hard stop, feedback deadline; matching re-try and timeout). The
# emulator delivers each at once and then on every backoff until due: deliveries production never makes,
# which took Functions-emulator slots from the callables (~4 per session in a burst: bench/session_load).
# Locally these queues start at most 2 tasks a second; a due timer behind a backlog of early ones comes
# that much later. The emulator keeps a task's dispatch slot while it waits out a backoff, so with 4
# slots four not-yet-due timers hold back the rest of their queue until they fire (locally, more than four
# live sessions delay each other's phase timers); more slots let every pending timer come back on its
# backoff instead, which cost the burst more deliveries than it saved (bench/session_load, 200 slots: 22
# per session, p95 1.7-2.2 s). One start per 2 s locally (not 2 a second): the emulator starts a Python worker
# for a delivery that finds none idle, and the first pairs of a burst on a fresh emulator put their no-show
# timers in at once; at 2 a second four sessionNoShow workers started together (~1 CPU s each), holding all
# four Functions-emulator slots while they imported, and the queue trigger's deliveries waited 1.5-2.2 s
# (bench/matching_load --warm-up 0); one every 2 s finds the first worker idle. Production is the same as RATE.
# (Cloud Tasks and its emulator take a fraction here; the SDK's type hint says int.)
TIMER_RATE = (options.RateLimits(max_concurrent_dispatches=4,
                                 max_dispatches_per_second=0.5)  # type: ignore[arg-type]
              if EMULATED else RATE)


def emulator_can_hold(delay_s: float, retry: options.RetryConfig) -> bool:
    """Whether a task `delay_s` ahead can fire at all locally: the emulator retries an early task until its
    max_attempts and max_retry_seconds have both passed, then drops it, and holds one of its queue's
    dispatch slots all that time. Always true in production (tasks arrive when due)."""
    window = retry.max_retry_seconds if isinstance(retry.max_retry_seconds, int) else 0
    return not EMULATED or delay_s < window - 60


class NotDueError(DomainError):
    def __init__(self, seconds_left: float) -> None:
        super().__init__("unavailable", f"not due for {seconds_left:.1f} s")


def now_ms() -> int:
    return int(time.time() * 1000)


def check_due(payload: dict[str, Any], slack_ms: int = 250, *, note: bool = True) -> None:
    due = int(payload.get("dueAtMs", 0))
    left = due - now_ms()
    if left > slack_ms:
        raise NotDueError(left / 1000)
    if note and due and isinstance(payload.get("task"), str):
        # One line per timer handled once due: how late it came (a throttled or backed-up queue shows here;
        # bench/_harness.py sums these per function for a bench's measured phase).
        print(f"salamin timer {payload['task']} due, handled {-left} ms late", flush=True)


# A delivery this soon after its enqueue that is not due yet can only be the Cloud Tasks emulator's
# immediate one: nothing about the task's subject can have moved since it was enqueued.
JUST_QUEUED_MS = 3000


def refuse_if_just_queued(payload: dict[str, Any], slack_ms: int = 250) -> None:
    """Raises NotDueError, before any read, for a delivery that is not due and came within JUST_QUEUED_MS
    of its enqueue. Handlers that read first (to finish a timer whose subject moved on at once, not when it
    is due) call this before that read, so the emulator's immediate delivery of every timer costs no read.
    In production a task arrives when due and this never raises."""
    queued = payload.get("queuedAtMs")
    if not isinstance(queued, int) or now_ms() - queued >= JUST_QUEUED_MS:
        return
    check_due(payload, slack_ms, note=False)  # the handler's own check_due notes a due one


def enqueue(function_name: str, payload: dict[str, Any], delay_s: float, task_id: str) -> bool:
    """Schedules `function_name` with `payload` in `delay_s` seconds. Returns False when a task with the
    same id exists already: ids are derived from what the task is for, so a re-delivered trigger that
    enqueues again is a no-op rather than a second timer."""
    queued = now_ms()
    body = {**payload, "dueAtMs": queued + int(delay_s * 1000), "queuedAtMs": queued, "task": function_name}
    queue = admin_functions.task_queue(function_name, app=firebase.app())
    opts = admin_functions.TaskOptions(schedule_delay_seconds=max(0, round(delay_s)), task_id=task_id)
    try:
        queue.enqueue({"data": body}, opts)
    except ValueError as err:
        # firebase-admin 7.7 trims the first character of the emulator's task name and then fails to
        # parse it; the task was accepted by then, so this is success.
        if "resource name" not in str(err):
            raise
    except Exception as err:  # the SDK raises different types for 409 in production and the emulator
        if "already" in str(err).lower() or "409" in str(err) or type(err).__name__ == "AlreadyExistsError":
            return False
        raise
    return True
