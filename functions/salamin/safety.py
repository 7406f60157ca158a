"""Safety (issue 17): blocking, reports, and suspending a member from matching and invitations.

Blocks live in users/{uid}.blockedUserIds (the owner's, read by matching, invitations and the directory).
Reports live in reports/{id}: created only here, read only by staff (the `admin` custom claim). A suspension
is users/{uid}.suspension = {reason, until, by, at}, written only here by staff; the member reads it on their
own users document, and the rules refuse their queue joins until `until` (invitations check it here).
Pure checks first, then the Firestore I/O.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from salamin import directory, matching, names, notifications
from salamin import vocabulary as vocab
from salamin.errors import DomainError

log = logging.getLogger(__name__)

REPORTS_PER_DAY = 10
DAY_MS = 24 * 3600 * 1000
DETAILS_MAX = 2000
SUSPENSION_REASON_MAX = 500
SUSPENSION_MAX_DAYS = 365
_UID = re.compile(vocab.UID_PATTERN)


# ---- pure ------------------------------------------------------------------------------------------------

def require_uid(value: object, what: str = "member") -> str:
    if not isinstance(value, str) or not _UID.match(value):
        raise DomainError("invalid-argument", f"Which {what}? That id is not valid.")
    return value


def suspension_of(user: dict[str, Any] | None, now_ms: int) -> dict[str, Any] | None:
    """The member's suspension while it lasts ({reason, until}), else None. An unreadable one counts as none:
    only staff write it, through `suspend`, which writes it well-formed."""
    value = (user or {}).get("suspension")
    if not isinstance(value, dict):
        return None
    until = value.get("until")
    if not isinstance(until, dt.datetime) or until.timestamp() * 1000 <= now_ms:
        return None
    reason = value.get("reason") if isinstance(value.get("reason"), str) else ""
    return {"reason": reason, "until": until}


def suspended_message(suspension: dict[str, Any]) -> str:
    until: dt.datetime = suspension["until"]
    reason = suspension["reason"] or "a breach of the community rules"
    return (f"Your account is suspended from matching and invitations until "
            f"{until.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC: {reason}.")


def blocked_between(user_a: dict[str, Any] | None, uid_a: str, user_b: dict[str, Any] | None, uid_b: str) -> bool:
    """Either has blocked the other. A block list that is not a list at all cannot say whom it refuses,
    so it counts as a block (as matching skips such a person); stray items in a list are ignored."""
    try:
        a_blocks, _ = matching.parse_uid_list((user_a or {}).get("blockedUserIds"))
        b_blocks, _ = matching.parse_uid_list((user_b or {}).get("blockedUserIds"))
    except ValueError:
        return True
    return uid_b in a_blocks or uid_a in b_blocks


def admit_daily(stamps: object, now_ms: int, per_day: int) -> tuple[bool, list[int]]:
    """A rolling 24-hour budget kept as a list of millisecond stamps: (allowed, the list to store)."""
    kept = [s for s in stamps if isinstance(s, int) and not isinstance(s, bool) and now_ms - s < DAY_MS] \
        if isinstance(stamps, list) else []
    if len(kept) >= per_day:
        return False, kept
    return True, [*kept, now_ms]


@dataclass(frozen=True)
class ReportRequest:
    subject_uid: str
    session_id: str | None
    reason: str
    details: str


def parse_report(data: object, reporter: str) -> ReportRequest:
    if not isinstance(data, dict):
        raise DomainError("invalid-argument", "Say whom you are reporting and why.")
    subject = require_uid(data.get("subjectUid"))
    if subject == reporter:
        raise DomainError("invalid-argument", "You can't report yourself.")
    reason = data.get("reason")
    if reason not in vocab.REPORT_REASONS:
        raise DomainError("invalid-argument", "Choose a reason for the report.")
    details = data.get("details", "")
    if not isinstance(details, str) or len(details) > DETAILS_MAX:
        raise DomainError("invalid-argument", f"Details can be at most {DETAILS_MAX} characters.")
    session = data.get("sessionId")
    if session is not None and (not isinstance(session, str) or not _UID.match(session)):
        raise DomainError("invalid-argument", "That session id is not valid.")
    return ReportRequest(subject, session, str(reason), details.strip())


@dataclass(frozen=True)
class SuspendRequest:
    uid: str
    reason: str
    until_ms: int
    report_id: str | None


def parse_suspend(data: object, now_ms: int) -> SuspendRequest:
    if not isinstance(data, dict):
        raise DomainError("invalid-argument", "Say whom to suspend, why and until when.")
    uid = require_uid(data.get("uid"))
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > SUSPENSION_REASON_MAX:
        raise DomainError("invalid-argument", f"Give a reason of 1 to {SUSPENSION_REASON_MAX} characters: "
                                              "the member will read it.")
    until = data.get("untilMs")
    if not isinstance(until, int) or isinstance(until, bool) or until <= now_ms:
        raise DomainError("invalid-argument", "The suspension must end in the future.")
    if until - now_ms > SUSPENSION_MAX_DAYS * DAY_MS:
        raise DomainError("invalid-argument", f"A suspension lasts at most {SUSPENSION_MAX_DAYS} days.")
    report = data.get("reportId")
    if report is not None and (not isinstance(report, str) or not _UID.match(report)):
        raise DomainError("invalid-argument", "That report id is not valid.")
    return SuspendRequest(uid, reason.strip(), until, report)


def is_staff(token: dict[str, Any] | None) -> bool:
    return bool(token) and (token or {}).get("admin") is True


def require_staff(token: dict[str, Any] | None) -> None:
    if not is_staff(token):
        raise DomainError("permission-denied", "Only staff can do that.")


# ---- Firestore -------------------------------------------------------------------------------------------

def _now_ms() -> int:
    return int(dt.datetime.now(dt.UTC).timestamp() * 1000)


def _user(db: firestore.Client, uid: str, tx: firestore.Transaction | None = None) -> dict[str, Any] | None:
    snap = db.collection(names.USERS).document(uid).get(transaction=tx)
    return (snap.to_dict() or {}) if snap.exists else None


def block(db: firestore.Client, uid: str, data: object) -> dict[str, Any]:
    """Blocks a member: never matched, invited, listed or notified about each other again. Pending
    invitations between the two are cancelled and their notifications removed. Idempotent."""
    target = require_uid((data or {}).get("uid") if isinstance(data, dict) else None)
    if target == uid:
        raise DomainError("invalid-argument", "You can't block yourself.")
    ref = db.collection(names.USERS).document(uid)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> None:
        user = _user(db, uid, tx)
        if user is None:
            raise DomainError("failed-precondition", "Your account is still being set up; try again in a moment.")
        try:
            current, _ = matching.parse_uid_list(user.get("blockedUserIds"))
        except ValueError:
            current = frozenset()  # not a list: the union below replaces it with one
        if target not in current and len(current) >= vocab.BLOCKED_USER_IDS_MAX:
            raise DomainError("resource-exhausted", f"You can block at most {vocab.BLOCKED_USER_IDS_MAX} members.")
        tx.update(ref, {"blockedUserIds": firestore.ArrayUnion([target])})

    run(db.transaction())
    cancelled = cancel_invitations_between(db, uid, target)
    forget_notifications_between(db, uid, target)
    return {"blocked": target, "invitationsCancelled": cancelled}


def forget_notifications_between(db: firestore.Client, a: str, b: str) -> int:
    """Deletes each one's notifications about the other: those of the sessions they shared and of the
    invitations between them (any status). New ones are not written (notifications.send checks)."""
    shared = [s.id for s in db.collection(names.SESSIONS)
              .where(filter=FieldFilter("participantIds", "array_contains", a)).select(["participantIds"]).stream()
              if b in ((s.to_dict() or {}).get("participantIds") or [])]
    invites = [s.id for frm, to in ((a, b), (b, a)) for s in db.collection(names.INVITATIONS)
               .where(filter=FieldFilter("fromUid", "==", frm)).where(filter=FieldFilter("toUid", "==", to))
               .select([]).stream()]
    deleted = 0
    for owner in (a, b):
        notes = db.collection(names.USERS).document(owner).collection(names.NOTIFICATIONS)
        for field, ids in (("sessionId", shared), ("invitationId", invites)):
            for i in range(0, len(ids), 30):  # `in` takes at most 30 values
                for snap in notes.where(filter=FieldFilter(field, "in", ids[i:i + 30])).select([]).stream():
                    snap.reference.delete()
                    deleted += 1
    return deleted


def unblock(db: firestore.Client, uid: str, data: object) -> dict[str, Any]:
    target = require_uid((data or {}).get("uid") if isinstance(data, dict) else None)
    db.collection(names.USERS).document(uid).update({"blockedUserIds": firestore.ArrayRemove([target])})
    return {"unblocked": target}


def cancel_invitations_between(db: firestore.Client, a: str, b: str) -> int:
    """Open invitations between a and b (either way) become 'cancelled'; each one's notifications go."""
    count = 0
    invitations = db.collection(names.INVITATIONS)
    for frm, to in ((a, b), (b, a)):
        query = (invitations.where(filter=FieldFilter("fromUid", "==", frm))
                 .where(filter=FieldFilter("toUid", "==", to))
                 .where(filter=FieldFilter("status", "in", ["pending", "accepted"])))
        for snap in query.stream():
            doc = snap.to_dict() or {}
            if doc.get("sessionId"):
                continue  # a session exists already: it runs its own course
            snap.reference.update({"status": "cancelled", "respondedAt": firestore.SERVER_TIMESTAMP})
            for uid in (frm, to):
                for prefix in ("invite-", "invite-accepted-", "invite-declined-"):
                    notifications.ref(db, uid, f"{prefix}{snap.id}").delete()
            count += 1
    return count


def report(db: firestore.Client, uid: str, data: object) -> dict[str, Any]:
    """Files a report for staff. At most REPORTS_PER_DAY a day per member (the rules cannot count)."""
    req = parse_report(data, uid)
    now = _now_ms()
    if req.session_id is not None:
        snap = db.collection(names.SESSIONS).document(req.session_id).get()
        parts = (snap.to_dict() or {}).get("participantIds") if snap.exists else None
        if not isinstance(parts, list) or uid not in parts or req.subject_uid not in parts:
            raise DomainError("permission-denied", "You can report a session only about your partner in it.")
    user_ref = db.collection(names.USERS).document(uid)
    report_ref = db.collection(names.REPORTS).document()

    @firestore.transactional
    def run(tx: firestore.Transaction) -> None:
        user = _user(db, uid, tx)
        if user is None:
            raise DomainError("failed-precondition", "Your account is still being set up; try again in a moment.")
        allowed, stamps = admit_daily(user.get("reportStamps"), now, REPORTS_PER_DAY)
        if not allowed:
            raise DomainError("resource-exhausted",
                              f"You have sent {REPORTS_PER_DAY} reports in the last 24 hours; staff will look at "
                              "them. Please try again tomorrow.")
        tx.update(user_ref, {"reportStamps": stamps})
        tx.set(report_ref, {
            "id": report_ref.id, "reporterUid": uid, "subjectUid": req.subject_uid, "sessionId": req.session_id,
            "reason": req.reason, "details": req.details, "status": "open", "createdAt": firestore.SERVER_TIMESTAMP,
        })

    run(db.transaction())
    return {"reportId": report_ref.id}


def suspend(db: firestore.Client, staff_uid: str, data: object) -> dict[str, Any]:
    """Suspends a member from matching and invitations until a time, with a reason they will read. Their
    waiting queue entry and open invitations go, and their directory listing until it ends; a report named
    with it is closed as actioned."""
    now = _now_ms()
    req = parse_suspend(data, now)
    user_ref = db.collection(names.USERS).document(req.uid)
    if not user_ref.get().exists:
        raise DomainError("not-found", "No member has that id.")
    until = dt.datetime.fromtimestamp(req.until_ms / 1000, dt.UTC)
    user_ref.update({"suspension": {"reason": req.reason, "until": until, "by": staff_uid,
                                    "at": firestore.SERVER_TIMESTAMP}})
    queue_ref = db.collection(names.MATCHING_QUEUE).document(req.uid)
    entry = queue_ref.get()
    if entry.exists and (entry.to_dict() or {}).get("status") == "waiting":
        queue_ref.delete()
    cancel_invitations_of(db, req.uid)
    directory.refresh_now(db, req.uid)  # out of the directory now, back when it ends
    if req.report_id:
        close_report(db, staff_uid, {"reportId": req.report_id, "resolution": "actioned"})
    return {"uid": req.uid, "untilMs": req.until_ms}


def cancel_invitations_of(db: firestore.Client, uid: str) -> None:
    invitations = db.collection(names.INVITATIONS)
    for field in ("fromUid", "toUid"):
        query = (invitations.where(filter=FieldFilter(field, "==", uid))
                 .where(filter=FieldFilter("status", "in", ["pending", "accepted"])))
        for snap in query.stream():
            if not (snap.to_dict() or {}).get("sessionId"):
                snap.reference.update({"status": "cancelled", "respondedAt": firestore.SERVER_TIMESTAMP})


def lift_suspension(db: firestore.Client, data: object) -> dict[str, Any]:
    uid = require_uid((data or {}).get("uid") if isinstance(data, dict) else None)
    db.collection(names.USERS).document(uid).update({"suspension": firestore.DELETE_FIELD})
    directory.refresh_now(db, uid)  # back in the directory (if listed)
    return {"uid": uid}


def close_report(db: firestore.Client, staff_uid: str, data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise DomainError("invalid-argument", "Which report?")
    report_id = require_uid(data.get("reportId"), "report")
    resolution = data.get("resolution")
    if resolution not in ("dismissed", "actioned"):
        raise DomainError("invalid-argument", "Close a report as 'dismissed' or 'actioned'.")
    ref = db.collection(names.REPORTS).document(report_id)
    if not ref.get().exists:
        raise DomainError("not-found", "No report has that id.")
    ref.update({"status": resolution, "resolvedBy": staff_uid, "resolvedAt": firestore.SERVER_TIMESTAMP})
    return {"reportId": report_id, "status": resolution}
