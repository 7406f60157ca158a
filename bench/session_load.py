"""50 pairs run a whole session at once against the emulators.

Usage: python bench/session_load.py [--pairs 50]

Starts the Auth, Firestore, Functions and Tasks emulators by itself (through `firebase emulators:exec`),
stops them after, prints a table and ends with one line of JSON:
{"pairs", "completed", "stats_mismatches", "callables": {"<name>": {"p50_ms", "p95_ms"}}}.

Everything goes through what the web app uses: each person is a real Auth-emulator account; they join
the matching queue with a client write, get matched by the trigger, call joinSession and advancePhase
through every phase (the interviewer finishing each half, both agreeing elsewhere), write their feedback
under the rules, and the session completes. Then every member's userStats is checked against what the
sessions imply.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _harness import pct, run_inside_emulators


def outer(args: argparse.Namespace) -> int:
    """Start the emulators this bench needs and run its inner half inside them."""
    return run_inside_emulators(Path(__file__), ["--pairs", str(args.pairs), "--concurrency", str(args.concurrency),
                                                 "--warmup", str(args.warmup)],
                                "auth,firestore,functions,tasks", "bench-session-load.log", watch=True)


def inner(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "scripts"))
    sys.path.insert(0, str(ROOT / "functions"))
    import load_questions

    from tests.support.emulators import SERVER_TIMESTAMP, FirestoreClient, call, clear_firestore, sign_up

    clear_firestore()
    load_questions.load(force=True)
    admin = FirestoreClient.admin()
    timings: dict[str, list[float]] = defaultdict(list)
    started: list[tuple[float, float]] = []  # (call start on the monotonic clock, ms) of every call
    lock = threading.Lock()

    def timed(name: str, data: dict[str, Any], user: Any) -> Any:
        t0 = time.perf_counter()
        out = call(name, data, user=user, timeout=120)
        with lock:
            timings[name].append((time.perf_counter() - t0) * 1000)
            started.append((t0, timings[name][-1]))
        return out

    with cf.ThreadPoolExecutor(16) as pool:
        users = list(pool.map(lambda i: sign_up(display_name=f"Member {i}"), range((args.pairs + args.warmup) * 2)))
        list(pool.map(lambda u: call("bootstrapProfile", {}, user=u), users))
    by_uid = {u.uid: u for u in users}
    prefs = {"sessionTypes": ["technical"], "difficultyLevels": ["intermediate"], "rolePreference": "flexible",
             "languages": ["english"], "industries": ["tech"], "targetRoles": [], "timeZone": "Europe/London",
             "experienceLevel": "mid", "maxWaitTime": 300}
    with cf.ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda u: FirestoreClient.as_user(u).create(
            f"matchingQueue/{u.uid}", {"uid": u.uid, **prefs, "status": "waiting", "joinedAt": SERVER_TIMESTAMP}),
            users))
    deadline = time.monotonic() + 120
    sessions: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        sessions = admin.query("peerSessions")
        if len(sessions) >= args.pairs + args.warmup:
            break
        time.sleep(1)

    rng = random.Random(3)
    given: dict[str, int] = {}  # rating received, by uid
    rubric = {"problem_solving": 4, "code_quality": 4, "communication": 4, "testing": 4}
    errors: list[str] = []

    def run_session(s: dict[str, Any]) -> bool:
        a, b = (by_uid[u] for u in s["participantIds"])
        sid = s["id"]
        try:
            timed("joinSession", {"sessionId": sid}, a)
            timed("joinSession", {"sessionId": sid}, b)
            first_interviewer = a if s["roles"][a.uid] == "interviewer" else b
            second = b if first_interviewer is a else a
            plan = [(0, (a, b)), (1, (first_interviewer,)), (2, (a, b)), (3, (second,)), (4, ())]
            for index, movers in plan:
                for user in movers:
                    timed("advancePhase", {"sessionId": sid, "fromIndex": index}, user)
            for frm, to in ((a, b), (b, a)):
                overall = rng.randint(1, 5)
                with lock:
                    given[to.uid] = overall
                FirestoreClient.as_user(frm).create(f"peerSessions/{sid}/feedback/{frm.uid}", {
                    "from": frm.uid, "to": to.uid, "overall": overall, "rubric": rubric, "tags": ["helpful"],
                    "text": "Thanks!", "wouldPracticeAgain": True, "createdAt": SERVER_TIMESTAMP})
            for index in (4, 5):
                timed("advancePhase", {"sessionId": sid, "fromIndex": index}, a)
                timed("advancePhase", {"sessionId": sid, "fromIndex": index}, b)
            return True
        except Exception as err:  # counted, not hidden: a failed session is a failed session
            errors.append(f"{sid}: {err}")
            return False

    # A deployment in use: a few sessions at once first, so the functions the burst calls have workers
    # (cold starts are the emulator's cost at first use, measured by the warm-up, not by the burst).
    warm, measured = sessions[: args.warmup], sessions[args.warmup: args.warmup + args.pairs]
    t0 = time.monotonic()
    with cf.ThreadPoolExecutor(max(1, args.warmup)) as pool:
        warm_ok = sum(pool.map(run_session, warm))
    print(f"BENCH warm-up: {warm_ok} of {len(warm)} sessions at once in {time.monotonic() - t0:.1f} s")
    # The set-up's own trigger work (every queue entry's matching delivery, every new profile's trigger) is
    # still being delivered, one event at a time, after the warm-up's calls return. The warm-up's feedback
    # reveals are delivered after it: once every warm-up session shows its reveal, the burst meets a
    # deployment that has finished setting up rather than one still working through 2 x (pairs + warm-up)
    # leftover events.
    t0 = time.monotonic()
    while time.monotonic() - t0 < 120 and not all(
            (admin.get(f"peerSessions/{s['id']}") or {}).get("feedbackRevealed") for s in warm):
        time.sleep(0.5)
    print(f"BENCH the set-up's trigger events delivered {time.monotonic() - t0:.1f} s after the warm-up")
    timings.clear()
    started.clear()
    errors.clear()
    print("BENCH-PHASE start", flush=True)
    t0, cpu0 = time.monotonic(), time.process_time()
    phase_t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(max(1, min(args.concurrency, args.pairs))) as pool:
        list(pool.map(run_session, measured))
    wall = time.monotonic() - t0

    completed = 0
    finished: set[str] = set()  # members of completed sessions
    for s in measured:
        doc = admin.get(f"peerSessions/{s['id']}")
        if doc and doc["status"] == "completed":
            completed += 1
            finished.update(s["participantIds"])
    members = [u for s in measured for u in s["participantIds"]]

    def wrong(uid: str) -> dict[str, Any] | None:
        """What differs in `uid`'s userStats from what their one session implies (None when right)."""
        st = admin.get(f"userStats/{uid}") or {}
        expected = {"completedSessions": 1, "totalSessions": 1, "totalRatings": 1 if uid in given else 0,
                    "averageRating": float(given.get(uid, 0)), "asInterviewer": 1, "asInterviewee": 1}
        actual = {k: st.get(k) for k in list(expected)[:4]} | {
            k: (st.get(k) or {}).get("sessionCount") for k in ("asInterviewer", "asInterviewee")}
        return None if actual == expected else {"expected": expected, "actual": actual}

    # Stats move in the feedback triggers after the last call: wait up to 30 s for them to settle.
    pending, settle_deadline = list(members), time.monotonic() + 30
    while pending and time.monotonic() < settle_deadline:
        pending = [u for u in pending if wrong(u) is not None]
        if pending:
            time.sleep(1)
    mismatches = mismatches_finished = 0
    for uid in pending:
        diff = wrong(uid)
        if diff is None:
            continue
        mismatches += 1
        mismatches_finished += uid in finished
        if uid in finished:
            print(f"BENCH mismatch (completed session): {uid} {diff}")
    print("BENCH-PHASE end", flush=True)
    print(f"BENCH-UNITS session {args.pairs}", flush=True)
    print(f"BENCH-CPU {time.process_time() - cpu0:.1f}", flush=True)

    callables = {name: {"p50_ms": round(pct(v, 50), 1), "p95_ms": round(pct(v, 95), 1)}
                 for name, v in sorted(timings.items())}
    print("BENCH == whole sessions on the emulators ==")
    print(f"BENCH pairs {args.pairs} ({min(args.concurrency, args.pairs)} in flight), matched {len(sessions)}, "
          f"completed {completed}, "
          f"stats mismatches {mismatches} ({mismatches_finished} in completed sessions), wall {wall:.1f} s, "
          f"errors {len(errors)}")
    print(f"BENCH {'callable':<16}{'calls':>7}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}")
    for name, v in sorted(timings.items()):
        print(f"BENCH {name:<16}{len(v):>7}{pct(v, 50):>10.1f}{pct(v, 95):>10.1f}{statistics.mean(v):>10.1f}")
    # When the slow calls started (5-s windows from the burst's start): a tail that is one window is a
    # burst (everyone joining at once), one spread over the run is the machine.
    windows: dict[int, list[float]] = defaultdict(list)
    for at, ms in started:
        windows[int((at - phase_t0) // 5)].append(ms)
    print("BENCH calls by start (5-s windows): " + ", ".join(
        f"{w * 5}-{w * 5 + 5} s: {len(v)} calls, {sum(ms > 1500 for ms in v)} over 1.5 s, max {max(v):.0f} ms"
        for w, v in sorted(windows.items())))
    for e in errors[:5]:
        print(f"BENCH error: {e[:200]}")
    print(json.dumps({"pairs": args.pairs, "completed": completed, "stats_mismatches": mismatches,
                      "stats_mismatches_completed": mismatches_finished, "errors": len(errors),
                      "callables": callables}))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=50)
    # All 50 at once is the target; the Functions emulator starts a Python process per concurrent request,
    # which on a 2-core machine thrashes, so a smaller number of sessions in flight can be chosen.
    ap.add_argument("--concurrency", type=int, default=50, help="sessions in flight at the same time")
    ap.add_argument("--warmup", type=int, default=6, help="sessions run at once before the measured ones")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    return inner(args) if args.inner else outer(args)


if __name__ == "__main__":
    sys.exit(main())
