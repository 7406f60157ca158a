"""The interview flow on the emulators: callables, the state machine on real sessions, questions per
half behind the rules, and the task-queue timers (no-show, hard stop) through the real Tasks emulator."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

from tests.support.emulators import (
    SERVER_TIMESTAMP,
    AuthUser,
    CallableError,
    DeniedError,
    FirestoreClient,
    call,
    make_session,
    sign_up,
    wait_for,
)

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]


def session(admin: FirestoreClient, sid: str) -> dict[str, Any]:
    doc = admin.get(f"peerSessions/{sid}")
    assert doc is not None
    return doc


def advance(user: AuthUser, sid: str, index: int) -> str:
    return call("advancePhase", {"sessionId": sid, "fromIndex": index}, user=user)["result"]


def test_a_whole_session_from_join_to_completed(session_pair: tuple[AuthUser, AuthUser, str],
                                                admin: FirestoreClient) -> None:
    a, b, sid = session_pair
    assert call("joinSession", {"sessionId": sid}, user=a)["status"] == "starting"
    assert call("joinSession", {"sessionId": sid}, user=a)["status"] == "starting"  # double submission
    out = call("joinSession", {"sessionId": sid}, user=b)
    assert out["status"] == "active" and out["phaseIndex"] == 0 and out["serverTime"] > 0
    s = session(admin, sid)
    assert s["currentPhase"] == "introduction" and s["phaseEndsAt"] > s["phaseStartedAt"]
    first = s["questionSet"]["1"]
    assert len(first) == 1 and "prompt" in first[0] and "solution" not in first[0] and "hints" not in first[0]
    assert "2" not in s["questionSet"]  # the second half's questions stay hidden until the switch

    # Only the interviewer (a) can read the solution, hints and rubric: the rules, not the UI.
    private = FirestoreClient.as_user(a).get(f"peerSessions/{sid}/private/{a.uid}")
    assert private["half"] == 1 and private["questions"][0]["solution"]
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(b).get(f"peerSessions/{sid}/private/{a.uid}")
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(b).get(f"peerSessions/{sid}/server/plan")

    assert advance(a, sid, 0) == "proposed"
    assert advance(a, sid, 0) == "proposed"  # asking twice changes nothing
    assert advance(b, sid, 0) == "advanced"
    assert advance(b, sid, 1) == "proposed"  # the interviewee cannot skip the half alone
    assert session(admin, sid)["phaseIndex"] == 1
    assert advance(a, sid, 1) == "advanced"  # the interviewer agrees
    s = session(admin, sid)
    assert s["currentPhase"] == "role_switch" and s["roles"] == {a.uid: "interviewee", b.uid: "interviewer"}
    second = s["questionSet"]["2"]
    assert second and {q["id"] for q in second}.isdisjoint({q["id"] for q in first})
    private_b = FirestoreClient.as_user(b).get(f"peerSessions/{sid}/private/{b.uid}")
    assert private_b["half"] == 2
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).get(f"peerSessions/{sid}/private/{b.uid}")

    assert advance(a, sid, 2) == "proposed"
    assert advance(b, sid, 2) == "advanced"
    assert advance(b, sid, 3) == "advanced"  # b interviews now
    s = session(admin, sid)
    assert s["status"] == "ending" and s["currentPhase"] == "feedback"
    assert advance(a, sid, 3) == "already"  # a late click on an old phase
    advance(a, sid, 4)
    advance(b, sid, 4)
    advance(a, sid, 5)
    assert advance(b, sid, 5) == "advanced"
    s = session(admin, sid)
    assert s["status"] == "completed" and s["endReason"] == "finished" and s["endedAt"]
    with pytest.raises(CallableError) as err:
        call("joinSession", {"sessionId": sid}, user=a)
    assert err.value.status == "FAILED_PRECONDITION"
    # Both have now practised these questions: the next selection avoids them.
    seen = set(admin.get(f"users/{a.uid}")["seenQuestions"])
    assert {q["id"] for q in first + second} <= seen


def test_illegal_and_unknown_calls_get_clear_errors(session_pair: tuple[AuthUser, AuthUser, str]) -> None:
    a, b, sid = session_pair
    stranger = sign_up()
    cases = [
        ("joinSession", {"sessionId": sid}, stranger, "PERMISSION_DENIED"),
        ("joinSession", {"sessionId": "no-such-session"}, a, "NOT_FOUND"),
        ("joinSession", {}, a, "INVALID_ARGUMENT"),
        ("advancePhase", {"sessionId": sid, "fromIndex": 0}, a, "FAILED_PRECONDITION"),  # not started
        ("advancePhase", {"sessionId": sid, "fromIndex": "zero"}, a, "INVALID_ARGUMENT"),
        ("joinSession", {"sessionId": sid}, None, "UNAUTHENTICATED"),
    ]
    for name, data, user, status in cases:
        with pytest.raises(CallableError) as err:
            call(name, data, user=user)
        assert err.value.status == status, (name, data, err.value)
        assert err.value.message  # a sentence, not a stack trace
    del b


def test_leaving_early_ends_the_session_and_tells_the_partner(session_pair: tuple[AuthUser, AuthUser, str],
                                                              admin: FirestoreClient) -> None:
    a, b, sid = session_pair
    call("joinSession", {"sessionId": sid}, user=a)
    call("joinSession", {"sessionId": sid}, user=b)
    assert call("leaveSession", {"sessionId": sid}, user=b)["status"] == "ending"
    s = session(admin, sid)
    assert s["currentPhase"] == "feedback" and s["leftEarly"] == b.uid
    note = FirestoreClient.as_user(a).get(f"users/{a.uid}/notifications/left-{sid}")
    assert note["type"] == "partner_left"


def test_nobody_writes_status_phase_roles_or_timestamps(session_pair: tuple[AuthUser, AuthUser, str]) -> None:
    a, _, sid = session_pair
    me = FirestoreClient.as_user(a)
    for change in ({"status": "completed"}, {"phaseIndex": 5}, {"roles": {a.uid: "interviewer"}},
                   {"startedAt": SERVER_TIMESTAMP}, {"questionSet": {}}):
        with pytest.raises(DeniedError):
            me.update(f"peerSessions/{sid}", change)


def test_notes_are_private_to_their_author(session_pair: tuple[AuthUser, AuthUser, str]) -> None:
    a, b, sid = session_pair
    path = f"peerSessions/{sid}/notes/{a.uid}"
    FirestoreClient.as_user(a).set(path, {"uid": a.uid, "text": "Strong on edge cases", "updatedAt": SERVER_TIMESTAMP})
    assert FirestoreClient.as_user(a).get(path)["text"] == "Strong on edge cases"
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(b).get(path)
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(b).set(path, {"uid": a.uid, "text": "x", "updatedAt": SERVER_TIMESTAMP})
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).set(path, {"uid": a.uid, "text": "x" * 20001, "updatedAt": SERVER_TIMESTAMP})
    with pytest.raises(DeniedError):
        FirestoreClient.signed_out().get(path)


def _enqueue(fn: str, payload: dict[str, Any], task_id: str) -> None:
    os.environ.setdefault("CLOUD_TASKS_EMULATOR_HOST", "127.0.0.1:9499")
    from salamin import tasks

    assert tasks.enqueue(fn, payload, 0, task_id)


def test_no_show_task_cancels_requeues_and_counts_once(session_pair: tuple[AuthUser, AuthUser, str],
                                                        admin: FirestoreClient) -> None:
    a, b, sid = session_pair
    prefs = {"sessionTypes": ["technical"], "difficultyLevels": ["intermediate"], "rolePreference": "flexible",
             "languages": ["english"], "industries": [], "targetRoles": [], "timeZone": "UTC",
             "experienceLevel": "mid", "maxWaitTime": 120}
    admin.set(f"users/{a.uid}", {"uid": a.uid, "lastPreferences": prefs})
    call("joinSession", {"sessionId": sid}, user=a)  # b never comes
    _enqueue("sessionNoShow", {"sessionId": sid}, f"test-noshow-{sid}-1")
    wait_for(lambda: session(admin, sid)["status"] == "cancelled")
    assert session(admin, sid)["endReason"] == "no_show"
    entry = wait_for(lambda: admin.get(f"matchingQueue/{a.uid}"))
    assert entry["priority"] is True and entry["requeuedFrom"] == sid
    # Written just after the re-queue (on_no_show): waited for, not read at once.
    note = wait_for(lambda: FirestoreClient.as_user(a).get(f"users/{a.uid}/notifications/noshow-{sid}"))
    assert note["type"] == "partner_no_show"
    stats = wait_for(lambda: admin.get(f"userStats/{b.uid}"))
    assert stats["reliability"]["noShows"] == 1
    # Delivered again: the handler itself, run to its end here, finds the session cancelled already.
    from salamin import firebase, interview

    assert interview.on_no_show(firebase.db(), {"sessionId": sid}) == []
    assert admin.get(f"userStats/{b.uid}")["reliability"]["noShows"] == 1
    assert admin.get(f"userStats/{a.uid}")["reliability"]["noShows"] == 0  # the one who came is not blamed


def test_hard_stop_task_completes_a_running_session(session_pair: tuple[AuthUser, AuthUser, str],
                                                    admin: FirestoreClient) -> None:
    a, b, sid = session_pair
    call("joinSession", {"sessionId": sid}, user=a)
    call("joinSession", {"sessionId": sid}, user=b)
    _enqueue("sessionHardStop", {"sessionId": sid}, f"test-hardstop-{sid}")
    wait_for(lambda: session(admin, sid)["status"] == "completed")
    assert session(admin, sid)["endReason"] == "time_limit"


def test_phase_timer_moves_on_once(session_pair: tuple[AuthUser, AuthUser, str], admin: FirestoreClient) -> None:
    a, b, sid = session_pair
    call("joinSession", {"sessionId": sid}, user=a)
    call("joinSession", {"sessionId": sid}, user=b)
    _enqueue("sessionPhaseTimer", {"sessionId": sid, "phaseIndex": 0, "kind": "timeup"}, f"test-phase-{sid}-1")
    wait_for(lambda: session(admin, sid)["phaseIndex"] == 1)
    _enqueue("sessionPhaseTimer", {"sessionId": sid, "phaseIndex": 0, "kind": "timeup"}, f"test-phase-{sid}-2")
    _enqueue("sessionPhaseTimer", {"sessionId": sid, "phaseIndex": 1, "kind": "nudge"}, f"test-phase-{sid}-3")
    nudge = wait_for(lambda: session(admin, sid).get("nudge"))
    assert nudge["phaseIndex"] == 1
    assert session(admin, sid)["phaseIndex"] == 1  # the repeated time-up did not skip the interview


def _seconds(value: Any) -> float:
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


def test_due_timers_start_one_every_two_seconds_locally(admin: FirestoreClient, bank: None) -> None:
    # The emulator delivers every timer at once (not when due), so locally the timer queues are throttled
    # (tasks.TIMER_RATE, one start per 2 s) to leave the Functions emulator's few slots to the callables.
    # Four time-ups due now, one per running session (started without their own timers, as a start that
    # died): each moves its session on exactly once, spread over >= 4 s (at 2 a second they spread over
    # ~1.5 s; unthrottled, at 20 a second, all four land at once).
    from salamin import firebase, interview
    from salamin import lifecycle as lc

    db, sids = firebase.db(), []
    for i in range(4):
        a, b = sign_up(display_name=f"Ada {i}"), sign_up(display_name=f"Grace {i}")
        sid = make_session(admin, a, b)
        for who in (a, b):
            interview._apply(db, sid, lambda s, who=who: (lc.join(s, who.uid, time.time()), None))
        sids.append(sid)
    assert all(session(admin, sid)["status"] == "active" for sid in sids)
    for sid in sids:
        _enqueue("sessionPhaseTimer", {"sessionId": sid, "phaseIndex": 0, "kind": "timeup"}, f"burst-{sid}")
    moved = wait_for(lambda: all(session(admin, sid)["phaseIndex"] == 1 for sid in sids) and
                     [session(admin, sid) for sid in sids])
    starts = sorted(_seconds(doc["phaseStartedAt"]) for doc in moved)
    assert starts[-1] - starts[0] >= 4.0, starts
    assert all(doc["phaseIndex"] == 1 for doc in moved)  # none skipped past the interview


RUBRIC = {"problem_solving": 4, "code_quality": 3, "communication": 5, "testing": 4}


def feedback(frm: AuthUser, to: AuthUser, **over: Any) -> dict[str, Any]:
    return {"from": frm.uid, "to": to.uid, "overall": 4, "rubric": dict(RUBRIC), "tags": ["helpful", "prepared"],
            "text": "Clear thinking, talk through tests earlier.", "wouldPracticeAgain": True,
            "createdAt": SERVER_TIMESTAMP, **over}


def run_to_feedback(a: AuthUser, b: AuthUser, sid: str) -> None:
    call("joinSession", {"sessionId": sid}, user=a)
    call("joinSession", {"sessionId": sid}, user=b)
    for index, movers in ((0, (a, b)), (1, (a,)), (2, (a, b)), (3, (b,))):
        for user in movers:
            advance(user, sid, index)


def test_feedback_once_hidden_until_both_then_stats(session_pair: tuple[AuthUser, AuthUser, str],
                                                    admin: FirestoreClient) -> None:
    a, b, sid = session_pair
    path_a, path_b = f"peerSessions/{sid}/feedback/{a.uid}", f"peerSessions/{sid}/feedback/{b.uid}"
    call("joinSession", {"sessionId": sid}, user=a)
    call("joinSession", {"sessionId": sid}, user=b)
    with pytest.raises(DeniedError):  # not before the interview phases are over
        FirestoreClient.as_user(a).create(path_a, feedback(a, b))
    for index, movers in ((0, (a, b)), (1, (a,)), (2, (a, b)), (3, (b,))):
        for user in movers:
            advance(user, sid, index)
    assert session(admin, sid)["currentPhase"] == "feedback"

    FirestoreClient.as_user(a).create(path_a, feedback(a, b, overall=4))
    with pytest.raises(DeniedError):  # written once
        FirestoreClient.as_user(a).set(path_a, feedback(a, b, overall=1))
    assert FirestoreClient.as_user(a).get(path_a)["overall"] == 4  # the author reads their own
    with pytest.raises(DeniedError):  # the subject waits until both have written
        FirestoreClient.as_user(b).get(path_a)
    FirestoreClient.as_user(b).create(path_b, feedback(b, a, overall=5, rubric={**RUBRIC, "testing": 5}))
    wait_for(lambda: session(admin, sid).get("feedbackRevealed"))
    assert FirestoreClient.as_user(b).get(path_a)["overall"] == 4
    assert FirestoreClient.as_user(a).get(path_b)["overall"] == 5

    for index in (4, 5):
        advance(a, sid, index)
        advance(b, sid, index)
    assert session(admin, sid)["status"] == "completed"
    stats_a = wait_for(lambda: (admin.get(f"userStats/{a.uid}") or {}).get("completedSessions") == 1
                       and admin.get(f"userStats/{a.uid}"))
    assert stats_a["averageRating"] == 5.0 and stats_a["totalRatings"] == 1
    assert stats_a["asInterviewer"]["sessionCount"] == 1 and stats_a["asInterviewee"]["sessionCount"] == 1
    assert stats_a["specialtyBreakdown"]["technical"]["sessionCount"] == 1
    assert stats_a["ratingHistory"][0]["overall"] == 5
    stats_b = admin.get(f"userStats/{b.uid}")
    assert stats_b["averageRating"] == 4.0
    # The owner reads their stats, nobody else does; nobody writes them.
    assert FirestoreClient.as_user(a).get(f"userStats/{a.uid}")["completedSessions"] == 1
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(b).get(f"userStats/{a.uid}")
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).set(f"userStats/{a.uid}", {"averageRating": 5})


@pytest.mark.parametrize("bad", [
    {"overall": 6}, {"overall": 0}, {"overall": 4.5}, {"rubric": {"problem_solving": 4}},
    {"rubric": {**RUBRIC, "charisma": 5}}, {"rubric": {**RUBRIC, "testing": 9}}, {"tags": ["rude"]},
    {"tags": ["helpful", "helpful"]}, {"text": "x" * 4001}, {"wouldPracticeAgain": "yes"}, {"extra": 1},
    {"rubric": {}},  # the reduced form of an early end: refused once both halves were played
])
def test_feedback_fields_are_validated(session_pair: tuple[AuthUser, AuthUser, str], bad: dict[str, Any]) -> None:
    a, b, sid = session_pair
    run_to_feedback(a, b, sid)
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).create(f"peerSessions/{sid}/feedback/{a.uid}", feedback(a, b, **bad))


def test_after_an_early_end_feedback_rates_only_the_role_played(session_pair: tuple[AuthUser, AuthUser, str],
                                                                  admin: FirestoreClient) -> None:
    a, b, sid = session_pair  # a interviews first, b answers
    call("joinSession", {"sessionId": sid}, user=a)
    call("joinSession", {"sessionId": sid}, user=b)
    for user in (a, b):
        advance(user, sid, 0)
    call("leaveSession", {"sessionId": sid}, user=b)  # during the first half
    assert session(admin, sid)["playedHalves"] == 1
    path_a, path_b = f"peerSessions/{sid}/feedback/{a.uid}", f"peerSessions/{sid}/feedback/{b.uid}"
    # b only answered: a rates the answers (the full rubric), and nothing less.
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).create(path_a, feedback(a, b, rubric={}))
    FirestoreClient.as_user(a).create(path_a, feedback(a, b, overall=3))
    # a only asked: b rates a as the interviewer, with no rubric about answers a never gave.
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(b).create(path_b, feedback(b, a))
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(b).create(path_b, feedback(b, a, rubric={"problem_solving": 4}))
    with pytest.raises(DeniedError):  # "no rubric" is an empty map, not some other empty value
        FirestoreClient.as_user(b).create(path_b, feedback(b, a, rubric=[]))
    FirestoreClient.as_user(b).create(path_b, feedback(b, a, overall=5, rubric={}))
    wait_for(lambda: session(admin, sid).get("feedbackRevealed"))
    # Each person's stats count only the role they played, with the rating about it.
    stats_a = wait_for(lambda: (admin.get(f"userStats/{a.uid}") or {}).get("totalRatings") == 1
                       and admin.get(f"userStats/{a.uid}"))
    assert stats_a["asInterviewer"]["sessionCount"] == 1 and stats_a["asInterviewer"]["averageRating"] == 5.0
    assert stats_a["asInterviewee"]["sessionCount"] == 0 and stats_a["asInterviewee"]["averageRating"] == 0.0
    stats_b = wait_for(lambda: (admin.get(f"userStats/{b.uid}") or {}).get("totalRatings") == 1
                       and admin.get(f"userStats/{b.uid}"))
    assert stats_b["asInterviewee"]["sessionCount"] == 1 and stats_b["asInterviewee"]["averageRating"] == 3.0
    assert stats_b["asInterviewer"]["sessionCount"] == 0


def test_left_in_the_introductions_feedback_has_no_rubric(session_pair: tuple[AuthUser, AuthUser, str],
                                                          admin: FirestoreClient) -> None:
    a, b, sid = session_pair
    call("joinSession", {"sessionId": sid}, user=a)
    call("joinSession", {"sessionId": sid}, user=b)
    call("leaveSession", {"sessionId": sid}, user=a)
    assert session(admin, sid)["playedHalves"] == 0
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(b).create(f"peerSessions/{sid}/feedback/{b.uid}", feedback(b, a))
    FirestoreClient.as_user(b).create(f"peerSessions/{sid}/feedback/{b.uid}", feedback(b, a, rubric={}))


def test_feedback_only_by_a_participant_about_the_partner(session_pair: tuple[AuthUser, AuthUser, str]) -> None:
    a, b, sid = session_pair
    run_to_feedback(a, b, sid)
    stranger = sign_up()
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(stranger).create(f"peerSessions/{sid}/feedback/{stranger.uid}", feedback(stranger, a))
    with pytest.raises(DeniedError):  # as the partner
        FirestoreClient.as_user(a).create(f"peerSessions/{sid}/feedback/{b.uid}", feedback(b, a))
    with pytest.raises(DeniedError):  # about yourself
        FirestoreClient.as_user(a).create(f"peerSessions/{sid}/feedback/{a.uid}", feedback(a, a))


def test_no_feedback_for_a_session_that_never_happened(admin: FirestoreClient, bank: None) -> None:
    a, b = sign_up(), sign_up()
    sid = make_session(admin, a, b, status="cancelled")
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(a).create(f"peerSessions/{sid}/feedback/{a.uid}", feedback(a, b))


# ---- issue 11: secrets stay secret until their time ------------------------------------------------------

def seen_by(user: AuthUser) -> set[str]:
    """seenQuestions as its owner reads it (the rules let the owner read users/{uid})."""
    return set((FirestoreClient.as_user(user).get(f"users/{user.uid}") or {}).get("seenQuestions") or [])


def test_the_second_half_question_stays_secret_until_the_switch(session_pair: tuple[AuthUser, AuthUser, str],
                                                                admin: FirestoreClient) -> None:
    a, b, sid = session_pair
    call("joinSession", {"sessionId": sid}, user=a)
    call("joinSession", {"sessionId": sid}, user=b)
    plan = admin.get(f"peerSessions/{sid}/server/plan")
    assert plan and plan["half1"] and plan["half2"]
    half1, half2 = set(plan["half1"]), set(plan["half2"])
    # a interviews first and is interviewed second: nothing she can read names her second-half question.
    for user in (a, b):
        assert seen_by(user) == half1
        s = FirestoreClient.as_user(user).get(f"peerSessions/{sid}")
        assert half2.isdisjoint(s["questionIds"]) and "2" not in s["questionSet"]
    assert advance(a, sid, 0) == "proposed" and advance(b, sid, 0) == "advanced"
    assert seen_by(a) == half1  # still the first half
    assert advance(a, sid, 1) == "advanced"  # the role switch reveals half 2 and records it as seen
    for user in (a, b):
        assert seen_by(user) == half1 | half2


def finish(a: AuthUser, b: AuthUser, sid: str, admin: FirestoreClient) -> None:
    for index in (4, 5):
        advance(a, sid, index)
        advance(b, sid, index)
    assert session(admin, sid)["status"] == "completed"


def stats_when(admin: FirestoreClient, user: AuthUser, ok: Any) -> dict[str, Any]:
    def ready() -> dict[str, Any] | None:
        stats = admin.get(f"userStats/{user.uid}")
        return stats if stats and ok(stats) else None

    return wait_for(ready)


def test_a_rating_shows_nowhere_until_both_have_written(session_pair: tuple[AuthUser, AuthUser, str],
                                                        admin: FirestoreClient) -> None:
    a, b, sid = session_pair
    for user in (a, b):
        call("bootstrapProfile", {}, user=user)
    watcher = sign_up()
    call("bootstrapProfile", {}, user=watcher)
    run_to_feedback(a, b, sid)
    FirestoreClient.as_user(a).create(f"peerSessions/{sid}/feedback/{a.uid}", feedback(a, b, overall=1))
    wait_for(lambda: a.uid in (session(admin, sid).get("feedbackSubmitted") or []))
    finish(a, b, sid, admin)  # completion recomputes both people's stats

    # b has not written hers: a's 1 must not show in her stats, nor to any member on her profile.
    mine = stats_when(admin, b, lambda s: s["completedSessions"] == 1)
    assert FirestoreClient.as_user(b).get(f"userStats/{b.uid}") == mine
    assert mine["totalRatings"] == 0 and mine["ratingHistory"] == [] and mine["averageRating"] == 0.0
    assert mine["asInterviewee"]["averageRating"] == 0.0 and mine["reputation"] == 0
    public = FirestoreClient.as_user(watcher).get(f"communityProfiles/{b.uid}")
    assert public["peerStats"]["totalRatings"] == 0 and public["reputation"] == 0

    # Both written: revealed, and both people's numbers move at once.
    FirestoreClient.as_user(b).create(f"peerSessions/{sid}/feedback/{b.uid}", feedback(b, a, overall=5))
    mine = stats_when(admin, b, lambda s: s["totalRatings"] == 1)
    assert mine["averageRating"] == 1.0 and mine["ratingHistory"][0]["overall"] == 1
    theirs = stats_when(admin, a, lambda s: s["totalRatings"] == 1)
    assert theirs["averageRating"] == 5.0
    assert FirestoreClient.as_user(watcher).get(f"communityProfiles/{b.uid}")["peerStats"]["totalRatings"] == 1


def test_at_the_deadline_one_sided_feedback_is_revealed_and_counted_once(session_pair: tuple[AuthUser, AuthUser, str],
                                                                        admin: FirestoreClient) -> None:
    import datetime as dt

    a, b, sid = session_pair
    run_to_feedback(a, b, sid)
    FirestoreClient.as_user(a).create(f"peerSessions/{sid}/feedback/{a.uid}", feedback(a, b, overall=3))
    finish(a, b, sid, admin)
    s = session(admin, sid)
    # Completed and its deadline set together, 48 h after the end.
    assert (s["feedbackDeadline"] - s["endedAt"]).total_seconds() == 48 * 3600
    assert stats_when(admin, b, lambda st: st["completedSessions"] == 1)["totalRatings"] == 0
    with pytest.raises(DeniedError):
        FirestoreClient.as_user(b).get(f"peerSessions/{sid}/feedback/{a.uid}")

    # 48 hours pass (the deadline moves into the past) and the deadline task arrives.
    admin.update(f"peerSessions/{sid}", {"feedbackDeadline": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)})
    _enqueue("sessionFeedbackDeadline", {"sessionId": sid}, f"test-deadline-{sid}-1")
    counted = stats_when(admin, b, lambda st: st["totalRatings"] == 1)
    assert counted["averageRating"] == 3.0 and session(admin, sid)["feedbackRevealed"] is True
    assert FirestoreClient.as_user(b).get(f"peerSessions/{sid}/feedback/{a.uid}")["overall"] == 3
    # Delivered again (the handler itself, run to its end here): recomputed, the same numbers, so nothing
    # is rewritten (the same updatedAt).
    from salamin import firebase, interview

    assert interview.on_feedback_deadline(firebase.db(), {"sessionId": sid}) == "revealed"
    assert admin.get(f"userStats/{b.uid}") == counted


def test_an_unreadable_or_foreign_feedback_document_is_skipped(session_pair: tuple[AuthUser, AuthUser, str],
                                                               admin: FirestoreClient) -> None:
    a, b, sid = session_pair
    run_to_feedback(a, b, sid)
    # What the rules refuse but an old rules version or a bug might let through (written with the Admin
    # SDK here): feedback from someone outside the session, and a feedback document that can't be read.
    admin.create(f"peerSessions/{sid}/feedback/intruder", {"from": "intruder", "to": b.uid, "overall": 5})
    admin.create(f"peerSessions/{sid}/feedback/{a.uid}", {"from": a.uid, "to": b.uid, "overall": "five",
                                                         "createdAt": "yesterday"})
    FirestoreClient.as_user(b).create(f"peerSessions/{sid}/feedback/{b.uid}", feedback(b, a, overall=4))
    wait_for(lambda: session(admin, sid).get("feedbackRevealed"))
    assert session(admin, sid)["feedbackSubmitted"] == sorted([a.uid, b.uid])  # the intruder is not counted
    assert stats_when(admin, a, lambda st: st["totalRatings"] == 1)["averageRating"] == 4.0
    assert stats_when(admin, b, lambda st: True)["totalRatings"] == 0  # the unreadable one is skipped


def test_a_broken_bank_entry_is_skipped_and_the_interview_still_starts(session_pair: tuple[AuthUser, AuthUser, str],
                                                                       admin: FirestoreClient) -> None:
    a, b, sid = session_pair
    admin.set("questionBank/broken", {"id": "broken", "title": 42})  # not a question the loader would write
    meta = admin.get("config/questionBank")
    admin.set("config/questionBank", {**meta, "version": f"{meta['version']}-{sid}"})  # no cached bank reused
    call("joinSession", {"sessionId": sid}, user=a)
    assert call("joinSession", {"sessionId": sid}, user=b)["status"] == "active"
    first = session(admin, sid)["questionSet"]["1"]
    assert first and first[0]["id"] != "broken"


def test_the_hard_stop_schedules_a_reveal_the_completing_call_never_scheduled(admin: FirestoreClient,
                                                                             bank: None) -> None:
    """A session completed (deadline set in that transaction) by a call that died before scheduling the
    reveal: the session's hard-stop timer, which comes anyway, schedules it."""
    import datetime as dt

    a, b = sign_up(), sign_up()
    sid = make_session(admin, a, b, status="completed")
    ended = dt.datetime.now(dt.UTC) - dt.timedelta(hours=49)
    admin.update(f"peerSessions/{sid}", {"startedAt": ended - dt.timedelta(hours=1), "endedAt": ended,
                                         "phaseIndex": 5, "joinedIds": [a.uid, b.uid],
                                         "feedbackDeadline": ended + dt.timedelta(hours=48)})
    admin.create(f"peerSessions/{sid}/feedback/{a.uid}", {**feedback(a, b, overall=2), "createdAt": ended})
    _enqueue("sessionHardStop", {"sessionId": sid}, f"test-hardstop-late-{sid}")
    wait_for(lambda: session(admin, sid).get("feedbackRevealed"))
    assert stats_when(admin, b, lambda st: st["totalRatings"] == 1)["averageRating"] == 2.0
