"""Peer statistics computed in one place from sessions and feedback (pure)."""

from __future__ import annotations

import datetime as dt

from salamin import stats

U, P = "me", "partner"
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def session(sid: str, status: str = "completed", first_role: str = "interviewer", reached: int = 5,
            started: bool = True, **over: object) -> dict[str, object]:
    return {"id": sid, "status": status, "participantIds": [U, P], "joinedIds": [U, P] if started else [],
            "participants": [{"userId": U, "role": first_role},
                             {"userId": P, "role": "interviewee" if first_role == "interviewer" else "interviewer"}],
            "startedAt": T0 if started else None, "phaseIndex": reached if started else None,
            "sessionType": "technical", "createdAt": T0 + dt.timedelta(days=int(sid[1:])), **over}


def test_empty_history() -> None:
    s = stats.compute(U, [], {})
    assert s["totalSessions"] == 0 and s["averageRating"] == 0.0 and s["reputation"] == 0
    assert s["reliability"]["score"] == 1.0


def test_completed_sessions_ratings_roles_and_specialties() -> None:
    sessions = [session("s1"), session("s2", first_role="interviewee", sessionType="behavioral")]
    feedback = {"s1": {"overall": 4, "createdAt": T0}, "s2": {"overall": 2, "createdAt": T0}}
    s = stats.compute(U, sessions, feedback)
    assert s["totalSessions"] == 2 and s["completedSessions"] == 2
    assert s["totalRatings"] == 2 and s["averageRating"] == 3.0
    assert s["asInterviewer"]["sessionCount"] == 2 and s["asInterviewee"]["sessionCount"] == 2
    assert s["asInterviewer"]["totalDuration"] == 48
    assert s["specialtyBreakdown"]["behavioral"] == {"sessionCount": 1, "averageRating": 2.0, "totalDuration": 48}
    assert [h["overall"] for h in s["ratingHistory"]] == [4, 2]


def test_only_sessions_that_happened_count_and_no_shows_lower_reliability() -> None:
    sessions = [session("s1"), session("s2", status="cancelled", started=False, endReason="no_show"),
                session("s3", status="cancelled", started=False, endReason="no_show", joinedIds=[U])]
    s = stats.compute(U, sessions, {"s2": {"overall": 5}})
    assert s["totalSessions"] == 1 and s["totalRatings"] == 0  # no rating from a session that never ran
    assert s["reliability"]["noShows"] == 1  # s3: I came, so only s2 counts against me
    assert s["reliability"]["score"] < 1.0


def test_late_cancel_and_leaving_early() -> None:
    sessions = [session("s1", status="cancelled", started=False, endReason="called_off", leftEarly=U),
                session("s2", reached=1, leftEarly=U)]
    s = stats.compute(U, sessions, {})
    assert s["reliability"]["lateCancels"] == 1 and s["reliability"]["completed"] == 0
    assert s["asInterviewer"]["sessionCount"] == 1 and s["asInterviewee"]["sessionCount"] == 0


def test_compute_is_deterministic_and_reputation_grows_with_evidence() -> None:
    sessions = [session(f"s{i}") for i in range(1, 4)]
    fb = {f"s{i}": {"overall": 5} for i in range(1, 4)}
    assert stats.compute(U, sessions, fb) == stats.compute(U, list(reversed(sessions)), fb)
    assert stats.reputation(5.0, 1, 1.0) < stats.reputation(5.0, 5, 1.0) == 100
    assert stats.reputation(5.0, 5, 0.5) == 50
