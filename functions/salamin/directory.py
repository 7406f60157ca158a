"""The Community directory: who is listed, how they are found, and the queries that find them.

Pure: text normalisation, the tokens a listed member is found by, the rating band, "available now" from a
member's weekly availability, the directory request's checks, the index documents of a profile and the
query plan, the refresh budget. I/O: `search` (the `searchDirectory` callable), `on_profile_written` /
`refresh` (the profile trigger, within the member's refresh budget), `on_refresh_task` (a deferred refresh,
the end of a suspension) and `sweep_availability` (the scheduled "available now" refresh). Suspended
members have no index documents while the suspension lasts.

The directory is an inverted index the functions keep (clients neither read nor write it): for every listed
member and every sort, one document `directoryIndex/{sort}/by-{sort}/{sortKey}_{uid}` holding the public
card and a `has` map of the member's tokens (`all`, `w:<word>`, `s:<specialty>`, `l:<language>`,
`x:<experience>`, `r:3|4|45` for each minimum rating they meet, `n:now`). The document id begins with the
sort value, inverted and zero-padded, so the id order is the sort order. A query reads the chosen sort's
collection in id order with an equality filter `has.<token> == true` for each filter asked, limit page
size + 1. Only equality filters and the document-id order: production serves it from the automatic
single-field indexes (merged when there are several filters), with no composite index per token. Three
documents per member keep writes small and the database small; the emulator's query cost grows with every
document of the database and with the documents a query's filters match (see README, the directory bench).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from salamin import names, tasks
from salamin import vocabulary as vocab
from salamin.errors import DomainError

log = logging.getLogger(__name__)

PAGE_SIZE_DEFAULT = 12
PAGE_SIZE_MAX = 24
SEARCH_MAX_LEN = 80
WORDS_MAX = 12  # search words kept per profile (name first, then specialties, industries, target roles)
WORD_MIN_LEN = 2

# sort key -> the profile field it orders by (descending)
SORTS: dict[str, str] = {
    "rating": "peerStats.averageRating",
    "sessions": "peerStats.completedSessions",
    "recent": "lastActiveAt",
}
# ratingBand: 0 (no ratings, or under 3), 3 (3 to under 4), 4 (4 to under 4.5), 5 (4.5 and up).
RATING_BANDS: tuple[int, ...] = (0, 3, 4, 5)
MIN_RATINGS: dict[float, list[int]] = {3.0: [3, 4, 5], 4.0: [4, 5], 4.5: [5]}

# minimum rating asked -> its token (a member has the token of every minimum they meet)
RATING_TOKENS: dict[float, str] = {3.0: "r:3", 4.0: "r:4", 4.5: "r:45"}
# The order of a query's filters: the one expected to match fewest members first.
TOKEN_PRIORITY = ("w", "s", "n", "r", "l", "x")

# Fields this module derives on communityProfiles/{uid} (function-written; the rules refuse them to clients).
DERIVED_FIELDS = ("ratingBand", "availableNow", "availableHours")


# ---- normalisation and facets ------------------------------------------------------------------------

def words(text: str) -> list[str]:
    """Lower-case ASCII words of `text`: accents dropped ("José" -> "jose"), anything else a separator."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return [w for w in re.split(r"[^a-z0-9]+", plain) if len(w) >= WORD_MIN_LEN]


def slug(text: str) -> str:
    """A specialty as the filter names it: "System Design" and "system-design" are the same specialty."""
    return "-".join(re.split(r"[^a-z0-9]+", unicodedata.normalize("NFKD", text).encode("ascii", "ignore")
                             .decode().lower())).strip("-")


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def search_words(profile: Mapping[str, Any]) -> list[str]:
    """What a member is found by: name, specialties, industries and target roles, at most WORDS_MAX words."""
    name = profile.get("displayName")
    sources = [name if isinstance(name, str) else "", *_strings(profile.get("specialties")),
               *_strings(profile.get("industries")), *_strings(profile.get("targetRoles"))]
    out: list[str] = []
    for source in sources:
        for w in words(source):
            if w not in out:
                out.append(w)
    return out[:WORDS_MAX]


def rating_band(average: object, count: object) -> int:
    if not isinstance(average, (int, float)) or isinstance(average, bool) or not isinstance(count, int) or count < 1:
        return 0
    return 5 if average >= 4.5 else 4 if average >= 4 else 3 if average >= 3 else 0


# ---- availability ------------------------------------------------------------------------------------

def parse_availability(value: object) -> list[tuple[int, int, int]]:
    """(weekday 0 = Monday, start minute, end minute) of each usable range; a malformed or empty one is
    skipped (the rules check the shape, not that a range ends after it starts)."""
    if not isinstance(value, str) or not value or not re.fullmatch(vocab.AVAILABILITY_PATTERN, value):
        return []
    out = []
    for part in value.split(";"):
        day, span = part.split(" ")
        start, end = (int(t[:2]) * 60 + int(t[3:]) for t in span.split("-"))
        if end > start:
            out.append((vocab.WEEKDAYS.index(day), start, end))
    return out


def _zone(name: object) -> ZoneInfo:
    try:
        return ZoneInfo(name) if isinstance(name, str) and name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def available_at(availability: object, time_zone: object, when: dt.datetime) -> bool:
    """Whether `when` falls in one of the member's weekly ranges, read in the member's own time zone."""
    local = when.astimezone(_zone(time_zone))
    minute = local.hour * 60 + local.minute
    return any(day == local.weekday() and start <= minute < end
               for day, start, end in parse_availability(availability))


def available_hours(availability: object, time_zone: object, when: dt.datetime) -> list[int]:
    """UTC hours of the week (0 = Monday 00:00 UTC) a range touches, at the zone's offset around `when`:
    the sweep's index of whom to look at each hour (it then decides with `available_at`)."""
    ranges = parse_availability(availability)
    if not ranges:
        return []
    offset = when.astimezone(_zone(time_zone)).utcoffset() or dt.timedelta()
    off_min = int(offset.total_seconds() // 60)
    hours: set[int] = set()
    for day, start, end in ranges:
        first = day * 1440 + start - off_min
        last = day * 1440 + end - off_min - 1
        for h in range(first // 60, last // 60 + 1):
            hours.add(h % 168)
    return sorted(hours)


def hour_of_week(when: dt.datetime) -> int:
    utc = when.astimezone(dt.UTC)
    return utc.weekday() * 24 + utc.hour


def derived(profile: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The fields this module keeps on a profile, from the profile itself."""
    stats = profile.get("peerStats") if isinstance(profile.get("peerStats"), Mapping) else {}
    assert isinstance(stats, Mapping)
    listed = profile.get("listed") is True
    return {
        "ratingBand": rating_band(stats.get("averageRating"), stats.get("totalRatings")),
        "availableNow": listed and available_at(profile.get("availability"), profile.get("timeZone"), now),
        "availableHours": available_hours(profile.get("availability"), profile.get("timeZone"), now) if listed else [],
    }


# ---- the request and its query -----------------------------------------------------------------------

@dataclass(frozen=True)
class Request:
    search: str | None = None  # one normalised word
    specialty: str | None = None  # a slug
    language: str | None = None
    experience: str | None = None
    min_rating: float | None = None
    available_now: bool = False
    sort: str = "rating"
    page_size: int = PAGE_SIZE_DEFAULT
    cursor: str | None = None  # the id of the last index document of the previous page


def _bad(message: str) -> DomainError:
    return DomainError("invalid-argument", message)


def parse_request(data: object) -> Request:
    """The callable's payload, checked; anything off is refused in one sentence."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _bad("The directory request must be an object.")
    known = {"search", "specialty", "language", "experience", "minRating", "availableNow", "sort", "pageSize",
             "cursor"}
    if extra := sorted(set(data) - known):
        raise _bad(f"Unknown directory option: {extra[0]}.")
    search = data.get("search") or ""
    if not isinstance(search, str) or len(search) > SEARCH_MAX_LEN:
        raise _bad(f"Search for at most {SEARCH_MAX_LEN} characters.")
    ws = words(search)
    specialty = data.get("specialty") or ""
    if not isinstance(specialty, str) or len(specialty) > 40:
        raise _bad("Choose a specialty of at most 40 characters.")
    language = data.get("language") or None
    if language is not None and language not in vocab.LANGUAGES:
        raise _bad("Choose a spoken language from the list.")
    experience = data.get("experience") or None
    if experience is not None and experience not in vocab.EXPERIENCE_LEVELS:
        raise _bad("Choose an experience level from the list.")
    min_rating = data.get("minRating")
    if min_rating is not None and (isinstance(min_rating, bool) or min_rating not in MIN_RATINGS):
        raise _bad("The minimum rating is 3, 4 or 4.5 stars.")
    available_now = data.get("availableNow", False)
    if not isinstance(available_now, bool):
        raise _bad("availableNow is true or false.")
    sort = data.get("sort") or "rating"
    if sort not in SORTS:
        raise _bad("Sort by rating, sessions or recent activity.")
    page_size = data.get("pageSize", PAGE_SIZE_DEFAULT)
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= PAGE_SIZE_MAX:
        raise _bad(f"A page holds 1 to {PAGE_SIZE_MAX} members.")
    return Request(search=max(ws, key=len) if ws else None, specialty=slug(specialty) or None, language=language,
                   experience=experience, min_rating=float(min_rating) if min_rating is not None else None,
                   available_now=available_now, sort=sort, page_size=page_size,
                   cursor=decode_cursor(data.get("cursor"), sort))


SORT_KEY_WIDTH = {"rating": 6, "sessions": 9, "recent": 17}
CURSOR_MAX_LEN = 200


def encode_cursor(sort: str, doc_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([sort, doc_id]).encode()).decode()


def decode_cursor(raw: object, sort: str) -> str | None:
    """An opaque cursor from a previous page; one that does not fit the sort is refused, not guessed at."""
    if raw is None:
        return None
    stale = _bad("That page link is not valid any more; start from the first page.")
    if not isinstance(raw, str) or len(raw) > CURSOR_MAX_LEN:
        raise stale
    try:
        kind, doc_id = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except (ValueError, TypeError) as err:
        raise stale from err
    if kind != sort or not isinstance(doc_id, str):
        raise stale
    key, _, uid = doc_id.partition("_")
    if len(key) != SORT_KEY_WIDTH[sort] or not key.isdigit() or not re.fullmatch(vocab.UID_PATTERN, uid):
        raise stale
    return doc_id


# ---- the index ----------------------------------------------------------------------------------------

def sort_key(sort: str, profile: Mapping[str, Any]) -> str:
    """The sort value, inverted and zero-padded to a fixed width, so ascending ids are descending values."""
    value = _sort_value(profile, SORTS[sort])
    if sort == "recent":
        micros = int(value.timestamp() * 1_000_000) if isinstance(value, dt.datetime) else 0
        return f"{10 ** 17 - 1 - min(max(micros, 0), 10 ** 17 - 1):017d}"
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0
    if sort == "rating":
        return f"{999_999 - round(min(max(float(number), 0.0), 5.0) * 100_000):06d}"
    return f"{999_999_999 - min(max(int(number), 0), 999_999_999):09d}"


def tokens(profile: Mapping[str, Any]) -> list[str]:
    """Every token a listed member is found by (none when not listed): what the public card shows."""
    if profile.get("listed") is not True:
        return []
    stats = profile.get("peerStats") if isinstance(profile.get("peerStats"), Mapping) else {}
    assert isinstance(stats, Mapping)
    band = rating_band(stats.get("averageRating"), stats.get("totalRatings"))
    out = ["all"]
    if profile.get("experienceLevel") in vocab.EXPERIENCE_LEVELS:
        out.append(f"x:{profile['experienceLevel']}")
    out += [RATING_TOKENS[m] for m, bands in MIN_RATINGS.items() if band in bands]
    if profile.get("availableNow") is True:
        out.append("n:now")
    out += [f"w:{w}" for w in search_words(profile)]
    out += [f"s:{s}" for s in dict.fromkeys(slug(v) for v in _strings(profile.get("specialties"))) if s]
    out += [f"l:{v}" for v in dict.fromkeys(_strings(profile.get("languages"))) if v in vocab.LANGUAGES]
    return out


def has_key(token: str) -> str:
    """A token as a plain field name of the `has` map ("s:system-design" -> "s_system_design"): no quoting."""
    return re.sub(r"[^a-z0-9]", "_", token)


def index_collection(sort: str) -> str:
    return f"{names.DIRECTORY_INDEX}/{sort}/by-{sort}"


def index_docs(uid: str, profile: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """path -> data of every index document of this member: one per sort (none when not listed). Holds the
    public card (what searchDirectory returns) and the member's tokens, nothing else."""
    toks = tokens(profile) if profile is not None else []
    if not toks or profile is None:
        return {}
    data = {"card": row(uid, profile), "has": {has_key(t): True for t in toks}}
    return {f"{index_collection(sort)}/{sort_key(sort, profile)}_{uid}": data for sort in SORTS}


def request_tokens(req: Request) -> list[str]:
    """The tokens a request asks for, the most selective first ("all" when it has no filter)."""
    asked = {"w": req.search and f"w:{req.search}", "s": req.specialty and f"s:{req.specialty}",
             "n": "n:now" if req.available_now else None,
             "r": RATING_TOKENS[req.min_rating] if req.min_rating is not None else None,
             "l": req.language and f"l:{req.language}", "x": req.experience and f"x:{req.experience}"}
    return [t for k in TOKEN_PRIORITY if (t := asked[k])] or ["all"]


@dataclass(frozen=True)
class Plan:
    """A directory query: the sort's index collection, an equality filter per token asked, in id order."""

    collection: str
    filters: tuple[str, ...]  # field paths of `has`, each == true


def plan(req: Request) -> Plan:
    return Plan(index_collection(req.sort), tuple(f"has.{has_key(t)}" for t in request_tokens(req) if t != "all"))


def row(uid: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    """What a directory card shows (public profile fields; the search tokens stay behind)."""
    stats = doc.get("peerStats") if isinstance(doc.get("peerStats"), Mapping) else {}
    assert isinstance(stats, Mapping)
    last = doc.get("lastActiveAt")
    return {
        "uid": uid,
        "displayName": doc.get("displayName") if isinstance(doc.get("displayName"), str) else "",
        "headline": doc.get("headline") if isinstance(doc.get("headline"), str) else "",
        "experienceLevel": (doc.get("experienceLevel") if doc.get("experienceLevel") in vocab.EXPERIENCE_LEVELS
                            else "mid"),
        "languages": [v for v in _strings(doc.get("languages")) if v in vocab.LANGUAGES],
        "industries": [v for v in _strings(doc.get("industries")) if v in vocab.INDUSTRIES],
        "specialties": _strings(doc.get("specialties")),
        "reputation": doc.get("reputation") if isinstance(doc.get("reputation"), (int, float)) else 0,
        "badges": _strings(doc.get("badges")),
        "availableNow": doc.get("availableNow") is True,
        "openToMentoring": doc.get("openToMentoring") is True,
        "peerStats": {k: stats.get(k) if isinstance(stats.get(k), (int, float)) else 0
                      for k in ("completedSessions", "averageRating", "totalRatings")},
        "lastActiveAt": last.isoformat() if isinstance(last, dt.datetime) else None,
    }


def _sort_value(doc: Mapping[str, Any], path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def page_of(req: Request, docs: Sequence[tuple[str, Mapping[str, Any]]], hidden: Iterable[str]) -> dict[str, Any]:
    """The answer from the (page size + 1) index documents read: the hidden members dropped (the page may
    show fewer), the next cursor from the last document of the page read, not shown."""
    hidden = set(hidden)
    page = docs[:req.page_size]
    rows = []
    for _, doc in page:
        card = doc.get("card")
        if isinstance(card, Mapping) and card.get("uid") not in hidden:
            rows.append(dict(card))
    cursor = encode_cursor(req.sort, page[-1][0]) if len(docs) > req.page_size and page else None
    return {"members": rows, "nextCursor": cursor, "docsRead": len(docs)}


# ---- I/O ---------------------------------------------------------------------------------------------

def hidden_for(db: firestore.Client, uid: str) -> set[str]:
    """Whom `uid` must not see: themselves, whom they blocked, and who blocked them."""
    hidden = {uid}
    me = db.collection(names.USERS).document(uid).get()
    blocked = (me.to_dict() or {}).get("blockedUserIds") if me.exists else None
    hidden |= set(_strings(blocked))
    blockers = db.collection(names.USERS).where(filter=FieldFilter("blockedUserIds", "array_contains", uid))
    hidden |= {s.id for s in blockers.select([]).stream()}
    return hidden


def build_query(db: firestore.Client, req: Request) -> firestore.Query:
    p = plan(req)
    col = db.collection(p.collection)
    query: firestore.Query = col.select(["card"])  # the page shows the cards; the token map stays behind
    for field in p.filters:
        query = query.where(filter=FieldFilter(field, "==", True))
    query = query.order_by("__name__")
    if req.cursor is not None:
        query = query.start_after({"__name__": col.document(req.cursor)})
    return query.limit(req.page_size + 1)


# The block look-up runs beside the page query (they do not depend on each other): a page costs the slower
# of the two round trips, not their sum. I/O-bound threads; a request that finds them all busy waits.
_LOOKUPS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="directory-blocks")


def search(db: firestore.Client, uid: str, data: object) -> dict[str, Any]:
    """One directory page for `uid`: reads at most page size + 1 index documents (plus the block look-up,
    run at the same time). No page without the look-up: if it fails, the request fails."""
    req = parse_request(data)
    hidden = _LOOKUPS.submit(hidden_for, db, uid)
    try:
        docs = [(s.id, s.to_dict() or {}) for s in build_query(db, req).stream()]
    except BaseException:
        hidden.cancel()
        raise
    return page_of(req, docs, hidden.result())


# What the derived fields are computed from. peerStats is not here: stats.recompute writes ratingBand with it.
DERIVATION_INPUTS = ("listed", "displayName", "specialties", "industries", "targetRoles", "languages", "availability",
                     "timeZone")

# ---- the refresh budget (pure) --------------------------------------------------------------------------
# Profile writes are not rate limited by the rules, and each one that the card or the tokens show costs a
# refresh: the entry, the member's index documents (one per sort; as many deletes when a sort value moves)
# and the derived fields. So a member's refreshes are: at most one per REFRESH_GAP_S (a burst of saves
# becomes one refresh now and one, of the latest profile, when the gap has passed), and a bucket of
# REFRESH_BURST that refills one every REFRESH_EVERY_S (sustained at most 3,600 / REFRESH_EVERY_S an hour).
# A refresh the budget refuses is not dropped: one `directoryRefresh` task per budget round runs it when
# it is allowed, from the profile as it is then.
REFRESH_GAP_S = 10
REFRESH_BURST = 6
REFRESH_EVERY_S = 60
# Cloud Tasks schedules at most 30 days ahead: the end of a longer suspension is reached in hops.
TASK_HOP_MS = 28 * 24 * 3600 * 1000


@dataclass(frozen=True)
class Budget:
    tokens: float  # refreshes left at at_ms
    at_ms: int
    last_ms: int  # the last refresh (0: none)


FULL_BUDGET = Budget(float(REFRESH_BURST), 0, 0)


def budget_of(entry: Mapping[str, Any] | None) -> Budget:
    """The budget stored on directoryEntries/{uid}; missing or unreadable (only functions write it) is full."""
    raw = (entry or {}).get("budget")
    if not isinstance(raw, Mapping):
        return FULL_BUDGET
    values = [raw.get("tokens"), raw.get("atMs"), raw.get("lastMs")]
    numbers = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(numbers) != 3:
        return FULL_BUDGET
    return Budget(min(max(numbers[0], 0.0), float(REFRESH_BURST)), int(numbers[1]), int(numbers[2]))


def admit_refresh(budget: Budget, now_ms: int) -> tuple[int, Budget]:
    """(due, budget): due <= now_ms means refresh now, with the budget after paying for it; otherwise due is
    the earliest time a refresh is allowed (the budget is unchanged: nothing was spent)."""
    refill = max(0, now_ms - budget.at_ms) / (REFRESH_EVERY_S * 1000)
    tokens = min(float(REFRESH_BURST), budget.tokens + refill)
    due = budget.last_ms + REFRESH_GAP_S * 1000 if budget.last_ms else 0
    if tokens < 1:
        due = max(due, now_ms + math.ceil((1 - tokens) * REFRESH_EVERY_S * 1000) + 1)
    if due > now_ms:
        return due, budget
    return now_ms, Budget(tokens - 1, now_ms, now_ms)


def spend(budget: Budget, now_ms: int) -> Budget:
    """A refresh that runs whatever the budget says (a deferred one when due, staff's): it pays too, so a
    chain of deferred refreshes is held to the same rate as refreshes run at once."""
    tokens = min(float(REFRESH_BURST), budget.tokens + max(0, now_ms - budget.at_ms) / (REFRESH_EVERY_S * 1000))
    return Budget(max(0.0, tokens - 1), now_ms, now_ms)


def relist_due(until_ms: int, now_ms: int) -> int:
    """When to refresh a suspended member's index next: just after the suspension ends, or (when that is
    more than ~29 days ahead) at a hop on a grid anchored on the end, so every caller picks the same time."""
    end = until_ms + 1000
    hops = max(0, -(-(end - now_ms - TASK_HOP_MS - 86_400_000) // TASK_HOP_MS))
    return end - hops * TASK_HOP_MS


def _suspended_until(user: Mapping[str, Any] | None, now_ms: int) -> int | None:
    """The end (ms) of the member's suspension while it lasts (safety.suspension_of's reading of it)."""
    value = (user or {}).get("suspension")
    until = value.get("until") if isinstance(value, Mapping) else None
    if not isinstance(until, dt.datetime):
        return None
    end = int(until.timestamp() * 1000)
    return end if end > now_ms else None


def derived_changes(profile: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The derived fields (and a missing sort field) that differ from what the profile holds."""
    want = derived(profile, now)
    # Sort fields must exist on every listed profile, or its index documents would sort it as 0.
    if not isinstance(profile.get("peerStats"), Mapping):
        want["peerStats"] = {"completedSessions": 0, "averageRating": 0.0, "totalRatings": 0}
    if not isinstance(profile.get("lastActiveAt"), dt.datetime):
        want["lastActiveAt"] = profile.get("joinedAt") if isinstance(profile.get("joinedAt"), dt.datetime) else now
    return {k: v for k, v in want.items() if profile.get(k) != v}


def needs_refresh(uid: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> bool:
    """Whether a profile write can change the derived fields or the index documents (pure, no read): a
    bio or a preference the card does not show costs nothing."""
    if before is None or after is None:
        return True
    if not all(k in after for k in DERIVED_FIELDS) or any(before.get(k) != after.get(k) for k in DERIVATION_INPUTS):
        return True
    return index_docs(uid, before) != index_docs(uid, after)


def index_digest(docs: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(docs, sort_keys=True, default=str).encode()).hexdigest()


# ---- the refresh (I/O) --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Refresh:
    kind: str  # "current" (nothing to do), "written", or "deferred" (the budget said: at due_ms)
    round: int = 0  # the entry's refresh round after this one (names the deferred task of a round)
    due_ms: int = 0
    deferred_round: object = None  # the round a deferred task was enqueued for already
    suspended_until_ms: int | None = None


def on_profile_written(db: firestore.Client, uid: str, before: Mapping[str, Any] | None,
                       after: Mapping[str, Any] | None) -> str:
    """The profile trigger: returns at once (no read, no write) unless an input of the derived fields or of
    the index documents changed. Otherwise one transaction brings the derived fields and the index to the
    profile as it is then, if the member's refresh budget allows; if not, one `directoryRefresh` task per
    budget round does it when allowed, from the profile as it is then. Twice delivered or out of order, the
    same end: every path reads the latest profile, and a current index is not written again."""
    if not needs_refresh(uid, before, after):
        return "unchanged"
    result = refresh(db, uid, force=after is None)
    if result.kind == "deferred":
        defer(db, uid, result)
    elif result.kind == "written" and result.suspended_until_ms:
        schedule_relist(uid, result.suspended_until_ms)
    return result.kind


def refresh(db: firestore.Client, uid: str, *, force: bool = False) -> Refresh:
    """Makes the member's derived fields and index documents match their profile as it is now (read in the
    transaction, with directoryEntries/{uid} and users/{uid}): writes the wanted index documents, deletes
    the ones no longer wanted (their paths are kept in the entry), none for a member who is not listed or is
    suspended. `force` (a due task, staff, a deleted profile) runs whatever the budget says (and pays) and
    always advances the round; otherwise a refresh the budget refuses writes nothing and answers "deferred"."""
    entry_ref = db.collection(names.DIRECTORY_ENTRIES).document(uid)
    profile_ref = db.collection(names.COMMUNITY_PROFILES).document(uid)
    user_ref = db.collection(names.USERS).document(uid)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> Refresh:
        now_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
        snaps = {s.reference.path: s for s in db.get_all([entry_ref, profile_ref, user_ref], transaction=tx)}
        entry, profile, user = ((snaps[r.path].to_dict() or {}) if snaps[r.path].exists else None
                                for r in (entry_ref, profile_ref, user_ref))
        changes = derived_changes(profile, dt.datetime.fromtimestamp(now_ms / 1000, dt.UTC)) if profile else {}
        suspended = _suspended_until(user, now_ms)
        want = index_docs(uid, None if profile is None or suspended else {**profile, **changes})
        digest = index_digest(want)
        round_ = (entry or {}).get("round")
        round_ = round_ if isinstance(round_, int) and not isinstance(round_, bool) else 0
        current = ((entry or {}).get("digest") if entry is not None else index_digest({})) == digest
        if current and not force:
            if changes:  # derived fields only (one document, no index write): no budget spent
                tx.update(profile_ref, changes)
            return Refresh("current", round_)
        if force:
            budget = spend(budget_of(entry), now_ms)
        else:
            due, budget = admit_refresh(budget_of(entry), now_ms)
            if due > now_ms:
                return Refresh("deferred", round_, due, (entry or {}).get("deferredRound"))
        if changes:
            tx.update(profile_ref, changes)
        if not current:
            old = set(_strings((entry or {}).get("paths")))
            for path in sorted(old - set(want)):
                tx.delete(db.document(path))
            for path, data in want.items():
                tx.set(db.document(path), data)
        # Kept when empty too (unlisted, suspended): it holds the budget, so listing and unlisting again
        # cannot start a fresh one.
        tx.set(entry_ref, {"paths": sorted(want), "digest": digest, "updatedAt": firestore.SERVER_TIMESTAMP,
                           "round": round_ + 1,
                           "budget": {"tokens": budget.tokens, "atMs": budget.at_ms, "lastMs": budget.last_ms}})
        return Refresh("written", round_ + 1, suspended_until_ms=suspended)

    result: Refresh = run(db.transaction())
    return result


def defer(db: firestore.Client, uid: str, result: Refresh) -> bool:
    """One `directoryRefresh` task per round, at the time the budget allows (the task id is derived from the
    round, so every delivery of this round's triggers adds none). Returns whether it enqueued."""
    if result.deferred_round == result.round:
        return False  # enqueued already (recorded on the entry): saves the Cloud Tasks call
    delay_s = max(0.0, (result.due_ms - tasks.now_ms()) / 1000)
    tasks.enqueue(names.DIRECTORY_REFRESH, {"uid": uid, "round": result.round}, delay_s,
                  f"directory-refresh-{uid}-{result.round}")
    db.collection(names.DIRECTORY_ENTRIES).document(uid).set({"deferredRound": result.round}, merge=True)
    return True


def schedule_relist(uid: str, until_ms: int) -> None:
    """A refresh just after a suspension ends (the member reappears); ids from the time, so one per end."""
    due = relist_due(until_ms, tasks.now_ms())
    if not tasks.emulator_can_hold((due - tasks.now_ms()) / 1000, tasks.DIRECTORY_RETRY):
        # Locally only: the task would be dropped before it is due and hold a queue slot until then.
        log.info("directory: the emulator cannot keep a relist of %s due in %.0f min; lifting the suspension"
                 " lists them again", uid, (due - tasks.now_ms()) / 60_000)
        return
    tasks.enqueue(names.DIRECTORY_REFRESH, {"uid": uid, "relist": True}, max(0.0, (due - tasks.now_ms()) / 1000),
                  f"directory-relist-{uid}-{due}")


def refresh_now(db: firestore.Client, uid: str) -> Refresh:
    """A forced refresh (staff suspended or restored the member, or a task is due) and, while the member is
    suspended, the refresh that lists them again when it ends."""
    result = refresh(db, uid, force=True)
    if result.suspended_until_ms:
        schedule_relist(uid, result.suspended_until_ms)
    return result


def on_refresh_task(db: firestore.Client, payload: Mapping[str, Any]) -> str | None:
    """`directoryRefresh`: a deferred refresh or the end of a suspension, due by the payload's own time.
    Forced (it was deferred to when the budget allows it; it pays then), so it always advances the round: a
    later refused refresh gets a new task id. Delivered twice: the second finds the index current and writes only the
    entry's round."""
    uid = payload.get("uid")
    if not isinstance(uid, str) or not re.fullmatch(vocab.UID_PATTERN, uid):
        log.warning("directory: refresh task without a readable uid: %r", uid)
        return None
    tasks.check_due(dict(payload), slack_ms=0)
    return refresh_now(db, uid).kind


def refresh_derived(db: firestore.Client, uid: str, profile: Mapping[str, Any] | None,
                    now: dt.datetime | None = None) -> bool:
    """Keeps the derived fields of communityProfiles/{uid} true to the profile (the availability sweep);
    writes only what differs. The write triggers the index refresh. Returns whether it wrote."""
    if profile is None:
        return False
    changes = derived_changes(profile, now or dt.datetime.now(dt.UTC))
    if not changes:
        return False
    db.collection(names.COMMUNITY_PROFILES).document(uid).update(changes)
    return True


def sweep_availability(db: firestore.Client, now: dt.datetime | None = None) -> int:
    """Every quarter hour: `availableNow` for those whose ranges touch this hour, and for those who were
    available (it may have ended). Reads only them, never the whole directory. Returns how many changed."""
    now = now or dt.datetime.now(dt.UTC)
    col = db.collection(names.COMMUNITY_PROFILES)
    seen: dict[str, Mapping[str, Any]] = {}
    for q in (col.where(filter=FieldFilter("availableNow", "==", True)),
              col.where(filter=FieldFilter("availableHours", "array_contains", hour_of_week(now)))):
        for s in q.stream():
            seen[s.id] = s.to_dict() or {}
    changed = 0
    for uid, doc in seen.items():
        try:
            changed += refresh_derived(db, uid, doc, now)
        except Exception:  # one profile must not stop the others' refresh
            log.exception("directory: could not refresh %s", uid)
    return changed
