"""Rules for the shared whiteboard: boardUpdates, board/snapshot and boardPresence. Signed-out, stranger,
staff (admin claim), participant and partner; read, create, update and delete; every field's type and size;
a session that is no longer live; a full board and a budget hold."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.support.emulators import (
    SERVER_TIMESTAMP,
    AuthUser,
    DeniedError,
    FirestoreClient,
    make_session,
    sign_up,
    sign_up_staff,
)

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]

Trio = tuple[AuthUser, AuthUser, AuthUser, str]
BLOB = b"\x01\x01\x05\x00\x28\x01\x08elements\x02e1\x01\x77\x02{}\x00"


@pytest.fixture
def trio(admin: FirestoreClient) -> Trio:
    a, b, stranger = sign_up(display_name="A"), sign_up(display_name="B"), sign_up(display_name="S")
    return a, b, stranger, make_session(admin, a, b, status="active", session_type="case_study")


def update_doc(u: AuthUser, **over: Any) -> dict[str, Any]:
    doc = {"author": u.uid, "update": BLOB, "createdAt": SERVER_TIMESTAMP, **over}
    if "bytes" not in over and isinstance(doc["update"], bytes):
        doc["bytes"] = len(doc["update"])
    return doc


def presence_doc(u: AuthUser, **over: Any) -> dict[str, Any]:
    return {"uid": u.uid, "state": b"\x01\x05\x01\x02{}", "updatedAt": SERVER_TIMESTAMP, **over}


def outsiders(stranger: AuthUser, signed_out: FirestoreClient) -> list[FirestoreClient]:
    return [FirestoreClient.as_user(stranger), signed_out, FirestoreClient.as_user(sign_up_staff())]


# ---- boardUpdates -----------------------------------------------------------------------------------------

def test_participants_append_board_updates_and_both_read_them(trio: Trio) -> None:
    a, b, _, sid = trio
    me, partner = FirestoreClient.as_user(a), FirestoreClient.as_user(b)
    me.create(f"peerSessions/{sid}/boardUpdates/u1", update_doc(a))
    partner.create(f"peerSessions/{sid}/boardUpdates/u2", update_doc(b, update=b"\x00" * 131072))  # the cap
    for client in (me, partner):
        got = client.get(f"peerSessions/{sid}/boardUpdates/u1")
        assert got["update"] == BLOB and got["author"] == a.uid and got["bytes"] == len(BLOB)
        names = {d["__name__"].rsplit("/", 1)[1] for d in client.query("boardUpdates", parent=f"peerSessions/{sid}")}
        assert names == {"u1", "u2"}


def test_board_updates_are_append_only(trio: Trio) -> None:
    a, b, _, sid = trio
    path = f"peerSessions/{sid}/boardUpdates/u1"
    FirestoreClient.as_user(a).create(path, update_doc(a))
    for user in (a, b):
        client = FirestoreClient.as_user(user)
        with pytest.raises(DeniedError):
            client.update(path, {"update": b"\x02"})
        with pytest.raises(DeniedError):
            client.set(path, update_doc(user))
        with pytest.raises(DeniedError):
            client.delete(path)
    assert FirestoreClient.as_user(b).get(path)["update"] == BLOB


BAD_UPDATES = [
    {"update": b""},
    {"update": b"\x00" * 131073},  # over the size cap
    {"bytes": 1},  # not the update's size: the budget would under-count
    {"bytes": "13"},
    {"update": "AQEF"},
    {"update": None},
    {"createdAt": None},
    {"createdAt": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},  # not the server's time
    {"extra": 1},
    {"author": "someone-else"},
]


@pytest.mark.parametrize("bad", BAD_UPDATES, ids=[str(i) for i in range(len(BAD_UPDATES))])
def test_board_update_fields_are_validated(trio: Trio, bad: dict[str, Any]) -> None:
    a, _, _, sid = trio
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).create(f"peerSessions/{sid}/boardUpdates/x", update_doc(a, **bad))
    FirestoreClient.as_user(a).create(f"peerSessions/{sid}/boardUpdates/x", update_doc(a))  # the good one passes


def test_nobody_draws_as_the_partner(trio: Trio) -> None:
    a, b, _, sid = trio
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).create(f"peerSessions/{sid}/boardUpdates/x", update_doc(b))


def test_outsiders_neither_read_nor_append(trio: Trio, signed_out: FirestoreClient, admin: FirestoreClient) -> None:
    a, _, stranger, sid = trio
    admin.create(f"peerSessions/{sid}/boardUpdates/u1", {**update_doc(a), "createdAt": None})
    admin.create(f"peerSessions/{sid}/board/snapshot", {"update": BLOB, "elementCount": 1, "updateCount": 1})
    for client in outsiders(stranger, signed_out):
        with pytest.raises(DeniedError):
            client.get(f"peerSessions/{sid}/boardUpdates/u1")
        with pytest.raises(DeniedError):
            client.query("boardUpdates", parent=f"peerSessions/{sid}")
        with pytest.raises(DeniedError):
            client.get(f"peerSessions/{sid}/board/snapshot")
        with pytest.raises(DeniedError):
            client.create(f"peerSessions/{sid}/boardUpdates/x", update_doc(stranger))


def test_after_the_end_the_board_is_read_only_but_readable(trio: Trio, admin: FirestoreClient) -> None:
    a, b, _, sid = trio
    FirestoreClient.as_user(a).create(f"peerSessions/{sid}/boardUpdates/u1", update_doc(a))
    admin.create(f"peerSessions/{sid}/board/snapshot", {"update": BLOB, "elementCount": 1, "updateCount": 1})
    admin.update(f"peerSessions/{sid}", {"status": "completed"})
    for user in (a, b):
        client = FirestoreClient.as_user(user)
        with pytest.raises(DeniedError):
            client.create(f"peerSessions/{sid}/boardUpdates/late", update_doc(user))
        with pytest.raises(DeniedError):
            client.set(f"peerSessions/{sid}/boardPresence/{user.uid}", presence_doc(user))
        assert client.get(f"peerSessions/{sid}/board/snapshot")["elementCount"] == 1
        assert client.get(f"peerSessions/{sid}/boardUpdates/u1")["author"] == a.uid


def test_snapshot_is_written_by_functions_only(trio: Trio, admin: FirestoreClient) -> None:
    a, b, _, sid = trio
    admin.create(f"peerSessions/{sid}/board/snapshot", {"update": BLOB, "elementCount": 1, "updateCount": 1})
    for user in (a, b):
        client = FirestoreClient.as_user(user)
        with pytest.raises(DeniedError):
            client.set(f"peerSessions/{sid}/board/snapshot", {"update": b"\x00"})
        with pytest.raises(DeniedError):
            client.delete(f"peerSessions/{sid}/board/snapshot")


def test_a_full_board_and_a_held_author_are_refused(trio: Trio, admin: FirestoreClient) -> None:
    a, b, _, sid = trio
    admin.update(f"peerSessions/{sid}", {"budgetHolds": {a.uid: {
        "budget": "boardBytes", "until": dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5),
        "at": dt.datetime.now(dt.UTC)}}})
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).create(f"peerSessions/{sid}/boardUpdates/x", update_doc(a))
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).set(f"peerSessions/{sid}/boardPresence/{a.uid}", presence_doc(a))
    FirestoreClient.as_user(b).create(f"peerSessions/{sid}/boardUpdates/y", update_doc(b))  # not held
    admin.update(f"peerSessions/{sid}", {"boardFull": True})
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(b).create(f"peerSessions/{sid}/boardUpdates/z", update_doc(b))
    # The code is not closed by a full board.
    FirestoreClient.as_user(b).create(f"peerSessions/{sid}/codeUpdates/c", update_doc(b))


# ---- boardPresence ----------------------------------------------------------------------------------------

def test_each_writes_only_their_own_pointer_and_both_read_both(trio: Trio, signed_out: FirestoreClient) -> None:
    a, b, stranger, sid = trio
    me = FirestoreClient.as_user(a)
    me.set(f"peerSessions/{sid}/boardPresence/{a.uid}", presence_doc(a))
    me.set(f"peerSessions/{sid}/boardPresence/{a.uid}", presence_doc(a, state=b"\x00" * 8192))  # the cap
    with pytest.raises(DeniedError):
        me.set(f"peerSessions/{sid}/boardPresence/{a.uid}", presence_doc(a, state=b"\x00" * 8193))
    with pytest.raises(DeniedError):
        me.set(f"peerSessions/{sid}/boardPresence/{b.uid}", presence_doc(b))
    with pytest.raises(DeniedError):
        me.set(f"peerSessions/{sid}/boardPresence/{a.uid}", presence_doc(a, updatedAt=dt.datetime(2020, 1, 1,
                                                                                                    tzinfo=dt.UTC)))
    with pytest.raises(DeniedError):
        me.set(f"peerSessions/{sid}/boardPresence/{a.uid}", presence_doc(a, extra=True))
    assert len(FirestoreClient.as_user(b).get(f"peerSessions/{sid}/boardPresence/{a.uid}")["state"]) == 8192
    for client in outsiders(stranger, signed_out):
        with pytest.raises(DeniedError):
            client.get(f"peerSessions/{sid}/boardPresence/{a.uid}")
        with pytest.raises(DeniedError):
            client.set(f"peerSessions/{sid}/boardPresence/{stranger.uid}", presence_doc(stranger))
