"""Shared fixtures. Emulator tests run inside `firebase emulators:exec` (see scripts/test.sh)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "functions"))
sys.path.insert(0, str(ROOT))

from tests.support import emulators, fixtures


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Emulator and browser tests need the emulators; outside `make test` they are skipped, inside it
    (SALAMIN_REQUIRE_EMULATORS=1) a missing emulator is a failure, never a silent skip."""
    if emulators.emulators_running():
        return
    if os.environ.get("SALAMIN_REQUIRE_EMULATORS") == "1":
        pytest.exit("SALAMIN_REQUIRE_EMULATORS=1 but the emulators are not running", returncode=1)
    for item in items:
        if "emulator" in item.keywords or "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="needs the emulators: run `make test`"))


@pytest.fixture
def clean_firestore() -> Iterator[None]:
    emulators.clear_firestore()
    yield


@pytest.fixture
def admin() -> emulators.FirestoreClient:
    return emulators.FirestoreClient.admin()


@pytest.fixture
def signed_out() -> emulators.FirestoreClient:
    return emulators.FirestoreClient.signed_out()


@pytest.fixture
def bank() -> None:
    """The question bank loaded into the Firestore emulator."""
    fixtures.load_bank()


@pytest.fixture
def session_pair(admin: emulators.FirestoreClient, bank: None) -> tuple[emulators.AuthUser, emulators.AuthUser, str]:
    """Ada and Grace in a matched session (Ada interviews first), with the question bank loaded."""
    return fixtures.session_pair(admin)
