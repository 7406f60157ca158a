"""The directory's refresh budget (pure): how often a member's profile writes may rewrite their index.

A refresh rewrites a member's index documents (one per sort) and the rules cannot count profile writes, so
the budget is the only thing between a scripted burst of profile edits and thousands of writes a minute.
These tests drive `admit_refresh` like a trigger would: a refused refresh is deferred to the due time it names, and at
most one refresh runs per gap and per refilled token.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salamin import directory as d

GAP_MS = d.REFRESH_GAP_S * 1000
EVERY_MS = d.REFRESH_EVERY_S * 1000
T0 = 1_800_000_000_000


def simulate(edits_ms: list[int]) -> list[int]:
    """The times refreshes run for edits at these times: an edit refused now is run (forced) at the due time
    it was given, once per round, as the deferred task does. Returns the refresh times."""
    budget = d.FULL_BUDGET
    runs: list[int] = []
    pending: int | None = None  # the due time of this round's deferred task
    for t in sorted(edits_ms):
        if pending is not None and pending <= t:
            runs.append(pending)  # the task ran (forced, and it pays)
            budget = d.spend(budget, pending)
            pending = None
        if pending is not None:
            continue  # this round's task is enqueued already: it will read the latest profile
        due, budget = d.admit_refresh(budget, t)
        if due <= t:
            runs.append(t)
        else:
            pending = due
    if pending is not None:
        runs.append(pending)
    return runs


def test_a_burst_of_thirty_edits_in_seconds_is_two_refreshes() -> None:
    runs = simulate([T0 + i * 200 for i in range(30)])  # 30 saves in 6 s
    assert runs == [T0, T0 + GAP_MS]  # one at once, one with the latest profile when the gap has passed


def test_a_member_saving_now_and_then_is_refreshed_at_once_each_time() -> None:
    edits = [T0 + i * 60_000 for i in range(d.REFRESH_BURST)]  # a save a minute
    assert simulate(edits) == edits


@given(st.lists(st.integers(0, 3600_000), min_size=1, max_size=400))
def test_any_edit_pattern_stays_within_the_budget_and_ends_refreshed(offsets: list[int]) -> None:
    edits = [T0 + o for o in offsets]
    runs = simulate(edits)
    # Never closer than the gap; never more than the burst plus the refill over the span.
    assert all(b - a >= GAP_MS for a, b in itertools.pairwise(runs))
    span = runs[-1] - runs[0]
    assert len(runs) <= d.REFRESH_BURST + span // EVERY_MS + 1
    # The last edit is always followed (or met) by a refresh: the index ends with the latest profile.
    assert runs[-1] >= max(edits)


def test_a_scripted_hour_of_edits_is_bounded() -> None:
    runs = simulate([T0 + i * 1000 for i in range(3600)])  # one profile write a second for an hour
    assert len(runs) <= d.REFRESH_BURST + 3600 // d.REFRESH_EVERY_S + 1


def test_a_refused_refresh_spends_nothing_and_names_when() -> None:
    budget = d.Budget(0.5, T0, T0)
    due, after = d.admit_refresh(budget, T0 + 1000)
    assert after == budget and abs(due - (T0 + EVERY_MS // 2)) <= 2  # half a token left to refill
    assert d.admit_refresh(after, due)[0] == due  # allowed at the time it named


def test_an_unreadable_stored_budget_counts_as_full() -> None:
    for raw in (None, {}, {"budget": "x"}, {"budget": {"tokens": "5", "atMs": 1, "lastMs": 1}},
                {"budget": {"tokens": True, "atMs": 1, "lastMs": 1}}):
        assert d.budget_of(raw) == d.FULL_BUDGET
    assert d.budget_of({"budget": {"tokens": 99, "atMs": 5, "lastMs": 4}}) == d.Budget(d.REFRESH_BURST, 5, 4)


def test_the_end_of_a_long_suspension_is_reached_in_hops_under_thirty_days() -> None:
    day = 86_400_000
    assert d.relist_due(T0 + 3 * day, T0) == T0 + 3 * day + 1000
    for days in (30, 100, 366):
        due = d.relist_due(T0 + days * day, T0)
        assert T0 + day < due <= T0 + 29 * day and (T0 + days * day + 1000 - due) % d.TASK_HOP_MS == 0
        # a caller an hour later picks the same hop (same task id), the grid being anchored on the end
        assert d.relist_due(T0 + days * day, T0 + 3600_000) == due


def test_only_the_emulator_skips_a_task_it_would_drop_before_it_is_due(monkeypatch: pytest.MonkeyPatch) -> None:
    # The emulator retries an early task until max_retry_seconds, holding a queue slot, then drops it.
    window = d.tasks.DIRECTORY_RETRY.max_retry_seconds or 0
    monkeypatch.setattr(d.tasks, "EMULATED", True)
    assert d.tasks.emulator_can_hold(30, d.tasks.DIRECTORY_RETRY)
    assert not d.tasks.emulator_can_hold(window, d.tasks.DIRECTORY_RETRY)
    monkeypatch.setattr(d.tasks, "EMULATED", False)
    assert d.tasks.emulator_can_hold(28 * 86_400, d.tasks.DIRECTORY_RETRY)


def test_a_suspended_member_has_no_index_documents_while_it_lasts() -> None:
    now = int(dt.datetime(2026, 12, 2, tzinfo=dt.UTC).timestamp() * 1000)
    until = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)
    assert d._suspended_until({"suspension": {"until": until, "reason": "x"}}, now) == int(until.timestamp() * 1000)
    assert d._suspended_until({"suspension": {"until": until}}, int(until.timestamp() * 1000)) is None  # ended
    assert d._suspended_until({"suspension": "forever"}, now) is None and d._suspended_until(None, now) is None


def test_only_writes_the_card_or_tokens_show_need_a_refresh() -> None:
    base = {"listed": True, "displayName": "Ada", "languages": ["english"], "experienceLevel": "mid",
            "ratingBand": 0, "availableNow": False, "availableHours": [], "headline": "h", "bio": "b"}
    assert not d.needs_refresh("u", base, {**base, "bio": "other"})
    assert d.needs_refresh("u", base, {**base, "headline": "other"})  # on the card
    assert d.needs_refresh("u", base, None) and d.needs_refresh("u", None, base)
    unlisted = {**base, "listed": False}
    assert not d.needs_refresh("u", unlisted, {**unlisted, "headline": "other"})  # no index to change
