"""A callable that dies between its transaction and its side effects (a worker killed or timed out under
load) leaves a session that a retried call, or the session's own timers, bring back in line: questions,
timers and statistics. The death is reproduced exactly: the transaction alone runs (interview._apply),
then the participant's app calls again as it does on a reload or an error."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

from tests.support.emulators import SERVER_TIMESTAMP, AuthUser, FirestoreClient, call, wait_for

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]


def _server() -> Any:
    """The functions' own modules, talking to the emulators from this process."""
    os.environ.setdefault("CLOUD_TASKS_EMULATOR_HOST", "127.0.0.1:9499")
    from salamin import firebase, interview, lifecycle, tasks

    return firebase.db(), interview, lifecycle, tasks


def _scheduled(tasks: Any, function: str, task_id: str) -> bool:
    """A task with this id is pending: enqueueing it again is refused (and changes nothing)."""
    return tasks.enqueue(function, {"sessionId": "nothing-to-do", "phaseIndex": 0}, 3600, task_id) is False


def test_a_join_that_died_after_its_transaction_is_completed_by_the_next_join(
        session_pair: tuple[AuthUser, AuthUser, str], admin: FirestoreClient) -> None:
    a, b, sid = session_pair
    db, interview, lc, tasks = _server()
    call("joinSession", {"sessionId": sid}, user=a)
    # b's join commits (the session starts) and the worker dies before the questions and timers.
    interview._apply(db, sid, lambda s: (lc.join(s, b.uid, time.time()), None))
    started = admin.get(f"peerSessions/{sid}")
    assert started["status"] == "active" and not started.get("questionSet")
    assert not _scheduled(tasks, "sessionHardStop", f"hardstop-{sid}-probe")  # the probe itself works

    assert call("joinSession", {"sessionId": sid}, user=b)["status"] == "active"  # the app calls again
    s = admin.get(f"peerSessions/{sid}")
    assert s["questionSet"]["1"] and s["phaseIndex"] == 0
    assert FirestoreClient.as_user(a).get(f"peerSessions/{sid}/private/{a.uid}")["half"] == 1
    assert _scheduled(tasks, "sessionHardStop", f"hardstop-{sid}")
    assert _scheduled(tasks, "sessionPhaseTimer", f"phase-{sid}-0-timeup")
    plan = admin.get(f"peerSessions/{sid}/server/plan")
    call("joinSession", {"sessionId": sid}, user=a)  # once more: the same questions, nothing new
    assert admin.get(f"peerSessions/{sid}/server/plan") == plan
    assert admin.get(f"peerSessions/{sid}")["questionSet"] == s["questionSet"]


def test_a_completion_that_died_after_its_transaction_is_counted_by_the_retried_call(
        session_pair: tuple[AuthUser, AuthUser, str], admin: FirestoreClient) -> None:
    a, b, sid = session_pair
    db, interview, lc, tasks = _server()
    call("joinSession", {"sessionId": sid}, user=a)
    call("joinSession", {"sessionId": sid}, user=b)
    for index, movers in ((0, (a, b)), (1, (a,)), (2, (a, b)), (3, (b,)), (4, (a, b))):
        for user in movers:
            call("advancePhase", {"sessionId": sid, "fromIndex": index}, user=user)
    call("advancePhase", {"sessionId": sid, "fromIndex": 5}, user=a)
    # b's agreement completes the session; the worker dies before the stats and the reveal timer.
    interview._apply(db, sid, lambda s: lc.advance(s, b.uid, 5, time.time()))
    assert admin.get(f"peerSessions/{sid}")["status"] == "completed"
    assert (admin.get(f"userStats/{a.uid}") or {}).get("completedSessions", 0) == 0

    # b's app retries the call that seemed to fail: nothing moves, and what was left undone is done.
    assert call("advancePhase", {"sessionId": sid, "fromIndex": 5}, user=b)["result"] == "already"
    for uid in (a.uid, b.uid):
        stats = admin.get(f"userStats/{uid}")
        assert stats["completedSessions"] == 1 and stats["totalSessions"] == 1
        assert stats["asInterviewer"]["sessionCount"] == 1 and stats["asInterviewee"]["sessionCount"] == 1
    assert _scheduled(tasks, "sessionFeedbackDeadline", f"feedback-deadline-{sid}")
    updated = admin.get(f"userStats/{a.uid}")["updatedAt"]
    call("advancePhase", {"sessionId": sid, "fromIndex": 5}, user=a)  # again: the same numbers, not rewritten
    assert admin.get(f"userStats/{a.uid}")["updatedAt"] == updated


def test_a_session_whose_start_lost_its_timers_still_gets_its_hard_stop_from_the_no_show_timer(
        session_pair: tuple[AuthUser, AuthUser, str], admin: FirestoreClient) -> None:
    a, b, sid = session_pair
    db, interview, lc, tasks = _server()
    call("joinSession", {"sessionId": sid}, user=a)
    interview._apply(db, sid, lambda s: (lc.join(s, b.uid, time.time()), None))  # died: no hard stop
    # Nobody reloads; the no-show timer (scheduled at the match) comes and finds both there.
    assert interview.on_no_show(db, {"sessionId": sid, "dueAtMs": 0}) == []
    assert _scheduled(tasks, "sessionHardStop", f"hardstop-{sid}")
    assert wait_for(lambda: admin.get(f"peerSessions/{sid}"))["status"] == "active"


def test_two_agreements_at_the_same_instant_move_the_phase_once(
        session_pair: tuple[AuthUser, AuthUser, str], admin: FirestoreClient) -> None:
    """The session is written only if nobody wrote it since it was read: the partner's agreement landing
    between a call's read and its write makes that call read again and agree with it, instead of writing
    its own proposal over the partner's (which would leave both waiting for each other)."""
    a, b, sid = session_pair
    db, interview, lc, _ = _server()
    call("joinSession", {"sessionId": sid}, user=a)
    call("joinSession", {"sessionId": sid}, user=b)
    seen: list[tuple[int | None, tuple[str, int] | None]] = []

    def a_agrees(state: Any) -> Any:
        seen.append((state.phase_index, state.pending_advance))
        if len(seen) == 1:  # b's call lands after a's read, before a's write
            interview._apply(db, sid, lambda s: lc.advance(s, b.uid, 0, time.time()))
        return lc.advance(state, a.uid, 0, time.time())

    _, after, result, _ = interview._apply(db, sid, a_agrees)
    assert seen == [(0, None), (0, (b.uid, 0))]  # read again, and saw b's proposal
    assert result == "advanced" and after.phase_index == 1
    s = admin.get(f"peerSessions/{sid}")
    assert s["phaseIndex"] == 1 and s["pendingAdvance"] is None


def test_a_session_completed_after_both_wrote_feedback_schedules_no_reveal(
        session_pair: tuple[AuthUser, AuthUser, str], admin: FirestoreClient) -> None:
    """Both feedbacks revealed before the end: the deadline would have nothing to do, so none is scheduled."""
    a, b, sid = session_pair
    _, _, _, tasks = _server()
    call("joinSession", {"sessionId": sid}, user=a)
    call("joinSession", {"sessionId": sid}, user=b)
    for index, movers in ((0, (a, b)), (1, (a,)), (2, (a, b)), (3, (b,))):
        for user in movers:
            call("advancePhase", {"sessionId": sid, "fromIndex": index}, user=user)
    rubric = {"problem_solving": 4, "code_quality": 4, "communication": 4, "testing": 4}
    for frm, to in ((a, b), (b, a)):
        FirestoreClient.as_user(frm).create(f"peerSessions/{sid}/feedback/{frm.uid}", {
            "from": frm.uid, "to": to.uid, "overall": 4, "rubric": rubric, "tags": [], "text": "",
            "wouldPracticeAgain": False, "createdAt": SERVER_TIMESTAMP})
    wait_for(lambda: admin.get(f"peerSessions/{sid}").get("feedbackRevealed"))
    for index in (4, 5):
        for user in (a, b):
            call("advancePhase", {"sessionId": sid, "fromIndex": index}, user=user)
    assert admin.get(f"peerSessions/{sid}")["status"] == "completed"
    assert admin.get(f"userStats/{a.uid}")["totalRatings"] == 1
    assert not _scheduled(tasks, "sessionFeedbackDeadline", f"feedback-deadline-{sid}")  # none was scheduled
    assert _scheduled(tasks, "sessionFeedbackDeadline", f"feedback-deadline-{sid}")  # (the probe's own is now)
