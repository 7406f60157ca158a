"""Peer statistics, defined once: computed from the sessions and the feedback themselves.

`compute` is pure; `recompute` reads a member's sessions and the feedback about them and writes
userStats/{uid} (owner-readable) and the public part on communityProfiles/{uid}. Recomputing from the
sources makes every call idempotent and self-correcting: a trigger delivered twice, or feedback that
arrives after completion, simply yields the same numbers again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from google.cloud import firestore

from salamin import lifecycle as lc

HISTORY_KEPT = 50
RELIABILITY_PRIOR = 3  # three imaginary good sessions, so one early no-show doesn't sink a newcomer


def _role_stats() -> dict[str, Any]:
    return {"sessionCount": 0, "averageRating": 0.0, "totalDuration": 0, "_ratings": []}


def _half_minutes(session: dict[str, Any], half: int) -> int:
    """Minutes actually spent in a half, from the phase the session reached (planned lengths)."""
    reached = session.get("phaseIndex")
    if reached is None or session.get("startedAt") is None:
        return 0
    index = 1 if half == 1 else 3
    if reached < index:
        return 0
    return lc.PHASE_MINUTES[index]


def compute(uid: str, sessions: list[dict[str, Any]], feedback_about: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Stats for `uid` from their sessions and the feedback about them (by session id)."""
    stats: dict[str, Any] = {
        "totalSessions": 0, "completedSessions": 0, "averageRating": 0.0, "totalRatings": 0,
        "asInterviewer": _role_stats(), "asInterviewee": _role_stats(), "specialtyBreakdown": {},
    }
    ratings: list[float] = []
    history: list[dict[str, Any]] = []
    no_shows = late_cancels = completed = 0
    for s in sorted(sessions, key=lambda x: x.get("createdAt") or dt.datetime.min.replace(tzinfo=dt.UTC)):
        sid = s.get("id")
        joined = set(s.get("joinedIds") or [])
        if s.get("status") == "cancelled":
            if s.get("endReason") == "no_show" and uid not in joined:
                no_shows += 1
            elif s.get("endReason") == "called_off" and s.get("leftEarly") == uid:
                late_cancels += 1
            continue
        if s.get("startedAt") is None:
            continue  # never happened: nothing to count yet
        stats["totalSessions"] += 1
        if s.get("status") == "completed":
            stats["completedSessions"] += 1
            if s.get("leftEarly") != uid:
                completed += 1
        first_role = next((p.get("role") for p in s.get("participants", []) if p.get("userId") == uid), None)
        fb = feedback_about.get(str(sid))
        rating = float(fb["overall"]) if fb and isinstance(fb.get("overall"), int) else None
        if rating is not None:
            ratings.append(rating)
            history.append({"sessionId": sid, "at": fb.get("createdAt") or s.get("endedAt"), "overall": int(rating)})
        for half, role in ((1, first_role), (2, "interviewee" if first_role == "interviewer" else "interviewer")):
            minutes = _half_minutes(s, half)
            if not minutes or role not in ("interviewer", "interviewee"):
                continue
            bucket = stats["asInterviewer" if role == "interviewer" else "asInterviewee"]
            bucket["sessionCount"] += 1
            bucket["totalDuration"] += minutes
            if rating is not None:
                bucket["_ratings"].append(rating)
        kind = str(s.get("sessionType") or "unknown")
        spec = stats["specialtyBreakdown"].setdefault(kind, _role_stats())
        spec["sessionCount"] += 1
        spec["totalDuration"] += _half_minutes(s, 1) + _half_minutes(s, 2)
        if rating is not None:
            spec["_ratings"].append(rating)
    for bucket in [stats["asInterviewer"], stats["asInterviewee"], *stats["specialtyBreakdown"].values()]:
        r = bucket.pop("_ratings")
        bucket["averageRating"] = round(sum(r) / len(r), 2) if r else 0.0
    stats["totalRatings"] = len(ratings)
    stats["averageRating"] = round(sum(ratings) / len(ratings), 2) if ratings else 0.0
    score = (completed + RELIABILITY_PRIOR) / (completed + no_shows + late_cancels + RELIABILITY_PRIOR)
    stats["reliability"] = {"score": round(score, 3), "noShows": no_shows, "lateCancels": late_cancels,
                            "completed": completed}
    stats["reputation"] = reputation(stats["averageRating"], len(ratings), score)
    stats["ratingHistory"] = history[-HISTORY_KEPT:]
    return stats


def reputation(average: float, count: int, reliability: float) -> int:
    """0–100: the average rating, trusted more as ratings accumulate (full weight at 5), times reliability."""
    if count == 0:
        return 0
    confidence = min(count, 5) / 5
    shrunk = 3.0 + (average - 3.0) * confidence  # few ratings pull toward the middle
    return round(max(0.0, min(100.0, (shrunk - 1) / 4 * 100 * reliability)))


def recompute(db: firestore.Client, uid: str) -> dict[str, Any]:
    from google.cloud.firestore_v1.base_query import FieldFilter  # noqa: PLC0415

    snaps = db.collection("peerSessions").where(filter=FieldFilter("participantIds", "array_contains", uid)).stream()
    sessions = [{**(s.to_dict() or {}), "id": s.id} for s in snaps]
    refs = []
    for s in sessions:
        partner = next((p for p in s.get("participantIds", []) if p != uid), None)
        if partner and s.get("startedAt") is not None:
            refs.append(db.collection("peerSessions").document(s["id"]).collection("feedback").document(partner))
    feedback = {}
    for snap in db.get_all(refs) if refs else []:
        if snap.exists:
            feedback[snap.reference.parent.parent.id] = snap.to_dict() or {}
    stats = compute(uid, sessions, feedback)
    db.collection("userStats").document(uid).set({**stats, "updatedAt": firestore.SERVER_TIMESTAMP})
    profile = db.collection("communityProfiles").document(uid)
    if profile.get().exists:  # the public part; a profile is only ever created by bootstrapProfile
        profile.update({
            "reputation": stats["reputation"],
            "peerStats": {"completedSessions": stats["completedSessions"], "averageRating": stats["averageRating"],
                          "totalRatings": stats["totalRatings"]},
        })
    return stats
