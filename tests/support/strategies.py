"""Hypothesis strategies for documents a member may write, built from salamin.vocabulary.

Each strategy draws only values the vocabulary allows, so every document it makes should pass the
security rules (a test writes it through the emulator as a real signed-in member to prove that), and then
goes to a function that reads such documents, which must not raise on any of them. Any reader of a
client-written collection can reuse these: `document(vocabulary.FEEDBACK)`, `queue_entry(uid)`, ...
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

from salamin import vocabulary as vocab
from tests.support.emulators import SERVER_TIMESTAMP

# Characters of the Basic Multilingual Plane, no surrogates: the rules count a string's size in
# characters, and astral characters are a separate question from the one these tests ask.
_CHARS = st.characters(codec="utf-8", max_codepoint=0xFFFF, exclude_categories=("Cs",))

# Every real zone name has the IANA shape; most entries use one of these, the rest are merely well shaped.
_REAL_ZONES = ("UTC", "Europe/London", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "Asia/Kolkata",
               "America/Port-au-Prince", "EST5EDT", "Pacific/Chatham")


def text(min_len: int, max_len: int, pattern: str | None = None) -> st.SearchStrategy[str]:
    if pattern is None:
        return st.text(_CHARS, min_size=min_len, max_size=max_len)
    shaped = st.from_regex(pattern, fullmatch=True).filter(lambda s: min_len <= len(s) <= max_len)
    if pattern == vocab.TIME_ZONE_PATTERN:
        return st.one_of(st.sampled_from(_REAL_ZONES), shaped)
    return shaped


def value(spec: vocab.Spec, own_uid: str = "") -> st.SearchStrategy[Any]:
    """A value the vocabulary (and so the rules) accepts for a field with this spec."""
    match spec:
        case vocab.Enum(values):
            return st.sampled_from(values)
        case vocab.EnumList(values, lo, hi):
            return st.lists(st.sampled_from(values), min_size=lo, max_size=hi, unique=True)
        case vocab.Str(lo, hi, pattern):
            return text(lo, hi, pattern)
        case vocab.StrList(max_items, lo, hi, pattern, min_items):
            return st.lists(text(lo, hi, pattern), min_size=min_items, max_size=max_items, unique=True)
        case vocab.Int(lo, hi):
            return st.integers(lo, hi)
        case vocab.Num(lo, hi):
            return st.one_of(st.integers(math.ceil(lo), math.floor(hi)),
                             st.floats(lo, hi, allow_nan=False, allow_infinity=False))
        case vocab.Bytes(lo, hi):
            return st.binary(min_size=lo, max_size=hi)
        case vocab.Bool():
            return st.booleans()
        case vocab.ServerTime():
            return st.just(SERVER_TIMESTAMP)
        case vocab.Own():
            return st.just(own_uid)
        case vocab.AnyInt():
            return st.integers(-(2**63), 2**63 - 1)
    raise TypeError(spec)


def document(specs: dict[str, vocab.Spec], own_uid: str = "", **fixed: Any) -> st.SearchStrategy[dict[str, Any]]:
    """A whole document of these specs; `fixed` fields are taken as given, dotted (nested) names left out."""
    fields = {name: st.just(v) for name, v in fixed.items()}
    sized: dict[str, str] = {}
    for name, spec in specs.items():
        if isinstance(spec, vocab.SizeOf):
            sized[name] = spec.field
        elif name not in fixed and "." not in name:
            fields[name] = value(spec, own_uid)
    return st.fixed_dictionaries(fields).map(
        lambda d: {**d, **{name: len(d[of]) for name, of in sized.items() if name not in fixed}})


def queue_entry(uid: str) -> st.SearchStrategy[dict[str, Any]]:
    """matchingQueue/{uid} as its owner may create it."""
    return document(vocab.QUEUE_ENTRY, uid)


def block_list(own_uid: str) -> st.SearchStrategy[list[str]]:
    """users/{uid}.blockedUserIds as its owner may write it (never their own uid)."""
    spec = vocab.USER["blockedUserIds"]
    assert isinstance(spec, vocab.StrList)
    # Mostly short lists; now and then a long one, up to the limit.
    sizes = st.one_of(st.integers(0, 5), st.integers(0, spec.max_items))
    return sizes.flatmap(lambda n: st.lists(text(spec.min_len, spec.max_len, spec.pattern), min_size=n,
                                            max_size=n, unique=True)
                         .filter(lambda ids: own_uid not in ids))
