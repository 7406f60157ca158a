"""The shared editor's merge (salamin.code.merge_updates) on real Yjs updates made with pycrdt."""

from __future__ import annotations

import itertools
import random

import pycrdt
import pytest

from salamin import code


class Editor:
    """One browser's Y.Doc: records every update it produces, as the web app sends them."""

    def __init__(self, client_id: int) -> None:
        self.doc = pycrdt.Doc(client_id=client_id)
        self.text = self.doc.get("code", type=pycrdt.Text)
        self.meta = self.doc.get("meta", type=pycrdt.Map)
        self.updates: list[bytes] = []
        self.doc.observe(lambda event: self.updates.append(event.update))

    def receive(self, updates: list[bytes]) -> None:
        for u in updates:
            self.doc.apply_update(u)


def two_editors_typing_at_once() -> tuple[Editor, Editor]:
    a, b = Editor(1), Editor(2)
    a.text += "def solve(xs):\n"
    a.meta["language"] = "python"
    b.receive(a.updates)
    sent_a, sent_b = len(a.updates), len(b.updates)
    # Concurrent edits: neither sees the other's until the end.
    for i in range(15):
        a.text.insert(len(a.text), f"    a{i}\n")
        b.text.insert(0, f"# b{i}\n")
    del b.text[0:3]
    a.receive(b.updates[sent_b:])
    b.receive(a.updates[sent_a:])
    assert str(a.text) == str(b.text)
    return a, b


def test_concurrent_edits_merge_to_the_same_text_in_any_order() -> None:
    a, b = two_editors_typing_at_once()
    expected = str(a.text)
    updates = a.updates + b.updates
    rng = random.Random(7)
    for _ in range(20):
        shuffled = updates[:]
        rng.shuffle(shuffled)
        state, text, language = code.merge_updates(shuffled)
        assert text == expected and language == "python"
        assert code.read_state(state) == (expected, "python")


def test_duplicates_do_not_double_and_merging_again_changes_nothing() -> None:
    a, b = two_editors_typing_at_once()
    state, text, _ = code.merge_updates(a.updates + b.updates)
    again, text2, _ = code.merge_updates([state, *a.updates, *b.updates[:5], state])
    assert text2 == text and again == state  # a fold of what is already in is a no-op, byte for byte
    assert text.count("a0\n") == 1


def test_a_snapshot_plus_later_updates_equals_all_updates() -> None:
    a, b = two_editors_typing_at_once()
    updates = a.updates + b.updates
    for cut in (0, 1, len(updates) // 2, len(updates)):
        snapshot, _, _ = code.merge_updates(updates[:cut])
        _, text, _ = code.merge_updates([snapshot, *updates[cut:]])
        assert text == str(a.text)


def test_an_update_whose_predecessor_is_missing_is_kept_not_lost() -> None:
    a = Editor(3)
    for word in ("one ", "two ", "three "):
        a.text += word
    first, second, third = a.updates
    state, text, _ = code.merge_updates([first, third])  # `second` has not arrived yet
    assert text == "one "
    _, text, _ = code.merge_updates([state, second])
    assert text == "one two three "


def test_malformed_updates_are_dropped_alone() -> None:
    a = Editor(4)
    a.text += "print(1)"
    state, text, language = code.merge_updates([b"\x01\x02\x03", *a.updates, b""])
    assert text == "print(1)" and language is None
    assert code.merge_updates([])[1:] == ("", None)
    assert code.merge_updates([b"garbage"])[1:] == ("", None)
    assert state


def test_language_is_one_of_the_editor_languages() -> None:
    a = Editor(5)
    a.meta["language"] = "cobol"
    assert code.merge_updates(a.updates)[2] is None
    a.meta["language"] = "sql"
    assert code.merge_updates(a.updates)[2] == "sql"


def test_roots_of_another_type_give_no_text() -> None:
    doc = pycrdt.Doc(client_id=6)
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    doc.get("code", type=pycrdt.Map)["x"] = 1
    doc.get("meta", type=pycrdt.Text).insert(0, "hi")
    assert code.merge_updates(updates)[1:] == ("", None)


@pytest.mark.parametrize("size", [code.MAX_TEXT - 1, code.MAX_TEXT])
def test_text_is_kept_only_below_the_limit(size: int) -> None:
    a = Editor(8)
    a.text += "x" * size
    state, text, _ = code.merge_updates(a.updates)
    assert text == ("x" * size if size < code.MAX_TEXT else "")
    assert code.read_state(state)[0] == "x" * size  # the state itself always has everything


def test_merge_is_associative_over_splits() -> None:
    a, b = two_editors_typing_at_once()
    updates = a.updates + b.updates
    whole = code.merge_updates(updates)[1]
    for i, j in itertools.combinations(range(0, len(updates), 7), 2):
        left = code.merge_updates(updates[:i])[0]
        mid = code.merge_updates(updates[i:j])[0]
        assert code.merge_updates([mid, left, *updates[j:]])[1] == whole


# ---- the snapshot's size guard and the budget tally -------------------------------------------------------

def test_deleted_text_is_dropped_from_a_snapshot_that_grows_too_large() -> None:
    a = Editor(4)
    for _ in range(20):  # a whole-text replace, again and again (what "starter code" does)
        a.text += "y" * 50_000
        del a.text[0:len(a.text)]
    a.text += "kept"
    state, text, _ = code.merge_updates(a.updates)
    assert code.snapshot_bytes(state, text) > code.SNAPSHOT_MAX_BYTES  # the history alone is over
    fitted = code.fit_snapshot(state, text)
    assert fitted is not None
    small, small_text = fitted
    assert len(small) < 1000 and small_text == "kept"
    assert code.read_state(small)[0] == "kept"


def test_compacting_keeps_an_update_still_waiting_for_its_predecessor() -> None:
    a = Editor(3)
    for word in ("one ", "two ", "three "):
        a.text += word
    state, _, _ = code.merge_updates([a.updates[0], a.updates[2]])  # the second is missing
    assert code.without_deleted_content(state) == state  # re-encoding would drop "three": kept as it is
    _, text, _ = code.merge_updates([state, a.updates[1]])
    assert text == "one two three "


def test_a_snapshot_that_cannot_fit_is_refused() -> None:
    a = Editor(5)
    a.text += "z" * (code.SNAPSHOT_MAX_BYTES + 10)
    state, text, _ = code.merge_updates(a.updates)
    assert code.fit_snapshot(state, text) is None


def test_the_tally_counts_each_author_by_minute() -> None:
    import datetime as dt

    t = dt.datetime(2026, 1, 1, 0, 0, 30, tzinfo=dt.UTC)
    minute = int(t.timestamp() // 60)
    docs = [{"author": "a", "createdAt": t, "update": b"xx"},
            {"author": "a", "createdAt": t + dt.timedelta(seconds=40), "update": b"xyz"},
            {"author": "b", "createdAt": t, "update": b"x"},
            {"author": None, "createdAt": t, "update": b"x"}, {"author": "c", "createdAt": "soon"}]
    assert code.tally(docs) == {("codeUpdates", "a", minute): 1, ("codeBytes", "a", minute): 2,
                                ("codeUpdates", "a", minute + 1): 1, ("codeBytes", "a", minute + 1): 3,
                                ("codeUpdates", "b", minute): 1, ("codeBytes", "b", minute): 1}
