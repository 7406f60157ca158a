"""Notifications (issue 17): the kinds the functions write on the real emulators, once each, and the rules
that let the owner only read them and mark them read."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.test_interview_flow import feedback, run_to_feedback
from tests.support.emulators import AuthUser, DeniedError, FirestoreClient, call, sign_up, wait_for

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]


def notes_of(user: AuthUser) -> dict[str, dict[str, Any]]:
    rows = FirestoreClient.as_user(user).query("notifications", parent=f"users/{user.uid}")
    return {r["__name__"].rsplit("/", 1)[1]: r for r in rows}


def test_the_first_one_in_the_room_tells_the_partner_once(session_pair: tuple[AuthUser, AuthUser, str]) -> None:
    a, b, sid = session_pair
    call("joinSession", {"sessionId": sid}, user=a)
    call("joinSession", {"sessionId": sid}, user=a)  # a second join (a reload) tells nobody again
    note = notes_of(b)[f"joined-{sid}"]
    assert note["type"] == "partner_joined" and note["sessionId"] == sid and note["partnerName"] == "Ada"
    assert note["read"] is False
    # The partner arriving second is not told the first one is there: they see them in the room.
    call("joinSession", {"sessionId": sid}, user=b)
    assert f"joined-{sid}" not in notes_of(a)


def test_feedback_received_is_written_at_the_reveal_not_before(session_pair: tuple[AuthUser, AuthUser, str],
                                                               admin: FirestoreClient) -> None:
    a, b, sid = session_pair
    run_to_feedback(a, b, sid)
    FirestoreClient.as_user(a).create(f"peerSessions/{sid}/feedback/{a.uid}", feedback(a, b))
    wait_for(lambda: a.uid in ((admin.get(f"peerSessions/{sid}") or {}).get("feedbackSubmitted") or []))
    # One side written: nothing revealed, so the subject is not told anything yet.
    assert f"feedback-{sid}" not in notes_of(b)
    FirestoreClient.as_user(b).create(f"peerSessions/{sid}/feedback/{b.uid}", feedback(b, a))
    for user in (a, b):
        note = wait_for(lambda u=user: notes_of(u).get(f"feedback-{sid}"))  # type: ignore[misc]
        assert note["type"] == "feedback_received" and note["sessionId"] == sid


def test_a_notification_marked_read_stays_read_when_written_again(session_pair: tuple[AuthUser, AuthUser, str],
                                                                  admin: FirestoreClient) -> None:
    from salamin import firebase, notifications

    a, b, sid = session_pair
    call("joinSession", {"sessionId": sid}, user=a)
    path = f"users/{b.uid}/notifications/joined-{sid}"
    FirestoreClient.as_user(b).update(path, {"read": True})
    # A repeated delivery of the same event writes the same id: nothing changes, it is not unread again.
    assert notifications.send(firebase.db(), b.uid, notifications.partner_joined(sid, "Ada")) is False
    assert admin.get(path)["read"] is True
    assert len([n for n in notes_of(b) if n.startswith("joined-")]) == 1


def test_only_the_owner_lists_and_only_read_can_change() -> None:
    owner, stranger = sign_up(display_name="Ada"), sign_up(display_name="Eve")
    admin = FirestoreClient.admin()
    path = f"users/{owner.uid}/notifications/invite-x"
    admin.set(path, {"type": "invitation_received", "title": "t", "message": "m", "invitationId": "x",
                     "read": False})
    me = FirestoreClient.as_user(owner)
    assert [r["type"] for r in me.query("notifications", parent=f"users/{owner.uid}",
                                         where=[("read", "==", False)])] == ["invitation_received"]
    for bad in ({"invitationId": "y"}, {"type": "peer_match_found"}, {"read": False}, {"read": True, "title": "x"}):
        with pytest.raises(DeniedError):
            me.update(path, bad)
    me.update(path, {"read": True})
    with pytest.raises(DeniedError):
        me.update(path, {"read": False})  # read is one-way
    for client in (FirestoreClient.as_user(stranger), FirestoreClient.signed_out()):
        with pytest.raises(DeniedError):
            client.query("notifications", parent=f"users/{owner.uid}")
        with pytest.raises(DeniedError):
            client.update(path, {"read": True})
