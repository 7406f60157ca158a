"""The deploy manifest that firebase-functions serves to the CLI: Firestore triggers are retried.

A trigger that raises on a transient error (an aborted transaction, a timeout) is otherwise dropped for
good: feedback never revealed, a queue entry never matched. The emulator ignores the flag, so this test
reads the manifest exactly as `firebase deploy` does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
MANIFEST = ("from firebase_functions.private.serving import get_functions, functions_as_yaml;"
            "print(functions_as_yaml(get_functions()))")


def test_every_firestore_trigger_is_retried() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_EMULATOR_HOST")}
    out = subprocess.run([sys.executable, "-c", MANIFEST], cwd=FUNCTIONS, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    endpoints = yaml.safe_load(out)["endpoints"]
    events = {name: ep["eventTrigger"] for name, ep in endpoints.items() if "eventTrigger" in ep}
    assert {"onFeedbackCreated", "onQueueEntryCreated", "onPresenceWritten"} <= set(events)
    assert "onCodeUpdateCreated" not in events  # the shared documents have a per-session timer instead
    assert {name: t["retry"] for name, t in events.items()} == {name: True for name in events}


def test_task_queues_are_the_names_module_s() -> None:
    """Every task name the modules enqueue (salamin.names) is a task-queue function, and no other exists."""
    from salamin import names

    env = {k: v for k, v in os.environ.items() if not k.endswith("_EMULATOR_HOST")}
    out = subprocess.run([sys.executable, "-c", MANIFEST], cwd=FUNCTIONS, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    endpoints = yaml.safe_load(out)["endpoints"]
    queues = {name for name, ep in endpoints.items() if "taskQueueTrigger" in ep}
    assert queues == set(names.TASK_QUEUES) and len(names.TASK_QUEUES) == len(set(names.TASK_QUEUES))


EDGE = """
import main
from firebase_functions import https_fn
from salamin.errors import DomainError
from salamin.tasks import NotDueError

def refuse(err):
    def handler():
        raise err
    return main._edge(handler)

for err in (DomainError("not-found", "This session does not exist or is not yours."), NotDueError(2.0)):
    try:
        refuse(err)()
    except https_fn.HttpsError as out:
        print(out.code.value, "|", out.message)
print(main._edge(lambda: "through")())
"""


def test_a_domain_error_reaches_the_caller_with_its_code_and_words() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_EMULATOR_HOST")}
    out = subprocess.run([sys.executable, "-c", EDGE], cwd=FUNCTIONS, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert out.splitlines() == ["not-found | This session does not exist or is not yours.",
                                "unavailable | not due for 2.0 s", "through"]


def test_only_the_queue_trigger_is_kept_warm() -> None:
    """docs/capacity.md: every function scales to zero but the matching trigger, whose one warm instance
    spares the first join after a quiet spell a cold start; all serve 8 at once, at most 40 instances."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_EMULATOR_HOST")}
    out = subprocess.run([sys.executable, "-c", MANIFEST], cwd=FUNCTIONS, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    endpoints = yaml.safe_load(out)["endpoints"]
    warm = {name: ep.get("minInstances") for name, ep in endpoints.items() if ep.get("minInstances")}
    assert warm == {"onQueueEntryCreated": 1}
    assert {(ep.get("maxInstances"), ep.get("concurrency")) for ep in endpoints.values()} == {(40, 8)}
