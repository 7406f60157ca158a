"""TURN credentials in coturn's use-auth-secret scheme (pure)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from salamin import signaling


def test_username_is_expiry_and_uid_and_password_is_hmac_sha1() -> None:
    cred = signaling.turn_credential("uid123", "s3cret", now=1_700_000_000, ttl_s=3600)
    assert cred.username == "1700003600:uid123"
    assert cred.expires_at == 1_700_003_600
    expected = base64.b64encode(hmac.new(b"s3cret", b"1700003600:uid123", hashlib.sha1).digest()).decode()
    assert cred.credential == expected
    assert len(base64.b64decode(cred.credential)) == 20  # a SHA-1 digest


def test_credentials_differ_by_user_secret_and_time() -> None:
    base = signaling.turn_credential("u1", "k", now=1000)
    assert signaling.turn_credential("u2", "k", now=1000).credential != base.credential
    assert signaling.turn_credential("u1", "k2", now=1000).credential != base.credential
    assert signaling.turn_credential("u1", "k", now=2000).username != base.username


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        signaling.turn_credential("u", "", now=0)


def test_ice_servers_shape() -> None:
    out = signaling.ice_servers("u", "k", ["stun:a:3478"], ["turn:a:3478?transport=udp", "turns:a:5349"], now=10)
    stun, turn = out["iceServers"]
    assert stun == {"urls": ["stun:a:3478"]}
    assert turn["urls"] == ["turn:a:3478?transport=udp", "turns:a:5349"]
    assert turn["username"].endswith(":u") and out["expiresAt"] == 10 + signaling.CREDENTIAL_TTL_S
    # No secret configured: STUN only, never a TURN entry with a made-up password.
    assert signaling.ice_servers("u", "", ["stun:a"], ["turn:a"], now=0)["iceServers"] == [{"urls": ["stun:a"]}]


def test_split_urls() -> None:
    assert signaling.split_urls(" turn:a:1 , turns:b:2\nstun:c ") == ["turn:a:1", "turns:b:2", "stun:c"]
    assert signaling.split_urls("") == []
