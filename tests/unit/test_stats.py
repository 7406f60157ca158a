"""Peer statistics computed in one place from sessions and feedback (pure)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salamin import stats

U, P = "me", "partner"
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def session(sid: str, status: str = "completed", first_role: str = "interviewer", reached: int = 5,
            started: bool = True, **over: object) -> dict[str, object]:
    return {"id": sid, "status": status, "participantIds": [U, P], "joinedIds": [U, P] if started else [],
            "participants": [{"userId": U, "role": first_role},
                             {"userId": P, "role": "interviewee" if first_role == "interviewer" else "interviewer"}],
            "startedAt": T0 if started else None, "phaseIndex": reached if started else None,
            "sessionType": "technical", "createdAt": T0 + dt.timedelta(days=int(sid[1:])),
            "feedbackRevealed": started, **over}


NOW = (T0 + dt.timedelta(days=400)).timestamp()


def test_empty_history() -> None:
    s = stats.compute(U, [], {}, NOW)
    assert s["totalSessions"] == 0 and s["averageRating"] == 0.0 and s["reputation"] == 0
    assert s["reliability"]["score"] == 1.0


def test_completed_sessions_ratings_roles_and_specialties() -> None:
    sessions = [session("s1"), session("s2", first_role="interviewee", sessionType="behavioral")]
    feedback = {"s1": {"overall": 4, "createdAt": T0}, "s2": {"overall": 2, "createdAt": T0}}
    s = stats.compute(U, sessions, feedback, NOW)
    assert s["totalSessions"] == 2 and s["completedSessions"] == 2
    assert s["totalRatings"] == 2 and s["averageRating"] == 3.0
    assert s["asInterviewer"]["sessionCount"] == 2 and s["asInterviewee"]["sessionCount"] == 2
    assert s["asInterviewer"]["totalDuration"] == 48
    assert s["specialtyBreakdown"]["behavioral"] == {"sessionCount": 1, "averageRating": 2.0, "totalDuration": 48}
    assert [h["overall"] for h in s["ratingHistory"]] == [4, 2]


def test_only_sessions_that_happened_count_and_no_shows_lower_reliability() -> None:
    sessions = [session("s1"), session("s2", status="cancelled", started=False, endReason="no_show"),
                session("s3", status="cancelled", started=False, endReason="no_show", joinedIds=[U])]
    s = stats.compute(U, sessions, {"s2": {"overall": 5}}, NOW)
    assert s["totalSessions"] == 1 and s["totalRatings"] == 0  # no rating from a session that never ran
    assert s["reliability"]["noShows"] == 1  # s3: I came, so only s2 counts against me
    assert s["reliability"]["score"] < 1.0


def test_late_cancel_and_leaving_early() -> None:
    sessions = [session("s1", status="cancelled", started=False, endReason="called_off", leftEarly=U),
                session("s2", reached=1, leftEarly=U)]
    s = stats.compute(U, sessions, {}, NOW)
    assert s["reliability"]["lateCancels"] == 1 and s["reliability"]["completed"] == 0
    assert s["asInterviewer"]["sessionCount"] == 1 and s["asInterviewee"]["sessionCount"] == 0


def test_an_early_end_counts_and_rates_only_the_role_played() -> None:
    # Left in the first half: the phase index jumps to feedback (4), but only one half was played.
    sessions = [session("s1", reached=4, playedHalves=1, leftEarly=P, first_role="interviewee")]
    s = stats.compute(U, sessions, {"s1": {"overall": 2, "rubric": {}}}, NOW)
    assert s["asInterviewee"] == {"sessionCount": 1, "averageRating": 2.0, "totalDuration": 24}
    assert s["asInterviewer"] == {"sessionCount": 0, "averageRating": 0.0, "totalDuration": 0}
    assert s["totalRatings"] == 1 and s["practiceMinutes"] == 24


def test_compute_is_deterministic_and_reputation_grows_with_evidence() -> None:
    sessions = [session(f"s{i}") for i in range(1, 4)]
    fb = {f"s{i}": {"overall": 5} for i in range(1, 4)}
    assert stats.compute(U, sessions, fb, NOW) == stats.compute(U, list(reversed(sessions)), fb, NOW)
    assert stats.reputation(5.0, 1, 1.0) < stats.reputation(5.0, 5, 1.0) == 100
    assert stats.reputation(5.0, 5, 0.5) == 50


def test_feedback_counts_only_once_revealed() -> None:
    """A rating folded in before the reveal would show the subject their partner's score (issue 11, #3)."""
    deadline = T0 + dt.timedelta(days=3)
    hidden = session("s1", feedbackRevealed=False, feedbackDeadline=deadline)
    fb = {"s1": {"overall": 2, "createdAt": T0}}
    before = stats.compute(U, [hidden], fb, (deadline - dt.timedelta(seconds=1)).timestamp())
    assert before["totalRatings"] == 0 and before["ratingHistory"] == [] and before["reputation"] == 0
    assert before["asInterviewer"]["averageRating"] == 0.0
    assert before["specialtyBreakdown"]["technical"]["averageRating"] == 0.0
    assert before["completedSessions"] == 1  # the session itself counts at once: nothing secret in it
    after = stats.compute(U, [hidden], fb, (deadline + dt.timedelta(seconds=1)).timestamp())
    assert after["totalRatings"] == 1 and after["averageRating"] == 2.0  # the deadline passed
    both = stats.compute(U, [session("s1", feedbackRevealed=True, feedbackDeadline=None)], fb, T0.timestamp())
    assert both["totalRatings"] == 1  # both wrote theirs: revealed before any deadline
    no_deadline = stats.compute(U, [session("s1", feedbackRevealed=False)], fb, NOW)
    assert no_deadline["totalRatings"] == 0  # still ending: no deadline yet, nothing revealed


@pytest.mark.parametrize("bad", [None, "5", {"overall": "5"}, {"overall": True}, {"overall": 9}, {"overall": 0},
                                 {"overall": 4.0}, {}, {"overall": [5]}, ["overall", 5]])
def test_an_unreadable_feedback_document_is_skipped_not_fatal(bad: object) -> None:
    sessions = [session("s1"), session("s2")]
    s = stats.compute(U, sessions, {"s1": bad, "s2": {"overall": 4, "createdAt": "yesterday"}}, NOW)  # type: ignore[dict-item]
    assert s["totalRatings"] == 1 and s["averageRating"] == 4.0
    assert s["ratingHistory"][0]["at"] is None  # an unreadable createdAt is dropped, the rating kept


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                       lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids, max_size=3),
                       max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(docs=st.lists(st.one_of(JSONISH, st.dictionaries(st.sampled_from(["overall", "createdAt", "to"]), JSONISH)),
                     min_size=1, max_size=6))
def test_no_feedback_document_makes_compute_raise(docs: list[object]) -> None:
    sessions = [session(f"s{i + 1}") for i in range(len(docs))]
    fb = {f"s{i + 1}": d for i, d in enumerate(docs)}
    s = stats.compute(U, sessions, fb, NOW)  # type: ignore[arg-type]
    good = [d for d in docs if isinstance(d, dict) and type(d.get("overall")) is int and 1 <= d["overall"] <= 5]
    assert s["totalRatings"] == len(good)


def test_badges_follow_their_stated_rules() -> None:
    ten = [session(f"s{i}") for i in range(1, 11)]
    helpful = {f"s{i}": {"overall": 5, "createdAt": T0, "tags": ["helpful", "kind", "bogus"]} for i in range(1, 6)}
    s = stats.compute(U, ten, helpful, NOW)
    assert s["badges"] == ["first_session", "ten_sessions", "ten_in_a_row", "highly_rated_interviewer",
                           "helpful_partner"]
    assert s["topTags"] == [{"tag": "helpful", "count": 5}, {"tag": "kind", "count": 5}]  # "bogus" skipped
    assert s["practiceMinutes"] == 10 * 48
    # A no-show of mine in the middle breaks the streak; 4 revealed ratings are too few to be "highly rated".
    broken = [*ten[:5], session("s20", status="cancelled", endReason="no_show", started=False), *
              [session(f"s{i}") for i in range(30, 35)]]
    few = {f"s{i}": {"overall": 5, "createdAt": T0, "tags": ["helpful"]} for i in range(1, 5)}
    s = stats.compute(U, broken, few, NOW)
    assert s["badges"] == ["first_session", "ten_sessions"]


def test_badges_count_only_revealed_feedback() -> None:
    hidden = [session(f"s{i}", feedbackRevealed=False, feedbackDeadline=None) for i in range(1, 6)]
    feedback = {f"s{i}": {"overall": 5, "createdAt": T0, "tags": ["helpful"]} for i in range(1, 6)}
    s = stats.compute(U, hidden, feedback, NOW)
    assert s["badges"] == ["first_session"] and s["topTags"] == []
