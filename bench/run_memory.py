"""`make run`'s memory over a scripted use: what everything it starts holds, minute by minute.

Usage: python bench/run_memory.py [--minutes 20] [--pairs 2]

Starts scripts/run.sh (the whole app: emulators with hosting, the code runner, coturn, demo data), and
once it says it is running, plays `--pairs` pairs of people using it the whole time: each pair joins the
matching queue, gets matched, enters the room (getIceServers, presence, a few signaling messages),
moves through every phase, writes feedback and, after a breather (BREATHER_S), starts over. Every 5 s
it samples the PSS of every process run.sh started (ProcessWatch in bench/_harness.py); each minute it
prints the total, the functions workers' part and their count. At the end it stops run.sh with Ctrl-C
as a person would, prints every line run.sh printed (so what a person sees can be read) and one line of
JSON:
{"minutes", "sessions", "peak_mb", "end_mb", "peak_workers", "end_workers"}.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from _harness import ProcessWatch

# Between two sessions of a pair: a session every ~3 minutes stays inside the queue's 20 joins per hour.
BREATHER_S = 150
PREFS = {"sessionTypes": ["technical"], "difficultyLevels": ["intermediate"], "rolePreference": "flexible",
         "languages": ["english"], "industries": ["tech"], "targetRoles": [], "timeZone": "Europe/London",
         "experienceLevel": "mid", "maxWaitTime": 300}


def use(stop: threading.Event, pair: int, done: list[int], errors: list[str]) -> None:
    """One pair using the app until `stop`: sessions back to back, as the web app calls and writes."""
    from tests.support.emulators import SERVER_TIMESTAMP, FirestoreClient, call, sign_up, wait_for

    a, b = sign_up(display_name=f"Pair {pair} A"), sign_up(display_name=f"Pair {pair} B")
    for user in (a, b):
        call("bootstrapProfile", {}, user=user)
    admin = FirestoreClient.admin()
    while not stop.is_set():
        try:
            for user in (a, b):  # as the app does: the last session's entry goes, a new one comes
                client = FirestoreClient.as_user(user)
                client.delete(f"matchingQueue/{user.uid}")
                client.create(f"matchingQueue/{user.uid}", {
                    "uid": user.uid, **PREFS, "status": "waiting", "joinedAt": SERVER_TIMESTAMP})

            def matched() -> str | None:
                entry: dict[str, Any] = admin.get(f"matchingQueue/{a.uid}") or {}
                return entry.get("sessionId") if entry.get("status") == "matched" else None

            sid = wait_for(matched, timeout=120)
            session = admin.get(f"peerSessions/{sid}") or {}
            for user in (a, b):
                call("joinSession", {"sessionId": sid}, user=user)
                call("getIceServers", {"sessionId": sid}, user=user)
                client = FirestoreClient.as_user(user)
                for state in ("connecting", "connected"):
                    client.set(f"peerSessions/{sid}/presence/{user.uid}", {
                        "uid": user.uid, "peerId": f"peer-{user.uid[:20]}", "state": state, "audioEnabled": True,
                        "videoEnabled": True, "screenSharing": False, "updatedAt": SERVER_TIMESTAMP})
                for i in range(6):
                    client.create(f"peerSessions/{sid}/signaling/{user.uid}-{i}", {
                        "from": user.uid, "to": (b if user is a else a).uid, "fromPeer": f"peer-{user.uid[:20]}",
                        "type": "candidate", "candidate": {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host",
                                                           "sdpMid": "0", "sdpMLineIndex": 0},
                        "createdAt": SERVER_TIMESTAMP})
            first = a if session.get("roles", {}).get(a.uid) == "interviewer" else b
            second = b if first is a else a
            for index, movers in ((0, (a, b)), (1, (first,)), (2, (a, b)), (3, (second,))):
                for user in movers:
                    call("advancePhase", {"sessionId": sid, "fromIndex": index}, user=user)
                    time.sleep(2)  # people talk between clicks
            for frm, to in ((a, b), (b, a)):
                FirestoreClient.as_user(frm).create(f"peerSessions/{sid}/feedback/{frm.uid}", {
                    "from": frm.uid, "to": to.uid, "overall": 4, "tags": ["helpful"], "text": "Thanks!",
                    "rubric": {"problem_solving": 4, "code_quality": 4, "communication": 4, "testing": 4},
                    "wouldPracticeAgain": True, "createdAt": SERVER_TIMESTAMP})
            for user in (a, b):  # the room closes: presence moves to left while the session is live
                FirestoreClient.as_user(user).set(f"peerSessions/{sid}/presence/{user.uid}", {
                    "uid": user.uid, "peerId": f"peer-{user.uid[:20]}", "state": "left", "audioEnabled": False,
                    "videoEnabled": False, "screenSharing": False, "updatedAt": SERVER_TIMESTAMP})
            for index in (4, 5):
                for user in (a, b):
                    call("advancePhase", {"sessionId": sid, "fromIndex": index}, user=user)
            done.append(1)
            stop.wait(BREATHER_S)
        except Exception as err:  # counted and printed: a scripted use that fails says so
            errors.append(f"pair {pair}: {type(err).__name__}: {str(err)[:160]}")
            stop.wait(5)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=20)
    ap.add_argument("--pairs", type=int, default=2)
    args = ap.parse_args()
    run = subprocess.Popen([str(ROOT / "scripts/run.sh")], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True)
    assert run.stdout is not None
    printed: list[str] = []
    for line in run.stdout:
        printed.append(line.rstrip("\n"))
        if "Ctrl-C stops everything" in line and any("Salamin is running" in p for p in printed):
            break
    else:
        print("\n".join(printed))
        print("salamin: run.sh stopped before it was running", file=sys.stderr)
        return 1
    reader = threading.Thread(target=lambda: printed.extend(x.rstrip("\n") for x in run.stdout or []),
                              daemon=True)
    reader.start()
    os.environ.update({"FIRESTORE_EMULATOR_HOST": "127.0.0.1:8080", "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099",
                       "GCLOUD_PROJECT": "demo-salamin"})
    watch = ProcessWatch(run.pid, interval=5)
    watch.start()
    stop, done, errors = threading.Event(), [], []  # type: ignore[var-annotated]
    users = [threading.Thread(target=use, args=(stop, i, done, errors), daemon=True) for i in range(args.pairs)]
    for t in users:
        t.start()
    t0 = time.monotonic()
    minutes: list[tuple[int, float, float, int]] = []
    print(f"{'minute':>6}{'all MB':>9}{'workers MB':>12}{'workers':>9}{'sessions':>10}", flush=True)
    while time.monotonic() - t0 < args.minutes * 60:
        time.sleep(60 - (time.monotonic() - t0) % 60)
        total, workers_pss, workers = watch.current()
        minutes.append((len(minutes) + 1, total / 1024, workers_pss / 1024, workers))
        print(f"{len(minutes):>6}{total / 1024:>9.0f}{workers_pss / 1024:>12.0f}{workers:>9}{len(done):>10}",
              flush=True)
    stop.set()
    for t in users:
        t.join(timeout=120)
    watch.stop()
    os.killpg(run.pid, signal.SIGINT)
    try:
        run.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGTERM)
        run.wait(timeout=30)
    reader.join(timeout=5)
    print("-- what run.sh printed --")
    print("\n".join(printed))
    print("--")
    for e in errors[:5]:
        print(f"error: {e}")
    last = minutes[-1] if minutes else (0, 0.0, 0.0, 0)
    print(json.dumps({"minutes": args.minutes, "sessions": len(done), "errors": len(errors),
                      "peak_mb": round(watch.peak_total_pss_kb / 1024), "end_mb": round(last[1]),
                      "peak_workers": watch.peak_workers, "end_workers": last[3]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
