"""The interview flow on Firestore: the I/O around `salamin.lifecycle` and `salamin.questions`.

Each entry point loads the session in a transaction, asks the state machine what the action does,
writes the result, and then performs the side effects the transition asked for (timers, questions,
notifications). Side effects are idempotent on their own (deterministic task ids and document ids), so
a retried call or a task delivered twice does no harm.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from google.cloud import firestore

from salamin import code, doctimer, names, notifications, safety, stats, tasks
from salamin import lifecycle as lc
from salamin import questions as qb
from salamin.errors import DomainError

log = logging.getLogger(__name__)

QUESTIONS_PER_HALF = {"behavioral": 2, "technical": 1, "case_study": 1, "mixed": 1}
FEEDBACK_WINDOW_S = lc.FEEDBACK_WINDOW_S


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
        # Written by the very transaction that completes the session: never a session that ended with
        # its feedback open for ever because a second write failed.
        "feedbackDeadline": _ts(s.feedback_deadline()),
    }


def _apply(db: firestore.Client, session_id: str, action: Any) -> tuple[lc.State, lc.State, Any, dict[str, Any]]:
    """Runs `action(state) -> (state, result)` in a transaction; returns before, after, result, doc."""
    ref = db.collection(names.SESSIONS).document(session_id)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> tuple[lc.State, lc.State, Any, dict[str, Any]]:
        snap = ref.get(transaction=tx)
        if not snap.exists:
            raise DomainError("not-found", "This session does not exist or is not yours.")
        doc = snap.to_dict() or {}
        before = state_from_doc(doc)
        after, result = action(before)
        if after != before:
            tx.update(ref, doc_from_state(after))
        return before, after, result, doc

    return run(db.transaction())


def _effects(db: firestore.Client, session_id: str, before: lc.State, after: lc.State,
             doc: dict[str, Any]) -> None:
    new = after.events[len(before.events):]
    for event in new:
        if event == "started":
            _assign_questions(db, session_id, doc, after)
            _schedule_hard_stop(session_id, after.started_at)
        elif event.startswith("phase:"):
            index = int(event.split(":", 1)[1])
            _schedule_phase(session_id, index)
            if index == lc.ROLE_SWITCH_INDEX:
                _reveal_second_half(db, session_id, after)
        elif event == "completed":
            _schedule_feedback_deadline(session_id, after.feedback_deadline() or time.time() + FEEDBACK_WINDOW_S)
            for uid in after.participants:
                stats.recompute(db, uid)
            # Every way a session completes (both agree at wrap-up, the wrap-up timer, the hard stop) comes
            # through here: fold the shared code into its snapshot once; never fails the lifecycle.
            code.compact_quietly(db, session_id)
        elif event == "cancelled":
            for uid in after.participants:
                stats.recompute(db, uid)
            code.compact_quietly(db, session_id)
        elif event.startswith("left_early:"):
            who = event.split(":", 1)[1]
            _notify(db, after.partner(who), notifications.partner_left(session_id))


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


def _repair_completed(db: firestore.Client, session_id: str, state: lc.State) -> None:
    """A repeated call on a completed session (or its hard stop): the completing call may have died after
    its transaction, so the reveal is scheduled (same id: a no-op) and the stats of whoever's were not
    written since the end are recomputed."""
    _schedule_feedback_deadline(session_id, state.feedback_deadline() or time.time() + FEEDBACK_WINDOW_S)
    # A completion always changes the numbers, so stats written after the end already count it: two
    # reads decide, instead of recomputing from every session of both people.
    refs = [db.collection(names.USER_STATS).document(uid) for uid in state.participants]
    ended = state.ended_at if state.ended_at is not None else float("inf")
    counted = {snap.id for snap in db.get_all(refs)
               if snap.exists and (_secs((snap.to_dict() or {}).get("updatedAt")) or 0.0) >= ended}
    for uid in state.participants:
        if uid not in counted:
            stats.recompute(db, uid)


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


def _notify(db: firestore.Client, uid: str, note: notifications.Notification) -> None:
    notifications.send(db, uid, note)


# ---- questions -----------------------------------------------------------------------------------------

_BANK_CACHE: dict[str, list[qb.Question]] = {}


def load_stored_bank(db: firestore.Client) -> list[qb.Question]:
    """The bank as loaded into Firestore by scripts/load_questions.py, cached per bank version."""
    meta = db.collection(names.CONFIG).document(names.QUESTION_BANK_META).get().to_dict() or {}
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
    """Picks both halves once (deterministic per session, so a retry picks the same), reveals the first.

    Only the first half's ids go into the participants' seenQuestions (which each owner reads): the
    second half's are recorded when that half is revealed, or its interviewee would learn her question
    during the first half.
    """
    plan_ref = db.collection(names.SESSIONS).document(session_id).collection(names.SERVER).document("plan")
    if plan_ref.get().exists:
        return
    bank = load_stored_bank(db)
    if not bank:
        return  # no bank loaded (a bare emulator): the room still works, with no question panel
    users = {s.id: s.to_dict() or {} for s in db.get_all([db.collection(names.USERS).document(u)
                                                           for u in state.participants])}
    seen = {q for u in users.values() for q in _list(u.get("seenQuestions")) if isinstance(q, str)}
    session_type = doc.get("sessionType", "technical")
    count = QUESTIONS_PER_HALF.get(session_type, 1)
    first, second = qb.select_halves(bank, session_type, doc.get("difficulty", "intermediate"), seen, count,
                                     session_id)
    interviewer = state.interviewer()
    batch = db.batch()
    batch.set(plan_ref, {"half1": [q.id for q in first], "half2": [q.id for q in second]})
    batch.update(db.collection(names.SESSIONS).document(session_id), {
        "questionSet": {"1": [qb.public_part(q) for q in first]},
        "questionIds": [q.id for q in first],
    })
    batch.set(db.collection(names.SESSIONS).document(session_id).collection(names.PRIVATE).document(interviewer),
              {"uid": interviewer, "half": 1, "questions": [qb.private_part(q) for q in first]})
    _mark_seen(db, batch, state, [q.id for q in first])
    batch.commit()


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _mark_seen(db: firestore.Client, batch: Any, state: lc.State, ids: list[str]) -> None:
    """Both participants have now seen these questions (ArrayUnion: a retry adds nothing)."""
    if not ids:
        return
    for uid in state.participants:
        batch.set(db.collection(names.USERS).document(uid), {"seenQuestions": firestore.ArrayUnion(ids)}, merge=True)


def _reveal_second_half(db: firestore.Client, session_id: str, state: lc.State) -> None:
    plan = db.collection(names.SESSIONS).document(session_id).collection(names.SERVER).document("plan").get().to_dict()
    if not plan:
        return
    by_id = {q.id: q for q in load_stored_bank(db)}
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
    now = time.time()
    before, after, _, doc = _apply(db, session_id, lambda s: (lc.join(s, uid, now), None))
    _effects(db, session_id, before, after, doc)
    if not after.events and after.status in ("active", "ending"):
        _repair(db, session_id, doc, after)
    partner = after.partner(uid)
    # The first one in tells the other (once: the id is per session); nobody is told who is there already.
    if uid not in before.joined and uid in after.joined and partner not in after.joined:
        _notify(db, partner, notifications.partner_joined(session_id, _name_in(doc, uid)))
    if after.status in doctimer.LIVE:
        doctimer.start(db, session_id)  # the shared documents' timer: a no-op while one is pending
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
        _repair_completed(db, session_id, after)
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
    doc = _session_doc(db, str(payload["sessionId"]))
    if doc and doc.get("status") == "completed" and _secs(doc.get("feedbackDeadline")) is not None:
        # The completing call may have died between its transaction and its effects: make sure.
        _repair_completed(db, str(payload["sessionId"]), state_from_doc(doc))
    if not doc or doc.get("status") in ("completed", "cancelled"):
        return "already"
    tasks.check_due(payload)
    now = time.time()
    before, after, _, doc = _apply(db, str(payload["sessionId"]), lambda s: (lc.hard_stop(s, now), None))
    _effects(db, str(payload["sessionId"]), before, after, doc)
    return after.status


def on_no_show(db: firestore.Client, payload: dict[str, Any]) -> list[str]:
    """Cancels a session someone didn't come to; the one who came goes to the front of the queue."""
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
    def run(tx: firestore.Transaction) -> None:
        current = ref.get(transaction=tx)
        data = current.to_dict() if current.exists else None
        if data and (data.get("status") == "waiting" or data.get("requeuedFrom") == session_id):
            return
        tx.set(ref, {**prefs, "uid": uid, "status": "waiting", "priority": True, "requeuedFrom": session_id,
                     "joinedAt": firestore.SERVER_TIMESTAMP})

    run(db.transaction())


def on_feedback(db: firestore.Client, session_id: str, from_uid: str) -> bool:
    """A participant's feedback arrived: record it; once both are in, reveal both and recompute both stats.

    Stats move only at the reveal (here, or at the deadline): folding in one rating earlier would show it
    to its subject through userStats and communityProfiles.peerStats. Idempotent: a repeated delivery
    records the same and recomputes the same numbers. A document from someone who is not a participant
    (the rules refuse it; only the Admin SDK could write it) is logged and skipped, never retried.
    """
    ref = db.collection(names.SESSIONS).document(session_id)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> tuple[bool, list[str]]:
        snap = ref.get(transaction=tx)
        doc = snap.to_dict() if snap.exists else None
        if not doc:
            return False, []
        participants = [p for p in _list(doc.get("participantIds")) if isinstance(p, str)]
        if from_uid not in participants:
            log.warning("feedback: %s is not a participant of session %s; skipped", from_uid, session_id)
            return False, []
        submitted = sorted({p for p in _list(doc.get("feedbackSubmitted")) if p in participants} | {from_uid})
        revealed = doc.get("feedbackRevealed") is True or set(submitted) >= set(participants)
        tx.update(ref, {"feedbackSubmitted": submitted, "feedbackRevealed": revealed})
        return revealed, participants

    revealed, participants = run(db.transaction())
    if revealed:
        for uid in participants:
            stats.recompute(db, uid)
        _notify_feedback(db, session_id, participants)
    return revealed


def _notify_feedback(db: firestore.Client, session_id: str, participants: list[str]) -> None:
    """At the reveal, each person whose partner wrote feedback is told (the id makes a repeat a no-op)."""
    feedback = db.collection(names.SESSIONS).document(session_id).collection(names.FEEDBACK)
    for snap in feedback.stream():
        to = (snap.to_dict() or {}).get("to")
        if snap.id in participants and to in participants and to != snap.id:
            _notify(db, str(to), notifications.feedback_received(session_id))


def on_feedback_deadline(db: firestore.Client, payload: dict[str, Any]) -> str:
    """The feedback window closed: reveal what was written and recompute both people's stats (idempotent)."""
    session_id = str(payload["sessionId"])
    doc = _session_doc(db, session_id)
    if not doc:
        return "gone"
    revealed_here = doc.get("feedbackRevealed") is not True
    if revealed_here:
        tasks.check_due(payload)
        db.collection(names.SESSIONS).document(session_id).update({"feedbackRevealed": True})
    # Recomputed even when both had written (revealed already): a delivery that failed after the reveal
    # comes back here and still brings the stats in line.
    participants = [p for p in _list(doc.get("participantIds")) if isinstance(p, str)]
    for uid in participants:
        stats.recompute(db, uid)
    if revealed_here:  # revealed earlier, the feedback trigger told them (and is retried if it failed)
        _notify_feedback(db, session_id, participants)
    return "revealed"
