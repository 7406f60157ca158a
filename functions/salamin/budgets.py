"""Budgets the server enforces on what one participant may write into a live session.

Rules refuse what is too large in one write; they cannot count writes. Functions that already run on
those writes count them, so no budget adds a function call to a keystroke:

* code and board updates and their bytes: the per-session timer that compacts them (doctimer.py; one
  aggregation over the author's pending updates of the minute, plus what compaction folded of that
  minute: `server/budget`), so a flood is stopped within a tick or two of crossing the budget;
* signaling messages: a trigger on each message (a call opens with a few dozen; no keystroke sends one);
* presence writes: the existing presence-mirroring trigger.

Counts are per person and per calendar minute (UTC), so a burst across a minute boundary may reach twice
a budget before it is stopped. Going over freezes that person's writes in this session for FREEZE_S:
the function writes `budgetHolds.{uid}` on the session, and the rules refuse that person's code
updates, cursors, signaling and presence until it passes. The web app shows the hold as a sentence.

`over_budget` and `hold_for` are pure; the rest is Firestore I/O (no transactions: counters are atomic
increments and the hold is one field update, so nothing holds the session document's lock).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from typing import Any

from google.api_core.exceptions import Aborted, NotFound
from google.cloud import firestore
from google.cloud.firestore_v1.field_path import FieldPath

from salamin import names

log = logging.getLogger(__name__)

WINDOW_S = 60  # budgets are per calendar minute
FREEZE_S = 300  # how long a person who went over stays frozen in that session

# Per person, per minute. The editor writes at most one update per 100 ms over Firestore alone (one a
# second while the data channel is open), the whole editor holds 64,000 characters, a call opens with a
# few dozen signaling messages and a person's call state changes a few times a minute. Code updates
# get half again as margin (a count may include a fold in flight twice). The whiteboard writes on the
# same schedule as the editor and has the same budgets.
BUDGETS: dict[str, int] = {
    "codeUpdates": 900,
    "codeBytes": 1_048_576,
    "boardUpdates": 900,
    "boardBytes": 1_048_576,
    "signaling": 120,
    "presence": 60,
}

# The plain sentence the person sees, by budget (the web app keeps the same words: holdMessage).
REASONS: dict[str, str] = {
    "codeUpdates": "too many code changes in a minute",
    "codeBytes": "too much code in a minute",
    "boardUpdates": "too many whiteboard changes in a minute",
    "boardBytes": "too much drawing in a minute",
    "signaling": "too many call set-up messages in a minute",
    "presence": "too many call status changes in a minute",
}


# ---- pure ------------------------------------------------------------------------------------------------

def minute_of(epoch_s: float) -> int:
    """The budget window (a calendar minute) an instant falls in."""
    return int(epoch_s // WINDOW_S)


def over_budget(counts: Mapping[str, int]) -> str | None:
    """The first budget these counts of one person's minute exceed, or None."""
    for name, limit in BUDGETS.items():
        if int(counts.get(name, 0)) > limit:
            return name
    return None


def hold_for(budget: str, now_s: float) -> dict[str, Any]:
    """The session's `budgetHolds.{uid}` value for a person who went over `budget` at `now_s`."""
    return {"budget": budget, "until": dt.datetime.fromtimestamp(now_s + FREEZE_S, dt.UTC),
            "at": dt.datetime.fromtimestamp(now_s, dt.UTC)}


def held(session: Mapping[str, Any] | None, uid: str, now_s: float) -> bool:
    """Whether `uid` is frozen in this session right now (as the rules see it)."""
    holds = (session or {}).get("budgetHolds")
    hold = holds.get(uid) if isinstance(holds, Mapping) else None
    until = hold.get("until") if isinstance(hold, Mapping) else None
    return isinstance(until, dt.datetime) and until.timestamp() > now_s


# ---- Firestore -------------------------------------------------------------------------------------------

def budget_ref(db: firestore.Client, session_id: str) -> firestore.DocumentReference:
    """Counters no client reads (the rules give clients no access to server/*).

    `codeUpdates`, `codeBytes`, `boardUpdates`, `boardBytes` → uid → minute → count: what compaction
    folded (increments).
    `signaling` and `presence` → uid → minute → {write key: true}: one key per write, so a trigger
    delivered twice counts its write once.
    """
    return db.collection(names.SESSIONS).document(session_id).collection(names.SERVER).document("budget")


def counted(doc: Mapping[str, Any] | None, kind: str, uid: str, minute: int) -> int:
    value = (((doc or {}).get(kind) or {}).get(uid) or {}).get(str(minute), 0)
    if isinstance(value, Mapping):
        return len(value)
    return int(value) if isinstance(value, (int, float)) else 0


def add(db: firestore.Client, session_id: str, kind: str, uid: str, minute: int, *, key: str) -> int:
    """Records one write (by its key: idempotent, no lock held) and returns the minute's count after."""
    ref = budget_ref(db, session_id)
    ref.set({kind: {uid: {str(minute): {key: True}}}}, merge=True)
    return counted(ref.get().to_dict(), kind, uid, minute)


def freeze(db: firestore.Client, session_id: str, uid: str, budget: str, now_s: float | None = None) -> None:
    """Freezes `uid`'s writes in this session (idempotent: a later freeze only moves the end)."""
    now_s = time.time() if now_s is None else now_s
    log.warning("budgets: session %s: %s went over %s (%d a minute); frozen for %d s",
                session_id, uid, budget, BUDGETS[budget], FREEZE_S)
    update_session(db, session_id, {FieldPath("budgetHolds", uid).to_api_repr(): hold_for(budget, now_s)})


def update_session(db: firestore.Client, session_id: str, fields: dict[str, Any]) -> None:
    """One plain update of the session, retried while a transaction elsewhere holds it (ABORTED: the
    emulator refuses at once where production waits); a session that is gone is left alone."""
    for attempt in range(6):
        try:
            db.collection(names.SESSIONS).document(session_id).update(fields)
            return
        except NotFound:
            log.info("budgets: session %s is gone; not updated", session_id)
            return
        except Aborted:
            if attempt == 5:
                raise
            time.sleep(0.1 * 2 ** attempt)


def count_and_check(db: firestore.Client, session_id: str, kind: str, uid: str, *, key: str,
                    now_s: float | None = None) -> str | None:
    """For the per-write triggers (signaling, presence): counts one write, keyed by what was written, and
    freezes its author past the budget."""
    now_s = time.time() if now_s is None else now_s
    n = add(db, session_id, kind, uid, minute_of(now_s), key=key)
    over = over_budget({kind: n})
    if over:
        snap = db.collection(names.SESSIONS).document(session_id).get()
        if snap.exists and not held(snap.to_dict(), uid, now_s):
            freeze(db, session_id, uid, over, now_s)
    return over
