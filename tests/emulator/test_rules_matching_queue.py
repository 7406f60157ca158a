"""Rules for matchingQueue/{uid}: signed-out, stranger, owner and admin; every client field validated."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.support.emulators import SERVER_TIMESTAMP, AuthUser, DeniedError, FirestoreClient, sign_up

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]


def entry(uid: str, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "uid": uid, "sessionTypes": ["technical", "behavioral"], "difficultyLevels": ["intermediate"],
        "rolePreference": "flexible", "languages": ["english"], "industries": ["tech"],
        "targetRoles": ["Backend Engineer"], "timeZone": "Europe/London", "experienceLevel": "mid",
        "maxWaitTime": 300, "status": "waiting", "joinedAt": SERVER_TIMESTAMP,
    }
    base.update(over)
    return base


@pytest.fixture
def owner() -> AuthUser:
    return sign_up()


@pytest.fixture
def stranger() -> AuthUser:
    return sign_up()


def test_owner_joins_and_reads_own_entry(owner: AuthUser) -> None:
    me = FirestoreClient.as_user(owner)
    me.create(f"matchingQueue/{owner.uid}", entry(owner.uid))
    assert me.get(f"matchingQueue/{owner.uid}")["rolePreference"] == "flexible"


def test_nobody_writes_an_entry_for_someone_else(owner: AuthUser, stranger: AuthUser,
                                                 signed_out: FirestoreClient) -> None:
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(stranger).create(f"matchingQueue/{owner.uid}", entry(owner.uid))
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(stranger).create(f"matchingQueue/{owner.uid}", entry(stranger.uid))
    with pytest.raises(DeniedError):
        signed_out.create(f"matchingQueue/{owner.uid}", entry(owner.uid))


def test_entries_are_private(owner: AuthUser, stranger: AuthUser, signed_out: FirestoreClient,
                             admin: FirestoreClient) -> None:
    admin.create(f"matchingQueue/{owner.uid}", {**entry(owner.uid), "joinedAt": dt.datetime.now(dt.UTC)})
    for client in (FirestoreClient.as_user(stranger), signed_out):
        with pytest.raises(DeniedError):
            client.get(f"matchingQueue/{owner.uid}")
        with pytest.raises(DeniedError):
            client.query("matchingQueue", [("status", "==", "waiting")])
        with pytest.raises(DeniedError):
            client.delete(f"matchingQueue/{owner.uid}")


BAD = [
    {"sessionTypes": []},
    {"sessionTypes": ["chess"]},
    {"sessionTypes": ["technical", "technical"]},
    {"sessionTypes": "technical"},
    {"difficultyLevels": []},
    {"difficultyLevels": ["impossible"]},
    {"rolePreference": "observer"},
    {"rolePreference": None},
    {"languages": []},
    {"languages": ["english", "klingon"]},
    {"languages": ["english", "french", "german", "spanish", "hindi", "dutch"]},
    {"industries": ["piracy"]},
    {"industries": "tech"},
    {"targetRoles": ["x" * 41]},
    {"targetRoles": [""]},
    {"targetRoles": [f"role{i}" for i in range(11)]},
    {"targetRoles": [7]},
    {"timeZone": ""},
    {"timeZone": "x" * 65},
    {"timeZone": 3},
    # Not an IANA zone's shape: the matcher's parse refused these, so one of them stalled matching.
    {"timeZone": "UTC+05:30"},
    {"timeZone": "Mars/Olympus Mons"},
    {"timeZone": "Europe/London\n"},
    {"timeZone": "/Europe"},
    {"timeZone": "Europe//London"},
    {"timeZone": "../etc/passwd"},
    {"experienceLevel": "guru"},
    {"maxWaitTime": 29},
    {"maxWaitTime": 901},
    {"maxWaitTime": 60.5},
    {"maxWaitTime": "60"},
    {"status": "matched"},
    {"sessionId": "s1"},
    {"lastMatchedWith": []},
    {"priority": True},
    {"matchedWith": "someone"},
    {"joinedAt": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
    {"extra": "field"},
]


@pytest.mark.parametrize("bad", BAD, ids=[next(iter(b)) + "-" + str(i) for i, b in enumerate(BAD)])
def test_every_client_field_is_validated(owner: AuthUser, bad: dict[str, Any]) -> None:
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(owner).create(f"matchingQueue/{owner.uid}", entry(owner.uid, **bad))


@pytest.mark.parametrize("zone", ["UTC", "Etc/GMT+5", "America/Argentina/Buenos_Aires", "America/Port-au-Prince",
                                  "Mars/Olympus_Mons"])
def test_zone_shaped_time_zones_are_accepted(owner: AuthUser, zone: str) -> None:
    """Shape is all the rules can check; a well-shaped unknown zone only scores neutral in matching."""
    FirestoreClient.as_user(owner).create(f"matchingQueue/{owner.uid}", entry(owner.uid, timeZone=zone))


@pytest.mark.parametrize("missing", ["sessionTypes", "languages", "maxWaitTime", "status", "joinedAt", "uid"])
def test_required_fields(owner: AuthUser, missing: str) -> None:
    doc = entry(owner.uid)
    del doc[missing]
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(owner).create(f"matchingQueue/{owner.uid}", doc)


def test_client_never_updates_status_or_session(owner: AuthUser, admin: FirestoreClient) -> None:
    me = FirestoreClient.as_user(owner)
    me.create(f"matchingQueue/{owner.uid}", entry(owner.uid))
    for change in ({"status": "matched"}, {"sessionId": "s1"}, {"lastMatchedWith": ["x"]},
                   {"maxWaitTime": 600}):
        with pytest.raises(DeniedError):
            me.update(f"matchingQueue/{owner.uid}", change)
    assert admin.get(f"matchingQueue/{owner.uid}")["status"] == "waiting"


def test_owner_cancels_while_waiting(owner: AuthUser, admin: FirestoreClient) -> None:
    me = FirestoreClient.as_user(owner)
    me.create(f"matchingQueue/{owner.uid}", entry(owner.uid))
    me.delete(f"matchingQueue/{owner.uid}")
    assert admin.get(f"matchingQueue/{owner.uid}") is None


def test_admin_token_reads_entries(owner: AuthUser, admin: FirestoreClient) -> None:
    """A member with the admin custom claim may read any entry (support), but not write one."""
    import requests

    from tests.support.emulators import API_KEY, auth_host
    admin.create(f"matchingQueue/{owner.uid}", {**entry(owner.uid), "joinedAt": dt.datetime.now(dt.UTC)})
    staff = sign_up()
    r = requests.post(f"http://{auth_host()}/identitytoolkit.googleapis.com/v1/projects/demo-salamin/accounts:update",
                      json={"localId": staff.uid, "customAttributes": '{"admin": true}'},
                      headers={"Authorization": "Bearer owner"}, timeout=30)
    r.raise_for_status()
    r = requests.post(f"http://{auth_host()}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword"
                      f"?key={API_KEY}", json={"email": staff.email, "password": staff.password,
                                               "returnSecureToken": True}, timeout=30)
    staff_client = FirestoreClient(r.json()["idToken"])
    assert staff_client.get(f"matchingQueue/{owner.uid}")["uid"] == owner.uid
    with pytest.raises(DeniedError):
        staff_client.update(f"matchingQueue/{owner.uid}", {"status": "matched"})
