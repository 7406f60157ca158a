"""The write budgets' pure decisions (salamin.budgets) and presence mirroring's (salamin.sessions.mirrored)."""

from __future__ import annotations

import datetime as dt

from salamin import budgets, sessions


def test_each_budget_is_exceeded_only_past_its_number() -> None:
    for name, limit in budgets.BUDGETS.items():
        assert budgets.over_budget({name: limit}) is None
        assert budgets.over_budget({name: limit + 1}) == name
    assert budgets.over_budget({}) is None
    assert budgets.over_budget({"codeUpdates": 1, "codeBytes": budgets.BUDGETS["codeBytes"] + 1}) == "codeBytes"


def test_minutes_are_calendar_minutes() -> None:
    assert budgets.minute_of(120.0) == budgets.minute_of(179.9) == 2
    assert budgets.minute_of(180.0) == 3


def test_a_hold_lasts_its_freeze_and_is_seen_only_for_its_person() -> None:
    now = 1_800_000_000.0
    hold = budgets.hold_for("signaling", now)
    assert hold["budget"] == "signaling"
    assert hold["until"] - hold["at"] == dt.timedelta(seconds=budgets.FREEZE_S)
    session = {"budgetHolds": {"a": hold}}
    assert budgets.held(session, "a", now + budgets.FREEZE_S - 1)
    assert not budgets.held(session, "a", now + budgets.FREEZE_S + 1)
    assert not budgets.held(session, "b", now)
    # Whatever shape a session has, no hold is read into it.
    for odd in (None, {}, {"budgetHolds": "x"}, {"budgetHolds": {"a": 5}}, {"budgetHolds": {"a": {"until": 5}}}):
        assert not budgets.held(odd, "a", now)


def test_counters_read_back_whatever_shape_they_have() -> None:
    doc = {"signaling": {"a": {"7": 3}}, "presence": {"a": "x"}}
    assert budgets.counted(doc, "signaling", "a", 7) == 3
    assert budgets.counted(doc, "signaling", "a", 8) == 0
    assert budgets.counted(None, "signaling", "a", 7) == 0


def participants() -> list[dict]:
    return [{"userId": "a", "connectionStatus": "pending", "joinedAt": None, "leftAt": None},
            {"userId": "b", "connectionStatus": "pending", "joinedAt": None, "leftAt": None}]


def test_presence_is_copied_into_its_participant_only() -> None:
    t = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    now = t + dt.timedelta(seconds=5)
    out = sessions.mirrored(participants(), "a", {"state": "connected", "audioEnabled": True, "updatedAt": t}, now)
    assert out is not None
    assert out[0]["connectionStatus"] == "connected" and out[0]["joinedAt"] == t and out[0]["audioEnabled"] is True
    assert out[1] == participants()[1]
    left = sessions.mirrored(out, "a", {"state": "left", "updatedAt": t + dt.timedelta(seconds=1)}, now)
    assert left is not None and left[0]["connectionStatus"] == "disconnected" and left[0]["leftAt"] is not None


def test_an_older_or_foreign_presence_changes_nothing() -> None:
    t = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    now = t
    out = sessions.mirrored(participants(), "a", {"state": "connected", "updatedAt": t}, now)
    assert out is not None
    assert sessions.mirrored(out, "a", {"state": "left", "updatedAt": t - dt.timedelta(seconds=1)}, now) is None
    assert sessions.mirrored(out, "a", {"state": "left", "updatedAt": t}, now) is None  # a repeat delivery
    assert sessions.mirrored(out, "stranger", {"state": "left", "updatedAt": t}, now) is None


def test_the_web_app_quotes_the_servers_numbers() -> None:
    """The sentence a held person reads names the budget's number: web/src/types/models.ts WRITE_BUDGETS
    must say what budgets.BUDGETS enforces."""
    import re
    from pathlib import Path

    models = (Path(__file__).resolve().parents[2] / "web/src/types/models.ts").read_text()
    block = models[models.index("export const WRITE_BUDGETS"):]
    block = block[:block.index("};")]
    quoted = {name: int(n.replace("_", "")) for name, n in re.findall(r"(\w+): \{ limit: ([\d_]+)", block)}
    assert quoted == budgets.BUDGETS
