"""Time from both people in the room to a connected call, over Firestore signaling, direct and relayed.

Usage: python bench/rtc_connect.py [--runs 20]

Starts the emulators (through `firebase emulators:exec`), coturn on loopback and headless Chromium by
itself, stops them after, prints a table and ends with one line of JSON:
{"runs", "failures", "p50_ms", "p95_ms", "relay_p50_ms", "relay_p95_ms"}.

Each run is a fresh session opened by two real browser contexts with fake camera and microphone. The
time is max(connectedAt) - max(startedAt) as the two call engines record them (Date.now() in each page,
one machine's clock): from the moment the second person is in the room until both see "connected".
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _harness import pct, run_inside_emulators


def outer(args: argparse.Namespace) -> int:
    """Start the emulators this bench needs and run its inner half inside them."""
    return run_inside_emulators(Path(__file__), ["--runs", str(args.runs)], "auth,firestore,functions,hosting",
                                "bench-rtc-connect.log")


def inner(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    from playwright.sync_api import Page, sync_playwright

    from tests.browser.conftest import APP_URL, CHROMIUM, CHROMIUM_ARGS, sign_in
    from tests.support.coturn import coturn
    from tests.support.emulators import FirestoreClient, clear_firestore, make_session, sign_up

    clear_firestore()
    admin = FirestoreClient.admin()
    a, b = sign_up(display_name="Bench A"), sign_up(display_name="Bench B")
    results: dict[str, list[float]] = {"direct": [], "relay": []}
    failures = 0

    def connected_ms(page: Page) -> tuple[int, int] | None:
        try:
            page.wait_for_function("() => window.__salaminCall && window.__salaminCall.connectedAt > 0",
                                   timeout=20_000)
        except Exception:
            return None
        return page.evaluate("() => [window.__salaminCall.startedAt, window.__salaminCall.connectedAt]")

    with coturn(), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        pages = []
        for user in (a, b):
            ctx = browser.new_context()
            page = ctx.new_page()
            sign_in(page, user.email, user.password)
            pages.append(page)
        pa, pb = pages
        for mode in ("direct", "relay"):
            query = "?autojoin=1" + ("&relay=1" if mode == "relay" else "")
            for i in range(args.runs + 1):  # run 0 warms the pages up and is not counted
                sid = make_session(admin, a, b)
                pa.goto(f"{APP_URL}/session/{sid}{query}")
                pb.goto(f"{APP_URL}/session/{sid}{query}")
                ta, tb = connected_ms(pa), connected_ms(pb)
                if i == 0:
                    continue
                if ta is None or tb is None:
                    failures += 1
                    continue
                results[mode].append(max(ta[1], tb[1]) - max(ta[0], tb[0]))
                time.sleep(0.2)
        browser.close()

    out = {
        "runs": len(results["direct"]) + len(results["relay"]) + failures,
        "failures": failures,
        "p50_ms": round(pct(results["direct"], 50), 1),
        "p95_ms": round(pct(results["direct"], 95), 1),
        "relay_p50_ms": round(pct(results["relay"], 50), 1),
        "relay_p95_ms": round(pct(results["relay"], 95), 1),
    }
    print("BENCH == both in the room -> connected (ms) ==")
    print(f"BENCH {'path':<10}{'runs':>6}{'p50':>10}{'p95':>10}{'mean':>10}{'max':>10}")
    for mode, values in results.items():
        if values:
            print(f"BENCH {mode:<10}{len(values):>6}{pct(values, 50):>10.1f}{pct(values, 95):>10.1f}"
                  f"{statistics.mean(values):>10.1f}{max(values):>10.1f}")
    print(f"BENCH failures: {failures}")
    print(json.dumps(out))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20, help="runs per path (direct and relay)")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    return inner(args) if args.inner else outer(args)


if __name__ == "__main__":
    sys.exit(main())
