"""Matching that is fair to both on the emulators: a first-role wish that bends after the threshold, "Not
now" that cancels at once and puts the partner back at the front, the honest waiting count, the one-click
role offer and rematch wishes. Real trigger, tasks, callables and rules; `now` is passed in-process only to
stand for "this much later" without sleeping through the threshold."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

import pytest

from salamin import firebase, matching, matchmaking
from tests.support import emulators
from tests.support.emulators import (
    SERVER_TIMESTAMP,
    AuthUser,
    CallableError,
    DeniedError,
    FirestoreClient,
    call,
    sign_up,
)

wait_for = partial(emulators.wait_for, timeout=30, every=0.25)

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]


def prefs(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sessionTypes": ["technical"], "difficultyLevels": ["intermediate"], "rolePreference": "flexible",
        "languages": ["english"], "industries": ["tech"], "targetRoles": [], "timeZone": "Europe/London",
        "experienceLevel": "mid", "maxWaitTime": 600,
    }
    base.update(over)
    return base


def member(name: str) -> AuthUser:
    user = sign_up(display_name=name)
    call("bootstrapProfile", {}, user=user)
    return user


def join(admin: FirestoreClient, user: AuthUser, **over: Any) -> dict[str, Any]:
    """Joins through the rules and waits until the person's own trigger has looked (and found nobody)."""
    entry = {"uid": user.uid, **prefs(**over), "status": "waiting", "joinedAt": SERVER_TIMESTAMP}
    FirestoreClient.as_user(user).create(f"matchingQueue/{user.uid}", entry)
    return wait_for(lambda: (e := admin.get(f"matchingQueue/{user.uid}")) and e.get("looked") is True and e)


def joined_s(entry: dict[str, Any]) -> float:
    return entry["joinedAt"].timestamp()


def bent_pair(admin: FirestoreClient) -> tuple[AuthUser, AuthUser, dict[str, Any], dict[str, Any]]:
    """Ada and then Grace both want to be interviewed first; once Ada has waited past the threshold they
    are paired. Returns Ada, Grace, Ada's first entry and the session."""
    ada, grace = member("Ada"), member("Grace")
    first = join(admin, ada, rolePreference="interviewee")
    join(admin, grace, rolePreference="interviewee")
    db = firebase.db()
    # Before the threshold the wishes are a wall ...
    early = joined_s(first) + matching.BEND_AFTER_S - 5
    assert matchmaking.attempt_match(db, grace.uid, now=early) is None
    assert admin.query("peerSessions") == []
    # ... after it, they bend: Grace's re-try pairs them.
    session_id = matchmaking.attempt_match(db, grace.uid, now=joined_s(first) + matching.BEND_AFTER_S + 1)
    assert session_id
    session = admin.get(f"peerSessions/{session_id}")
    assert session is not None
    return ada, grace, first, session


def test_same_first_role_wishes_bend_after_the_threshold_and_the_longer_waiter_keeps_hers(
        admin: FirestoreClient) -> None:
    ada, grace, _, session = bent_pair(admin)
    # The roles the match screen shows (participants[].role, the first half) are the ones stored.
    first_half = {p["userId"]: p["role"] for p in session["participants"]}
    assert first_half == {ada.uid: "interviewee", grace.uid: "interviewer"} == session["roles"]
    assert session["bentRoleFor"] == grace.uid
    # Grace is told plainly, before she joins, what changed and that declining costs nothing.
    note = FirestoreClient.as_user(grace).get(f"users/{grace.uid}/notifications/match-{session['id']}")
    assert "You'll start as the interviewer; you swap at half time" in note["message"]
    assert "costs you nothing" in note["message"]
    ada_note = FirestoreClient.as_user(ada).get(f"users/{ada.uid}/notifications/match-{session['id']}")
    assert "You start as the interviewee." in ada_note["message"]
    # The participant reads the session, with whose wish bent (her own screen says it).
    assert FirestoreClient.as_user(grace).get(f"peerSessions/{session['id']}")["bentRoleFor"] == grace.uid


def test_declining_a_bent_match_costs_nothing_and_puts_the_partner_back_at_the_front(
        admin: FirestoreClient) -> None:
    ada, grace, first, session = bent_pair(admin)
    sid = session["id"]
    assert call("declineMatch", {"sessionId": sid}, user=grace) == {"status": "cancelled", "cost": "none"}
    cancelled = admin.get(f"peerSessions/{sid}")
    assert cancelled["status"] == "cancelled" and cancelled["endReason"] == "declined_role"
    assert cancelled["declinedBy"] == grace.uid
    # The one who declined has no stale match left; the partner waits again, first in line, her first
    # wait still counted, and was told.
    assert admin.get(f"matchingQueue/{grace.uid}") is None
    back = admin.get(f"matchingQueue/{ada.uid}")
    assert back["status"] == "waiting" and back["priority"] is True and back["requeuedFrom"] == sid
    assert back["queuedSince"] == first["joinedAt"]
    assert "sessionId" not in back and "matchedWith" not in back
    note = FirestoreClient.as_user(ada).get(f"users/{ada.uid}/notifications/declined-{sid}")
    assert note["type"] == "partner_declined"
    # No no-show, no late cancel for Grace.
    stats = wait_for(lambda: admin.get(f"userStats/{grace.uid}"))
    assert stats["reliability"]["noShows"] == 0 and stats["reliability"]["lateCancels"] == 0
    assert stats["reliability"]["score"] == 1.0
    # Declining again answers the same and changes nothing; the no-show timer finds nothing to do.
    assert call("declineMatch", {"sessionId": sid}, user=grace)["cost"] == "none"
    from salamin import interview

    assert interview.on_no_show(firebase.db(), {"sessionId": sid}) == []
    # Ada's put-back entry looked for a partner and has its timers: her own trigger ran the first look.
    wait_for(lambda: admin.get(f"matchingQueue/{ada.uid}").get("looked") is True)


def test_declining_an_ordinary_match_is_a_late_cancel_and_only_participants_may(admin: FirestoreClient) -> None:
    ada, grace, eve = member("Ada"), member("Grace"), member("Eve")
    join(admin, ada, rolePreference="interviewer")
    FirestoreClient.as_user(grace).create(f"matchingQueue/{grace.uid}", {
        "uid": grace.uid, **prefs(rolePreference="interviewee"), "status": "waiting", "joinedAt": SERVER_TIMESTAMP})
    entry = wait_for(lambda: (e := admin.get(f"matchingQueue/{ada.uid}")) and e["status"] == "matched" and e)
    sid = entry["sessionId"]
    assert admin.get(f"peerSessions/{sid}")["bentRoleFor"] is None
    with pytest.raises(CallableError) as err:
        call("declineMatch", {"sessionId": sid}, user=eve)
    assert err.value.status == "NOT_FOUND"
    assert call("declineMatch", {"sessionId": sid}, user=ada) == {"status": "cancelled", "cost": "late_cancel"}
    stats = wait_for(lambda: admin.get(f"userStats/{ada.uid}"))
    assert stats["reliability"]["lateCancels"] == 1 and stats["reliability"]["noShows"] == 0
    assert admin.get(f"matchingQueue/{grace.uid}")["status"] == "waiting"
    partner_stats = admin.get(f"userStats/{grace.uid}")
    assert partner_stats["reliability"]["lateCancels"] == 0


def test_a_participant_who_joined_cannot_decline(admin: FirestoreClient) -> None:
    ada, grace = member("Ada"), member("Grace")
    join(admin, ada, rolePreference="interviewer")
    FirestoreClient.as_user(grace).create(f"matchingQueue/{grace.uid}", {
        "uid": grace.uid, **prefs(rolePreference="interviewee"), "status": "waiting", "joinedAt": SERVER_TIMESTAMP})
    sid = wait_for(lambda: (e := admin.get(f"matchingQueue/{ada.uid}")) and e.get("sessionId"))
    call("joinSession", {"sessionId": sid}, user=ada)
    with pytest.raises(CallableError) as err:
        call("declineMatch", {"sessionId": sid}, user=ada)
    assert err.value.status == "FAILED_PRECONDITION"
    assert admin.get(f"peerSessions/{sid}")["status"] == "starting"


def test_the_waiting_count_counts_only_real_possible_partners(admin: FirestoreClient) -> None:
    me, same, other_lang, blocker, blocked, behav = (member(n) for n in ("Me", "Same", "Lang", "Blocker", "Blocked",
                                                                          "Behav"))
    # Nobody here may pair with anyone else however long the test takes: Blocker and Blocked block every
    # other interviewee, Lang speaks no shared language, Behav is alone in behavioral, and Same joins just
    # before me (her wish bends only after the threshold).
    FirestoreClient.as_user(blocker).update(f"users/{blocker.uid}", {"blockedUserIds": [me.uid, same.uid, blocked.uid]})
    FirestoreClient.as_user(blocked).update(f"users/{blocked.uid}", {"blockedUserIds": [same.uid]})
    FirestoreClient.as_user(me).update(f"users/{me.uid}", {"blockedUserIds": [blocked.uid]})
    for u in (blocker, blocked):
        join(admin, u, rolePreference="interviewee")
    join(admin, other_lang, rolePreference="interviewee", languages=["japanese"])
    join(admin, behav, sessionTypes=["behavioral"])
    join(admin, same, rolePreference="interviewee")
    join(admin, me, rolePreference="interviewee")
    status = call("matchingStatus", {}, user=me)
    # The old count said 4 (everyone waiting for technical). Really: nobody now; Same once the wishes bend,
    # or at once if I start as the interviewer; Behav with another session type. Blocks count either way.
    assert status["waitingCompatible"] == 0
    assert status["widen"]["sameRoleAfterBend"] == 1
    assert status["widen"]["allSessionTypes"] == 1
    assert status["widen"]["eitherRole"] == 1
    assert status["roleOffer"] == {"role": "interviewer", "partners": 1}
    assert "medianWaitS" not in status  # no data: no number made up
    # Counts only: nothing in the answer names anyone.
    flat = repr(status)
    for u in (same, other_lang, blocker, blocked, behav):
        assert u.uid not in flat


def test_median_wait_of_people_like_you_over_the_last_hour(admin: FirestoreClient) -> None:
    me = member("Me")
    now = dt.datetime.now(dt.UTC)
    like_me = {"sessionTypes": ["technical"], "languages": ["english"], "rolePreference": "interviewee"}
    for i, wait in enumerate((10.0, 40.0, 70.0)):
        admin.set(f"matchWaits/s{i}", {**like_me, "waitS": wait, "at": now - dt.timedelta(minutes=5)})
    admin.set("matchWaits/old", {**like_me, "waitS": 900.0, "at": now - dt.timedelta(hours=2)})
    admin.set("matchWaits/other", {**like_me, "rolePreference": "flexible", "waitS": 1.0, "at": now})
    join(admin, me, rolePreference="interviewee", sessionTypes=["case_study", "technical"])
    status = call("matchingStatus", {}, user=me)
    assert status["medianWaitS"] == 40 and status["medianSample"] == 3
    with pytest.raises(DeniedError):  # server-only samples
        FirestoreClient.as_user(me).get("matchWaits/s0")


def test_the_one_click_role_offer_matches_at_once(admin: FirestoreClient) -> None:
    ada, grace = member("Ada"), member("Grace")
    join(admin, ada, rolePreference="interviewee")
    join(admin, grace, rolePreference="interviewee")
    assert call("matchingStatus", {}, user=grace)["roleOffer"]["role"] == "interviewer"
    result = call("takeMatchRole", {"role": "interviewer"}, user=grace)
    assert result["rolePreference"] == "interviewer" and result["sessionId"]
    session = admin.get(f"peerSessions/{result['sessionId']}")
    # Her own choice: nothing was bent.
    assert session["roles"] == {ada.uid: "interviewee", grace.uid: "interviewer"}
    assert session["bentRoleFor"] is None
    with pytest.raises(CallableError) as err:
        call("takeMatchRole", {"role": "boss"}, user=ada)
    assert err.value.status == "INVALID_ARGUMENT"


def test_mutual_rematch_wish_pairs_recent_partners_again_but_blocks_win(admin: FirestoreClient) -> None:
    ada, grace = member("Ada"), member("Grace")
    db = firebase.db()
    # They met a moment ago (recent partners) and both said they would practise again.
    sid = matchmaking.create_pair_session(db, ada.uid, grace.uid, matchmaking.SessionSettings(
        "technical", "intermediate", "english", "interviewer", source="test"))
    admin.update(f"peerSessions/{sid}", {"startedAt": dt.datetime.now(dt.UTC)})
    assert admin.get(f"users/{ada.uid}")["recentPartners"] == [grace.uid]
    call("askRematch", {"sessionId": sid}, user=ada)
    join(admin, ada)
    FirestoreClient.as_user(grace).create(f"matchingQueue/{grace.uid}", {
        "uid": grace.uid, **prefs(), "status": "waiting", "joinedAt": SERVER_TIMESTAMP})
    wait_for(lambda: admin.get(f"matchingQueue/{grace.uid}").get("looked") is True)
    assert admin.get(f"matchingQueue/{ada.uid}")["status"] == "waiting"  # one-sided: the rule holds
    FirestoreClient.as_user(ada).update(f"users/{ada.uid}", {"blockedUserIds": [grace.uid]})
    matchmaking.note_rematch_wish(db, sid, grace.uid, True)  # what Grace's feedback (wouldPracticeAgain) does
    assert admin.get(f"users/{grace.uid}")["rematchWith"] == [ada.uid]
    assert matchmaking.attempt_match(db, grace.uid) is None  # blocks always win
    assert admin.get(f"matchingQueue/{grace.uid}")["status"] == "waiting"
    FirestoreClient.as_user(ada).update(f"users/{ada.uid}", {"blockedUserIds": []})
    matchmaking.attempt_match(db, grace.uid)  # (or a re-try gets there first)
    entry = wait_for(lambda: (e := admin.get(f"matchingQueue/{grace.uid}")) and e["status"] == "matched" and e)
    assert entry["matchedWith"] == ada.uid and entry["sessionId"] != sid
    # The wish is fulfilled: it does not pair them again and again.
    assert grace.uid not in admin.get(f"users/{ada.uid}").get("rematchWith", [])
    with pytest.raises(CallableError):
        call("askRematch", {"sessionId": entry["sessionId"]}, user=ada)  # that one has not taken place yet


def test_someone_put_back_after_a_no_show_is_matched_with_a_person_already_waiting(
        admin: FirestoreClient, bank: None) -> None:
    """The no-show put-back writes over the old (matched) entry, an update that fires no create trigger: the
    put-back itself must look. Eve waits already (her own look found nobody) and her re-tries leave a fresh
    entry alone for NEWCOMER_GRACE_S, so only Ada's own look can pair them by the time the handler returns."""
    from salamin import interview

    ada, grace, eve = member("Ada"), member("Grace"), member("Eve")
    join(admin, ada)
    FirestoreClient.as_user(grace).create(f"matchingQueue/{grace.uid}", {
        "uid": grace.uid, **prefs(), "status": "waiting", "joinedAt": SERVER_TIMESTAMP})
    first = wait_for(lambda: (e := admin.get(f"matchingQueue/{ada.uid}")) and e["status"] == "matched" and e)
    sid = first["sessionId"]
    call("joinSession", {"sessionId": sid}, user=ada)  # Grace never comes
    join(admin, eve)
    assert admin.get(f"matchingQueue/{eve.uid}")["status"] == "waiting"
    db = firebase.db()
    assert interview.on_no_show(db, {"sessionId": sid, "dueAtMs": 0}) == [grace.uid]
    back = admin.get(f"matchingQueue/{ada.uid}")
    assert back["requeuedFrom"] == sid and back["status"] == "matched" and back["matchedWith"] == eve.uid
    session = admin.get(f"peerSessions/{back['sessionId']}")
    assert sorted(session["participantIds"]) == sorted([ada.uid, eve.uid]) and session["status"] == "matched"
    assert admin.get(f"matchingQueue/{eve.uid}")["sessionId"] == back["sessionId"]
    # Delivered again: nothing more happens (no second session, Ada stays in the one she has).
    assert interview.on_no_show(db, {"sessionId": sid, "dueAtMs": 0}) == []
    assert len(admin.query("peerSessions")) == 2
