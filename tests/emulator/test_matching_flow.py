"""Matching end to end on the emulators: the browser's queue write, the Firestore trigger, the task-queue
retries and timeout, the transaction that pairs people, and the status callable."""

from __future__ import annotations

import concurrent.futures as cf
import time
from collections import Counter
from functools import partial
from typing import Any

import pytest

from tests.support import emulators
from tests.support.emulators import SERVER_TIMESTAMP, AuthUser, FirestoreClient, call, sign_up

# Matching settles fast: poll more often, give up sooner than the shared default.
wait_for = partial(emulators.wait_for, timeout=30, every=0.25)

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]


def prefs(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sessionTypes": ["technical"], "difficultyLevels": ["intermediate"], "rolePreference": "flexible",
        "languages": ["english"], "industries": ["tech"], "targetRoles": [], "timeZone": "Europe/London",
        "experienceLevel": "mid", "maxWaitTime": 120,
    }
    base.update(over)
    return base


def join(user: AuthUser, **over: Any) -> None:
    entry = {"uid": user.uid, **prefs(**over), "status": "waiting", "joinedAt": SERVER_TIMESTAMP}
    FirestoreClient.as_user(user).create(f"matchingQueue/{user.uid}", entry)


def member(name: str) -> AuthUser:
    user = sign_up(display_name=name)
    call("bootstrapProfile", {}, user=user)
    return user


def sessions(admin: FirestoreClient) -> list[dict[str, Any]]:
    return admin.query("peerSessions")


def tried(admin: FirestoreClient, *users: AuthUser) -> None:
    """Each person's trigger has made its attempt and set its timers (it then records lastMatchedWith);
    then one more attempt per person, as a re-try makes once the bar has relaxed all the way, finds
    nobody either."""
    from salamin import firebase, matching, matchmaking

    for u in users:
        wait_for(lambda u=u: "lastMatchedWith" in (admin.get(f"matchingQueue/{u.uid}") or {}))
    db, later = firebase.db(), time.time() + matching.BAR_RELAX_S
    assert [matchmaking.attempt_match(db, u.uid, now=later) for u in users] == [None] * len(users)


def both_matched(admin: FirestoreClient, a: AuthUser, b: AuthUser) -> None:
    """Both entries point at the same session: the pairing transaction has committed."""
    def same() -> bool:
        ea, eb = admin.get(f"matchingQueue/{a.uid}"), admin.get(f"matchingQueue/{b.uid}")
        return bool(ea and eb and ea["status"] == eb["status"] == "matched" and ea["sessionId"] == eb["sessionId"])

    wait_for(same)


def test_two_fitting_people_make_one_session(admin: FirestoreClient) -> None:
    ada, grace = member("Ada"), member("Grace")
    join(ada, rolePreference="interviewer", experienceLevel="senior")
    join(grace, rolePreference="interviewee", experienceLevel="mid", timeZone="America/New_York")

    def both_matched() -> tuple[dict[str, Any], dict[str, Any]] | None:
        a, g = admin.get(f"matchingQueue/{ada.uid}"), admin.get(f"matchingQueue/{grace.uid}")
        return (a, g) if a and g and a["status"] == g["status"] == "matched" else None

    a_entry, g_entry = wait_for(both_matched)
    assert a_entry["sessionId"] == g_entry["sessionId"]
    session = admin.get(f"peerSessions/{a_entry['sessionId']}")
    assert session is not None
    assert sorted(session["participantIds"]) == sorted([ada.uid, grace.uid])
    assert session["roles"] == {ada.uid: "interviewer", grace.uid: "interviewee"}
    assert session["status"] == "matched"
    assert session["sessionType"] == "technical" and session["difficulty"] == "intermediate"
    assert session["requiresCodeEditor"] is True
    assert session["estimatedDuration"] == 60
    names = {p["userId"]: p["displayName"] for p in session["participants"]}
    assert names == {ada.uid: "Ada", grace.uid: "Grace"}
    for user, partner in ((ada, "Grace"), (grace, "Ada")):
        note = FirestoreClient.as_user(user).get(f"users/{user.uid}/notifications/match-{session['id']}")
        assert note is not None and note["type"] == "peer_match_found" and note["partnerName"] == partner
    assert len(sessions(admin)) == 1
    # The participants can read their session; the preferences were remembered for next time.
    assert FirestoreClient.as_user(grace).get(f"peerSessions/{session['id']}")["id"] == session["id"]
    # The pair's score mixes both people's preferences and reliability: only the server keeps it.
    assert "compatibility" not in session
    assert 0 < admin.get(f"peerSessions/{session['id']}/server/match")["compatibility"] <= 1
    with pytest.raises(emulators.DeniedError):
        FirestoreClient.as_user(grace).get(f"peerSessions/{session['id']}/server/match")
    assert admin.get(f"users/{ada.uid}")["lastPreferences"]["rolePreference"] == "interviewer"
    status = call("matchingStatus", {}, user=ada)
    assert status["status"] == "matched" and status["sessionId"] == session["id"]


def test_incompatible_people_are_not_matched(admin: FirestoreClient) -> None:
    a, b, c = member("A"), member("B"), member("C")
    join(a, languages=["english"])
    join(b, languages=["japanese"])  # no common language: they could not talk
    join(c, sessionTypes=["behavioral"])  # no common session type with a or b
    tried(admin, a, b, c)
    assert sessions(admin) == []
    for u in (a, b, c):
        assert admin.get(f"matchingQueue/{u.uid}")["status"] == "waiting"
    # Honest numbers for the waiting screen: b shares a's session type but not a language, so nobody
    # waiting could be a's partner; c would fit a with another session type (what would widen chances).
    status_a = call("matchingStatus", {}, user=a)
    assert status_a["waitingCompatible"] == 0
    assert status_a["widen"]["allSessionTypes"] == 1
    assert call("matchingStatus", {}, user=c)["waitingCompatible"] == 0


def test_two_strict_interviewers_are_not_matched_before_the_wish_may_bend(admin: FirestoreClient) -> None:
    from salamin import firebase, matching, matchmaking

    a, b = member("A"), member("B")
    join(a, rolePreference="interviewer")
    join(b, rolePreference="interviewer")
    for u in (a, b):
        wait_for(lambda u=u: "lastMatchedWith" in (admin.get(f"matchingQueue/{u.uid}") or {}))
    soon = time.time() + matching.BEND_AFTER_S - 10  # both have waited less than the threshold
    assert [matchmaking.attempt_match(firebase.db(), u.uid, now=soon) for u in (a, b)] == [None, None]
    assert sessions(admin) == []


def test_blocked_people_are_not_matched(admin: FirestoreClient) -> None:
    a, b = member("A"), member("B")
    FirestoreClient.as_user(a).update(f"users/{a.uid}", {"blockedUserIds": [b.uid]})
    join(a)
    join(b)
    tried(admin, a, b)
    assert sessions(admin) == []


def test_fifty_concurrent_joins_never_double_book(admin: FirestoreClient) -> None:
    users = [sign_up() for _ in range(50)]
    variants = [
        {}, {"rolePreference": "interviewer"}, {"rolePreference": "interviewee"},
        {"difficultyLevels": ["advanced", "intermediate"]}, {"experienceLevel": "senior"},
    ]
    with cf.ThreadPoolExecutor(25) as pool:
        list(pool.map(lambda iu: join(iu[1], **variants[iu[0] % len(variants)]), enumerate(users)))

    def settled() -> list[dict[str, Any]] | None:
        entries = [admin.get(f"matchingQueue/{u.uid}") for u in users]
        matched = [e for e in entries if e and e["status"] == "matched"]
        return entries if len(matched) >= 46 else None

    entries = wait_for(settled, timeout=90, every=1)
    # Every trigger whose person is still waiting has finished its attempt (it then records
    # lastMatchedWith) or someone's batch paired them meanwhile: a straggling attempt had its chance to
    # commit, so a double booking would show.
    def done(uid: str) -> bool:
        current = admin.get(f"matchingQueue/{uid}") or {}
        return current.get("status") != "waiting" or "lastMatchedWith" in current

    for entry in entries:
        if entry and entry["status"] == "waiting":
            wait_for(lambda e=entry: done(e["uid"]), timeout=60)
    all_sessions = sessions(admin)
    seats = Counter(uid for s in all_sessions for uid in s["participantIds"])
    assert seats and max(seats.values()) == 1, "someone is in two sessions"
    for s in all_sessions:
        assert len(set(s["participantIds"])) == 2
        roles = set(s["roles"].values())
        assert roles == {"interviewer", "interviewee"}
    by_id = {s["id"]: s for s in all_sessions}
    for user in users:
        fresh = admin.get(f"matchingQueue/{user.uid}")
        if fresh and fresh["status"] == "matched":
            assert user.uid in by_id[fresh["sessionId"]]["participantIds"]
    del entries


def test_duplicate_trigger_delivery_creates_nothing_new(admin: FirestoreClient) -> None:
    """Re-running the trigger's handler (as a redelivery would), even concurrently, changes nothing."""
    from salamin import firebase, matchmaking

    a, b = member("A"), member("B")
    join(a)
    join(b)
    wait_for(lambda: len(sessions(admin)) == 1)
    db = firebase.db()
    with cf.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda u: matchmaking.on_entry_created(db, u), [a.uid, b.uid] * 3))
    assert results == [None] * 6
    both_matched(admin, a, b)
    assert len(sessions(admin)) == 1
    notes = FirestoreClient.as_user(a).query("notifications", parent=f"users/{a.uid}")
    assert len(notes) == 1


def test_redelivery_before_the_match_pairs_once(admin: FirestoreClient) -> None:
    """Entries written while triggers are delivered several times at once still give one session."""
    from salamin import firebase, matchmaking

    a, b = member("A"), member("B")
    db = firebase.db()
    # Arrange both entries directly (no trigger yet would have run for a pristine pair) and fire the
    # handler many times in parallel for both people.
    join(a)
    join(b)
    with cf.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda u: matchmaking.attempt_match(db, u), [a.uid, b.uid] * 4))
    wait_for(lambda: len(sessions(admin)) >= 1)
    both_matched(admin, a, b)
    assert len(sessions(admin)) == 1


def test_timeout_removes_the_entry_and_notifies_and_cancel_silences_it(admin: FirestoreClient) -> None:
    lonely, quitter = member("Lonely"), member("Quitter")
    join(lonely, maxWaitTime=30, sessionTypes=["case_study"])
    join(quitter, maxWaitTime=30, sessionTypes=["behavioral"])
    wait_for(lambda: "lastMatchedWith" in (admin.get(f"matchingQueue/{quitter.uid}") or {}))  # timers set
    FirestoreClient.as_user(quitter).delete(f"matchingQueue/{quitter.uid}")  # cancel
    assert admin.get(f"matchingQueue/{quitter.uid}") is None

    wait_for(lambda: admin.get(f"matchingQueue/{lonely.uid}") is None, timeout=60, every=1)
    notes = FirestoreClient.as_user(lonely).query("notifications", parent=f"users/{lonely.uid}")
    assert [n["type"] for n in notes] == ["match_timeout"]
    assert "widen" in notes[0]["message"].lower() or "book" in notes[0]["message"].lower()
    # The quitter's timer, delivered (again) now, finds no entry and writes nothing.
    from salamin import firebase, matchmaking

    assert matchmaking.handle_timeout(firebase.db(), {"uid": quitter.uid, "joinedMs": 0}) is False
    assert FirestoreClient.as_user(quitter).query("notifications", parent=f"users/{quitter.uid}") == []
    assert sessions(admin) == []


def _looked_at(admin: FirestoreClient, user: AuthUser) -> int:
    """The entry's join time (ms) once its first look found nobody and set its timer."""
    entry = wait_for(lambda: (e := admin.get(f"matchingQueue/{user.uid}")) and "lastMatchedWith" in e and e)
    return int(entry["joinedAt"].timestamp() * 1000)


def test_a_join_left_waiting_costs_one_task_and_the_last_retry_schedules_the_timeout(
        admin: FirestoreClient) -> None:
    import datetime as dt
    import os

    os.environ.setdefault("CLOUD_TASKS_EMULATOR_HOST", "127.0.0.1:9499")
    from salamin import firebase, matchmaking, names, tasks

    # A fresh join nobody fits: its first look schedules the first re-try and no timeout (enqueueing an
    # id that exists is refused, so True here means there was none; this one now stands in for it).
    fresh = member("Fresh")
    join(fresh, maxWaitTime=30, sessionTypes=["case_study"])
    jm = _looked_at(admin, fresh)
    assert tasks.enqueue(names.MATCH_RETRY, {"uid": fresh.uid, "joinedMs": jm, "attempt": 1}, 60,
                         f"retry-{fresh.uid}-{jm}-1") is False
    assert tasks.enqueue(names.MATCH_TIMEOUT, {"uid": fresh.uid, "joinedMs": jm}, 30,
                         f"timeout-{fresh.uid}-{jm}") is True

    # Someone 28 s into a 30-s wait: no re-try fits any more, so this re-try hands over to the timeout,
    # which then removes the entry and says so.
    late = member("Late")
    admin.set(f"matchingQueue/{late.uid}", {
        "uid": late.uid, **prefs(maxWaitTime=30, sessionTypes=["behavioral"]), "status": "waiting",
        "joinedAt": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=28)})
    jm = _looked_at(admin, late)
    assert matchmaking.handle_retry(firebase.db(), {"uid": late.uid, "joinedMs": jm, "attempt": 3,
                                                    "dueAtMs": 0}) is None
    assert tasks.enqueue(names.MATCH_TIMEOUT, {"uid": late.uid, "joinedMs": jm}, 30,
                         f"timeout-{late.uid}-{jm}") is False  # scheduled by the re-try
    wait_for(lambda: admin.get(f"matchingQueue/{late.uid}") is None)
    notes = FirestoreClient.as_user(late).query("notifications", parent=f"users/{late.uid}")
    assert [n["type"] for n in notes] == ["match_timeout"]


def test_rejoin_after_a_match_needs_the_old_entry_cleared(admin: FirestoreClient) -> None:
    a, b = member("A"), member("B")
    join(a)
    join(b)
    wait_for(lambda: len(sessions(admin)) == 1)
    me = FirestoreClient.as_user(a)
    from tests.support.emulators import DeniedError
    entry = {"uid": a.uid, **prefs(), "status": "waiting", "joinedAt": SERVER_TIMESTAMP}
    with pytest.raises(DeniedError):
        me.set(f"matchingQueue/{a.uid}", entry)  # setDoc over the old entry: one entry per user
    me.delete(f"matchingQueue/{a.uid}")
    join(a)
    assert admin.get(f"matchingQueue/{a.uid}")["status"] == "waiting"
