"""Pure domain logic of the Salamin matching queue.

Nothing here touches Firestore or the clock: callers pass the instant (`now`, epoch seconds) so a
re-delivered trigger recomputes exactly the same decision.

Vocabulary follows the product draft (MatchingPreferences, compatibility, role assignment) with its
defects fixed: session type, language and role fit are hard constraints instead of score terms, and the
soft score also weighs experience, time zone and reliability.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from salamin import vocabulary as vocab

# --- Allowed values and limits: salamin.vocabulary is their one source (rules and web are tested against it)

SESSION_TYPES = vocab.SESSION_TYPES
DIFFICULTIES = vocab.DIFFICULTIES
ROLE_PREFERENCES = vocab.ROLE_PREFERENCES
EXPERIENCE_LEVELS = vocab.EXPERIENCE_LEVELS
LANGUAGES = vocab.LANGUAGES
INDUSTRIES = vocab.INDUSTRIES

INTERVIEWER = "interviewer"
INTERVIEWEE = "interviewee"
FLEXIBLE = "flexible"


def _size(spec: vocab.Spec) -> tuple[int, int]:
    if isinstance(spec, vocab.EnumList):
        return (spec.min_items, spec.max_items)
    if isinstance(spec, vocab.StrList):
        return (spec.min_items, spec.max_items)
    if isinstance(spec, vocab.Str):
        return (spec.min_len, spec.max_len)
    raise TypeError(spec)


def _item_len(spec: vocab.Spec) -> tuple[int, int]:
    if isinstance(spec, vocab.StrList):
        return (spec.min_len, spec.max_len)
    raise TypeError(spec)


_Q = vocab.QUEUE_ENTRY
MIN_WAIT_S, MAX_WAIT_S = vocab.MAX_WAIT_S
SESSION_TYPES_SIZE = _size(_Q["sessionTypes"])
DIFFICULTY_LEVELS_SIZE = _size(_Q["difficultyLevels"])
LANGUAGES_SIZE = _size(_Q["languages"])
INDUSTRIES_SIZE = _size(_Q["industries"])
TARGET_ROLES_SIZE = _size(_Q["targetRoles"])
TARGET_ROLE_LEN = _item_len(_Q["targetRoles"])
TIME_ZONE_LEN = _size(_Q["timeZone"])
TIME_ZONE_PATTERN = vocab.TIME_ZONE_PATTERN
_TIME_ZONE_RE = re.compile(TIME_ZONE_PATTERN)
_UID_RE = re.compile(vocab.UID_PATTERN)
BLOCKED_USER_IDS_MAX = vocab.BLOCKED_USER_IDS_MAX

# List fields: Firestore name -> (allowed values, or None for free text; size bounds).
_LIST_FIELDS: dict[str, tuple[tuple[str, ...] | None, tuple[int, int]]] = {
    "sessionTypes": (SESSION_TYPES, SESSION_TYPES_SIZE),
    "difficultyLevels": (DIFFICULTIES, DIFFICULTY_LEVELS_SIZE),
    "languages": (LANGUAGES, LANGUAGES_SIZE),
    "industries": (INDUSTRIES, INDUSTRIES_SIZE),
    "targetRoles": (None, TARGET_ROLES_SIZE),
}
_ENUM_FIELDS: dict[str, tuple[str, ...]] = {
    "rolePreference": ROLE_PREFERENCES,
    "experienceLevel": EXPERIENCE_LEVELS,
}
PREFERENCE_FIELDS: tuple[str, ...] = (
    "sessionTypes", "difficultyLevels", "rolePreference", "languages", "industries", "targetRoles",
    "timeZone", "experienceLevel", "maxWaitTime",
)

# --- Score weights --------------------------------------------------------------------------------
# Session type, language and role fit are hard constraints, so the score only ranks pairs that can
# already hold a session. Difficulty decides whether the questions suit both, so it weighs most;
# experience closeness next (an entry/senior pair turns practice into mentoring); role complementarity
# prefers pairs whose wishes both come true; time zone makes a follow-up session easy to schedule;
# reliability lowers the chance of a no-show; industry is a nice-to-have.
W_DIFFICULTY = 0.25
W_EXPERIENCE = 0.20
W_ROLE = 0.15
W_TIME_ZONE = 0.15
W_RELIABILITY = 0.15
W_INDUSTRY = 0.10

NEUTRAL = 0.5  # component value when there is nothing to compare
TZ_ZERO_AT_H = 8.0  # offsets this far apart leave no shared working hours

# --- Acceptance bar and ranking -------------------------------------------------------------------
# A fresh pair must be clearly good (0.6), which gives a newcomer a few seconds to meet a better
# partner at busy times. The bar then falls to 0.35 within 45 s: the floor only turns away pairs that
# agree on nothing soft (a reliable, flexible pair with no overlap scores about 0.3), and 45 s keeps the
# p95 wait under 30 s at busy times in bench/matching_sim.py (60 s came too close to it).
BAR_START = 0.6
BAR_FLOOR = 0.35
BAR_RELAX_S = 45.0
# Waiting time wins close calls: up to +0.1 rank for a candidate who waited a minute or more.
WAIT_BONUS = 0.1
WAIT_BONUS_FULL_S = 60.0
# Re-try often while the bar is still moving; afterwards new arrivals test the entry with the floor
# bar anyway, so a slow re-try is only a safety net for missed triggers or lost races.
RETRY_FAST_S = 5.0
RETRY_SLOW_S = 30.0
RETRY_MIN_S = 1.0
# A first-role wish is a wish, not a wall: once one of two people who both asked for the same first role
# has waited this long, they may be paired; the longer waiter keeps the wish and the other may decline at
# no cost. Measured in bench/matching_sim.py (role-skewed trace): see README.
BEND_AFTER_S = 30.0
# A bent pair never beats a pair whose wishes both come true (role term 0.3 instead of 0.8-1.0).
BENT_ROLE_VALUE = 0.3
# A newcomer's own trigger looks first: other people's re-tries leave an entry alone until its trigger
# has looked (or, should that trigger be lost, this long after it joined).
NEWCOMER_GRACE_S = 10.0
# A trigger's first look also pairs the rest of its pool (at most this many, oldest first) by best score:
# the emulator and a busy queue deliver triggers one at a time, so one delivery doing the work of many
# lets the later ones find their entries matched and return at once.
BATCH_POOL = 40


@dataclass(frozen=True)
class Preferences:
    session_types: tuple[str, ...]
    difficulty_levels: tuple[str, ...]
    role_preference: str
    languages: tuple[str, ...]
    industries: tuple[str, ...]
    target_roles: tuple[str, ...]
    time_zone: str
    experience_level: str
    max_wait_s: float

    @classmethod
    def from_doc(cls, d: dict[str, Any]) -> Preferences:
        """Build from a stored document; bookkeeping fields (uid, joinedAt, ...) are ignored.

        Raises ValueError listing the problems when a preference field is missing or invalid.
        """
        if not isinstance(d, dict):
            raise ValueError("invalid preferences: not a map")
        prefs = {k: d[k] for k in PREFERENCE_FIELDS if k in d}
        problems = validate_preferences(prefs)
        if problems:
            raise ValueError("invalid preferences: " + "; ".join(problems))
        return cls(
            session_types=tuple(prefs["sessionTypes"]),
            difficulty_levels=tuple(prefs["difficultyLevels"]),
            role_preference=prefs["rolePreference"],
            languages=tuple(prefs["languages"]),
            industries=tuple(prefs["industries"]),
            target_roles=tuple(prefs["targetRoles"]),
            time_zone=prefs["timeZone"],
            experience_level=prefs["experienceLevel"],
            max_wait_s=float(prefs["maxWaitTime"]),
        )


def _check_list(name: str, v: object, allowed: tuple[str, ...] | None, size: tuple[int, int]) -> list[str]:
    if not isinstance(v, list):
        return [f"{name} must be a list"]
    problems: list[str] = []
    lo, hi = size
    if not lo <= len(v) <= hi:
        problems.append(f"{name} must have {lo} to {hi} items, got {len(v)}")
    for item in v:
        if not isinstance(item, str):
            problems.append(f"{name} items must be strings, got {type(item).__name__}")
        elif allowed is not None and item not in allowed:
            problems.append(f"{name} has unknown value {item!r}")
        elif allowed is None and not TARGET_ROLE_LEN[0] <= len(item) <= TARGET_ROLE_LEN[1]:
            problems.append(f"{name} items must be {TARGET_ROLE_LEN[0]} to {TARGET_ROLE_LEN[1]} characters")
    hashable = [item for item in v if isinstance(item, str)]
    if len(set(hashable)) != len(hashable):
        problems.append(f"{name} has duplicate items")
    return problems


def validate_preferences(d: dict[str, Any]) -> list[str]:
    """Problems with a client-written preferences map; an empty list means valid.

    Mirrors the Firestore rules: exactly the known fields, right types, known enum values, list sizes,
    no duplicate items, string lengths and the wait bounds.
    """
    if not isinstance(d, dict):
        return ["preferences must be a map"]
    problems: list[str] = []
    for name in PREFERENCE_FIELDS:
        if name not in d:
            problems.append(f"missing field {name}")
    for name in d:
        if name not in PREFERENCE_FIELDS:
            problems.append(f"unknown field {name!r}")
    for name, (allowed, size) in _LIST_FIELDS.items():
        if name in d:
            problems.extend(_check_list(name, d[name], allowed, size))
    for name, allowed in _ENUM_FIELDS.items():
        if name in d:
            v = d[name]
            if not isinstance(v, str):
                problems.append(f"{name} must be a string")
            elif v not in allowed:
                problems.append(f"{name} has unknown value {v!r}")
    if "timeZone" in d:
        tz = d["timeZone"]
        if not isinstance(tz, str):
            problems.append("timeZone must be a string")
        elif not TIME_ZONE_LEN[0] <= len(tz) <= TIME_ZONE_LEN[1]:
            problems.append(f"timeZone must be {TIME_ZONE_LEN[0]} to {TIME_ZONE_LEN[1]} characters")
        elif not _TIME_ZONE_RE.fullmatch(tz):
            problems.append(f"timeZone {tz!r} is not an IANA zone name")
    if "maxWaitTime" in d:
        w = d["maxWaitTime"]
        if not isinstance(w, int) or isinstance(w, bool):
            problems.append("maxWaitTime must be a number of whole seconds")
        elif not MIN_WAIT_S <= w <= MAX_WAIT_S:
            problems.append(f"maxWaitTime must be between {MIN_WAIT_S} and {MAX_WAIT_S} seconds")
    return problems


@dataclass(frozen=True)
class Candidate:
    """One waiting entry of the queue."""

    uid: str
    prefs: Preferences
    joined_at: float
    reliability: float = 1.0
    blocked: frozenset[str] = frozenset()
    recent_partners: frozenset[str] = frozenset()
    priority: bool = False
    # People this person asked to practise with again; a mutual wish pairs them first (blocks still win).
    rematch: frozenset[str] = frozenset()
    # When this person first started waiting: a partner's "Not now" puts them back with a fresh joinedAt
    # (their timers) but their waiting still counts from here (bar, bonus, role bending, who keeps a wish).
    since: float | None = None

    @property
    def start(self) -> float:
        return self.joined_at if self.since is None else min(self.since, self.joined_at)


def parse_uid_list(value: object) -> tuple[frozenset[str], int]:
    """The well-formed uids in a stored list (blockedUserIds, recentPartners) and how many items were not.

    A missing field is an empty list. Raises ValueError when the value is not a list at all: for a block
    list that means we cannot know whom its owner refuses, so the caller skips that person.
    """
    if value is None:
        return frozenset(), 0
    if not isinstance(value, list):
        raise ValueError(f"expected a list of uids, got {type(value).__name__}")
    good = frozenset(v for v in value if isinstance(v, str) and _UID_RE.fullmatch(v))
    bad = sum(1 for v in value if not (isinstance(v, str) and _UID_RE.fullmatch(v)))
    return good, bad


def safe_max_wait_s(entry: dict[str, Any]) -> int:
    """The entry's maxWaitTime clamped to the allowed range; the shortest wait when it is unreadable, so a
    broken entry leaves the queue soon instead of never."""
    w = entry.get("maxWaitTime") if isinstance(entry, dict) else None
    if not isinstance(w, int) or isinstance(w, bool):
        return MIN_WAIT_S
    return min(max(w, MIN_WAIT_S), MAX_WAIT_S)


# --- Budget: queue joins per hour -------------------------------------------------------------------

QUEUE_JOINS_PER_HOUR = vocab.QUEUE_JOINS_PER_HOUR
JOIN_WINDOW_MS = 3_600_000


@dataclass(frozen=True)
class JoinDecision:
    allowed: bool
    joins: tuple[int, ...]  # what to store: the joins (ms) still inside the window, this one included if allowed
    retry_at_ms: int | None  # when refused: the first moment another join fits


def admit_join(previous: object, joined_ms: int, budget: int = QUEUE_JOINS_PER_HOUR) -> JoinDecision:
    """Whether a queue join at `joined_ms` fits the hourly budget, given the stored join times.

    Counted from the joins themselves (server times), not the clock, so a re-delivered trigger decides the
    same; a join already recorded is allowed again. Unreadable stored items are dropped.
    """
    raw = previous if isinstance(previous, list) else []
    window = sorted(t for t in raw if isinstance(t, int) and not isinstance(t, bool)
                    and joined_ms - t < JOIN_WINDOW_MS)
    if joined_ms in raw:
        return JoinDecision(True, tuple(window), None)
    if len(window) >= budget:
        return JoinDecision(False, tuple(window), window[len(window) - budget] + JOIN_WINDOW_MS)
    return JoinDecision(True, (*window, joined_ms)[-budget:], None)


# --- Hard constraints -----------------------------------------------------------------------------


def _common(first: Sequence[str], second: Sequence[str]) -> list[str]:
    # Keeps the first list's order so choices made from it are deterministic.
    other = set(second)
    return [x for x in first if x in other]


def roles_fit(a: str, b: str) -> bool:
    """Two strict wishes for the same role cannot both be honoured; flexible fits anything."""
    return not (a == b and a != FLEXIBLE)


def mutual_rematch(a: Candidate, b: Candidate) -> bool:
    """Both asked to practise with the other again."""
    return b.uid in a.rematch and a.uid in b.rematch


def may_bend(a: Candidate, b: Candidate, now: float | None) -> bool:
    """Two wishes for the same first role may be bent once the longer waiter has waited BEND_AFTER_S."""
    if now is None or roles_fit(a.prefs.role_preference, b.prefs.role_preference):
        return False
    return now - min(a.start, b.start) >= BEND_AFTER_S


def hard_fit(a: Candidate, b: Candidate, now: float | None = None) -> str | None:
    """None when a and b may be matched, otherwise the reason they may not.

    Without `now` role wishes are strict; with it, two equal wishes bend after BEND_AFTER_S (may_bend).
    """
    if a.uid == b.uid:
        return "same user"
    if b.uid in a.blocked or a.uid in b.blocked:
        return "blocked"
    if (b.uid in a.recent_partners or a.uid in b.recent_partners) and not mutual_rematch(a, b):
        return "recent partner"
    if not _common(a.prefs.session_types, b.prefs.session_types):
        return "no common session type"
    if not _common(a.prefs.languages, b.prefs.languages):
        # Two people who cannot talk cannot practise: not a penalty but a refusal.
        return "no common language"
    if not roles_fit(a.prefs.role_preference, b.prefs.role_preference) and not may_bend(a, b, now):
        return "roles do not fit"
    return None


# --- Soft score -----------------------------------------------------------------------------------


def _jaccard(x: Iterable[str], y: Iterable[str]) -> float:
    sx, sy = set(x), set(y)
    union = sx | sy
    return len(sx & sy) / len(union) if union else NEUTRAL


def _experience_closeness(a: str, b: str) -> float:
    if a not in EXPERIENCE_LEVELS or b not in EXPERIENCE_LEVELS:
        return NEUTRAL
    gap = abs(EXPERIENCE_LEVELS.index(a) - EXPERIENCE_LEVELS.index(b))
    return 1.0 - gap / (len(EXPERIENCE_LEVELS) - 1)


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def utc_offset_hours(zone: str, at: float) -> float | None:
    """UTC offset of `zone` at instant `at` (DST-aware), or None for an unknown zone."""
    tz = _zone(zone)
    if tz is None:
        return None
    offset = datetime.fromtimestamp(at, tz).utcoffset()
    return None if offset is None else offset.total_seconds() / 3600.0


def time_zone_closeness(zone_a: str, zone_b: str, at: float) -> float:
    """1.0 for equal local clocks, falling linearly to 0.0 at 8 hours apart; 0.5 if a zone is unknown."""
    oa, ob = utc_offset_hours(zone_a, at), utc_offset_hours(zone_b, at)
    if oa is None or ob is None:
        return NEUTRAL
    diff = abs(oa - ob) % 24.0
    # Measured around the clock: UTC+12 and UTC-11 show nearly the same local time of day.
    diff = min(diff, 24.0 - diff)
    return max(0.0, 1.0 - diff / TZ_ZERO_AT_H)


def role_complementarity(a: str, b: str) -> float:
    if not roles_fit(a, b):
        return BENT_ROLE_VALUE  # only reachable for a pair hard_fit allowed to bend
    if a == FLEXIBLE and b == FLEXIBLE:
        return 0.7
    if FLEXIBLE in (a, b):
        return 0.8
    return 1.0


def _industry_overlap(a: Sequence[str], b: Sequence[str]) -> float:
    # An empty list means "no preference", which neither helps nor hurts.
    if not a or not b:
        return NEUTRAL
    return _jaccard(a, b)


def _clamp01(x: float) -> float:
    return min(1.0, max(0.0, x))


def score(a: Candidate, b: Candidate, at: float | None = None) -> float:
    """Soft compatibility in [0, 1], symmetric in a and b.

    `at` is the instant for the time-zone offsets; by default the later join time, so the result does
    not depend on the wall clock.
    """
    instant = max(a.joined_at, b.joined_at) if at is None else at
    pa, pb = a.prefs, b.prefs
    total = (
        W_DIFFICULTY * _jaccard(pa.difficulty_levels, pb.difficulty_levels)
        + W_EXPERIENCE * _experience_closeness(pa.experience_level, pb.experience_level)
        + W_ROLE * role_complementarity(pa.role_preference, pb.role_preference)
        + W_TIME_ZONE * time_zone_closeness(pa.time_zone, pb.time_zone, instant)
        + W_RELIABILITY * (_clamp01(a.reliability) + _clamp01(b.reliability)) / 2.0
        + W_INDUSTRY * _industry_overlap(pa.industries, pb.industries)
    )
    return _clamp01(total)


# --- Acceptance and choice ------------------------------------------------------------------------


def acceptable_score(waited_s: float) -> float:
    """Minimum score accepted after waiting `waited_s`: 0.6 falling linearly to 0.35 at 45 s."""
    frac = min(max(waited_s, 0.0) / BAR_RELAX_S, 1.0)
    return BAR_START - (BAR_START - BAR_FLOOR) * frac


def wait_bonus(waited_s: float) -> float:
    return WAIT_BONUS * min(max(waited_s, 0.0) / WAIT_BONUS_FULL_S, 1.0)


def is_expired(c: Candidate, now: float) -> bool:
    return now - c.joined_at > c.prefs.max_wait_s


def ranked_partners(me: Candidate, waiting: Iterable[Candidate], now: float) -> list[tuple[Candidate, float]]:
    """Every acceptable partner for `me` among `waiting` with its score, best first.

    A pair is acceptable when it passes hard_fit (role wishes bend after BEND_AFTER_S) and its score reaches
    the bar of the longer waiter of the two, so a newcomer can take someone who has waited long. A mutual
    rematch wish comes first (whatever its score), then priority entries (put back after a partner's
    no-show or "Not now"); then the highest score plus wait bonus; ties go to the earlier joiner, then
    the smaller uid.
    """
    my_wait = now - me.start
    keyed: list[tuple[tuple[int, float, float, str], Candidate, float]] = []
    for c in waiting:
        # An entry past its own max wait has left, even if its removal has not run yet.
        if is_expired(c, now) or hard_fit(me, c, now) is not None:
            continue
        s = score(me, c, now)
        their_wait = now - c.start
        rematch = mutual_rematch(me, c)
        if s < acceptable_score(max(my_wait, their_wait)) and not rematch:
            continue
        # Rounded so float noise cannot beat the documented tie-break.
        rank = round(s + wait_bonus(their_wait), 9)
        keyed.append(((0 if rematch else 1 if c.priority else 2, -rank, c.start, c.uid), c, s))
    keyed.sort(key=lambda item: item[0])
    return [(c, s) for _, c, s in keyed]


def pick_partner(me: Candidate, waiting: Iterable[Candidate], now: float) -> tuple[Candidate, float] | None:
    """The best acceptable partner for `me` among `waiting` and its score, or None."""
    ranked = ranked_partners(me, waiting, now)
    return ranked[0] if ranked else None


def _with_prefs(c: Candidate, **changes: Any) -> Candidate:
    return replace(c, prefs=replace(c.prefs, **changes))


def waiting_counts(me: Candidate, others: Iterable[Candidate], now: float) -> dict[str, Any]:
    """The waiting screen's honest numbers for `me`, counts only (never who).

    `count`: those who could really be my partner now: hard_fit as the roles stand (bent only where the
    threshold has passed), not expired, and a score that reaches at least the floor bar (below it we would
    never pair them). `widen`: how many more with "either" as first role (eitherRole), with every session type
    (allSessionTypes), and, before my wish may bend, how many who want my first role too become possible
    (sameRoleAfterBend) in `bendInS` seconds. `roleOffer`: nobody fits now but someone would if I started
    in the other role.
    """
    pool = [c for c in others if c.uid != me.uid and not is_expired(c, now)]

    def count(who: Candidate, at: float) -> int:
        return sum(1 for c in pool if hard_fit(who, c, at) is None and score(who, c, at) >= BAR_FLOOR)

    now_count = count(me, now)
    widen: dict[str, int] = {"allSessionTypes": count(_with_prefs(me, session_types=SESSION_TYPES), now) - now_count}
    out: dict[str, Any] = {"count": now_count, "widen": widen}
    role = me.prefs.role_preference
    if role == FLEXIBLE:
        return out
    widen["eitherRole"] = count(_with_prefs(me, role_preference=FLEXIBLE), now) - now_count
    bend_in = BEND_AFTER_S - (now - me.start)
    if bend_in > 0:
        widen["sameRoleAfterBend"] = count(me, now + bend_in) - now_count
        widen["bendInS"] = math.ceil(bend_in)
    if now_count == 0:
        other = INTERVIEWER if role == INTERVIEWEE else INTERVIEWEE
        switched = count(_with_prefs(me, role_preference=other), now)
        if switched:
            out["roleOffer"] = {"role": other, "partners": switched}
    return out


def best_pairs(pool: Sequence[Candidate], now: float) -> list[tuple[Candidate, Candidate, float]]:
    """Disjoint acceptable pairs among `pool`, chosen greedily by the highest score (mutual rematch wishes
    first; ties to the longer waiter, then uids), so a batch pairs by maximum total score as nearly as a
    greedy pass can. Each pair is acceptable exactly as ranked_partners would accept it."""
    keyed: list[tuple[tuple[int, float, float, str, str], Candidate, Candidate, float]] = []
    for i, a in enumerate(pool):
        for b, s in ranked_partners(a, pool[i + 1:], now):
            key = (0 if mutual_rematch(a, b) else 1, -round(s, 9), min(a.start, b.start), a.uid, b.uid)
            keyed.append((key, a, b, s))
    keyed.sort(key=lambda item: item[0])
    taken: set[str] = set()
    out: list[tuple[Candidate, Candidate, float]] = []
    for _, a, b, s in keyed:
        if a.uid in taken or b.uid in taken:
            continue
        taken.update((a.uid, b.uid))
        out.append((a, b, s))
    return out


def retry_delay_s(waited_s: float) -> float:
    """Seconds until a waiting entry should be re-tried."""
    remaining = BAR_RELAX_S - max(waited_s, 0.0)
    if remaining > 0:
        # Land exactly on the moment the bar reaches its floor rather than overshoot it.
        return max(RETRY_MIN_S, min(RETRY_FAST_S, remaining))
    return RETRY_SLOW_S


# --- Session parameters for a matched pair --------------------------------------------------------


def common_session_type(a: Candidate, b: Candidate) -> str:
    """First of a's session types that b also wants (a's order is its preference order).

    Raises ValueError when there is none (hard_fit rejects such pairs).
    """
    common = _common(a.prefs.session_types, b.prefs.session_types)
    if not common:
        raise ValueError("no common session type")
    return common[0]


def common_language(a: Candidate, b: Candidate) -> str:
    """First of a's languages that b also speaks; ValueError when there is none."""
    common = _common(a.prefs.languages, b.prefs.languages)
    if not common:
        raise ValueError("no common language")
    return common[0]


def common_difficulty(a: Candidate, b: Candidate) -> str:
    """First of a's levels that b also wants; without overlap the level closest to both.

    Closest means the smallest distance to the farther of the two (no one is stretched by more than
    necessary), then the smallest total distance; a remaining tie takes the easier level, because a
    session slightly too easy is still practice while one too hard discourages.
    """
    common = _common(a.prefs.difficulty_levels, b.prefs.difficulty_levels)
    if common:
        return common[0]
    ia = [DIFFICULTIES.index(x) for x in a.prefs.difficulty_levels if x in DIFFICULTIES]
    ib = [DIFFICULTIES.index(x) for x in b.prefs.difficulty_levels if x in DIFFICULTIES]
    if not ia or not ib:
        raise ValueError("no known difficulty levels")

    def key(i: int) -> tuple[int, int, int]:
        da = min(abs(i - j) for j in ia)
        db = min(abs(i - j) for j in ib)
        return (max(da, db), da + db, i)

    return DIFFICULTIES[min(range(len(DIFFICULTIES)), key=key)]


def _level(experience: str) -> int:
    return EXPERIENCE_LEVELS.index(experience) if experience in EXPERIENCE_LEVELS else 0


def _other(role: str) -> str:
    return INTERVIEWEE if role == INTERVIEWER else INTERVIEWER


def _waited_longer(a: Candidate, b: Candidate) -> bool:
    return (a.start, a.uid) < (b.start, b.uid)


def bent_party(a: Candidate, b: Candidate) -> str | None:
    """The uid whose first-role wish gives way in this pair (the shorter waiter), or None if both come true."""
    if roles_fit(a.prefs.role_preference, b.prefs.role_preference):
        return None
    return b.uid if _waited_longer(a, b) else a.uid


def assign_roles(a: Candidate, b: Candidate) -> tuple[str, str]:
    """Roles of a and b for the first half of the session.

    Two equal strict wishes (a bent pair, see may_bend): the longer waiter keeps theirs, the other starts
    in the other role. Strict wishes are honoured and a flexible partner takes the complement. Two flexible people: the
    more experienced interviews first; on equal experience the longer waiter is interviewed first (the
    role most people come for), then the smaller uid. No randomness, so a re-delivered trigger agrees.
    """
    ra, rb = a.prefs.role_preference, b.prefs.role_preference
    if not roles_fit(ra, rb):
        return (ra, _other(ra)) if _waited_longer(a, b) else (_other(rb), rb)
    if ra != FLEXIBLE:
        return (ra, _other(ra))
    if rb != FLEXIBLE:
        return (_other(rb), rb)
    ea, eb = _level(a.prefs.experience_level), _level(b.prefs.experience_level)
    if ea != eb:
        return (INTERVIEWER, INTERVIEWEE) if ea > eb else (INTERVIEWEE, INTERVIEWER)
    return (INTERVIEWEE, INTERVIEWER) if _waited_longer(a, b) else (INTERVIEWER, INTERVIEWEE)
