"""Write budgets on the emulators: a flood is stopped by the functions (for code and board updates, the
session's timer) and the rules, and the session document is never locked for long while compaction and
presence mirroring run at once (issue 11, findings 4 and 6). Floods are written through the rules as the
participant, as fast as this client can."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import time
from typing import Any

import pycrdt
import pytest

from tests.support.emulators import (
    SERVER_TIMESTAMP,
    AuthUser,
    DeniedError,
    FirestoreClient,
    call,
    make_session,
    sign_up,
    stored_code,
    wait_for,
)

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]


def fresh_minute(room_s: float) -> None:
    """Budgets count per calendar minute: start a flood with at least `room_s` seconds of it left."""
    left = 60 - time.time() % 60
    if left < room_s:
        time.sleep(left + 0.2)


def update_of(u: AuthUser, blob: bytes) -> dict[str, Any]:
    return {"author": u.uid, "update": blob, "bytes": len(blob), "createdAt": SERVER_TIMESTAMP}


def hold_of(admin: FirestoreClient, sid: str, uid: str) -> dict[str, Any] | None:
    return ((admin.get(f"peerSessions/{sid}") or {}).get("budgetHolds") or {}).get(uid)


def flood(write: Any, most: int) -> int:
    """Writes until the rules refuse one; returns how many were accepted (fails after `most`)."""
    return len(timed_flood(write, most)[0])


def timed_flood(write: Any, most: int) -> tuple[list[float], float]:
    """Writes until the rules refuse one: the monotonic time of each accepted write, and of the refusal."""
    accepted: list[float] = []
    for _ in range(most):
        try:
            write()
        except DeniedError:
            return accepted, time.monotonic()
        accepted.append(time.monotonic())
    raise AssertionError(f"{most} writes, none refused")


# The hold lands one trigger after the write that crossed the budget, so how far a flood overshoots is its
# write rate times the trigger's latency, which on a loaded 2-core emulator run varies by seconds. What the
# server promises is the time: the flood is refused within this many seconds of crossing the budget.
HOLD_WITHIN_S = 20.0


def assert_stopped_in_time(accepted: list[float], refused_at: float, budget: int) -> None:
    assert len(accepted) > budget, f"refused after {len(accepted)} writes, before the budget of {budget}"
    crossed_at = accepted[budget]  # the first write past the budget
    assert refused_at - crossed_at < HOLD_WITHIN_S, (
        f"{len(accepted)} accepted; refused {refused_at - crossed_at:.1f} s after crossing the budget")


def start_timer(sid: str, who: AuthUser) -> None:
    """The shared documents' timer, started by `who`'s join (the sessions here are written directly)."""
    call("joinSession", {"sessionId": sid}, user=who)
    assert (FirestoreClient.admin().get(f"peerSessions/{sid}/server/docsTimer") or {}).get("slot") == 1


@pytest.mark.parametrize("kind", ["code", "board"])
def test_a_flood_of_bytes_is_stopped_by_the_timer_and_only_its_author_is_frozen(admin: FirestoreClient,
                                                                                 kind: str) -> None:
    """No function runs per update: the session's timer counts the minute's bytes and freezes the author
    within a tick or two of crossing the budget."""
    from salamin import budgets

    a, b = sign_up(display_name="Ada"), sign_up(display_name="Grace")
    sid = make_session(admin, a, b, status="active")
    start_timer(sid, a)
    doc = pycrdt.Doc(client_id=5)
    text = doc.get("code", type=pycrdt.Text)
    blobs: list[bytes] = []
    doc.observe(lambda e: blobs.append(e.update))
    chunk = "x" * 120_000  # each update just under the rules' 128 KiB
    me = FirestoreClient.as_user(a)
    collection = f"peerSessions/{sid}/{kind}Updates"

    def write() -> None:
        text.insert(len(text), chunk)
        me.add(collection, update_of(a, blobs[-1]))

    fresh_minute(40)
    started = time.monotonic()
    times, refused_at = timed_flood(write, most=600)
    took = time.monotonic() - started
    hold = wait_for(lambda: hold_of(admin, sid, a.uid), timeout=30)
    size = len(blobs[-1])
    print(f"\n{kind} bytes flood: {len(times)} updates of ~{size} B accepted ({len(times) * size} B) in {took:.1f} s; "
          f"budget {budgets.BUDGETS[kind + 'Bytes']} B/min")
    assert hold["budget"] == f"{kind}Bytes"
    assert hold["until"] > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=budgets.FREEZE_S - 60)
    # Stopped in time: the first write past the budget is the one that takes the sum over it.
    assert_stopped_in_time(times, refused_at, budgets.BUDGETS[kind + "Bytes"] // size)
    with pytest.raises(DeniedError):
        me.add(collection, update_of(a, blobs[0]))
    with pytest.raises(DeniedError):
        me.set(f"peerSessions/{sid}/presence/{a.uid}", {
            "uid": a.uid, "peerId": "peer-aaaaaaaa", "state": "connected", "audioEnabled": True,
            "videoEnabled": True, "screenSharing": False, "updatedAt": SERVER_TIMESTAMP})
    # The partner is not frozen.
    small = pycrdt.Doc(client_id=6)
    small_blobs: list[bytes] = []
    small.observe(lambda e: small_blobs.append(e.update))
    small.get("code", type=pycrdt.Text).insert(0, "# fine\n")
    FirestoreClient.as_user(b).add(collection, update_of(b, small_blobs[0]))
    assert hold_of(admin, sid, b.uid) is None


def test_a_flood_of_signaling_messages_is_stopped_within_the_budget(admin: FirestoreClient) -> None:
    from salamin import budgets

    a, b = sign_up(), sign_up()
    sid = make_session(admin, a, b, status="active")
    me = FirestoreClient.as_user(a)
    candidate = {"from": a.uid, "to": b.uid, "fromPeer": "peer-aaaaaaaa", "type": "candidate",
                 "candidate": {"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host",
                               "sdpMid": "0", "sdpMLineIndex": 0}, "createdAt": SERVER_TIMESTAMP}
    fresh_minute(45)
    started = time.monotonic()
    times, refused_at = timed_flood(lambda: me.add(f"peerSessions/{sid}/signaling", candidate), most=1200)
    took = time.monotonic() - started
    hold = wait_for(lambda: hold_of(admin, sid, a.uid), timeout=30)
    print(f"\nsignaling flood: {len(times)} messages accepted in {took:.1f} s;"
          f" budget {budgets.BUDGETS['signaling']}/min")
    assert hold["budget"] == "signaling"
    assert_stopped_in_time(times, refused_at, budgets.BUDGETS["signaling"])
    # b, who was not flooding, still signals.
    FirestoreClient.as_user(b).add(f"peerSessions/{sid}/signaling", {**candidate, "from": b.uid, "to": a.uid})


def test_a_flood_of_presence_rewrites_is_stopped_within_the_budget(admin: FirestoreClient) -> None:
    from salamin import budgets

    a, b = sign_up(), sign_up()
    sid = make_session(admin, a, b, status="active")
    me = FirestoreClient.as_user(a)
    toggles = iter(range(10_000))

    def write() -> None:
        me.set(f"peerSessions/{sid}/presence/{a.uid}", {
            "uid": a.uid, "peerId": "peer-aaaaaaaa", "state": "connected", "audioEnabled": next(toggles) % 2 == 0,
            "videoEnabled": True, "screenSharing": False, "updatedAt": SERVER_TIMESTAMP})

    fresh_minute(45)
    started = time.monotonic()
    times, refused_at = timed_flood(write, most=1200)
    took = time.monotonic() - started
    hold = wait_for(lambda: hold_of(admin, sid, a.uid), timeout=30)
    print(f"\npresence flood: {len(times)} writes accepted in {took:.1f} s; budget {budgets.BUDGETS['presence']}/min")
    assert hold["budget"] == "presence"
    assert_stopped_in_time(times, refused_at, budgets.BUDGETS["presence"])


def test_the_session_is_never_locked_while_compaction_and_presence_mirroring_run(admin: FirestoreClient) -> None:
    """Finding 6: an ordinary write to the session document (here the test's own, as a function or the
    console would write) and the participants' writes all go through promptly while a compaction folds
    hundreds of updates and both participants' presence is mirrored into the session at the same time."""
    from salamin import code, firebase

    a, b = sign_up(display_name="Ada"), sign_up(display_name="Grace")
    sid = make_session(admin, a, b, status="active")
    db = firebase.db()
    # Pending updates written directly (as compaction would find them after a busy minute).
    doc = pycrdt.Doc(client_id=9)
    text = doc.get("code", type=pycrdt.Text)
    blobs: list[bytes] = []
    doc.observe(lambda e: blobs.append(e.update))
    for i in range(code.COMPACT_AT - 20):
        text.insert(len(text), f"line {i}\n")
    updates = db.collection("peerSessions").document(sid).collection("codeUpdates")
    for start in range(0, len(blobs), 200):
        batch = db.batch()
        for blob in blobs[start:start + 200]:
            batch.set(updates.document(), {"author": a.uid, "update": blob, "bytes": len(blob),
                                           "createdAt": dt.datetime.now(dt.UTC)})
        batch.commit()

    def presence(u: AuthUser, n: int) -> float:
        client, slowest = FirestoreClient.as_user(u), 0.0
        for i in range(n):
            t0 = time.monotonic()
            client.set(f"peerSessions/{sid}/presence/{u.uid}", {
                "uid": u.uid, "peerId": "peer-aaaaaaaa", "state": "connected", "audioEnabled": i % 2 == 0,
                "videoEnabled": True, "screenSharing": False, "updatedAt": SERVER_TIMESTAMP})
            slowest = max(slowest, time.monotonic() - t0)
        return slowest

    def session_writes(n: int) -> float:
        slowest = 0.0
        for i in range(n):
            t0 = time.monotonic()
            admin.update(f"peerSessions/{sid}", {"probe": i})
            slowest = max(slowest, time.monotonic() - t0)
            time.sleep(0.05)
        return slowest

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        folding = pool.submit(code.compact, db, sid)
        writers = [pool.submit(presence, a, 15), pool.submit(presence, b, 15), pool.submit(session_writes, 40)]
        slowest = [w.result(timeout=120) for w in writers]
        result = folding.result(timeout=120)
    print(f"\nslowest writes during compaction + mirroring: presence {slowest[0]:.2f} s / {slowest[1]:.2f} s, "
          f"session {slowest[2]:.2f} s; folded {result['folded']}")
    assert result["folded"] == len(blobs)
    assert max(slowest) < 5, slowest
    assert stored_code(FirestoreClient.as_user(b), sid)[0] == str(text)
    # Mirroring converged on the last presence each wrote (audio off after 15 writes: i = 14 is even).
    def mirrored() -> bool:
        parts = admin.get(f"peerSessions/{sid}")["participants"]
        return all(p["connectionStatus"] == "connected" and p["audioEnabled"] is True for p in parts)
    wait_for(mirrored, timeout=60)


def test_compaction_never_grows_the_snapshot_past_its_limit(admin: FirestoreClient) -> None:
    """Over a megabyte of code that is really there (no deleted text to drop): compaction writes nothing,
    keeps every update, and the session takes no more code updates."""
    from salamin import code, firebase

    a, b = sign_up(), sign_up()
    sid = make_session(admin, a, b, status="active")
    written: list[bytes] = []
    for user, cid in ((a, 31), (b, 32)):  # two authors, each within their bytes budget
        doc = pycrdt.Doc(client_id=cid)
        text = doc.get("code", type=pycrdt.Text)
        blobs: list[bytes] = []
        doc.observe(lambda e, blobs=blobs: blobs.append(e.update))
        for i in range(5):
            text.insert(len(text), f"{cid}-{i}" * 27_000)  # 108 KB each, 1.08 MB in all
            FirestoreClient.as_user(user).add(f"peerSessions/{sid}/codeUpdates", update_of(user, blobs[-1]))
        written += blobs
    assert sum(map(len, written)) > code.SNAPSHOT_MAX_BYTES
    result = code.compact(firebase.db(), sid)
    assert result["full"] and result["folded"] == 0
    assert admin.get(f"peerSessions/{sid}")["codeFull"] is True
    assert admin.get(f"peerSessions/{sid}/code/snapshot") is None
    assert len(admin.query("codeUpdates", parent=f"peerSessions/{sid}")) == len(written)  # nothing lost
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).add(f"peerSessions/{sid}/codeUpdates", update_of(a, written[0]))
