"""Property tests of the matcher's reading of member-written documents (no emulators; the emulator twin in
tests/emulator/test_matching_robustness.py writes the same kind of documents through the real rules)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from salamin import matching, matchmaking
from tests.support import strategies

NOW = datetime(2024, 6, 10, 12, 0, tzinfo=UTC)
CTX = matchmaking._Context(frozenset(), frozenset(), 1.0, "Probe")
PROBE_DOC: dict[str, Any] = {
    "sessionTypes": list(matching.SESSION_TYPES), "difficultyLevels": ["intermediate"], "rolePreference": "flexible",
    "languages": list(matching.LANGUAGES[:5]), "industries": [], "targetRoles": [], "timeZone": "UTC",
    "experienceLevel": "mid", "maxWaitTime": 900, "joinedAt": NOW,
}

# Anything Firestore can store, nested: what a document written before today's rules (or by a bug) may hold.
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=80), st.binary(max_size=8),
                     st.just(NOW))
junk = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                    max_leaves=12)


def _exercise(uid: str, entry: dict[str, Any], user: dict[str, Any]) -> None:
    """Everything matching does with one person's documents, against a probe who fits almost anyone."""
    probe = matchmaking._candidate("probe", PROBE_DOC, CTX)
    assert probe is not None
    try:
        ctx = matchmaking._context(user, {}, {})
    except ValueError:
        return  # an unreadable block list: the person is skipped, which is the documented outcome
    cand = matchmaking._candidate(uid, entry, ctx)
    if cand is None:
        return
    at = NOW.timestamp() + 1
    for me, other in ((probe, cand), (cand, probe)):
        matching.ranked_partners(me, [other], at)
        if matching.hard_fit(me, other) is None:
            matching.score(me, other, at)
            matching.assign_roles(me, other)
            matching.common_session_type(me, other)
            matching.common_language(me, other)
            matching.common_difficulty(me, other)


@settings(max_examples=60, deadline=None)
@given(entry=strategies.queue_entry("someone"), blocked=strategies.block_list("someone"))
def test_every_document_the_vocabulary_allows_is_read_and_matched(entry: dict[str, Any], blocked: list[str]) -> None:
    stored = {**entry, "joinedAt": NOW}  # the server's time, as the rules force
    assert matching.validate_preferences({k: stored[k] for k in matching.PREFERENCE_FIELDS}) == []
    assert matchmaking._candidate("someone", stored, CTX) is not None
    _exercise("someone", stored, {"blockedUserIds": blocked})


@settings(max_examples=300, deadline=None)
@given(entry=st.dictionaries(st.sampled_from([*matching.PREFERENCE_FIELDS, "joinedAt", "priority", "x"]), junk),
       user=st.dictionaries(st.sampled_from(["blockedUserIds", "recentPartners", "displayName"]), junk))
def test_no_stored_document_makes_matching_raise(entry: dict[str, Any], user: dict[str, Any]) -> None:
    _exercise("someone", entry, user)


@settings(max_examples=200, deadline=None)
@given(joins=junk, at=st.integers(0, 2**53))
def test_the_join_budget_reads_any_stored_value(joins: Any, at: int) -> None:
    decision = matching.admit_join(joins, at)
    assert len(decision.joins) <= matching.QUEUE_JOINS_PER_HOUR
    assert decision.allowed or decision.retry_at_ms is not None


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_strategies_draw_every_client_written_document(data: st.DataObject) -> None:
    """The harness other readers reuse: a document of any client-written collection, each field within its spec."""
    from salamin import vocabulary as vocab

    path = data.draw(st.sampled_from(sorted(vocab.CLIENT_WRITTEN)))
    specs = vocab.CLIENT_WRITTEN[path]
    doc = data.draw(strategies.document(specs, "me"))
    assert set(doc) == {name for name in specs if "." not in name}
    for name, spec in specs.items():
        if isinstance(spec, vocab.Str) and name in doc:
            assert spec.min_len <= len(doc[name]) <= spec.max_len
        if isinstance(spec, vocab.SizeOf):
            assert doc[name] == len(doc[spec.field])
