"""The shared documents' persistence (the code editor's and the whiteboard's, one mechanism): browsers
append Yjs updates, a per-session timer (doctimer.py) folds them into a snapshot and counts them.

Browsers write `peerSessions/{id}/{kind}Updates/{updateId}` (append-only Yjs v1 updates, see
firestore.rules) for each KIND ("code", "board"). `compact` merges them, with the current snapshot, into
`peerSessions/{id}/{kind}/snapshot` and deletes the update documents it folded in. The code's Yjs document
has a Y.Text "code" and a Y.Map "meta" ("language"); the board's a Y.Map "elements" (element id → the
element as JSON) and a Y.Map "deleted" (ids deleted: a deletion wins over a concurrent move).

Safety rests on two properties of Yjs updates: merging is a union, and applying an update twice is a
no-op. A fold takes no lock while it works: it reads the snapshot and up to FOLD_PAGE update documents,
merges them (the slow part), then commits one batch that writes the snapshot only if it is still the one
it read (its update time) and deletes the update documents only if they still exist. If another fold won
in between, the batch fails as a whole and the fold starts again from fresh reads, so nothing is counted
twice and nobody else's write to the session ever waits on a compaction. A crash after a commit leaves
nothing half done; a repeated compaction folds nothing new and gives the same snapshot.

The snapshot never grows past SNAPSHOT_MAX_BYTES (Firestore refuses documents over 1 MiB): near it, the
fold re-encodes the state without the content of deleted text, and if that is still too large it writes
nothing and marks the session `codeFull` (`boardFull`), after which the rules refuse further updates.
Each fold also adds what it folded to its authors' per-minute budget counters (see budgets.py), so the
budget check at the next tick still sees them.

`merge_updates` is pure (pycrdt only); the rest is Firestore I/O.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pycrdt
from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from salamin import budgets, names
from salamin import questions as qb

log = logging.getLogger(__name__)

COMPACT_AT = 200  # the timer compacts once a session holds this many update documents of one kind
MAX_TEXT = 200_000  # the snapshot's `text` is kept only below this many characters
FOLD_PAGE = 449  # update documents folded (and deleted) per transaction: with the snapshot, ≤ 450 writes
MAX_PAGES = 40  # per call, so a session flooded with updates cannot keep one compaction going forever
# A snapshot document holds the state and the text: kept well under Firestore's 1 MiB document limit.
SNAPSHOT_MAX_BYTES = 900_000
FOLD_ATTEMPTS = 6  # a fold that lost a race (precondition failed) starts again from fresh reads
# Errors a fold's commit may meet when another fold or a write got there first: retried from the reads.
RACES = (gexc.FailedPrecondition, gexc.Aborted, gexc.AlreadyExists, gexc.Conflict, gexc.NotFound)
EMPTY_STATE = pycrdt.Doc().get_update()


@dataclass(frozen=True)
class Kind:
    """One shared document of a session: where its updates and snapshot live, what they count against."""

    name: str
    updates: str  # the update documents' collection
    snapshot: str  # the collection of its single `snapshot` document
    count_budget: str  # budgets.BUDGETS keys: update documents and their bytes per minute
    bytes_budget: str
    full_flag: str  # the session field that closes it once the snapshot cannot grow


KINDS: dict[str, Kind] = {
    "code": Kind("code", names.CODE_UPDATES, names.CODE, "codeUpdates", "codeBytes", "codeFull"),
    "board": Kind("board", names.BOARD_UPDATES, names.BOARD, "boardUpdates", "boardBytes", "boardFull"),
}


# ---- pure ------------------------------------------------------------------------------------------------

def _valid(updates: list[bytes]) -> list[bytes]:
    """The updates pycrdt can decode; a malformed one (a client can write any bytes) is dropped alone."""
    good = [bytes(u) for u in updates if u]
    try:
        pycrdt.merge_updates(*good) if good else None
        return good
    except ValueError:
        pass
    kept = []
    for u in good:
        try:
            pycrdt.merge_updates(u)
        except ValueError:
            log.warning("code: dropping an update that is not a Yjs v1 update (%d bytes)", len(u))
            continue
        kept.append(u)
    return kept


def read_state(state: bytes) -> tuple[str, str | None]:
    """The Y.Text "code" and the Y.Map "meta" language of a Yjs state (a v1 update)."""
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    try:
        doc.apply_update(state)
    except ValueError:
        return "", None
    text = ""
    language: str | None = None
    with contextlib.suppress(TypeError, ValueError):  # a root of another type: no text, no language
        text = str(doc.get("code", type=pycrdt.Text))
    with contextlib.suppress(TypeError, ValueError):
        value = doc.get("meta", type=pycrdt.Map).get("language")
        language = value if isinstance(value, str) and value in qb.LANGUAGES else None
    return text, language


def merge_updates(updates: list[bytes]) -> tuple[bytes, str, str | None]:
    """Merges Yjs v1 updates (a snapshot's state counts as one) into one state: (state, text, language).

    The state is the union of the updates, pending parts included (an update whose predecessor is not
    here yet is kept, not lost), so the order does not matter and duplicates change nothing. `text` is
    the Y.Text "code" ("" from MAX_TEXT characters on); `language` the Y.Map "meta" key "language"
    when it is one of questions.LANGUAGES, else None.
    """
    valid = _valid(updates)
    state = pycrdt.merge_updates(*valid) if valid else EMPTY_STATE
    text, language = read_state(state)
    return state, (text if len(text) < MAX_TEXT else ""), language


def without_deleted_content(state: bytes) -> bytes:
    """The same document without the content of deleted text (Yjs keeps only its length), or `state`
    itself when re-encoding would drop anything else (an update still waiting for its predecessor)."""
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    try:
        doc.apply_update(state)
    except ValueError:
        return state
    out = doc.get_update()
    # Whatever of `state` the re-encoding lacks: its first varint counts the clients with structs left.
    missing = pycrdt.get_update(state, pycrdt.get_state(out))
    return out if missing[:1] == b"\x00" and len(out) < len(state) else state


def read_board(state: bytes) -> int:
    """How many elements a board state shows: entries of "elements" not in "deleted" (0 if unreadable)."""
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    try:
        doc.apply_update(state)
        elements = set(doc.get("elements", type=pycrdt.Map).keys())
        deleted = set(doc.get("deleted", type=pycrdt.Map).keys())
    except (TypeError, ValueError):
        return 0
    return len(elements - deleted)


def snapshot_fields(kind: str, blobs: list[bytes]) -> dict[str, Any] | None:
    """The snapshot document's derived fields for these updates merged, or None when it cannot fit."""
    if kind == "code":
        state, text, language = merge_updates(blobs)
        fitted = fit_snapshot(state, text)
        if fitted is None:
            return None
        return {"update": fitted[0], "text": fitted[1], "language": language}
    valid = _valid(blobs)
    merged = pycrdt.merge_updates(*valid) if valid else EMPTY_STATE
    fitted = fit_snapshot(merged, "")
    return None if fitted is None else {"update": fitted[0], "elementCount": read_board(fitted[0])}


def snapshot_bytes(state: bytes, text: str) -> int:
    """About what a snapshot document weighs (its two large fields; the rest is a few dozen bytes)."""
    return len(state) + len(text.encode())


def fit_snapshot(state: bytes, text: str) -> tuple[bytes, str] | None:
    """A state and text that fit in a snapshot document, or None when even the compact form does not."""
    if snapshot_bytes(state, text) <= SNAPSHOT_MAX_BYTES:
        return state, text
    state = without_deleted_content(state)
    if snapshot_bytes(state, text) <= SNAPSHOT_MAX_BYTES:
        return state, text
    if len(state) <= SNAPSHOT_MAX_BYTES:
        return state, ""  # the text is a convenience copy; the state is the code
    return None


def tally(docs: list[Mapping[str, Any]], kind: str = "code") -> dict[tuple[str, str, int], int]:
    """What folding these update documents takes from their authors' minutes: (budget, uid, minute) → n."""
    k = KINDS[kind]
    out: dict[tuple[str, str, int], int] = {}
    for d in docs:
        author, created = d.get("author"), d.get("createdAt")
        if not isinstance(author, str) or not isinstance(created, dt.datetime):
            continue
        minute = budgets.minute_of(created.timestamp())
        blob = d.get("update")
        for budget, n in ((k.count_budget, 1), (k.bytes_budget, len(blob) if isinstance(blob, bytes) else 0)):
            out[(budget, author, minute)] = out.get((budget, author, minute), 0) + n
    return out


# ---- Firestore -------------------------------------------------------------------------------------------

def _session(db: firestore.Client, session_id: str) -> firestore.DocumentReference:
    return db.collection(names.SESSIONS).document(session_id)


def snapshot_ref(db: firestore.Client, session_id: str, kind: str = "code") -> firestore.DocumentReference:
    return _session(db, session_id).collection(KINDS[kind].snapshot).document("snapshot")


def pending_count(db: firestore.Client, session_id: str, kind: str = "code") -> int:
    """How many update documents wait to be folded: an aggregation count, no documents read."""
    result = _session(db, session_id).collection(KINDS[kind].updates).count().get()
    return int(result[0][0].value)


def _fold_page(db: firestore.Client, session_id: str, refs: list[firestore.DocumentReference],
               kind: str) -> tuple[int, dict[str, Any]]:
    """Snapshot + these update documents → new snapshot, the documents deleted: one batch, no lock held
    while merging. Returns (documents folded, the snapshot); (-1, snapshot) when the snapshot is full."""
    snap_ref = snapshot_ref(db, session_id, kind)
    for attempt in range(FOLD_ATTEMPTS):
        snap = snap_ref.get()
        current = (snap.to_dict() or {}) if snap.exists else {}
        docs = [d for d in db.get_all(refs, field_paths=["update", "author", "createdAt"]) if d.exists]
        if not docs:
            return 0, current
        blobs = [current["update"]] if isinstance(current.get("update"), bytes) else []
        blobs += [d.get("update") for d in docs if isinstance(d.get("update"), bytes)]
        fields = snapshot_fields(kind, blobs)
        if fields is None:
            return -1, current
        doc = {**fields, "updateCount": int(current.get("updateCount") or 0) + len(docs),
               "updatedAt": firestore.SERVER_TIMESTAMP}
        batch = db.batch()
        if snap.exists:
            batch.update(snap_ref, doc, option=db.write_option(last_update_time=snap.update_time))
        else:
            batch.create(snap_ref, doc)
        for d in docs:
            batch.delete(d.reference, option=db.write_option(exists=True))
        counts = tally([d.to_dict() or {} for d in docs], kind)
        if counts:
            batch.set(budgets.budget_ref(db, session_id), _nested(counts), merge=True)
        try:
            batch.commit()
            return len(docs), doc
        except RACES as err:
            log.info("code: %s fold of session %s lost a race (%s); reading again", kind, session_id,
                     type(err).__name__)
            time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))
    raise RuntimeError(f"code: could not fold session {session_id} in {FOLD_ATTEMPTS} attempts")


def _nested(counts: dict[tuple[str, str, int], int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for (kind, uid, minute), n in counts.items():
        out.setdefault(kind, {}).setdefault(uid, {})[str(minute)] = firestore.Increment(n)
    return out


def mark_full(db: firestore.Client, session_id: str, kind: str = "code") -> None:
    """The snapshot cannot grow: the rules refuse further updates of this kind in this session."""
    log.warning("code: session %s reached the %s snapshot size limit; its updates are now refused", session_id, kind)
    budgets.update_session(db, session_id, {KINDS[kind].full_flag: True})


def compact(db: firestore.Client, session_id: str, *, min_updates: int = 0, kind: str = "code") -> dict[str, Any]:
    """Folds the session's update documents of one kind into its snapshot (see the module's docstring).

    With `min_updates`, does nothing unless at least that many are waiting. Returns what it did:
    `folded` (update documents folded in by this call), `updateCount` (cumulative), `textLength`,
    `stateBytes`.
    """
    updates = _session(db, session_id).collection(KINDS[kind].updates)
    if min_updates and pending_count(db, session_id, kind) < min_updates:
        return {"folded": 0, "skipped": True}
    folded = 0
    full = False
    doc: dict[str, Any] = {}
    for _ in range(MAX_PAGES):
        # Only the references: the transaction reads the contents (and so locks them).
        refs = [s.reference for s in updates.select(["__name__"]).limit(FOLD_PAGE).stream()]
        if not refs:
            break
        n, doc = _fold_page(db, session_id, refs, kind)
        if n < 0:
            mark_full(db, session_id, kind)
            full = True
            break
        folded += n
        if len(refs) < FOLD_PAGE:
            break
    if not doc:
        doc = snapshot_ref(db, session_id, kind).get().to_dict() or {}
    return {"folded": folded, "updateCount": int(doc.get("updateCount") or 0), "full": full,
            "textLength": len(doc.get("text") or ""), "stateBytes": len(doc.get("update") or b"")}


def minute_counts(db: firestore.Client, session_id: str, author: str, now_s: float,
                  kind: str = "code") -> dict[str, int]:
    """The author's updates and bytes of one kind in the minute of `now_s`: the pending ones (one
    aggregation query, no document read) plus those a compaction already folded (server/budget)."""
    k = KINDS[kind]
    minute = budgets.minute_of(now_s)
    start = dt.datetime.fromtimestamp(minute * budgets.WINDOW_S, dt.UTC)
    end = start + dt.timedelta(seconds=budgets.WINDOW_S)
    mine = (_session(db, session_id).collection(k.updates)
            .where(filter=FieldFilter("author", "==", author))
            .where(filter=FieldFilter("createdAt", ">=", start))
            .where(filter=FieldFilter("createdAt", "<", end)))
    result = mine.count(alias="n").sum("bytes", alias="bytes").get()
    values = {r.alias: r.value for r in result[0]}
    folded = budgets.budget_ref(db, session_id).get().to_dict()
    return {k.count_budget: int(values.get("n") or 0) + budgets.counted(folded, k.count_budget, author, minute),
            k.bytes_budget: int(values.get("bytes") or 0) + budgets.counted(folded, k.bytes_budget, author, minute)}


def check_budget(db: firestore.Client, session_id: str, author: str, now_s: float | None = None,
                 kind: str = "code") -> str | None:
    """Freezes the author's writes in this session once a minute's budget of this kind is exceeded."""
    now_s = time.time() if now_s is None else now_s
    over = budgets.over_budget(minute_counts(db, session_id, author, now_s, kind))
    if over:
        snap = _session(db, session_id).get()
        if snap.exists and not budgets.held(snap.to_dict(), author, now_s):
            budgets.freeze(db, session_id, author, over, now_s)
    return over


def compact_quietly(db: firestore.Client, session_id: str) -> None:
    """Best effort (the session lifecycle calls it when a session ends): folds every kind; logs and
    swallows any error."""
    for kind in KINDS:
        try:
            result = compact(db, session_id, kind=kind)
            log.info("code: compacted session %s's %s at its end: %s", session_id, kind, result)
        except Exception:
            log.exception("code: compacting session %s's %s at its end failed (the updates stay, nothing is "
                          "lost)", session_id, kind)
