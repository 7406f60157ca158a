"""The interview flow on Firestore: the I/O around `salamin.lifecycle` and `salamin.questions`.

Each entry point reads the session, asks the state machine what the action does, writes the result
only if nobody wrote the session since the read (else reads and asks again), and then performs the
side effects the transition asked for (timers, questions, notifications). Side effects are idempotent
on their own (deterministic task ids and document ids), so a retried call or a task delivered twice
does no harm.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import logging
import random
import time
from collections.abc import Callable
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore

from salamin import code, doctimer, matchmaking, names, notifications, safety, stats, tasks
from salamin import lifecycle as lc
from salamin import questions as qb
from salamin.errors import DomainError

log = logging.getLogger(__name__)

QUESTIONS_PER_HALF = {"behavioral": 2, "technical": 1, "case_study": 1, "mixed": 1}
FEEDBACK_WINDOW_S = lc.FEEDBACK_WINDOW_S
# A join's independent side effects (the documents' timer, the partner's note) run beside its lifecycle
# effects: each is a few Firestore round trips, and a join holds its request slot for their sum otherwise.
_SIDE = cf.ThreadPoolExecutor(max_workers=16, thread_name_prefix="join-side")


def _ts(value: float | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromtimestamp(value, dt.UTC)


def _secs(value: Any) -> float | None:
    return value.timestamp() if hasattr(value, "timestamp") else None


def state_from_doc(doc: dict[str, Any]) -> lc.State:
    a, b = doc["participantIds"]
    pending = doc.get("pendingAdvance")
    return lc.State(
        participants=(a, b),
        status=doc["status"],
        roles=dict(doc["roles"]),
        joined=frozenset(doc.get("joinedIds") or []),
        phase_index=doc.get("phaseIndex"),
        phase_started_at=_secs(doc.get("phaseStartedAt")),
        pending_advance=(pending["by"], int(pending["fromIndex"])) if pending else None,
        started_at=_secs(doc.get("startedAt")),
        ended_at=_secs(doc.get("endedAt")),
        end_reason=doc.get("endReason"),
        left_early=doc.get("leftEarly"),
        played_halves=lc.played_halves_of(doc.get("phaseIndex"), doc.get("playedHalves")),
    )


def doc_from_state(s: lc.State) -> dict[str, Any]:
    return {
        "status": s.status,
        "roles": s.roles,
        "joinedIds": sorted(s.joined),
        "phaseIndex": s.phase_index,
        "currentPhase": s.phase_name(),
        "half": s.half if s.phase_index is not None else None,
        "phaseStartedAt": _ts(s.phase_started_at),
        "phaseEndsAt": _ts(s.phase_ends_at()),
        "pendingAdvance": {"by": s.pending_advance[0], "fromIndex": s.pending_advance[1]}
        if s.pending_advance else None,
        "startedAt": _ts(s.started_at),
        "endedAt": _ts(s.ended_at),
        "endReason": s.end_reason,
        "leftEarly": s.left_early,
        "playedHalves": s.played_halves,
        # Written by the very transaction that completes the session: never a session that ended with
        # its feedback open for ever because a second write failed.
        "feedbackDeadline": _ts(s.feedback_deadline()),
    }


UPDATE_ATTEMPTS = 12


def _update_unless_changed(db: firestore.Client, ref: firestore.DocumentReference,
                           decide: Callable[[dict[str, Any] | None], tuple[dict[str, Any] | None, Any]]) -> Any:
    """Reads the document, asks `decide(doc or None) -> (fields to update or None, result)` and writes those
    fields only if nobody wrote the document since the read (an update conditioned on the read's update
    time); a write that lost the race reads and decides again. Returns the result.

    Two round trips where a transaction takes three, and no lock held on the session while its two people,
    its timers and its feedback trigger all read it."""
    for attempt in range(UPDATE_ATTEMPTS):
        snap = ref.get()
        fields, result = decide(snap.to_dict() if snap.exists else None)
        if not fields:
            return result
        try:
            ref.update(fields, option=db.write_option(last_update_time=snap.update_time))
        except (gexc.FailedPrecondition, gexc.Aborted, gexc.NotFound):
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # someone else moved it: read again
            continue
        return result
    raise DomainError("unavailable", "This session is busy right now; please try again.")


def _apply(db: firestore.Client, session_id: str, action: Any) -> tuple[lc.State, lc.State, Any, dict[str, Any]]:
    """Runs `action(state) -> (state, result)` on the session and writes the new state unless someone moved
    the session meanwhile (then it runs again on the new one); returns before, after, result, doc."""
    ref = db.collection(names.SESSIONS).document(session_id)

    def decide(doc: dict[str, Any] | None) -> tuple[dict[str, Any] | None,
                                                     tuple[lc.State, lc.State, Any, dict[str, Any]]]:
        if doc is None:
            raise DomainError("not-found", "This session does not exist or is not yours.")
        before = state_from_doc(doc)
        after, result = action(before)
        return (doc_from_state(after) if after != before else None), (before, after, result, doc)

    out: tuple[lc.State, lc.State, Any, dict[str, Any]] = _update_unless_changed(db, ref, decide)
    return out


def _effects(db: firestore.Client, session_id: str, before: lc.State, after: lc.State,
             doc: dict[str, Any], *, questions_written: bool = False) -> None:
    new = after.events[len(before.events):]
    for event in new:
        if event == "started" and not questions_written:  # a join writes them with the start itself
            # The hard stop is scheduled by the no-show timer, which comes anyway and finds both there
            # (on_no_show), and by a rejoin's repair: not on the start's own path.
            _assign_questions(db, session_id, doc, after)
        elif event.startswith("phase:"):
            index = int(event.split(":", 1)[1])
            _schedule_phase(session_id, index)
            if index == lc.ROLE_SWITCH_INDEX:
                _reveal_second_half(db, session_id, after)
        elif event == "completed":
            if doc.get("feedbackRevealed") is not True:  # both wrote already: nothing is left to reveal
                _schedule_feedback_deadline(session_id,
                                            after.feedback_deadline() or time.time() + FEEDBACK_WINDOW_S)
            stats.recompute_many(db, list(after.participants))
            # Every way a session completes (both agree at wrap-up, the wrap-up timer, the hard stop) comes
            # through here: fold the shared code into its snapshot once; never fails the lifecycle.
            code.compact_quietly(db, session_id)
        elif event == "cancelled":
            stats.recompute_many(db, list(after.participants))
            code.compact_quietly(db, session_id)
        elif event.startswith("left_early:"):
            who = event.split(":", 1)[1]
            _notify(db, after.partner(who), notifications.partner_left(session_id), list(after.participants))


def _schedule_feedback_deadline(session_id: str, deadline: float) -> None:
    """The reveal at the deadline (a deterministic task id: scheduling it twice is a no-op)."""
    tasks.enqueue(names.SESSION_FEEDBACK_DEADLINE, {"sessionId": session_id}, max(0.0, deadline - time.time()),
                  f"feedback-deadline-{session_id}")


def _schedule_hard_stop(session_id: str, started_at: float | None) -> None:
    """The session's absolute end, counted from its start (a deterministic id: twice is a no-op)."""
    elapsed = time.time() - started_at if started_at is not None else 0.0
    tasks.enqueue(names.SESSION_HARD_STOP, {"sessionId": session_id},
                  max(0.0, (sum(lc.PHASE_MINUTES) + lc.HARD_STOP_GRACE_MINUTES) * 60 - elapsed),
                  f"hardstop-{session_id}")


def _schedule_phase(session_id: str, index: int, elapsed: float = 0.0) -> None:
    """Phase `index`'s next timer, `elapsed` seconds into it (deterministic ids): its nudge if it has one
    still to come, else its time-up. The nudge schedules the time-up when it runs, so a phase the two
    leave before the nudge (most of them) costs one task, not two."""
    length = lc.PHASE_MINUTES[index] * 60
    if length > lc.NUDGE_BEFORE_S * 2 and elapsed < length - lc.NUDGE_BEFORE_S:
        tasks.enqueue(names.SESSION_PHASE_TIMER, {"sessionId": session_id, "phaseIndex": index, "kind": "nudge"},
                      length - lc.NUDGE_BEFORE_S - elapsed, f"phase-{session_id}-{index}-nudge")
    else:
        _schedule_time_up(session_id, index, elapsed)


def _schedule_time_up(session_id: str, index: int, elapsed: float) -> None:
    tasks.enqueue(names.SESSION_PHASE_TIMER, {"sessionId": session_id, "phaseIndex": index, "kind": "timeup"},
                  max(0.0, lc.PHASE_MINUTES[index] * 60 - elapsed), f"phase-{session_id}-{index}-timeup")


def _repair_completed(db: firestore.Client, session_id: str, state: lc.State, revealed: bool) -> None:
    """A repeated call on a completed session (or its hard stop): the completing call may have died after
    its transaction, so the reveal is scheduled (same id: a no-op; none once both wrote) and the stats of
    whoever's were not written since the end are recomputed."""
    if not revealed:
        _schedule_feedback_deadline(session_id, state.feedback_deadline() or time.time() + FEEDBACK_WINDOW_S)
    # A completion always changes the numbers, so stats written after the end already count it: two
    # reads decide, instead of recomputing from every session of both people.
    refs = [db.collection(names.USER_STATS).document(uid) for uid in state.participants]
    ended = state.ended_at if state.ended_at is not None else float("inf")
    counted = {snap.id for snap in db.get_all(refs)
               if snap.exists and (_secs((snap.to_dict() or {}).get("updatedAt")) or 0.0) >= ended}
    missing = [uid for uid in state.participants if uid not in counted]
    if missing:
        stats.recompute_many(db, missing)


def _repair(db: firestore.Client, session_id: str, doc: dict[str, Any], state: lc.State) -> None:
    """A repeated join (a reload, a retried call) on a running session redoes what the call that started it
    or moved it on may have left undone, if it died between its transaction and its side effects (a timed
    out worker): the questions, the second half's reveal, the hard stop and the current phase's timers.
    Each step is a no-op when it was done (a stored plan, deterministic task ids)."""
    questions = doc.get("questionSet") if isinstance(doc.get("questionSet"), dict) else {}
    if not questions:
        _assign_questions(db, session_id, doc, state)
    elif state.phase_index is not None and state.phase_index >= lc.ROLE_SWITCH_INDEX and "2" not in questions:
        _reveal_second_half(db, session_id, state)
    _schedule_hard_stop(session_id, state.started_at)
    if state.phase_index is not None and state.phase_started_at is not None:
        _schedule_phase(session_id, state.phase_index, max(0.0, time.time() - state.phase_started_at))


def _notify(db: firestore.Client, uid: str, note: notifications.Notification,
            participants: list[str] | None = None) -> None:
    notifications.send(db, uid, note, participants)


# ---- questions -----------------------------------------------------------------------------------------

_BANK_CACHE: dict[str, list[qb.Question]] = {}


def _bank_meta_ref(db: firestore.Client) -> firestore.DocumentReference:
    ref: firestore.DocumentReference = db.collection(names.CONFIG).document(names.QUESTION_BANK_META)
    return ref


def load_stored_bank(db: firestore.Client, meta: dict[str, Any] | None = None) -> list[qb.Question]:
    """The bank as loaded into Firestore by scripts/load_questions.py, cached per bank version (`meta`:
    its config document, when the caller read it already)."""
    if meta is None:
        meta = _bank_meta_ref(db).get().to_dict() or {}
    version = str(meta.get("version", ""))
    if version and version in _BANK_CACHE:
        return _BANK_CACHE[version]
    bank = []
    for snap in db.collection(names.QUESTION_BANK).stream():
        try:
            bank.append(qb.question_from_dict(snap.to_dict() or {}))
        except (ValueError, KeyError, TypeError, AttributeError) as err:  # one bad entry never stops a start
            log.warning("questions: skipped bank entry %s: %s", snap.id, err)
    if version:
        _BANK_CACHE.clear()
        _BANK_CACHE[version] = bank
    return bank


def _assign_questions(db: firestore.Client, session_id: str, doc: dict[str, Any], state: lc.State) -> None:
    """Picks both halves once (deterministic per session, so a retry picks the same), reveals the first:
    for a session whose start did not write them (a join that died after its commit, older sessions)."""
    batch = db.batch()
    fields = _plan_questions(db, batch, session_id, state, doc)
    if fields:
        batch.update(db.collection(names.SESSIONS).document(session_id), fields)
        batch.commit()


def _plan_questions(db: firestore.Client, batch: Any, session_id: str, state: lc.State,
                    doc: dict[str, Any]) -> dict[str, Any] | None:
    """Adds the question plan, the first interviewer's private questions and both people's seenQuestions to
    `batch`, and returns the session fields that reveal the first half (the caller writes them, a join in
    its own conditional update). None, adding nothing, when a plan is stored already or no bank is loaded.

    Only the first half's ids go into the participants' seenQuestions (which each owner reads): the
    second half's are recorded when that half is revealed, or its interviewee would learn her question
    during the first half.
    """
    plan_ref = db.collection(names.SESSIONS).document(session_id).collection(names.SERVER).document("plan")
    user_refs = [db.collection(names.USERS).document(u) for u in state.participants]
    # One read for the plan, the bank's version and both people's seen questions.
    got = {s.reference.path: s for s in db.get_all([plan_ref, _bank_meta_ref(db), *user_refs])}
    plan = got.get(plan_ref.path)
    if plan is not None and plan.exists:
        return None
    meta = got.get(_bank_meta_ref(db).path)
    bank = load_stored_bank(db, (meta.to_dict() or {}) if meta is not None and meta.exists else {})
    if not bank:
        return None  # no bank loaded (a bare emulator): the room still works, with no question panel
    users = {r.id: (got[r.path].to_dict() or {}) if r.path in got and got[r.path].exists else {} for r in user_refs}
    seen = {q for u in users.values() for q in _list(u.get("seenQuestions")) if isinstance(q, str)}
    session_type = doc.get("sessionType", "technical")
    count = QUESTIONS_PER_HALF.get(session_type, 1)
    first, second = qb.select_halves(bank, session_type, doc.get("difficulty", "intermediate"), seen, count,
                                     session_id)
    interviewer = state.interviewer()
    batch.set(plan_ref, {"half1": [q.id for q in first], "half2": [q.id for q in second]})
    batch.set(db.collection(names.SESSIONS).document(session_id).collection(names.PRIVATE).document(interviewer),
              {"uid": interviewer, "half": 1, "questions": [qb.private_part(q) for q in first]})
    _mark_seen(db, batch, state, [q.id for q in first])
    return {"questionSet": {"1": [qb.public_part(q) for q in first]}, "questionIds": [q.id for q in first]}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _mark_seen(db: firestore.Client, batch: Any, state: lc.State, ids: list[str]) -> None:
    """Both participants have now seen these questions (ArrayUnion: a retry adds nothing)."""
    if not ids:
        return
    for uid in state.participants:
        batch.set(db.collection(names.USERS).document(uid), {"seenQuestions": firestore.ArrayUnion(ids)}, merge=True)


def _reveal_second_half(db: firestore.Client, session_id: str, state: lc.State) -> None:
    plan_ref = db.collection(names.SESSIONS).document(session_id).collection(names.SERVER).document("plan")
    got = {s.reference.path: s for s in db.get_all([plan_ref, _bank_meta_ref(db)])}  # one read for both
    plan_snap, meta = got.get(plan_ref.path), got.get(_bank_meta_ref(db).path)
    plan = plan_snap.to_dict() if plan_snap is not None and plan_snap.exists else None
    if not plan:
        return
    by_id = {q.id: q for q in load_stored_bank(db, (meta.to_dict() or {}) if meta is not None and meta.exists
                                                   else {})}
    second = [by_id[i] for i in plan.get("half2", []) if i in by_id]
    interviewer = state.interviewer()  # roles have swapped already
    batch = db.batch()
    batch.update(db.collection(names.SESSIONS).document(session_id), {
        "questionSet.2": [qb.public_part(q) for q in second],
        "questionIds": firestore.ArrayUnion([q.id for q in second]),
    })
    batch.set(db.collection(names.SESSIONS).document(session_id).collection(names.PRIVATE).document(interviewer),
              {"uid": interviewer, "half": 2, "questions": [qb.private_part(q) for q in second]})
    _mark_seen(db, batch, state, [q.id for q in second])
    batch.commit()


# ---- entry points -----------------------------------------------------------------------------------------

def join(db: firestore.Client, session_id: str, uid: str) -> dict[str, Any]:
    """A participant enters the room. One read of the session and the documents' timer together, then one
    commit of everything the join writes: the session (conditioned on the read's update time, as
    `_update_unless_changed` does), at the start the questions (plan, the interviewer's private half, both
    people's seenQuestions), and the timer's first slot when no chain is pending. A commit that lost a
    race (the session or the timer moved since the read) reads and decides again."""
    now = time.time()
    ref = db.collection(names.SESSIONS).document(session_id)
    timer_ref = doctimer.timer_ref(db, session_id)
    for attempt in range(UPDATE_ATTEMPTS):
        got = {s.reference.path: s for s in db.get_all([ref, timer_ref])}
        snap, timer = got.get(ref.path), got.get(timer_ref.path)
        if snap is None or not snap.exists:
            raise DomainError("not-found", "This session does not exist or is not yours.")
        doc = snap.to_dict() or {}
        before = state_from_doc(doc)
        after = lc.join(before, uid, now)
        batch = db.batch()
        fields = doc_from_state(after) if after != before else {}
        if "started" in after.events[len(before.events):]:
            fields.update(_plan_questions(db, batch, session_id, after, doc) or {})
        if fields:
            batch.update(ref, fields, option=db.write_option(last_update_time=snap.update_time))
        slot = doctimer.claim_in(db, batch, timer, time.time()) if timer is not None and after.status in doctimer.LIVE \
            else None
        if fields or slot is not None:
            try:
                batch.commit()
            except (gexc.FailedPrecondition, gexc.Aborted, gexc.NotFound, gexc.AlreadyExists):
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # someone else moved it: read again
                continue
        break
    else:
        raise DomainError("unavailable", "This session is busy right now; please try again.")
    partner = after.partner(uid)
    side: list[cf.Future[Any]] = []
    # The first one in tells the other (once: the id is per session); nobody is told who is there already.
    if uid not in before.joined and uid in after.joined and partner not in after.joined:
        # The session was just read: its participants need no second read for the block check.
        side.append(_SIDE.submit(_notify, db, partner, notifications.partner_joined(session_id, _name_in(doc, uid)),
                                 list(after.participants)))
    if slot is not None:
        side.append(_SIDE.submit(doctimer.enqueue_first, session_id, slot))
    try:
        _effects(db, session_id, before, after, doc, questions_written=True)
        if not after.events and after.status in ("active", "ending"):
            _repair(db, session_id, doc, after)
    finally:
        for future in side:
            future.result()  # waited for either way; the first failure fails the call (a retry redoes it)
    return {"status": after.status, "phaseIndex": after.phase_index, "serverTime": now}


def _name_in(doc: dict[str, Any], uid: str) -> str:
    for p in _list(doc.get("participants")):
        if isinstance(p, dict) and p.get("userId") == uid and isinstance(p.get("displayName"), str):
            return str(p["displayName"])[:60] or "Your partner"
    return "Your partner"


def advance(db: firestore.Client, session_id: str, uid: str, from_index: object) -> dict[str, Any]:
    if not isinstance(from_index, int) or isinstance(from_index, bool):
        raise DomainError("invalid-argument", "Which phase are you moving on from?")
    now = time.time()
    before, after, result, doc = _apply(db, session_id, lambda s: lc.advance(s, uid, from_index, now))
    _effects(db, session_id, before, after, doc)
    if result == "already" and after.status == "completed":
        _repair_completed(db, session_id, after, doc.get("feedbackRevealed") is True)
    return {"result": result, "status": after.status, "phaseIndex": after.phase_index, "serverTime": now}


def leave(db: firestore.Client, session_id: str, uid: str) -> dict[str, Any]:
    now = time.time()
    before, after, _, doc = _apply(db, session_id, lambda s: (lc.leave_early(s, uid, now), None))
    _effects(db, session_id, before, after, doc)
    return {"status": after.status, "phaseIndex": after.phase_index}


def _session_doc(db: firestore.Client, session_id: str) -> dict[str, Any] | None:
    snap = db.collection(names.SESSIONS).document(session_id).get()
    return snap.to_dict() if snap.exists else None


def on_phase_timer(db: firestore.Client, payload: dict[str, Any]) -> str:
    tasks.refuse_if_just_queued(payload)  # the emulator's immediate delivery: no read
    session_id, index, kind = str(payload["sessionId"]), int(payload["phaseIndex"]), payload.get("kind")
    # A timer whose phase is over (or whose session is gone) finishes at once instead of waiting to be due.
    doc = _session_doc(db, session_id)
    if not doc or doc.get("phaseIndex") != index or doc.get("status") not in ("active", "ending"):
        return "already"
    tasks.check_due(payload)
    if kind == "nudge":
        db.collection(names.SESSIONS).document(session_id).update(
            {"nudge": {"phaseIndex": index, "at": firestore.SERVER_TIMESTAMP,
                       "message": "Two minutes left in this part."}})
        started = _secs(doc.get("phaseStartedAt"))
        _schedule_time_up(session_id, index, time.time() - started if started is not None else 0.0)
        return "nudged"
    now = time.time()
    before, after, result, doc = _apply(db, session_id, lambda s: lc.time_up(s, index, now))
    _effects(db, session_id, before, after, doc)
    return str(result)


def on_hard_stop(db: firestore.Client, payload: dict[str, Any]) -> str:
    tasks.refuse_if_just_queued(payload)
    doc = _session_doc(db, str(payload["sessionId"]))
    if doc and doc.get("status") == "completed" and _secs(doc.get("feedbackDeadline")) is not None:
        # The completing call may have died between its transaction and its effects: make sure.
        _repair_completed(db, str(payload["sessionId"]), state_from_doc(doc), doc.get("feedbackRevealed") is True)
    if not doc or doc.get("status") in ("completed", "cancelled"):
        return "already"
    tasks.check_due(payload)
    now = time.time()
    before, after, _, doc = _apply(db, str(payload["sessionId"]), lambda s: (lc.hard_stop(s, now), None))
    _effects(db, str(payload["sessionId"]), before, after, doc)
    return after.status


def on_no_show(db: firestore.Client, payload: dict[str, Any]) -> list[str]:
    """Cancels a session someone didn't come to; the one who came goes to the front of the queue."""
    tasks.refuse_if_just_queued(payload)
    session_id = str(payload["sessionId"])
    doc = _session_doc(db, session_id)
    if not doc or doc.get("status") not in ("matched", "starting") or \
            set(doc.get("joinedIds") or []) >= set(doc.get("participantIds") or []):
        if doc and doc.get("status") in ("active", "ending"):
            # Both came: make sure the session has its end, should the call that started it have died
            # before scheduling it (same id: a no-op otherwise). Then nobody needs to come back for it.
            _schedule_hard_stop(session_id, _secs(doc.get("startedAt")))
        return []  # both came, or it is over: nothing to wait for
    tasks.check_due(payload)
    now = time.time()
    before, after, _, doc = _apply(db, session_id, lambda s: (lc.no_show(s, now), None))
    absent = [e.split(":", 1)[1] for e in after.events[len(before.events):] if e.startswith("no_show:")]
    # The no-show counts against the absent person's reliability: stats are recomputed from the sessions.
    _effects(db, session_id, before, after, doc)
    for uid in after.participants:
        if uid in absent:
            continue
        _requeue_at_front(db, uid, session_id)
        _notify(db, uid, notifications.partner_no_show(session_id))
    return absent


def _requeue_at_front(db: firestore.Client, uid: str, session_id: str) -> None:
    user = db.collection(names.USERS).document(uid).get().to_dict() or {}
    prefs = user.get("lastPreferences")
    if not prefs or safety.suspension_of(user, tasks.now_ms()):
        return  # a suspended member is not put back in the queue (the rules refuse their own joins)
    ref = db.collection(names.MATCHING_QUEUE).document(uid)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> bool:
        """True when the first look must start here (the entry was there already)."""
        current = ref.get(transaction=tx)
        data = current.to_dict() if current.exists else None
        if data and data.get("requeuedFrom") == session_id:
            # A repeated delivery: look only if the first one died between its write and its look.
            return data.get("status") == "waiting" and data.get("looked") is not True
        if data and data.get("status") == "waiting":
            return False
        tx.set(ref, {**prefs, "uid": uid, "status": "waiting", "priority": True, "requeuedFrom": session_id,
                     "joinedAt": firestore.SERVER_TIMESTAMP})
        return data is not None

    if run(db.transaction()):
        # Writing over the old (matched) entry is an update, which fires no create trigger: without this
        # look the person would wait, never matched, until their timeout. A new entry's trigger looks itself.
        try:
            matchmaking.look_and_schedule(db, uid)
        except Exception:
            # Still waiting: the waiting screen shows it, and the person's own cancel and re-join look again.
            log.exception("no-show: the first look for the re-queued %s failed", uid)


def on_feedback(db: firestore.Client, session_id: str, from_uid: str) -> bool:
    """A participant's feedback arrived: record it; once both are in, reveal both and recompute both stats.

    Stats move only at the reveal (here, or at the deadline): folding in one rating earlier would show it
    to its subject through userStats and communityProfiles.peerStats. Idempotent: a repeated delivery
    records the same and recomputes the same numbers. A document from someone who is not a participant
    (the rules refuse it; only the Admin SDK could write it) is logged and skipped, never retried.
    """
    ref = db.collection(names.SESSIONS).document(session_id)

    def decide(doc: dict[str, Any] | None) -> tuple[dict[str, Any] | None, tuple[bool, list[str]]]:
        if not doc:
            return None, (False, [])
        participants = [p for p in _list(doc.get("participantIds")) if isinstance(p, str)]
        if from_uid not in participants:
            log.warning("feedback: %s is not a participant of session %s; skipped", from_uid, session_id)
            return None, (False, [])
        submitted = sorted({p for p in _list(doc.get("feedbackSubmitted")) if p in participants} | {from_uid})
        revealed = doc.get("feedbackRevealed") is True or set(submitted) >= set(participants)
        fields = {"feedbackSubmitted": submitted, "feedbackRevealed": revealed}
        unchanged = doc.get("feedbackSubmitted") == submitted and doc.get("feedbackRevealed") is revealed
        return (None if unchanged else fields), (revealed, participants)

    revealed, participants = _update_unless_changed(db, ref, decide)
    if revealed:
        # A repeated delivery recomputes the same numbers (nothing rewritten) and finds the notes there.
        stats.recompute_many(db, participants)
        _notify_feedback(db, session_id, participants)
    return revealed


def _notify_feedback(db: firestore.Client, session_id: str, participants: list[str]) -> None:
    """At the reveal, each person whose partner wrote feedback is told (the id makes a repeat a no-op)."""
    feedback = db.collection(names.SESSIONS).document(session_id).collection(names.FEEDBACK)
    told = []
    for snap in feedback.stream():
        to = (snap.to_dict() or {}).get("to")
        if snap.id in participants and to in participants and to != snap.id:
            told.append(str(to))
    # Side by side, each with the participants just read (no second read of the session for the block check).
    for future in [_SIDE.submit(_notify, db, to, notifications.feedback_received(session_id), participants)
                   for to in told]:
        future.result()


def on_feedback_deadline(db: firestore.Client, payload: dict[str, Any]) -> str:
    """The feedback window closed: reveal what was written and recompute both people's stats (idempotent)."""
    tasks.refuse_if_just_queued(payload)
    session_id = str(payload["sessionId"])
    doc = _session_doc(db, session_id)
    if not doc:
        return "gone"
    participants = [p for p in _list(doc.get("participantIds")) if isinstance(p, str)]
    if doc.get("feedbackRevealed") is True:
        if set(_list(doc.get("feedbackSubmitted"))) >= set(participants):
            # Both wrote: the feedback trigger revealed it, recomputed and told them (and is retried until
            # it has). Nothing is left for the deadline.
            return "revealed"
        # Revealed by an earlier delivery of this task that may have failed after the flag: the stats
        # again (the same numbers are not rewritten); its notes are sent once (their ids).
        stats.recompute_many(db, participants)
        _notify_feedback(db, session_id, participants)
        return "revealed"
    tasks.check_due(payload)
    db.collection(names.SESSIONS).document(session_id).update({"feedbackRevealed": True})
    stats.recompute_many(db, participants)
    _notify_feedback(db, session_id, participants)
    return "revealed"
