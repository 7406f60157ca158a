"""The shared code editor's persistence: browsers append Yjs updates, functions fold them into a snapshot.

Browsers write `peerSessions/{id}/codeUpdates/{updateId}` (append-only Yjs v1 updates, see firestore.rules).
`compact` merges them, with the current snapshot, into `peerSessions/{id}/code/snapshot` and deletes the
update documents it folded in. The Yjs document has a Y.Text "code" and a Y.Map "meta" ("language").

Safety rests on two properties of Yjs updates: merging is a union, and applying an update twice is a
no-op. Each fold is one transaction that re-reads the snapshot and the update documents it folds (so two
compactions running at once serialise on them), writes the merged snapshot and deletes exactly the update
documents it read, at most FOLD_PAGE at a time. A crash after a commit leaves nothing half done; a
repeated compaction folds nothing new and gives the same snapshot.

`merge_updates` is pure (pycrdt only); the rest is Firestore I/O.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

import pycrdt
from google.cloud import firestore

from salamin import questions as qb

log = logging.getLogger(__name__)

SESSIONS = "peerSessions"
UPDATES = "codeUpdates"
COMPACT_AT = 200  # the trigger compacts once a session holds this many update documents
MAX_TEXT = 200_000  # the snapshot's `text` is kept only below this many characters
FOLD_PAGE = 449  # update documents folded (and deleted) per transaction: with the snapshot, ≤ 450 writes
MAX_PAGES = 40  # per call, so a session flooded with updates cannot keep one compaction going forever
LEASE_S = 60  # the trigger's compaction lease: one trigger compacts, the others leave it alone
EMPTY_STATE = pycrdt.Doc().get_update()


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
    doc = pycrdt.Doc()
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


# ---- Firestore -------------------------------------------------------------------------------------------

def _session(db: firestore.Client, session_id: str) -> firestore.DocumentReference:
    return db.collection(SESSIONS).document(session_id)


def snapshot_ref(db: firestore.Client, session_id: str) -> firestore.DocumentReference:
    return _session(db, session_id).collection("code").document("snapshot")


def pending_count(db: firestore.Client, session_id: str) -> int:
    """How many update documents wait to be folded: an aggregation count, no documents read."""
    result = _session(db, session_id).collection(UPDATES).count().get()
    return int(result[0][0].value)


def _fold_page(db: firestore.Client, session_id: str,
               refs: list[firestore.DocumentReference]) -> tuple[int, dict[str, Any]]:
    """One transaction: snapshot + these update documents → new snapshot; the documents are deleted."""
    snap_ref = snapshot_ref(db, session_id)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> tuple[int, dict[str, Any]]:
        snap = snap_ref.get(transaction=tx)
        current = snap.to_dict() if snap.exists else {}
        docs = [d for d in db.get_all(refs, field_paths=["update"], transaction=tx) if d.exists]
        if not docs:
            return 0, current
        blobs = [current["update"]] if isinstance(current.get("update"), bytes) else []
        blobs += [d.get("update") for d in docs if isinstance(d.get("update"), bytes)]
        state, text, language = merge_updates(blobs)
        doc = {"update": state, "text": text, "language": language,
               "updateCount": int(current.get("updateCount") or 0) + len(docs),
               "updatedAt": firestore.SERVER_TIMESTAMP}
        tx.set(snap_ref, doc)
        for d in docs:
            tx.delete(d.reference)
        return len(docs), doc

    return run(db.transaction())


def compact(db: firestore.Client, session_id: str, *, min_updates: int = 0) -> dict[str, Any]:
    """Folds the session's update documents into its snapshot (see the module's docstring).

    With `min_updates`, does nothing unless at least that many are waiting. Returns what it did:
    `folded` (update documents folded in by this call), `updateCount` (cumulative), `textLength`,
    `stateBytes`.
    """
    updates = _session(db, session_id).collection(UPDATES)
    if min_updates and pending_count(db, session_id) < min_updates:
        return {"folded": 0, "skipped": True}
    folded = 0
    doc: dict[str, Any] = {}
    for _ in range(MAX_PAGES):
        # Only the references: the transaction reads the contents (and so locks them).
        refs = [s.reference for s in updates.select(["__name__"]).limit(FOLD_PAGE).stream()]
        if not refs:
            break
        n, doc = _fold_page(db, session_id, refs)
        folded += n
        if len(refs) < FOLD_PAGE:
            break
    if not doc:
        doc = snapshot_ref(db, session_id).get().to_dict() or {}
    return {"folded": folded, "updateCount": int(doc.get("updateCount") or 0),
            "textLength": len(doc.get("text") or ""), "stateBytes": len(doc.get("update") or b"")}


def _take_lease(db: firestore.Client, session_id: str, now: float) -> bool:
    ref = _session(db, session_id).collection("server").document("codeCompaction")

    @firestore.transactional
    def run(tx: firestore.Transaction) -> bool:
        snap = ref.get(transaction=tx)
        held = (snap.to_dict() or {}).get("leaseUntil") if snap.exists else None
        if isinstance(held, (int, float)) and held > now:
            return False
        tx.set(ref, {"leaseUntil": now + LEASE_S})
        return True

    return run(db.transaction())


def _release_lease(db: firestore.Client, session_id: str) -> None:
    _session(db, session_id).collection("server").document("codeCompaction").set({"leaseUntil": 0})


def on_update_created(db: firestore.Client, session_id: str) -> dict[str, Any] | None:
    """The trigger: a cheap count on every update; a compaction (under a lease) from COMPACT_AT on."""
    if pending_count(db, session_id) < COMPACT_AT:
        return None
    if not _take_lease(db, session_id, time.time()):
        return None  # another trigger is compacting this session right now
    try:
        return compact(db, session_id)
    finally:
        _release_lease(db, session_id)


def compact_quietly(db: firestore.Client, session_id: str) -> None:
    """Best effort (the session lifecycle calls it when a session ends): logs and swallows any error."""
    try:
        result = compact(db, session_id)
        log.info("code: compacted session %s at its end: %s", session_id, result)
    except Exception:
        log.exception("code: compacting session %s at its end failed (the updates stay, nothing is lost)",
                      session_id)
