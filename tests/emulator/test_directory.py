"""The Community directory on the emulators: searchDirectory over seeded profiles, and the profile trigger.

Each expectation is computed here from the seeded documents with plain Python (no call into
salamin.directory's query code), so a wrong filter, sort or cursor in the function shows as a difference.
The profiles are written as members' are; the profile trigger builds the directory's index from them (the
tests wait for it), and every page reads at most page size + 1 index documents. tests/unit/test_directory.py
checks that no query needs a composite index.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

import pytest

from salamin import directory
from tests.support.emulators import (
    SERVER_TIMESTAMP,
    AuthUser,
    CallableError,
    DeniedError,
    FirestoreClient,
    call,
    sign_up,
    wait_for,
)

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]

NOW = dt.datetime.now(dt.UTC)
FIRST = ["Ada", "Grace", "Linus", "José", "Mei", "Olu", "Priya", "Sven", "Tariq", "Zoë"]
SPECIALTIES = ["System Design", "Graphs", "Behavioral stories", "SQL"]
LANGS = ["english", "spanish", "french", "hindi"]


def _profile(i: int, rng: random.Random, tag: str) -> dict[str, Any]:
    ratings = rng.choice([0, 0, 1, 4, 9])
    avg = round(rng.uniform(2.0, 5.0), 2) if ratings else 0.0
    always = "mon 00:00-24:00;tue 00:00-24:00;wed 00:00-24:00;thu 00:00-24:00;fri 00:00-24:00;" \
             "sat 00:00-24:00;sun 00:00-24:00"
    doc = {
        "uid": f"seed{i:03d}{tag}", "displayName": f"{FIRST[i % len(FIRST)]} Member{i}", "headline": "",
        "bio": "", "experienceLevel": ["entry", "mid", "senior"][i % 3], "timeZone": "UTC",
        "languages": rng.sample(LANGS, rng.randint(1, 2)), "industries": [rng.choice(["tech", "finance"])],
        "targetRoles": [], "specialties": rng.sample(SPECIALTIES, rng.randint(0, 2)),
        "listed": i % 7 != 0, "availability": always if i % 4 == 0 else "", "reputation": rng.randint(0, 100),
        "peerStats": {"completedSessions": rng.randint(0, 30), "averageRating": avg, "totalRatings": ratings},
        "lastActiveAt": NOW - dt.timedelta(minutes=rng.randint(0, 50000)),
        "joinedAt": NOW - dt.timedelta(days=90),
    }
    return {**doc, **directory.derived(doc, NOW)}


@pytest.fixture
def seeded(admin: FirestoreClient) -> list[dict[str, Any]]:
    rng = random.Random(17)
    # Fresh uids for each test (one tag for all, so their order is the same): the trigger events of the
    # previous test's writes may still be delivered after Firestore was cleared, and would spend the refresh
    # budget of members with the same uids (their deferred tasks' names are taken in the Tasks emulator).
    tag = uuid.uuid4().hex[:6]
    docs = [_profile(i, rng, tag) for i in range(42)]
    for doc in docs:
        admin.set(f"communityProfiles/{doc['uid']}", doc)
    listed = {d["uid"] for d in docs if d["listed"]}
    # The trigger indexes each listed member (one transaction each); wait until all are in.
    wait_for(lambda: {e["uid"] for e in _entries(admin)} == listed or None, timeout=120)
    return docs


def _entries(admin: FirestoreClient) -> list[dict[str, Any]]:
    return [{"uid": e["paths"][0].rsplit("/", 1)[1].split("_", 1)[1]}
            for e in admin.query("directoryEntries") if e.get("paths")]


@pytest.fixture
def viewer() -> AuthUser:
    return sign_up(display_name="Viewer")


# Highest first; equal values in uid order.
SORT_KEY = {
    "rating": lambda d: (-d["peerStats"]["averageRating"], d["uid"]),
    "sessions": lambda d: (-d["peerStats"]["completedSessions"], d["uid"]),
    "recent": lambda d: (-d["lastActiveAt"].timestamp(), d["uid"]),
}


def expected(docs: list[dict[str, Any]], keep: Any, sort: str = "rating") -> list[str]:
    rows = [d for d in docs if d["listed"] and keep(d)]
    return [d["uid"] for d in sorted(rows, key=SORT_KEY[sort])]


def all_pages(user: AuthUser, request: dict[str, Any], page_size: int = 5) -> tuple[list[str], list[int]]:
    uids: list[str] = []
    reads: list[int] = []
    cursor = None
    for _ in range(50):
        page = call("searchDirectory", {**request, "pageSize": page_size, **({"cursor": cursor} if cursor else {})},
                    user=user)
        uids += [m["uid"] for m in page["members"]]
        reads.append(page["docsRead"])
        cursor = page["nextCursor"]
        if not cursor:
            return uids, reads
    raise AssertionError("the directory never reached its last page")


def _words(d: dict[str, Any]) -> set[str]:
    text = " ".join([d["displayName"], *d["specialties"], *d["industries"]]).lower()
    return set(text.replace("é", "e").replace("ë", "e").split())


@pytest.mark.parametrize(("request_", "keep"), [
    ({}, lambda d: True),
    ({"search": "Grace"}, lambda d: "grace" in _words(d)),
    ({"search": "jose"}, lambda d: "jose" in _words(d)),  # "José" is found without the accent
    ({"search": "design"}, lambda d: "design" in _words(d)),  # a word of a specialty
    ({"search": "finance"}, lambda d: "finance" in d["industries"]),
    ({"experience": "senior"}, lambda d: d["experienceLevel"] == "senior"),
    ({"minRating": 4}, lambda d: d["peerStats"]["totalRatings"] > 0 and d["peerStats"]["averageRating"] >= 4),
    ({"minRating": 4.5}, lambda d: d["peerStats"]["totalRatings"] > 0 and d["peerStats"]["averageRating"] >= 4.5),
    ({"specialty": "system design"}, lambda d: "System Design" in d["specialties"]),
    ({"language": "spanish"}, lambda d: "spanish" in d["languages"]),
    ({"availableNow": True}, lambda d: d["availability"] != ""),
    ({"search": "tech", "specialty": "SQL", "language": "spanish", "experience": "senior"},
     lambda d: "tech" in d["industries"] and "SQL" in d["specialties"] and "spanish" in d["languages"]
     and d["experienceLevel"] == "senior"),
    ({"search": "tech", "specialty": "SQL", "language": "spanish", "experience": "senior", "minRating": 3,
      "availableNow": False},
     lambda d: "tech" in d["industries"] and "SQL" in d["specialties"] and "spanish" in d["languages"]
     and d["experienceLevel"] == "senior" and d["peerStats"]["totalRatings"] > 0
     and d["peerStats"]["averageRating"] >= 3),
])
def test_each_filter_pages_through_exactly_the_listed_matches(seeded: list[dict[str, Any]], viewer: AuthUser,
                                                             request_: dict[str, Any], keep: Any) -> None:
    want = expected(seeded, keep)
    assert want  # the seed (fixed) holds matches for every case: an empty answer would prove nothing
    got, reads = all_pages(viewer, request_)
    assert got == want
    assert all(r <= 6 for r in reads)  # page size 5, plus one to know there is more
    assert all(not d["listed"] for d in seeded if d["uid"] not in got and keep(d))
    for sort in ("sessions", "recent"):  # the same filter under the other sorts, paged
        got, reads = all_pages(viewer, {**request_, "sort": sort})
        assert got == expected(seeded, keep, sort) and all(r <= 6 for r in reads)


@pytest.mark.parametrize("sort", ["rating", "sessions", "recent"])
def test_each_sort_orders_and_pages_without_gaps_or_repeats(seeded: list[dict[str, Any]], viewer: AuthUser,
                                                            sort: str) -> None:
    got, reads = all_pages(viewer, {"sort": sort}, page_size=4)
    assert got == expected(seeded, lambda d: True, sort)
    assert len(got) == len(set(got)) and max(reads) <= 5


def test_blocked_members_never_see_each_other(seeded: list[dict[str, Any]], viewer: AuthUser,
                                              admin: FirestoreClient) -> None:
    listed = expected(seeded, lambda d: True)
    blocked_by_me, blocking_me = listed[0], listed[1]
    admin.set(f"users/{viewer.uid}", {"uid": viewer.uid, "blockedUserIds": [blocked_by_me]})
    admin.set(f"users/{blocking_me}", {"uid": blocking_me, "blockedUserIds": [viewer.uid]})
    got, _ = all_pages(viewer, {}, page_size=24)
    assert got == [u for u in listed if u not in (blocked_by_me, blocking_me)]


def test_the_profile_trigger_lists_and_unlists_a_member(viewer: AuthUser, admin: FirestoreClient) -> None:
    member = sign_up(display_name="Wilhelmina Quartz")
    call("bootstrapProfile", {}, user=member)
    path = f"communityProfiles/{member.uid}"
    wait_for(lambda: admin.get(path).get("lastActiveAt"))  # the bootstrap wrote the sort fields
    assert call("searchDirectory", {"search": "wilhelmina"}, user=viewer)["members"] == []  # not listed by default
    FirestoreClient.as_user(member).update(path, {"listed": True, "specialties": ["Graph theory"],
                                                  "availability": "mon 00:00-24:00;tue 00:00-24:00;wed 00:00-24:00;"
                                                  "thu 00:00-24:00;fri 00:00-24:00;sat 00:00-24:00;sun 00:00-24:00",
                                                  "updatedAt": SERVER_TIMESTAMP})
    wait_for(lambda: any((admin.get(p) or {}).get("has", {}).get("s_graph_theory")
                         for p in (admin.get(f"directoryEntries/{member.uid}") or {}).get("paths", [])) or None)
    found = call("searchDirectory", {"search": "Wilhelmina", "specialty": "graph theory", "availableNow": True},
                 user=viewer)["members"]
    assert [m["uid"] for m in found] == [member.uid] and found[0]["availableNow"] is True
    assert "has" not in found[0] and "bio" not in found[0]  # the card only; the tokens stay on the server
    FirestoreClient.as_user(member).update(path, {"listed": False, "updatedAt": SERVER_TIMESTAMP})
    # The entry stays, empty (it holds the member's refresh budget).
    wait_for(lambda: (admin.get(f"directoryEntries/{member.uid}") or {}).get("paths") == [] or None)
    assert not any(member.uid in p for p in _all_index_paths(admin))  # every index document went
    assert call("searchDirectory", {"search": "wilhelmina"}, user=viewer)["members"] == []


def test_search_refuses_signed_out_callers_and_bad_requests(viewer: AuthUser) -> None:
    with pytest.raises(CallableError) as err:
        call("searchDirectory", {})
    assert err.value.status == "UNAUTHENTICATED"
    with pytest.raises(CallableError) as err:
        call("searchDirectory", {"minRating": 2}, user=viewer)
    assert err.value.status == "INVALID_ARGUMENT" and "3, 4 or 4.5" in err.value.message


def _all_index_paths(admin: FirestoreClient) -> list[str]:
    return [p for e in admin.query("directoryEntries") for p in e.get("paths", [])]


def test_clients_neither_read_nor_write_the_index(seeded: list[dict[str, Any]], viewer: AuthUser,
                                                  admin: FirestoreClient) -> None:
    path = next(p for p in _all_index_paths(admin) if "/by-rating/" in p)
    assert admin.get(path)["card"]["uid"] == path.rsplit("/", 1)[1].split("_", 1)[1]
    for client in (FirestoreClient.as_user(viewer), FirestoreClient.signed_out()):
        for attempt in (lambda c=client: c.get(path), lambda c=client: c.set(path, {"card": {}, "has": {}}),
                        lambda c=client: c.get(f"directoryEntries/{viewer.uid}"),
                        lambda c=client: c.query("directoryEntries")):
            with pytest.raises(DeniedError):
                attempt()
