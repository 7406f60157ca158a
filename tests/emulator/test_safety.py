"""Safety on the emulators (issue 17): blocking, reports readable only by staff, suspensions that matching
joins and invitations honour, and the rules of every new collection for signed-out, stranger, owner and staff."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.emulator.test_rules_members import QUEUE_ENTRY
from tests.support.emulators import (
    AuthUser,
    CallableError,
    DeniedError,
    FirestoreClient,
    call,
    make_session,
    sign_up,
    sign_up_staff,
)

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]


def member(name: str) -> AuthUser:
    user = sign_up(display_name=name)
    call("bootstrapProfile", {}, user=user)
    return user


def refused(status: str, fn: Callable[[], Any]) -> str:
    with pytest.raises(CallableError) as err:
        fn()
    assert err.value.status == status, err.value
    return err.value.message


def denied(fn: Callable[[], Any]) -> None:
    with pytest.raises(DeniedError):
        fn()


def test_block_is_recorded_cancels_open_invitations_and_refuses_new_ones(admin: FirestoreClient) -> None:
    ada, eve = member("Ada"), member("Eve")
    inv = call("createInvitation", {"toUid": ada.uid, "sessionType": "technical", "difficulty": "beginner"},
               user=eve)["invitationId"]
    assert admin.get(f"users/{ada.uid}/notifications/invite-{inv}") is not None
    call("blockMember", {"uid": eve.uid}, user=ada)
    call("blockMember", {"uid": eve.uid}, user=ada)  # twice is the same as once
    assert admin.get(f"users/{ada.uid}")["blockedUserIds"] == [eve.uid]
    assert admin.get(f"invitations/{inv}")["status"] == "cancelled"
    assert admin.get(f"users/{ada.uid}/notifications/invite-{inv}") is None  # not notified about each other
    # Neither side can invite the other any more, and the words don't say who blocked whom.
    for frm, to in ((eve, ada), (ada, eve)):
        msg = refused("FAILED_PRECONDITION", lambda f=frm, t=to: call(  # type: ignore[misc]
            "createInvitation", {"toUid": t.uid, "sessionType": "technical", "difficulty": "beginner"}, user=f))
        assert msg == "This member can't be invited right now."
    refused("INVALID_ARGUMENT", lambda: call("blockMember", {"uid": ada.uid}, user=ada))
    refused("INVALID_ARGUMENT", lambda: call("blockMember", {"uid": "no/such"}, user=ada))
    call("unblockMember", {"uid": eve.uid}, user=ada)
    assert admin.get(f"users/{ada.uid}")["blockedUserIds"] == []


def test_reports_are_filed_by_members_read_only_by_staff_and_limited_per_day(admin: FirestoreClient) -> None:
    ada, eve, stranger = member("Ada"), member("Eve"), member("Sam")
    staff = sign_up_staff()
    sid = make_session(admin, ada, eve)
    rid = call("reportMember", {"subjectUid": eve.uid, "reason": "harassment", "details": "Rude.", "sessionId": sid},
               user=ada)["reportId"]
    report = FirestoreClient.as_user(staff).get(f"reports/{rid}")
    assert report["status"] == "open" and report["reporterUid"] == ada.uid and report["subjectUid"] == eve.uid
    for who in (ada, eve, stranger):  # not even the reporter reads it back; the subject never does
        denied(lambda u=who: FirestoreClient.as_user(u).get(f"reports/{rid}"))  # type: ignore[misc]
        denied(lambda u=who: FirestoreClient.as_user(u).query("reports"))  # type: ignore[misc]
    denied(lambda: FirestoreClient.signed_out().get(f"reports/{rid}"))
    denied(lambda: FirestoreClient.as_user(ada).create("reports/mine", {"subjectUid": eve.uid, "status": "open"}))
    denied(lambda: FirestoreClient.as_user(staff).update(f"reports/{rid}", {"status": "dismissed"}))
    assert [r["id"] for r in FirestoreClient.as_user(staff).query("reports", where=[("status", "==", "open")])] == [rid]
    # Bad input gets a clear error and files nothing.
    refused("INVALID_ARGUMENT", lambda: call("reportMember", {"subjectUid": eve.uid, "reason": "meh"}, user=ada))
    refused("INVALID_ARGUMENT", lambda: call("reportMember", {"subjectUid": ada.uid, "reason": "spam"}, user=ada))
    refused("PERMISSION_DENIED", lambda: call("reportMember", {"subjectUid": eve.uid, "reason": "spam",
                                                               "sessionId": sid}, user=stranger))
    # The daily limit is the server's: the 11th in 24 hours is refused and not written.
    for _ in range(9):
        call("reportMember", {"subjectUid": eve.uid, "reason": "spam"}, user=ada)
    refused("RESOURCE_EXHAUSTED", lambda: call("reportMember", {"subjectUid": eve.uid, "reason": "spam"}, user=ada))
    assert len(admin.query("reports")) == 10
    # Only staff close one.
    refused("PERMISSION_DENIED", lambda: call("closeReport", {"reportId": rid, "resolution": "dismissed"}, user=ada))
    call("closeReport", {"reportId": rid, "resolution": "dismissed"}, user=staff)
    assert admin.get(f"reports/{rid}")["status"] == "dismissed"


def test_a_suspension_stops_matching_joins_and_invitations_until_it_ends(admin: FirestoreClient) -> None:
    ada, eve = member("Ada"), member("Eve")
    staff = sign_up_staff()
    rid = call("reportMember", {"subjectUid": eve.uid, "reason": "cheating"}, user=ada)["reportId"]
    until_ms = int(time.time() * 1000) + 3600_000
    # Members can't suspend, nor write the field themselves.
    refused("PERMISSION_DENIED", lambda: call("suspendMember", {"uid": eve.uid, "reason": "x", "untilMs": until_ms},
                                              user=ada))
    denied(lambda: FirestoreClient.as_user(eve).update(f"users/{eve.uid}", {"suspension": None}))
    refused("INVALID_ARGUMENT", lambda: call("suspendMember", {"uid": eve.uid, "reason": "", "untilMs": until_ms},
                                             user=staff))
    refused("INVALID_ARGUMENT", lambda: call("suspendMember", {"uid": eve.uid, "reason": "x", "untilMs": 5},
                                             user=staff))
    call("suspendMember", {"uid": eve.uid, "reason": "Shared the questions.", "untilMs": until_ms, "reportId": rid},
         user=staff)
    assert admin.get(f"reports/{rid}")["status"] == "actioned"
    # The member reads why and until when on their own document.
    mine = FirestoreClient.as_user(eve).get(f"users/{eve.uid}")["suspension"]
    assert mine["reason"] == "Shared the questions."
    assert abs(mine["until"].timestamp() * 1000 - until_ms) < 1000
    # Matching joins are refused by the rules; invitations both ways by the server.
    eve_db = FirestoreClient.as_user(eve)
    denied(lambda: eve_db.create(f"matchingQueue/{eve.uid}", {**QUEUE_ENTRY, "uid": eve.uid}))
    msg = refused("PERMISSION_DENIED", lambda: call(
        "createInvitation", {"toUid": ada.uid, "sessionType": "technical", "difficulty": "beginner"}, user=eve))
    assert "suspended" in msg and "Shared the questions." in msg
    refused("FAILED_PRECONDITION", lambda: call(
        "createInvitation", {"toUid": eve.uid, "sessionType": "technical", "difficulty": "beginner"}, user=ada))
    refused("PERMISSION_DENIED", lambda: call("createInviteLink", {"sessionType": "technical",
                                                                   "difficulty": "beginner"}, user=eve))
    # Once it has ended (here: moved into the past), both work again.
    admin.update(f"users/{eve.uid}", {"suspension": {"reason": "Shared the questions.",
                                                     "until": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}})
    eve_db.create(f"matchingQueue/{eve.uid}", {**QUEUE_ENTRY, "uid": eve.uid})
    eve_db.delete(f"matchingQueue/{eve.uid}")
    call("createInvitation", {"toUid": ada.uid, "sessionType": "technical", "difficulty": "beginner"}, user=eve)
    # Lifting early is staff's too.
    call("suspendMember", {"uid": eve.uid, "reason": "Again.", "untilMs": until_ms}, user=staff)
    refused("PERMISSION_DENIED", lambda: call("liftSuspension", {"uid": eve.uid}, user=eve))
    call("liftSuspension", {"uid": eve.uid}, user=staff)
    assert "suspension" not in admin.get(f"users/{eve.uid}")


def test_suspending_takes_a_waiting_member_out_of_the_queue(admin: FirestoreClient) -> None:
    eve = member("Eve")
    staff = sign_up_staff()
    FirestoreClient.as_user(eve).create(f"matchingQueue/{eve.uid}", {**QUEUE_ENTRY, "uid": eve.uid, "maxWaitTime": 900})
    call("suspendMember", {"uid": eve.uid, "reason": "Abuse.", "untilMs": int(time.time() * 1000) + 60_000},
         user=staff)
    assert admin.get(f"matchingQueue/{eve.uid}") is None


def test_after_a_block_neither_is_notified_about_the_other(admin: FirestoreClient) -> None:
    from salamin import firebase, notifications

    ada, eve, sam = member("Ada"), member("Eve"), member("Sam")
    kind = {"sessionType": "technical", "difficulty": "beginner"}
    iid = call("createInvitation", {"toUid": ada.uid, **kind}, user=eve)["invitationId"]
    sid = call("acceptInvitation", {"invitationId": iid}, user=ada)["sessionId"]
    call("joinSession", {"sessionId": sid}, user=eve)  # ada is told eve is in the room
    other_iid = call("createInvitation", {"toUid": ada.uid, **kind}, user=sam)["invitationId"]
    other_sid = call("acceptInvitation", {"invitationId": other_iid}, user=ada)["sessionId"]
    about_eve = [f"match-{sid}", f"invite-{iid}", f"joined-{sid}"]
    about_ada = [f"match-{sid}", f"invite-accepted-{iid}"]
    for uid, ids in ((ada.uid, about_eve), (eve.uid, about_ada)):
        for note_id in ids:
            assert admin.get(f"users/{uid}/notifications/{note_id}") is not None, note_id
    call("blockMember", {"uid": eve.uid}, user=ada)
    # What each had about the other is gone; what ada has about sam stays.
    for uid, ids in ((ada.uid, about_eve), (eve.uid, about_ada)):
        for note_id in ids:
            assert admin.get(f"users/{uid}/notifications/{note_id}") is None, note_id
    assert admin.get(f"users/{ada.uid}/notifications/match-{other_sid}") is not None
    # New ones about each other are not written, either way; about someone else they are.
    db = firebase.db()
    assert notifications.send(db, eve.uid, notifications.feedback_received(sid)) is False
    assert notifications.send(db, ada.uid, notifications.partner_left(sid)) is False
    # So is the join's note, which passes the participants it just read instead of re-reading the session.
    admin.delete(f"users/{ada.uid}/notifications/joined-{sid}")
    assert notifications.send(db, ada.uid, notifications.partner_joined(sid, "Eve"), [eve.uid, ada.uid]) is False
    assert admin.get(f"users/{ada.uid}/notifications/joined-{sid}") is None
    assert admin.get(f"users/{eve.uid}/notifications/feedback-{sid}") is None
    assert admin.get(f"users/{ada.uid}/notifications/left-{sid}") is None
    assert notifications.send(db, ada.uid, notifications.partner_left(other_sid)) is True
