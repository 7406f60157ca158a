"""Firebase Admin initialisation that works in the emulators and in production alike.

In production the runtime has Application Default Credentials. The Functions emulator (and our tests)
have none, so there the Admin SDK gets anonymous credentials: every emulator accepts them, and the
Firestore emulator treats a client that talks to it without rules as the trusted server.
"""

from __future__ import annotations

import os
from functools import cache

import firebase_admin
from firebase_admin import credentials, firestore
from google.auth.credentials import AnonymousCredentials
from google.cloud.firestore import Client

DEFAULT_PROJECT = "demo-salamin"


class _EmulatorCredential(credentials.Base):
    def get_credential(self) -> AnonymousCredentials:
        return AnonymousCredentials()


def in_emulator() -> bool:
    return os.environ.get("FUNCTIONS_EMULATOR") == "true" or bool(os.environ.get("FIRESTORE_EMULATOR_HOST"))


def in_functions_emulator() -> bool:
    """This process is a Functions emulator worker (never true in production or in the tests' process)."""
    return os.environ.get("FUNCTIONS_EMULATOR") == "true"


def project_id() -> str:
    return os.environ.get("GCLOUD_PROJECT") or os.environ.get("GOOGLE_CLOUD_PROJECT") or DEFAULT_PROJECT


@cache
def app() -> firebase_admin.App:
    if in_emulator():
        return firebase_admin.initialize_app(_EmulatorCredential(), {"projectId": project_id()})
    return firebase_admin.initialize_app()


def db() -> Client:
    return firestore.client(app())
