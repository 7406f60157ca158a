"""Notifications (users/{uid}/notifications/{id}): every kind the functions write is built here.

Each builder returns the document id and the document. Ids are derived from what the notification is
about, so writing one twice (a retried trigger or task) leaves a single notification. The owner may only
mark one read (firestore.rules); everything else is written here.
"""

from __future__ import annotations

from typing import Any

from google.cloud import firestore

from salamin import names

Notification = tuple[str, dict[str, Any]]


def ref(db: firestore.Client, uid: str, note_id: str) -> firestore.DocumentReference:
    return db.collection(names.USERS).document(uid).collection(names.NOTIFICATIONS).document(note_id)


def _note(note_id: str, kind: str, title: str, message: str, **extra: Any) -> Notification:
    return note_id, {"type": kind, "title": title, "message": message, **extra,
                     "createdAt": firestore.SERVER_TIMESTAMP, "read": False}


def match_found(session_id: str, session_label: str, partner_name: str, role: str) -> Notification:
    return _note(f"match-{session_id}", "peer_match_found", "Match found!",
                 f"You'll practise a {session_label} interview with {partner_name}. You start as the {role}.",
                 sessionId=session_id, partnerName=partner_name)


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
