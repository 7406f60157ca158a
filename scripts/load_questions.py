#!/usr/bin/env python3
"""Loads the question bank (questions/) into Firestore: the demo-data script and the deploy step run it.

    python scripts/load_questions.py            # the emulators (FIRESTORE_EMULATOR_HOST) or, with ADC,
                                                # the project in GCLOUD_PROJECT
    python scripts/load_questions.py --force    # rewrite even if this bank version is already loaded

Documents: questionBank/{id} (the whole question; no client may read it) and config/questionBank
({version, count}). Functions split each question into the public and private parts per session.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "functions"))

from salamin import firebase  # noqa: E402
from salamin import questions as qb  # noqa: E402


def load(force: bool = False) -> tuple[str, int, bool]:
    db = firebase.db()
    bank = qb.load_bank_files(qb.DEFAULT_ROOT)
    version = qb.bank_version(qb.DEFAULT_ROOT)
    meta_ref = db.collection("config").document("questionBank")
    meta = meta_ref.get().to_dict() or {}
    if not force and meta.get("version") == version and meta.get("count") == len(bank):
        return version, len(bank), False
    ids = {q.id for q in bank}
    batch = db.batch()
    for n, q in enumerate(bank, 1):
        batch.set(db.collection("questionBank").document(q.id), qb.to_dict(q))
        if n % 400 == 0:
            batch.commit()
            batch = db.batch()
    for stale in db.collection("questionBank").stream():
        if stale.id not in ids:
            batch.delete(stale.reference)  # retired questions leave the live bank
    batch.set(meta_ref, {"version": version, "count": len(bank)})
    batch.commit()
    return version, len(bank), True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    version, count, wrote = load(args.force)
    print(f"  question bank {version}: {count} questions {'loaded' if wrote else 'already loaded'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
