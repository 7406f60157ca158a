"""ICE server configuration for the session room: STUN plus TURN with time-limited credentials.

coturn's `use-auth-secret` scheme (the "TURN REST API"): the username is `<expiry unix time>:<uid>` and
the password is base64(HMAC-SHA1(shared secret, username)). coturn recomputes the HMAC with the same
secret and refuses expired usernames, so no per-user state lives on the relay and a leaked credential
dies on its own. The secret stays in the functions (a function secret), never in the web bundle.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

CREDENTIAL_TTL_S = 4 * 3600  # a 60-minute session plus generous slack for late joins and overruns


@dataclass(frozen=True)
class TurnCredential:
    username: str
    credential: str
    expires_at: int


def turn_credential(uid: str, secret: str, now: float, ttl_s: int = CREDENTIAL_TTL_S) -> TurnCredential:
    if not secret:
        raise ValueError("TURN secret is empty")
    expires_at = int(now) + ttl_s
    username = f"{expires_at}:{uid}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return TurnCredential(username, base64.b64encode(digest).decode(), expires_at)


def split_urls(raw: str) -> list[str]:
    return [u.strip() for u in raw.replace("\n", ",").split(",") if u.strip()]


def ice_servers(uid: str, secret: str, stun_urls: list[str], turn_urls: list[str], now: float, *,
                ttl_s: int = CREDENTIAL_TTL_S) -> dict[str, object]:
    """The RTCConfiguration.iceServers the browser needs, and when the TURN credential expires."""
    servers: list[dict[str, object]] = []
    if stun_urls:
        servers.append({"urls": stun_urls})
    expires_at = None
    if turn_urls and secret:
        cred = turn_credential(uid, secret, now, ttl_s)
        servers.append({"urls": turn_urls, "username": cred.username, "credential": cred.credential})
        expires_at = cred.expires_at
    return {"iceServers": servers, "expiresAt": expires_at}
