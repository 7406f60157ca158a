"""Rules for users/{uid}, its notifications, and communityProfiles/{uid}: signed-out, stranger, owner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.emulators import (
    SERVER_TIMESTAMP,
    AuthUser,
    DeniedError,
    FirestoreClient,
    call,
    sign_up,
    sign_up_staff,
)

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]


@pytest.fixture
def owner() -> AuthUser:
    user = sign_up(display_name="Owner")
    call("bootstrapProfile", {}, user=user)
    return user


@pytest.fixture
def stranger() -> AuthUser:
    return sign_up(display_name="Stranger")


def denied(fn: Callable[[], Any]) -> None:
    with pytest.raises(DeniedError):
        fn()


# ---- users/{uid} ----------------------------------------------------------------------------------

def test_users_doc_is_private(owner: AuthUser, stranger: AuthUser, signed_out: FirestoreClient) -> None:
    path = f"users/{owner.uid}"
    assert FirestoreClient.as_user(owner).get(path)["uid"] == owner.uid
    denied(lambda: FirestoreClient.as_user(stranger).get(path))
    denied(lambda: signed_out.get(path))


def test_users_doc_owner_may_only_edit_block_list(owner: AuthUser, stranger: AuthUser) -> None:
    me = FirestoreClient.as_user(owner)
    path = f"users/{owner.uid}"
    me.update(path, {"blockedUserIds": [stranger.uid]})
    denied(lambda: me.update(path, {"email": "other@example.com"}))
    denied(lambda: me.update(path, {"blockedUserIds": [owner.uid]}))  # blocking yourself makes no sense
    denied(lambda: me.update(path, {"blockedUserIds": "everyone"}))
    denied(lambda: me.update(path, {"blockedUserIds": [f"u{i}" for i in range(201)]}))
    denied(lambda: me.delete(path))
    denied(lambda: FirestoreClient.as_user(stranger).update(path, {"blockedUserIds": []}))
    denied(lambda: FirestoreClient.signed_out().update(path, {"blockedUserIds": []}))


BAD_BLOCK_LISTS = [
    [{"uid": "x"}],  # a map element: unhashable for the matcher
    [7],
    [None],
    [True],
    [1.5],
    ["ok", 7],
    ["x" * 5000],  # 200 of these made a 1 MB document that matching read on every attempt
    ["x" * 129],
    [""],
    ["has space"],
    ["a,b"],  # would pass for two uids in the joined string
    ["dup", "dup"],
    [f"u{i}" for i in range(201)],
]


@pytest.mark.parametrize("bad", BAD_BLOCK_LISTS, ids=[f"bad{i}" for i in range(len(BAD_BLOCK_LISTS))])
def test_block_list_items_must_be_uids(owner: AuthUser, bad: list[Any]) -> None:
    denied(lambda: FirestoreClient.as_user(owner).update(f"users/{owner.uid}", {"blockedUserIds": bad}))


def test_block_list_takes_two_hundred_uids_and_an_empty_list(owner: AuthUser, admin: FirestoreClient) -> None:
    me = FirestoreClient.as_user(owner)
    full = [f"{i:03d}" + "U" * 25 for i in range(200)]
    me.update(f"users/{owner.uid}", {"blockedUserIds": full})
    assert admin.get(f"users/{owner.uid}")["blockedUserIds"] == full
    me.update(f"users/{owner.uid}", {"blockedUserIds": ["a" * 128, "Z_-9"]})
    me.update(f"users/{owner.uid}", {"blockedUserIds": []})
    assert admin.get(f"users/{owner.uid}")["blockedUserIds"] == []


def test_users_doc_cannot_be_created_by_a_client(stranger: AuthUser) -> None:
    denied(lambda: FirestoreClient.as_user(stranger).create(
        f"users/{stranger.uid}", {"uid": stranger.uid, "blockedUserIds": []}))


def test_notifications_owner_reads_marks_read_and_dismisses(owner: AuthUser, stranger: AuthUser,
                                                           admin: FirestoreClient) -> None:
    path = f"users/{owner.uid}/notifications/n1"
    admin.set(path, {"type": "peer_match_found", "read": False, "title": "Match found"})
    me = FirestoreClient.as_user(owner)
    assert me.get(path)["type"] == "peer_match_found"
    denied(lambda: me.update(path, {"title": "edited"}))
    denied(lambda: me.update(path, {"read": "yes"}))
    denied(lambda: me.create(f"users/{owner.uid}/notifications/n2", {"type": "fake", "read": False}))
    me.update(path, {"read": True})
    other = FirestoreClient.as_user(stranger)
    denied(lambda: other.get(path))
    denied(lambda: other.update(path, {"read": True}))
    denied(lambda: other.delete(path))
    denied(lambda: FirestoreClient.signed_out().get(path))
    me.delete(path)
    assert admin.get(path) is None


# ---- communityProfiles/{uid} --------------------------------------------------------------------------

GOOD_EDIT = {"displayName": "Ada L.", "headline": "Backend", "bio": "Hi", "experienceLevel": "senior",
             "timeZone": "Europe/London", "languages": ["english", "french"], "industries": ["tech"],
             "targetRoles": ["Staff Engineer"], "specialties": ["graphs"], "listed": True,
             "availability": "mon 09:00-12:00;sun 18:30-24:00", "openToRandom": False,
             "preferredSessionTypes": ["technical", "mixed"], "maxSessionsPerDay": 3, "feedbackStyle": "direct",
             "openToMentoring": True, "onboarded": True, "updatedAt": SERVER_TIMESTAMP}


def test_profiles_readable_by_signed_in_members_only(owner: AuthUser, stranger: AuthUser,
                                                     signed_out: FirestoreClient) -> None:
    path = f"communityProfiles/{owner.uid}"
    assert FirestoreClient.as_user(stranger).get(path)["displayName"] == "Owner"
    denied(lambda: signed_out.get(path))


def test_profile_owner_edits_valid_fields(owner: AuthUser, admin: FirestoreClient) -> None:
    FirestoreClient.as_user(owner).update(f"communityProfiles/{owner.uid}", GOOD_EDIT)
    stored = admin.get(f"communityProfiles/{owner.uid}")
    assert stored["displayName"] == "Ada L." and stored["languages"] == ["english", "french"]
    assert stored["availability"] == GOOD_EDIT["availability"] and stored["maxSessionsPerDay"] == 3


def test_profile_owner_edits_one_field_of_a_bootstrapped_profile(owner: AuthUser, admin: FirestoreClient) -> None:
    """bootstrapProfile writes a default for every checked field, so a one-field edit passes the rules."""
    FirestoreClient.as_user(owner).update(f"communityProfiles/{owner.uid}",
                                          {"listed": True, "updatedAt": SERVER_TIMESTAMP})
    assert admin.get(f"communityProfiles/{owner.uid}")["listed"] is True


def test_blocked_members_cannot_read_each_other_s_profile(owner: AuthUser, admin: FirestoreClient) -> None:
    other = sign_up(display_name="Other")
    call("bootstrapProfile", {}, user=other)
    staff = sign_up_staff()
    mine, theirs = f"communityProfiles/{owner.uid}", f"communityProfiles/{other.uid}"
    assert FirestoreClient.as_user(other).get(mine)["displayName"] == "Owner"
    admin.update(f"users/{owner.uid}", {"blockedUserIds": [other.uid]})  # the owner blocks the other
    denied(lambda: FirestoreClient.as_user(other).get(mine))  # the blocked one no longer sees the blocker
    denied(lambda: FirestoreClient.as_user(owner).get(theirs))  # nor the blocker the blocked one
    assert FirestoreClient.as_user(owner).get(mine)["uid"] == owner.uid  # your own, always
    assert FirestoreClient.as_user(staff).get(theirs)["uid"] == other.uid  # staff see both
    admin.update(f"users/{owner.uid}", {"blockedUserIds": []})
    assert FirestoreClient.as_user(other).get(mine)["displayName"] == "Owner"


def test_only_staff_list_profiles(owner: AuthUser, stranger: AuthUser, signed_out: FirestoreClient) -> None:
    denied(lambda: FirestoreClient.as_user(stranger).query("communityProfiles"))
    denied(lambda: FirestoreClient.as_user(owner).query("communityProfiles", [("listed", "==", True)]))
    denied(lambda: signed_out.query("communityProfiles"))
    assert FirestoreClient.as_user(sign_up_staff()).query("communityProfiles")


@pytest.mark.parametrize("bad", [
    {"displayName": ""},
    {"displayName": "x" * 61},
    {"displayName": 42},
    {"headline": "x" * 121},
    {"bio": "x" * 1001},
    {"experienceLevel": "wizard"},
    {"timeZone": ""},
    {"timeZone": "UTC+05:30"},
    {"timeZone": "Mars/Olympus Mons"},
    {"languages": []},
    {"languages": ["klingon"]},
    {"languages": ["english", "english"]},
    {"languages": ["english", "french", "german", "spanish", "hindi", "dutch"]},
    {"industries": ["space-piracy"]},
    {"targetRoles": ["x" * 41]},
    {"targetRoles": [1]},
    {"targetRoles": [f"r{i}" for i in range(11)]},
    {"listed": "yes"},
    {"availability": "mon 9:00-12:00"},
    {"availability": "someday"},
    {"availability": ";".join(["mon 09:00-12:00"] * 15)},
    {"availability": 7},
    {"openToRandom": 1},
    {"preferredSessionTypes": ["karaoke"]},
    {"preferredSessionTypes": ["technical", "technical"]},
    {"maxSessionsPerDay": 0},
    {"maxSessionsPerDay": 11},
    {"maxSessionsPerDay": 2.5},
    {"feedbackStyle": "brutal"},
    {"openToMentoring": "sure"},
    {"onboarded": None},
    {"reputation": 100},
    {"joinedAt": SERVER_TIMESTAMP},
    {"peerStats": {"averageRating": 5}},
    {"badges": ["highly_rated_interviewer"]},
    {"searchFacets": ["w:anything"]},
    {"ratingBand": 5},
    {"availableNow": True},
    {"availableHours": [1]},
    {"lastActiveAt": SERVER_TIMESTAMP},
])
def test_profile_owner_edit_rejects_bad_or_server_fields(owner: AuthUser, bad: dict[str, Any]) -> None:
    edit = {**GOOD_EDIT, **bad}
    denied(lambda: FirestoreClient.as_user(owner).update(f"communityProfiles/{owner.uid}", edit))


def test_profile_edit_needs_server_time_stamp(owner: AuthUser) -> None:
    import datetime as dt
    edit = {**GOOD_EDIT, "updatedAt": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}
    denied(lambda: FirestoreClient.as_user(owner).update(f"communityProfiles/{owner.uid}", edit))


def test_profile_strangers_and_signed_out_cannot_write(owner: AuthUser, stranger: AuthUser,
                                                       signed_out: FirestoreClient) -> None:
    path = f"communityProfiles/{owner.uid}"
    for client in (FirestoreClient.as_user(stranger), signed_out):
        denied(lambda c=client: c.update(path, GOOD_EDIT))
        denied(lambda c=client: c.delete(path))
    denied(lambda: FirestoreClient.as_user(stranger).create(
        f"communityProfiles/{stranger.uid}", {k: v for k, v in GOOD_EDIT.items() if k != "updatedAt"}))
    denied(lambda: FirestoreClient.as_user(owner).delete(path))
