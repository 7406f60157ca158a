"""Time from both people in the room to a connected call, over Firestore signaling, direct and relayed.

Usage: python bench/rtc_connect.py [--runs 20] [--gap-ms 0] [--dump runs.json]

Starts the emulators (through `firebase emulators:exec`), coturn on loopback and headless Chromium by
itself, stops them after, prints a table and ends with one line of JSON:
{"runs", "failures", "p50_ms", "p95_ms", "relay_p50_ms", "relay_p95_ms", "frame_p95_ms", ...}.

Each run is a fresh session opened by two real browser contexts with fake camera and microphone
(?autojoin=1: no pre-join check). The app loads once per context; each run's room is opened inside it (as a
person goes from Practice to the room), one person first and the other as soon as the first has pressed Join
(or --gap-ms later; who comes first alternates, since the smaller uid makes the offer), and the session is
ended after the run (a live session keeps its timers ticking on the emulators). Every page keeps a timeline
of its set-up (web/src/features/room/timeline.ts, Date.now() in each page: one machine's clock). Time zero
is the later of the two "join pressed" marks, the moment both people are in the room; a step's time is the
later of the two pages' marks (a step only one side takes, like sending the offer, is that side's).
"connected" is when both see the call connected, "firstRemoteFrame" when both show a frame of the partner's
video (requestVideoFrameCallback). The older measure, from both call engines started to both connected, is
printed too ("engine->connected"). The load average and the CPU time of emulators, functions workers,
browsers and this script during the run are printed with the numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _harness import Conditions, pct, run_inside_emulators

# For --dump: the video streams' keyframe and loss counters once the first frame showed (why it took long).
STATS_JS = """async () => {
  const pc = window.__salaminCall && window.__salaminCall.pc;
  if (!pc) return null;
  const out = {};
  (await pc.getStats()).forEach((r) => {
    if (r.kind !== 'video' || (r.type !== 'inbound-rtp' && r.type !== 'outbound-rtp')) return;
    out[r.type] = Object.fromEntries(['pliCount', 'firCount', 'nackCount', 'keyFramesDecoded', 'keyFramesEncoded',
      'framesDecoded', 'framesEncoded', 'framesReceived', 'framesSent', 'packetsLost', 'packetsReceived', 'packetsSent',
      'frameWidth', 'frameHeight', 'qualityLimitationReason'].filter((k) => k in r).map((k) => [k, r[k]]));
  });
  return out;
}"""


def outer(args: argparse.Namespace) -> int:
    """Start the emulators this bench needs and run its inner half inside them."""
    extra = [*(["--dump", args.dump] if args.dump else []), "--gap-ms", str(args.gap_ms)]
    return run_inside_emulators(Path(__file__), ["--runs", str(args.runs), *extra], "auth,firestore,functions,hosting",
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
    steps = ["roomOpened", "joinPressed", "sessionJoined", "iceFetched", "engineStarted", "presenceWritten",
             "partnerSeen", "firstLocalCandidate", "offerCreated", "offerSent", "offerReceived", "answerCreated",
             "answerSent", "answerReceived", "firstCandidateSent", "firstCandidateReceived", "candidatePair",
             "connected", "firstRemoteFrame"]
    results: dict[str, dict[str, list[float]]] = {m: {k: [] for k in [*steps, "engine->connected"]}
                                                  for m in ("direct", "relay")}
    failures: dict[str, int] = {"direct": 0, "relay": 0}
    conditions = Conditions()
    dumped: list[dict[str, object]] = []

    def timeline(page: Page) -> dict[str, float] | None:
        """The page's timeline once it shows a frame of the partner's video (None after 20 s)."""
        try:
            page.wait_for_function(
                "() => window.__salaminTimeline && window.__salaminTimeline.firstRemoteFrame > 0"
                " && window.__salaminCall && window.__salaminCall.connectedAt > 0", timeout=20_000)
        except Exception:
            return None
        timeline: dict[str, float] = page.evaluate(
            "() => ({...window.__salaminTimeline, startedAt: window.__salaminCall.startedAt,"
            " connectedAt: window.__salaminCall.connectedAt})")
        return timeline

    def open_room(page: Page, path: str) -> None:
        """Into the room inside the app, as a person goes from Practice to their session: no page load.

        Loading the whole app again for every run (bundle, sign-in, profile) would put that work, which a
        person pays once, on the call's set-up in the page that comes second.
        """
        page.evaluate("(path) => { delete window.__salaminCall; window.__salaminTimeline = undefined;"
                      " history.pushState(null, '', path); dispatchEvent(new PopStateEvent('popstate')); }", path)

    with coturn(), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        pages = []
        for user in (a, b):
            ctx = browser.new_context()
            page = ctx.new_page()
            sign_in(page, user.email, user.password)
            page.goto(f"{APP_URL}/sessions")  # the app loads once; each run's room opens inside it
            pages.append(page)
        pa, pb = pages
        conditions.start()
        # The two paths take turns, so neither gets a warmer emulator or a quieter minute than the other.
        for i, mode in [(i, m) for i in range(args.runs + 1) for m in ("direct", "relay")]:
            query = "?autojoin=1" + ("&relay=1" if mode == "relay" else "")
            sid = make_session(admin, a, b)  # run 0 of each path warms up and is not counted
            # One goes in first, the other follows as soon as the first has pressed Join (as two people
            # arriving), or --gap-ms later. Who comes first alternates: the page with the smaller uid makes
            # the offer, and each order has its own critical path.
            first, second = (pa, pb) if i % 2 == 0 else (pb, pa)
            open_room(first, f"/session/{sid}{query}")
            first.wait_for_function("() => window.__salaminTimeline && window.__salaminTimeline.joinPressed > 0")
            if args.gap_ms:
                time.sleep(args.gap_ms / 1000)
            open_room(second, f"/session/{sid}{query}")
            ta, tb = timeline(pa), timeline(pb)
            stats = {name: page.evaluate(STATS_JS) for name, page in (("A", pa), ("B", pb))} if args.dump else None
            # Over: its timers and the editor's tick stop (sessionDocsTick runs every 10 s for each live
            # session; left live, the 80 sessions of a 40 + 40 run would load the emulators more each run).
            admin.update(f"peerSessions/{sid}", {"status": "cancelled"})
            if i == 0:
                continue
            conditions.sample()
            if ta is None or tb is None:
                failures[mode] += 1
                continue
            t0 = max(ta["joinPressed"], tb["joinPressed"])
            for step in steps:
                marks = [t[step] for t in (ta, tb) if step in t]
                if marks:
                    results[mode][step].append(max(marks) - t0)
            results[mode]["engine->connected"].append(
                max(ta["connectedAt"], tb["connectedAt"]) - max(ta["startedAt"], tb["startedAt"]))
            # Which page made the offer (the smaller uid) and each page's own marks from time zero.
            run: dict[str, object] = {"mode": mode, "offerer": "A" if a.uid < b.uid else "B",
                                      "first": "A" if first is pa else "B",
                                      "A": {k: v - t0 for k, v in ta.items()}, "B": {k: v - t0 for k, v in tb.items()}}
            if stats:
                run["stats"] = stats
            dumped.append(run)
            time.sleep(0.2)
        usage = conditions.print()  # before the browsers close, so their CPU time is still readable
        browser.close()

    direct, relay = results["direct"], results["relay"]
    out = {
        "runs": sum(len(r["connected"]) for r in results.values()) + sum(failures.values()),
        "failures": sum(failures.values()),
        "p50_ms": round(pct(direct["connected"], 50), 1),
        "p95_ms": round(pct(direct["connected"], 95), 1),
        "frame_p50_ms": round(pct(direct["firstRemoteFrame"], 50), 1),
        "frame_p95_ms": round(pct(direct["firstRemoteFrame"], 95), 1),
        "relay_p50_ms": round(pct(relay["connected"], 50), 1),
        "relay_p95_ms": round(pct(relay["connected"], 95), 1),
        "relay_frame_p95_ms": round(pct(relay["firstRemoteFrame"], 95), 1),
    }
    print("BENCH == ms after both pressed Join (later of the two pages' marks) ==")
    print(f"BENCH {'step':<24}{'direct p50':>12}{'p95':>9}{'relay p50':>12}{'p95':>9}{'n':>5}")
    for step in [*steps, "engine->connected"]:
        d, r = direct[step], relay[step]
        print(f"BENCH {step:<24}{pct(d, 50):>12.0f}{pct(d, 95):>9.0f}{pct(r, 50):>12.0f}{pct(r, 95):>9.0f}"
              f"{len(d) + len(r):>5}")
    print(f"BENCH failures: direct {failures['direct']}, relay {failures['relay']}")
    out.update(usage)
    if args.dump:
        Path(args.dump).write_text(json.dumps(dumped, indent=1))
    print(json.dumps(out))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20, help="runs per path (direct and relay)")
    ap.add_argument("--gap-ms", type=int, default=0, help="the second person presses Join this long after the first")
    ap.add_argument("--dump", default="", help="write each run's two timelines (ms from time zero) to this JSON file")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    return inner(args) if args.inner else outer(args)


if __name__ == "__main__":
    sys.exit(main())
