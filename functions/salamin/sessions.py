"""Peer sessions: who may act on a session, and the participants' call state kept true on the session."""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore

from salamin import names
from salamin.errors import DomainError

LIVE_STATUSES = ("matched", "starting", "active", "ending")
PRESENCE_STATES = ("connecting", "connected", "reconnecting", "failed", "left")
MIRROR_ATTEMPTS = 8


def require_session_id(value: object) -> str:
    """A session id from a caller, or a clear error (ids are never paths)."""
    if not isinstance(value, str) or not value or len(value) > 128 or "/" in value:
        raise DomainError("invalid-argument", "Which session? The session id is missing.")
    return value


def session_for_participant(db: firestore.Client, session_id: object, uid: str,
                            live: bool = True) -> dict[str, Any]:
    """The session if `uid` takes part in it (and, with `live`, it has not ended); else a clear error."""
    session_id = require_session_id(session_id)
    snap = db.collection(names.SESSIONS).document(session_id).get()
    return for_participant(snap.to_dict() if snap.exists else None, uid, live)


def for_participant(session: dict[str, Any] | None, uid: str, live: bool = True) -> dict[str, Any]:
    """`session` (as read, None if missing) if `uid` takes part in it (and, with `live`, it has not ended);
    else a clear error. For a caller that read the session together with other documents."""
    if not session or uid not in session.get("participantIds", []):
        # Same answer for "no such session" and "not yours": ids are not for probing.
        raise DomainError("not-found", "This session does not exist or is not yours.")
    if live and session.get("status") not in LIVE_STATUSES:
        raise DomainError("failed-precondition",
                          f"This session has {'been cancelled' if session.get('status') == 'cancelled' else 'ended'}.")
    return session


def connection_status(state: str) -> str:
    """The seed's PeerSessionParticipant.connectionStatus from the room's finer call state."""
    return {"connected": "connected", "left": "disconnected", "failed": "disconnected"}.get(state, "connecting")


def mirrored(participants: list[dict[str, Any]], uid: str, presence: dict[str, Any],
             now: dt.datetime) -> list[dict[str, Any]] | None:
    """The participants array with `uid`'s presence copied in; None when there is nothing to change (no
    such participant, or a delivery older than what the array already reflects)."""
    updated_at = presence.get("updatedAt")
    out = list(participants)
    for i, p in enumerate(out):
        if not isinstance(p, dict) or p.get("userId") != uid:
            continue
        seen = p.get("presenceUpdatedAt")
        if seen is not None and updated_at is not None and updated_at <= seen:
            return None
        state = presence["state"]
        q = dict(p)
        q.update({
            "connectionStatus": connection_status(state),
            "callState": state,
            "audioEnabled": bool(presence.get("audioEnabled")),
            "videoEnabled": bool(presence.get("videoEnabled")),
            "screenSharing": bool(presence.get("screenSharing")) and state != "left",
            "presenceUpdatedAt": updated_at,
        })
        # Inside an array a server-timestamp sentinel is not allowed: fall back to this clock.
        if state != "left" and not p.get("joinedAt"):
            q["joinedAt"] = updated_at or now
        if state == "left":
            q["leftAt"] = updated_at or now
        elif p.get("leftAt"):
            q["leftAt"] = None  # came back
        out[i] = q
        return out
    return None


def mirror_presence(db: firestore.Client, session_id: str, uid: str, presence: dict[str, Any] | None) -> bool:
    """Copies a participant's presence document into the session's participants array.

    Idempotent and order-safe: a delivery older than what the session already reflects is ignored, so a
    late or repeated trigger cannot roll the state back. No transaction: the session is the busiest
    document of a session and a transaction would lock it from its read to its commit. The session is
    read plainly and written only if it has not changed since (its update time as a precondition);
    if it has, the mirror reads again.
    """
    if not presence or presence.get("state") not in PRESENCE_STATES:
        return False
    ref = db.collection(names.SESSIONS).document(session_id)
    for attempt in range(MIRROR_ATTEMPTS):
        snap = ref.get()
        session = snap.to_dict() if snap.exists else None
        if not session or not isinstance(session.get("participants"), list):
            return False
        participants = mirrored(session["participants"], uid, presence, dt.datetime.now(dt.UTC))
        if participants is None:
            return False
        try:
            ref.update({"participants": participants}, option=db.write_option(last_update_time=snap.update_time))
            return True
        except (gexc.FailedPrecondition, gexc.Aborted):
            time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))  # someone wrote the session meanwhile
    raise RuntimeError(f"presence of {uid} in session {session_id}: the session kept changing; retried")
