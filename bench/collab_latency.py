"""Keystroke to partner in the shared editor, over the data channel and over Firestore only; and
click 'Run' to output on both screens.

Usage: python bench/collab_latency.py [--keystrokes 200] [--runs 10]

Starts the emulators (through `firebase emulators:exec`), the code runner and headless Chromium by
itself, stops them after, prints a table and ends with one line of JSON:
{"keystrokes", "lost_edits", "datachannel_p50_ms", "datachannel_p95_ms", "firestore_p50_ms",
 "firestore_p95_ms", "run_p50_ms", "run_p95_ms"}.

Keystroke latency: two real browser contexts in one session; one types (real key events, ~12 keys a
second), the other renders. The typist's page stamps each keydown, the partner's page stamps the moment
its CodeMirror DOM first shows the new length (a MutationObserver); both use the same machine clock
(performance.timeOrigin + performance.now()). 'firestore' opens the room with ?codelink=off, so edits
travel only through Firestore update documents. lost_edits counts keystrokes missing from the
partner's final text plus any difference between the screens and what Firestore stores.

Run latency: from the click on 'Run' (a Python print) to the output shown on both screens.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _harness import Conditions, pct, run_inside_emulators

RUNNER_PORT = 8765

ARRIVALS_JS = """() => {
  const el = document.querySelector('[data-testid=code-editor] .cm-content');
  const text = () => [...el.querySelectorAll('.cm-line')].map((line) => {
    const c = line.cloneNode(true);
    c.querySelectorAll('.cm-ySelectionCaret, .cm-widgetBuffer').forEach((n) => n.remove());
    return c.textContent;
  }).join('\\n');
  window.__arrivals = {};
  const note = () => {
    const n = text().length;
    if (!(n in window.__arrivals)) window.__arrivals[n] = performance.timeOrigin + performance.now();
  };
  new MutationObserver(note).observe(el, { childList: true, subtree: true, characterData: true });
  window.__renderedText = text;
}"""

SENDS_JS = """() => {
  window.__sends = [];
  document.addEventListener('keydown', () => window.__sends.push(performance.timeOrigin + performance.now()), true);
}"""

RUNS_DONE_JS = """() => {
  window.__runsDone = [];
  let seen = 0;
  const check = () => {
    const n = document.querySelectorAll('[data-testid=run][data-status=done] [data-testid=run-stdout]').length;
    while (seen < n) { seen += 1; window.__runsDone.push(performance.timeOrigin + performance.now()); }
  };
  new MutationObserver(check).observe(document.body, { childList: true, subtree: true, attributes: true });
}"""


def start_runner() -> tuple[subprocess.Popen[bytes] | None, str]:
    """The runner on its usual port with a fresh secret, or None (then run latency is skipped)."""
    secret_file = ROOT / "functions/.secret.local"
    secret = ""
    for line in secret_file.read_text().splitlines() if secret_file.exists() else []:
        if line.startswith("RUNNER_SECRET="):
            secret = line.split("=", 1)[1].strip()
    if not secret or os.geteuid() != 0:
        return None, "no RUNNER_SECRET in functions/.secret.local, or not root"
    log = open(ROOT / ".cache/bench-runner.log", "wb")  # noqa: SIM115 (lives as long as the runner)
    env = {**os.environ, "RUNNER_SECRET": secret, "RUNNER_PORT": str(RUNNER_PORT), "RUNNER_HOST": "127.0.0.1"}
    proc = subprocess.Popen([str(ROOT / "runner/start.sh")], env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while time.time() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{RUNNER_PORT}/healthz", timeout=2)
            return proc, ""
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    return None, "the runner did not start (see .cache/bench-runner.log)"


def outer(args: argparse.Namespace) -> int:
    (ROOT / ".cache").mkdir(exist_ok=True)
    return run_inside_emulators(Path(__file__), ["--keystrokes", str(args.keystrokes), "--runs", str(args.runs)],
                                "auth,firestore,functions,hosting,tasks", "bench-collab-latency.log")


def inner(args: argparse.Namespace) -> int:
    # The runner starts here, after the preflight has seen its port free; the functions find it there.
    runner, why = start_runner() if args.runs else (None, "--runs 0")
    if runner is None:
        print(f"BENCH note: run latency skipped: {why}")
        args.runs = 0
    try:
        return measure(args)
    finally:
        if runner is not None:
            runner.terminate()
            runner.wait(timeout=20)


def measure(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    from playwright.sync_api import Page, sync_playwright

    from tests.browser.conftest import APP_URL, CHROMIUM, CHROMIUM_ARGS, sign_in
    from tests.support import fixtures
    from tests.support.emulators import FirestoreClient, clear_firestore, make_session, sign_up, stored_code

    clear_firestore()
    fixtures.load_bank()  # the session gets a question, after which running code opens
    conditions = Conditions()
    admin = FirestoreClient.admin()
    a, b = sign_up(display_name="Bench A"), sign_up(display_name="Bench B")
    lat: dict[str, list[float]] = {"datachannel": [], "firestore": []}
    lost = 0
    keystrokes = 0
    run_ms: list[float] = []
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

    def ready(page: Page, transport: str) -> None:
        page.get_by_test_id("code-workspace").wait_for(timeout=60_000)
        page.wait_for_function(
            f"() => document.querySelector('[data-testid=code-transport]')?.dataset.live === '{transport}'"
            " && document.querySelector('[data-testid=save-state]')?.dataset.state !== 'loading'", timeout=60_000)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        pages = []
        for user in (a, b):
            ctx = browser.new_context(viewport={"width": 1366, "height": 800})
            page = ctx.new_page()
            sign_in(page, user.email, user.password)
            pages.append(page)
        pa, pb = pages
        conditions.start()
        for transport, query in (("datachannel", "?autojoin=1"), ("firestore", "?autojoin=1&codelink=off")):
            sid = make_session(admin, a, b)
            for page in (pa, pb):
                page.goto(f"{APP_URL}/session/{sid}{query}")
            for page in (pa, pb):
                ready(page, "channel" if transport == "datachannel" else "firestore")
            pa.locator("[data-testid=code-editor] .cm-content").click()
            pa.keyboard.type("warm up ", delay=80)  # not counted: first listeners, first writes
            pb.wait_for_function("() => document.querySelector('[data-testid=code-editor] .cm-content')"
                                 ".textContent.includes('warm up ')", timeout=30_000)
            base = len("warm up ")
            pb.evaluate(ARRIVALS_JS)
            pa.evaluate(SENDS_JS)
            typed = "".join(alphabet[i % len(alphabet)] for i in range(args.keystrokes))
            # Real key events, about 12 a second, a line break every 40 keys so lines stay short.
            for i, ch in enumerate(typed):
                pa.keyboard.press("Enter" if ch == "\n" else ch)
                if i % 40 == 39:
                    pa.keyboard.press("Enter")
                time.sleep(0.08)
            sends = pa.evaluate("() => window.__sends")  # every keydown, Enter included: each adds one character
            want = base + len(sends)
            with contextlib.suppress(Exception):  # a shortfall is counted below as lost edits
                pb.wait_for_function(f"() => window.__renderedText().length >= {want}", timeout=30_000)
            # Over Firestore several keys arrive in one write: a key has arrived once the partner's text
            # is first at least as long as it made it (the text only grows here).
            seen = sorted((int(k), v) for k, v in pb.evaluate("() => window.__arrivals").items())
            for i, sent in enumerate(sends):
                got = min((t for n, t in seen if n >= base + i + 1), default=None)
                if got is not None:
                    lat[transport].append(got - sent)
            final_b = pb.evaluate("() => window.__renderedText()")
            missing = max(0, want - len(final_b))
            pa.wait_for_function("() => document.querySelector('[data-testid=save-state]').dataset.state === 'saved'",
                                 timeout=30_000)
            pb.wait_for_function("() => document.querySelector('[data-testid=save-state]').dataset.state === 'saved'",
                                 timeout=30_000)
            stored = stored_code(admin, sid)[0]
            lost += missing + (0 if stored == final_b else 1)
            keystrokes += len(sends)

            if transport == "datachannel" and args.runs:
                # Same session (active now that both are in): click Run, output on both screens.
                # Running opens once the question is on screen: both agree to end the introductions.
                pa.get_by_test_id("next-phase").click()
                pb.get_by_test_id("partner-proposed").wait_for(timeout=60_000)
                pb.get_by_test_id("next-phase").click()
                for page in (pa, pb):
                    page.wait_for_function("() => document.querySelector('[data-testid=phase-bar]')?.dataset.phase"
                                           " === '1'", timeout=60_000)
                pa.evaluate("() => window.__salaminCode.replaceText('print(\"hello from the runner\")')")
                for page in (pa, pb):
                    page.evaluate(RUNS_DONE_JS)
                for i in range(args.runs):
                    pa.get_by_test_id("run-code").wait_for(state="visible")
                    pa.wait_for_function("() => !document.querySelector('[data-testid=run-code]').disabled",
                                         timeout=60_000)
                    t0 = pa.evaluate("() => { const t = performance.timeOrigin + performance.now();"
                                     " document.querySelector('[data-testid=run-code]').click(); return t; }")
                    try:
                        for page in (pa, pb):
                            page.wait_for_function(f"() => window.__runsDone.length > {i}", timeout=60_000)
                    except Exception:
                        continue
                    done = max(page.evaluate(f"() => window.__runsDone[{i}]") for page in (pa, pb))
                    run_ms.append(done - t0)
                    time.sleep(6.2)  # 10 runs a minute per session: stay under the limit
            for page in (pa, pb):
                page.goto(f"{APP_URL}/practice")
        usage = conditions.print()  # while the browsers still run, so their CPU time is readable
        browser.close()

    out = {
        "keystrokes": keystrokes,
        "lost_edits": lost,
        "datachannel_p50_ms": round(pct(lat["datachannel"], 50), 1),
        "datachannel_p95_ms": round(pct(lat["datachannel"], 95), 1),
        "firestore_p50_ms": round(pct(lat["firestore"], 50), 1),
        "firestore_p95_ms": round(pct(lat["firestore"], 95), 1),
        "run_p50_ms": round(pct(run_ms, 50), 1) if run_ms else None,
        "run_p95_ms": round(pct(run_ms, 95), 1) if run_ms else None,
    }
    print("BENCH == keystroke in one browser -> rendered in the partner's (ms) ==")
    print(f"BENCH {'path':<14}{'keys':>6}{'p50':>9}{'p95':>9}{'mean':>9}{'max':>9}")
    for name, values in lat.items():
        if values:
            print(f"BENCH {name:<14}{len(values):>6}{pct(values, 50):>9.1f}{pct(values, 95):>9.1f}"
                  f"{statistics.mean(values):>9.1f}{max(values):>9.1f}")
    if run_ms:
        print("BENCH == click Run (Python) -> output on both screens (ms) ==")
        print(f"BENCH {'runs':<14}{len(run_ms):>6}{pct(run_ms, 50):>9.1f}{pct(run_ms, 95):>9.1f}"
              f"{statistics.mean(run_ms):>9.1f}{max(run_ms):>9.1f}")
    print(f"BENCH lost edits: {lost}")
    out.update(usage)
    print(json.dumps(out))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keystrokes", type=int, default=200, help="keystrokes per path (data channel, Firestore)")
    ap.add_argument("--runs", type=int, default=10, help="clicks on Run (needs the runner; 0 skips)")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    return inner(args) if args.inner else outer(args)


if __name__ == "__main__":
    sys.exit(main())
