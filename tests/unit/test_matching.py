"""Unit tests of the pure matching logic (salamin.matching); no emulators needed."""

from __future__ import annotations

import copy
import itertools
import math
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from salamin import matching as m

# Mid-June 2024: New York UTC-4, Los Angeles UTC-7, London UTC+1, Kolkata UTC+5:30.
T0 = datetime(2024, 6, 10, 12, 0, tzinfo=UTC).timestamp()

BASE_DOC: dict[str, Any] = {
    "sessionTypes": ["technical", "behavioral"],
    "difficultyLevels": ["intermediate"],
    "rolePreference": "flexible",
    "languages": ["english", "tagalog"],
    "industries": ["tech"],
    "targetRoles": ["Backend Engineer"],
    "timeZone": "Asia/Manila",
    "experienceLevel": "mid",
    "maxWaitTime": 300,
}


def doc(**over: Any) -> dict[str, Any]:
    d = copy.deepcopy(BASE_DOC)
    d.update(over)
    return d


def prefs(**over: Any) -> m.Preferences:
    fields: dict[str, Any] = {
        "session_types": ("technical",),
        "difficulty_levels": ("intermediate",),
        "role_preference": "flexible",
        "languages": ("english",),
        "industries": ("tech",),
        "target_roles": (),
        "time_zone": "America/New_York",
        "experience_level": "mid",
        "max_wait_s": 600.0,
    }
    fields.update(over)
    return m.Preferences(**fields)


def cand(
    uid: str,
    *,
    joined_at: float = T0,
    reliability: float = 1.0,
    blocked: tuple[str, ...] = (),
    recent: tuple[str, ...] = (),
    priority: bool = False,
    rematch: frozenset[str] = frozenset(),
    since: float | None = None,
    **pref_over: Any,
) -> m.Candidate:
    return m.Candidate(
        uid=uid,
        prefs=prefs(**pref_over),
        joined_at=joined_at,
        reliability=reliability,
        blocked=frozenset(blocked),
        recent_partners=frozenset(recent),
        priority=priority,
        rematch=rematch,
        since=since,
    )


def problems_for(d: dict[str, Any]) -> list[str]:
    return m.validate_preferences(d)


# --- Constants ------------------------------------------------------------------------------------


def test_enums_match_the_product_vocabulary() -> None:
    assert m.SESSION_TYPES == ("behavioral", "technical", "case_study", "mixed")
    assert m.DIFFICULTIES == ("beginner", "intermediate", "advanced")
    assert m.ROLE_PREFERENCES == ("interviewer", "interviewee", "flexible")
    assert m.EXPERIENCE_LEVELS == ("entry", "mid", "senior")
    assert len(m.LANGUAGES) == 20 and "english" in m.LANGUAGES and "tagalog" in m.LANGUAGES
    assert len(m.INDUSTRIES) == 13 and m.INDUSTRIES[-1] == "other"
    for values in (m.SESSION_TYPES, m.DIFFICULTIES, m.ROLE_PREFERENCES, m.EXPERIENCE_LEVELS, m.LANGUAGES,
                   m.INDUSTRIES):
        assert len(set(values)) == len(values)
    assert (m.MIN_WAIT_S, m.MAX_WAIT_S) == (30, 900)


def test_score_weights_sum_to_one() -> None:
    total = m.W_DIFFICULTY + m.W_EXPERIENCE + m.W_ROLE + m.W_TIME_ZONE + m.W_RELIABILITY + m.W_INDUSTRY
    assert total == pytest.approx(1.0)


# --- validate_preferences and Preferences.from_doc ------------------------------------------------


def test_valid_document_has_no_problems() -> None:
    assert problems_for(doc()) == []


@pytest.mark.parametrize(
    "over",
    [
        {"industries": [], "targetRoles": []},
        {"timeZone": "UTC"},
        {"timeZone": "America/Argentina/Buenos_Aires"},
        {"timeZone": "Etc/GMT+5"},
        {"timeZone": "America/Port-au-Prince"},
        {"maxWaitTime": 30},
        {"maxWaitTime": 900},
        {"sessionTypes": list(m.SESSION_TYPES)},
        {"difficultyLevels": list(m.DIFFICULTIES)},
        {"languages": list(m.LANGUAGES[:5])},
        {"industries": list(m.INDUSTRIES[:10])},
        {"targetRoles": [f"role {i}" for i in range(10)]},
        {"targetRoles": ["x" * 40, "y"]},
        {"rolePreference": "interviewer", "experienceLevel": "senior"},
    ],
)
def test_valid_edge_cases(over: dict[str, Any]) -> None:
    assert problems_for(doc(**over)) == []


def test_not_a_map() -> None:
    assert problems_for(["technical"]) == ["preferences must be a map"]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("sessionTypes", "technical", "must be a list"),
        ("sessionTypes", ("technical",), "must be a list"),
        ("sessionTypes", [1], "must be strings"),
        ("difficultyLevels", None, "must be a list"),
        ("languages", {"english": True}, "must be a list"),
        ("industries", "tech", "must be a list"),
        ("targetRoles", "Backend Engineer", "must be a list"),
        ("targetRoles", [42], "must be strings"),
        ("rolePreference", 1, "must be a string"),
        ("rolePreference", ["flexible"], "must be a string"),
        ("experienceLevel", None, "must be a string"),
        ("timeZone", 8, "must be a string"),
        ("maxWaitTime", "300", "must be a number"),
        ("maxWaitTime", True, "must be a number"),
        ("maxWaitTime", None, "must be a number"),
        ("maxWaitTime", math.nan, "must be a number"),
        ("maxWaitTime", math.inf, "must be a number"),
        ("maxWaitTime", 120.5, "must be a number"),  # the rules want an int: 120.5 is refused in both
    ],
)
def test_wrong_type(field: str, value: Any, expected: str) -> None:
    problems = problems_for(doc(**{field: value}))
    assert any(field in p and expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sessionTypes", ["coding"]),
        ("sessionTypes", ["Technical"]),
        ("difficultyLevels", ["expert"]),
        ("rolePreference", "observer"),
        ("languages", ["klingon"]),
        ("languages", ["english", "English"]),
        ("industries", ["mining"]),
        ("experienceLevel", "principal"),
    ],
)
def test_unknown_enum_value(field: str, value: Any) -> None:
    problems = problems_for(doc(**{field: value}))
    assert any(field in p and "unknown value" in p for p in problems), problems


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sessionTypes", []),
        ("sessionTypes", [*m.SESSION_TYPES, "technical"]),
        ("difficultyLevels", []),
        ("difficultyLevels", [*m.DIFFICULTIES, "beginner"]),
        ("languages", []),
        ("languages", list(m.LANGUAGES[:6])),
        ("industries", list(m.INDUSTRIES[:11])),
        ("targetRoles", [f"role {i}" for i in range(11)]),
    ],
)
def test_wrong_number_of_items(field: str, value: list[str]) -> None:
    problems = problems_for(doc(**{field: value}))
    assert any(field in p and "must have" in p for p in problems), problems


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sessionTypes", ["technical", "technical"]),
        ("difficultyLevels", ["beginner", "beginner"]),
        ("languages", ["english", "spanish", "english"]),
        ("industries", ["tech", "tech"]),
        ("targetRoles", ["SRE", "SRE"]),
    ],
)
def test_duplicate_items(field: str, value: list[str]) -> None:
    problems = problems_for(doc(**{field: value}))
    assert any(field in p and "duplicate" in p for p in problems), problems


@pytest.mark.parametrize("value", [0, -1, 29, 901, 86_400])
def test_max_wait_out_of_bounds(value: float) -> None:
    problems = problems_for(doc(maxWaitTime=value))
    assert any("maxWaitTime" in p and "between" in p for p in problems), problems


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("targetRoles", ["x" * 41]),
        ("targetRoles", [""]),
        ("timeZone", ""),
        ("timeZone", "A" + "/b" * 32),
    ],
)
def test_oversize_or_empty_strings(field: str, value: Any) -> None:
    problems = problems_for(doc(**{field: value}))
    assert any(field in p and "characters" in p for p in problems), problems


@pytest.mark.parametrize(
    "value", ["not a zone", "../etc/passwd", "/UTC", "America/", "Asia//Manila", "Europe/Lon don"]
)
def test_time_zone_must_look_like_an_iana_name(value: str) -> None:
    problems = problems_for(doc(timeZone=value))
    assert any("timeZone" in p and "IANA" in p for p in problems), problems


@pytest.mark.parametrize("field", m.PREFERENCE_FIELDS)
def test_missing_field(field: str) -> None:
    d = doc()
    del d[field]
    assert problems_for(d) == [f"missing field {field}"]


@pytest.mark.parametrize("field", ["availableNow", "lastMatchedWith", "userId", "sessiontypes"])
def test_extra_field(field: str) -> None:
    problems = problems_for(doc(**{field: True}))
    assert problems == [f"unknown field {field!r}"]


def test_several_problems_are_all_reported() -> None:
    problems = problems_for(doc(sessionTypes=[], rolePreference="boss", maxWaitTime=5, extra=1))
    assert len(problems) == 4


def test_from_doc_maps_camel_case_fields() -> None:
    p = m.Preferences.from_doc(doc())
    assert p == m.Preferences(
        session_types=("technical", "behavioral"),
        difficulty_levels=("intermediate",),
        role_preference="flexible",
        languages=("english", "tagalog"),
        industries=("tech",),
        target_roles=("Backend Engineer",),
        time_zone="Asia/Manila",
        experience_level="mid",
        max_wait_s=300.0,
    )
    assert isinstance(p.max_wait_s, float)
    hash(p)  # frozen and made of tuples, so usable as a dict key


def test_from_doc_ignores_queue_bookkeeping_fields() -> None:
    stored = doc(uid="u1", joinedAt=T0, status="waiting")
    assert m.Preferences.from_doc(stored) == m.Preferences.from_doc(doc())


def test_from_doc_rejects_invalid_documents() -> None:
    with pytest.raises(ValueError, match="languages"):
        m.Preferences.from_doc(doc(languages=[]))
    d = doc()
    del d["timeZone"]
    with pytest.raises(ValueError, match="missing field timeZone"):
        m.Preferences.from_doc(d)


def test_dataclasses_are_frozen() -> None:
    c = cand("a")
    with pytest.raises(AttributeError):
        c.uid = "b"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        c.prefs.role_preference = "interviewer"  # type: ignore[misc]


# --- hard_fit -------------------------------------------------------------------------------------


def test_compatible_pair_fits() -> None:
    assert m.hard_fit(cand("a"), cand("b")) is None


def test_same_user_does_not_fit() -> None:
    assert m.hard_fit(cand("a"), cand("a", experience_level="senior")) == "same user"


def test_no_common_session_type() -> None:
    a = cand("a", session_types=("technical",))
    b = cand("b", session_types=("behavioral", "case_study"))
    assert m.hard_fit(a, b) == "no common session type"
    assert m.hard_fit(a, cand("c", session_types=("behavioral", "technical"))) is None


def test_language_mismatch_is_a_hard_no_even_for_an_otherwise_perfect_pair() -> None:
    a = cand("a", role_preference="interviewer", languages=("english",))
    b = cand("b", role_preference="interviewee", languages=("spanish",))
    assert m.score(a, b) == pytest.approx(1.0)
    assert m.hard_fit(a, b) == "no common language"


def test_a_shared_second_language_is_enough() -> None:
    a = cand("a", languages=("english", "hindi"))
    b = cand("b", languages=("hindi",))
    assert m.hard_fit(a, b) is None


@pytest.mark.parametrize("role", ["interviewer", "interviewee"])
def test_same_first_role_wishes_bend_only_after_the_threshold(role: str) -> None:
    a = cand("a", role_preference=role, joined_at=T0)
    b = cand("b", role_preference=role, joined_at=T0 + 20)
    assert m.hard_fit(a, b, T0 + m.BEND_AFTER_S - 0.5) == "roles do not fit"
    assert m.hard_fit(a, b, T0 + m.BEND_AFTER_S) is None
    assert m.hard_fit(a, b) == "roles do not fit"  # without an instant, wishes are strict
    # Bent pairs are acceptable only where nothing better waits: a fitting partner ranks above.
    fitting = cand("c", role_preference="flexible", joined_at=T0 + 20)
    ranked = m.ranked_partners(a, [b, fitting], T0 + m.BEND_AFTER_S)
    assert [c.uid for c, _ in ranked] == ["c", "b"]


def test_mutual_rematch_wish_bypasses_recent_partner_rule_but_not_a_block() -> None:
    a = cand("a", recent=("b",), rematch=frozenset({"b"}))
    b = cand("b", recent=("a",), rematch=frozenset({"a"}))
    assert m.hard_fit(a, b) is None
    one_sided = cand("b", recent=("a",))
    assert m.hard_fit(a, one_sided) == "recent partner"
    blocked = cand("b", rematch=frozenset({"a"}), blocked=("a",))
    assert m.hard_fit(a, blocked) == "blocked"
    # A mutual wish comes first even against a better-scoring stranger and a priority entry.
    stranger = cand("s", priority=True)
    poor_b = cand("b", rematch=frozenset({"a"}), difficulty_levels=("advanced",), experience_level="senior")
    me = cand("a", rematch=frozenset({"b"}), difficulty_levels=("beginner",), experience_level="entry")
    assert m.ranked_partners(me, [stranger, poor_b], T0)[0][0].uid == "b"


@pytest.mark.parametrize(("ra", "rb"), list(itertools.product(m.ROLE_PREFERENCES, repeat=2)))
def test_role_fit_for_every_combination(ra: str, rb: str) -> None:
    result = m.hard_fit(cand("a", role_preference=ra), cand("b", role_preference=rb))
    if ra == rb and ra != "flexible":
        assert result == "roles do not fit"
    else:
        assert result is None


@pytest.mark.parametrize("direction", ["a blocked b", "b blocked a"])
def test_blocked_in_either_direction(direction: str) -> None:
    a = cand("a", blocked=("b",) if direction == "a blocked b" else ())
    b = cand("b", blocked=("a",) if direction == "b blocked a" else ())
    assert m.hard_fit(a, b) == "blocked"
    assert m.hard_fit(b, a) == "blocked"


@pytest.mark.parametrize("direction", ["in a's recent sessions", "in b's recent sessions"])
def test_recent_partner_in_either_direction(direction: str) -> None:
    a = cand("a", recent=("b",) if direction == "in a's recent sessions" else ())
    b = cand("b", recent=("a",) if direction == "in b's recent sessions" else ())
    assert m.hard_fit(a, b) == "recent partner"
    assert m.hard_fit(b, a) == "recent partner"


def test_blocking_someone_else_does_not_matter() -> None:
    assert m.hard_fit(cand("a", blocked=("z",), recent=("y",)), cand("b")) is None


# --- score ----------------------------------------------------------------------------------------


def _random_candidate(rng: random.Random, i: int) -> m.Candidate:
    zones = ("UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Asia/Manila", "Pacific/Auckland",
             "Pacific/Honolulu", "Etc/GMT+11", "Mars/Olympus")
    return m.Candidate(
        uid=f"u{i}",
        prefs=m.Preferences(
            session_types=tuple(rng.sample(m.SESSION_TYPES, rng.randint(1, 4))),
            difficulty_levels=tuple(rng.sample(m.DIFFICULTIES, rng.randint(1, 3))),
            role_preference=rng.choice(m.ROLE_PREFERENCES),
            languages=tuple(rng.sample(m.LANGUAGES, rng.randint(1, 3))),
            industries=tuple(rng.sample(m.INDUSTRIES, rng.randint(0, 4))),
            target_roles=(),
            time_zone=rng.choice(zones),
            experience_level=rng.choice(m.EXPERIENCE_LEVELS),
            max_wait_s=rng.uniform(30, 900),
        ),
        joined_at=T0 + rng.uniform(0, 3600),
        reliability=rng.choice((0.0, 0.3, 0.8, 1.0, 1.7, -0.5)),
    )


def test_score_is_symmetric_and_within_unit_interval() -> None:
    rng = random.Random(7)
    people = [_random_candidate(rng, i) for i in range(60)]
    for a, b in itertools.combinations(people, 2):
        s = m.score(a, b)
        assert 0.0 <= s <= 1.0
        assert s == m.score(b, a)
        assert m.score(a, b, T0) == m.score(b, a, T0)


def test_perfect_pair_scores_one_and_worst_pair_scores_zero() -> None:
    best = m.score(cand("a", role_preference="interviewer"), cand("b", role_preference="interviewee"))
    assert best == pytest.approx(1.0)
    worst_a = cand("a", role_preference="interviewer", difficulty_levels=("beginner",),
                   experience_level="entry", industries=("tech",), time_zone="America/Los_Angeles",
                   reliability=0.0)
    worst_b = cand("b", role_preference="interviewer", difficulty_levels=("advanced",),
                   experience_level="senior", industries=("finance",), time_zone="Asia/Kolkata",
                   reliability=0.0)
    # Two wishes for the same first role only meet once bent, and a bent pair keeps a small role term.
    assert m.score(worst_a, worst_b) == pytest.approx(m.W_ROLE * m.BENT_ROLE_VALUE)


def test_session_type_and_language_are_not_in_the_score() -> None:
    a, b = cand("a"), cand("b")
    c = cand("c", session_types=("behavioral",), languages=("french",))
    assert m.score(a, b) == m.score(a, c)


def test_closer_experience_scores_higher() -> None:
    me = cand("me", experience_level="entry")
    same = m.score(me, cand("x", experience_level="entry"))
    one = m.score(me, cand("x", experience_level="mid"))
    two = m.score(me, cand("x", experience_level="senior"))
    assert same > one > two
    assert same - one == pytest.approx(m.W_EXPERIENCE * 0.5)
    assert one - two == pytest.approx(m.W_EXPERIENCE * 0.5)


def test_difficulty_overlap_is_jaccard() -> None:
    me = cand("me", difficulty_levels=("beginner", "intermediate"))
    full = m.score(me, cand("x", difficulty_levels=("intermediate", "beginner")))
    half = m.score(me, cand("x", difficulty_levels=("intermediate",)))
    third = m.score(me, cand("x", difficulty_levels=("intermediate", "advanced")))
    none = m.score(me, cand("x", difficulty_levels=("advanced",)))
    assert full - half == pytest.approx(m.W_DIFFICULTY * 0.5)
    assert full - third == pytest.approx(m.W_DIFFICULTY * (1 - 1 / 3))
    assert full - none == pytest.approx(m.W_DIFFICULTY)


def test_industry_overlap_is_jaccard_and_empty_is_neutral() -> None:
    me = cand("me", industries=("tech", "finance"))
    same = m.score(me, cand("x", industries=("finance", "tech")))
    half = m.score(me, cand("x", industries=("tech",)))
    none = m.score(me, cand("x", industries=("gaming",)))
    assert same - half == pytest.approx(m.W_INDUSTRY * 0.5)
    assert same - none == pytest.approx(m.W_INDUSTRY)
    both_empty = m.score(cand("a", industries=()), cand("b", industries=()))
    one_empty = m.score(cand("a", industries=()), cand("b", industries=("tech",)))
    assert both_empty == one_empty == pytest.approx(same - m.W_INDUSTRY * 0.5)


@pytest.mark.parametrize(
    ("ra", "rb", "value"),
    [
        ("interviewer", "interviewee", 1.0),
        ("interviewee", "interviewer", 1.0),
        ("interviewer", "flexible", 0.8),
        ("flexible", "interviewee", 0.8),
        ("flexible", "flexible", 0.7),
        ("interviewer", "interviewer", m.BENT_ROLE_VALUE),
        ("interviewee", "interviewee", m.BENT_ROLE_VALUE),
    ],
)
def test_role_complementarity(ra: str, rb: str, value: float) -> None:
    assert m.role_complementarity(ra, rb) == value
    strict = m.score(cand("a", role_preference="interviewer"), cand("b", role_preference="interviewee"))
    s = m.score(cand("a", role_preference=ra), cand("b", role_preference=rb))
    assert strict - s == pytest.approx(m.W_ROLE * (1.0 - value))


def test_time_zone_closeness_in_hours_of_utc_offset() -> None:
    assert m.time_zone_closeness("America/New_York", "America/New_York", T0) == 1.0
    assert m.time_zone_closeness("America/New_York", "America/Los_Angeles", T0) == pytest.approx(1 - 3 / 8)
    assert m.time_zone_closeness("America/New_York", "Europe/London", T0) == pytest.approx(1 - 5 / 8)
    assert m.time_zone_closeness("Etc/GMT-8", "Asia/Manila", T0) == 1.0  # different names, same clock
    assert m.time_zone_closeness("UTC", "Etc/GMT-8", T0) == 0.0
    assert m.time_zone_closeness("America/New_York", "Asia/Kolkata", T0) == 0.0


def test_time_zone_difference_is_measured_around_the_clock() -> None:
    # UTC+12 and UTC-11 are 23 hours apart on paper but one hour apart on the clock face.
    assert m.time_zone_closeness("Etc/GMT-12", "Etc/GMT+11", T0) == pytest.approx(1 - 1 / 8)


def test_unknown_time_zone_is_neutral() -> None:
    assert m.time_zone_closeness("Mars/Olympus", "UTC", T0) == 0.5
    assert m.time_zone_closeness("UTC", "not a zone", T0) == 0.5
    assert m.utc_offset_hours("Mars/Olympus", T0) is None


def test_time_zone_offsets_follow_daylight_saving_at_the_given_instant() -> None:
    winter = datetime(2024, 1, 15, 12, tzinfo=UTC).timestamp()
    march_gap = datetime(2024, 3, 20, 12, tzinfo=UTC).timestamp()  # US on DST, UK not yet
    assert m.utc_offset_hours("America/New_York", winter) == -5.0
    assert m.utc_offset_hours("America/New_York", T0) == -4.0
    assert m.utc_offset_hours("Asia/Kolkata", T0) == 5.5
    assert m.time_zone_closeness("America/New_York", "Europe/London", march_gap) == pytest.approx(1 - 4 / 8)
    a = cand("a", time_zone="America/New_York", joined_at=march_gap)
    b = cand("b", time_zone="Europe/London", joined_at=march_gap)
    assert m.score(a, b, march_gap) - m.score(a, b, T0) == pytest.approx(m.W_TIME_ZONE / 8)


def test_score_defaults_to_the_later_join_time() -> None:
    a = cand("a", time_zone="America/New_York", joined_at=datetime(2024, 3, 1, tzinfo=UTC).timestamp())
    b = cand("b", time_zone="Europe/London", joined_at=datetime(2024, 3, 20, tzinfo=UTC).timestamp())
    assert m.score(a, b) == m.score(a, b, b.joined_at)
    assert m.score(a, b) != m.score(a, b, a.joined_at)


def test_reliability_counts_as_the_mean_and_is_clamped() -> None:
    reliable = m.score(cand("a"), cand("b"))
    flaky = m.score(cand("a"), cand("b", reliability=0.5))
    assert reliable - flaky == pytest.approx(m.W_RELIABILITY * 0.25)
    assert m.score(cand("a", reliability=3.0), cand("b")) == reliable
    assert m.score(cand("a", reliability=-1.0), cand("b")) == m.score(cand("a", reliability=0.0), cand("b"))


# --- acceptable_score -----------------------------------------------------------------------------


def test_bar_relaxes_with_waiting() -> None:
    assert m.acceptable_score(0) == pytest.approx(m.BAR_START)
    assert m.acceptable_score(-10) == pytest.approx(m.BAR_START)
    half = m.BAR_RELAX_S / 2
    assert m.acceptable_score(half) == pytest.approx((m.BAR_START + m.BAR_FLOOR) / 2)
    assert m.acceptable_score(m.BAR_RELAX_S) == pytest.approx(m.BAR_FLOOR)
    assert m.acceptable_score(10_000) == pytest.approx(m.BAR_FLOOR)
    values = [m.acceptable_score(t) for t in range(0, 200)]
    assert all(x >= y for x, y in itertools.pairwise(values))
    assert m.BAR_START > m.BAR_FLOOR > 0


# --- pick_partner ---------------------------------------------------------------------------------


def _mediocre(uid: str, joined_at: float, priority: bool = False) -> m.Candidate:
    """Passes hard_fit with `cand('me')` but scores between the floor and the starting bar."""
    return cand(uid, joined_at=joined_at, priority=priority, difficulty_levels=("advanced",),
                experience_level="senior", industries=("finance",))


def test_no_candidates() -> None:
    assert m.pick_partner(cand("me"), [], T0) is None


def test_never_picks_self_or_a_pair_that_fails_hard_fit() -> None:
    me = cand("me", blocked=("blocked",))
    waiting = [
        me,
        cand("blocked"),
        cand("spanish", languages=("spanish",)),
        cand("behavioral", session_types=("behavioral",)),
        cand("recent", recent=("me",)),
    ]
    assert m.pick_partner(me, waiting, T0) is None
    ok = cand("ok", experience_level="senior")
    picked = m.pick_partner(me, [*waiting, ok], T0)
    assert picked is not None and picked[0] == ok


def test_returns_the_partner_and_its_score() -> None:
    me, other = cand("me"), cand("other", experience_level="entry")
    picked = m.pick_partner(me, [other], T0 + 5)
    assert picked == (other, m.score(me, other, T0 + 5))


def test_picks_the_highest_score_among_fresh_candidates() -> None:
    me = cand("me")
    best = cand("best")
    good = cand("good", experience_level="senior")
    ok = cand("ok", experience_level="senior", time_zone="Europe/London")
    picked = m.pick_partner(me, [ok, good, best], T0)
    assert picked is not None and picked[0] == best


def test_fresh_pair_below_the_starting_bar_waits_until_the_bar_relaxes() -> None:
    me = cand("me")
    other = _mediocre("other", T0)
    s = m.score(me, other)
    assert m.BAR_FLOOR <= s < m.BAR_START
    assert m.pick_partner(me, [other], T0) is None
    assert m.pick_partner(other, [me], T0) is None
    later = T0 + m.BAR_RELAX_S
    assert m.pick_partner(me, [other], later) == (other, m.score(me, other, later))


def test_the_longer_waiter_decides_so_a_newcomer_can_take_a_long_waiter() -> None:
    waiter = _mediocre("waiter", T0)
    newcomer = cand("newcomer", joined_at=T0 + m.BAR_RELAX_S)
    picked = m.pick_partner(newcomer, [waiter], newcomer.joined_at)
    assert picked is not None and picked[0] == waiter
    # ...and the same pair seen from the waiter's side gives the same answer.
    assert m.pick_partner(waiter, [newcomer], newcomer.joined_at) is not None


def test_a_pair_below_the_floor_is_never_acceptable() -> None:
    me = cand("me", difficulty_levels=("beginner",), experience_level="entry", reliability=0.0)
    poor = cand("poor", joined_at=T0 - 3600, difficulty_levels=("advanced",), experience_level="senior",
                time_zone="Asia/Kolkata", industries=("gaming",), reliability=0.0,
                max_wait_s=m.MAX_WAIT_S * 10)
    assert m.score(me, poor, T0) < m.BAR_FLOOR
    assert m.pick_partner(me, [poor], T0) is None


def test_equal_scores_go_to_the_longest_waiter() -> None:
    me = cand("me", joined_at=T0 + 100)
    waiters = [cand(f"w{i}", joined_at=T0 + t) for i, t in enumerate((90, 40, 70))]
    picked = m.pick_partner(me, waiters, T0 + 100)
    assert picked is not None and picked[0].uid == "w1"


def test_waiting_time_wins_close_calls() -> None:
    now = T0 + 120
    me = cand("me", joined_at=now)
    newer = cand("newer", joined_at=now - 5, industries=("tech",))
    older = cand("older", joined_at=now - 90, industries=("tech", "finance"))
    assert 0 < m.score(me, newer, now) - m.score(me, older, now) < m.WAIT_BONUS
    picked = m.pick_partner(me, [newer, older], now)
    assert picked is not None and picked[0] == older


def test_a_clearly_better_partner_beats_a_long_waiter() -> None:
    now = T0 + 600
    me = cand("me", joined_at=now)
    fresh = cand("fresh", joined_at=now)
    old = cand("old", joined_at=now - 300, experience_level="senior", time_zone="Europe/London")
    assert m.score(me, fresh, now) - m.score(me, old, now) > m.WAIT_BONUS
    picked = m.pick_partner(me, [old, fresh], now)
    assert picked is not None and picked[0] == fresh


def test_exact_ties_break_by_uid() -> None:
    me = cand("me")
    picked = m.pick_partner(me, [cand("zed"), cand("amy"), cand("kim")], T0)
    assert picked is not None and picked[0].uid == "amy"


def test_priority_comes_first_when_acceptable() -> None:
    now = T0 + 100
    me = cand("me", joined_at=now)
    better = cand("better", joined_at=now - 60)
    vip = cand("vip", joined_at=now - 1, priority=True, experience_level="senior")
    assert m.score(me, better, now) > m.score(me, vip, now) >= m.acceptable_score(60)
    picked = m.pick_partner(me, [better, vip], now)
    assert picked is not None and picked[0] == vip


def test_priority_does_not_bypass_the_bar_or_hard_fit() -> None:
    me = cand("me")
    below_bar = _mediocre("below", T0, priority=True)
    wrong_language = cand("lang", priority=True, languages=("german",))
    normal = cand("normal")
    picked = m.pick_partner(me, [below_bar, wrong_language, normal], T0)
    assert picked is not None and picked[0] == normal


def test_expired_entries_are_skipped() -> None:
    now = T0 + 1000
    me = cand("me", joined_at=now)
    gone = cand("gone", joined_at=now - 601, max_wait_s=600.0)
    still = cand("still", joined_at=now - 600, max_wait_s=600.0)
    assert m.pick_partner(me, [gone], now) is None
    assert m.pick_partner(me, [gone, still], now) == (still, m.score(me, still, now))


def test_choice_does_not_depend_on_queue_order() -> None:
    rng = random.Random(11)
    people = [_random_candidate(rng, i) for i in range(40)]
    now = max(p.joined_at for p in people)
    picks = 0
    for me in people[:10]:
        waiting = [p for p in people if p is not me]
        expected = m.pick_partner(me, waiting, now)
        picks += expected is not None
        for _ in range(5):
            rng.shuffle(waiting)
            assert m.pick_partner(me, iter(waiting), now) == expected
    assert picks > 0


# --- Session parameters ---------------------------------------------------------------------------


def test_common_session_type_follows_a_preference_order() -> None:
    a = cand("a", session_types=("mixed", "technical", "behavioral"))
    b = cand("b", session_types=("behavioral", "technical"))
    assert m.common_session_type(a, b) == "technical"
    assert m.common_session_type(b, a) == "behavioral"
    with pytest.raises(ValueError):
        m.common_session_type(a, cand("c", session_types=("case_study",)))


def test_common_language_follows_a_preference_order() -> None:
    a = cand("a", languages=("tagalog", "english"))
    b = cand("b", languages=("english", "tagalog"))
    assert m.common_language(a, b) == "tagalog"
    assert m.common_language(b, a) == "english"
    with pytest.raises(ValueError):
        m.common_language(a, cand("c", languages=("korean",)))


def test_common_difficulty_uses_the_overlap_when_there_is_one() -> None:
    a = cand("a", difficulty_levels=("advanced", "intermediate"))
    b = cand("b", difficulty_levels=("beginner", "intermediate", "advanced"))
    assert m.common_difficulty(a, b) == "advanced"
    assert m.common_difficulty(b, a) == "intermediate"


@pytest.mark.parametrize(
    ("da", "db", "expected"),
    [
        (("beginner",), ("advanced",), "intermediate"),  # meet in the middle
        (("beginner",), ("intermediate",), "beginner"),  # equally close: the easier one
        (("advanced",), ("beginner", "intermediate"), "intermediate"),
        (("beginner", "advanced"), ("intermediate",), "beginner"),
    ],
)
def test_common_difficulty_without_overlap_is_the_level_closest_to_both(
    da: tuple[str, ...], db: tuple[str, ...], expected: str
) -> None:
    a, b = cand("a", difficulty_levels=da), cand("b", difficulty_levels=db)
    assert m.common_difficulty(a, b) == expected
    assert m.common_difficulty(b, a) == expected


# --- assign_roles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ra", "rb", "expected"),
    [
        ("interviewer", "interviewee", ("interviewer", "interviewee")),
        ("interviewee", "interviewer", ("interviewee", "interviewer")),
        ("interviewer", "flexible", ("interviewer", "interviewee")),
        ("interviewee", "flexible", ("interviewee", "interviewer")),
        ("flexible", "interviewer", ("interviewee", "interviewer")),
        ("flexible", "interviewee", ("interviewer", "interviewee")),
    ],
)
def test_strict_preferences_are_honoured(ra: str, rb: str, expected: tuple[str, str]) -> None:
    # Experience and waiting time must not override a strict wish.
    a = cand("a", role_preference=ra, experience_level="entry", joined_at=T0)
    b = cand("b", role_preference=rb, experience_level="senior", joined_at=T0 + 50)
    assert m.assign_roles(a, b) == expected
    assert m.assign_roles(b, a) == expected[::-1]


@pytest.mark.parametrize("role", ["interviewer", "interviewee"])
def test_a_bent_pair_the_longer_waiter_keeps_the_wish(role: str) -> None:
    other = "interviewee" if role == "interviewer" else "interviewer"
    early = cand("zz", role_preference=role, joined_at=T0)
    late = cand("aa", role_preference=role, joined_at=T0 + 40)
    assert m.assign_roles(early, late) == (role, other)
    assert m.assign_roles(late, early) == (other, role)
    assert m.bent_party(early, late) == m.bent_party(late, early) == "aa"


def test_a_partner_put_back_keeps_their_first_wait() -> None:
    # Put back after a partner's "Not now": a fresh joinedAt, but they have waited since `since`.
    back = cand("back", role_preference="interviewee", joined_at=T0 + 100, since=T0)
    other = cand("other", role_preference="interviewee", joined_at=T0 + 50)
    assert m.bent_party(back, other) == "other"
    assert m.assign_roles(back, other) == ("interviewee", "interviewer")
    # Their first wait counts towards the bending threshold as well.
    assert m.hard_fit(back, other, T0 + 100) is None


def test_no_bent_party_when_both_wishes_come_true() -> None:
    assert m.bent_party(cand("a", role_preference="interviewer"), cand("b", role_preference="flexible")) is None


@pytest.mark.parametrize(("senior_waited_longer"), [True, False])
def test_both_flexible_the_more_experienced_interviews_first(senior_waited_longer: bool) -> None:
    senior = cand("s", experience_level="senior", joined_at=T0 if senior_waited_longer else T0 + 30)
    mid = cand("m", experience_level="mid", joined_at=T0 + 30 if senior_waited_longer else T0)
    assert m.assign_roles(senior, mid) == ("interviewer", "interviewee")
    assert m.assign_roles(mid, senior) == ("interviewee", "interviewer")


def test_both_flexible_same_level_the_longer_waiter_is_interviewed_first() -> None:
    early = cand("zz", joined_at=T0)
    late = cand("aa", joined_at=T0 + 5)
    assert m.assign_roles(early, late) == ("interviewee", "interviewer")
    assert m.assign_roles(late, early) == ("interviewer", "interviewee")


def test_both_flexible_full_tie_breaks_by_uid() -> None:
    a, b = cand("a"), cand("b")
    assert m.assign_roles(a, b) == ("interviewee", "interviewer")
    assert m.assign_roles(b, a) == ("interviewer", "interviewee")


@pytest.mark.parametrize(
    ("ra", "rb", "ea", "eb"),
    [
        (ra, rb, ea, eb)
        for ra, rb in itertools.product(m.ROLE_PREFERENCES, repeat=2)
        if m.roles_fit(ra, rb)
        for ea, eb in itertools.product(m.EXPERIENCE_LEVELS, repeat=2)
    ],
)
def test_roles_are_complementary_deterministic_and_order_independent(
    ra: str, rb: str, ea: str, eb: str
) -> None:
    a = cand("a", role_preference=ra, experience_level=ea, joined_at=T0 + 3)
    b = cand("b", role_preference=rb, experience_level=eb, joined_at=T0)
    roles = m.assign_roles(a, b)
    assert sorted(roles) == ["interviewee", "interviewer"]
    assert m.assign_roles(a, b) == roles
    assert m.assign_roles(b, a) == roles[::-1]


# --- retry_delay_s --------------------------------------------------------------------------------


def test_retry_often_while_the_bar_moves_then_rarely() -> None:
    assert m.retry_delay_s(0) == m.RETRY_FAST_S
    assert m.retry_delay_s(-3) == m.RETRY_FAST_S
    assert m.retry_delay_s(m.BAR_RELAX_S - 2) == pytest.approx(2.0)  # lands on the floor exactly
    assert m.retry_delay_s(m.BAR_RELAX_S - 0.1) == m.RETRY_MIN_S
    assert m.retry_delay_s(m.BAR_RELAX_S) == m.RETRY_SLOW_S
    assert m.retry_delay_s(m.MAX_WAIT_S) == m.RETRY_SLOW_S
    assert all(m.retry_delay_s(t / 10) > 0 for t in range(0, 10_000))


def test_retries_reach_the_floor_without_overshooting() -> None:
    waited = 0.0
    while m.acceptable_score(waited) > m.BAR_FLOOR:
        waited += m.retry_delay_s(waited)
    assert waited == pytest.approx(m.BAR_RELAX_S)


# --- Reading what members wrote: nothing they can store stops matching ----------------------------


@pytest.mark.parametrize("zone", ["UTC+05:30", "Mars/Olympus Mons", "Europe/London\n", "/x", "a//b", ""])
def test_zones_the_rules_refuse_are_refused_here_too(zone: str) -> None:
    assert any("timeZone" in p for p in problems_for(doc(timeZone=zone)))


def test_a_well_shaped_unknown_zone_only_scores_neutral() -> None:
    a = cand("a").prefs
    mars = m.Preferences.from_doc(doc(timeZone="Mars/Olympus_Mons"))
    assert mars.time_zone == "Mars/Olympus_Mons"
    assert m.time_zone_closeness(mars.time_zone, a.time_zone, T0) == m.NEUTRAL


@pytest.mark.parametrize("stored", [None, "x", 7, [], {"a": 1}])
def test_from_doc_refuses_anything_but_a_valid_map_with_value_error(stored: Any) -> None:
    with pytest.raises(ValueError):
        m.Preferences.from_doc(stored)


def test_parse_uid_list_keeps_only_uids() -> None:
    good, dropped = m.parse_uid_list(["abc", {"uid": "x"}, 7, None, "x" * 5000, "a,b", "abc", "Z_-9"])
    assert good == frozenset({"abc", "Z_-9"})
    assert dropped == 5
    assert m.parse_uid_list(None) == (frozenset(), 0)
    with pytest.raises(ValueError):
        m.parse_uid_list({"a": 1})


@pytest.mark.parametrize(("stored", "expected"), [(120, 120), (5, m.MIN_WAIT_S), (10_000, m.MAX_WAIT_S),
                                                  ("300", m.MIN_WAIT_S), (None, m.MIN_WAIT_S), (True, m.MIN_WAIT_S),
                                                  (60.5, m.MIN_WAIT_S)])
def test_safe_max_wait(stored: Any, expected: int) -> None:
    assert m.safe_max_wait_s({"maxWaitTime": stored}) == expected


HOUR_MS = 3_600_000


def test_join_budget_admits_up_to_the_budget_then_says_when() -> None:
    joins: list[int] = []
    t0 = 1_000_000_000
    for i in range(m.QUEUE_JOINS_PER_HOUR):
        d = m.admit_join(joins, t0 + i * 1000)
        assert d.allowed
        joins = list(d.joins)
    refused = m.admit_join(joins, t0 + 60_000)
    assert not refused.allowed and refused.retry_at_ms == t0 + HOUR_MS
    # An hour after the first join, one more fits.
    assert m.admit_join(joins, t0 + HOUR_MS).allowed


def test_join_budget_is_idempotent_and_drops_unreadable_items() -> None:
    d = m.admit_join([5, "x", None, True, {"a": 1}], 10)
    assert d.allowed and d.joins == (5, 10)
    again = m.admit_join(list(d.joins), 10)  # the trigger delivered twice
    assert again.allowed and again.joins == (5, 10)
    assert m.admit_join("garbage", 10).joins == (10,)
    full = list(range(m.QUEUE_JOINS_PER_HOUR))
    assert m.admit_join(full, 5).allowed  # a recorded join stays allowed even when the hour is full


def test_waiting_counts_count_only_real_possible_partners() -> None:
    me = cand("me", role_preference="interviewee", joined_at=T0)
    others = [
        cand("fits", role_preference="interviewer", joined_at=T0),
        cand("either", role_preference="flexible", joined_at=T0),
        cand("same-role", role_preference="interviewee", joined_at=T0),
        cand("no-language", role_preference="interviewer", languages=("japanese",), joined_at=T0),
        cand("other-type", role_preference="interviewer", session_types=("behavioral",), joined_at=T0),
        cand("blocked-me", role_preference="interviewer", blocked=("me",), joined_at=T0),
        cand("expired", role_preference="interviewer", joined_at=T0 - 10_000),
    ]
    counts = m.waiting_counts(me, others, T0 + 5)
    assert counts["count"] == 2  # fits and either
    assert counts["widen"]["eitherRole"] == 1  # same-role fits an "either" me
    assert counts["widen"]["allSessionTypes"] == 1  # other-type
    assert counts["widen"]["sameRoleAfterBend"] == 1 and counts["widen"]["bendInS"] == m.BEND_AFTER_S - 5
    assert "roleOffer" not in counts  # somebody fits now: nothing to offer


def test_waiting_counts_offer_the_scarce_role_when_nobody_fits() -> None:
    me = cand("me", role_preference="interviewee", joined_at=T0)
    others = [cand(f"ee{i}", role_preference="interviewee", joined_at=T0 + 1) for i in range(3)]
    counts = m.waiting_counts(me, others, T0 + 2)
    assert counts["count"] == 0
    assert counts["roleOffer"] == {"role": "interviewer", "partners": 3}
    # Past the threshold the wishes bend: they count now, and nothing more is offered.
    later = m.waiting_counts(me, others, T0 + m.BEND_AFTER_S)
    assert later["count"] == 3 and "roleOffer" not in later and "sameRoleAfterBend" not in later["widen"]


def test_waiting_counts_for_a_flexible_person_offer_no_role() -> None:
    counts = m.waiting_counts(cand("me"), [cand("x", languages=("japanese",))], T0)
    assert counts == {"count": 0, "widen": {"allSessionTypes": 0}}


def test_best_pairs_are_disjoint_acceptable_and_greedy_by_score() -> None:
    now = T0 + 1
    a = cand("a", role_preference="interviewer", experience_level="senior")
    b = cand("b", role_preference="interviewee", experience_level="senior")
    c = cand("c", role_preference="interviewee", experience_level="entry")
    d = cand("d", role_preference="interviewer", experience_level="entry")
    e = cand("e", role_preference="interviewer", languages=("japanese",))
    pairs = m.best_pairs([a, b, c, d, e], now)
    got = {frozenset((x.uid, y.uid)) for x, y, _ in pairs}
    # a-b and c-d (equal experience) beat a-c and b-d; e fits nobody.
    assert got == {frozenset("ab"), frozenset("cd")}
    for x, y, s in pairs:
        assert m.hard_fit(x, y, now) is None and s == m.score(x, y, now)
    assert m.best_pairs([a, e], now) == []
