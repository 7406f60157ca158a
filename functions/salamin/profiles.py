"""User and community profiles: defaults and validation (pure), plus the server-side bootstrap."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import available_timezones

from google.api_core.exceptions import Conflict, FailedPrecondition
from google.cloud import firestore

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
    reputation: float = 0.0

    def to_doc(self) -> dict[str, Any]:
        return asdict(self)


def clean_display_name(raw: object, email: str | None) -> str:
    """A display name a person would recognise: the given one, else the email's local part, else a default."""
    name = raw.strip() if isinstance(raw, str) else ""
    if not name and email:
        name = email.split("@", 1)[0]
    name = re.sub(r"\s+", " ", name)[:DISPLAY_NAME_MAX].strip()
    return name or "New member"


def clean_time_zone(raw: object) -> str:
    return raw if isinstance(raw, str) and raw in _zones() else "UTC"


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES  # noqa: PLW0603 - computed once, the zone list is large
    if _ZONES is None:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    return _ZONES


def bootstrap(db: firestore.Client, uid: str, email: str | None, name_hint: object,
              tz_hint: object) -> tuple[dict[str, Any], bool]:
    """Create users/{uid} and communityProfiles/{uid} once; later calls return what exists.

    Two concurrent first sign-ins (two tabs) create the profile exactly once: the profile is written
    with create() (fails if it exists) in the same atomic batch as the user document, so the loser's
    batch writes nothing and it returns the winner's profile. No transaction: concurrent transactions
    on a document that does not exist yet contend for its lock and can all run out of attempts.
    """
    profile_ref = db.collection("communityProfiles").document(uid)
    user_ref = db.collection("users").document(uid)
    snap = profile_ref.get()
    if snap.exists:
        return snap.to_dict() or {}, False
    profile = CommunityProfile(uid=uid, displayName=clean_display_name(name_hint, email),
                               timeZone=clean_time_zone(tz_hint)).to_doc()
    batch = db.batch()
    batch.create(profile_ref, {**profile, "joinedAt": firestore.SERVER_TIMESTAMP,
                               "updatedAt": firestore.SERVER_TIMESTAMP})
    batch.set(user_ref, {"uid": uid, "email": email or "", "displayName": profile["displayName"],
                         "blockedUserIds": [], "createdAt": firestore.SERVER_TIMESTAMP}, merge=True)
    try:
        batch.commit()
    except (Conflict, FailedPrecondition):  # AlreadyExists is a Conflict; emulators may say precondition
        return profile_ref.get().to_dict() or {}, False
    return profile, True
