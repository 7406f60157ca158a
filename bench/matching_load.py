"""Emulator load: 200 people join the matching queue within 10 s.

Usage: python bench/matching_load.py [--users 200] [--window 10] [--warm-up 1|min|0] [--ideal]

Starts the Auth, Firestore, Functions and Tasks emulators by itself (through `firebase emulators:exec`),
stops them after, and prints a table and, last, one line of JSON:
{"users", "matched", "double_booked", "p50_ms", "p95_ms"}.

Each user is a real Auth-emulator account writing its own queue entry through the security rules, as the
web app does. Latency is from the entry's server timestamp (joinedAt) to the session's (createdAt): both
come from the Firestore emulator's clock, so no client clock is involved. Each entry's join time, status
and session go to .cache/matching-load-detail.json for reading where latency came from.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _harness import pct, run_inside_emulators


def outer(args: argparse.Namespace) -> int:
    """Start the emulators this bench needs and run its inner half inside them."""
    return run_inside_emulators(Path(__file__), ["--users", str(args.users), "--window", str(args.window),
                                                 "--warm-up", str(args.warm_up)],
                                "auth,firestore,functions,tasks", "bench-matching-load.log", watch=True)


def prefs(rng: random.Random) -> dict[str, Any]:
    # A realistic mix: mostly technical, some behavioral; English for nearly everyone.
    types = rng.choices([["technical"], ["technical", "behavioral"], ["behavioral"], ["mixed", "technical"],
                         ["case_study"]], weights=[50, 20, 15, 10, 5])[0]
    role = rng.choices(["flexible", "interviewee", "interviewer"], weights=[70, 20, 10])[0]
    langs = rng.choices([["english"], ["english", "spanish"], ["spanish"], ["english", "hindi"]],
                        weights=[75, 10, 5, 10])[0]
    return {
        "sessionTypes": types,
        "difficultyLevels": rng.choice([["beginner"], ["intermediate"], ["intermediate", "advanced"],
                                        ["advanced"]]),
        "rolePreference": role,
        "languages": langs,
        "industries": rng.choice([["tech"], ["finance"], [], ["tech", "ecommerce"]]),
        "targetRoles": [],
        "timeZone": rng.choice(["Europe/London", "America/New_York", "Asia/Kolkata", "Europe/Berlin",
                                "America/Los_Angeles", "Asia/Manila"]),
        "experienceLevel": rng.choice(["entry", "mid", "mid", "senior"]),
        "maxWaitTime": 120,
    }


WARM_UP_MODES = {
    "1": "in use (every function the burst uses has a worker: a pair matched and a person left waiting first)",
    "min": "after a quiet spell, as deployed (the queue trigger's minimum instance up, Firestore warm, "
           "every other function cold)",
    "0": "truly cold (emulators just started: no worker, a fresh Firestore JVM)",
}


def warm_up() -> None:
    """Starts the Functions emulator's workers of the functions the burst uses (the queue trigger, the match
    re-try and timeout, the no-show timer, which the Tasks emulator delivers at once), as an app in use has
    them: two people are paired and a third leaves after their first look. Their documents are removed
    before the measured phase. (A cold start costs the first delivery 1-3 s here; `--warm-up 0` shows it.)"""
    from tests.support.emulators import SERVER_TIMESTAMP, FirestoreClient, sign_up, wait_for

    admin = FirestoreClient.admin()
    people = [sign_up() for _ in range(3)]
    entry = {"sessionTypes": ["behavioral"], "difficultyLevels": ["intermediate"], "rolePreference": "flexible",
             "languages": ["english"], "industries": [], "targetRoles": [], "timeZone": "Europe/London",
             "experienceLevel": "mid", "maxWaitTime": 120, "status": "waiting"}
    for who in people[:2]:
        FirestoreClient.as_user(who).create(f"matchingQueue/{who.uid}",
                                            {"uid": who.uid, **entry, "joinedAt": SERVER_TIMESTAMP})
    sid = wait_for(lambda: (e := admin.get(f"matchingQueue/{people[0].uid}")) and e.get("sessionId"), timeout=60)
    lone = people[2]
    FirestoreClient.as_user(lone).create(f"matchingQueue/{lone.uid}", {
        "uid": lone.uid, **entry, "sessionTypes": ["case_study"], "joinedAt": SERVER_TIMESTAMP})
    wait_for(lambda: (admin.get(f"matchingQueue/{lone.uid}") or {}).get("looked") is True, timeout=60)
    time.sleep(3)  # the early task deliveries (no-show, re-try, timeout) start their workers
    for who in people:
        admin.delete(f"matchingQueue/{who.uid}")
    admin.delete(f"peerSessions/{sid}")


def warm_min_instances() -> None:
    """The first burst after a quiet spell, as production is configured (functions/main.py): the queue
    trigger's one minimum instance is up (its worker started and `main` imported, by one delivery that finds
    no waiting entry and leaves after one read), and Firestore is warm, which production's always is and a
    freshly started emulator's JVM is not (its first few hundred queries, commits and rules evaluations run
    interpreted while the JIT compiles them). The JVM is warmed on a scratch collection no function
    watches, removed after: nothing the burst reads is there. Every other function (the no-show, re-try and
    timeout timers) starts cold, as in production."""
    from tests.support.emulators import SERVER_TIMESTAMP, FirestoreClient, sign_up, wait_for

    admin = FirestoreClient.admin()
    who = sign_up()
    # Not "waiting": the trigger reads the entry once and returns (no look, no task, no other worker).
    admin.create(f"matchingQueue/{who.uid}", {"uid": who.uid, "status": "cancelled", "joinedAt": SERVER_TIMESTAMP})
    user = FirestoreClient.as_user(who)
    rng = random.Random(11)
    for i in range(300):
        p = prefs(rng)
        admin.create(f"benchWarmUp/{i}", {**p, "status": "waiting", "joinedAt": SERVER_TIMESTAMP})
        if i % 10 == 0:
            admin.query("benchWarmUp", [("status", "==", "waiting")])
            with contextlib.suppress(Exception):  # a write the rules refuse: their evaluation is warmed too
                user.create(f"benchWarmUp/u{i}", {"uid": who.uid})
    for i in range(300):
        admin.delete(f"benchWarmUp/{i}")
    wait_for(_trigger_worker_up, timeout=60)
    admin.delete(f"matchingQueue/{who.uid}")


def _trigger_worker_up() -> bool:
    """Whether this tree's Functions emulator has a queue-trigger worker with `main` imported: the
    functions-framework master imports the source before gunicorn forks its worker, so a forked child
    means the import is done."""
    mine = str(ROOT / "functions")
    serving: dict[int, int] = {}  # pid -> parent pid, of the processes serving the trigger
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            env = (entry / "environ").read_bytes()
            if b"FUNCTION_TARGET=onQueueEntryCreated\0" in env and os.readlink(entry / "cwd") == mine:
                serving[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile, or not ours to read
    return any(parent in serving for parent in serving.values())


def inner(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    from tests.support.emulators import SERVER_TIMESTAMP, FirestoreClient, clear_firestore, sign_up

    clear_firestore()
    rng = random.Random(7)
    with cf.ThreadPoolExecutor(16) as pool:
        users = list(pool.map(lambda _: sign_up(), range(args.users)))
    plan = [(u, prefs(rng)) for u in users]
    gap = args.window / max(len(plan), 1)
    if args.warm_up == "1":
        warm_up()
    elif args.warm_up == "min":
        warm_min_instances()
    print(f"BENCH start: {WARM_UP_MODES[args.warm_up]}", flush=True)
    print("BENCH-PHASE start", flush=True)
    cpu0 = time.process_time()
    start = time.monotonic()

    def join(i_item: tuple[int, tuple[Any, dict[str, Any]]]) -> None:
        i, (user, p) = i_item
        delay = start + i * gap - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        FirestoreClient.as_user(user).create(
            f"matchingQueue/{user.uid}", {"uid": user.uid, **p, "status": "waiting", "joinedAt": SERVER_TIMESTAMP})

    with cf.ThreadPoolExecutor(32) as pool:
        list(pool.map(join, enumerate(plan)))
    join_span = time.monotonic() - start

    admin = FirestoreClient.admin()
    # Wait until no entry has changed for a while (or 90 s), so late matches (re-tries) are counted.
    last, stable_since, deadline = -1, time.monotonic(), time.monotonic() + 90
    while time.monotonic() < deadline:
        n = len(admin.query("matchingQueue", [("status", "==", "matched")]))
        if n != last:
            last, stable_since = n, time.monotonic()
        elif time.monotonic() - stable_since > 12:
            break
        time.sleep(1)

    print("BENCH-PHASE end", flush=True)
    print(f"BENCH-UNITS join {args.users}", flush=True)
    print(f"BENCH-CPU {time.process_time() - cpu0:.1f}", flush=True)
    entries = {e["__name__"].split("/")[-1]: e for e in admin.query("matchingQueue")}
    sessions = admin.query("peerSessions")
    seats = Counter(uid for s in sessions for uid in s["participantIds"])
    double_booked = sum(1 for c in seats.values() if c > 1)
    latencies = []
    for s in sessions:
        for uid in s["participantIds"]:
            e = entries.get(uid)
            if e and e.get("joinedAt") and s.get("createdAt"):
                latencies.append((s["createdAt"] - e["joinedAt"]).total_seconds() * 1000)
    matched = sum(1 for e in entries.values() if e.get("status") == "matched")
    (ROOT / ".cache" / "matching-load-detail.json").write_text(json.dumps({
        "entries": {u: {"joinedAt": e["joinedAt"].timestamp() if e.get("joinedAt") else None,
                        "status": e.get("status"), "sessionId": e.get("sessionId")} for u, e in entries.items()},
        "sessions": {s["__name__"].split("/")[-1]: {"createdAt": s["createdAt"].timestamp(),
                                                    "p": s["participantIds"]} for s in sessions}}))
    result = {"users": len(users), "matched": matched, "double_booked": double_booked,
              "p50_ms": round(pct(latencies, 50), 1), "p95_ms": round(pct(latencies, 95), 1)}
    rows = [
        ("users joined", len(users)),
        ("join window (s)", round(join_span, 1)),
        ("sessions created", len(sessions)),
        ("users matched", matched),
        ("still waiting", sum(1 for e in entries.values() if e.get("status") == "waiting")),
        ("users in >1 session", double_booked),
        ("queue write -> session p50 (ms)", result["p50_ms"]),
        ("queue write -> session p95 (ms)", result["p95_ms"]),
        ("queue write -> session max (ms)", round(max(latencies), 1) if latencies else "n/a"),
        ("mean latency (ms)", round(statistics.mean(latencies), 1) if latencies else "n/a"),
    ]
    print("BENCH == matching load on the emulators ==")
    for name, value in rows:
        print(f"BENCH {name:<34}{value:>10}")
    print(json.dumps(result))
    return 0


def ideal(args: argparse.Namespace) -> int:
    """The floor the people themselves set: the same arrivals paired by the same rules with no I/O at all.
    Each newcomer takes its best partner at once, then the oldest BATCH_POOL waiting are paired by best
    score, every arrival step and for 100 s after (matching.py in-process; reliability 1, no blocks)."""
    sys.path.insert(0, str(ROOT / "functions"))
    from salamin import matching

    rng = random.Random(7)
    plan = [prefs(rng) for _ in range(args.users)]
    step = args.window / max(len(plan), 1)
    t0 = 1_780_000_000.0
    waiting: dict[str, matching.Candidate] = {}
    latencies: list[float] = []

    def paired(a: matching.Candidate, b: matching.Candidate, at: float) -> None:
        waiting.pop(a.uid, None)
        waiting.pop(b.uid, None)
        latencies.extend([at - a.joined_at, at - b.joined_at])

    t, i = t0, 0
    while t < t0 + args.window + 100:
        while i < len(plan) and t0 + i * step <= t:
            me = matching.Candidate(uid=f"u{i:04d}", prefs=matching.Preferences.from_doc(plan[i]),
                                    joined_at=t0 + i * step, reliability=1.0, blocked=frozenset(),
                                    recent_partners=frozenset(), priority=False)
            i += 1
            if (best := matching.pick_partner(me, list(waiting.values()), t)) is not None:
                paired(me, best[0], t)
            else:
                waiting[me.uid] = me
        for a, b, _ in matching.best_pairs(list(waiting.values())[:matching.BATCH_POOL], t):
            paired(a, b, t)
        t += step
    print(json.dumps({"users": len(plan), "matched": len(latencies), "p50_ms": round(pct(latencies, 50) * 1000),
                      "p95_ms": round(pct(latencies, 95) * 1000), "max_ms": round(max(latencies) * 1000)}))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--window", type=float, default=10.0)
    ap.add_argument("--warm-up", choices=tuple(WARM_UP_MODES), default="1",
                    help="; ".join(f"{k}: {v}" for k, v in WARM_UP_MODES.items()))
    ap.add_argument("--ideal", action="store_true",
                    help="no emulators: the same arrivals paired instantly by the same rules (the floor)")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    return ideal(args) if args.ideal else inner(args) if args.inner else outer(args)


if __name__ == "__main__":
    sys.exit(main())
