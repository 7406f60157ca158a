"""The one vocabulary of client-written fields: enums, patterns and limits.

Every field a client may write is checked in three layers: the web form (web/src/types/models.ts), the
security rules (firestore.rules) and the functions that read it (salamin.matching and friends). This module
is the Python source of truth; tests/unit/test_vocabulary.py parses the rules and models.ts and fails when
either drifts from it, and tests/support/strategies.py generates documents from it for property tests.
Pure data: nothing here touches Firestore.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---- enums -----------------------------------------------------------------------------------------

SESSION_TYPES: tuple[str, ...] = ("behavioral", "technical", "case_study", "mixed")
DIFFICULTIES: tuple[str, ...] = ("beginner", "intermediate", "advanced")
ROLE_PREFERENCES: tuple[str, ...] = ("interviewer", "interviewee", "flexible")
EXPERIENCE_LEVELS: tuple[str, ...] = ("entry", "mid", "senior")
LANGUAGES: tuple[str, ...] = (
    "english", "spanish", "french", "german", "portuguese", "hindi", "mandarin", "japanese", "arabic",
    "russian", "tagalog", "korean", "italian", "turkish", "vietnamese", "indonesian", "polish", "dutch",
    "ukrainian", "bengali",
)
INDUSTRIES: tuple[str, ...] = (
    "tech", "finance", "healthcare", "consulting", "ecommerce", "gaming", "education", "government",
    "media", "telecom", "automotive", "energy", "other",
)
FEEDBACK_TAGS: tuple[str, ...] = (
    "helpful", "prepared", "clear_communicator", "strong_technical", "good_listener", "structured",
    "punctual", "kind", "challenging", "needs_practice",
)
RUBRIC_KEYS: dict[str, tuple[str, ...]] = {
    "technical": ("problem_solving", "code_quality", "communication", "testing"),
    "behavioral": ("structure", "impact", "communication", "self_awareness"),
    "case_study": ("structure", "depth", "tradeoffs", "communication"),
    "mixed": ("problem_solving", "structure", "communication"),
}
CALL_STATES: tuple[str, ...] = ("connecting", "connected", "reconnecting", "failed", "left")
SIGNAL_TYPES: tuple[str, ...] = ("offer", "answer", "candidate")
# The feedback style a member likes to receive (communityProfiles.feedbackStyle).
FEEDBACK_STYLES: tuple[str, ...] = ("direct", "balanced", "encouraging")
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Safety and invitations (issue 17): sent to callables only, never written by a client into Firestore.
REPORT_REASONS: tuple[str, ...] = ("harassment", "inappropriate", "no_show", "cheating", "spam", "other")
INVITATION_STATUSES: tuple[str, ...] = ("pending", "accepted", "declined", "withdrawn", "expired", "cancelled")

# ---- patterns (RE2 and Python `re` read them alike; always matched against the whole string) ----------

# Shape of an IANA zone name ("UTC", "EST5EDT", "America/Argentina/Buenos_Aires", "Etc/GMT+5"). The rules
# can only check shape; a well-shaped but unknown zone ("Mars/Olympus_Mons") scores neutral in matching.
TIME_ZONE_PATTERN = r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$"
# A Firebase Auth uid as this app's sign-in methods make them (28 letters and digits today; up to 128).
UID_PATTERN = r"^[A-Za-z0-9_-]{1,128}$"
# A non-empty users/{uid}.blockedUserIds is checked in the rules as one string (rules have no loops): its
# uids joined by commas, which no uid contains; splitting it again must give back the same list.
BLOCK_LIST_JOINED_PATTERN = r"^[A-Za-z0-9_-]{1,128}(,[A-Za-z0-9_-]{1,128})*$"

# Weekly availability in the member's own time zone: ranges like "mon 09:00-12:00", joined by ";", at most
# AVAILABILITY_RANGES_MAX; "" means none given. Rules check the shape only; salamin.profiles reads it and
# skips a range that ends before it starts.
AVAILABILITY_RANGES_MAX = 14
_HHMM = "([01][0-9]|2[0-3]):[0-5][0-9]"
_RANGE = f"(mon|tue|wed|thu|fri|sat|sun) {_HHMM}-({_HHMM}|24:00)"
AVAILABILITY_PATTERN = f"^({_RANGE}(;{_RANGE}){{0,{AVAILABILITY_RANGES_MAX - 1}}})?$"
AVAILABILITY_MAX_LEN = 15 * AVAILABILITY_RANGES_MAX + AVAILABILITY_RANGES_MAX - 1

# ---- field specs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enum:
    values: tuple[str, ...]


@dataclass(frozen=True)
class EnumList:
    """A list of distinct values from `values`, min..max items."""

    values: tuple[str, ...]
    min_items: int
    max_items: int


@dataclass(frozen=True)
class Str:
    min_len: int
    max_len: int
    pattern: str | None = None


@dataclass(frozen=True)
class StrList:
    """A list of distinct strings of min_len..max_len characters, at most max_items (and at least min_items)."""

    max_items: int
    min_len: int
    max_len: int
    pattern: str | None = None
    min_items: int = 0


@dataclass(frozen=True)
class Int:
    min: int
    max: int


@dataclass(frozen=True)
class Num:
    """A number, whole or not, in min..max."""

    min: float
    max: float


@dataclass(frozen=True)
class Bytes:
    min_len: int
    max_len: int


@dataclass(frozen=True)
class Bool:
    pass


@dataclass(frozen=True)
class ServerTime:
    """Must equal request.time (a serverTimestamp() write)."""


@dataclass(frozen=True)
class Own:
    """A uid fixed by who writes (their own, or their partner's): checked against auth, not a vocabulary."""


@dataclass(frozen=True)
class AnyInt:
    """Any whole number (no bounds)."""


@dataclass(frozen=True)
class SizeOf:
    """A whole number that must equal the size of another field of the same document."""

    field: str


Spec = Enum | EnumList | Str | StrList | Int | Num | Bytes | Bool | ServerTime | Own | AnyInt | SizeOf

MAX_WAIT_S = (30, 900)

# matchingQueue/{uid}: what a member writes to join (status is always 'waiting' on create).
QUEUE_ENTRY: dict[str, Spec] = {
    "uid": Own(),
    "sessionTypes": EnumList(SESSION_TYPES, 1, 4),
    "difficultyLevels": EnumList(DIFFICULTIES, 1, 3),
    "rolePreference": Enum(ROLE_PREFERENCES),
    "languages": EnumList(LANGUAGES, 1, 5),
    "industries": EnumList(INDUSTRIES, 0, 10),
    "targetRoles": StrList(10, 1, 40),
    "timeZone": Str(1, 64, TIME_ZONE_PATTERN),
    "experienceLevel": Enum(EXPERIENCE_LEVELS),
    "maxWaitTime": Int(*MAX_WAIT_S),
    "status": Enum(("waiting",)),
    "joinedAt": ServerTime(),
}

# users/{uid}: the owner writes only the block list.
BLOCKED_USER_IDS_MAX = 200
USER: dict[str, Spec] = {
    "blockedUserIds": StrList(BLOCKED_USER_IDS_MAX, 1, 128, UID_PATTERN),
}

# users/{uid}/notifications/{id}: the owner only marks one read (the rules allow `read == true` alone).
NOTIFICATION: dict[str, Spec] = {"read": Bool()}

# communityProfiles/{uid}: the owner's public face.
COMMUNITY_PROFILE: dict[str, Spec] = {
    "displayName": Str(1, 60),
    "headline": Str(0, 120),
    "bio": Str(0, 1000),
    "experienceLevel": Enum(EXPERIENCE_LEVELS),
    "timeZone": Str(1, 64, TIME_ZONE_PATTERN),
    "languages": EnumList(LANGUAGES, 1, 5),
    "industries": EnumList(INDUSTRIES, 0, 10),
    "targetRoles": StrList(10, 1, 40),
    "specialties": StrList(10, 1, 40),
    "listed": Bool(),  # shown in the directory (false until the member says so)
    "availability": Str(0, AVAILABILITY_MAX_LEN, AVAILABILITY_PATTERN),
    "openToRandom": Bool(),
    "preferredSessionTypes": EnumList(SESSION_TYPES, 0, 4),
    "maxSessionsPerDay": Int(1, 10),
    "feedbackStyle": Enum(FEEDBACK_STYLES),
    "openToMentoring": Bool(),
    "onboarded": Bool(),  # the first-sign-in step was finished or skipped
    "updatedAt": ServerTime(),
}

# peerSessions/{id}/feedback/{fromUid} (rubric: exactly RUBRIC_KEYS[sessionType], each 1..5; exactly {} when the
# partner was not interviewed in a played half: firestore.rules `rubricWanted`).
FEEDBACK: dict[str, Spec] = {
    "from": Own(),
    "to": Own(),  # the partner: checked against the session, not a vocabulary
    "overall": Int(1, 5),
    "rubric": Int(1, 5),
    "tags": EnumList(FEEDBACK_TAGS, 0, 8),
    "text": Str(0, 4000),
    "wouldPracticeAgain": Bool(),
    "createdAt": ServerTime(),
}

# peerSessions/{id}/notes/{uid}
NOTES: dict[str, Spec] = {"uid": Own(), "text": Str(0, 20000), "updatedAt": ServerTime()}

# peerSessions/{id}/presence/{uid}
PRESENCE: dict[str, Spec] = {
    "uid": Own(),
    "peerId": Str(8, 64),
    "state": Enum(CALL_STATES),
    "audioEnabled": Bool(),
    "videoEnabled": Bool(),
    "screenSharing": Bool(),
    "updatedAt": ServerTime(),
    "leftSession": Bool(),  # only true, only with state 'left': Leave, not a reload
}

# peerSessions/{id}/quality/{uid}: a participant's call-quality summary (web/src/features/room/callQuality.ts)
QUALITY: dict[str, Spec] = {
    "uid": Own(),
    "updatedAt": ServerTime(),
    "samples": Int(1, 100000),
    "weakSeconds": Num(0, 86400),
    "rttMsAvg": Num(0, 60000),
    "rttMsMax": Num(0, 60000),
    "lossPctAvg": Num(0, 100),
    "lossPctMax": Num(0, 100),
    "jitterMsMax": Num(0, 60000),
    "fpsAvg": Num(0, 240),
    "freezeMs": Num(0, 86400000),
    "freezeMsMax": Num(0, 86400000),
    "concealedPctMax": Num(0, 100),
    "minHeight": Num(0, 10000),
    "relayed": Bool(),
    "videoLevelMax": Int(0, 2),
}

# peerSessions/{id}/signaling/{messageId}
SIGNALING: dict[str, Spec] = {
    "from": Own(),
    "to": Own(),
    "fromPeer": Str(8, 64),
    "type": Enum(SIGNAL_TYPES),
    "sdp": Str(1, 32000),
    "candidate.candidate": Str(0, 2048),
    "candidate": Own(),  # a map: its fields are the dotted names here
    "candidate.sdpMid": Str(0, 64),
    "candidate.sdpMLineIndex": AnyInt(),
    "candidate.usernameFragment": Str(0, 256),
    "createdAt": ServerTime(),
}

# peerSessions/{id}/codeUpdates/{updateId} and codePresence/{uid}
CODE_UPDATE: dict[str, Spec] = {"author": Own(), "update": Bytes(1, 131072), "bytes": SizeOf("update"),
                                "createdAt": ServerTime()}
CODE_PRESENCE: dict[str, Spec] = {"uid": Own(), "state": Bytes(1, 8192), "updatedAt": ServerTime()}
# peerSessions/{id}/boardUpdates/{updateId} and boardPresence/{uid}: the same shapes and caps
BOARD_UPDATE: dict[str, Spec] = CODE_UPDATE
BOARD_PRESENCE: dict[str, Spec] = CODE_PRESENCE

# peerSessions/{id}/callAttempts/{uid}: attempts that did not connect within 15 s, and the last reason
STALL_REASONS: tuple[str, ...] = (
    "no-candidates", "relay-unreachable", "checks-failed", "partner-left", "media-refused")
CALL_ATTEMPTS: dict[str, Spec] = {
    "uid": Own(),
    "failures": Int(1, 100),
    "reason": Enum(STALL_REASONS),
    "updatedAt": ServerTime(),
}

# Rules path of each client-written collection -> its spec (the drift test walks this).
CLIENT_WRITTEN: dict[str, dict[str, Spec]] = {
    "/matchingQueue/{uid}": QUEUE_ENTRY,
    "/users/{uid}": USER,
    "/notifications/{notificationId}": NOTIFICATION,
    "/communityProfiles/{uid}": COMMUNITY_PROFILE,
    "/feedback/{fromUid}": FEEDBACK,
    "/notes/{uid}": NOTES,
    "/presence/{uid}": PRESENCE,
    "/quality/{uid}": QUALITY,
    "/callAttempts/{uid}": CALL_ATTEMPTS,
    "/signaling/{messageId}": SIGNALING,
    "/codeUpdates/{updateId}": CODE_UPDATE,
    "/codePresence/{uid}": CODE_PRESENCE,
    "/boardUpdates/{updateId}": BOARD_UPDATE,
    "/boardPresence/{uid}": BOARD_PRESENCE,
}

# ---- server-enforced budgets (what rules cannot count) -------------------------------------------------

QUEUE_JOINS_PER_HOUR = 20
