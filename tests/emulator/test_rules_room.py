"""Rules for the room's signaling and presence: signed-out, stranger, participant (owner) and partner."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.emulators import (
    SERVER_TIMESTAMP,
    AuthUser,
    DeniedError,
    FirestoreClient,
    make_session,
    sign_up,
    wait_for,
)

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]


@pytest.fixture
def trio(admin: FirestoreClient) -> tuple[AuthUser, AuthUser, AuthUser, str]:
    a, b, stranger = sign_up(display_name="A"), sign_up(display_name="B"), sign_up(display_name="S")
    return a, b, stranger, make_session(admin, a, b)


def offer(frm: AuthUser, to: AuthUser, **over: Any) -> dict[str, Any]:
    return {"from": frm.uid, "to": to.uid, "fromPeer": "peer-aaaaaaaa", "type": "offer", "sdp": "v=0\r\n",
            "createdAt": SERVER_TIMESTAMP, **over}


def candidate(frm: AuthUser, to: AuthUser, **over: Any) -> dict[str, Any]:
    return {"from": frm.uid, "to": to.uid, "fromPeer": "peer-aaaaaaaa", "type": "candidate",
            "candidate": {"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host", "sdpMid": "0",
                          "sdpMLineIndex": 0, "usernameFragment": "abcd"},
            "createdAt": SERVER_TIMESTAMP, **over}


def presence(u: AuthUser, **over: Any) -> dict[str, Any]:
    return {"uid": u.uid, "peerId": "peer-aaaaaaaa", "state": "connecting", "audioEnabled": True,
            "videoEnabled": False, "screenSharing": False, "updatedAt": SERVER_TIMESTAMP, **over}


def test_participant_signals_the_partner_who_reads_and_deletes(trio: tuple[AuthUser, AuthUser, AuthUser, str]
                                                                ) -> None:
    a, b, stranger, sid = trio
    FirestoreClient.as_user(a).create(f"peerSessions/{sid}/signaling/m1", offer(a, b))
    FirestoreClient.as_user(a).create(f"peerSessions/{sid}/signaling/m2", candidate(a, b))
    inbox = FirestoreClient.as_user(b).query("signaling", [("to", "==", b.uid)], parent=f"peerSessions/{sid}")
    assert {m["type"] for m in inbox} == {"offer", "candidate"}
    FirestoreClient.as_user(b).delete(f"peerSessions/{sid}/signaling/m1")
    FirestoreClient.as_user(a).delete(f"peerSessions/{sid}/signaling/m2")  # the author may clean up too
    # Both sides clean up the same messages: deleting one already gone is a no-op for a participant,
    # still refused to a stranger.
    FirestoreClient.as_user(a).delete(f"peerSessions/{sid}/signaling/m1")
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(stranger).delete(f"peerSessions/{sid}/signaling/m1")


def test_stranger_and_signed_out_neither_read_nor_write(trio: tuple[AuthUser, AuthUser, AuthUser, str],
                                                        signed_out: FirestoreClient, admin: FirestoreClient) -> None:
    a, b, stranger, sid = trio
    admin.create(f"peerSessions/{sid}/signaling/m1", {**offer(a, b), "createdAt": None})
    admin.create(f"peerSessions/{sid}/presence/{a.uid}", {**presence(a), "updatedAt": None})
    s = FirestoreClient.as_user(stranger)
    for client in (s, signed_out):
        with pytest.raises(DeniedError):
            client.get(f"peerSessions/{sid}/signaling/m1")
        with pytest.raises(DeniedError):
            client.query("signaling", [("to", "==", b.uid)], parent=f"peerSessions/{sid}")
        with pytest.raises(DeniedError):
            client.delete(f"peerSessions/{sid}/signaling/m1")
        with pytest.raises(DeniedError):
            client.get(f"peerSessions/{sid}/presence/{a.uid}")
        with pytest.raises(DeniedError):
            client.get(f"peerSessions/{sid}")
    with pytest.raises(DeniedError):
        s.create(f"peerSessions/{sid}/signaling/m2", offer(stranger, b))
    with pytest.raises(DeniedError):
        s.create(f"peerSessions/{sid}/signaling/m3", offer(a, b))
    with pytest.raises(DeniedError):
        s.set(f"peerSessions/{sid}/presence/{stranger.uid}", presence(stranger))


def test_participant_cannot_write_as_the_partner(trio: tuple[AuthUser, AuthUser, AuthUser, str]) -> None:
    a, b, stranger, sid = trio
    me = FirestoreClient.as_user(a)
    with pytest.raises(DeniedError):
        me.create(f"peerSessions/{sid}/signaling/m1", offer(b, a))  # from the partner
    with pytest.raises(DeniedError):
        me.create(f"peerSessions/{sid}/signaling/m2", offer(a, stranger))  # to someone else
    with pytest.raises(DeniedError):
        me.create(f"peerSessions/{sid}/signaling/m3", offer(a, a))  # to yourself
    with pytest.raises(DeniedError):
        me.set(f"peerSessions/{sid}/presence/{b.uid}", presence(b))


def test_partner_cannot_read_messages_between_others_or_change_them(
        trio: tuple[AuthUser, AuthUser, AuthUser, str]) -> None:
    a, b, _, sid = trio
    FirestoreClient.as_user(a).create(f"peerSessions/{sid}/signaling/m1", offer(a, b))
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(b).update(f"peerSessions/{sid}/signaling/m1", {"sdp": "v=1\r\n"})
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).update(f"peerSessions/{sid}/signaling/m1", {"sdp": "v=1\r\n"})


BAD_SIGNALS = [
    {"type": "hello"},
    {"sdp": ""},
    {"sdp": "x" * 32001},
    {"sdp": 5},
    {"fromPeer": "short"},
    {"fromPeer": "x" * 65},
    {"createdAt": None},
    {"extra": 1},
    {"candidate": {"candidate": "c"}},  # a candidate field on an offer
]


@pytest.mark.parametrize("bad", BAD_SIGNALS, ids=[str(i) for i in range(len(BAD_SIGNALS))])
def test_signal_fields_are_validated(trio: tuple[AuthUser, AuthUser, AuthUser, str], bad: dict[str, Any]) -> None:
    a, b, _, sid = trio
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).create(f"peerSessions/{sid}/signaling/x", offer(a, b, **bad))


BAD_CANDIDATES = [
    {"candidate": {"candidate": "x" * 2049, "sdpMid": "0", "sdpMLineIndex": 0}},
    {"candidate": {"candidate": "c", "sdpMid": "0", "sdpMLineIndex": "zero"}},
    {"candidate": {"candidate": "c", "sdpMid": "0", "sdpMLineIndex": 0, "evil": True}},
    {"candidate": "candidate:1"},
    {"sdp": "v=0"},
]


@pytest.mark.parametrize("bad", BAD_CANDIDATES, ids=[str(i) for i in range(len(BAD_CANDIDATES))])
def test_candidate_fields_are_validated(trio: tuple[AuthUser, AuthUser, AuthUser, str], bad: dict[str, Any]) -> None:
    a, b, _, sid = trio
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).create(f"peerSessions/{sid}/signaling/x", candidate(a, b, **bad))


def test_no_signaling_in_an_ended_session(admin: FirestoreClient) -> None:
    a, b = sign_up(), sign_up()
    sid = make_session(admin, a, b, status="completed")
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).create(f"peerSessions/{sid}/signaling/m1", offer(a, b))
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).set(f"peerSessions/{sid}/presence/{a.uid}", presence(a))


def test_a_person_frozen_for_a_budget_neither_signals_nor_writes_presence(
        trio: tuple[AuthUser, AuthUser, AuthUser, str], admin: FirestoreClient) -> None:
    import datetime as dt
    a, b, _, sid = trio
    until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    admin.update(f"peerSessions/{sid}", {"budgetHolds": {a.uid: {"budget": "signaling", "until": until}}})
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).create(f"peerSessions/{sid}/signaling/m1", offer(a, b))
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).set(f"peerSessions/{sid}/presence/{a.uid}", presence(a))
    # Saying goodbye stays possible, once: the partner learns of the leave, and it is no flood.
    FirestoreClient.as_user(a).set(f"peerSessions/{sid}/presence/{a.uid}", presence(a, state="left"))
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).set(f"peerSessions/{sid}/presence/{a.uid}", presence(a, state="left"))
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).set(f"peerSessions/{sid}/presence/{a.uid}", presence(a, state="connected"))
    FirestoreClient.as_user(b).create(f"peerSessions/{sid}/signaling/m2", offer(b, a))  # only a is frozen
    FirestoreClient.as_user(b).create(f"peerSessions/{sid}/signaling/m3", offer(b, a, sdp="x" * 32000))


@pytest.mark.parametrize("bad", [
    {"state": "dancing"}, {"audioEnabled": "yes"}, {"videoEnabled": None}, {"screenSharing": 1},
    {"peerId": "x"}, {"uid": "someone"}, {"updatedAt": None}, {"connectionStatus": "connected"},
    {"leftSession": True}, {"state": "left", "leftSession": False}, {"state": "left", "leftSession": "yes"},
])
def test_presence_fields_are_validated(trio: tuple[AuthUser, AuthUser, AuthUser, str], bad: dict[str, Any]) -> None:
    a, _, _, sid = trio
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).set(f"peerSessions/{sid}/presence/{a.uid}", presence(a, **bad))


def test_leave_is_told_apart_from_a_reload(trio: tuple[AuthUser, AuthUser, AuthUser, str]) -> None:
    a, b, _, sid = trio
    FirestoreClient.as_user(a).set(f"peerSessions/{sid}/presence/{a.uid}", presence(a, state="left", leftSession=True))
    seen = FirestoreClient.as_user(b).get(f"peerSessions/{sid}/presence/{a.uid}")
    assert seen["state"] == "left" and seen["leftSession"] is True
    with pytest.raises(DeniedError):  # only a's own presence says a left
        FirestoreClient.as_user(b).set(f"peerSessions/{sid}/presence/{a.uid}",
                                       presence(a, state="left", leftSession=True))


def test_presence_is_mirrored_into_the_session(trio: tuple[AuthUser, AuthUser, AuthUser, str],
                                               admin: FirestoreClient) -> None:
    a, b, _, sid = trio
    FirestoreClient.as_user(a).set(f"peerSessions/{sid}/presence/{a.uid}", presence(a, state="connected"))
    assert FirestoreClient.as_user(b).get(f"peerSessions/{sid}/presence/{a.uid}")["state"] == "connected"

    def mirrored(status: str) -> dict[str, Any] | None:
        p = next(x for x in admin.get(f"peerSessions/{sid}")["participants"] if x["userId"] == a.uid)
        return p if p["connectionStatus"] == status else None

    p = wait_for(lambda: mirrored("connected"), timeout=20, every=0.2)
    assert p["videoEnabled"] is False and p["joinedAt"] is not None
    FirestoreClient.as_user(a).set(f"peerSessions/{sid}/presence/{a.uid}", presence(a, state="left"))
    p = wait_for(lambda: mirrored("disconnected"), timeout=20, every=0.2)
    assert p["leftAt"] is not None


@pytest.mark.parametrize("ended", ["completed", "cancelled"])
def test_notes_close_with_the_session(trio: tuple[AuthUser, AuthUser, AuthUser, str], admin: FirestoreClient,
                                      ended: str) -> None:
    a, _, _, sid = trio
    me = FirestoreClient.as_user(a)
    path = f"peerSessions/{sid}/notes/{a.uid}"
    me.set(path, {"uid": a.uid, "text": "Asked about edge cases", "updatedAt": SERVER_TIMESTAMP})
    admin.update(f"peerSessions/{sid}", {"status": "ending"})
    me.set(path, {"uid": a.uid, "text": "Finishing my notes during feedback", "updatedAt": SERVER_TIMESTAMP})
    admin.update(f"peerSessions/{sid}", {"status": ended})
    with pytest.raises(DeniedError):
        me.set(path, {"uid": a.uid, "text": "Rewritten afterwards", "updatedAt": SERVER_TIMESTAMP})
    with pytest.raises(DeniedError):
        me.update(path, {"text": "Rewritten afterwards", "updatedAt": SERVER_TIMESTAMP})
    assert me.get(path)["text"] == "Finishing my notes during feedback"  # still readable by their author


def quality(u: AuthUser, **over: Any) -> dict[str, Any]:
    return {"uid": u.uid, "updatedAt": SERVER_TIMESTAMP, "samples": 4, "weakSeconds": 0, "rttMsAvg": 12.5,
            "rttMsMax": 30, "lossPctAvg": 0, "lossPctMax": 0.4, "jitterMsMax": 3.1, "fpsAvg": 29.5, "freezeMs": 0,
            "freezeMsMax": 0, "concealedPctMax": 0, "minHeight": 480, "relayed": False, "videoLevelMax": 0, **over}


def test_quality_summary_owner_writes_the_two_participants_read(trio: tuple[AuthUser, AuthUser, AuthUser, str],
                                                                signed_out: FirestoreClient) -> None:
    a, b, stranger, sid = trio
    path = f"peerSessions/{sid}/quality/{a.uid}"
    FirestoreClient.as_user(a).set(path, quality(a))
    assert FirestoreClient.as_user(a).get(path)["fpsAvg"] == 29.5
    assert FirestoreClient.as_user(b).get(path)["rttMsMax"] == 30  # the partner reads it
    for client in (FirestoreClient.as_user(stranger), signed_out):
        with pytest.raises(DeniedError):
            client.get(path)
        with pytest.raises(DeniedError):
            client.set(f"peerSessions/{sid}/quality/{b.uid}", quality(b))
    with pytest.raises(DeniedError):  # the partner cannot write (or overwrite) someone else's summary
        FirestoreClient.as_user(b).set(path, quality(a))
    with pytest.raises(DeniedError):  # at most once a minute
        FirestoreClient.as_user(a).set(path, quality(a, samples=8))
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).delete(path)


@pytest.mark.parametrize("bad", [
    {"samples": 0}, {"samples": 1.5}, {"lossPctMax": 101}, {"rttMsAvg": -1}, {"relayed": "no"}, {"videoLevelMax": 3},
    {"uid": "someone"}, {"updatedAt": None}, {"extra": 1}, {"fpsAvg": "30"}, {"minHeight": 20000},
])
def test_quality_summary_fields_are_bounded(trio: tuple[AuthUser, AuthUser, AuthUser, str],
                                            bad: dict[str, Any]) -> None:
    a, _, _, sid = trio
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).set(f"peerSessions/{sid}/quality/{a.uid}", quality(a, **bad))


def test_no_quality_summary_in_an_ended_session(admin: FirestoreClient) -> None:
    a, b = sign_up(), sign_up()
    sid = make_session(admin, a, b, status="completed")
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).set(f"peerSessions/{sid}/quality/{a.uid}", quality(a))


def attempt(u: AuthUser, **over: Any) -> dict[str, Any]:
    return {"uid": u.uid, "failures": 1, "reason": "checks-failed", "updatedAt": SERVER_TIMESTAMP, **over}


def test_a_failed_call_attempt_is_recorded_by_its_owner_for_the_two(trio: tuple[AuthUser, AuthUser, AuthUser, str],
                                                                  signed_out: FirestoreClient) -> None:
    a, b, stranger, sid = trio
    path = f"peerSessions/{sid}/callAttempts/{a.uid}"
    FirestoreClient.as_user(a).set(path, attempt(a))
    assert FirestoreClient.as_user(b).get(path)["reason"] == "checks-failed"
    for client in (FirestoreClient.as_user(stranger), signed_out):
        with pytest.raises(DeniedError):
            client.get(path)
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(b).set(path, attempt(a))
    with pytest.raises(DeniedError):  # one write in 10 s at most
        FirestoreClient.as_user(a).set(path, attempt(a, failures=2))
    for bad in ({"reason": "gremlins"}, {"failures": 0}, {"failures": 101}, {"extra": True}):
        with pytest.raises(DeniedError):
            FirestoreClient.as_user(b).set(f"peerSessions/{sid}/callAttempts/{b.uid}", attempt(b, **bad))
