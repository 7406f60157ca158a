"""The per-session timer that looks after the shared documents (code and whiteboard, see code.py).

No function runs per edit: browsers append updates and nothing on the live path of an edit waits for a
function. Instead one Cloud Task per live session comes back every few seconds (TICK_BUSY_S while updates
keep arriving, TICK_IDLE_S when none came since the last tick). Each tick
* counts each participant's updates and bytes of the minutes since the last tick against the write
  budgets (aggregation queries, no document read) and freezes whoever went over, as the trigger did;
  when nothing arrived since the last tick it skips that (an idle tick is two counts and two reads);
* folds a kind into its snapshot once COMPACT_AT update documents wait (the snapshot is what a late
  joiner downloads, so it is not rewritten every tick);
* schedules the next tick while the session is live. A session that ended gets its final fold from the
  lifecycle (interview._effects → code.compact_quietly) and the chain stops.

At most one tick is pending per session: `server/docsTimer` holds the slot of the pending tick; a tick
whose slot is not the current one (a task delivered twice, an old chain) does nothing, and the next slot
is claimed with a write conditioned on the timer document being unchanged since the tick read it, with a
task id derived from it (a second enqueue of the same slot is a no-op). A participant's join (interview.join)
reads the timer with the session and, unless a chain is pending, claims the first slot in the same commit
as its session write (`claim_in`): a chain starts on the first join, and one that died (its slot overdue
by STALE_S) is taken over by the next join or reload.

`next_delay` and `minutes_since` are pure; the rest is Firestore and Cloud Tasks I/O.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore

from salamin import budgets, code, names, tasks

log = logging.getLogger(__name__)

TICK_BUSY_S = 5
TICK_IDLE_S = 10
STALE_S = 120  # a pending slot this overdue belongs to a chain that died (its retries ran out)
LIVE = ("matched", "starting", "active", "ending")


# ---- pure ------------------------------------------------------------------------------------------------

def next_delay(pending_now: int, pending_before: int | None, folded: int) -> int:
    """Busy (updates arrived since the last tick, or some were folded): soon again; idle: later."""
    busy = folded > 0 or pending_before is None or pending_now != pending_before
    return TICK_BUSY_S if busy else TICK_IDLE_S


def minutes_since(last_s: float | None, now_s: float) -> list[float]:
    """An instant in each budget minute from the last tick (or one idle tick ago) to now, oldest first."""
    start = now_s - TICK_IDLE_S - 5 if last_s is None else min(last_s, now_s)
    out = []
    for minute in range(budgets.minute_of(start), budgets.minute_of(now_s) + 1):
        out.append(max(start, minute * budgets.WINDOW_S))
    return out


# ---- Firestore + Cloud Tasks -----------------------------------------------------------------------------

def timer_ref(db: firestore.Client, session_id: str) -> firestore.DocumentReference:
    ref: firestore.DocumentReference = (db.collection(names.SESSIONS).document(session_id)
                                        .collection(names.SERVER).document("docsTimer"))
    return ref


def _enqueue(session_id: str, slot: int, delay_s: float) -> None:
    tasks.enqueue(names.SESSION_DOCS_TICK, {"sessionId": session_id, "slot": slot}, delay_s,
                  f"docs-{session_id}-{slot}")


def _pending(doc: dict[str, Any] | None, now: float) -> bool:
    """A chain's tick is pending (its slot is not overdue by STALE_S)."""
    slot, due = (doc or {}).get("slot"), (doc or {}).get("dueAt")
    return isinstance(slot, int) and isinstance(due, (int, float)) and due > now - STALE_S


def _claim_next(db: firestore.Client, timer: Any, slot: int, delay_s: float,
                extra: dict[str, Any]) -> int | None:
    """The tick holding `slot` (read as `timer`) claims the next slot: written only if the timer document is
    unchanged since that read (one conditional write, not a transaction); None when another delivery of
    the same tick, or a start, wrote it first."""
    nxt = slot + 1
    try:
        timer.reference.update({**extra, "slot": nxt, "dueAt": time.time() + delay_s},
                               option=db.write_option(last_update_time=timer.update_time))
    except (gexc.FailedPrecondition, gexc.NotFound):
        return None
    return nxt


def claim_in(db: firestore.Client, batch: Any, timer: Any, now: float) -> int | None:
    """A join's claim of the first slot, written in the join's own batch (with the session's write, so one
    commit instead of a read and a write of its own): `timer` is the timer document as read with the
    session. None, writing nothing, while a chain is pending; else the slot to enqueue once the batch
    committed. The write is conditioned like `_claim_first`'s (created if absent, else unchanged since
    the read), so of two joins at once one batch commits and the other reads again and finds it pending."""
    doc = timer.to_dict() if timer.exists else None
    if _pending(doc, now):
        return None
    slot = doc.get("slot") if doc else None
    nxt = (slot if isinstance(slot, int) else 0) + 1
    # No update has arrived yet: the first tick, if none arrive, is idle (no budget aggregations).
    fields = {"pending": 0, "slot": nxt, "dueAt": now + TICK_BUSY_S}
    if doc is None:
        batch.create(timer.reference, fields)
    else:
        batch.update(timer.reference, fields, option=db.write_option(last_update_time=timer.update_time))
    return nxt


def enqueue_first(session_id: str, slot: int) -> None:
    """The first tick of a chain whose slot a join's batch claimed (claim_in)."""
    _enqueue(session_id, slot, TICK_BUSY_S)


def on_tick(db: firestore.Client, payload: dict[str, Any]) -> dict[str, Any]:
    """One tick (see the module's docstring). Returns what it did, for the logs and the tests."""
    tasks.check_due(payload)
    session_id, slot = payload.get("sessionId"), payload.get("slot")
    if not isinstance(session_id, str) or not session_id or not isinstance(slot, int):
        log.warning("doctimer: a tick without a session or slot: %r", payload)
        return {"skipped": "bad payload"}
    timer = timer_ref(db, session_id).get()
    state = timer.to_dict() if timer.exists else None
    if not state or state.get("slot") != slot:
        return {"skipped": "not the pending tick"}  # delivered twice, or an old chain
    snap = db.collection(names.SESSIONS).document(session_id).get()
    session = snap.to_dict() if snap.exists else None
    if not session:
        return {"skipped": "no session"}
    now = time.time()
    last = state.get("lastTickAt")
    pending = {kind: code.pending_count(db, session_id, kind) for kind in code.KINDS}
    total = sum(pending.values())
    before = state.get("pending")
    # Nothing arrived since the last tick: nobody can have gone over, so the budget aggregations are
    # skipped (an idle tick costs two counts, the timer and the session).
    arrived = not isinstance(before, int) or total != before
    frozen = (_check_budgets(db, session_id, session, last if isinstance(last, (int, float)) else None, now)
              if arrived else [])
    folded = 0
    for kind, n in pending.items():
        if n >= code.COMPACT_AT:
            folded += int(code.compact(db, session_id, kind=kind).get("folded") or 0)
    result = {"slot": slot, "pending": pending, "folded": folded, "frozen": frozen}
    if session.get("status") not in LIVE:
        return {**result, "next": None}  # ended: the lifecycle folds the rest; the chain stops here
    after = total - folded if folded else total
    delay = next_delay(total, before if isinstance(before, int) else None, folded)
    nxt = _claim_next(db, timer, slot, delay, {"lastTickAt": now, "pending": after})
    if nxt is not None:
        _enqueue(session_id, nxt, delay)
    return {**result, "next": nxt}


def _check_budgets(db: firestore.Client, session_id: str, session: dict[str, Any], last_s: float | None,
                   now_s: float) -> list[str]:
    """Each participant's minutes since the last tick, each kind: freezes whoever went over."""
    frozen = []
    for uid in session.get("participantIds") or []:
        if not isinstance(uid, str):
            continue
        for at in minutes_since(last_s, now_s):
            for kind in code.KINDS:
                over = budgets.over_budget(code.minute_counts(db, session_id, uid, at, kind))
                if over:
                    if not budgets.held(session, uid, now_s):
                        budgets.freeze(db, session_id, uid, over, now_s)
                    frozen.append(f"{uid}:{over}")
                    break
            else:
                continue
            break
    return frozen
