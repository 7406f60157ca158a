"""Notifications (users/{uid}/notifications/{id}): every kind the functions write is built here.

Each builder returns the document id and the document. Ids are derived from what the notification is
about, so writing one twice (a retried trigger or task) leaves a single notification. The owner may only
mark one read (firestore.rules); everything else is written here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.api_core.exceptions import AlreadyExists
from google.cloud import firestore

from salamin import names, safety  # (safety imports this module too: used at call time only)

Notification = tuple[str, dict[str, Any]]


def ref(db: firestore.Client, uid: str, note_id: str) -> firestore.DocumentReference:
    return db.collection(names.USERS).document(uid).collection(names.NOTIFICATIONS).document(note_id)


def _partner_blocked(db: firestore.Client, uid: str, session_id: object,
                     participants: Sequence[str] | None = None) -> bool:
    """Whether the recipient and the other person of the session have blocked each other (either way).
    `participants`: the session's participantIds when the caller has just read the session (a join does),
    which saves reading it again."""
    if not isinstance(session_id, str) or not session_id:
        return False
    if participants is not None:
        ids: object = list(participants)
    else:
        snap = db.collection(names.SESSIONS).document(session_id).get()
        ids = (snap.to_dict() or {}).get("participantIds") if snap.exists else None
    others = [p for p in ids if isinstance(p, str) and p != uid] if isinstance(ids, list) else []
    if not others:
        return False
    users = {s.id: (s.to_dict() if s.exists else None)
             for s in db.get_all([db.collection(names.USERS).document(u) for u in (uid, others[0])])}
    return safety.blocked_between(users.get(uid), uid, users.get(others[0]), others[0])


def send(db: firestore.Client, uid: str, note: Notification, participants: Sequence[str] | None = None) -> bool:
    """Writes a notification once: a repeated delivery (same id) neither duplicates it nor marks it unread
    again. False when it was there already, or when it is about a session partner the recipient blocked or
    was blocked by (blocked members are never notified about each other). `participants`: the session's
    participantIds, when the caller read the session already."""
    note_id, body = note
    if "sessionId" in body and _partner_blocked(db, uid, body.get("sessionId"), participants):
        return False
    try:
        ref(db, uid, note_id).create(body)
    except AlreadyExists:
        return False
    return True


def _note(note_id: str, kind: str, title: str, message: str, **extra: Any) -> Notification:
    return note_id, {"type": kind, "title": title, "message": message, **extra,
                     "createdAt": firestore.SERVER_TIMESTAMP, "read": False}


def match_found(session_id: str, session_label: str, partner_name: str, role: str,
                bent: bool = False) -> Notification:
    # A bent first-role wish is said plainly, with what declining costs (nothing).
    start = (f"You'll start as the {role}; you swap at half time. \"Not now\" costs you nothing." if bent
             else f"You start as the {role}.")
    return _note(f"match-{session_id}", "peer_match_found", "Match found!",
                 f"You'll practise a {session_label} interview with {partner_name}. {start}",
                 sessionId=session_id, partnerName=partner_name)


def partner_declined(session_id: str) -> Notification:
    return _note(f"declined-{session_id}", "partner_declined", "Your partner can't make it",
                 "Your partner said \"Not now\". You're back at the front of the queue with the same preferences.",
                 sessionId=session_id)


def match_timeout(joined_ms: int) -> Notification:
    return _note(f"timeout-{joined_ms}", "match_timeout", "No match found",
                 "Nobody with fitting preferences was free just now. Try widening your session types, "
                 "difficulty or role, or book a slot for later.",
                 suggestions=["widen_preferences", "book_slot"])


def partner_left(session_id: str) -> Notification:
    return _note(f"left-{session_id}", "partner_left", "Your partner left",
                 "Your partner ended the session early. You can still leave them feedback.", sessionId=session_id)


def partner_no_show(session_id: str) -> Notification:
    return _note(f"noshow-{session_id}", "partner_no_show", "Your partner didn't show up",
                 "Sorry about that. You're back at the front of the queue with the same preferences.",
                 sessionId=session_id)


def partner_joined(session_id: str, partner_name: str) -> Notification:
    return _note(f"joined-{session_id}", "partner_joined", "Your partner is in the room",
                 f"{partner_name} has joined your session and is waiting for you.",
                 sessionId=session_id, partnerName=partner_name)


def feedback_received(session_id: str) -> Notification:
    # Written at the reveal, never earlier: before it the subject may not read the feedback (firestore.rules).
    return _note(f"feedback-{session_id}", "feedback_received", "Feedback from your partner",
                 "Your partner's feedback on your last session is ready to read.", sessionId=session_id)


def invitation_received(invitation_id: str, from_name: str, session_label: str, when: str) -> Notification:
    return _note(f"invite-{invitation_id}", "invitation_received", "You're invited to practise",
                 f"{from_name} invites you to a {session_label} interview {when}.",
                 invitationId=invitation_id, partnerName=from_name)


def invitation_accepted(invitation_id: str, by_name: str, session_id: str | None) -> Notification:
    extra: dict[str, Any] = {"sessionId": session_id} if session_id else {}
    message = (f"{by_name} accepted. Your session is ready: join the room." if session_id
               else f"{by_name} accepted. Your session opens at the time you proposed.")
    return _note(f"invite-accepted-{invitation_id}", "invitation_accepted", "Invitation accepted", message,
                 invitationId=invitation_id, partnerName=by_name, **extra)


def invitation_declined(invitation_id: str, by_name: str) -> Notification:
    return _note(f"invite-declined-{invitation_id}", "invitation_declined", "Invitation declined",
                 f"{by_name} can't make it this time.", invitationId=invitation_id, partnerName=by_name)


def invitation_expired(invitation_id: str, to_name: str) -> Notification:
    """To the inviter: the invitee did not answer in time (nothing was created; they may invite again)."""
    return _note(f"invite-expired-{invitation_id}", "invitation_expired", "Invitation expired",
                 f"{to_name} didn't answer your invitation in time, so it has expired. You can invite them again.",
                 invitationId=invitation_id, partnerName=to_name)


def invitation_session_ready(invitation_id: str, session_id: str, partner_name: str) -> Notification:
    """A scheduled invitation's time has come: the session exists now (for both people)."""
    return _note(f"invite-ready-{invitation_id}", "peer_match_found", "Your practice session is ready",
                 f"It's time for your session with {partner_name}.", sessionId=session_id,
                 invitationId=invitation_id, partnerName=partner_name)
