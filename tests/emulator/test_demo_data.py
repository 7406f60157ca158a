"""The demo-data script gives a newcomer members to sign in as, and can run again safely."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support.emulators import API_KEY, FirestoreClient, auth_host

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]
ROOT = Path(__file__).resolve().parents[2]


def test_demo_members_can_sign_in_and_have_profiles(admin: FirestoreClient) -> None:
    for _ in range(2):  # idempotent: a second run changes nothing and fails on nothing
        out = subprocess.run([sys.executable, str(ROOT / "scripts/demo_data.py")], capture_output=True, text=True,
                             timeout=180, check=False)
        assert out.returncode == 0, out.stderr
    profiles = admin.query("communityProfiles")
    by_name = {p["displayName"]: p for p in profiles}
    assert {"Ada Lovelace", "Grace Hopper", "Linus Torvalds", "Margaret Hamilton"} <= set(by_name)
    assert by_name["Ada Lovelace"]["experienceLevel"] == "senior"
    r = requests.post(f"http://{auth_host()}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword"
                      f"?key={API_KEY}", json={"email": "grace@demo.salamin.dev", "password": "practise-together",
                                               "returnSecureToken": True}, timeout=30)
    assert r.status_code == 200
    assert r.json()["localId"] == by_name["Grace Hopper"]["uid"]
