"""The Community directory: who is listed, how they are found, and the queries that find them.

Pure: text normalisation, the search facets a profile is found by, the rating band, "available now" from a
member's weekly availability, the directory request's checks, the query plan and every query shape the app
issues (`all_shapes`, which tests/unit/test_directory.py compares with firestore.indexes.json).
I/O: `search` (the `searchDirectory` callable), `refresh_derived` (the profile trigger) and
`sweep_availability` (the scheduled "available now" refresh).

Firestore allows one array-contains per query, so the three list-valued filters (a search word, a specialty,
a spoken language) are folded into one `searchFacets` token per query: the profile carries a token for
every combination of one value from each of them it has ("w:ada", "s:graphs", "w:ada|l:french", ...). The
other filters are scalar equalities (`experienceLevel`, `ratingBand`, `availableNow`). So every query is an
index scan that reads at most one page plus one document.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from salamin import names
from salamin import vocabulary as vocab
from salamin.errors import DomainError

log = logging.getLogger(__name__)

PAGE_SIZE_DEFAULT = 12
PAGE_SIZE_MAX = 24
SEARCH_MAX_LEN = 80
WORDS_MAX = 12  # search words kept per profile (name first, then specialties, industries, target roles)
WORD_MIN_LEN = 2

# sort key -> (field path, what the cursor's value is)
SORTS: dict[str, str] = {
    "rating": "peerStats.averageRating",
    "sessions": "peerStats.completedSessions",
    "recent": "lastActiveAt",
}
# ratingBand: 0 (no ratings, or under 3), 3 (3 to under 4), 4 (4 to under 4.5), 5 (4.5 and up).
RATING_BANDS: tuple[int, ...] = (0, 3, 4, 5)
MIN_RATINGS: dict[float, list[int]] = {3.0: [3, 4, 5], 4.0: [4, 5], 4.5: [5]}

# Fields this module derives on communityProfiles/{uid} (function-written; the rules refuse them to clients).
DERIVED_FIELDS = ("searchFacets", "ratingBand", "availableNow", "availableHours")


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


def facet_token(word: str | None, specialty: str | None, language: str | None) -> str | None:
    """The one token a query with these list-valued filters asks for (None when it has none)."""
    parts = [f"{k}:{v}" for k, v in (("w", word), ("s", specialty), ("l", language)) if v]
    return "|".join(parts) or None


def search_facets(profile: Mapping[str, Any]) -> list[str]:
    """Every token a query could ask for and this profile should answer: each combination of at most one
    search word, one specialty and one language it has. Empty for a member who is not listed."""
    if profile.get("listed") is not True:
        return []
    ws: list[str | None] = [None, *search_words(profile)]
    specs: list[str | None] = [None, *dict.fromkeys(s for s in map(slug, _strings(profile.get("specialties"))) if s)]
    langs: list[str | None] = [None, *(v for v in _strings(profile.get("languages")) if v in vocab.LANGUAGES)]
    tokens = (facet_token(w, s, lang) for w, s, lang in itertools.product(ws, specs, langs))
    return sorted({t for t in tokens if t})


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
        "searchFacets": search_facets(profile),
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
    cursor: tuple[Any, str] | None = None  # (the last row's sort value, its uid)


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


def encode_cursor(value: Any, uid: str) -> str:
    if isinstance(value, dt.datetime):
        value = {"t": int(value.timestamp() * 1_000_000)}
    return base64.urlsafe_b64encode(json.dumps([value, uid]).encode()).decode()


def decode_cursor(raw: object, sort: str) -> tuple[Any, str] | None:
    """An opaque cursor from a previous page; one that does not fit the sort is refused, not guessed at."""
    if raw is None:
        return None
    try:
        value, uid = json.loads(base64.urlsafe_b64decode(str(raw).encode()))
    except (ValueError, TypeError) as err:
        raise _bad("That page link is not valid any more; start from the first page.") from err
    if not isinstance(uid, str) or not re.fullmatch(vocab.UID_PATTERN, uid):
        raise _bad("That page link is not valid any more; start from the first page.")
    if sort == "recent":
        if not (isinstance(value, dict) and isinstance(value.get("t"), int)):
            raise _bad("That page link is not valid any more; start from the first page.")
        value = dt.datetime.fromtimestamp(value["t"] / 1_000_000, dt.UTC)
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad("That page link is not valid any more; start from the first page.")
    return value, uid


@dataclass(frozen=True)
class Plan:
    """A directory query: equality filters (field, op, value), at most one array-contains, one order."""

    filters: tuple[tuple[str, str, Any], ...]
    order: str

    def shape(self) -> tuple[tuple[str, str], ...]:
        """What the index must hold: each filtered field and how (equality or contains), then the order."""
        kinds = [(f, "CONTAINS" if op == "array_contains" else "ASCENDING") for f, op, _ in self.filters]
        return (*kinds, (self.order, "DESCENDING"))


def plan(req: Request) -> Plan:
    filters: list[tuple[str, str, Any]] = [("listed", "==", True)]
    token = facet_token(req.search, req.specialty, req.language)
    if token:
        filters.append(("searchFacets", "array_contains", token))
    if req.experience:
        filters.append(("experienceLevel", "==", req.experience))
    if req.min_rating is not None:
        filters.append(("ratingBand", "in", MIN_RATINGS[req.min_rating]))
    if req.available_now:
        filters.append(("availableNow", "==", True))
    return Plan(tuple(filters), SORTS[req.sort])


def all_shapes() -> list[tuple[tuple[str, str], ...]]:
    """Every query shape `plan` can produce: the composite indexes firestore.indexes.json must hold."""
    shapes = []
    for token, exp, rating, now, sort in itertools.product((None, "w:x"), (None, "mid"), (None, 4.0), (False, True),
                                                          SORTS):
        word = token and "x"
        shapes.append(plan(Request(search=word, experience=exp, min_rating=rating, available_now=now,
                                   sort=sort)).shape())
    return shapes


def index_definition(shape: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """The firestore.indexes.json entry that serves `shape`."""
    fields = [{"fieldPath": f, "arrayConfig": "CONTAINS"} if mode == "CONTAINS" else {"fieldPath": f, "order": mode}
              for f, mode in shape]
    return {"collectionGroup": names.COMMUNITY_PROFILES, "queryScope": "COLLECTION", "fields": fields}


def index_serves(index: Mapping[str, Any], shape: tuple[tuple[str, str], ...]) -> bool:
    """An index serves a shape when it holds exactly its fields: the filtered ones in any order (equality
    and contains), then the order field last and descending (Firestore adds the document name itself)."""
    if index.get("collectionGroup") != names.COMMUNITY_PROFILES or index.get("queryScope") != "COLLECTION":
        return False
    fields = [(f.get("fieldPath"), f.get("arrayConfig") or f.get("order")) for f in index.get("fields", [])]
    if fields and fields[-1] == ("__name__", "DESCENDING"):
        fields = fields[:-1]
    return bool(fields) and fields[-1] == shape[-1] and sorted(fields[:-1]) == sorted(shape[:-1])


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
    """The answer from the (page size + 1) documents read: the hidden members dropped (the page may show
    fewer), the next cursor from the last document of the page read, not shown."""
    hidden = set(hidden)
    page = docs[:req.page_size]
    rows = [row(uid, doc) for uid, doc in page if uid not in hidden]
    cursor = None
    if len(docs) > req.page_size and page:
        uid, doc = page[-1]
        cursor = encode_cursor(_sort_value(doc, SORTS[req.sort]), uid)
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
    query: firestore.Query = db.collection(names.COMMUNITY_PROFILES)  # type: ignore[assignment]
    for field, op, value in p.filters:
        query = query.where(filter=FieldFilter(field, op, value))
    query = query.order_by(p.order, direction=firestore.Query.DESCENDING)
    query = query.order_by("__name__", direction=firestore.Query.DESCENDING)
    if req.cursor is not None:
        value, uid = req.cursor
        query = query.start_after({p.order: value,
                                   "__name__": db.collection(names.COMMUNITY_PROFILES).document(uid)})
    return query.limit(req.page_size + 1)


def search(db: firestore.Client, uid: str, data: object) -> dict[str, Any]:
    """One directory page for `uid`: reads at most page size + 1 profiles (plus the block look-up)."""
    req = parse_request(data)
    hidden = hidden_for(db, uid)
    docs = [(s.id, s.to_dict() or {}) for s in build_query(db, req).stream()]
    return page_of(req, docs, hidden)


# What the derived fields are computed from. peerStats is not here: stats.recompute writes ratingBand with it.
DERIVATION_INPUTS = ("listed", "displayName", "specialties", "industries", "targetRoles", "languages", "availability",
                     "timeZone")


def on_profile_written(db: firestore.Client, uid: str, before: Mapping[str, Any] | None,
                       after: Mapping[str, Any] | None) -> bool:
    """The profile trigger: returns at once (no read, no write) unless an input of the derived fields changed
    or the profile was just created; a stats write, the busiest writer, costs one no-op invocation."""
    if after is None:
        return False
    if before is not None and all(before.get(k) == after.get(k) for k in DERIVATION_INPUTS) \
            and all(k in after for k in DERIVED_FIELDS):
        return False
    return refresh_derived(db, uid, after)


def refresh_derived(db: firestore.Client, uid: str, profile: Mapping[str, Any] | None,
                    now: dt.datetime | None = None) -> bool:
    """Keeps the derived fields of communityProfiles/{uid} true to the profile; writes only what differs, so
    the write this makes (which triggers again) changes nothing the second time. Returns whether it wrote."""
    if profile is None:
        return False
    now = now or dt.datetime.now(dt.UTC)
    want = derived(profile, now)
    # Sort fields must exist on every listed profile, or its orderBy would leave the member out.
    if not isinstance(profile.get("peerStats"), Mapping):
        want["peerStats"] = {"completedSessions": 0, "averageRating": 0.0, "totalRatings": 0}
    if not isinstance(profile.get("lastActiveAt"), dt.datetime):
        want["lastActiveAt"] = profile.get("joinedAt") if isinstance(profile.get("joinedAt"), dt.datetime) else now
    changes = {k: v for k, v in want.items() if profile.get(k) != v}
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
