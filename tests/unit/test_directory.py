"""The directory's pure parts: facets, availability, the request's checks, and every query shape's index.

The Firestore emulator does not enforce indexes, so `test_every_query_shape_has_its_composite_index` is what
stands between a new filter and a production query that fails with FAILED_PRECONDITION.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salamin import directory as d
from salamin import vocabulary as vocab
from salamin.errors import DomainError

ROOT = Path(__file__).resolve().parents[2]
INDEXES = json.loads((ROOT / "firestore.indexes.json").read_text())["indexes"]

MEMBER = {"listed": True, "displayName": "José Álvarez", "specialties": ["System Design"], "industries": ["finance"],
          "targetRoles": [], "languages": ["english", "spanish"], "availability": "mon 09:00-12:00",
          "timeZone": "Europe/Berlin"}


def test_words_drop_accents_case_and_punctuation() -> None:
    assert d.words("José  O'Neil-Smith, C++ x") == ["jose", "neil", "smith"]
    assert d.slug(" System  Design! ") == d.slug("system-design") == "system-design"


def test_facets_answer_each_combination_of_word_specialty_language() -> None:
    facets = set(d.search_facets(MEMBER))
    for token in ("w:jose", "w:alvarez", "w:finance", "s:system-design", "l:spanish", "w:jose|s:system-design",
                  "w:design|l:english", "s:system-design|l:spanish", "w:alvarez|s:system-design|l:english"):
        assert token in facets
    assert "l:french" not in facets and "w:jose|l:french" not in facets
    assert d.search_facets({**MEMBER, "listed": False}) == []


def test_a_query_token_is_found_only_in_profiles_that_have_all_its_parts() -> None:
    req = d.parse_request({"search": "alvarez", "specialty": "System design", "language": "spanish"})
    token = next(v for f, _, v in d.plan(req).filters if f == "searchFacets")
    assert token in d.search_facets(MEMBER)
    assert token not in d.search_facets({**MEMBER, "languages": ["english"]})


def test_facets_stay_bounded_for_the_fullest_profile() -> None:
    full = {"listed": True, "displayName": " ".join(f"name{i}" for i in range(20)),
            "specialties": [f"topic {i} extra" for i in range(10)], "industries": list(vocab.INDUSTRIES[:10]),
            "targetRoles": [f"role {i}" for i in range(10)], "languages": list(vocab.LANGUAGES[:5])}
    facets = d.search_facets(full)
    assert len(facets) == (d.WORDS_MAX + 1) * 11 * 6 - 1  # Firestore allows 40,000 index entries per document


def test_rating_band() -> None:
    assert [d.rating_band(a, n) for a, n in ((4.9, 0), (2.5, 3), (3.0, 1), (4.2, 2), (4.5, 9))] == [0, 0, 3, 4, 5]
    assert d.rating_band("5", 3) == 0


def test_available_at_reads_ranges_in_the_member_s_zone() -> None:
    monday_0930_utc = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC)  # 10:30 in Berlin
    assert d.available_at("mon 09:00-12:00", "Europe/Berlin", monday_0930_utc)
    assert not d.available_at("mon 11:00-12:00", "Europe/Berlin", monday_0930_utc)
    assert not d.available_at("tue 09:00-12:00", "Europe/Berlin", monday_0930_utc)
    assert d.available_at("mon 10:30-10:31", "Europe/Berlin", monday_0930_utc)
    assert not d.available_at("mon 12:00-09:00", "Europe/Berlin", monday_0930_utc)  # ends before it starts
    assert not d.available_at("someday", "UTC", monday_0930_utc)
    assert d.available_at("mon 09:00-10:00", "Not/AZone", monday_0930_utc)  # unknown zone: read as UTC


@given(st.integers(0, 6), st.integers(0, 1439), st.integers(1, 120), st.sampled_from(
    ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Adelaide"]), st.integers(0, 10079))
def test_available_hours_cover_every_available_minute(day: int, start: int, length: int, zone: str,
                                                      minute_of_week: int) -> None:
    end = min(start + length, 1440)
    text = f"{vocab.WEEKDAYS[day]} {start // 60:02d}:{start % 60:02d}-" + (
        "24:00" if end == 1440 else f"{end // 60:02d}:{end % 60:02d}")
    base = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)  # a Monday, no DST change that week in these zones
    when = base + dt.timedelta(minutes=minute_of_week)
    if d.available_at(text, zone, when):
        assert d.hour_of_week(when) in d.available_hours(text, zone, base)


@pytest.mark.parametrize("bad", [
    "nope", {"search": 7}, {"search": "x" * 81}, {"language": "klingon"}, {"experience": "wizard"},
    {"minRating": 2}, {"minRating": True}, {"availableNow": "yes"}, {"sort": "name"}, {"pageSize": 0},
    {"pageSize": 25}, {"pageSize": 2.5}, {"cursor": "%%%"}, {"color": "red"},
    {"sort": "recent", "cursor": d.encode_cursor(4.5, "u1")},
    {"sort": "rating", "cursor": d.encode_cursor(4.5, "bad uid!")},
])
def test_bad_requests_are_refused_in_a_sentence(bad: object) -> None:
    with pytest.raises(DomainError) as err:
        d.parse_request(bad)
    assert err.value.code == "invalid-argument" and err.value.message.endswith(".")


def test_cursor_round_trip() -> None:
    when = dt.datetime(2026, 12, 7, 9, 30, 1, 123456, tzinfo=dt.UTC)
    assert d.decode_cursor(d.encode_cursor(when, "u1"), "recent") == (when, "u1")
    assert d.decode_cursor(d.encode_cursor(4.5, "u1"), "rating") == (4.5, "u1")


def test_page_drops_hidden_members_and_cursors_from_the_last_read() -> None:
    req = d.Request(page_size=2)
    docs = [(f"u{i}", {"peerStats": {"averageRating": 5 - i}}) for i in range(3)]
    page = d.page_of(req, docs, hidden={"u1"})
    assert [m["uid"] for m in page["members"]] == ["u0"]
    assert d.decode_cursor(page["nextCursor"], "rating") == (4, "u1")
    assert d.page_of(req, docs[:2], hidden=set())["nextCursor"] is None


_filters = st.fixed_dictionaries({}, optional={
    "search": st.sampled_from(["", "ada", "Ada Lovelace", "!!"]), "specialty": st.sampled_from(["", "Graphs"]),
    "language": st.sampled_from(list(vocab.LANGUAGES)), "experience": st.sampled_from(list(vocab.EXPERIENCE_LEVELS)),
    "minRating": st.sampled_from(list(d.MIN_RATINGS)), "availableNow": st.booleans(),
    "sort": st.sampled_from(list(d.SORTS)), "pageSize": st.integers(1, d.PAGE_SIZE_MAX)})


@given(_filters)
def test_every_request_plans_one_of_the_known_shapes(data: dict[str, object]) -> None:
    shape = d.plan(d.parse_request(data)).shape()
    assert shape in d.all_shapes()
    assert sum(mode == "CONTAINS" for _, mode in shape) <= 1  # Firestore allows one array-contains


@pytest.mark.parametrize("shape", d.all_shapes(), ids=str)
def test_every_query_shape_has_its_composite_index(shape: tuple[tuple[str, str], ...]) -> None:
    assert any(d.index_serves(index, shape) for index in INDEXES), d.index_definition(shape)


def test_index_matching_is_strict() -> None:
    shape = d.all_shapes()[-1]
    good = d.index_definition(shape)
    assert d.index_serves(good, shape)
    wrong_order = {**good, "fields": [*good["fields"][:-1], {**good["fields"][-1], "order": "ASCENDING"}]}
    missing = {**good, "fields": good["fields"][1:]}
    assert not d.index_serves(wrong_order, shape) and not d.index_serves(missing, shape)


class _NoDb:
    """Fails the test if the trigger touches Firestore."""

    def collection(self, name: str) -> None:
        raise AssertionError(f"the trigger touched {name}")


def test_the_trigger_does_nothing_when_no_input_changed() -> None:
    before = {**MEMBER, **d.derived(MEMBER, dt.datetime.now(dt.UTC)), "peerStats": {"averageRating": 3.0}}
    stats_write = {**before, "peerStats": {"averageRating": 4.8}, "reputation": 90}
    assert d.on_profile_written(_NoDb(), "u1", before, stats_write) is False  # type: ignore[arg-type]
    assert d.on_profile_written(_NoDb(), "u1", before, None) is False  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="touched"):
        d.on_profile_written(_NoDb(), "u1", before, {**before, "specialties": ["Graphs"]})  # type: ignore[arg-type]
