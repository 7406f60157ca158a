"""Rules for the shared code editor: codeUpdates, code/snapshot, codePresence, runs and server/runLimiter.
Signed-out, stranger, staff (admin claim), participant (author or owner) and partner; read, create,
update and delete; every field's type and size; a session that is no longer live."""

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


@pytest.fixture
def trio(admin: FirestoreClient) -> Trio:
    a, b, stranger = sign_up(display_name="A"), sign_up(display_name="B"), sign_up(display_name="S")
    return a, b, stranger, make_session(admin, a, b, status="active")


def update_doc(u: AuthUser, **over: Any) -> dict[str, Any]:
    doc = {"author": u.uid, "update": b"\x01\x01\x05\x00\x04\x01\x04code\x01a\x00", "createdAt": SERVER_TIMESTAMP,
           **over}
    if "bytes" not in over and isinstance(doc["update"], bytes):
        doc["bytes"] = len(doc["update"])  # the size, as the web app states it
    return doc


def presence_doc(u: AuthUser, **over: Any) -> dict[str, Any]:
    return {"uid": u.uid, "state": b"\x01\x05\x01\x02{}", "updatedAt": SERVER_TIMESTAMP, **over}


def outsiders(stranger: AuthUser, signed_out: FirestoreClient) -> list[FirestoreClient]:
    return [FirestoreClient.as_user(stranger), signed_out, FirestoreClient.as_user(sign_up_staff())]


# ---- codeUpdates ------------------------------------------------------------------------------------------

def test_participants_append_updates_and_both_read_them(trio: Trio) -> None:
    a, b, _, sid = trio
    me, partner = FirestoreClient.as_user(a), FirestoreClient.as_user(b)
    me.create(f"peerSessions/{sid}/codeUpdates/u1", update_doc(a))
    partner.create(f"peerSessions/{sid}/codeUpdates/u2", update_doc(b, update=b"\x00" * 131072))  # the maximum
    for client in (me, partner):
        got = client.get(f"peerSessions/{sid}/codeUpdates/u1")
        assert got["update"] == update_doc(a)["update"] and got["author"] == a.uid
        assert {d["__name__"].rsplit("/", 1)[1] for d in client.query("codeUpdates", parent=f"peerSessions/{sid}")} \
            == {"u1", "u2"}


def test_updates_are_append_only(trio: Trio) -> None:
    a, b, _, sid = trio
    path = f"peerSessions/{sid}/codeUpdates/u1"
    FirestoreClient.as_user(a).create(path, update_doc(a))
    for user in (a, b):
        client = FirestoreClient.as_user(user)
        with pytest.raises(DeniedError):
            client.update(path, {"update": b"\x02"})
        with pytest.raises(DeniedError):
            client.set(path, update_doc(user))
        with pytest.raises(DeniedError):
            client.delete(path)


BAD_UPDATES = [
    {"update": b""},
    {"update": b"\x00" * 131073},
    {"bytes": 1},  # not the update's size: the budget would under-count
    {"bytes": 13.0},
    {"bytes": "13"},
    {"update": "AQEF"},  # base64 text, not bytes
    {"update": [1, 2, 3]},
    {"update": None},
    {"createdAt": None},
    {"createdAt": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
    {"extra": 1},
    {"author": "someone-else"},
]


@pytest.mark.parametrize("bad", BAD_UPDATES, ids=[str(i) for i in range(len(BAD_UPDATES))])
def test_update_fields_are_validated(trio: Trio, bad: dict[str, Any]) -> None:
    a, _, _, sid = trio
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).create(f"peerSessions/{sid}/codeUpdates/x", update_doc(a, **bad))


def test_updates_need_every_field(trio: Trio) -> None:
    a, _, _, sid = trio
    for key in ("author", "update", "bytes", "createdAt"):
        doc = update_doc(a)
        del doc[key]
        with pytest.raises(DeniedError):
            FirestoreClient.as_user(a).create(f"peerSessions/{sid}/codeUpdates/x", doc)


def test_nobody_writes_as_the_partner(trio: Trio) -> None:
    a, b, _, sid = trio
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).create(f"peerSessions/{sid}/codeUpdates/x", update_doc(b))


def test_outsiders_neither_read_nor_append(trio: Trio, signed_out: FirestoreClient, admin: FirestoreClient) -> None:
    a, _, stranger, sid = trio
    admin.create(f"peerSessions/{sid}/codeUpdates/u1", {**update_doc(a), "createdAt": None})
    for client in outsiders(stranger, signed_out):
        with pytest.raises(DeniedError):
            client.get(f"peerSessions/{sid}/codeUpdates/u1")
        with pytest.raises(DeniedError):
            client.query("codeUpdates", parent=f"peerSessions/{sid}")
        with pytest.raises(DeniedError):
            client.create(f"peerSessions/{sid}/codeUpdates/u2", update_doc(stranger))
        with pytest.raises(DeniedError):
            client.delete(f"peerSessions/{sid}/codeUpdates/u1")


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_no_updates_once_the_session_is_over(admin: FirestoreClient, status: str) -> None:
    a, b = sign_up(), sign_up()
    sid = make_session(admin, a, b, status=status)
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).create(f"peerSessions/{sid}/codeUpdates/x", update_doc(a))
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).set(f"peerSessions/{sid}/codePresence/{a.uid}", presence_doc(a))
    admin.create(f"peerSessions/{sid}/code/snapshot", {"update": b"\x00\x00", "text": "x", "language": None,
                                                       "updateCount": 0, "updatedAt": None})
    assert FirestoreClient.as_user(b).get(f"peerSessions/{sid}/code/snapshot")["text"] == "x"  # still readable


@pytest.mark.parametrize("status", ["matched", "starting", "ending"])
def test_updates_in_every_live_status(admin: FirestoreClient, status: str) -> None:
    a, b = sign_up(), sign_up()
    sid = make_session(admin, a, b, status=status)
    FirestoreClient.as_user(a).create(f"peerSessions/{sid}/codeUpdates/x", update_doc(a))


def test_a_person_frozen_for_a_budget_writes_no_code_or_cursor_until_the_hold_ends(
        trio: Trio, admin: FirestoreClient) -> None:
    a, b, _, sid = trio
    until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    admin.update(f"peerSessions/{sid}", {"budgetHolds": {a.uid: {"budget": "codeUpdates", "until": until}}})
    me = FirestoreClient.as_user(a)
    with pytest.raises(DeniedError):
        me.create(f"peerSessions/{sid}/codeUpdates/x", update_doc(a))
    with pytest.raises(DeniedError):
        me.set(f"peerSessions/{sid}/codePresence/{a.uid}", presence_doc(a))
    FirestoreClient.as_user(b).create(f"peerSessions/{sid}/codeUpdates/y", update_doc(b))  # only a is frozen
    # Once the hold has passed, a writes again.
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    admin.update(f"peerSessions/{sid}", {"budgetHolds": {a.uid: {"budget": "codeUpdates", "until": past}}})
    me.create(f"peerSessions/{sid}/codeUpdates/x", update_doc(a))
    me.set(f"peerSessions/{sid}/codePresence/{a.uid}", presence_doc(a))


def test_no_updates_once_the_snapshot_is_full(trio: Trio, admin: FirestoreClient) -> None:
    a, b, _, sid = trio
    admin.update(f"peerSessions/{sid}", {"codeFull": True})
    for u in (a, b):
        with pytest.raises(DeniedError):
            FirestoreClient.as_user(u).create(f"peerSessions/{sid}/codeUpdates/x", update_doc(u))


# ---- code/snapshot and runs: functions only ----------------------------------------------------------------

def snapshot() -> dict[str, Any]:
    return {"update": b"\x00\x00", "text": "print(1)", "language": "python", "updateCount": 3, "updatedAt": None}


def run_doc(a: AuthUser) -> dict[str, Any]:
    return {"by": a.uid, "mode": "run", "language": "python", "questionId": None, "stdin": "", "status": "done",
            "createdAt": None, "startedAt": None, "finishedAt": None, "result": {"verdict": "accepted"},
            "error": None}


@pytest.mark.parametrize("kind", ["snapshot", "run"])
def test_function_documents_are_read_only_for_participants(trio: Trio, signed_out: FirestoreClient,
                                                           admin: FirestoreClient, kind: str) -> None:
    a, b, stranger, sid = trio
    path, doc = ((f"peerSessions/{sid}/code/snapshot", snapshot()) if kind == "snapshot"
                 else (f"peerSessions/{sid}/runs/r1", run_doc(a)))
    admin.create(path, doc)
    for user in (a, b):
        client = FirestoreClient.as_user(user)
        assert client.get(path) is not None
        with pytest.raises(DeniedError):
            client.update(path, {"status": "error"} if kind == "run" else {"text": "hacked"})
        with pytest.raises(DeniedError):
            client.set(path, doc)
        with pytest.raises(DeniedError):
            client.delete(path)
        with pytest.raises(DeniedError):
            client.create(path.rsplit("/", 1)[0] + "/other", doc)
    for client in outsiders(stranger, signed_out):
        with pytest.raises(DeniedError):
            client.get(path)
        with pytest.raises(DeniedError):
            client.delete(path)
    runs = FirestoreClient.as_user(b).query("runs", parent=f"peerSessions/{sid}")
    assert len(runs) == (1 if kind == "run" else 0)


def test_the_run_limiter_is_closed_to_clients(trio: Trio, admin: FirestoreClient) -> None:
    a, _, _, sid = trio
    admin.create(f"peerSessions/{sid}/server/runLimiter", {"starts": [], "active": None})
    me = FirestoreClient.as_user(a)
    with pytest.raises(DeniedError):
        me.get(f"peerSessions/{sid}/server/runLimiter")
    with pytest.raises(DeniedError):
        me.set(f"peerSessions/{sid}/server/runLimiter", {"starts": [], "active": None})


# ---- codePresence ---------------------------------------------------------------------------------------------

def test_each_participant_writes_their_own_presence_and_both_read(trio: Trio) -> None:
    a, b, _, sid = trio
    me = FirestoreClient.as_user(a)
    path = f"peerSessions/{sid}/codePresence/{a.uid}"
    me.create(path, presence_doc(a))
    me.set(path, presence_doc(a, state=b"\x07" * 8192))  # an update, at the maximum size
    me.update(path, {"state": b"\x01", "updatedAt": SERVER_TIMESTAMP})
    assert FirestoreClient.as_user(b).get(path)["state"] == b"\x01"
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(b).set(path, presence_doc(a))  # the partner's document
    with pytest.raises(DeniedError):
        me.set(f"peerSessions/{sid}/codePresence/{b.uid}", presence_doc(b))
    for client in (me, FirestoreClient.as_user(b)):
        with pytest.raises(DeniedError):
            client.delete(path)


BAD_PRESENCE = [
    {"state": b""},
    {"state": b"\x00" * 8193},
    {"state": "awareness"},
    {"state": None},
    {"uid": "someone-else"},
    {"updatedAt": None},
    {"updatedAt": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
    {"cursor": 5},
]


@pytest.mark.parametrize("bad", BAD_PRESENCE, ids=[str(i) for i in range(len(BAD_PRESENCE))])
def test_presence_fields_are_validated(trio: Trio, bad: dict[str, Any]) -> None:
    a, _, _, sid = trio
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).set(f"peerSessions/{sid}/codePresence/{a.uid}", presence_doc(a, **bad))


def test_outsiders_have_no_presence(trio: Trio, signed_out: FirestoreClient, admin: FirestoreClient) -> None:
    a, _, stranger, sid = trio
    admin.create(f"peerSessions/{sid}/codePresence/{a.uid}", {**presence_doc(a), "updatedAt": None})
    for client in outsiders(stranger, signed_out):
        with pytest.raises(DeniedError):
            client.get(f"peerSessions/{sid}/codePresence/{a.uid}")
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(stranger).set(f"peerSessions/{sid}/codePresence/{stranger.uid}",
                                              presence_doc(stranger))
