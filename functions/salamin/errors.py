"""The one error the salamin modules raise for a caller: a Functions error code and a plain sentence.

The modules know nothing of the callable layer; functions/main.py turns a DomainError into the
HttpsError the client sees, in one place, with the same code and message.
"""

from __future__ import annotations

from typing import Literal

ErrorCode = Literal[
    "invalid-argument", "failed-precondition", "permission-denied", "not-found", "resource-exhausted",
    "unavailable",
]


class DomainError(Exception):
    """An action that is not allowed now or a request that cannot be served, said for the person who tried."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message
