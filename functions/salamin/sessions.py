"""Peer sessions: who may act on a session, and the participants' call state kept true on the session."""

from __future__ import annotations

import datetime as dt
from typing import Any

from firebase_functions import https_fn
from google.cloud import firestore

SESSIONS = "peerSessions"
LIVE_STATUSES = ("matched", "starting", "active", "ending")
PRESENCE_STATES = ("connecting", "connected", "reconnecting", "failed", "left")


def _error(code: https_fn.FunctionsErrorCode, message: str) -> https_fn.HttpsError:
    return https_fn.HttpsError(code, message)


def require_session_id(value: object) -> str:
    """A session id from a caller, or a clear error (ids are never paths)."""
    if not isinstance(value, str) or not value or len(value) > 128 or "/" in value:
        raise _error(https_fn.FunctionsErrorCode.INVALID_ARGUMENT, "Which session? The session id is missing.")
    return value


def session_for_participant(db: firestore.Client, session_id: object, uid: str,
                            live: bool = True) -> dict[str, Any]:
    """The session if `uid` takes part in it (and, with `live`, it has not ended); else a clear error."""
    session_id = require_session_id(session_id)
    snap = db.collection(SESSIONS).document(session_id).get()
    session = snap.to_dict() if snap.exists else None
    if not session or uid not in session.get("participantIds", []):
        # Same answer for "no such session" and "not yours": ids are not for probing.
        raise _error(https_fn.FunctionsErrorCode.NOT_FOUND, "This session does not exist or is not yours.")
    if live and session.get("status") not in LIVE_STATUSES:
        raise _error(https_fn.FunctionsErrorCode.FAILED_PRECONDITION,
                     f"This session has {'been cancelled' if session.get('status') == 'cancelled' else 'ended'}.")
    return session


def connection_status(state: str) -> str:
    """The seed's PeerSessionParticipant.connectionStatus from the room's finer call state."""
    return {"connected": "connected", "left": "disconnected", "failed": "disconnected"}.get(state, "connecting")


def mirror_presence(db: firestore.Client, session_id: str, uid: str, presence: dict[str, Any] | None) -> bool:
    """Copies a participant's presence document into the session's participants array.

    Idempotent and order-safe: a delivery older than what the session already reflects is ignored, so a
    late or repeated trigger cannot roll the state back.
    """
    if not presence or presence.get("state") not in PRESENCE_STATES:
        return False
    ref = db.collection(SESSIONS).document(session_id)
    updated_at = presence.get("updatedAt")

    @firestore.transactional
    def run(tx: firestore.Transaction) -> bool:
        snap = ref.get(transaction=tx)
        session = snap.to_dict() if snap.exists else None
        if not session:
            return False
        participants = list(session.get("participants") or [])
        for i, p in enumerate(participants):
            if p.get("userId") != uid:
                continue
            seen = p.get("presenceUpdatedAt")
            if seen is not None and updated_at is not None and updated_at <= seen:
                return False
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
                q["joinedAt"] = updated_at or dt.datetime.now(dt.UTC)
            if state == "left":
                q["leftAt"] = updated_at or dt.datetime.now(dt.UTC)
            elif p.get("leftAt"):
                q["leftAt"] = None  # came back
            participants[i] = q
            tx.update(ref, {"participants": participants})
            return True
        return False

    return run(db.transaction())
