#!/usr/bin/env python3
"""Demo data for the local app: members in the Auth emulator with filled-in profiles.

Idempotent: run it as often as you like against running emulators (scripts/run.sh does).
Each account goes through the real sign-in and the real bootstrapProfile function, then gets a
richer profile so the app has something to show.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "functions"))
sys.path.insert(0, str(ROOT / "scripts"))

from salamin import firebase  # noqa: E402

PROJECT = os.environ.get("GCLOUD_PROJECT", "demo-salamin")
AUTH = os.environ.get("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")
FUNCTIONS = os.environ.get("FUNCTIONS_EMULATOR_HOST", "127.0.0.1:5001")
PASSWORD = "practise-together"

DEMO_USERS: list[dict[str, Any]] = [
    {"email": "ada@demo.salamin.dev", "displayName": "Ada Lovelace", "experienceLevel": "senior",
     "timeZone": "Europe/London", "headline": "Staff engineer, loves algorithms",
     "languages": ["english", "french"], "industries": ["tech", "finance"], "targetRoles": ["Staff Engineer"]},
    {"email": "grace@demo.salamin.dev", "displayName": "Grace Hopper", "experienceLevel": "mid",
     "timeZone": "America/New_York", "headline": "Backend developer preparing for FAANG loops",
     "languages": ["english"], "industries": ["tech"], "targetRoles": ["Backend Engineer"]},
    {"email": "linus@demo.salamin.dev", "displayName": "Linus Torvalds", "experienceLevel": "senior",
     "timeZone": "Europe/Helsinki", "headline": "Systems programmer",
     "languages": ["english"], "industries": ["tech"], "targetRoles": ["Kernel Engineer"]},
    {"email": "margaret@demo.salamin.dev", "displayName": "Margaret Hamilton", "experienceLevel": "entry",
     "timeZone": "America/Los_Angeles", "headline": "New grad, first interviews coming up",
     "languages": ["english", "spanish"], "industries": ["tech", "government"],
     "targetRoles": ["Software Engineer"]},
]


def id_token(email: str, display_name: str) -> str:
    """Signs the demo member in (creating the account the first time) and returns an ID token."""
    base = f"http://{AUTH}/identitytoolkit.googleapis.com/v1"
    sign_in = {"email": email, "password": PASSWORD, "returnSecureToken": True}
    r = requests.post(f"{base}/accounts:signInWithPassword?key=demo-api-key", json=sign_in, timeout=30)
    if r.status_code != 200:
        r = requests.post(f"{base}/accounts:signUp?key=demo-api-key", json=sign_in, timeout=30)
        r.raise_for_status()
        requests.post(f"{base}/accounts:update?key=demo-api-key",
                      json={"idToken": r.json()["idToken"], "displayName": display_name}, timeout=30
                      ).raise_for_status()
        r = requests.post(f"{base}/accounts:signInWithPassword?key=demo-api-key", json=sign_in, timeout=30)
    r.raise_for_status()
    token: str = r.json()["idToken"]
    return token


def main() -> int:
    db = firebase.db()
    import load_questions  # noqa: PLC0415 - a sibling script

    version, count, _ = load_questions.load()
    print(f"  question bank {version}: {count} questions")
    for user in DEMO_USERS:
        token = id_token(user["email"], user["displayName"])
        r = requests.post(f"http://{FUNCTIONS}/{PROJECT}/us-central1/bootstrapProfile",
                          json={"data": {"displayName": user["displayName"], "timeZone": user["timeZone"]}},
                          headers={"Authorization": f"Bearer {token}"}, timeout=60)
        r.raise_for_status()
        uid = r.json()["result"]["profile"]["uid"]
        fields = {k: v for k, v in user.items() if k != "email"}
        db.collection("communityProfiles").document(uid).set(fields, merge=True)
        print(f"  demo member ready: {user['email']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
