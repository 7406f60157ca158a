"""The directory's pure parts: tokens, the index documents and their sort keys, availability, the
request's checks and the query plan.

The Firestore emulator does not enforce indexes, so `test_every_query_needs_no_composite_index` is what
stands between a new filter and a production query that fails with FAILED_PRECONDITION: every plan is
equality filters in document-id order, which production serves by merging single-field indexes.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salamin import directory as d
from salamin import vocabulary as vocab
from salamin.errors import DomainError

MEMBER = {"listed": True, "displayName": "José Álvarez", "specialties": ["System Design"], "industries": ["finance"],
          "targetRoles": [], "languages": ["english", "spanish"], "availability": "mon 09:00-12:00",
          "timeZone": "Europe/Berlin"}


def test_words_drop_accents_case_and_punctuation() -> None:
    assert d.words("José  O'Neil-Smith, C++ x") == ["jose", "neil", "smith"]
    assert d.slug(" System  Design! ") == d.slug("system-design") == "system-design"


def test_tokens_of_a_listed_member() -> None:
    member = {**MEMBER, "experienceLevel": "senior", "availableNow": True,
              "peerStats": {"averageRating": 4.2, "totalRatings": 3}}
    toks = d.tokens(member)
    for token in ("all", "w:jose", "w:alvarez", "w:finance", "w:design", "s:system-design", "l:spanish",
                  "l:english", "x:senior", "r:3", "r:4", "n:now"):
        assert token in toks
    assert "r:45" not in toks and "l:french" not in toks and len(toks) == len(set(toks))
    assert "n:now" not in d.tokens({**member, "availableNow": False})
    assert not any(t.startswith("r:") for t in d.tokens({**member, "peerStats": {"averageRating": 4.9}}))  # unrated
    assert d.tokens({**member, "listed": False}) == [] and d.index_docs("u1", {**member, "listed": False}) == {}


def test_index_documents_hold_the_public_card_and_the_tokens_only() -> None:
    member = {**MEMBER, "bio": "private-ish", "timeZone": "Europe/Berlin", "peerStats": {"averageRating": 4.0}}
    docs = d.index_docs("u1", member)
    assert sorted(p.rsplit("/", 1)[0] for p in docs) == sorted(d.index_collection(s) for s in d.SORTS)  # one per sort
    for path, doc in docs.items():
        assert set(doc) == {"card", "has"} and doc["card"] == d.row("u1", member)
        assert set(doc["has"]) == {d.has_key(t) for t in d.tokens(member)}
        assert path.split("/")[-1].endswith("_u1") and path.startswith(d.names.DIRECTORY_INDEX + "/")
    assert "private-ish" not in str(docs) and "Europe/Berlin" not in str(docs)


_values = st.fixed_dictionaries({"rating": st.floats(0, 5).map(lambda x: round(x, 2)),
                                 "sessions": st.integers(0, 10_000),
                                 "recent": st.integers(0, 4_000_000_000).map(
                                     lambda s: dt.datetime.fromtimestamp(s, dt.UTC))})


def _with(sort: str, value: object) -> dict[str, object]:
    if sort == "recent":
        return {"lastActiveAt": value}
    return {"peerStats": {"averageRating" if sort == "rating" else "completedSessions": value}}


@given(_values, _values)
def test_sort_keys_order_ids_as_the_sort_descending(a: dict[str, object], b: dict[str, object]) -> None:
    for sort in d.SORTS:
        ka, kb = d.sort_key(sort, _with(sort, a[sort])), d.sort_key(sort, _with(sort, b[sort]))
        assert len(ka) == len(kb) == d.SORT_KEY_WIDTH[sort] and ka.isdigit()
        assert (ka < kb) == (a[sort] > b[sort]) and (ka == kb) == (a[sort] == b[sort])  # type: ignore[operator]


def test_a_query_reads_the_sort_s_collection_with_one_filter_per_token() -> None:
    req = d.parse_request({"search": "alvarez", "specialty": "System design", "language": "spanish",
                           "experience": "mid", "minRating": 4.5, "availableNow": True, "sort": "sessions"})
    p = d.plan(req)
    assert p.collection == "directoryIndex/sessions/by-sessions"
    assert p.filters == ("has.w_alvarez", "has.s_system_design", "has.n_now", "has.r_45", "has.l_spanish",
                         "has.x_mid")  # the most selective first
    assert d.plan(d.parse_request({})) == d.Plan("directoryIndex/rating/by-rating", ())
    assert d.plan(d.parse_request({"language": "hindi", "experience": "senior"})).filters == ("has.l_hindi",
                                                                                              "has.x_senior")


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


def test_cursor_round_trip_and_refusals() -> None:
    doc_id = f"{d.sort_key('recent', {})}_u1"
    assert d.decode_cursor(d.encode_cursor("recent", doc_id), "recent") == doc_id
    for bad in (d.encode_cursor("rating", doc_id), d.encode_cursor("recent", "12_u1"), "!!", 5,
                d.encode_cursor("recent", doc_id.replace("_u1", "_u/1"))):
        with pytest.raises(DomainError):
            d.decode_cursor(bad, "recent")


def test_page_drops_hidden_members_and_cursors_from_the_last_read() -> None:
    req = d.Request(page_size=2)
    docs = [(f"{i:06d}_u{i}", {"card": {"uid": f"u{i}"}, "has": {"all": True}}) for i in range(3)]
    page = d.page_of(req, docs, hidden={"u1"})
    assert page["members"] == [{"uid": "u0"}] and page["docsRead"] == 3
    assert d.decode_cursor(page["nextCursor"], "rating") == "000001_u1"
    assert d.page_of(req, docs[:2], hidden=set())["nextCursor"] is None


_filters = st.fixed_dictionaries({}, optional={
    "search": st.sampled_from(["", "ada", "Ada Lovelace", "!!"]), "specialty": st.sampled_from(["", "Graphs"]),
    "language": st.sampled_from(list(vocab.LANGUAGES)), "experience": st.sampled_from(list(vocab.EXPERIENCE_LEVELS)),
    "minRating": st.sampled_from(list(d.MIN_RATINGS)), "availableNow": st.booleans(),
    "sort": st.sampled_from(list(d.SORTS)), "pageSize": st.integers(1, d.PAGE_SIZE_MAX)})


@given(_filters)
def test_every_query_needs_no_composite_index(data: dict[str, object]) -> None:
    p = d.plan(d.parse_request(data))
    # One collection (the sort's), only `has.<field> == true` filters, document-id order.
    assert p.collection in {d.index_collection(s) for s in d.SORTS}
    assert all(f.startswith("has.") and f.count(".") == 1 and f[4:].replace("_", "").isalnum() for f in p.filters)
    assert len(set(p.filters)) == len(p.filters)


class _NoDb:
    """Fails the test if the trigger touches Firestore."""

    def collection(self, name: str) -> None:
        raise AssertionError(f"the trigger touched {name}")


def test_the_trigger_does_nothing_when_no_input_changed() -> None:
    before = {**MEMBER, **d.derived(MEMBER, dt.datetime.now(dt.UTC)), "peerStats": {"averageRating": 3.0}}
    unseen = {**before, "bio": "A new bio", "maxSessionsPerDay": 3}  # nothing the card or the tokens show
    assert d.on_profile_written(_NoDb(), "u1", before, unseen) == "unchanged"  # type: ignore[arg-type]
    for moved in ({**before, "specialties": ["Graphs"]}, {**before, "peerStats": {"averageRating": 4.8}}, None):
        with pytest.raises(AssertionError, match="touched"):
            d.on_profile_written(_NoDb(), "u1", before, moved)  # type: ignore[arg-type]
