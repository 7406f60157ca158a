"""Discrete-event simulation: the seed's greedy matcher against salamin.matching.

Usage: python3 bench/matching_sim.py

One seeded Poisson arrival trace per rate is run through both algorithms. The last line of output is
one JSON object: {"low": {"seed": {...}, "ours": {...}}, "high": {...}}.
"""

from __future__ import annotations

import heapq
import json
import math
import random
import statistics
import sys
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


def _candidate(rng: random.Random, uid: str, t: float) -> m.Candidate:
    prefs = m.Preferences(
        session_types=_pick(rng, SESSION_MIX),
        difficulty_levels=_pick(rng, DIFFICULTY_MIX),
        role_preference=_pick(rng, ROLE_MIX),
        languages=_languages(rng),
        industries=_industries(rng),
        target_roles=(),
        time_zone=_pick(rng, ZONE_MIX),
        experience_level=_pick(rng, EXPERIENCE_MIX),
        max_wait_s=rng.uniform(120.0, 600.0),
    )
    reliability = 1.0 if rng.random() < 0.8 else rng.uniform(0.5, 0.95)
    return m.Candidate(uid=uid, prefs=prefs, joined_at=t, reliability=reliability)


def make_trace(rate_per_min: float, seed: int) -> list[m.Candidate]:
    rng = random.Random(seed)
    out: list[m.Candidate] = []
    t = 0.0
    while True:
        t += rng.expovariate(rate_per_min / 60.0)
        if t > SIM_MINUTES * 60.0:
            return out
        out.append(_candidate(rng, f"u{len(out):05d}", T0 + t))


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

ARRIVE, LEAVE, RETRY = 0, 1, 2


@dataclass
class Outcome:
    arrivals: int
    pairs: list[tuple[m.Candidate, m.Candidate, float]] = field(default_factory=list)


def simulate(
    trace: list[m.Candidate],
    choose: Callable[[m.Candidate, dict[str, m.Candidate], float], m.Candidate | None],
    retry: Callable[[float], float] | None,
) -> Outcome:
    """Run arrivals, departures at max wait and (optionally) periodic re-tries until the queue drains."""
    events: list[tuple[float, int, int, str]] = []
    seq = 0
    by_uid = {c.uid: c for c in trace}
    for c in trace:
        heapq.heappush(events, (c.joined_at, seq, ARRIVE, c.uid))
        seq += 1
    waiting: dict[str, m.Candidate] = {}
    out = Outcome(arrivals=len(trace))
    while events:
        now, _, kind, uid = heapq.heappop(events)
        me = by_uid[uid]
        if kind == LEAVE:
            waiting.pop(uid, None)
            continue
        if kind == RETRY and uid not in waiting:
            continue
        partner = choose(me, waiting, now)
        if partner is not None:
            waiting.pop(uid, None)
            del waiting[partner.uid]
            out.pairs.append((partner, me, now))
            continue
        if kind == ARRIVE:
            waiting[uid] = me
            heapq.heappush(events, (me.joined_at + me.prefs.max_wait_s, seq, LEAVE, uid))
            seq += 1
        if retry is not None:
            heapq.heappush(events, (now + retry(now - me.joined_at), seq, RETRY, uid))
            seq += 1
    return out


def choose_seed(me: m.Candidate, waiting: dict[str, m.Candidate], now: float) -> m.Candidate | None:
    best: m.Candidate | None = None
    best_score = 0.5
    for c in waiting.values():  # insertion order, like the draft's Map
        if c.uid == me.uid:
            continue
        s = seed_compatibility(me.prefs, c.prefs)
        if s > best_score:
            best, best_score = c, s
    return best


def choose_ours(me: m.Candidate, waiting: dict[str, m.Candidate], now: float) -> m.Candidate | None:
    picked = m.pick_partner(me, waiting.values(), now)
    return None if picked is None else picked[0]


# --- Metrics --------------------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def metrics(out: Outcome) -> dict[str, float | int]:
    pairs = out.pairs
    waits = [t - c.joined_at for a, b, t in pairs for c in (a, b)]
    ours = [m.score(a, b, t) for a, b, t in pairs]
    seeds = [seed_compatibility(a.prefs, b.prefs) for a, b, _ in pairs]
    levels = [{a.prefs.experience_level, b.prefs.experience_level} for a, b, _ in pairs]
    gap = sum(1 for pair in levels if pair == {"entry", "senior"})
    lang = sum(1 for a, b, _ in pairs if not set(a.prefs.languages) & set(b.prefs.languages))
    role = sum(1 for a, b, _ in pairs if not m.roles_fit(a.prefs.role_preference, b.prefs.role_preference))
    stype = sum(1 for a, b, _ in pairs if not set(a.prefs.session_types) & set(b.prefs.session_types))
    usable = sum(2 for a, b, _ in pairs if m.hard_fit(a, b) is None)
    n = max(len(pairs), 1)
    return {
        "match_rate": round(2 * len(pairs) / max(out.arrivals, 1), 3),
        "mean_score": round(statistics.fmean(ours), 3) if ours else 0.0,
        "wait_p50_s": round(_percentile(waits, 0.5), 3),
        "wait_p95_s": round(_percentile(waits, 0.95), 3),
        "level_gap_share": round(gap / n, 3),
        "language_conflicts": lang,
        "role_conflicts": role,
        # Printed for information only; not part of the JSON line.
        "seed_mean_score": round(statistics.fmean(seeds), 3) if seeds else 0.0,
        "session_type_conflicts": stype,
        "usable_match_rate": round(usable / max(out.arrivals, 1), 3),
        "pairs": len(pairs),
        "arrivals": out.arrivals,
    }


JSON_KEYS = (
    "match_rate", "mean_score", "wait_p50_s", "wait_p95_s", "level_gap_share", "language_conflicts",
    "role_conflicts",
)
TABLE_ROWS = (
    *JSON_KEYS, "seed_mean_score", "session_type_conflicts", "usable_match_rate", "pairs", "arrivals",
)


def no_possible_partner(trace: list[m.Candidate]) -> int:
    """People whom no conflict-free matcher could pair: nobody passing hard_fit overlaps their wait."""
    ordered = sorted(trace, key=lambda c: c.joined_at)
    has_partner: set[str] = set()
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.joined_at > a.joined_at + a.prefs.max_wait_s:
                break
            if m.hard_fit(a, b) is None:
                has_partner.update((a.uid, b.uid))
    return len(trace) - len(has_partner)


def replications(rate: float, base_seed: int) -> None:
    """Means over independent traces: one 30-minute trace is too small to compare low-rate means."""
    rows: dict[str, list[dict[str, float | int]]] = {"seed": [], "ours": []}
    for k in range(REPLICATIONS):
        trace = make_trace(rate, base_seed + k)
        rows["seed"].append(metrics(simulate(trace, choose_seed, None)))
        rows["ours"].append(metrics(simulate(trace, choose_ours, m.retry_delay_s)))
    print(f"-- mean over {REPLICATIONS} more traces at this rate; last column: traces where ours is")
    print("   better or equal --")
    for key in ("match_rate", "mean_score", "wait_p95_s", "usable_match_rate"):
        means = {algo: statistics.fmean(float(r[key]) for r in rs) for algo, rs in rows.items()}
        lower_is_better = key == "wait_p95_s"
        ok = sum(
            (o[key] <= s[key]) if lower_is_better else (o[key] >= s[key])
            for s, o in zip(rows["seed"], rows["ours"], strict=True)
        )
        print(f"{key:<24}{means['seed']:>10.3f}{means['ours']:>10.3f}{ok:>6}")


def main() -> None:
    summary: dict[str, dict[str, dict[str, float | int]]] = {}
    for i, (name, rate) in enumerate(RATES_PER_MIN.items()):
        trace = make_trace(rate, SEED + i)
        results = {
            "seed": metrics(simulate(trace, choose_seed, None)),
            "ours": metrics(simulate(trace, choose_ours, m.retry_delay_s)),
        }
        print(f"\n== {name} rate: {rate:g} arrivals/min over {SIM_MINUTES} min ({len(trace)} arrivals) ==")
        print(f"{'metric':<24}{'seed':>10}{'ours':>10}")
        for key in TABLE_ROWS:
            print(f"{key:<24}{results['seed'][key]:>10}{results['ours'][key]:>10}")
        alone = no_possible_partner(trace)
        print(f"{alone} people have no conflict-free partner in their window: no conflict-free matcher can")
        print(f"exceed match_rate {(len(trace) - alone) / len(trace):.3f} on this trace.")
        replications(rate, SEED + 1000 * (i + 1))
        summary[name] = {algo: {k: r[k] for k in JSON_KEYS} for algo, r in results.items()}
    print("\n(mean_score uses salamin's score() for both; seed_mean_score is the draft's own compatibility;")
    print(" usable_match_rate counts only people in pairs that pass hard_fit.)")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
