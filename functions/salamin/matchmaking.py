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
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from google.api_core.exceptions import Aborted, NotFound
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from salamin import lifecycle, matching, names, notifications, stats, tasks
from salamin import vocabulary as vocab
from salamin.errors import DomainError

RECENT_PARTNERS_KEPT = 5
CANDIDATE_LIMIT = 200
SHORTLIST = 12
TASK_THREADS = 8  # a batch's no-show timers are enqueued side by side (one HTTP call each)
SESSION_MINUTES = 60
MATCH_ATTEMPTS = 4
REFUSED = "refused"  # an entry over the join budget: the page shows why and when to come back
log = logging.getLogger(__name__)
REMATCH_KEPT = 10
WAIT_SAMPLE_WINDOW_S = 3600  # "people like you waited ..." looks at the last hour
WAIT_SAMPLE_MIN = 3  # fewer samples than this say nothing (and a single one would describe one person)
WAIT_SAMPLE_LIMIT = 500
DECLINED_ROLE = "declined_role"  # endReason of a bent-role match its bent party declined: costs nothing
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
    rematch: frozenset[str] = frozenset()


def _contexts(db: firestore.Client, uids: list[str]) -> dict[str, _Context]:
    # One round trip for the three documents of everyone (a trigger's reads add up serially under a burst).
    kinds = (names.USERS, names.USER_STATS, names.COMMUNITY_PROFILES)
    docs = {(s.reference.parent.id, s.id): s.to_dict() or {}
            for s in db.get_all([db.collection(k).document(u) for k in kinds for u in uids])}
    out = {}
    for uid in uids:
        try:
            out[uid] = _context(*(docs.get((k, uid), {}) for k in kinds))
        except ValueError as err:
            # Without a readable block list we cannot honour it: this person sits this attempt out.
            log.warning("matching: skipped %s, unreadable users document: %s", uid, err)
    return out


def _context(user: dict[str, Any], stat: dict[str, Any], profile: dict[str, Any]) -> _Context:
    blocked, dropped = matching.parse_uid_list(user.get("blockedUserIds"))
    if dropped:
        log.warning("matching: ignored %d malformed blockedUserIds items", dropped)
    recent, _ = matching.parse_uid_list(user.get("recentPartners"))
    try:
        rematch, _ = matching.parse_uid_list(user.get("rematchWith"))
    except ValueError:
        rematch = frozenset()  # only a wish: unreadable means none, never a reason to skip the person
    rel = stat.get("reliability")
    score = rel.get("score", 1.0) if isinstance(rel, dict) else 1.0
    ok = isinstance(score, (int, float)) and not isinstance(score, bool) and math.isfinite(score)
    return _Context(blocked=blocked, recent=recent, reliability=float(score) if ok else 1.0,
                    name=_display_name(profile.get("displayName"), user.get("displayName")), rematch=rematch)


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
            rematch=ctx.rematch,
            since=_since(entry),
        )
    except ValueError as err:
        log.warning("matching: skipped queue entry %s: %s", uid, err)
        return None


def _since(entry: dict[str, Any]) -> float | None:
    """queuedSince (server-written when a partner's "Not now" put this person back), as epoch seconds."""
    ts = entry.get("queuedSince")
    return ts.timestamp() if isinstance(ts, dt.datetime) else None


def on_entry_created(db: firestore.Client, uid: str, created: dict[str, Any] | None = None) -> str | None:
    """A person joined the queue: count the join (and remember the preferences), try to match now, and
    if nobody fits start the timeout and re-try later. `created` is the entry as the trigger's event
    carries it (counted even if already gone). Nothing that fails after the attempt stops the timers."""
    current: dict[str, Any] | None = None
    if created is not None and created.get("status") == "waiting":
        # The emulator (and a burst in production) delivers these one after another: most entries of a
        # burst are already paired by an earlier delivery's batch when their own delivery comes. Such a
        # delivery only counts the join (one read, one write, no transaction) and leaves.
        snap = db.collection(names.MATCHING_QUEUE).document(uid).get()
        current = snap.to_dict() if snap.exists else None
        if current is not None and current.get("status") != "waiting" and joined_ms(current) == joined_ms(created):
            _count_join(db, uid, created)
            # Behind a backlog, people who arrived since the last batch would otherwise wait for their
            # own delivery at its end: this delivery pairs whoever waits now (one query, then the batch).
            _pair_waiting_pool(db)
            return None
        if not _admit(db, uid, created):
            return None
    return look_and_schedule(db, uid, current)


def _count_join(db: firestore.Client, uid: str, created: dict[str, Any]) -> None:
    """Counts a join that a batch already paired: appended to the stored join times, which the next
    transactional admission trims to the hour. Best effort, like the admission itself."""
    if created.get("requeuedFrom"):
        return
    try:
        db.collection(names.USERS).document(uid).set(
            {"queueJoins": firestore.ArrayUnion([joined_ms(created)])}, merge=True)
    except Exception:
        log.exception("matching: could not count the join of %s", uid)


def look_and_schedule(db: firestore.Client, uid: str, entry: dict[str, Any] | None = None) -> str | None:
    """An entry's first look: try to match now; if nobody fits, start its timeout and re-tries and mark it
    `looked` (from then on other people's re-tries may take it). Used on joining and on being put back.
    `entry` is the caller's fresh read of the entry (an admitted join leaves the entry as it was)."""
    ref = db.collection(names.MATCHING_QUEUE).document(uid)
    if entry is None:
        snap = ref.get()
        entry = snap.to_dict() if snap.exists else None
    if not entry or entry.get("status") != "waiting":
        return None
    jm = joined_ms(entry)
    max_wait = matching.safe_max_wait_s(entry)
    try:
        session = attempt_match(db, uid, entry=entry, first_look=True)
    except Exception:
        # Whatever went wrong, the timers below must still be set: the re-try tries again in seconds and
        # the timeout takes the entry out of the queue at the latest after its max wait.
        log.exception("matching: attempt for %s failed", uid)
        session = None
    if session:
        return session
    # A timer only for those still waiting: most people are matched on arrival, and each timer costs a
    # task. One chain of re-tries, whose last link schedules the timeout (handle_retry): a join left
    # waiting costs one task, not two, and a burst starts no timeout worker. Should this run die right
    # here, the waiting screen still gives up by itself after maxWaitTime and deletes the entry, so
    # nobody waits forever.
    if matching.retry_delay_s(0) < max_wait:
        tasks.enqueue(names.MATCH_RETRY, {"uid": uid, "joinedMs": jm, "attempt": 1},
                      matching.retry_delay_s(0), f"retry-{uid}-{jm}-1")
    else:
        _schedule_timeout(uid, jm, max_wait)
    # Server-derived, for the record: whom this person must not meet again right away. NotFound means
    # cancelled meanwhile; the timers will then find nothing to do. Only a record: a failure is logged.
    try:
        user = db.collection(names.USERS).document(uid).get().to_dict() or {}
        with contextlib.suppress(NotFound):
            ref.update({"lastMatchedWith": _ordered_uids(user.get("recentPartners"))[:RECENT_PARTNERS_KEPT],
                        "looked": True})
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


def _newcomer_unlooked(entry: dict[str, Any], at: float) -> bool:
    """An entry whose own trigger has not looked yet (and is not overdue): re-tries leave it alone, so a
    newcomer first gets its own best partner rather than whoever's timer fires first."""
    return entry.get("looked") is not True and at - joined_ms(entry) / 1000 <= matching.NEWCOMER_GRACE_S


def attempt_match(db: firestore.Client, uid: str, now: float | None = None,
                  entry: dict[str, Any] | None = None, first_look: bool = False) -> str | None:
    """Finds a partner for a waiting entry and commits the pair. Returns the session id, or None.
    `entry` is the caller's fresh read of the entry, saving a read on the first try. Not `first_look`
    (a re-try), newcomers whose own trigger has not looked yet are left alone."""
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
        at = now if now is not None else time.time()
        raw = {s.id: s.to_dict() or {} for s in query.stream() if s.id != uid and s.id not in excluded}
        others = {o: e for o, e in raw.items() if first_look or not _newcomer_unlooked(e, at)}
        # Rank on the entries alone first, then load block lists, recent partners and reliability only
        # for a shortlist: a trigger stays cheap with hundreds waiting. Unreadable entries drop out here.
        readable = [c for o, e in others.items() if (c := _candidate(o, e, bare)) is not None]
        ranked = matching.ranked_partners(me_bare, readable, at)
        if not ranked:
            if first_look:
                _pair_pool_quietly(db, raw, at)
            return None
        shortlist = [c.uid for c, _ in ranked[:SHORTLIST]]
        # A first look also pairs the rest of its pool in the same transaction: the contexts of everyone
        # in a possible pair come in the same read as ours.
        pool = _bare_pool({o: e for o, e in raw.items() if o != uid}, at) if first_look else []
        involved = _involved(pool, at)
        ctx = _contexts(db, sorted({uid, *shortlist, *involved}))
        me = _candidate(uid, me_entry, ctx[uid]) if uid in ctx else None
        if me is None:
            return None  # without our own readable block list we cannot match safely
        fitting = [c for o in shortlist if o in ctx and (c := _candidate(o, others[o], ctx[o])) is not None]
        picked = matching.pick_partner(me, fitting, at)
        if picked is None:
            excluded.update(shortlist)  # blocked or recent partners: look further down the list
            continue
        partner, score = picked
        rest = [c for o in involved if o in ctx and o not in (uid, partner.uid)
                and (c := _candidate(o, raw[o], ctx[o])) is not None]
        try:
            made = _commit_pairs(db, [(me, partner, score), *matching.best_pairs(rest, at)], ctx)
        except (Aborted, ValueError) as err:
            # Lost a lock race with another attempt on the same people (ValueError is what the client
            # raises when its own retries run out). Re-read and try again: the other attempt may well
            # have paired us already, which the next read will show.
            if isinstance(err, ValueError) and "transaction" not in str(err).lower():
                raise
            time.sleep(random.uniform(0.05, 0.25))
            continue
        mine = next((sid for a, _, sid in made if a == uid), None)
        if mine is None:
            excluded.add(partner.uid)  # the partner (or we) stopped waiting meanwhile: the next read shows which
            continue
        return mine
    return None


def _bare_pool(raw: dict[str, dict[str, Any]], at: float) -> list[matching.Candidate]:
    """The oldest BATCH_POOL waiting entries of `raw` (ordered by joinedAt) as candidates without contexts."""
    bare = _Context(frozenset(), frozenset(), 1.0, "")
    return [c for o, e in list(raw.items())[:matching.BATCH_POOL]
            if e.get("status") == "waiting" and (c := _candidate(o, e, bare)) is not None]


def _involved(pool: list[matching.Candidate], at: float) -> list[str]:
    """Uids in a pair the entries alone allow: only theirs need block lists, recent partners and wishes."""
    return sorted({c.uid for pair in matching.best_pairs(pool, at) for c in pair[:2]}) if len(pool) >= 2 else []


def _pair_waiting_pool(db: firestore.Client) -> int:
    """Pairs the oldest waiting entries (up to BATCH_POOL) by best score. Best effort, like the batch."""
    try:
        query = (db.collection(names.MATCHING_QUEUE).where(filter=FieldFilter("status", "==", "waiting"))
                 .order_by("joinedAt").limit(matching.BATCH_POOL))
        raw = {snap.id: snap.to_dict() or {} for snap in query.stream()}
    except Exception:
        log.exception("matching: reading the waiting pool failed")
        return 0
    return _pair_pool_quietly(db, raw, time.time()) if len(raw) >= 2 else 0


def _pair_pool_quietly(db: firestore.Client, raw: dict[str, dict[str, Any]], at: float) -> int:
    """Pairs a pool (up to BATCH_POOL waiting entries, oldest first) by best score (matching.best_pairs), all
    pairs in one transaction. Best effort: whatever fails is logged; the re-tries remain the safety net.
    Returns how many pairs were made."""
    try:
        pool = _bare_pool(raw, at)
        # Block lists, recent partners and rematch wishes only for those in a pair the entries allow.
        involved = _involved(pool, at)
        if not involved:
            return 0
        ctx = _contexts(db, involved)
        full = [c for o in involved if o in ctx and (c := _candidate(o, raw[o], ctx[o])) is not None]
        return len(_commit_pairs(db, matching.best_pairs(full, at), ctx))
    except Exception:
        log.exception("matching: pairing the pool failed")
        return 0


@dataclass(frozen=True)
class SessionSettings:
    """What a session for two given people is about. `first_role` is the first person's role in the
    first half (the other takes the other role; they swap at half time)."""

    session_type: str
    difficulty: str
    language: str
    first_role: str
    source: str = "invitation"

    def problems(self) -> list[str]:
        out = []
        if self.session_type not in vocab.SESSION_TYPES:
            out.append(f"unknown session type {self.session_type!r}")
        if self.difficulty not in vocab.DIFFICULTIES:
            out.append(f"unknown difficulty {self.difficulty!r}")
        if self.language not in vocab.LANGUAGES:
            out.append(f"unknown language {self.language!r}")
        if self.first_role not in (matching.INTERVIEWER, matching.INTERVIEWEE):
            out.append(f"unknown role {self.first_role!r}")
        if not isinstance(self.source, str) or not 1 <= len(self.source) <= 20:
            out.append("source must be a short word")
        return out


def _write_session(tx: firestore.Transaction, db: firestore.Client, session_ref: firestore.DocumentReference, *,
                   pair: tuple[str, str], roles: tuple[str, str], pair_names: tuple[str, str],
                   settings: SessionSettings, users: dict[str, dict[str, Any]], bent_for: str | None) -> None:
    """The session document, both people's recent partners and their match notifications: one path for a
    match and for a session two people arranged (create_pair_session)."""
    (a, b), (role_a, role_b) = pair, roles
    tx.set(session_ref, {
        "id": session_ref.id,
        "participantIds": [a, b],
        "participants": [_participant(a, pair_names[0], role_a), _participant(b, pair_names[1], role_b)],
        "roles": {a: role_a, b: role_b},
        "status": "matched",
        "source": settings.source,
        "sessionType": settings.session_type,
        "difficulty": settings.difficulty,
        "language": settings.language,
        "estimatedDuration": SESSION_MINUTES,
        "halfDuration": SESSION_MINUTES // 2,
        "currentPhase": None,
        "requiresCodeEditor": settings.session_type in ("technical", "mixed"),
        "requiresWhiteboard": settings.session_type in ("case_study", "mixed", "technical"),
        "recordingEnabled": False,
        # Whose first-role wish gave way (the match screen says so; their "Not now" costs nothing).
        "bentRoleFor": bent_for,
        "createdAt": firestore.SERVER_TIMESTAMP,
        "matchedAt": firestore.SERVER_TIMESTAMP,
    })
    for me, other, other_name, my_role in ((a, b, pair_names[1], role_a), (b, a, pair_names[0], role_b)):
        previous = _ordered_uids(users.get(me, {}).get("recentPartners"))
        recent = [other, *[u for u in previous if u != other]]
        update: dict[str, Any] = {"recentPartners": recent[:RECENT_PARTNERS_KEPT]}
        wishes = _ordered_uids(users.get(me, {}).get("rematchWith"))
        if other in wishes:  # a rematch wish is fulfilled by meeting again
            update["rematchWith"] = [u for u in wishes if u != other]
        tx.set(db.collection(names.USERS).document(me), update, merge=True)
        note_id, note = notifications.match_found(session_ref.id, LABELS.get(settings.session_type,
                                                                             settings.session_type),
                                                  other_name, my_role, bent=bent_for == me)
        tx.set(notifications.ref(db, me, note_id), note)


def create_pair_session(db: firestore.Client, first_uid: str, second_uid: str, settings: SessionSettings,
                        session_id: str | None = None) -> str:
    """A session for two given people (an accepted invitation), through the same path as a match: the session,
    recent partners, notifications and the no-show timer. Touches no queue entry. ValueError on bad input.
    With `session_id`, a session that already exists under it is returned as it is (a retried accept)."""
    problems = settings.problems()
    if not isinstance(first_uid, str) or not isinstance(second_uid, str) or first_uid == second_uid:
        problems.append("two different people are needed")
    if problems:
        raise ValueError("; ".join(problems))
    ctx = _contexts(db, [first_uid, second_uid])
    if first_uid not in ctx or second_uid not in ctx:
        raise ValueError("a block list cannot be read")
    if second_uid in ctx[first_uid].blocked or first_uid in ctx[second_uid].blocked:
        raise ValueError("blocked")
    if session_id is not None and not vocab_id_ok(session_id):
        raise ValueError("invalid session id")
    session_ref = db.collection(names.SESSIONS).document(session_id) if session_id else \
        db.collection(names.SESSIONS).document()
    roles = (settings.first_role, matching.INTERVIEWEE if settings.first_role == matching.INTERVIEWER
             else matching.INTERVIEWER)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> bool:
        if session_ref.get(transaction=tx).exists:
            return False
        refs = [db.collection(names.USERS).document(u) for u in sorted((first_uid, second_uid))]
        users = {s.id: (s.to_dict() or {}) for s in db.get_all(refs, transaction=tx)}
        _write_session(tx, db, session_ref, pair=(first_uid, second_uid), roles=roles,
                       pair_names=(ctx[first_uid].name, ctx[second_uid].name), settings=settings, users=users,
                       bent_for=None)
        return True

    if not run(db.transaction()):
        return session_ref.id
    tasks.enqueue(names.SESSION_NO_SHOW, {"sessionId": session_ref.id}, lifecycle.NO_SHOW_MINUTES * 60,
                  f"noshow-{session_ref.id}")
    return session_ref.id


def _commit_pairs(db: firestore.Client, pairs: list[tuple[matching.Candidate, matching.Candidate, float]],
                  ctx: dict[str, _Context]) -> list[tuple[str, str, str]]:
    """Commits disjoint pairs in ONE transaction (a batch's twenty pairs cost one read and one commit, not
    twenty of each: the emulator carries a burst's round trips serially). The transaction re-reads every
    entry; a pair one of whose entries stopped waiting (or re-joined) is left out and the others commit.
    Returns (a, b, sessionId) of the pairs made."""
    queue = db.collection(names.MATCHING_QUEUE)
    planned = []
    for a, b, score in pairs:
        role_a, role_b = matching.assign_roles(a, b)
        settings = SessionSettings(session_type=matching.common_session_type(a, b),
                                   difficulty=matching.common_difficulty(a, b),
                                   language=matching.common_language(a, b), first_role=role_a, source="match")
        planned.append((a, b, score, (role_a, role_b), settings, matching.bent_party(a, b)))
    uids = sorted({c.uid for a, b, _ in pairs for c in (a, b)})
    # Entries and users read in one fixed order (by path), so two transactions on shared people cannot deadlock.
    refs = sorted([queue.document(u) for u in uids] + [db.collection(names.USERS).document(u) for u in uids],
                  key=lambda r: r.path)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> list[tuple[str, str, str]]:
        docs = {(s.reference.parent.id, s.id): (s.to_dict() if s.exists else None)
                for s in db.get_all(refs, transaction=tx)}
        entries = {u: docs.get((names.MATCHING_QUEUE, u)) for u in uids}
        users = {u: docs.get((names.USERS, u)) or {} for u in uids}
        made = []
        matched_at = time.time()
        for a, b, score, roles, settings, bent_for in planned:
            if any(not (d := entries[c.uid]) or d.get("status") != "waiting"
                   or joined_ms(d) != round(c.joined_at * 1000) for c in (a, b)):
                continue  # taken, cancelled or re-joined meanwhile: this pair is not made
            session_ref = db.collection(names.SESSIONS).document()
            _write_session(tx, db, session_ref, pair=(a.uid, b.uid), roles=roles,
                           pair_names=(ctx[a.uid].name, ctx[b.uid].name), settings=settings, users=users,
                           bent_for=bent_for)
            # The pair's score mixes both people's preferences and reliability: a participant who knows
            # their own could narrow down the partner's, so it stays where no client reads.
            tx.set(session_ref.collection(names.SERVER).document("match"), {"compatibility": round(score, 4)})
            for me, other in ((a, b), (b, a)):
                tx.update(queue.document(me.uid), {"status": "matched", "sessionId": session_ref.id,
                                                   "matchedWith": other.uid, "matchedAt": firestore.SERVER_TIMESTAMP})
                # One anonymous wait sample per person (server-only collection): "people like you waited ...".
                tx.set(db.collection(names.MATCH_WAITS).document(f"{session_ref.id}-{me.uid}"), {
                    "at": firestore.SERVER_TIMESTAMP, "waitS": round(max(0.0, matched_at - me.start), 1),
                    "sessionTypes": list(me.prefs.session_types), "languages": list(me.prefs.languages),
                    "rolePreference": me.prefs.role_preference})
            made.append((a.uid, b.uid, session_ref.id))
        return made

    made = run(db.transaction(max_attempts=10))
    # The no-show timer: a session nobody comes to is cancelled and the one who came re-queued. Enqueued
    # side by side (one HTTP call each); a failed one is logged, the sessions stand.
    if made:
        with ThreadPoolExecutor(max_workers=min(TASK_THREADS, len(made))) as threads:
            list(threads.map(_schedule_no_show, [sid for _, _, sid in made]))
    return made


def _schedule_no_show(session_id: str) -> None:
    try:
        tasks.enqueue(names.SESSION_NO_SHOW, {"sessionId": session_id}, lifecycle.NO_SHOW_MINUTES * 60,
                      f"noshow-{session_id}")
    except Exception:
        log.exception("matching: could not schedule the no-show timer of %s", session_id)


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
    max_wait = matching.safe_max_wait_s(entry)
    if waited + delay < max_wait:
        attempt = int(payload.get("attempt", 1)) + 1
        tasks.enqueue(names.MATCH_RETRY, {"uid": uid, "joinedMs": payload["joinedMs"], "attempt": attempt}, delay,
                      f"retry-{uid}-{payload['joinedMs']}-{attempt}")
    else:
        # The chain's last link: no re-try fits before the wait ends, so the timeout takes over. Should this
        # run fail after its attempt, the queue re-delivers it and it gets here again (same task ids).
        _schedule_timeout(uid, int(payload["joinedMs"]), max_wait - waited)
    return None


def _schedule_timeout(uid: str, jm: int, delay: float) -> None:
    tasks.enqueue(names.MATCH_TIMEOUT, {"uid": uid, "joinedMs": jm}, max(0.0, delay), f"timeout-{uid}-{jm}")


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


def _wait_samples(db: firestore.Client, me: matching.Candidate, now: float) -> list[float]:
    """Waits of people like `me` (same first-role wish, sharing a session type and a language) matched in
    the last hour."""
    since = dt.datetime.fromtimestamp(now - WAIT_SAMPLE_WINDOW_S, dt.UTC)
    query = (db.collection(names.MATCH_WAITS).where(filter=FieldFilter("at", ">=", since))
             .order_by("at", direction=firestore.Query.DESCENDING).limit(WAIT_SAMPLE_LIMIT))
    out = []
    for snap in query.stream():
        d = snap.to_dict() or {}
        w, types, langs = d.get("waitS"), d.get("sessionTypes"), d.get("languages")
        if (isinstance(w, (int, float)) and not isinstance(w, bool) and math.isfinite(w)
                and d.get("rolePreference") == me.prefs.role_preference
                and isinstance(types, list) and set(types) & set(me.prefs.session_types)
                and isinstance(langs, list) and set(langs) & set(me.prefs.languages)):
            out.append(float(w))
    return out


def status(db: firestore.Client, uid: str, now: float | None = None) -> dict[str, Any]:
    """The waiting screen's honest numbers, counts only (never who): waitingCompatible, widen and roleOffer
    from matching.waiting_counts over everyone waiting (block lists both ways, recent partners and rematch
    wishes loaded), and medianWaitS / medianSample, the median wait of people like you matched in the last
    hour (from WAIT_SAMPLE_MIN samples on)."""
    at = time.time() if now is None else now
    snap = db.collection(names.MATCHING_QUEUE).document(uid).get()
    entry = snap.to_dict() if snap.exists else None
    if not entry:
        return {"status": "none", "waitingCompatible": 0}
    out: dict[str, Any] = {"status": entry.get("status"), "waitingCompatible": 0}
    if isinstance(entry.get("sessionId"), str):
        out["sessionId"] = entry["sessionId"]
    bare = _Context(frozenset(), frozenset(), 1.0, "")
    me_bare = _candidate(uid, entry, bare) if entry.get("status") == "waiting" else None
    if me_bare is None:
        return out
    query = (db.collection(names.MATCHING_QUEUE)
             .where(filter=FieldFilter("status", "==", "waiting"))
             .order_by("joinedAt")
             .limit(CANDIDATE_LIMIT))
    raw = {s.id: s.to_dict() or {} for s in query.stream() if s.id != uid}
    readable = [c for o, e in raw.items()
                if (c := _candidate(o, e, bare)) is not None and not matching.is_expired(c, at)]
    # Block lists only for those who share a language (nobody else ever counts).
    talk = [c.uid for c in readable if set(c.prefs.languages) & set(me_bare.prefs.languages)]
    ctx = _contexts(db, [uid, *talk])
    me = _candidate(uid, entry, ctx[uid]) if uid in ctx else None
    if me is None:
        return out
    others = [c for o in talk if o in ctx and (c := _candidate(o, raw[o], ctx[o])) is not None]

    counts = matching.waiting_counts(me, others, at)
    out["waitingCompatible"] = counts["count"]
    out["widen"] = counts["widen"]
    if "roleOffer" in counts:
        out["roleOffer"] = counts["roleOffer"]
    samples = _wait_samples(db, me, at)
    if len(samples) >= WAIT_SAMPLE_MIN:
        out["medianWaitS"] = round(statistics.median(samples))
        out["medianSample"] = len(samples)
    return out


# ---- the one-click role offer, "Not now", rematch wishes ---------------------------------------------

def take_role(db: firestore.Client, uid: str, role: object) -> dict[str, Any]:
    """The waiting screen's "Start as interviewer to be matched now": the waiting entry's first-role wish
    becomes `role` (the person's own choice, so nothing is bent) and it looks for a partner at once."""
    if role not in (matching.INTERVIEWER, matching.INTERVIEWEE, matching.FLEXIBLE):
        raise DomainError("invalid-argument", "Choose interviewer, interviewee or either.")
    ref = db.collection(names.MATCHING_QUEUE).document(uid)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> bool:
        snap = ref.get(transaction=tx)
        entry = snap.to_dict() if snap.exists else None
        if not entry or entry.get("status") != "waiting":
            return False
        if entry.get("rolePreference") != role:
            tx.update(ref, {"rolePreference": role})
        return True

    if not run(db.transaction()):
        raise DomainError("failed-precondition", "You're not waiting for a partner any more.")
    session = None
    try:
        session = attempt_match(db, uid, first_look=True)
    except Exception:
        log.exception("matching: attempt after a role change for %s failed", uid)  # the re-tries continue
    return {"rolePreference": role, "sessionId": session}


def decline(db: firestore.Client, uid: str, session_id: object) -> dict[str, Any]:
    """"Not now" on the match screen: the session is cancelled at once, the partner is told and put back at
    the front of the queue (their first wait still counts), and the decliner's finished entry goes. Declining
    a match that bent your first-role wish costs nothing; otherwise it counts as a late cancellation, as
    the Sessions page's reliability says. Idempotent: declining again answers the same."""
    if not isinstance(session_id, str) or not vocab_id_ok(session_id):
        raise DomainError("invalid-argument", "Which match are you declining?")
    session_ref = db.collection(names.SESSIONS).document(session_id)
    queue = db.collection(names.MATCHING_QUEUE)
    now = time.time()

    @firestore.transactional
    def run(tx: firestore.Transaction) -> tuple[str, str | None, bool]:
        snap = session_ref.get(transaction=tx)
        doc = snap.to_dict() if snap.exists else None
        participants = [p for p in (doc or {}).get("participantIds") or [] if isinstance(p, str)]
        if not doc or uid not in participants or len(participants) != 2:
            raise DomainError("not-found", "This match does not exist or is not yours.")
        partner = next(p for p in participants if p != uid)
        free = doc.get("bentRoleFor") == uid
        if doc.get("status") == "cancelled" and doc.get("declinedBy") == uid:
            return "already", partner, free
        if uid in (doc.get("joinedIds") or []):
            raise DomainError("failed-precondition", "You've already joined this session: leave it from the room.")
        lifecycle.check_transition(str(doc.get("status")), "cancelled")
        partner_ref, my_ref = queue.document(partner), queue.document(uid)
        partner_snap, my_snap = partner_ref.get(transaction=tx), my_ref.get(transaction=tx)
        partner_entry = partner_snap.to_dict() if partner_snap.exists else None
        partner_user = db.collection(names.USERS).document(partner).get(transaction=tx).to_dict() or {}
        tx.update(session_ref, {"status": "cancelled", "endedAt": dt.datetime.fromtimestamp(now, dt.UTC),
                                "endReason": DECLINED_ROLE if free else "called_off", "leftEarly": uid,
                                "declinedBy": uid})
        mine = my_snap.to_dict() if my_snap.exists else None
        if mine and mine.get("sessionId") == session_id:
            tx.delete(my_ref)  # no stale "Match found" for the one who declined
        requeued = False
        if partner_entry and partner_entry.get("status") == "matched" and partner_entry.get("sessionId") == session_id:
            first = partner_entry.get("queuedSince") or partner_entry.get("joinedAt")
            tx.update(partner_ref, {"status": "waiting", "joinedAt": firestore.SERVER_TIMESTAMP,
                                    "queuedSince": first, "priority": True, "requeuedFrom": session_id,
                                    "looked": False, "sessionId": firestore.DELETE_FIELD,
                                    "matchedWith": firestore.DELETE_FIELD, "matchedAt": firestore.DELETE_FIELD})
            requeued = True
        elif partner_entry is None and isinstance(prefs := partner_user.get("lastPreferences"), dict) \
                and not matching.validate_preferences(prefs):
            # The partner had cleared their entry: a new one (its create trigger takes it from here).
            tx.set(partner_ref, {**prefs, "uid": partner, "status": "waiting", "priority": True,
                                 "requeuedFrom": session_id, "joinedAt": firestore.SERVER_TIMESTAMP})
        note_id, note = notifications.partner_declined(session_id)
        tx.set(notifications.ref(db, partner, note_id), note)
        return "cancelled", partner, requeued

    result, partner, requeued = run(db.transaction())
    if result == "cancelled" and partner is not None:
        try:
            stats.recompute_many(db, [uid, partner])  # both in one pass (one query, one batch)
        except Exception:
            log.exception("matching: stats after a decline for %s and %s failed", uid, partner)
        if requeued:
            # An update fires no create trigger: the first look and the timers start here.
            look_and_schedule(db, partner)
    snap = session_ref.get()
    free = (snap.to_dict() or {}).get("endReason") == DECLINED_ROLE
    return {"status": "cancelled", "cost": "none" if free else "late_cancel"}


def vocab_id_ok(value: str) -> bool:
    return 1 <= len(value) <= 128 and "/" not in value


def note_rematch_wish(db: firestore.Client, session_id: str, from_uid: str, wish: object) -> bool:
    """Feedback's wouldPracticeAgain (or "Practise again with ...") asks to meet this partner again: the
    partner goes into users/{from}.rematchWith (server-written; blocks still win in matching). A "no"
    withdraws the wish. Idempotent; a session `from_uid` was not part of is ignored."""
    snap = db.collection(names.SESSIONS).document(session_id).get()
    doc = snap.to_dict() if snap.exists else None
    participants = [p for p in (doc or {}).get("participantIds") or [] if isinstance(p, str)]
    if not doc or from_uid not in participants or len(participants) != 2 or not isinstance(wish, bool):
        return False
    partner = next(p for p in participants if p != from_uid)
    ref = db.collection(names.USERS).document(from_uid)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> None:
        user = ref.get(transaction=tx).to_dict() or {}
        current = [u for u in _ordered_uids(user.get("rematchWith")) if u != partner]
        wishes = [partner, *current][:REMATCH_KEPT] if wish else current
        if wishes != _ordered_uids(user.get("rematchWith")):
            tx.set(ref, {"rematchWith": wishes}, merge=True)

    run(db.transaction())
    return True


def ask_rematch(db: firestore.Client, uid: str, session_id: object) -> dict[str, Any]:
    """"Practise again with Ada" on the Sessions page, for a session that took place."""
    if not isinstance(session_id, str) or not vocab_id_ok(session_id):
        raise DomainError("invalid-argument", "Which session do you mean?")
    snap = db.collection(names.SESSIONS).document(session_id).get()
    doc = snap.to_dict() if snap.exists else None
    if not doc or uid not in (doc.get("participantIds") or []):
        raise DomainError("not-found", "This session does not exist or is not yours.")
    if doc.get("startedAt") is None:
        raise DomainError("failed-precondition", "You can ask for a rematch after a session that took place.")
    note_rematch_wish(db, session_id, uid, True)
    return {"asked": True}
