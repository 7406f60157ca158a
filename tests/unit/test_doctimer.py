"""The shared documents' timer: its pure decisions (salamin.doctimer)."""

from __future__ import annotations

from salamin import budgets, doctimer


def test_the_next_tick_comes_sooner_while_updates_arrive() -> None:
    assert doctimer.next_delay(5, None, 0) == doctimer.TICK_BUSY_S  # the first tick of a chain
    assert doctimer.next_delay(7, 5, 0) == doctimer.TICK_BUSY_S  # two more arrived
    assert doctimer.next_delay(5, 5, 0) == doctimer.TICK_IDLE_S  # nothing new
    assert doctimer.next_delay(0, 0, 200) == doctimer.TICK_BUSY_S  # a fold happened
    assert doctimer.TICK_BUSY_S < doctimer.TICK_IDLE_S


def test_the_budget_minutes_checked_cover_everything_since_the_last_tick() -> None:
    w = budgets.WINDOW_S
    # Within one minute: that minute once.
    assert [budgets.minute_of(t) for t in doctimer.minutes_since(10 * w + 5, 10 * w + 20)] == [10]
    # Across a boundary: both minutes, oldest first, none skipped.
    assert [budgets.minute_of(t) for t in doctimer.minutes_since(10 * w + 55, 12 * w + 3)] == [10, 11, 12]
    # The first tick looks back one idle tick and a little more.
    first = doctimer.minutes_since(None, 10 * w + 2)
    assert [budgets.minute_of(t) for t in first] == [9, 10]
