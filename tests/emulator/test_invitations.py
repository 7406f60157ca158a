"""Invitations on the emulators (issue 17): create, accept through the matching path, decline, withdraw,
expiry, the daily limit, scheduled starts through the Tasks emulator, private links, and the rules of
invitations/ and inviteLinks/ for signed-out, stranger, inviter, invitee and staff."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.emulators import (
    AuthUser,
    CallableError,
    DeniedError,
    FirestoreClient,
    call,
    sign_up,
    sign_up_staff,
    wait_for,
)

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]
NOW = {"sessionType": "behavioral", "difficulty": "advanced"}


def member(name: str) -> AuthUser:
    user = sign_up(display_name=name)
    call("bootstrapProfile", {}, user=user)
    return user


def refused(status: str, fn: Callable[[], Any]) -> str:
    with pytest.raises(CallableError) as err:
        fn()
    assert err.value.status == status, err.value
    return err.value.message


def invite(frm: AuthUser, to: AuthUser, **over: Any) -> str:
    return str(call("createInvitation", {"toUid": to.uid, **NOW, **over}, user=frm)["invitationId"])


def test_accepting_creates_the_session_through_the_matching_path(admin: FirestoreClient) -> None:
    ada, grace = member("Ada"), member("Grace")
    iid = invite(ada, grace)
    inv = FirestoreClient.as_user(grace).get(f"invitations/{iid}")
    assert inv["status"] == "pending" and inv["fromUid"] == ada.uid and inv["toUid"] == grace.uid
    assert inv["fromName"] == "Ada" and inv["when"] == "now"
    note = FirestoreClient.as_user(grace).get(f"users/{grace.uid}/notifications/invite-{iid}")
    assert note["type"] == "invitation_received" and note["invitationId"] == iid and "Ada" in note["message"]
    # Only the invitee accepts.
    refused("NOT_FOUND", lambda: call("acceptInvitation", {"invitationId": iid}, user=ada))
    sid = call("acceptInvitation", {"invitationId": iid}, user=grace)["sessionId"]
    assert call("acceptInvitation", {"invitationId": iid}, user=grace)["sessionId"] == sid  # again: the same
    session = admin.get(f"peerSessions/{sid}")
    assert sorted(session["participantIds"]) == sorted([ada.uid, grace.uid])
    assert session["source"] == "invitation" and session["sessionType"] == "behavioral"
    assert session["difficulty"] == "advanced" and session["status"] == "matched"
    assert session["roles"] == {grace.uid: "interviewee", ada.uid: "interviewer"}
    assert len(admin.query("peerSessions")) == 1
    assert admin.get(f"invitations/{iid}")["sessionId"] == sid
    accepted = FirestoreClient.as_user(ada).get(f"users/{ada.uid}/notifications/invite-accepted-{iid}")
    assert accepted["type"] == "invitation_accepted" and accepted["sessionId"] == sid
    # Same guarantees as a matched session: the match notification, and the room's join works for both.
    assert FirestoreClient.as_user(grace).get(f"users/{grace.uid}/notifications/match-{sid}") is not None
    assert call("joinSession", {"sessionId": sid}, user=ada)["status"] in ("matched", "starting")
    refused("FAILED_PRECONDITION", lambda: call("declineInvitation", {"invitationId": iid}, user=grace))


def test_decline_withdraw_and_who_may_read(admin: FirestoreClient) -> None:
    ada, grace, sam = member("Ada"), member("Grace"), member("Sam")
    staff = sign_up_staff()
    iid = invite(ada, grace)
    for who in (ada, grace, staff):
        assert FirestoreClient.as_user(who).get(f"invitations/{iid}")["id"] == iid
    for reader in (FirestoreClient.as_user(sam), FirestoreClient.signed_out()):
        with pytest.raises(DeniedError):
            reader.get(f"invitations/{iid}")
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(sam).query("invitations")
    assert [r["id"] for r in FirestoreClient.as_user(grace).query(
        "invitations", where=[("participantIds", "array-contains", grace.uid)])] == [iid]
    # Nobody writes an invitation directly, not even its two people.
    for who in (ada, grace):
        with pytest.raises(DeniedError):
            FirestoreClient.as_user(who).update(f"invitations/{iid}", {"status": "accepted"})
        with pytest.raises(DeniedError):
            FirestoreClient.as_user(who).create("invitations/forged", {"fromUid": ada.uid, "toUid": grace.uid,
                                                                       "participantIds": [ada.uid, grace.uid]})
    refused("FAILED_PRECONDITION", lambda: invite(ada, grace))  # one open invitation per pair
    refused("NOT_FOUND", lambda: call("declineInvitation", {"invitationId": iid}, user=ada))
    call("declineInvitation", {"invitationId": iid}, user=grace)
    assert admin.get(f"invitations/{iid}")["status"] == "declined"
    assert admin.get(f"users/{ada.uid}/notifications/invite-declined-{iid}")["type"] == "invitation_declined"
    refused("FAILED_PRECONDITION", lambda: call("acceptInvitation", {"invitationId": iid}, user=grace))
    # Withdrawn: the invitee's notification goes and it can't be accepted.
    second = invite(ada, grace)
    refused("NOT_FOUND", lambda: call("withdrawInvitation", {"invitationId": second}, user=grace))
    call("withdrawInvitation", {"invitationId": second}, user=ada)
    assert admin.get(f"invitations/{second}")["status"] == "withdrawn"
    assert admin.get(f"users/{grace.uid}/notifications/invite-{second}") is None
    refused("FAILED_PRECONDITION", lambda: call("acceptInvitation", {"invitationId": second}, user=grace))
    assert admin.query("peerSessions") == []


def test_bad_input_expiry_and_the_daily_limit(admin: FirestoreClient) -> None:
    ada, grace = member("Ada"), member("Grace")
    refused("INVALID_ARGUMENT", lambda: call("createInvitation", {"toUid": ada.uid, **NOW}, user=ada))
    refused("INVALID_ARGUMENT", lambda: invite(ada, grace, sessionType="karaoke"))
    refused("INVALID_ARGUMENT", lambda: invite(ada, grace, proposedAtMs=int(time.time() * 1000)))
    refused("INVALID_ARGUMENT", lambda: invite(ada, grace, proposedAtMs=int(time.time() * 1000) + 30 * 86400_000))
    refused("NOT_FOUND", lambda: call("createInvitation", {"toUid": "nobody123", **NOW}, user=ada))
    refused("NOT_FOUND", lambda: call("acceptInvitation", {"invitationId": "nope"}, user=grace))
    # Expired: checked at accept (here the expiry is moved into the past).
    iid = invite(ada, grace)
    admin.update(f"invitations/{iid}", {"expiresAt": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)})
    assert "expired" in refused("FAILED_PRECONDITION", lambda: call("acceptInvitation", {"invitationId": iid},
                                                                    user=grace))
    assert admin.get(f"invitations/{iid}")["status"] == "expired"
    # Ten a day (invitations and links together), counted by the server.
    call("createInviteLink", NOW, user=ada)
    others = [member(f"M{i}") for i in range(8)]
    for other in others:
        invite(ada, other)
    assert "10 invitations a day" in refused("RESOURCE_EXHAUSTED", lambda: invite(ada, grace))
    refused("RESOURCE_EXHAUSTED", lambda: call("createInviteLink", NOW, user=ada))
    assert len(admin.query("invitations", where=[("fromUid", "==", ada.uid)])) == 9


def test_a_scheduled_invitation_starts_its_session_at_the_proposed_time(admin: FirestoreClient) -> None:
    ada, grace = member("Ada"), member("Grace")
    proposed = int(time.time() * 1000) + 6 * 60_000
    iid = invite(ada, grace, proposedAtMs=proposed)
    out = call("acceptInvitation", {"invitationId": iid}, user=grace)
    assert out["sessionId"] is None and out["startsAtMs"] == proposed
    assert admin.get(f"invitations/{iid}")["status"] == "accepted"
    assert admin.get(f"users/{ada.uid}/notifications/invite-accepted-{iid}")["type"] == "invitation_accepted"
    # The Tasks emulator delivers at once; the timer answers "not due" until the time. Bring the time
    # forward (and send the task again, as the queue's retry would) to see it create the session once.
    assert admin.query("peerSessions") == []
    admin.update(f"invitations/{iid}", {"proposedAt": dt.datetime.now(dt.UTC)})
    from salamin import firebase, invitations

    sid = invitations.on_start_timer(firebase.db(), {"invitationId": iid, "dueAtMs": 0})
    assert sid and invitations.on_start_timer(firebase.db(), {"invitationId": iid, "dueAtMs": 0}) is None
    assert admin.get(f"invitations/{iid}")["sessionId"] == sid
    assert len(admin.query("peerSessions")) == 1


def test_an_invite_link_works_once_for_one_friend_and_expires(admin: FirestoreClient) -> None:
    ada = member("Ada")
    link = call("createInviteLink", NOW, user=ada)
    token = link["token"]
    # Nothing stored holds the token itself, and no client reads the link documents.
    stored = admin.query("inviteLinks")
    assert len(stored) == 1 and token not in str(stored)
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(ada).query("inviteLinks")
    refused("FAILED_PRECONDITION", lambda: call("redeemInviteLink", {"token": token}, user=ada))
    friend = member("Fran")
    iid = call("redeemInviteLink", {"token": token}, user=friend)["invitationId"]
    assert call("redeemInviteLink", {"token": token}, user=friend)["invitationId"] == iid  # same friend: same one
    inv = FirestoreClient.as_user(friend).get(f"invitations/{iid}")
    assert inv["fromUid"] == ada.uid and inv["toUid"] == friend.uid and inv["viaLink"] is True
    other = member("Otto")
    assert "used already" in refused("FAILED_PRECONDITION", lambda: call("redeemInviteLink", {"token": token},
                                                                         user=other))
    refused("NOT_FOUND", lambda: call("redeemInviteLink", {"token": "x" * 32}, user=other))
    late = call("createInviteLink", NOW, user=ada)["token"]
    doc_id = stored_id(admin, late)
    admin.update(f"inviteLinks/{doc_id}", {"expiresAt": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)})
    assert "expired" in refused("FAILED_PRECONDITION", lambda: call("redeemInviteLink", {"token": late}, user=other))
    sid = wait_for(lambda: call("acceptInvitation", {"invitationId": iid}, user=friend)["sessionId"])
    assert friend.uid in admin.get(f"peerSessions/{sid}")["participantIds"]


def stored_id(admin: FirestoreClient, token: str) -> str:
    from salamin import invitations

    key = invitations.token_key(token)
    assert admin.get(f"inviteLinks/{key}") is not None
    return key


def test_a_pending_invitation_expires_by_its_timer_and_both_see_it(admin: FirestoreClient) -> None:
    ada, grace = member("Ada"), member("Grace")
    iid = invite(ada, grace)
    # The Tasks emulator delivers the expiry task at once (not due: it answers "not due" and is retried).
    # Bring the expiry into the past: the next retry, with no accept or anything else, expires it.
    admin.update(f"invitations/{iid}", {"expiresAt": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)})
    wait_for(lambda: admin.get(f"invitations/{iid}")["status"] == "expired" or None, timeout=150)
    for who in (ada, grace):
        assert FirestoreClient.as_user(who).get(f"invitations/{iid}")["status"] == "expired"
    refused("FAILED_PRECONDITION", lambda: call("acceptInvitation", {"invitationId": iid}, user=grace))
    from salamin import firebase, invitations

    assert invitations.on_expire_timer(firebase.db(), {"invitationId": iid}) is None  # delivered again: no-op
    # An accepted (scheduled) invitation does not expire by the timer; a pending one not due yet waits.
    later = invite(ada, grace, proposedAtMs=int(time.time() * 1000) + 6 * 60_000)
    call("acceptInvitation", {"invitationId": later}, user=grace)
    admin.update(f"invitations/{later}", {"expiresAt": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)})
    assert invitations.on_expire_timer(firebase.db(), {"invitationId": later}) is None
    assert admin.get(f"invitations/{later}")["status"] == "accepted"
    sam = member("Sam")
    waiting = invite(ada, sam)
    with pytest.raises(invitations.tasks.NotDueError):
        invitations.on_expire_timer(firebase.db(), {"invitationId": waiting})
    assert admin.get(f"invitations/{waiting}")["status"] == "pending"


def test_the_inviter_chooses_their_first_role_and_the_session_honours_it(admin: FirestoreClient) -> None:
    ada = member("Ada")
    for role, ada_first in (("interviewer", "interviewer"), ("interviewee", "interviewee"),
                            ("either", "interviewer")):
        friend = member(f"Friend {role}")
        assert "first role" in refused("INVALID_ARGUMENT", lambda f=friend: invite(ada, f, firstRole="boss"))
        iid = invite(ada, friend, firstRole=role)
        assert admin.get(f"invitations/{iid}")["inviterRole"] == role
        sid = call("acceptInvitation", {"invitationId": iid}, user=friend)["sessionId"]
        other = "interviewee" if ada_first == "interviewer" else "interviewer"
        assert admin.get(f"peerSessions/{sid}")["roles"] == {ada.uid: ada_first, friend.uid: other}


def test_the_inviter_is_told_once_when_an_invitation_expires_unless_they_blocked(admin: FirestoreClient) -> None:
    from salamin import firebase, invitations

    ada, grace, sam = member("Ada"), member("Grace"), member("Sam")
    iid = invite(ada, grace)
    admin.update(f"invitations/{iid}", {"expiresAt": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)})
    note_path = f"users/{ada.uid}/notifications/invite-expired-{iid}"
    note = wait_for(lambda: FirestoreClient.as_user(ada).get(note_path), timeout=150)
    assert note["type"] == "invitation_expired" and note["invitationId"] == iid and note["read"] is False
    assert "Grace" in note["message"] and "expired" in note["message"]
    assert admin.get(f"invitations/{iid}")["status"] == "expired"
    # The invitee is not told (they simply did not answer); nobody else is.
    assert [n["type"] for n in admin.query("notifications", parent=f"users/{grace.uid}")] == ["invitation_received"]
    # Read, then the expiry delivered again: still one notification, still read.
    FirestoreClient.as_user(ada).update(note_path, {"read": True})
    assert invitations.on_expire_timer(firebase.db(), {"invitationId": iid}) is None
    assert invitations.notify_expired(firebase.db(), admin.get(f"invitations/{iid}")) is False
    notes = admin.query("notifications", parent=f"users/{ada.uid}")
    assert [n["type"] for n in notes] == ["invitation_expired"] and notes[0]["read"] is True
    # A block that lands while the invitation is still pending (before blockMember cancels it): no notice
    # about the blocked member, whichever of the two blocked.
    for blocker, blocked in ((sam, ada), (ada, sam)):
        late = invite(ada, sam)
        admin.update(f"users/{blocker.uid}", {"blockedUserIds": [blocked.uid]})
        admin.update(f"invitations/{late}", {"expiresAt": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)})
        wait_for(lambda i=late: admin.get(f"invitations/{i}")["status"] == "expired" or None,  # type: ignore[misc]
                 timeout=150)
        assert admin.get(f"users/{ada.uid}/notifications/invite-expired-{late}") is None
        admin.update(f"users/{blocker.uid}", {"blockedUserIds": []})


def test_an_accept_that_comes_too_late_tells_the_inviter_too(admin: FirestoreClient) -> None:
    ada, grace = member("Ada"), member("Grace")
    iid = invite(ada, grace)
    admin.update(f"invitations/{iid}", {"expiresAt": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)})
    refused("FAILED_PRECONDITION", lambda: call("acceptInvitation", {"invitationId": iid}, user=grace))
    # Written by the accept itself (the timer, whenever it comes, writes the same document).
    assert admin.get(f"users/{ada.uid}/notifications/invite-expired-{iid}")["type"] == "invitation_expired"
