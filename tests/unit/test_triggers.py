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
    assert {"onFeedbackCreated", "onQueueEntryCreated", "onPresenceWritten", "onCodeUpdateCreated"} <= set(events)
    assert {name: t["retry"] for name, t in events.items()} == {name: True for name in events}
