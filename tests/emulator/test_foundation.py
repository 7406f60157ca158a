"""Foundation: deny-by-default rules and the first callable, against the real emulators."""

from __future__ import annotations

import ast
import concurrent.futures as cf
from pathlib import Path

import pytest
import requests

from tests.support.emulators import (
    PROJECT,
    REGION,
    CallableError,
    DeniedError,
    FirestoreClient,
    call,
    functions_host,
    sign_up,
)

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]


@pytest.mark.parametrize("path", ["anything/doc1", "secrets/x", "peerSessions/s1/unknownSub/doc"])
def test_rules_deny_what_is_not_explicitly_allowed(path: str, admin: FirestoreClient,
                                                    signed_out: FirestoreClient) -> None:
    admin.set(path, {"v": 1})
    user = FirestoreClient.as_user(sign_up())
    for client in (signed_out, user):
        with pytest.raises(DeniedError):
            client.get(path)
        with pytest.raises(DeniedError):
            client.set(path, {"v": 2})
        with pytest.raises(DeniedError):
            client.delete(path)
        with pytest.raises(DeniedError):
            client.create(path.rsplit("/", 1)[0] + "/fresh", {"v": 3})
    # The admin bypass proves the document really exists, so the denials above were the rules.
    assert admin.get(path) == {"v": 1}


def test_bootstrap_profile_requires_sign_in() -> None:
    with pytest.raises(CallableError) as err:
        call("bootstrapProfile", {})
    assert err.value.status == "UNAUTHENTICATED"


def test_bootstrap_profile_creates_once(admin: FirestoreClient) -> None:
    user = sign_up(display_name="Ada")
    first = call("bootstrapProfile", {"timeZone": "Europe/London"}, user=user)
    assert first["created"] is True
    assert first["profile"]["displayName"] == "Ada"
    assert first["profile"]["timeZone"] == "Europe/London"
    second = call("bootstrapProfile", {"displayName": "Someone Else"}, user=user)
    assert second["created"] is False
    assert second["profile"]["displayName"] == "Ada"  # an existing profile is never overwritten
    stored = admin.get(f"communityProfiles/{user.uid}")
    assert stored is not None and stored["displayName"] == "Ada" and stored["reputation"] == 0
    private = admin.get(f"users/{user.uid}")
    assert private is not None and private["email"] == user.email


def test_bootstrap_profile_concurrent_first_calls_create_one_profile() -> None:
    user = sign_up()
    with cf.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: call("bootstrapProfile", {}, user=user), range(4)))
    assert sum(r["created"] for r in results) == 1
    assert len({r["profile"]["displayName"] for r in results}) == 1


def test_bootstrap_profile_cleans_bad_hints() -> None:
    user = sign_up(email="x-" + sign_up().email)
    result = call("bootstrapProfile", {"displayName": "   ", "timeZone": "Mars/Olympus"}, user=user)
    name = result["profile"]["displayName"]
    assert name and user.email.split("@")[0] not in name  # a generated friendly name, never the e-mail
    assert result["profile"]["timeZone"] == "UTC"


def _callables() -> list[str]:
    """The callables functions/main.py defines, and whether each is wrapped so its preflight is kept."""
    tree = ast.parse((Path(__file__).parents[2] / "functions/main.py").read_text())
    names: list[str] = []
    for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        decorators = [ast.unparse(d) for d in fn.decorator_list]
        if any(d.startswith("https_fn.on_call") for d in decorators):
            assert "_preflight_cached" in decorators, f"{fn.name}: its CORS preflight is kept only 5 s"
            names.append(fn.name)
    return names


def test_every_callable_lets_the_browser_keep_its_preflight_for_an_hour() -> None:
    """Without Access-Control-Max-Age a browser keeps a preflight 5 s: a call more than 5 s after the last
    one to the same function paid an OPTIONS round trip before its POST (a join, a phase change, a Run)."""
    names = _callables()
    assert {"joinSession", "advancePhase", "runCode", "searchDirectory"} <= set(names)
    for name in ("joinSession", "advancePhase", "searchDirectory"):
        r = requests.options(f"http://{functions_host()}/{PROJECT}/{REGION}/{name}", timeout=60, headers={
            "Origin": "http://127.0.0.1:5000", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type"})
        assert r.headers.get("Access-Control-Max-Age") == "3600", (name, dict(r.headers))
