"""The pure parts of invitations and safety (issue 17): limits, expiry, suspension and request checks."""

from __future__ import annotations

import datetime as dt

import pytest

from salamin import invitations, safety
from salamin.errors import DomainError

NOW = 1_800_000_000_000
UID_A, UID_B = "a" * 28, "b" * 28


def test_the_daily_budget_counts_a_rolling_24_hours() -> None:
    stamps: list[int] = []
    for i in range(3):
        ok, stamps = safety.admit_daily(stamps, NOW + i, 3)
        assert ok
    ok, kept = safety.admit_daily(stamps, NOW + 10, 3)
    assert not ok and kept == stamps
    # A day after the first, one fits again; unreadable stored items are dropped, never counted.
    ok, kept = safety.admit_daily([*stamps, "x", True, None], NOW + safety.DAY_MS, 3)
    assert ok and kept == [NOW + 1, NOW + 2, NOW + safety.DAY_MS]
    assert safety.admit_daily("garbage", NOW, 1) == (True, [NOW])


def test_a_suspension_counts_only_while_it_lasts() -> None:
    until = dt.datetime.fromtimestamp((NOW + 60_000) / 1000, dt.UTC)
    user = {"suspension": {"reason": "Abuse.", "until": until}}
    assert safety.suspension_of(user, NOW) == {"reason": "Abuse.", "until": until}
    assert safety.suspension_of(user, NOW + 60_000) is None
    assert safety.suspension_of({"suspension": {"until": "tomorrow"}}, NOW) is None
    assert safety.suspension_of(None, NOW) is None
    assert "Abuse." in safety.suspended_message({"reason": "Abuse.", "until": until})


def test_a_block_either_way_counts_and_an_unreadable_list_fails_closed() -> None:
    assert safety.blocked_between({"blockedUserIds": [UID_B]}, UID_A, {}, UID_B)
    assert safety.blocked_between({}, UID_A, {"blockedUserIds": [UID_A, "bad/uid", 7]}, UID_B)
    assert not safety.blocked_between({"blockedUserIds": ["bad/uid", 7]}, UID_A, None, UID_B)
    assert safety.blocked_between({"blockedUserIds": "oops"}, UID_A, None, UID_B)


@pytest.mark.parametrize("data", [None, {}, {"subjectUid": UID_A, "reason": "spam"},
                                  {"subjectUid": UID_B, "reason": "bored"},
                                  {"subjectUid": UID_B, "reason": "spam", "details": "x" * 2001},
                                  {"subjectUid": UID_B, "reason": "spam", "sessionId": "../x"}])
def test_bad_reports_are_refused_in_words(data: object) -> None:
    with pytest.raises(DomainError) as err:
        safety.parse_report(data, UID_A)
    assert err.value.code == "invalid-argument" and err.value.message


def test_suspensions_need_a_reason_and_a_future_end_within_a_year() -> None:
    ok = safety.parse_suspend({"uid": UID_B, "reason": " Abuse ", "untilMs": NOW + 1}, NOW)
    assert ok.reason == "Abuse" and ok.until_ms == NOW + 1
    for bad in ({"uid": UID_B, "reason": "", "untilMs": NOW + 1}, {"uid": UID_B, "reason": "x", "untilMs": NOW},
                {"uid": UID_B, "reason": "x", "untilMs": NOW + 366 * safety.DAY_MS},
                {"uid": UID_B, "reason": "x", "untilMs": True}):
        with pytest.raises(DomainError):
            safety.parse_suspend(bad, NOW)
    assert safety.is_staff({"admin": True}) and not safety.is_staff({"admin": "true"}) and not safety.is_staff(None)


def test_invitations_check_the_time_and_expire_as_stated() -> None:
    now = invitations.parse_invite({"toUid": UID_B, "sessionType": "technical", "difficulty": "beginner"}, UID_A, NOW)
    assert now.proposed_ms is None
    assert invitations.expires_ms(NOW, None) == NOW + invitations.NOW_EXPIRY_MIN * 60_000
    later = NOW + 3600_000
    req = invitations.parse_invite({"toUid": UID_B, "sessionType": "mixed", "difficulty": "advanced",
                                    "proposedAtMs": later}, UID_A, NOW)
    assert invitations.expires_ms(NOW, req.proposed_ms) == later + invitations.SCHEDULED_GRACE_MIN * 60_000
    for bad in ({"toUid": UID_A, "sessionType": "technical", "difficulty": "beginner"},
                {"toUid": UID_B, "sessionType": "chess", "difficulty": "beginner"},
                {"toUid": UID_B, "sessionType": "technical", "difficulty": "beginner", "proposedAtMs": NOW + 1000},
                {"toUid": UID_B, "sessionType": "technical", "difficulty": "beginner", "proposedAtMs": "soon"}):
        with pytest.raises(DomainError):
            invitations.parse_invite(bad, UID_A, NOW)


def test_a_link_is_stored_under_its_hash_only() -> None:
    key = invitations.token_key("secret-token-123456")
    assert len(key) == 64 and "secret" not in key and key == invitations.token_key("secret-token-123456")
