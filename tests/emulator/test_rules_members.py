"""Members' privacy (issue 11, #5): an anonymous sign-in reaches no member data, and a default display
name does not give away the e-mail address. Anonymous tokens come from the real Auth emulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.support.emulators import (
    API_KEY,
    SERVER_TIMESTAMP,
    AuthUser,
    CallableError,
    DeniedError,
    FirestoreClient,
    auth_host,
    call,
    make_session,
    sign_up,
)

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]


def sign_in_anonymously() -> AuthUser:
    r = requests.post(f"http://{auth_host()}/identitytoolkit.googleapis.com/v1/accounts:signUp?key={API_KEY}",
                      json={"returnSecureToken": True}, timeout=30)
    r.raise_for_status()
    body = r.json()
    return AuthUser(uid=body["localId"], email="", password="", id_token=body["idToken"], display_name="")


def denied(fn: Callable[[], Any]) -> None:
    with pytest.raises(DeniedError):
        fn()


QUEUE_ENTRY = {"sessionTypes": ["technical"], "difficultyLevels": ["intermediate"], "rolePreference": "flexible",
               "languages": ["english"], "industries": [], "targetRoles": [], "timeZone": "UTC",
               "experienceLevel": "mid", "maxWaitTime": 120, "status": "waiting", "joinedAt": SERVER_TIMESTAMP}


def test_an_anonymous_sign_in_reaches_no_member_data(admin: FirestoreClient) -> None:
    member, partner = sign_up(display_name="Ada"), sign_up(display_name="Grace")
    call("bootstrapProfile", {}, user=member)
    sid = make_session(admin, member, partner)
    ghost = sign_in_anonymously()
    anon = FirestoreClient.as_user(ghost)
    # A member reads a profile (lists go through searchDirectory); the anonymous token reads none.
    assert FirestoreClient.as_user(partner).get(f"communityProfiles/{member.uid}")["displayName"] == "Ada"
    denied(lambda: anon.get(f"communityProfiles/{member.uid}"))
    denied(lambda: anon.query("communityProfiles"))
    # Nor can it make itself a member: no profile, no queue entry, no stats, no session of its own.
    with pytest.raises(CallableError) as err:
        call("bootstrapProfile", {"displayName": "Ghost"}, user=ghost)
    assert err.value.status == "PERMISSION_DENIED" and "sign in" in err.value.message
    assert admin.get(f"communityProfiles/{ghost.uid}") is None
    denied(lambda: anon.create(f"matchingQueue/{ghost.uid}", {**QUEUE_ENTRY, "uid": ghost.uid}))
    denied(lambda: anon.get(f"userStats/{ghost.uid}"))
    admin.set(f"users/{ghost.uid}", {"uid": ghost.uid, "blockedUserIds": []})  # even a document of its own
    denied(lambda: anon.get(f"users/{ghost.uid}"))
    admin.update(f"peerSessions/{sid}", {"participantIds": [member.uid, ghost.uid]})  # even if it were in one
    denied(lambda: anon.get(f"peerSessions/{sid}"))
    assert FirestoreClient.as_user(member).get(f"peerSessions/{sid}")["id"] == sid


def test_the_default_display_name_does_not_reveal_the_email() -> None:
    user = sign_up(email="ada.lovelace.1815@example.com")  # no name on the account, none sent
    name = call("bootstrapProfile", {}, user=user)["profile"]["displayName"]
    stranger = sign_up()
    shown = FirestoreClient.as_user(stranger).get(f"communityProfiles/{user.uid}")["displayName"]
    assert shown == name and name.strip()
    assert "ada" not in name.lower() and "lovelace" not in name.lower() and "example" not in name.lower()
    private = FirestoreClient.as_user(user).get(f"users/{user.uid}")
    assert private["displayName"] == name and private["email"] == user.email  # the address stays private
