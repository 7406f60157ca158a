"""The matching queue on Firestore: the I/O around the pure rules in `salamin.matching`.

Every entry point re-reads what it needs and commits in a transaction that re-checks both entries are
still waiting, so two concurrent attempts can never put one person in two sessions, and a trigger or
task delivered twice finds nothing left to do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import random
import time
from dataclasses import dataclass
from typing import Any

from google.api_core.exceptions import Aborted, NotFound
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from salamin import lifecycle, matching, names, notifications, tasks

RECENT_PARTNERS_KEPT = 5
CANDIDATE_LIMIT = 200
SHORTLIST = 12
SESSION_MINUTES = 60
MATCH_ATTEMPTS = 4
REFUSED = "refused"  # an entry over the join budget: the page shows why and when to come back
log = logging.getLogger(__name__)
LABELS = {"behavioral": "behavioral", "technical": "technical coding", "case_study": "case study / system design",
          "mixed": "mixed"}


def joined_ms(entry: dict[str, Any]) -> int:
    ts = entry.get("joinedAt")
    # The rules make joinedAt the server's time; anything else reads as "long ago" (the entry has expired).
    return int(ts.timestamp() * 1000) if isinstance(ts, dt.datetime) else 0


@dataclass(frozen=True)
class _Context:
    """What matching needs to know about a person besides their queue entry."""

    blocked: frozenset[str]
    recent: frozenset[str]
    reliability: float
    name: str


def _contexts(db: firestore.Client, uids: list[str]) -> dict[str, _Context]:
    users = {s.id: s.to_dict() or {} for s in db.get_all([db.collection(names.USERS).document(u) for u in uids])}
    stats = {s.id: s.to_dict() or {} for s in db.get_all([db.collection(names.USER_STATS).document(u) for u in uids])}
    profiles = {s.id: s.to_dict() or {}
                for s in db.get_all([db.collection(names.COMMUNITY_PROFILES).document(u) for u in uids])}
    out = {}
    for uid in uids:
        try:
            out[uid] = _context(users.get(uid, {}), stats.get(uid, {}), profiles.get(uid, {}))
        except ValueError as err:
            # Without a readable block list we cannot honour it: this person sits this attempt out.
            log.warning("matching: skipped %s, unreadable users document: %s", uid, err)
    return out


def _context(user: dict[str, Any], stat: dict[str, Any], profile: dict[str, Any]) -> _Context:
    blocked, dropped = matching.parse_uid_list(user.get("blockedUserIds"))
    if dropped:
        log.warning("matching: ignored %d malformed blockedUserIds items", dropped)
    recent, _ = matching.parse_uid_list(user.get("recentPartners"))
    rel = stat.get("reliability")
    score = rel.get("score", 1.0) if isinstance(rel, dict) else 1.0
    ok = isinstance(score, (int, float)) and not isinstance(score, bool) and math.isfinite(score)
    return _Context(blocked=blocked, recent=recent, reliability=float(score) if ok else 1.0,
                    name=_display_name(profile.get("displayName"), user.get("displayName")))


def _display_name(*choices: object) -> str:
    for name in choices:
        if isinstance(name, str) and name.strip():
            return name.strip()[:60]
    return "Your partner"


def _ordered_uids(value: object) -> list[str]:
    """A stored uid list (recentPartners) in its order, unreadable items dropped."""
    good, _ = matching.parse_uid_list(value if isinstance(value, list) else None)
    return [u for u in value if u in good] if isinstance(value, list) else []


def _candidate(uid: str, entry: dict[str, Any], ctx: _Context) -> matching.Candidate | None:
    """The entry as a candidate, or None (logged) when it cannot be read: one bad entry is skipped, it never
    stops an attempt for everyone else."""
    try:
        return matching.Candidate(
            uid=uid,
            prefs=matching.Preferences.from_doc(entry),
            joined_at=joined_ms(entry) / 1000,
            reliability=ctx.reliability,
            blocked=ctx.blocked,
            recent_partners=ctx.recent,
            priority=entry.get("priority") is True,
        )
    except ValueError as err:
        log.warning("matching: skipped queue entry %s: %s", uid, err)
        return None


def on_entry_created(db: firestore.Client, uid: str, created: dict[str, Any] | None = None) -> str | None:
    """A person joined the queue: count the join (and remember the preferences), try to match now, and
    if nobody fits start the timeout and re-try later. `created` is the entry as the trigger's event
    carries it (counted even if already gone). Nothing that fails after the attempt stops the timers."""
    ref = db.collection(names.MATCHING_QUEUE).document(uid)
    if created is not None and created.get("status") == "waiting" and not _admit(db, uid, created):
        return None
    snap = ref.get()
    entry = snap.to_dict() if snap.exists else None
    if not entry or entry.get("status") != "waiting":
        return None
    jm = joined_ms(entry)
    max_wait = matching.safe_max_wait_s(entry)
    try:
        session = attempt_match(db, uid, entry=entry)
    except Exception:
        # Whatever went wrong, the timers below must still be set: the re-try tries again in seconds and
        # the timeout takes the entry out of the queue at the latest after its max wait.
        log.exception("matching: attempt for %s failed", uid)
        session = None
    if session:
        return session
    # Timers only for those still waiting: most people are matched on arrival, and each timer costs a
    # task. Should this run die right here, the waiting screen still gives up by itself after
    # maxWaitTime and deletes the entry, so nobody waits forever.
    tasks.enqueue(names.MATCH_TIMEOUT, {"uid": uid, "joinedMs": jm}, max_wait, f"timeout-{uid}-{jm}")
    tasks.enqueue(names.MATCH_RETRY, {"uid": uid, "joinedMs": jm, "attempt": 1},
                  matching.retry_delay_s(0), f"retry-{uid}-{jm}-1")
    # Server-derived, for the record: whom this person must not meet again right away. NotFound means
    # cancelled meanwhile; the timers will then find nothing to do. Only a record: a failure is logged.
    try:
        user = db.collection(names.USERS).document(uid).get().to_dict() or {}
        with contextlib.suppress(NotFound):
            ref.update({"lastMatchedWith": _ordered_uids(user.get("recentPartners"))[:RECENT_PARTNERS_KEPT]})
    except Exception:
        log.exception("matching: could not record lastMatchedWith for %s", uid)
    return None


def _admit(db: firestore.Client, uid: str, created: dict[str, Any]) -> bool:
    """The hourly join budget (rules cannot count). Every created entry counts, even one deleted at once,
    so creating and deleting in a loop is stopped too. Over the budget, the entry (if still waiting) is
    marked refused with the moment another join fits. A server re-queue after a partner's no-show is not
    the person's join. False means: do nothing more for this entry. An admitted join's preferences, when
    readable, are stored as `lastPreferences` in the same write (one write to users/{uid}, inside the
    transaction, so it never waits behind another transaction's lock as a plain write would)."""
    if created.get("requeuedFrom"):
        return True
    jm = joined_ms(created)
    prefs = {k: created[k] for k in matching.PREFERENCE_FIELDS if k in created}
    # Only readable preferences are remembered: they become the form's defaults and a re-queue.
    remembered = {"lastPreferences": prefs} if not matching.validate_preferences(prefs) else {}
    entry_ref, user_ref = db.collection(names.MATCHING_QUEUE).document(uid), db.collection(names.USERS).document(uid)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> bool:
        user_snap = user_ref.get(transaction=tx)
        joins = (user_snap.to_dict() or {}).get("queueJoins") if user_snap.exists else None
        decision = matching.admit_join(joins, jm)
        if decision.allowed:
            tx.set(user_ref, {"queueJoins": list(decision.joins), **remembered}, merge=True)
            return True
        current = entry_ref.get(transaction=tx)
        data = current.to_dict() if current.exists else None
        if data and data.get("status") == "waiting" and joined_ms(data) == jm:
            retry_at = dt.datetime.fromtimestamp((decision.retry_at_ms or jm) / 1000, dt.UTC)
            tx.update(entry_ref, {"status": REFUSED, "refusedReason": "join_budget",
                                  "joinBudget": matching.QUEUE_JOINS_PER_HOUR, "retryAt": retry_at})
        return False

    try:
        admitted = run(db.transaction())
    except Exception:
        # Our failure is not the person's fault: let the join through rather than refuse it.
        log.exception("matching: join budget check for %s failed", uid)
        return True
    if not admitted:
        log.info("matching: %s is over the join budget", uid)
    return admitted


class _GoneError(Exception):
    """The partner (or this person) stopped waiting between the search and the commit."""


def attempt_match(db: firestore.Client, uid: str, now: float | None = None,
                  entry: dict[str, Any] | None = None) -> str | None:
    """Finds a partner for a waiting entry and commits the pair. Returns the session id, or None.
    `entry` is the caller's fresh read of the entry, saving a read on the first try."""
    excluded: set[str] = set()
    for attempt in range(MATCH_ATTEMPTS):
        if attempt == 0 and entry is not None:
            me_entry: dict[str, Any] | None = entry
        else:
            me_snap = db.collection(names.MATCHING_QUEUE).document(uid).get()
            me_entry = me_snap.to_dict() if me_snap.exists else None
        if not me_entry or me_entry.get("status") != "waiting":
            return None
        bare = _Context(frozenset(), frozenset(), 1.0, "")
        me_bare = _candidate(uid, me_entry, bare)
        if me_bare is None:
            return None  # our own entry is unreadable: its timeout will take it out of the queue
        query = (db.collection(names.MATCHING_QUEUE)
                 .where(filter=FieldFilter("status", "==", "waiting"))
                 .where(filter=FieldFilter("sessionTypes", "array_contains_any", list(me_bare.prefs.session_types)))
                 .order_by("joinedAt")
                 .limit(CANDIDATE_LIMIT))
        others = {s.id: s.to_dict() or {} for s in query.stream() if s.id != uid and s.id not in excluded}
        at = now if now is not None else time.time()
        # Rank on the entries alone first, then load block lists, recent partners and reliability only
        # for a shortlist: a trigger stays cheap with hundreds waiting. Unreadable entries drop out here.
        readable = [c for o, e in others.items() if (c := _candidate(o, e, bare)) is not None]
        ranked = matching.ranked_partners(me_bare, readable, at)
        if not ranked:
            return None
        shortlist = [c.uid for c, _ in ranked[:SHORTLIST]]
        ctx = _contexts(db, [uid, *shortlist])
        me = _candidate(uid, me_entry, ctx[uid]) if uid in ctx else None
        if me is None:
            return None  # without our own readable block list we cannot match safely
        fitting = [c for o in shortlist if o in ctx and (c := _candidate(o, others[o], ctx[o])) is not None]
        picked = matching.pick_partner(me, fitting, at)
        if picked is None:
            excluded.update(shortlist)  # blocked or recent partners: look further down the list
            continue
        partner, score = picked
        try:
            session_id = _commit_pair(db, me, partner, score, ctx)
        except _GoneError:
            excluded.add(partner.uid)
            continue
        except (Aborted, ValueError) as err:
            # Lost a lock race with another attempt on the same people (ValueError is what the client
            # raises when its own retries run out). Re-read and try again: the other attempt may well
            # have paired us already, which the next read will show.
            if isinstance(err, ValueError) and "transaction" not in str(err).lower():
                raise
            time.sleep(random.uniform(0.05, 0.25))
            continue
        # The no-show timer: a session nobody comes to is cancelled and the one who came re-queued.
        tasks.enqueue(names.SESSION_NO_SHOW, {"sessionId": session_id}, lifecycle.NO_SHOW_MINUTES * 60,
                      f"noshow-{session_id}")
        return session_id
    return None


def _commit_pair(db: firestore.Client, a: matching.Candidate, b: matching.Candidate, score: float,
                 ctx: dict[str, _Context]) -> str:
    queue = db.collection(names.MATCHING_QUEUE)
    a_ref, b_ref = queue.document(a.uid), queue.document(b.uid)
    session_ref = db.collection(names.SESSIONS).document()
    role_a, role_b = matching.assign_roles(a, b)
    session_type = matching.common_session_type(a, b)
    difficulty = matching.common_difficulty(a, b)
    language = matching.common_language(a, b)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> str:
        # Both entries locked in one fixed order (by id), so two attempts on the same pair cannot deadlock.
        snaps = {s.id: s for s in db.get_all(sorted([a_ref, b_ref], key=lambda r: r.id), transaction=tx)}
        for cand in (a, b):
            snap = snaps.get(cand.uid)
            data = snap.to_dict() if snap is not None and snap.exists else None
            if not data or data.get("status") != "waiting" or joined_ms(data) != round(cand.joined_at * 1000):
                raise _GoneError(cand.uid)
        user_refs = [db.collection(names.USERS).document(u) for u in sorted((a.uid, b.uid))]
        users = {s.id: (s.to_dict() or {}) for s in db.get_all(user_refs, transaction=tx)}

        participants = [
            _participant(a.uid, ctx[a.uid].name, role_a),
            _participant(b.uid, ctx[b.uid].name, role_b),
        ]
        tx.set(session_ref, {
            "id": session_ref.id,
            "participantIds": [a.uid, b.uid],
            "participants": participants,
            "roles": {a.uid: role_a, b.uid: role_b},
            "status": "matched",
            "source": "match",
            "sessionType": session_type,
            "difficulty": difficulty,
            "language": language,
            "estimatedDuration": SESSION_MINUTES,
            "halfDuration": SESSION_MINUTES // 2,
            "currentPhase": None,
            "requiresCodeEditor": session_type in ("technical", "mixed"),
            "requiresWhiteboard": session_type in ("case_study", "mixed", "technical"),
            "recordingEnabled": False,
            "createdAt": firestore.SERVER_TIMESTAMP,
            "matchedAt": firestore.SERVER_TIMESTAMP,
        })
        # The pair's score mixes both people's preferences and reliability: a participant who knows
        # their own could narrow down the partner's, so it stays where no client reads.
        tx.set(session_ref.collection(names.SERVER).document("match"), {"compatibility": round(score, 4)})
        for me, other, ref in ((a, b, a_ref), (b, a, b_ref)):
            tx.update(ref, {"status": "matched", "sessionId": session_ref.id, "matchedWith": other.uid,
                            "matchedAt": firestore.SERVER_TIMESTAMP})
            previous = _ordered_uids(users.get(me.uid, {}).get("recentPartners"))
            recent = [other.uid, *[u for u in previous if u != other.uid]]
            tx.set(db.collection(names.USERS).document(me.uid),
                   {"recentPartners": recent[:RECENT_PARTNERS_KEPT]}, merge=True)
            my_role = role_a if me is a else role_b
            note_id, note = notifications.match_found(session_ref.id, LABELS.get(session_type, session_type),
                                                      ctx[other.uid].name, my_role)
            tx.set(notifications.ref(db, me.uid, note_id), note)
        return session_ref.id

    return run(db.transaction(max_attempts=10))


def _participant(uid: str, name: str, role: str) -> dict[str, Any]:
    # The seed's PeerSessionParticipant; connection fields are kept true by the session room later.
    return {"userId": uid, "displayName": name, "role": role, "connectionStatus": "pending",
            "audioEnabled": True, "videoEnabled": True, "screenSharing": False, "joinedAt": None, "leftAt": None}


def _current(db: firestore.Client, payload: dict[str, Any]) -> tuple[firestore.DocumentReference,
                                                                   dict[str, Any] | None]:
    ref = db.collection(names.MATCHING_QUEUE).document(str(payload["uid"]))
    snap = ref.get()
    entry = snap.to_dict() if snap.exists else None
    # A task belongs to one stay in the queue: a later re-join has another joinedAt.
    if not entry or entry.get("status") != "waiting" or joined_ms(entry) != int(payload["joinedMs"]):
        return ref, None
    return ref, entry


def handle_retry(db: firestore.Client, payload: dict[str, Any]) -> str | None:
    """Re-tries a waiting entry as its bar relaxes; schedules the next try while it still waits."""
    # Nothing to wait for once the entry is gone or matched: finish now rather than come back later.
    _, entry = _current(db, payload)
    if entry is None:
        return None
    tasks.check_due(payload)
    uid = str(payload["uid"])
    try:
        session = attempt_match(db, uid)
    except Exception:
        log.exception("matching: re-try for %s failed", uid)  # the next re-try is still scheduled below
        session = None
    if session:
        return session
    _, entry = _current(db, payload)
    if entry is None:
        return None
    waited = time.time() - joined_ms(entry) / 1000
    delay = matching.retry_delay_s(waited)
    if waited + delay < matching.safe_max_wait_s(entry):
        attempt = int(payload.get("attempt", 1)) + 1
        tasks.enqueue(names.MATCH_RETRY, {"uid": uid, "joinedMs": payload["joinedMs"], "attempt": attempt}, delay,
                      f"retry-{uid}-{payload['joinedMs']}-{attempt}")
    return None


def handle_timeout(db: firestore.Client, payload: dict[str, Any]) -> bool:
    """Nobody fitting came in time: remove the entry and tell the person what they can do."""
    ref, current = _current(db, payload)
    if current is None:
        return False  # matched, cancelled or re-joined: this timer has nothing left to do
    tasks.check_due(payload)
    uid, jm = str(payload["uid"]), int(payload["joinedMs"])
    note_id, note = notifications.match_timeout(jm)
    note_ref = notifications.ref(db, uid, note_id)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> bool:
        snap = ref.get(transaction=tx)
        entry = snap.to_dict() if snap.exists else None
        if not entry or entry.get("status") != "waiting" or joined_ms(entry) != jm:
            return False
        tx.delete(ref)
        tx.set(note_ref, note)
        return True

    return run(db.transaction())


def status(db: firestore.Client, uid: str) -> dict[str, Any]:
    """The waiting screen's honest numbers: this person's entry and how many others wait for a session
    type they share."""
    snap = db.collection(names.MATCHING_QUEUE).document(uid).get()
    entry = snap.to_dict() if snap.exists else None
    if not entry:
        return {"status": "none", "waitingCompatible": 0}
    types = entry.get("sessionTypes")
    if not isinstance(types, list) or not types or not set(types) <= set(matching.SESSION_TYPES):
        types = list(matching.SESSION_TYPES)
    query = (db.collection(names.MATCHING_QUEUE)
             .where(filter=FieldFilter("status", "==", "waiting"))
             .where(filter=FieldFilter("sessionTypes", "array_contains_any", types)))
    # google-cloud-firestore annotates count() as returning the class rather than a query: read it untyped.
    aggregation: Any = query.count()
    count = int(aggregation.get()[0][0].value)
    if entry.get("status") == "waiting":
        count -= 1  # not counting yourself
    out: dict[str, Any] = {"status": entry.get("status"), "waitingCompatible": max(count, 0)}
    if isinstance(entry.get("sessionId"), str):
        out["sessionId"] = entry["sessionId"]
    return out
