"""Peer statistics, defined once: computed from the sessions and the feedback themselves.

`compute` is pure; `recompute` reads a member's sessions and the feedback about them and writes
userStats/{uid} (owner-readable) and the public part on communityProfiles/{uid}. Recomputing from the
sources makes every call idempotent and self-correcting: a trigger delivered twice, or feedback that
arrives after completion, simply yields the same numbers again.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from google.cloud import firestore

from salamin import directory, names
from salamin import lifecycle as lc
from salamin import vocabulary as vocab

log = logging.getLogger(__name__)

HISTORY_KEPT = 50
RELIABILITY_PRIOR = 3  # three imaginary good sessions, so one early no-show doesn't sink a newcomer


def _role_stats() -> dict[str, Any]:
    return {"sessionCount": 0, "averageRating": 0.0, "totalDuration": 0, "_ratings": []}


def _half_minutes(session: dict[str, Any], half: int) -> int:
    """Minutes spent in a half (planned lengths) if it was played: a session left before the second half
    counts, and takes a rating into, only the role each played."""
    if session.get("startedAt") is None:
        return 0
    played = lc.played_halves_of(session.get("phaseIndex"), session.get("playedHalves"))
    return lc.PHASE_MINUTES[1 if half == 1 else 3] if half <= played else 0


def _secs(value: object) -> float | None:
    return value.timestamp() if isinstance(value, dt.datetime) else None


def feedback_revealed(session: dict[str, Any], now: float) -> bool:
    """The rules' `feedbackVisible`: both have written theirs (feedbackRevealed), or the deadline passed.

    Only revealed feedback may count anywhere a person can see: a rating folded in earlier would show in
    the subject's ratingHistory and, to every member, in communityProfiles.peerStats.
    """
    if session.get("feedbackRevealed") is True:
        return True
    deadline = _secs(session.get("feedbackDeadline"))
    return deadline is not None and now > deadline


def parse_feedback(doc: object) -> tuple[int, dt.datetime | None] | None:
    """(overall 1–5, createdAt) of a client-written feedback document, or None if it can't be read."""
    if not isinstance(doc, dict):
        return None
    overall = doc.get("overall")
    if isinstance(overall, bool) or not isinstance(overall, int) or not 1 <= overall <= 5:
        return None
    created = doc.get("createdAt")
    return overall, created if isinstance(created, dt.datetime) else None


def _created(session: dict[str, Any]) -> dt.datetime:
    value = session.get("createdAt")
    return value if isinstance(value, dt.datetime) else dt.datetime.min.replace(tzinfo=dt.UTC)


def compute(uid: str, sessions: list[dict[str, Any]], feedback_about: dict[str, dict[str, Any]],
            now: float) -> dict[str, Any]:
    """Stats for `uid` from their sessions and the feedback about them (by session id), as of `now`.

    Feedback counts only once it is revealed (`feedback_revealed`); a feedback document that can't be
    read is skipped and logged, never fails the whole computation.
    """
    stats: dict[str, Any] = {
        "totalSessions": 0, "completedSessions": 0, "averageRating": 0.0, "totalRatings": 0,
        "asInterviewer": _role_stats(), "asInterviewee": _role_stats(), "specialtyBreakdown": {},
    }
    ratings: list[float] = []
    history: list[dict[str, Any]] = []
    no_shows = late_cancels = completed = 0
    streak = best_streak = 0  # sessions in a row this member came to (a no-show of theirs resets it)
    interviewer_ratings: list[float] = []
    tag_counts: dict[str, int] = {}
    for s in sorted(sessions, key=_created):
        sid = s.get("id")
        joined = set(x for x in (s.get("joinedIds") or []) if isinstance(x, str))
        if s.get("status") == "cancelled":
            if s.get("endReason") == "no_show" and uid not in joined:
                no_shows += 1
                streak = 0
            elif s.get("endReason") == "called_off" and s.get("leftEarly") == uid:
                late_cancels += 1
            continue
        if s.get("startedAt") is None:
            continue  # never happened: nothing to count yet
        stats["totalSessions"] += 1
        if s.get("status") == "completed":
            stats["completedSessions"] += 1
            streak += 1
            best_streak = max(best_streak, streak)
            if s.get("leftEarly") != uid:
                completed += 1
        first_role = next((p.get("role") for p in (s.get("participants") or [])
                           if isinstance(p, dict) and p.get("userId") == uid), None)
        rating: float | None = None
        fb = feedback_about.get(str(sid))
        if fb is not None and feedback_revealed(s, now):
            parsed = parse_feedback(fb)
            if parsed is None:
                log.warning("stats: skipped unreadable feedback about %s in session %s", uid, sid)
            else:
                rating = float(parsed[0])
                ratings.append(rating)
                for tag in parse_tags(fb):
                    tag_counts[tag] = tag_counts.get(tag, 0) + 1
                history.append({"sessionId": sid, "at": parsed[1] or s.get("endedAt"), "overall": parsed[0]})
        for half, role in ((1, first_role), (2, "interviewee" if first_role == "interviewer" else "interviewer")):
            minutes = _half_minutes(s, half)
            if not minutes or role not in ("interviewer", "interviewee"):
                continue
            bucket = stats["asInterviewer" if role == "interviewer" else "asInterviewee"]
            bucket["sessionCount"] += 1
            bucket["totalDuration"] += minutes
            if rating is not None:
                bucket["_ratings"].append(rating)
                if role == "interviewer":
                    interviewer_ratings.append(rating)
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
    stats["practiceMinutes"] = stats["asInterviewer"]["totalDuration"] + stats["asInterviewee"]["totalDuration"]
    stats["topTags"] = [{"tag": t, "count": n} for t, n in
                        sorted(tag_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_TAGS]]
    stats["badges"] = badges(stats["completedSessions"], best_streak, interviewer_ratings, tag_counts)
    return stats


TOP_TAGS = 3
# Badges, each with its rule (the app's "How reputation works" says the same words; web/src/lib/badges.ts).
BADGES: dict[str, str] = {
    "first_session": "Completed a first session.",
    "ten_sessions": "Completed 10 sessions.",
    "ten_in_a_row": "Came to 10 sessions in a row without a no-show.",
    "highly_rated_interviewer": "Rated 4.5 or more on average as an interviewer, over at least 5 revealed ratings.",
    "helpful_partner": "Tagged \"helpful\" by partners in at least 5 revealed reviews.",
}


def parse_tags(doc: object) -> list[str]:
    """The known feedback tags of a feedback document (unknown or malformed ones are skipped)."""
    tags = doc.get("tags") if isinstance(doc, dict) else None
    if not isinstance(tags, list):
        return []
    return list(dict.fromkeys(t for t in tags if isinstance(t, str) and t in vocab.FEEDBACK_TAGS))


def badges(completed: int, best_streak: int, interviewer_ratings: list[float], tags: dict[str, int]) -> list[str]:
    """The badges earned, in BADGES order. From sessions and revealed feedback only."""
    earned = {
        "first_session": completed >= 1,
        "ten_sessions": completed >= 10,
        "ten_in_a_row": best_streak >= 10,
        "highly_rated_interviewer": len(interviewer_ratings) >= 5
        and sum(interviewer_ratings) / len(interviewer_ratings) >= 4.5,
        "helpful_partner": tags.get("helpful", 0) >= 5,
    }
    return [b for b in BADGES if earned[b]]


def reputation(average: float, count: int, reliability: float) -> int:
    """0–100: the average rating, trusted more as ratings accumulate (full weight at 5), times reliability."""
    if count == 0:
        return 0
    confidence = min(count, 5) / 5
    shrunk = 3.0 + (average - 3.0) * confidence  # few ratings pull toward the middle
    return round(max(0.0, min(100.0, (shrunk - 1) / 4 * 100 * reliability)))


def public_part(stats: dict[str, Any]) -> dict[str, Any]:
    """What communityProfiles/{uid} shows of a member's stats."""
    # ratingBand is the directory's rating filter; written here with the rating it comes from, so the
    # profile trigger has nothing to do after a stats write.
    return {"reputation": stats["reputation"], "badges": stats["badges"],
            "peerStats": {"completedSessions": stats["completedSessions"], "averageRating": stats["averageRating"],
                          "totalRatings": stats["totalRatings"], "practiceMinutes": stats["practiceMinutes"],
                          "asInterviewer": stats["asInterviewer"]["sessionCount"],
                          "asInterviewee": stats["asInterviewee"]["sessionCount"], "topTags": stats["topTags"]},
            "ratingBand": directory.rating_band(stats["averageRating"], stats["totalRatings"])}


def recompute(db: firestore.Client, uid: str) -> dict[str, Any]:
    """Recomputes and writes `uid`'s stats from the sources (see `recompute_many`)."""
    return recompute_many(db, [uid])[uid]


def recompute_many(db: firestore.Client, uids: list[str]) -> dict[str, dict[str, Any]]:
    """Recomputes and writes each member's stats from the sources. Idempotent: the same sources, the same
    numbers.

    Called for both participants when a session completes or is cancelled, when feedback is revealed (both
    wrote) and at the feedback deadline, so a rating appears everywhere at the moment it is revealed. Both
    people are done together: one query for their sessions, one read of the feedback about them, one of
    their stats and profiles, one batch of writes (four round trips, not four per person).
    """
    from google.cloud.firestore_v1.base_query import FieldFilter  # noqa: PLC0415

    uids = list(dict.fromkeys(uids))
    if not uids:
        return {}
    now = time.time()
    flt = (FieldFilter("participantIds", "array_contains", uids[0]) if len(uids) == 1
           else FieldFilter("participantIds", "array_contains_any", uids))
    everyone = [{**(s.to_dict() or {}), "id": s.id} for s in db.collection(names.SESSIONS).where(filter=flt).stream()]
    sessions_of: dict[str, list[dict[str, Any]]] = {uid: [] for uid in uids}
    subject_of: dict[str, tuple[str, str]] = {}  # feedback document path -> (its subject, session id)
    refs = []
    for s in everyone:
        members = [p for p in (s.get("participantIds") or []) if isinstance(p, str)]
        for uid in uids:
            if uid not in members:
                continue
            sessions_of[uid].append(s)
            partner = next((p for p in members if p != uid), None)
            # Feedback not yet revealed is not even read: nothing of it can reach what this function writes.
            if partner and s.get("startedAt") is not None and feedback_revealed(s, now):
                ref = db.collection(names.SESSIONS).document(s["id"]).collection(names.FEEDBACK).document(partner)
                subject_of[ref.path] = (uid, s["id"])
                refs.append(ref)
    about: dict[str, dict[str, dict[str, Any]]] = {uid: {} for uid in uids}  # subject -> session id -> feedback
    for snap in db.get_all(refs) if refs else []:
        if snap.exists and snap.reference.path in subject_of:
            uid, sid = subject_of[snap.reference.path]
            about[uid][sid] = snap.to_dict() or {}
    out = {uid: compute(uid, sessions_of[uid], about[uid], now) for uid in uids}
    # Written only when they change: the same numbers again (a repeated delivery, the deadline after both
    # had written) cost one read instead of a write, and no listener or profile trigger wakes for nothing.
    stats_refs = {uid: db.collection(names.USER_STATS).document(uid) for uid in uids}
    profile_refs = {uid: db.collection(names.COMMUNITY_PROFILES).document(uid) for uid in uids}
    current = {snap.reference.path: snap for snap in db.get_all([*stats_refs.values(), *profile_refs.values()])}
    batch, writes = db.batch(), 0
    for uid, stats in out.items():
        stored, profile = current.get(stats_refs[uid].path), current.get(profile_refs[uid].path)
        if stored is None or not stored.exists or \
                {k: v for k, v in (stored.to_dict() or {}).items() if k != "updatedAt"} != stats:
            batch.set(stats_refs[uid], {**stats, "updatedAt": firestore.SERVER_TIMESTAMP})
            writes += 1
        if profile is not None and profile.exists:  # the public part; only bootstrapProfile creates a profile
            public = public_part(stats)
            if {k: (profile.to_dict() or {}).get(k) for k in public} != public:
                batch.update(profile_refs[uid], public)
                writes += 1
    if writes:
        batch.commit()
    return out
