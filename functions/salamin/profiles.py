"""User and community profiles: defaults and validation (pure), plus the server-side bootstrap."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import available_timezones

from google.api_core.exceptions import Conflict, FailedPrecondition
from google.cloud import firestore

from salamin import names

DISPLAY_NAME_MAX = 60
SPOKEN_LANGUAGES_DEFAULT = ("english",)


@dataclass
class CommunityProfile:
    """communityProfiles/{uid}: public to signed-in users; see docs/architecture.md for who writes what."""

    uid: str
    displayName: str
    headline: str = ""
    bio: str = ""
    experienceLevel: str = "mid"
    timeZone: str = "UTC"
    languages: list[str] = field(default_factory=lambda: list(SPOKEN_LANGUAGES_DEFAULT))
    industries: list[str] = field(default_factory=list)
    targetRoles: list[str] = field(default_factory=list)
    specialties: list[str] = field(default_factory=list)
    listed: bool = False  # in the directory only once the member chooses it
    availability: str = ""
    openToRandom: bool = True
    preferredSessionTypes: list[str] = field(default_factory=list)
    maxSessionsPerDay: int = 2
    feedbackStyle: str = "balanced"
    openToMentoring: bool = False
    onboarded: bool = False
    reputation: float = 0.0
    badges: list[str] = field(default_factory=list)
    peerStats: dict[str, Any] = field(
        default_factory=lambda: {"completedSessions": 0, "averageRating": 0.0, "totalRatings": 0})

    def to_doc(self) -> dict[str, Any]:
        return asdict(self)


# A name for someone who gave none. Never derived from the e-mail address: its local part is often the
# person's real name or a handle they use elsewhere, and every member can read a display name.
_ADJECTIVES = ("Bright", "Calm", "Clever", "Curious", "Eager", "Gentle", "Happy", "Keen", "Kind", "Lively",
               "Lucky", "Merry", "Nimble", "Patient", "Quick", "Quiet", "Steady", "Sunny", "Swift", "Witty")
_ANIMALS = ("Badger", "Beaver", "Crane", "Dolphin", "Falcon", "Fox", "Gecko", "Heron", "Koala", "Lynx",
            "Marten", "Otter", "Owl", "Panda", "Puffin", "Robin", "Seal", "Sparrow", "Tiger", "Wren")


def friendly_name(uid: str) -> str:
    """A friendly default like "Curious Otter 42", the same for the same uid (a retried bootstrap agrees)."""
    digest = hashlib.sha256(uid.encode()).digest()
    return f"{_ADJECTIVES[digest[0] % len(_ADJECTIVES)]} {_ANIMALS[digest[1] % len(_ANIMALS)]} {digest[2] % 90 + 10}"


def clean_display_name(raw: object, uid: str) -> str:
    """The name the person gave (their sign-up name or their Google name), else a generated friendly one."""
    name = raw.strip() if isinstance(raw, str) else ""
    name = re.sub(r"\s+", " ", name)[:DISPLAY_NAME_MAX].strip()
    return name or friendly_name(uid)


def is_member_token(token: Mapping[str, Any] | None) -> bool:
    """Member data is for real accounts. An anonymous sign-in costs an attacker one request, so it reaches
    nothing (firestore.rules' signedIn() says the same); a token without a provider is refused too."""
    claims = token.get("firebase") if token else None
    provider = claims.get("sign_in_provider") if isinstance(claims, Mapping) else None
    return isinstance(provider, str) and provider != "anonymous"


def clean_time_zone(raw: object) -> str:
    return raw if isinstance(raw, str) and raw in _zones() else "UTC"


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES  # noqa: PLW0603 - computed once, the zone list is large
    if _ZONES is None:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    return _ZONES


LAST_ACTIVE_EVERY_S = 3600


def last_active_due(last: object, now: float) -> bool:
    """lastActiveAt moves at most once an hour: it sorts the directory, and a finer clock would tell every
    member to the minute when someone was last here."""
    return not isinstance(last, dt.datetime) or now - last.timestamp() >= LAST_ACTIVE_EVERY_S


def touch_last_active(ref: firestore.DocumentReference, profile: Mapping[str, Any]) -> None:
    if last_active_due(profile.get("lastActiveAt"), time.time()):
        ref.update({"lastActiveAt": firestore.SERVER_TIMESTAMP})


def bootstrap(db: firestore.Client, uid: str, email: str | None, name_hint: object,
              tz_hint: object) -> tuple[dict[str, Any], bool]:
    """Create users/{uid} and communityProfiles/{uid} once; later calls return what exists.

    Two concurrent first sign-ins (two tabs) create the profile exactly once: the profile is written
    with create() (fails if it exists) in the same atomic batch as the user document, so the loser's
    batch writes nothing and it returns the winner's profile. No transaction: concurrent transactions
    on a document that does not exist yet contend for its lock and can all run out of attempts.
    """
    profile_ref = db.collection(names.COMMUNITY_PROFILES).document(uid)
    user_ref = db.collection(names.USERS).document(uid)
    snap = profile_ref.get()
    if snap.exists:
        existing = snap.to_dict() or {}
        touch_last_active(profile_ref, existing)
        return existing, False
    profile = CommunityProfile(uid=uid, displayName=clean_display_name(name_hint, uid),
                               timeZone=clean_time_zone(tz_hint)).to_doc()
    batch = db.batch()
    batch.create(profile_ref, {**profile, "joinedAt": firestore.SERVER_TIMESTAMP,
                               "updatedAt": firestore.SERVER_TIMESTAMP, "lastActiveAt": firestore.SERVER_TIMESTAMP})
    batch.set(user_ref, {"uid": uid, "email": email or "", "displayName": profile["displayName"],
                         "blockedUserIds": [], "createdAt": firestore.SERVER_TIMESTAMP}, merge=True)
    try:
        batch.commit()
    except (Conflict, FailedPrecondition):  # AlreadyExists is a Conflict; emulators may say precondition
        return profile_ref.get().to_dict() or {}, False
    return profile, True
