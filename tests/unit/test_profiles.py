"""Profile defaults (pure): the default display name never shows the e-mail; who counts as a member."""

from __future__ import annotations

import pytest

from salamin import profiles


def test_default_display_name_is_a_friendly_name_not_the_email() -> None:
    uid = "x2Yh0Zq9"
    name = profiles.clean_display_name("   ", uid)
    assert name == profiles.friendly_name(uid) == profiles.clean_display_name(None, uid)  # same uid, same name
    adjective, animal, number = name.split(" ")
    assert adjective in profiles._ADJECTIVES and animal in profiles._ANIMALS and 10 <= int(number) <= 99
    assert len({profiles.friendly_name(f"user-{i}") for i in range(200)}) > 150  # not one name for everyone


def test_a_given_name_is_kept_and_cleaned() -> None:
    assert profiles.clean_display_name("  Ada   Lovelace ", "u1") == "Ada Lovelace"
    assert profiles.clean_display_name("x" * 80, "u1") == "x" * profiles.DISPLAY_NAME_MAX
    assert profiles.clean_display_name(42, "u1") == profiles.friendly_name("u1")


@pytest.mark.parametrize(("token", "member"), [
    ({"firebase": {"sign_in_provider": "password"}}, True),
    ({"firebase": {"sign_in_provider": "google.com"}}, True),
    ({"firebase": {"sign_in_provider": "anonymous"}}, False),
    ({"firebase": {}}, False),  # no provider: refused rather than guessed
    ({}, False),
    (None, False),
])
def test_only_non_anonymous_sign_ins_are_members(token: dict[str, object] | None, member: bool) -> None:
    assert profiles.is_member_token(token) is member
