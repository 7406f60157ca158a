"""Discrete-event simulation: the seed's greedy matcher against salamin.matching.

Usage: python3 bench/matching_sim.py [--quick] [--sweep]

Seeded Poisson arrival traces (balanced role wishes at a low and a high rate, and a role-skewed trace:
60% "interviewee first", 15% "interviewer first", 25% "either", at three rates) are run through the
seed's matcher and ours. Each person's trigger runs 0.3-1.2 s after their entry appears (uniform), as
does every re-try task; the entry is visible to everyone else's attempts meanwhile. Ours runs in four
modes: `ours` (what production does: newcomer protection, re-tries leave an entry alone until its own
trigger looked, and each first look also pairs the rest of its pool by best score), `ours_no_pool`
(protection only), `ours_unprotected` (re-tries may grab a newcomer, no pool pairing) and `ours_batch`
(no per-person attempts: every 2 s the best-scoring acceptable pairs among all waiting are formed).
`--sweep` also runs the skewed traces for several role-bending thresholds. The last line of output is
one JSON object: {trace: {algorithm: {metric: value}}}.
"""

from __future__ import annotations

import heapq
import json
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "functions"))

from salamin import matching as m

SEED = 20240611
SIM_MINUTES = 30
RATES_PER_MIN = {"low": 2.0, "high": 60.0}
REPLICATIONS = 20

# --- Preference mix -------------------------------------------------------------------------------
# Weighted choices. Most people practise technical interviews, many also behavioral.
SESSION_MIX: list[tuple[tuple[str, ...], float]] = [
    (("technical",), 0.45),
    (("technical", "behavioral"), 0.20),
    (("behavioral",), 0.10),
    (("mixed",), 0.05),
    (("technical", "mixed"), 0.05),
    (("case_study",), 0.04),
    (("case_study", "behavioral"), 0.03),
    (("technical", "behavioral", "case_study", "mixed"), 0.08),
]
DIFFICULTY_MIX: list[tuple[tuple[str, ...], float]] = [
    (("beginner",), 0.20),
    (("intermediate",), 0.25),
    (("advanced",), 0.15),
    (("beginner", "intermediate"), 0.17),
    (("intermediate", "advanced"), 0.13),
    (("beginner", "intermediate", "advanced"), 0.10),
]
ROLE_MIX: list[tuple[str, float]] = [("interviewee", 0.20), ("interviewer", 0.10), ("flexible", 0.70)]
# What real traffic looks like: most people come to be interviewed.
SKEWED_ROLE_MIX: list[tuple[str, float]] = [("interviewee", 0.60), ("interviewer", 0.15), ("flexible", 0.25)]
EXPERIENCE_MIX: list[tuple[str, float]] = [("entry", 0.40), ("mid", 0.40), ("senior", 0.20)]
OTHER_LANGUAGE_MIX: list[tuple[str, float]] = [
    ("spanish", 0.25), ("hindi", 0.20), ("tagalog", 0.15), ("portuguese", 0.10), ("mandarin", 0.10),
    ("french", 0.08), ("german", 0.06), ("arabic", 0.06),
]
# Weighted toward North America, Europe, India and the Philippines.
ZONE_MIX: list[tuple[str, float]] = [
    ("America/New_York", 0.20), ("America/Chicago", 0.08), ("America/Los_Angeles", 0.12),
    ("Europe/London", 0.10), ("Europe/Berlin", 0.10), ("Asia/Kolkata", 0.15), ("Asia/Manila", 0.10),
    ("Asia/Singapore", 0.05), ("America/Sao_Paulo", 0.04), ("Australia/Sydney", 0.03),
    ("Africa/Lagos", 0.03),
]
INDUSTRY_WEIGHTS: list[tuple[str, float]] = [
    ("tech", 0.40), ("finance", 0.12), ("healthcare", 0.07), ("consulting", 0.08), ("ecommerce", 0.08),
    ("gaming", 0.05), ("education", 0.04), ("government", 0.03), ("media", 0.03), ("telecom", 0.03),
    ("automotive", 0.02), ("energy", 0.02), ("other", 0.03),
]
T = TypeVar("T")
T0 = 1_718_000_000.0  # a fixed epoch instant so time-zone offsets (DST) are reproducible


def _pick(rng: random.Random, mix: Sequence[tuple[T, float]]) -> T:
    return rng.choices([v for v, _ in mix], weights=[w for _, w in mix])[0]


def _languages(rng: random.Random) -> tuple[str, ...]:
    r = rng.random()
    if r < 0.75:
        return ("english",)
    if r < 0.92:
        return ("english", _pick(rng, OTHER_LANGUAGE_MIX))
    # Some people can only practise in a language other than English.
    return (_pick(rng, OTHER_LANGUAGE_MIX),)


def _industries(rng: random.Random) -> tuple[str, ...]:
    if rng.random() < 0.30:
        return ()
    chosen: list[str] = []
    for _ in range(rng.randint(1, 3)):
        ind = _pick(rng, INDUSTRY_WEIGHTS)
        if ind not in chosen:
            chosen.append(ind)
    return tuple(chosen)


def _candidate(rng: random.Random, uid: str, t: float,
               roles: Sequence[tuple[str, float]] = ROLE_MIX) -> m.Candidate:
    prefs = m.Preferences(
        session_types=_pick(rng, SESSION_MIX),
        difficulty_levels=_pick(rng, DIFFICULTY_MIX),
        role_preference=_pick(rng, roles),
        languages=_languages(rng),
        industries=_industries(rng),
        target_roles=(),
        time_zone=_pick(rng, ZONE_MIX),
        experience_level=_pick(rng, EXPERIENCE_MIX),
        max_wait_s=rng.uniform(120.0, 600.0),
    )
    reliability = 1.0 if rng.random() < 0.8 else rng.uniform(0.5, 0.95)
    return m.Candidate(uid=uid, prefs=prefs, joined_at=t, reliability=reliability)


def make_trace(rate_per_min: float, seed: int,
               roles: Sequence[tuple[str, float]] = ROLE_MIX) -> list[m.Candidate]:
    rng = random.Random(seed)
    out: list[m.Candidate] = []
    t = 0.0
    while True:
        t += rng.expovariate(rate_per_min / 60.0)
        if t > SIM_MINUTES * 60.0:
            return out
        out.append(_candidate(rng, f"u{len(out):05d}", T0 + t, roles))


# --- The seed's algorithm, re-implemented ---------------------------------------------------------


def seed_compatibility(a: m.Preferences, b: m.Preferences) -> float:
    """calculateCompatibility from the draft: weighted presence checks, divided by the weight sum."""
    s = 0.0
    if set(a.session_types) & set(b.session_types):
        s += 0.3
    if set(a.difficulty_levels) & set(b.difficulty_levels):
        s += 0.2
    ra, rb = a.role_preference, b.role_preference
    if {ra, rb} == {"interviewer", "interviewee"} or "flexible" in (ra, rb):
        s += 0.25
    common_ind = [i for i in a.industries if i in b.industries]
    if common_ind:
        s += 0.15 * len(common_ind) / max(len(a.industries), len(b.industries))
    if set(a.languages) & set(b.languages):
        s += 0.1
    return s / 1.0


# --- Event loop -----------------------------------------------------------------------------------

LATENCY_S = (0.3, 1.2)  # one trigger's or task's delay before its code runs (uniform)
BATCH_TICK_S = 2.0
ARRIVE, LEAVE, LOOK, TICK = 0, 1, 2, 3  # LOOK: a trigger (first look) or a re-try task runs


@dataclass
class Outcome:
    arrivals: int
    pairs: list[tuple[m.Candidate, m.Candidate, float]] = field(default_factory=list)
    left_at: dict[str, float] = field(default_factory=dict)  # when each person stopped waiting


Chooser = Callable[[m.Candidate, list[m.Candidate], float], m.Candidate | None]


def simulate(trace: list[m.Candidate], choose: Chooser, retry: Callable[[float], float] | None, *,
             protect: bool = True, latency_seed: int = 0, pool: bool = False) -> Outcome:
    """Arrivals (entry visible at once), each one's trigger after a latency, departures at max wait and
    (optionally) re-tries, also after a latency, until the queue drains."""
    rng = random.Random(latency_seed)
    events: list[tuple[float, int, int, str, bool]] = []
    seq = 0

    def push(t: float, kind: int, uid: str, first: bool = False) -> None:
        nonlocal seq
        heapq.heappush(events, (t, seq, kind, uid, first))
        seq += 1

    by_uid = {c.uid: c for c in trace}
    for c in trace:
        push(c.joined_at, ARRIVE, c.uid)
    waiting: dict[str, m.Candidate] = {}
    looked: set[str] = set()
    out = Outcome(arrivals=len(trace))
    while events:
        now, _, kind, uid, first = heapq.heappop(events)
        me = by_uid[uid]
        if kind == ARRIVE:
            waiting[uid] = me
            push(me.joined_at + me.prefs.max_wait_s, LEAVE, uid)
            push(now + rng.uniform(*LATENCY_S), LOOK, uid, True)
            continue
        if kind == LEAVE:
            if waiting.pop(uid, None) is not None:
                out.left_at[uid] = now
            continue
        if uid not in waiting:
            continue
        if first:
            others = [c for c in waiting.values() if c.uid != uid]
        else:
            # A re-try leaves newcomers to their own trigger (production: the `looked` mark).
            others = [c for c in waiting.values() if c.uid != uid and
                      (not protect or c.uid in looked or now - c.joined_at > m.NEWCOMER_GRACE_S)]
        partner = choose(me, others, now)
        looked.add(uid)
        if partner is not None:
            del waiting[uid], waiting[partner.uid]
            out.left_at[uid] = out.left_at[partner.uid] = now
            out.pairs.append((partner, me, now))
        if first and pool:
            # Production: a first look also pairs the rest of its pool (same session type, oldest first).
            mine = set(me.prefs.session_types)
            rest = [c for c in waiting.values() if set(c.prefs.session_types) & mine][:m.BATCH_POOL]
            for a, b, _ in m.best_pairs(rest, now):
                del waiting[a.uid], waiting[b.uid]
                out.left_at[a.uid] = out.left_at[b.uid] = now
                out.pairs.append((a, b, now))
        if partner is not None or uid not in waiting:
            continue
        if retry is not None:
            push(now + retry(now - me.joined_at) + rng.uniform(*LATENCY_S), LOOK, uid)
    return out


def simulate_batch(trace: list[m.Candidate]) -> Outcome:
    """No per-person attempts: every BATCH_TICK_S the acceptable pairs among everyone waiting are formed,
    greedily by score (the order ranked_partners would give, pair by pair)."""
    out = Outcome(arrivals=len(trace))
    ordered = sorted(trace, key=lambda c: c.joined_at)
    i = 0
    waiting: dict[str, m.Candidate] = {}
    t = ordered[0].joined_at if ordered else 0.0
    end = (ordered[-1].joined_at + m.MAX_WAIT_S) if ordered else 0.0
    while t <= end and (i < len(ordered) or waiting):
        while i < len(ordered) and ordered[i].joined_at <= t:
            waiting[ordered[i].uid] = ordered[i]
            i += 1
        for uid, c in list(waiting.items()):
            if m.is_expired(c, t):
                del waiting[uid]
                out.left_at[uid] = c.joined_at + c.prefs.max_wait_s
        edges: list[tuple[int, float, str, str]] = []
        people = list(waiting.values())
        for k, a in enumerate(people):
            for b, s in m.ranked_partners(a, people[k + 1:], t):
                edges.append((0 if m.mutual_rematch(a, b) else 1, -s, a.uid, b.uid))
        edges.sort()
        for _, _, ua, ub in edges:
            if ua in waiting and ub in waiting:
                a, b = waiting.pop(ua), waiting.pop(ub)
                out.left_at[ua] = out.left_at[ub] = t
                out.pairs.append((a, b, t))
        t += BATCH_TICK_S
    return out


def choose_seed(me: m.Candidate, waiting: list[m.Candidate], now: float) -> m.Candidate | None:
    best: m.Candidate | None = None
    best_score = 0.5
    for c in waiting:  # arrival order, like the draft's Map
        s = seed_compatibility(me.prefs, c.prefs)
        if s > best_score:
            best, best_score = c, s
    return best


def choose_ours(me: m.Candidate, waiting: list[m.Candidate], now: float) -> m.Candidate | None:
    picked = m.pick_partner(me, waiting, now)
    return None if picked is None else picked[0]


# --- Metrics --------------------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _tz_gap_h(a: m.Candidate, b: m.Candidate, at: float) -> float:
    oa, ob = m.utc_offset_hours(a.prefs.time_zone, at), m.utc_offset_hours(b.prefs.time_zone, at)
    if oa is None or ob is None:
        return 0.0
    diff = abs(oa - ob) % 24.0
    return min(diff, 24.0 - diff)


def _fits_basics(a: m.Candidate, b: m.Candidate) -> bool:
    return bool(set(a.prefs.languages) & set(b.prefs.languages)) and \
        bool(set(a.prefs.session_types) & set(b.prefs.session_types))


STARVED_OVERLAP_S = 30.0


def starved(trace: list[m.Candidate], out: Outcome) -> int:
    """People who timed out while someone sharing a language and a session type waited at least 30 s beside
    them (both in the queue at once, whatever their role wishes)."""
    matched = {c.uid for a, b, _ in out.pairs for c in (a, b)}
    span = {c.uid: (c.joined_at, out.left_at.get(c.uid, c.joined_at + c.prefs.max_wait_s)) for c in trace}
    ordered = sorted(trace, key=lambda c: c.joined_at)
    count = 0
    for a in ordered:
        if a.uid in matched:
            continue
        a0, a1 = span[a.uid]
        for b in ordered:
            if b.joined_at >= a1:
                break
            if b.uid == a.uid:
                continue
            b0, b1 = span[b.uid]
            if min(a1, b1) - max(a0, b0) >= STARVED_OVERLAP_S and _fits_basics(a, b):
                count += 1
                break
    return count


def metrics(trace: list[m.Candidate], out: Outcome) -> dict[str, float | int]:
    pairs = out.pairs
    waits = [t - c.joined_at for a, b, t in pairs for c in (a, b)]
    ours = [m.score(a, b, t) for a, b, t in pairs]
    lang = sum(1 for a, b, _ in pairs if not set(a.prefs.languages) & set(b.prefs.languages))
    stype = sum(1 for a, b, _ in pairs if not set(a.prefs.session_types) & set(b.prefs.session_types))
    role = sum(1 for a, b, _ in pairs if not m.roles_fit(a.prefs.role_preference, b.prefs.role_preference))
    no_diff = sum(1 for a, b, _ in pairs if not set(a.prefs.difficulty_levels) & set(b.prefs.difficulty_levels))
    gaps = [_tz_gap_h(a, b, t) for a, b, t in pairs]
    n_people = max(out.arrivals, 1)
    return {
        "match_rate": round(2 * len(pairs) / n_people, 3),
        "wait_p50_s": round(_percentile(waits, 0.5), 1),
        "wait_p95_s": round(_percentile(waits, 0.95), 1),
        "starved_share": round(starved(trace, out) / n_people, 3),
        "no_common_difficulty_pairs": no_diff,
        "mean_tz_gap_h": round(statistics.fmean(gaps), 2) if gaps else 0.0,
        "language_conflicts": lang,
        "session_type_conflicts": stype,
        # Same first-role wish on both sides: bent on purpose in ours (the longer waiter keeps the wish),
        # never noticed by the seed's matcher, which just puts two would-be interviewees together.
        "same_role_pairs": role,
        "mean_score": round(statistics.fmean(ours), 3) if ours else 0.0,
        "pairs": len(pairs),
        "arrivals": out.arrivals,
    }


JSON_KEYS = (
    "match_rate", "wait_p50_s", "wait_p95_s", "starved_share", "no_common_difficulty_pairs", "mean_tz_gap_h",
    "language_conflicts", "session_type_conflicts", "same_role_pairs", "mean_score",
)
TABLE_ROWS = (*JSON_KEYS, "pairs", "arrivals")

# name -> (arrivals per minute, role mix)
TRACES: dict[str, tuple[float, Sequence[tuple[str, float]]]] = {
    "balanced_low": (2.0, ROLE_MIX),
    "balanced_high": (60.0, ROLE_MIX),
    "skewed_low": (2.0, SKEWED_ROLE_MIX),
    "skewed_mid": (10.0, SKEWED_ROLE_MIX),
    "skewed_high": (60.0, SKEWED_ROLE_MIX),
}
ALGORITHMS = ("seed", "ours", "ours_no_pool", "ours_unprotected", "ours_batch")
SWEEP_BEND_S = (15.0, 30.0, 60.0, 90.0, 1e9)  # 1e9: never bend (strict wishes, the old rule)


def run(trace: list[m.Candidate], algo: str, latency_seed: int) -> Outcome:
    if algo == "seed":
        return simulate(trace, choose_seed, None, latency_seed=latency_seed)
    if algo == "ours":
        return simulate(trace, choose_ours, m.retry_delay_s, protect=True, latency_seed=latency_seed, pool=True)
    if algo == "ours_no_pool":
        return simulate(trace, choose_ours, m.retry_delay_s, protect=True, latency_seed=latency_seed)
    if algo == "ours_unprotected":
        return simulate(trace, choose_ours, m.retry_delay_s, protect=False, latency_seed=latency_seed)
    return simulate_batch(trace)


def _mean_rows(rows: list[dict[str, float | int]]) -> dict[str, float]:
    return {k: round(statistics.fmean(float(r[k]) for r in rows), 3) for k in TABLE_ROWS}


def evaluate(name: str, reps: int, algos: Sequence[str]) -> dict[str, dict[str, float]]:
    rate, roles = TRACES[name]
    base = SEED + 1000 * list(TRACES).index(name)
    rows: dict[str, list[dict[str, float | int]]] = {a: [] for a in algos}
    for k in range(reps):
        trace = make_trace(rate, base + k, roles)
        for algo in algos:
            rows[algo].append(metrics(trace, run(trace, algo, base + k)))
    return {algo: _mean_rows(rs) for algo, rs in rows.items()}


def print_table(title: str, results: dict[str, dict[str, float]]) -> None:
    print(f"\n== {title} ==")
    algos = list(results)
    print(f"{'metric':<28}" + "".join(f"{a:>18}" for a in algos))
    for key in TABLE_ROWS:
        print(f"{key:<28}" + "".join(f"{results[a][key]:>18g}" for a in algos))


def main() -> None:
    quick = "--quick" in sys.argv
    reps = 2 if quick else 5
    started = time.time()
    summary: dict[str, dict[str, dict[str, float]]] = {}
    for name, (rate, roles) in TRACES.items():
        results = evaluate(name, reps, ALGORITHMS)
        mix = "/".join(f"{dict(roles)[r]:.0%}" for r in ("interviewee", "interviewer", "flexible"))
        print_table(f"{name}: {rate:g} arrivals/min over {SIM_MINUTES} min, roles interviewee/interviewer/either "
                    f"{mix}, mean of {reps} traces", results)
        summary[name] = {algo: {k: r[k] for k in JSON_KEYS} for algo, r in results.items()}
    if "--sweep" in sys.argv:
        keep = m.BEND_AFTER_S
        for name in TRACES:
            sweep: dict[str, dict[str, float]] = {}
            for bend in SWEEP_BEND_S:
                m.BEND_AFTER_S = bend
                label = "never" if bend >= 1e8 else f"bend {bend:g}s"
                sweep[label] = evaluate(name, reps, ("ours",))["ours"]
            m.BEND_AFTER_S = keep
            print_table(f"{name}: ours with other role-bending thresholds", sweep)
    print(f"\n(simulated in {time.time() - started:.0f} s; starved: timed out while someone sharing a language"
          f" and a session type waited >= {STARVED_OVERLAP_S:g} s beside them; latency {LATENCY_S[0]}-"
          f"{LATENCY_S[1]} s per trigger and task)")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
