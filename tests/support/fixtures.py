"""Set-ups several test files share (the pytest fixtures that use them live in tests/conftest.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.support.emulators import AuthUser, FirestoreClient, make_session, sign_up

ROOT = Path(__file__).resolve().parents[2]


def load_bank() -> None:
    """The question bank in the Firestore emulator, as scripts/load_questions.py loads it for `make run`."""
    if str(ROOT / "scripts") not in sys.path:
        sys.path.insert(0, str(ROOT / "scripts"))
    import load_questions

    load_questions.load(force=True)


def session_pair(admin: FirestoreClient) -> tuple[AuthUser, AuthUser, str]:
    """Two new members, Ada and Grace, and a matched session between them (Ada interviews first)."""
    a, b = sign_up(display_name="Ada"), sign_up(display_name="Grace")
    return a, b, make_session(admin, a, b)
