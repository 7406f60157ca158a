#!/usr/bin/env python3
"""Waits until the emulator suite is up and the Python functions are loaded (for scripts/run.sh)."""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.error
import urllib.request

PROBES = [
    ("Emulator hub", "http://127.0.0.1:4400/emulators"),
    ("Firestore", "http://127.0.0.1:8080/"),
    ("Auth", "http://127.0.0.1:9099/"),
    ("Hosting", "http://127.0.0.1:5000/"),
    # A callable answers a GET with 400 once it is loaded; 404 means "not loaded yet".
    ("Functions", "http://127.0.0.1:5001/demo-salamin/us-central1/bootstrapProfile"),
]


def up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except urllib.error.HTTPError as err:
        return err.code != 404
    except OSError:
        return False


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int)
    ap.add_argument("--timeout", type=float, default=180)
    args = ap.parse_args()
    deadline = time.monotonic() + args.timeout
    for name, url in PROBES:
        while not up(url):
            if args.pid:
                try:
                    os.kill(args.pid, 0)
                except ProcessLookupError:
                    print(f"salamin: the emulators stopped before {name} was ready", file=sys.stderr)
                    return 1
            if time.monotonic() > deadline:
                print(f"salamin: {name} was not ready after {args.timeout:.0f} s", file=sys.stderr)
                return 1
            time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
