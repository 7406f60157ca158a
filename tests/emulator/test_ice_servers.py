"""getIceServers: only a participant of a live session gets relay credentials, minted with the secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest

from tests.support.emulators import CallableError, FirestoreClient, call, make_session, sign_up

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]
ROOT = Path(__file__).resolve().parents[2]


def turn_secret() -> str:
    for line in (ROOT / "functions/.secret.local").read_text().splitlines():
        if line.startswith("TURN_SECRET="):
            return line.split("=", 1)[1].strip()
    raise AssertionError("functions/.secret.local has no TURN_SECRET (make setup creates it)")


def test_participant_gets_stun_and_turn_with_a_valid_credential(admin: FirestoreClient) -> None:
    a, b = sign_up(), sign_up()
    sid = make_session(admin, a, b)
    out = call("getIceServers", {"sessionId": sid}, user=a)
    urls = [u for s in out["iceServers"] for u in s["urls"]]
    assert any(u.startswith("stun:") for u in urls) and any(u.startswith("turn:") for u in urls)
    turn = next(s for s in out["iceServers"] if "username" in s)
    expiry, uid = turn["username"].split(":")
    assert uid == a.uid and int(expiry) == out["expiresAt"]
    expected = base64.b64encode(hmac.new(turn_secret().encode(), turn["username"].encode(), hashlib.sha1).digest())
    assert turn["credential"] == expected.decode()


def test_strangers_unknown_sessions_and_signed_out_are_refused(admin: FirestoreClient) -> None:
    a, b, stranger = sign_up(), sign_up(), sign_up()
    sid = make_session(admin, a, b)
    for user, data, status in ((stranger, {"sessionId": sid}, "NOT_FOUND"),
                               (a, {"sessionId": "nope"}, "NOT_FOUND"),
                               (a, {}, "INVALID_ARGUMENT"),
                               (a, {"sessionId": "../etc"}, "INVALID_ARGUMENT"),
                               (None, {"sessionId": sid}, "UNAUTHENTICATED")):
        with pytest.raises(CallableError) as err:
            call("getIceServers", data, user=user)
        assert err.value.status == status


def test_no_credentials_for_an_ended_session(admin: FirestoreClient) -> None:
    a, b = sign_up(), sign_up()
    sid = make_session(admin, a, b, status="cancelled")
    with pytest.raises(CallableError) as err:
        call("getIceServers", {"sessionId": sid}, user=a)
    assert err.value.status == "FAILED_PRECONDITION" and "cancelled" in err.value.message
