"""The shared documents' per-session timer (salamin.doctimer) on the emulators: joining starts it, its ticks
fold the whiteboard (and the code) once enough updates wait, a tick delivered twice folds and counts
nothing twice, and a session that ended stops the chain. Updates are real Yjs updates made with pycrdt,
written through the rules as the participants."""

from __future__ import annotations

import concurrent.futures
import json
import os
import time
from typing import Any

import pycrdt
import pytest

from tests.support.emulators import (
    SERVER_TIMESTAMP,
    AuthUser,
    FirestoreClient,
    call,
    make_session,
    sign_up,
    wait_for,
)

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]


class Board:
    """One browser's board document: Y.Map "elements" (id → JSON) and Y.Map "deleted"."""

    def __init__(self, user: AuthUser, client_id: int) -> None:
        self.user = user
        self.doc = pycrdt.Doc(client_id=client_id)
        self.elements = self.doc.get("elements", type=pycrdt.Map)
        self.deleted = self.doc.get("deleted", type=pycrdt.Map)
        self.updates: list[bytes] = []
        self.doc.observe(lambda event: self.updates.append(event.update))

    def draw(self, eid: str, version: int = 1) -> None:
        self.elements[eid] = json.dumps({"id": eid, "type": "rectangle", "version": version, "versionNonce": 7,
                                         "isDeleted": False, "x": 1, "y": 2, "width": 3, "height": 4})

    def send(self, sid: str, updates: list[bytes]) -> None:
        client = FirestoreClient.as_user(self.user)
        for update in updates:
            client.add(f"peerSessions/{sid}/boardUpdates", {"author": self.user.uid, "update": update,
                                                            "bytes": len(update), "createdAt": SERVER_TIMESTAMP})


def visible(blobs: list[bytes]) -> set[str]:
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    if blobs:  # merged first: applied one by one out of order, an update can stay pending
        doc.apply_update(pycrdt.merge_updates(*blobs))
    return set(doc.get("elements", type=pycrdt.Map).keys()) - set(doc.get("deleted", type=pycrdt.Map).keys())


def stored_board(user: AuthUser, sid: str) -> list[bytes]:
    return [d["update"] for d in FirestoreClient.as_user(user).query("boardUpdates", parent=f"peerSessions/{sid}")]


def salamin() -> Any:
    os.environ.setdefault("CLOUD_TASKS_EMULATOR_HOST", "127.0.0.1:9499")
    from salamin import firebase

    return firebase.db()


def test_joining_starts_the_timer_and_its_ticks_fold_the_board(admin: FirestoreClient) -> None:
    from salamin import code

    a, b = sign_up(display_name="Ada"), sign_up(display_name="Grace")
    sid = make_session(admin, a, b, session_type="case_study")
    call("joinSession", {"sessionId": sid}, user=a)
    call("joinSession", {"sessionId": sid}, user=b)
    assert admin.get(f"peerSessions/{sid}/server/docsTimer")["slot"] >= 1
    ba, bb = Board(a, 11), Board(b, 22)
    for i in range(110):  # concurrent: neither has the other's elements yet
        ba.draw(f"a{i}")
        bb.draw(f"b{i}")
    for i in range(0, 110, 10):
        bb.deleted[f"b{i}"] = True  # Grace deletes every tenth of hers
    expected = {f"a{i}" for i in range(110)} | {f"b{i}" for i in range(110) if i % 10}
    assert visible(ba.updates + bb.updates) == expected
    for i in range(max(len(ba.updates), len(bb.updates))):
        ba.send(sid, ba.updates[i:i + 1])
        bb.send(sid, bb.updates[i:i + 1])
    total = len(ba.updates) + len(bb.updates)
    assert total >= code.COMPACT_AT

    path = f"peerSessions/{sid}/board/snapshot"
    snap = wait_for(lambda: FirestoreClient.as_user(b).get(path), timeout=90)
    remaining = stored_board(a, sid)
    assert snap["updateCount"] + len(remaining) == total
    # What a late joiner loads: the snapshot, then what was not folded yet — every element, nothing deleted back.
    assert visible([snap["update"], *remaining]) == expected
    assert snap["elementCount"] == len(visible([snap["update"]]))
    # The chain goes on while the session is live.
    first = admin.get(f"peerSessions/{sid}/server/docsTimer")["slot"]
    wait_for(lambda: admin.get(f"peerSessions/{sid}/server/docsTimer")["slot"] > first, timeout=60)


def test_a_tick_delivered_twice_folds_and_counts_once(admin: FirestoreClient) -> None:
    from salamin import code, doctimer

    db = salamin()
    a, b = sign_up(), sign_up()
    sid = make_session(admin, a, b, status="active", session_type="case_study")
    ba = Board(a, 5)
    for i in range(code.COMPACT_AT + 10):
        ba.draw(f"e{i}")
    ba.send(sid, ba.updates)
    n = len(ba.updates)
    admin.set(f"peerSessions/{sid}/server/docsTimer", {"slot": 7, "dueAt": time.time()})
    payload = {"sessionId": sid, "slot": 7, "dueAtMs": 0}

    # The same task twice at once, as a queue may deliver it, then once more.
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: doctimer.on_tick(db, dict(payload)), range(2)))
    again = doctimer.on_tick(db, dict(payload))
    assert again == {"skipped": "not the pending tick"}
    assert [r.get("next") for r in results].count(8) == 1  # one next tick claimed, not two
    assert sum(int(r.get("folded") or 0) for r in results) == n
    snap = admin.get(f"peerSessions/{sid}/board/snapshot")
    assert snap["updateCount"] == n and snap["elementCount"] == n
    assert stored_board(a, sid) == []
    # The budget counters hold each folded update once.
    counters = admin.get(f"peerSessions/{sid}/server/budget")["boardUpdates"][a.uid]
    assert sum(counters.values()) == n
    assert admin.get(f"peerSessions/{sid}/server/docsTimer")["slot"] == 8


def test_a_session_that_ended_stops_the_chain(admin: FirestoreClient) -> None:
    from salamin import doctimer

    db = salamin()
    a, b = sign_up(), sign_up()
    sid = make_session(admin, a, b, status="completed")
    admin.set(f"peerSessions/{sid}/server/docsTimer", {"slot": 3, "dueAt": time.time()})
    result = doctimer.on_tick(db, {"sessionId": sid, "slot": 3, "dueAtMs": 0})
    assert result["next"] is None
    assert admin.get(f"peerSessions/{sid}/server/docsTimer")["slot"] == 3
    # A tick not yet due is refused (the queue retries it), so an early (emulated) delivery does nothing.
    with pytest.raises(doctimer.tasks.NotDueError):
        doctimer.on_tick(db, {"sessionId": sid, "slot": 3, "dueAtMs": int(time.time() * 1000) + 60_000})


def test_joins_at_once_claim_one_chain_and_a_stale_one_is_taken_over_once(admin: FirestoreClient, bank: None) -> None:
    # A join claims the first slot in the same commit as its session write, conditioned on what it read (no
    # transaction): of several joins and reloads at once exactly one starts the chain, on a new session and
    # on one whose chain went stale.
    from salamin import doctimer, interview

    db = salamin()
    a, b = sign_up(display_name="Ada"), sign_up(display_name="Grace")
    sid = make_session(admin, a, b, session_type="case_study")
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(lambda i: interview.join(db, sid, (a, b)[i % 2].uid)["status"], range(6)))
    assert "active" in statuses
    timer = admin.get(f"peerSessions/{sid}/server/docsTimer")
    assert timer["slot"] == 1 and timer["pending"] == 0
    session = admin.get(f"peerSessions/{sid}")
    assert session["status"] == "active" and session["questionSet"]["1"]  # the start wrote its questions
    interview.join(db, sid, a.uid)  # pending now: a reload leaves it alone
    assert admin.get(f"peerSessions/{sid}/server/docsTimer")["slot"] == 1
    assert doctimer.STALE_S > doctimer.TICK_IDLE_S

    # The chain died (its tick never came): overdue by more than STALE_S, the next reloads take it over once.
    admin.set(f"peerSessions/{sid}/server/docsTimer",
              {"slot": 3, "pending": 0, "dueAt": time.time() - doctimer.STALE_S - 5})
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda i: interview.join(db, sid, (a, b)[i % 2].uid), range(6)))
    assert admin.get(f"peerSessions/{sid}/server/docsTimer")["slot"] == 4

