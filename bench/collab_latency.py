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
from typing import Any

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
  window.__painted = {};
  const note = () => {
    const n = text().length;
    if (n in window.__arrivals) return;
    window.__arrivals[n] = performance.timeOrigin + performance.now();
    // The frame that shows it: the page may paint at the camera's 30 Hz, not the display's 60.
    requestAnimationFrame(() => { window.__painted[n] = performance.timeOrigin + performance.now(); });
  };
  new MutationObserver(note).observe(el, { childList: true, subtree: true, characterData: true });
  window.__renderedText = text;
}"""

SENDS_JS = """() => {
  window.__sends = [];
  document.addEventListener('keydown', () => window.__sends.push(performance.timeOrigin + performance.now()), true);
}"""

# Where a keystroke's time goes. Installed before the page's own scripts: every data-channel message the
# page sends or receives, stamped (the editor's Yjs updates are {"t":"yjs","n":"code","k":0}); long tasks.
PROBE_INIT_JS = """(() => {
  const now = () => performance.timeOrigin + performance.now();
  window.__dcSent = []; window.__dcGot = []; window.__longTasks = [];
  const isCodeUpdate = (d) => typeof d === 'string' && d.startsWith('{"t":"yjs","n":"code","k":0');
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (d) {
    if (isCodeUpdate(d)) window.__dcSent.push(now());
    return send.call(this, d);
  };
  const create = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (...args) {
    const ch = create.apply(this, args);
    ch.addEventListener('message', (e) => { if (isCodeUpdate(e.data)) window.__dcGot.push(now()); });
    return ch;
  };
  try {
    new PerformanceObserver((l) => l.getEntries().forEach((t) => window.__longTasks.push(t.duration)))
      .observe({ type: 'longtask', buffered: true });
  } catch { /* no long-task timing in this browser */ }
})();"""

# Over Firestore: when the typist's writes go and are acknowledged, and when the partner applies one.
STORE_PROBE_JS = """() => {
  const now = () => performance.timeOrigin + performance.now();
  const sync = window.__salaminCode;
  window.__writes = []; window.__applied = [];
  const store = sync && sync.store;
  if (!store || typeof store.writeUpdate !== 'function') return;
  const write = store.writeUpdate;
  store.writeUpdate = (id, u) => { const w = [now(), null]; window.__writes.push(w);
    return write(id, u).then((r) => { w[1] = now(); return r; }); };
  sync.doc.on('update', (_u, origin) => { if (origin === 'firestore') window.__applied.push(now()); });
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
    lat: dict[str, list[float]] = {"datachannel": [], "firestore": [], "datachannel painted": [],
                                   "firestore painted": []}
    parts: dict[str, dict[str, list[float]]] = {}
    lost = 0
    keystrokes = 0
    run_ms: list[float] = []
    run_marks: list[tuple[float, float]] = []
    run_sid = ""
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
            ctx.add_init_script(PROBE_INIT_JS)
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
            for page in (pa, pb):
                page.evaluate("() => { window.__dcSent = []; window.__dcGot = []; window.__longTasks = []; }")
                with contextlib.suppress(Exception):
                    page.evaluate(STORE_PROBE_JS)
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
            painted = sorted((int(k), v) for k, v in pb.evaluate("() => window.__painted").items())
            for i, sent in enumerate(sends):
                got = min((t for n, t in seen if n >= base + i + 1), default=None)
                if got is not None:
                    lat[transport].append(got - sent)
                shown = min((t for n, t in painted if n >= base + i + 1), default=None)
                if shown is not None:
                    lat[f"{transport} painted"].append(shown - sent)
            try:  # the breakdown only explains the figures above: never lose a run to it
                parts[transport] = steps(transport, sends, seen, base, pa=pa, pb=pb)
            except Exception as err:
                print(f"BENCH note: no breakdown for {transport}: {err!r}")
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
                run_sid = sid
                # Same session (active now that both are in): click Run, output on both screens.
                # Running opens once the question is on screen: both agree to end the introductions.
                pa.get_by_test_id("next-phase").click()
                pb.get_by_test_id("partner-proposed").wait_for(timeout=60_000)
                pb.get_by_test_id("next-phase").click()
                for page in (pa, pb):
                    page.wait_for_function("() => document.querySelector('[data-testid=phase-bar]')?.dataset.phase"
                                           " === '1'", timeout=60_000)
                # The session's question may be an SQL one (the editor then starts in SQL): run Python.
                pa.get_by_test_id("code-language").select_option("python")
                for page in (pa, pb):
                    page.wait_for_function("() => document.querySelector('[data-testid=code-editor]')"
                                           "?.dataset.language === 'python'", timeout=30_000)
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
                    run_marks.append((t0, done))
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
        "datachannel_painted_p95_ms": round(pct(lat["datachannel painted"], 95), 1),
        "firestore_painted_p95_ms": round(pct(lat["firestore painted"], 95), 1),
        "run_p50_ms": round(pct(run_ms, 50), 1) if run_ms else None,
        "run_p95_ms": round(pct(run_ms, 95), 1) if run_ms else None,
    }
    print("BENCH == keystroke in one browser -> rendered in the partner's (ms) ==")
    print(f"BENCH {'path':<22}{'keys':>6}{'p50':>9}{'p95':>9}{'mean':>9}{'max':>9}")
    for name, values in lat.items():
        if values:
            print(f"BENCH {name:<22}{len(values):>6}{pct(values, 50):>9.1f}{pct(values, 95):>9.1f}"
                  f"{statistics.mean(values):>9.1f}{max(values):>9.1f}")
    if run_ms:
        print("BENCH == click Run (Python) -> output on both screens (ms) ==")
        print(f"BENCH {'runs':<22}{len(run_ms):>6}{pct(run_ms, 50):>9.1f}{pct(run_ms, 95):>9.1f}"
              f"{statistics.mean(run_ms):>9.1f}{max(run_ms):>9.1f}")
    print(f"BENCH lost edits: {lost}")
    print_steps(parts)
    if run_marks:
        try:
            print_run_steps(admin, run_sid, run_marks)
        except Exception as err:
            print(f"BENCH note: no breakdown of the runs: {err!r}")
    out.update(usage)
    print(json.dumps(out))
    return 0


def steps(transport: str, sends: list[float], seen: list[tuple[int, float]], base: int, *, pa: Any, pb: Any
          ) -> dict[str, list[float]]:
    """Where each keystroke's time went (ms), from the probes' stamps; a step whose stamps do not pair up
    one to one with the keystrokes is left out."""
    out: dict[str, list[float]] = {}
    first_seen = [min((t for n, t in seen if n >= base + i + 1), default=None) for i in range(len(sends))]
    if transport == "datachannel":
        sent, got = pa.evaluate("() => window.__dcSent"), pb.evaluate("() => window.__dcGot")
        if len(sent) == len(sends) == len(got):
            out["keydown -> sent"] = [s - k for k, s in zip(sends, sent, strict=True)]
            out["sent -> received"] = [g - s for s, g in zip(sent, got, strict=True)]
            out["received -> DOM"] = [d - g for g, d in zip(got, first_seen, strict=True) if d is not None]
    else:
        writes, applied = pa.evaluate("() => window.__writes"), pb.evaluate("() => window.__applied")
        issued = [w[0] for w in writes]
        out["keydown -> write issued"] = [w - k for k in sends
                                          if (w := min((t for t in issued if t >= k), default=None)) is not None]
        out["write issued -> acknowledged"] = [w[1] - w[0] for w in writes if w[1] is not None]
        out["write issued -> partner applied"] = [a - w for w in issued
                                                  if (a := min((t for t in applied if t >= w), default=None))
                                                  is not None]
    for name, page in (("typist", pa), ("partner", pb)):
        tasks = page.evaluate("() => window.__longTasks")
        out[f"long tasks, {name} (ms each)"] = list(tasks)
    return out


def print_steps(parts: dict[str, dict[str, list[float]]]) -> None:
    print("BENCH == where a keystroke's time went (ms) ==")
    print(f"BENCH {'step':<44}{'n':>6}{'p50':>9}{'p95':>9}{'max':>9}")
    for transport, by_step in parts.items():
        for step, values in by_step.items():
            if values:
                print(f"BENCH {transport + ': ' + step:<44}{len(values):>6}{pct(values, 50):>9.1f}"
                      f"{pct(values, 95):>9.1f}{max(values):>9.1f}")
            else:
                print(f"BENCH {transport + ': ' + step:<44}{0:>6}")


def _ms(ts: Any) -> float:
    return float(ts.timestamp()) * 1000


def print_run_steps(admin: Any, sid: str, marks: list[tuple[float, float]]) -> None:
    """Each run from its runs document's server stamps (same machine clock): click -> recorded (request,
    checks, limiter), recorded -> result written (runner and status writes), result -> on both screens."""
    docs = sorted((d for d in admin.query("runs", parent=f"peerSessions/{sid}") if d.get("finishedAt")),
                  key=lambda d: d["createdAt"])
    if len(docs) != len(marks):
        print(f"BENCH run steps: {len(docs)} runs documents for {len(marks)} clicks, not shown")
        return
    cols = {"click -> recorded": [_ms(d["createdAt"]) - t0 for d, (t0, _) in zip(docs, marks, strict=True)],
            "recorded -> result written": [_ms(d["finishedAt"]) - _ms(d["createdAt"]) for d in docs],
            "result written -> both screens": [done - _ms(d["finishedAt"]) for d, (_, done) in zip(docs, marks,
                                                                                               strict=True)]}
    print("BENCH == where a run's time went (ms; per run, in order) ==")
    for name, values in cols.items():
        print(f"BENCH {name:<32}" + " ".join(f"{v:>6.0f}" for v in values))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keystrokes", type=int, default=200, help="keystrokes per path (data channel, Firestore)")
    ap.add_argument("--runs", type=int, default=10, help="clicks on Run (needs the runner; 0 skips)")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    return inner(args) if args.inner else outer(args)


if __name__ == "__main__":
    sys.exit(main())
