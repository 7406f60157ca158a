"""Invitations (issue 17): one member invites another to practise, "now" or at a proposed time, and a
private one-use link invites a friend who is not a member yet.

invitations/{id} is written only here (callables and the start timer) and read by its two people. Accepting
creates the session through matchmaking.create_pair_session, the very path matched sessions take (roles,
questions, timers, no-show policy). Limits the rules cannot keep (invitations and links per day) are kept
here. A pending invitation turns "expired" at its expiry through the `invitationExpire` task (and at an
accept that comes too late); a scheduled invitation's session is created by the `invitationStart` task at the
proposed time. The inviter chooses their own first role (interviewer, interviewee or either).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from salamin import matchmaking, names, notifications, safety, tasks
from salamin import vocabulary as vocab
from salamin.errors import DomainError

log = logging.getLogger(__name__)

INVITES_PER_DAY = 10  # invitations and invite links together, per member, rolling 24 hours
NOW_EXPIRY_MIN = 15  # a "now" invitation waits this long for an answer
SCHEDULED_GRACE_MIN = 15  # a scheduled one can still be accepted this long after its time
MIN_LEAD_MIN = 5
MAX_AHEAD_DAYS = 14
LINK_EXPIRY_HOURS = 72
OPEN = ("pending", "accepted")
# The inviter's first role -> the invitee's (the session's first person is the invitee). "either": the
# invitee is interviewed first, being invited to practise being mostly an offer of an interview.
INVITER_ROLES = {"interviewer": "interviewee", "interviewee": "interviewer", "either": "interviewee"}


# ---- pure ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InviteRequest:
    to_uid: str
    session_type: str
    difficulty: str
    proposed_ms: int | None  # None: now
    inviter_role: str = "either"


def _kind(data: dict[str, Any]) -> tuple[str, str]:
    session_type, difficulty = data.get("sessionType"), data.get("difficulty")
    if session_type not in vocab.SESSION_TYPES:
        raise DomainError("invalid-argument", "Choose a session type.")
    if difficulty not in vocab.DIFFICULTIES:
        raise DomainError("invalid-argument", "Choose a difficulty.")
    return str(session_type), str(difficulty)


def parse_invite(data: object, inviter: str, now_ms: int) -> InviteRequest:
    if not isinstance(data, dict):
        raise DomainError("invalid-argument", "Whom are you inviting, and to what?")
    to_uid = safety.require_uid(data.get("toUid"))
    if to_uid == inviter:
        raise DomainError("invalid-argument", "You can't invite yourself.")
    session_type, difficulty = _kind(data)
    inviter_role = data.get("firstRole", "either")
    if inviter_role not in INVITER_ROLES:
        raise DomainError("invalid-argument", "Choose your first role: interviewer, interviewee or either.")
    proposed = data.get("proposedAtMs")
    if proposed is not None:
        if not isinstance(proposed, int) or isinstance(proposed, bool):
            raise DomainError("invalid-argument", "The proposed time is not a time.")
        if proposed < now_ms + MIN_LEAD_MIN * 60_000:
            raise DomainError("invalid-argument", f"Propose a time at least {MIN_LEAD_MIN} minutes from now, "
                                                  "or invite for now.")
        if proposed > now_ms + MAX_AHEAD_DAYS * safety.DAY_MS:
            raise DomainError("invalid-argument", f"Propose a time within the next {MAX_AHEAD_DAYS} days.")
    return InviteRequest(to_uid, session_type, difficulty, proposed, str(inviter_role))


def expires_ms(created_ms: int, proposed_ms: int | None) -> int:
    if proposed_ms is None:
        return created_ms + NOW_EXPIRY_MIN * 60_000
    return proposed_ms + SCHEDULED_GRACE_MIN * 60_000


def when_phrase(proposed_ms: int | None) -> str:
    if proposed_ms is None:
        return "now"
    return f"at {dt.datetime.fromtimestamp(proposed_ms / 1000, dt.UTC):%Y-%m-%d %H:%M} UTC"


def token_key(token: str) -> str:
    """inviteLinks/{id} is the token's SHA-256: the stored document never holds a usable link."""
    return hashlib.sha256(token.encode()).hexdigest()


def _ms(value: object) -> int:
    return int(value.timestamp() * 1000) if isinstance(value, dt.datetime) else 0


# ---- Firestore -------------------------------------------------------------------------------------------

def _now_ms() -> int:
    return tasks.now_ms()


def _name(db: firestore.Client, uid: str, tx: firestore.Transaction | None = None) -> str:
    snap = db.collection(names.COMMUNITY_PROFILES).document(uid).get(transaction=tx)
    name = (snap.to_dict() or {}).get("displayName") if snap.exists else None
    return name.strip()[:60] if isinstance(name, str) and name.strip() else "A member"


def _users(db: firestore.Client, tx: firestore.Transaction, *uids: str) -> dict[str, dict[str, Any] | None]:
    refs = [db.collection(names.USERS).document(u) for u in sorted(set(uids))]
    return {s.id: ((s.to_dict() or {}) if s.exists else None) for s in db.get_all(refs, transaction=tx)}


def _check_pair(users: dict[str, dict[str, Any] | None], me: str, other: str, now: int) -> None:
    """Refuses when either person is suspended or either blocked the other, in words that do not tell the
    inviter which of the two it is about the other person."""
    mine = safety.suspension_of(users.get(me), now)
    if mine:
        raise DomainError("permission-denied", safety.suspended_message(mine))
    if users.get(other) is None or safety.suspension_of(users.get(other), now) \
            or safety.blocked_between(users.get(me), me, users.get(other), other):
        raise DomainError("failed-precondition", "This member can't be invited right now.")


def _spend_daily(tx: firestore.Transaction, db: firestore.Client, uid: str, user: dict[str, Any] | None,
                 now: int) -> None:
    allowed, stamps = safety.admit_daily((user or {}).get("inviteStamps"), now, INVITES_PER_DAY)
    if not allowed:
        raise DomainError("resource-exhausted", f"You can send {INVITES_PER_DAY} invitations a day; "
                                                "try again tomorrow.")
    tx.update(db.collection(names.USERS).document(uid), {"inviteStamps": stamps})


def _write_invitation(tx: firestore.Transaction, db: firestore.Client, ref: firestore.DocumentReference, *,
                      frm: str, frm_name: str, to: str, to_name: str, session_type: str, difficulty: str,
                      proposed_ms: int | None, now: int, via_link: bool = False,
                      inviter_role: str = "either") -> None:
    tx.set(ref, {
        "id": ref.id, "fromUid": frm, "toUid": to, "participantIds": [frm, to], "fromName": frm_name,
        "toName": to_name, "sessionType": session_type, "difficulty": difficulty,
        "when": "now" if proposed_ms is None else "scheduled",
        "proposedAt": dt.datetime.fromtimestamp(proposed_ms / 1000, dt.UTC) if proposed_ms else None,
        "expiresAt": dt.datetime.fromtimestamp(expires_ms(now, proposed_ms) / 1000, dt.UTC),
        "status": "pending", "sessionId": None, "viaLink": via_link, "inviterRole": inviter_role,
        "createdAt": firestore.SERVER_TIMESTAMP, "respondedAt": None,
    })
    note_id, note = notifications.invitation_received(
        ref.id, frm_name, matchmaking.LABELS.get(session_type, session_type), when_phrase(proposed_ms))
    tx.set(notifications.ref(db, to, note_id), note)


def create(db: firestore.Client, uid: str, data: object) -> dict[str, Any]:
    now = _now_ms()
    req = parse_invite(data, uid, now)
    if not db.collection(names.COMMUNITY_PROFILES).document(req.to_uid).get().exists:
        raise DomainError("not-found", "No member has that id.")
    open_ones = (db.collection(names.INVITATIONS).where(filter=FieldFilter("fromUid", "==", uid))
                 .where(filter=FieldFilter("toUid", "==", req.to_uid))
                 .where(filter=FieldFilter("status", "==", "pending")).stream())
    if any(_ms((s.to_dict() or {}).get("expiresAt")) > now for s in open_ones):
        raise DomainError("failed-precondition", "You have invited this member already; wait for their answer "
                                                 "or withdraw that invitation first.")
    ref = db.collection(names.INVITATIONS).document()

    @firestore.transactional
    def run(tx: firestore.Transaction) -> None:
        users = _users(db, tx, uid, req.to_uid)
        _check_pair(users, uid, req.to_uid, now)
        frm_name, to_name = _name(db, uid, tx), _name(db, req.to_uid, tx)
        _spend_daily(tx, db, uid, users.get(uid), now)
        _write_invitation(tx, db, ref, frm=uid, frm_name=frm_name, to=req.to_uid, to_name=to_name,
                          session_type=req.session_type, difficulty=req.difficulty, proposed_ms=req.proposed_ms,
                          now=now, inviter_role=req.inviter_role)

    run(db.transaction())
    schedule_expiry(ref.id, expires_ms(now, req.proposed_ms), now)
    return {"invitationId": ref.id}


def schedule_expiry(invitation_id: str, expires_at_ms: int, now: int) -> None:
    """One expiry timer per invitation (the task id is derived from it, so a retried call adds none)."""
    tasks.enqueue(names.INVITATION_EXPIRE, {"invitationId": invitation_id}, max(0, expires_at_ms - now) / 1000,
                  f"invite-expire-{invitation_id}")


def on_expire_timer(db: firestore.Client, payload: dict[str, Any]) -> str | None:
    """The expiry of an invitation: a pending one turns "expired" (both people see it on the invitation)
    and the inviter is told; any other status, or a second delivery, changes nothing (and writes no second
    notification). Due by the invitation's own expiresAt."""
    tasks.refuse_if_just_queued(payload)
    ref = db.collection(names.INVITATIONS).document(str(payload.get("invitationId", "")))

    @firestore.transactional
    def run(tx: firestore.Transaction) -> dict[str, Any] | None:
        snap = ref.get(transaction=tx)
        inv = snap.to_dict() if snap.exists else None
        if not inv or inv.get("status") != "pending":
            return None
        left = _ms(inv.get("expiresAt")) - _now_ms()
        if left > 0:
            raise tasks.NotDueError(left / 1000)
        tx.update(ref, {"status": "expired", "respondedAt": firestore.SERVER_TIMESTAMP})
        return inv

    inv = run(db.transaction())
    if inv is None:
        return None
    notify_expired(db, inv)
    return "expired"


def notify_expired(db: firestore.Client, inv: dict[str, Any]) -> bool:
    """Tells the inviter their invitation expired unanswered (once: the id is the invitation's), unless the
    two blocked each other meanwhile (a block cancels open invitations, but may land just after the expiry)."""
    frm, to, iid = inv.get("fromUid"), inv.get("toUid"), inv.get("id")
    if not all(isinstance(v, str) and v for v in (frm, to, iid)):
        log.warning("invitations: expired invitation %r without its people", iid)
        return False
    users = {s.id: (s.to_dict() if s.exists else None)
             for s in db.get_all([db.collection(names.USERS).document(u) for u in (str(frm), str(to))])}
    if safety.blocked_between(users.get(str(frm)), str(frm), users.get(str(to)), str(to)):
        return False
    return notifications.send(db, str(frm), notifications.invitation_expired(
        str(iid), str(inv.get("toName") or "The member you invited")))


def _load(db: firestore.Client, tx: firestore.Transaction, invitation_id: object) -> tuple[
        firestore.DocumentReference, dict[str, Any]]:
    ref = db.collection(names.INVITATIONS).document(safety.require_uid(invitation_id, "invitation"))
    snap = ref.get(transaction=tx)
    if not snap.exists:
        raise DomainError("not-found", "This invitation does not exist or is not yours.")
    return ref, snap.to_dict() or {}


def _invitation_id(data: object) -> object:
    return data.get("invitationId") if isinstance(data, dict) else None


def accept(db: firestore.Client, uid: str, data: object) -> dict[str, Any]:
    """The invitee accepts. "Now": the session is created at once and both are told. Scheduled: it is
    created at the proposed time by the start task. Accepting again answers the same."""
    now = _now_ms()
    invitation_id = _invitation_id(data)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> tuple[str, dict[str, Any]]:
        ref, inv = _load(db, tx, invitation_id)
        if inv.get("toUid") != uid:
            raise DomainError("not-found", "This invitation does not exist or is not yours.")
        status = inv.get("status")
        if status == "accepted":
            return "again", inv
        if status != "pending":
            raise DomainError("failed-precondition", f"This invitation is {status} and can't be accepted.")
        if _ms(inv.get("expiresAt")) <= now:
            tx.update(ref, {"status": "expired"})
            return "expired", inv
        _check_pair(_users(db, tx, uid, str(inv.get("fromUid"))), uid, str(inv.get("fromUid")), now)
        tx.update(ref, {"status": "accepted", "respondedAt": firestore.SERVER_TIMESTAMP})
        return "accepted", inv

    outcome, inv = run(db.transaction())
    if outcome == "expired":
        notify_expired(db, inv)  # the same notification the expiry timer would write (same id)
        raise DomainError("failed-precondition", "This invitation has expired.")
    iid = str(inv["id"])
    if inv.get("when") == "scheduled":
        proposed = _ms(inv.get("proposedAt"))
        if proposed > now:
            tasks.enqueue(names.INVITATION_START, {"invitationId": iid}, (proposed - now) / 1000, f"invite-start-{iid}")
            if outcome == "accepted":
                notifications.send(db, str(inv["fromUid"]), notifications.invitation_accepted(
                    iid, str(inv.get("toName") or "Your partner"), None))
            return {"invitationId": iid, "sessionId": None, "startsAtMs": proposed}
    session_id = start_session(db, iid)
    return {"invitationId": iid, "sessionId": session_id}


def start_session(db: firestore.Client, invitation_id: str) -> str:
    """Creates the invitation's session through the matching path (idempotent: the session id is derived
    from the invitation) and records it; tells the inviter."""
    ref = db.collection(names.INVITATIONS).document(invitation_id)
    inv = ref.get().to_dict() or {}
    frm, to = str(inv["fromUid"]), str(inv["toUid"])
    invitee_role = INVITER_ROLES.get(str(inv.get("inviterRole", "either")), "interviewee")
    settings = matchmaking.SessionSettings(session_type=str(inv["sessionType"]), difficulty=str(inv["difficulty"]),
                                           language=_common_language(db, to, frm), first_role=invitee_role,
                                           source="invitation")
    try:
        session_id = str(matchmaking.create_pair_session(db, to, frm, settings, session_id=f"inv-{invitation_id}"))
    except ValueError as err:
        # A block made between the accept and now (or an unreadable block list): no session, said plainly.
        log.warning("invitations: no session for %s: %s", invitation_id, err)
        ref.update({"status": "cancelled"})
        raise DomainError("failed-precondition", "This invitation can't be started any more.") from err
    if inv.get("sessionId") != session_id:
        ref.update({"sessionId": session_id})
    notifications.send(db, frm, notifications.invitation_accepted(
        invitation_id, str(inv.get("toName") or "Your partner"), session_id))
    return session_id


def _common_language(db: firestore.Client, a: str, b: str) -> str:
    """The first of a's spoken languages that b speaks too, else English (every profile may list it)."""
    snaps = {s.id: s.to_dict() or {} for s in db.get_all(
        [db.collection(names.COMMUNITY_PROFILES).document(u) for u in (a, b)])}
    langs = [[x for x in (snaps.get(u, {}).get("languages") or []) if x in vocab.LANGUAGES]
             if isinstance(snaps.get(u, {}).get("languages"), list) else [] for u in (a, b)]
    return next((x for x in langs[0] if x in langs[1]), "english")


def on_start_timer(db: firestore.Client, payload: dict[str, Any]) -> str | None:
    """The proposed time of an accepted scheduled invitation: create its session (once)."""
    invitation_id = str(payload.get("invitationId", ""))
    snap = db.collection(names.INVITATIONS).document(invitation_id).get()
    inv = snap.to_dict() if snap.exists else None
    if not inv or inv.get("status") != "accepted" or inv.get("sessionId"):
        return None  # withdrawn, cancelled by a block or suspension, or started already
    tasks.check_due(payload)
    return start_session(db, invitation_id)


def decline(db: firestore.Client, uid: str, data: object) -> dict[str, Any]:
    invitation_id = _invitation_id(data)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> dict[str, Any] | None:
        ref, inv = _load(db, tx, invitation_id)
        if inv.get("toUid") != uid:
            raise DomainError("not-found", "This invitation does not exist or is not yours.")
        if inv.get("status") == "declined":
            return None
        if inv.get("status") != "pending":
            raise DomainError("failed-precondition", f"This invitation is {inv.get('status')} already.")
        tx.update(ref, {"status": "declined", "respondedAt": firestore.SERVER_TIMESTAMP})
        return inv

    inv = run(db.transaction())
    if inv is not None:
        notifications.send(db, str(inv["fromUid"]), notifications.invitation_declined(
            str(inv["id"]), str(inv.get("toName") or "Your partner")))
    return {"status": "declined"}


def withdraw(db: firestore.Client, uid: str, data: object) -> dict[str, Any]:
    """The inviter takes it back while no session exists yet; the invitee's notification goes with it."""
    invitation_id = _invitation_id(data)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> dict[str, Any] | None:
        ref, inv = _load(db, tx, invitation_id)
        if inv.get("fromUid") != uid:
            raise DomainError("not-found", "This invitation does not exist or is not yours.")
        if inv.get("status") == "withdrawn":
            return None
        if inv.get("status") not in OPEN or inv.get("sessionId"):
            raise DomainError("failed-precondition", "This invitation can no longer be withdrawn.")
        tx.update(ref, {"status": "withdrawn", "respondedAt": firestore.SERVER_TIMESTAMP})
        return inv

    inv = run(db.transaction())
    if inv is not None:
        notifications.ref(db, str(inv["toUid"]), f"invite-{inv['id']}").delete()
    return {"status": "withdrawn"}


# ---- private invite links -----------------------------------------------------------------------------------

def create_link(db: firestore.Client, uid: str, data: object) -> dict[str, Any]:
    """A one-use link for a friend who is not a member yet; it counts against the daily invitations."""
    now = _now_ms()
    session_type, difficulty = _kind(data if isinstance(data, dict) else {})
    token = secrets.token_urlsafe(24)
    ref = db.collection(names.INVITE_LINKS).document(token_key(token))
    expires = dt.datetime.fromtimestamp((now + LINK_EXPIRY_HOURS * 3600_000) / 1000, dt.UTC)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> None:
        users = _users(db, tx, uid)
        mine = safety.suspension_of(users.get(uid), now)
        if mine:
            raise DomainError("permission-denied", safety.suspended_message(mine))
        _spend_daily(tx, db, uid, users.get(uid), now)
        tx.create(ref, {"fromUid": uid, "sessionType": session_type, "difficulty": difficulty,
                        "createdAt": firestore.SERVER_TIMESTAMP, "expiresAt": expires, "usedBy": None,
                        "invitationId": None})

    run(db.transaction())
    return {"token": token, "expiresAtMs": int(expires.timestamp() * 1000)}


def redeem_link(db: firestore.Client, uid: str, data: object) -> dict[str, Any]:
    """The friend, signed in now, opens the link: it becomes a "now" invitation to them from its owner.
    Works once: the same person again gets the same invitation, anyone else a refusal."""
    now = _now_ms()
    token = data.get("token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not 16 <= len(token) <= 128:
        raise DomainError("invalid-argument", "This invite link is not valid.")
    link_ref = db.collection(names.INVITE_LINKS).document(token_key(token))
    inv_ref = db.collection(names.INVITATIONS).document()

    @firestore.transactional
    def run(tx: firestore.Transaction) -> str:
        snap = link_ref.get(transaction=tx)
        link = snap.to_dict() if snap.exists else None
        if not link:
            raise DomainError("not-found", "This invite link is not valid.")
        if link.get("usedBy") == uid and isinstance(link.get("invitationId"), str):
            return str(link["invitationId"])
        if link.get("usedBy"):
            raise DomainError("failed-precondition", "This invite link has been used already.")
        if _ms(link.get("expiresAt")) <= now:
            raise DomainError("failed-precondition", "This invite link has expired.")
        frm = str(link.get("fromUid"))
        if frm == uid:
            raise DomainError("failed-precondition", "This is your own invite link: send it to a friend.")
        users = _users(db, tx, uid, frm)
        _check_pair(users, uid, frm, now)
        frm_name, to_name = _name(db, frm, tx), _name(db, uid, tx)
        _write_invitation(tx, db, inv_ref, frm=frm, frm_name=frm_name, to=uid, to_name=to_name,
                          session_type=str(link.get("sessionType")), difficulty=str(link.get("difficulty")),
                          proposed_ms=None, now=now, via_link=True)
        tx.update(link_ref, {"usedBy": uid, "usedAt": firestore.SERVER_TIMESTAMP, "invitationId": inv_ref.id})
        return str(inv_ref.id)

    iid = str(run(db.transaction()))
    if iid == inv_ref.id:
        schedule_expiry(iid, expires_ms(now, None), now)
    return {"invitationId": iid}
