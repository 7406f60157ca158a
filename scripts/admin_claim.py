#!/usr/bin/env python3
"""Grants or removes the `admin` custom claim (staff: open reports, suspensions) for one account.

    scripts/admin_claim.py grant ada@example.com             # on the Auth emulator (the default)
    scripts/admin_claim.py remove ada@example.com
    scripts/admin_claim.py grant <uid> --production --project my-project   # with Application Default Credentials

The account is named by e-mail or uid. The member's next ID token carries the change (the admin page
refreshes its token when opened; elsewhere it takes up to an hour, or a sign-out and back in).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "functions"))

from firebase_admin import auth  # noqa: E402  (reads the emulator variables when called, not at import)

from salamin import firebase  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Grant or remove the `admin` claim (staff).")
    parser.add_argument("action", choices=("grant", "remove"))
    parser.add_argument("account", help="e-mail address or uid")
    parser.add_argument("--production", action="store_true",
                        help="talk to the real project (Application Default Credentials), not the emulator")
    parser.add_argument("--project", default=os.environ.get("GCLOUD_PROJECT", "demo-salamin"))
    args = parser.parse_args(argv)

    if args.production:
        if args.project.startswith("demo-"):
            parser.error("--production needs --project with your real project id")
        os.environ.pop("FIREBASE_AUTH_EMULATOR_HOST", None)
        os.environ.pop("FIRESTORE_EMULATOR_HOST", None)
    else:
        os.environ.setdefault("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")
        os.environ.setdefault("FIRESTORE_EMULATOR_HOST", "127.0.0.1:8080")  # the emulator credentials path
    os.environ["GCLOUD_PROJECT"] = args.project

    app = firebase.app()
    try:
        user = auth.get_user_by_email(args.account, app=app) if "@" in args.account \
            else auth.get_user(args.account, app=app)
    except auth.UserNotFoundError:
        print(f"No account {args.account!r} in {'project ' + args.project if args.production else 'the emulator'}.",
              file=sys.stderr)
        return 1
    claims = dict(user.custom_claims or {})
    if args.action == "grant":
        claims["admin"] = True
    else:
        claims.pop("admin", None)
    auth.set_custom_user_claims(user.uid, claims or None, app=app)
    print(f"{'Granted' if args.action == 'grant' else 'Removed'} the admin claim for {user.email or user.uid} "
          f"({user.uid}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
