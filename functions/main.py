"""Deployable Cloud Functions. This module only wires: the logic lives in the salamin package."""

from __future__ import annotations

from typing import Any

from firebase_functions import https_fn, options

from salamin import firebase, profiles

options.set_global_options(region="us-central1", max_instances=20)
# Initialise the default Admin app at import: the callable wrapper verifies ID tokens with it before
# our code runs. It loads no credentials until first used, so deploy-time discovery stays offline.
firebase.app()


def _require_uid(req: https_fn.CallableRequest[Any]) -> str:
    if req.auth is None:
        raise https_fn.HttpsError(https_fn.FunctionsErrorCode.UNAUTHENTICATED, "Please sign in first.")
    return req.auth.uid


@https_fn.on_call()
def bootstrapProfile(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:  # noqa: N802 - public name
    uid = _require_uid(req)
    data = req.data if isinstance(req.data, dict) else {}
    token = req.auth.token if req.auth else {}
    profile, created = profiles.bootstrap(
        firebase.db(), uid, token.get("email"), data.get("displayName") or token.get("name"), data.get("timeZone")
    )
    return {"profile": _jsonable(profile), "created": created}


def _jsonable(doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in doc.items():
        out[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return out
