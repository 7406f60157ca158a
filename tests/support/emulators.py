"""Talking to the real Firebase emulators from tests: Auth users, callables, and Firestore as a client.

`FirestoreClient` speaks the Firestore REST API the way a browser's SDK is judged by the rules: with a
signed-in user's ID token from the Auth emulator, with no token (signed out), or as "owner" (the
emulator's admin bypass, used for arranging data). Every write goes through `:commit`, so a rules
denial comes back as PERMISSION_DENIED exactly as it would for the web app.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests

PROJECT = os.environ.get("GCLOUD_PROJECT", "demo-salamin")
API_KEY = "demo-api-key"
REGION = "us-central1"


def _host(var: str, default: str) -> str:
    return os.environ.get(var, default)


def firestore_host() -> str:
    return _host("FIRESTORE_EMULATOR_HOST", "127.0.0.1:8080")


def auth_host() -> str:
    return _host("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")


def functions_host() -> str:
    return _host("FUNCTIONS_EMULATOR_HOST", "127.0.0.1:5001")


def emulators_running() -> bool:
    return bool(os.environ.get("FIRESTORE_EMULATOR_HOST") and os.environ.get("FIREBASE_AUTH_EMULATOR_HOST"))


SERVER_TIMESTAMP = object()  # sentinel: becomes a REQUEST_TIME field transform, like serverTimestamp()


class DeniedError(Exception):
    """The emulator refused the request (PERMISSION_DENIED), as the rules would refuse the web app."""


class RequestError(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"{status}: {body[:500]}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class AuthUser:
    uid: str
    email: str
    password: str
    id_token: str
    display_name: str


def sign_up(email: str | None = None, password: str = "correct-horse-1", display_name: str = "") -> AuthUser:
    """Creates a real account in the Auth emulator and returns its ID token."""
    email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
    base = f"http://{auth_host()}/identitytoolkit.googleapis.com/v1"
    r = requests.post(f"{base}/accounts:signUp?key={API_KEY}",
                      json={"email": email, "password": password, "returnSecureToken": True}, timeout=30)
    r.raise_for_status()
    body = r.json()
    token = body["idToken"]
    if display_name:
        r = requests.post(f"{base}/accounts:update?key={API_KEY}",
                          json={"idToken": token, "displayName": display_name}, timeout=30)
        r.raise_for_status()
        # A fresh sign-in yields a token that carries the new name, as the web app's would.
        r = requests.post(f"{base}/accounts:signInWithPassword?key={API_KEY}",
                          json={"email": email, "password": password, "returnSecureToken": True}, timeout=30)
        r.raise_for_status()
        token = r.json()["idToken"]
    return AuthUser(uid=body["localId"], email=email, password=password, id_token=token,
                    display_name=display_name)


def sign_up_staff() -> AuthUser:
    """A member with the `admin` custom claim (staff), signed in again so the token carries the claim."""
    user = sign_up()
    r = requests.post(f"http://{auth_host()}/identitytoolkit.googleapis.com/v1/projects/{PROJECT}/accounts:update",
                      json={"localId": user.uid, "customAttributes": '{"admin": true}'},
                      headers={"Authorization": "Bearer owner"}, timeout=30)
    r.raise_for_status()
    r = requests.post(f"http://{auth_host()}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword"
                      f"?key={API_KEY}", json={"email": user.email, "password": user.password,
                                               "returnSecureToken": True}, timeout=30)
    r.raise_for_status()
    return AuthUser(uid=user.uid, email=user.email, password=user.password, id_token=r.json()["idToken"],
                    display_name=user.display_name)


def clear_auth() -> None:
    requests.delete(f"http://{auth_host()}/emulator/v1/projects/{PROJECT}/accounts", timeout=30).raise_for_status()


def clear_firestore() -> None:
    # The emulator answers 409 while a transaction (e.g. a trigger still finishing) holds locks: retry.
    for attempt in range(20):
        r = requests.delete(
            f"http://{firestore_host()}/emulator/v1/projects/{PROJECT}/databases/(default)/documents", timeout=30)
        if r.status_code != 409:
            r.raise_for_status()
            return
        time.sleep(0.25 * (attempt + 1))
    r.raise_for_status()


class CallableError(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


def call(name: str, data: Any = None, user: AuthUser | None = None, timeout: float = 60) -> Any:
    """Calls a callable function in the Functions emulator with the callable protocol the JS SDK uses."""
    headers = {"Content-Type": "application/json"}
    if user:
        headers["Authorization"] = f"Bearer {user.id_token}"
    r = requests.post(f"http://{functions_host()}/{PROJECT}/{REGION}/{name}",
                      json={"data": data}, headers=headers, timeout=timeout)
    body = r.json()
    if "error" in body:
        raise CallableError(body["error"].get("status", "UNKNOWN"), body["error"].get("message", ""))
    return body["result"]


# ---- Firestore REST values ------------------------------------------------------------------------


def encode(value: Any) -> dict[str, Any]:
    if value is None:
        return {"nullValue": None}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"integerValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, bytes):
        return {"bytesValue": base64.b64encode(value).decode()}
    if isinstance(value, dt.datetime):
        return {"timestampValue": value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")}
    if isinstance(value, (list, tuple)):
        return {"arrayValue": {"values": [encode(v) for v in value]}}
    if isinstance(value, dict):
        return {"mapValue": {"fields": {k: encode(v) for k, v in value.items()}}}
    raise TypeError(f"cannot encode {type(value).__name__}")


def decode(value: dict[str, Any]) -> Any:
    (kind, raw), = value.items()
    match kind:
        case "nullValue":
            return None
        case "booleanValue":
            return raw
        case "integerValue":
            return int(raw)
        case "doubleValue":
            return float(raw)
        case "stringValue" | "referenceValue":
            return raw
        case "bytesValue":
            return base64.b64decode(raw)
        case "timestampValue":
            return dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        case "arrayValue":
            return [decode(v) for v in raw.get("values", [])]
        case "mapValue":
            return {k: decode(v) for k, v in raw.get("fields", {}).items()}
        case "geoPointValue":
            return raw
    raise TypeError(kind)


def _split(data: dict[str, Any], prefix: str = "") -> tuple[dict[str, Any], list[str]]:
    """Separates SERVER_TIMESTAMP sentinels (which become transforms) from plain fields."""
    fields: dict[str, Any] = {}
    transforms: list[str] = []
    for key, value in data.items():
        if value is SERVER_TIMESTAMP:
            transforms.append(prefix + key)
        else:
            fields[key] = value
    return fields, transforms


class FirestoreClient:
    """A Firestore client acting as one identity: a user's ID token, nobody (None), or the admin."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        self.root = f"projects/{PROJECT}/databases/(default)/documents"
        self.base = f"http://{firestore_host()}/v1/{self.root}"

    @classmethod
    def as_user(cls, user: AuthUser) -> FirestoreClient:
        return cls(user.id_token)

    @classmethod
    def signed_out(cls) -> FirestoreClient:
        return cls(None)

    @classmethod
    def admin(cls) -> FirestoreClient:
        return cls("owner")

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _check(self, r: requests.Response) -> dict[str, Any]:
        if r.status_code == 403 or "PERMISSION_DENIED" in r.text[:2000]:
            raise DeniedError(r.text[:500])
        if r.status_code >= 400:
            raise RequestError(r.status_code, r.text)
        return r.json() if r.text else {}

    def get(self, path: str) -> dict[str, Any] | None:
        r = requests.get(f"{self.base}/{path}", headers=self._headers(), timeout=30)
        if r.status_code == 404:
            return None
        body = self._check(r)
        return {k: decode(v) for k, v in body.get("fields", {}).items()}

    def query(self, collection: str, where: list[tuple[str, str, Any]] | None = None,
              parent: str = "", limit: int | None = None) -> list[dict[str, Any]]:
        """A structured query on `collection` (under `parent`, a document path) like the web SDK's query()."""
        ops = {"==": "EQUAL", "<": "LESS_THAN", ">": "GREATER_THAN", "<=": "LESS_THAN_OR_EQUAL",
               ">=": "GREATER_THAN_OR_EQUAL", "in": "IN", "array-contains": "ARRAY_CONTAINS",
               "!=": "NOT_EQUAL", "array-contains-any": "ARRAY_CONTAINS_ANY"}
        q: dict[str, Any] = {"from": [{"collectionId": collection}]}
        filters = [{"fieldFilter": {"field": {"fieldPath": f}, "op": ops[op], "value": encode(v)}}
                   for f, op, v in (where or [])]
        if len(filters) == 1:
            q["where"] = filters[0]
        elif filters:
            q["where"] = {"compositeFilter": {"op": "AND", "filters": filters}}
        if limit:
            q["limit"] = limit
        url = f"{self.base}/{parent}:runQuery" if parent else f"{self.base}:runQuery"
        r = requests.post(url, json={"structuredQuery": q}, headers=self._headers(), timeout=30)
        rows = self._check_list(r)
        out = []
        for row in rows:
            doc = row.get("document")
            if doc:
                fields = {k: decode(v) for k, v in doc.get("fields", {}).items()}
                fields["__name__"] = doc["name"].split("/documents/", 1)[1]
                out.append(fields)
        return out

    def _check_list(self, r: requests.Response) -> list[dict[str, Any]]:
        if r.status_code == 403 or "PERMISSION_DENIED" in r.text[:2000]:
            raise DeniedError(r.text[:500])
        if r.status_code >= 400:
            raise RequestError(r.status_code, r.text)
        rows: list[dict[str, Any]] = r.json()
        return rows

    def _commit(self, write: dict[str, Any]) -> None:
        # The Firestore emulator answers a write to a document that a transaction holds with 409 ABORTED
        # ("Transaction lock timeout") at once, where production waits for the lock; the SDKs retry
        # ABORTED, so this client does too (a function's short transaction may hold a session briefly).
        for attempt in range(6):
            r = requests.post(f"http://{firestore_host()}/v1/projects/{PROJECT}/databases/(default)/documents:commit",
                              json={"writes": [write]}, headers=self._headers(), timeout=30)
            if r.status_code != 409 or "ABORTED" not in r.text[:500] or attempt == 5:
                break
            time.sleep(0.1 * 2 ** attempt)
        self._check(r)

    def _write(self, path: str, data: dict[str, Any], *, mask: list[str] | None,
               exists: bool | None) -> None:
        fields, transforms = _split(data)
        write: dict[str, Any] = {"update": {"name": f"{self.root}/{path}",
                                            "fields": {k: encode(v) for k, v in fields.items()}}}
        if mask is not None:
            write["updateMask"] = {"fieldPaths": [f"`{m}`" if "-" in m else m for m in mask]}
        if exists is not None:
            write["currentDocument"] = {"exists": exists}
        if transforms:
            write["updateTransforms"] = [{"fieldPath": t, "setToServerValue": "REQUEST_TIME"} for t in transforms]
        self._commit(write)

    def create(self, path: str, data: dict[str, Any]) -> None:
        """Like the SDK's setDoc on a new document: fails if it exists."""
        self._write(path, data, mask=None, exists=False)

    def set(self, path: str, data: dict[str, Any]) -> None:
        """Like setDoc without merge: replaces the whole document (a create or an update for the rules)."""
        self._write(path, data, mask=None, exists=None)

    def update(self, path: str, data: dict[str, Any]) -> None:
        """Like updateDoc: only the given fields change; the document must exist."""
        fields, _ = _split(data)
        self._write(path, data, mask=list(fields), exists=True)

    def delete(self, path: str) -> None:
        self._commit({"delete": f"{self.root}/{path}"})

    def add(self, collection_path: str, data: dict[str, Any]) -> str:
        doc_id = uuid.uuid4().hex[:20]
        self.create(f"{collection_path}/{doc_id}", data)
        return doc_id


def make_session(admin: FirestoreClient, a: AuthUser, b: AuthUser, status: str = "matched",
                 session_type: str = "technical") -> str:
    """A peer session between a (first-half interviewer) and b, as the matching function writes it."""
    session_id = uuid.uuid4().hex[:20]
    now = dt.datetime.now(dt.UTC)

    def participant(u: AuthUser, role: str) -> dict[str, Any]:
        return {"userId": u.uid, "displayName": u.display_name or u.email.split("@")[0], "role": role,
                "connectionStatus": "pending", "audioEnabled": True, "videoEnabled": True,
                "screenSharing": False, "joinedAt": None, "leftAt": None}

    admin.create(f"peerSessions/{session_id}", {
        "id": session_id, "participantIds": [a.uid, b.uid],
        "participants": [participant(a, "interviewer"), participant(b, "interviewee")],
        "roles": {a.uid: "interviewer", b.uid: "interviewee"}, "status": status, "source": "match",
        "sessionType": session_type, "difficulty": "intermediate", "language": "english",
        "estimatedDuration": 60, "halfDuration": 30, "currentPhase": None,
        "requiresCodeEditor": session_type in ("technical", "mixed"), "requiresWhiteboard": True,
        "recordingEnabled": False, "createdAt": now, "matchedAt": now,
    })
    return session_id


T = TypeVar("T")


def wait_for(fn: Callable[[], T | None], timeout: float = 60, every: float = 0.5) -> T:
    """Poll `fn` until it returns something truthy (functions and triggers run asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(every)


def code_of(updates: list[bytes]) -> tuple[str, str | None]:
    """The shared editor's (text, language) after these Yjs updates, as a browser would show them.

    Merged first, then applied once: Firestore returns update documents in id order, not typing order.
    """
    import pycrdt

    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    if updates:
        doc.apply_update(pycrdt.merge_updates(*updates))
    language = doc.get("meta", type=pycrdt.Map).get("language")
    return str(doc.get("code", type=pycrdt.Text)), language


def stored_code(client: FirestoreClient, sid: str) -> tuple[str, str | None]:
    """What Firestore holds of a session's code: its compacted snapshot plus the updates still there."""
    # Updates first, then the snapshot: a compaction in between only moves updates into the snapshot; the
    # other order can miss the updates it folds in and deletes.
    parts = [u["update"] for u in client.query("codeUpdates", parent=f"peerSessions/{sid}")]
    snap = client.get(f"peerSessions/{sid}/code/snapshot")
    if snap and snap.get("update"):
        parts.append(snap["update"])
    return code_of(parts)


def board_of(updates: list[bytes]) -> dict[str, str]:
    """The whiteboard's live elements after these Yjs updates: id → type. Merged first, then applied once:
    applied one by one in Firestore's id order, an update whose predecessor comes later can stay pending."""
    import json

    import pycrdt

    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    if updates:
        doc.apply_update(pycrdt.merge_updates(*updates))
    deleted = set(doc.get("deleted", type=pycrdt.Map).keys())
    return {k: json.loads(v)["type"] for k, v in doc.get("elements", type=pycrdt.Map).items() if k not in deleted}


def stored_board(client: FirestoreClient, sid: str) -> dict[str, str]:
    """What Firestore holds of a session's whiteboard (snapshot plus pending updates): id → type."""
    parts = [u["update"] for u in client.query("boardUpdates", parent=f"peerSessions/{sid}")]
    snap = client.get(f"peerSessions/{sid}/board/snapshot")
    if snap and snap.get("update"):
        parts.append(snap["update"])
    return board_of(parts)
