"""The session state machine: every legal transition, and the illegal ones refused with a reason."""

from __future__ import annotations

import itertools

import pytest

from salamin import lifecycle as lc
from salamin.errors import DomainError

A, B, EVE = "alice", "bob", "eve"


def fresh() -> lc.State:
    return lc.State(participants=(A, B), status="matched", roles={A: "interviewer", B: "interviewee"})


def active() -> lc.State:
    return lc.join(lc.join(fresh(), A, 100.0), B, 110.0)


def test_status_graph_allows_exactly_the_lifecycle() -> None:
    legal = {("matched", "starting"), ("matched", "cancelled"), ("starting", "active"), ("starting", "cancelled"),
             ("active", "ending"), ("ending", "completed")}
    for a, b in itertools.product(lc.STATUSES, repeat=2):
        if (a, b) in legal:
            lc.check_transition(a, b)
        else:
            with pytest.raises(DomainError):
                lc.check_transition(a, b)


def test_first_join_starts_and_second_activates() -> None:
    s = lc.join(fresh(), A, 100.0)
    assert s.status == "starting" and s.phase_index is None
    s = lc.join(s, B, 130.0)
    assert s.status == "active" and s.phase_index == 0 and s.phase_started_at == 130.0 and s.started_at == 130.0
    assert "started" in s.events


def test_rejoin_is_idempotent_and_strangers_are_refused() -> None:
    s = lc.join(fresh(), A, 100.0)
    assert lc.join(s, A, 200.0) == s
    with pytest.raises(DomainError) as err:
        lc.join(s, EVE, 200.0)
    assert err.value.code == "permission-denied"


def test_joining_an_ended_session_is_refused() -> None:
    for status in ("completed", "cancelled"):
        with pytest.raises(DomainError):
            lc.join(lc.State((A, B), status, {A: "interviewer", B: "interviewee"}), A, 1.0)


def test_full_run_through_every_phase_by_agreement_and_interviewer() -> None:
    s = active()
    t = 200.0
    # introduction: both must agree
    s, r = lc.advance(s, A, 0, t)
    assert r == "proposed" and s.phase_index == 0
    s, r = lc.advance(s, B, 0, t)
    assert r == "advanced" and s.phase_index == 1 and s.phase_name() == "interview"
    # first interview: A interviews and may move on alone
    s, r = lc.advance(s, A, 1, t + 1)
    assert r == "advanced" and s.phase_index == 2 and s.roles == {A: "interviewee", B: "interviewer"}
    assert s.half == 2 and "roles_swapped" in s.events
    s, _ = lc.advance(s, A, 2, t + 2)
    s, r = lc.advance(s, B, 2, t + 2)
    assert r == "advanced" and s.phase_index == 3
    # second interview: now B is the interviewer
    s, r = lc.advance(s, B, 3, t + 3)
    assert r == "advanced" and s.phase_index == 4 and s.status == "ending"
    s, _ = lc.advance(s, A, 4, t + 4)
    s, _ = lc.advance(s, B, 4, t + 4)
    assert s.phase_index == 5 and s.phase_name() == "wrap_up"
    s, _ = lc.advance(s, B, 5, t + 5)
    s, r = lc.advance(s, A, 5, t + 5)
    assert r == "advanced" and s.status == "completed" and s.ended_at == t + 5 and s.end_reason == "finished"


def test_interviewee_cannot_skip_the_partners_half() -> None:
    s = active()
    s, _ = lc.advance(s, A, 0, 1)
    s, _ = lc.advance(s, B, 0, 1)  # interview, A interviews
    s, r = lc.advance(s, B, 1, 2)
    assert r == "proposed" and s.phase_index == 1  # B (interviewee) only proposes
    s, r = lc.advance(s, B, 1, 3)
    assert r == "proposed" and s.phase_index == 1  # asking twice changes nothing
    s, r = lc.advance(s, A, 1, 4)
    assert r == "advanced" and s.phase_index == 2  # the interviewer agrees


def test_repeated_or_late_advance_is_a_no_op() -> None:
    s = active()
    s, _ = lc.advance(s, A, 0, 1)
    s, _ = lc.advance(s, B, 0, 1)
    before = s
    s, r = lc.advance(s, B, 0, 2)  # a second click on the old phase
    assert r == "already" and s == before
    with pytest.raises(DomainError):
        lc.advance(s, A, 3, 2)  # a phase that hasn't started


def test_advance_before_start_and_by_strangers_is_refused() -> None:
    with pytest.raises(DomainError):
        lc.advance(lc.join(fresh(), A, 1), A, 0, 2)
    with pytest.raises(DomainError) as err:
        lc.advance(active(), EVE, 0, 2)
    assert err.value.code == "permission-denied"


def test_time_up_moves_on_once() -> None:
    s = active()
    s, r = lc.time_up(s, 0, 300)
    assert r == "advanced" and s.phase_index == 1
    s2, r = lc.time_up(s, 0, 301)  # the same timer delivered twice
    assert r == "already" and s2 == s
    for i in range(1, lc.LAST_INDEX):
        s, _ = lc.time_up(s, i, 400 + i)
    assert s.phase_index == lc.LAST_INDEX and s.status == "ending"
    s, _ = lc.time_up(s, lc.LAST_INDEX, 500)
    assert s.status == "completed"


def test_phase_deadlines_follow_the_plan() -> None:
    s = active()
    assert s.phase_ends_at() == 110.0 + lc.PHASE_MINUTES[0] * 60
    assert sum(lc.PHASE_MINUTES) == 60


def test_leaving_early_ends_the_interview_but_keeps_feedback() -> None:
    s = active()
    s, _ = lc.advance(s, A, 0, 1)
    s, _ = lc.advance(s, B, 0, 1)
    s = lc.leave_early(s, B, 50)
    assert s.status == "ending" and s.phase_name() == "feedback" and s.left_early == B
    assert lc.leave_early(s, A, 60) == s  # the other leaving too changes nothing


def test_played_halves_count_the_interview_halves_that_began() -> None:
    s = active()
    assert s.played_halves == 0 and lc.leave_early(s, A, 5).played_halves == 0
    s, _ = lc.advance(s, A, 0, 1)
    s, _ = lc.advance(s, B, 0, 1)
    assert s.played_halves == 1
    s, _ = lc.advance(s, A, 1, 2)  # the role switch: the second half has not begun
    assert s.played_halves == 1 and lc.leave_early(s, B, 3).played_halves == 1
    s, _ = lc.advance(s, A, 2, 4)
    s, _ = lc.advance(s, B, 2, 4)
    assert s.played_halves == 2 and lc.hard_stop(s, 5).played_halves == 2
    # Older sessions (no stored count): the interview phases their index passed.
    assert [lc.played_halves_of(i, None) for i in (None, 0, 1, 2, 3, 5)] == [0, 0, 1, 1, 2, 2]
    assert lc.played_halves_of(4, 1) == 1 and lc.played_halves_of(4, True) == 2 and lc.played_halves_of(4, 7) == 2


def test_calling_off_before_start_is_a_late_cancel() -> None:
    s = lc.leave_early(lc.join(fresh(), A, 1), A, 2)
    assert s.status == "cancelled" and f"late_cancel:{A}" in s.events


def test_no_show_cancels_and_names_who_was_absent() -> None:
    s = lc.no_show(lc.join(fresh(), A, 1), 400)
    assert s.status == "cancelled" and s.end_reason == "no_show"
    assert f"no_show:{B}" in s.events and f"no_show:{A}" not in s.events
    both_absent = lc.no_show(fresh(), 400)
    assert {e for e in both_absent.events if e.startswith("no_show")} == {f"no_show:{A}", f"no_show:{B}"}
    assert lc.no_show(active(), 400) == active()  # both came: nothing to do


def test_hard_stop_completes_whatever_the_phase() -> None:
    s = lc.hard_stop(active(), 4000)
    assert s.status == "completed" and s.end_reason == "time_limit"
    done = lc.hard_stop(s, 5000)
    assert done == s
    assert lc.hard_stop(lc.join(fresh(), A, 1), 4000).status == "cancelled"


def test_the_completing_write_carries_the_feedback_deadline() -> None:
    """Completion and its feedback deadline are one write (issue 11, #5): `interview._apply` commits
    `doc_from_state(after)` in the transaction that completes the session, so no later update can fail."""
    from salamin import interview

    running = lc.hard_stop(active(), 4000)  # completes from any phase
    assert running.status == "completed" and running.feedback_deadline() == 4000 + lc.FEEDBACK_WINDOW_S
    doc = interview.doc_from_state(running)
    assert doc["status"] == "completed"
    assert doc["feedbackDeadline"].timestamp() == 4000 + 48 * 3600
    for unfinished in (fresh(), active(), lc.leave_early(active(), A, 200), lc.no_show(fresh(), 400)):
        assert interview.doc_from_state(unfinished)["feedbackDeadline"] is None  # open until completion
