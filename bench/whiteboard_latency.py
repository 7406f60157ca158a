"""Stroke finished to drawn on the partner's screen in the shared whiteboard, over the data channel and over
Firestore only; lost elements; and the gzipped size of the app's initial JavaScript.

Usage: python bench/whiteboard_latency.py [--strokes 100]

Starts the emulators (through `firebase emulators:exec`) and headless Chromium by itself, stops them after,
prints a table and ends with one line of JSON: {"strokes", "lost_elements", "datachannel_p50_ms",
"datachannel_p95_ms", "firestore_p50_ms", "firestore_p95_ms", "initial_js_gzip_bytes", "board_js_gzip_bytes",
"board_pulls_codemirror", ...conditions}.

Two real browser contexts in one case-study session; one draws rectangles with the mouse on Excalidraw's
canvas (the rectangle tool, a drag), the other shows them. The drawer's page stamps each pointerup (the stroke
finished); the partner's page checks its scene on every animation frame and stamps the frame where the
count first grows to include it (drawn). Both use the same machine clock (performance.timeOrigin +
performance.now()). 'firestore' opens the room with ?codelink=off, so strokes travel only through
Firestore update documents. lost_elements counts strokes missing on the partner's screen or in what
Firestore stores (snapshot plus update documents, read back with pycrdt).

The initial JavaScript is what web/dist/index.html loads before anything else (its module script and
modulepreloads), gzipped at level 9: the board (Excalidraw) must not be in it. The board's own JavaScript is
what its lazy chunk imports on top of that; it must not include CodeMirror.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _harness import Conditions, pct, run_inside_emulators

ARRIVALS_JS = """() => {
  window.__arrivals = {};
  const tick = () => {
    const b = window.__salaminBoard;
    if (b) {
      const n = b.api.getSceneElements().length;
      if (!(n in window.__arrivals)) window.__arrivals[n] = performance.timeOrigin + performance.now();
    }
    window.__arrivalsFrame = requestAnimationFrame(tick);
  };
  tick();
}"""

SENDS_JS = """() => {
  window.__sends = [];
  // Only a drag's end on the canvas finishes a stroke (not the click on the tool's button).
  document.addEventListener('pointerup', (e) => {
    if (e.target instanceof HTMLCanvasElement) window.__sends.push(performance.timeOrigin + performance.now());
  }, true);
}"""

CANVAS_SETTLED = """() => { const b = window.__salaminBoard; if (!b) return false; const s = b.api.getAppState();
  const r = document.querySelector('.board-frame canvas.interactive').getBoundingClientRect();
  return Math.abs(s.offsetLeft - r.left) < 1 && Math.abs(s.offsetTop - r.top) < 1; }"""

COUNT_JS = "() => window.__salaminBoard ? window.__salaminBoard.api.getSceneElements().length : -1"


def initial_js_gzip(dist: Path) -> dict[str, int]:
    """Each file index.html loads at start (module script and modulepreloads) → its gzipped size."""
    html = (dist / "index.html").read_text()
    srcs = re.findall(r'<script type="module"[^>]*src="([^"]+)"', html)
    srcs += re.findall(r'<link rel="modulepreload"[^>]*href="([^"]+)"', html)
    return {s: len(gzip.compress((dist / s.lstrip("/")).read_bytes(), 9)) for s in srcs}


def board_js_gzip(dist: Path) -> tuple[dict[str, int], bool]:
    """What opening the board loads on top of the initial JavaScript (the whiteboard's chunk and every chunk it
    imports, transitively) → each file's gzipped size; and whether CodeMirror (the editor's chunk) is among
    them: the board must not pull it."""
    assets = dist / "assets"
    initial = {Path(s).name for s in initial_js_gzip(dist)}
    start = [f.name for f in assets.glob("*.js") if "__salaminBoard" in f.read_text(errors="ignore")]
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        if name in seen or name in initial:
            continue
        seen.add(name)
        todo += re.findall(r'(?:from|import)\s*"\./([^"]+\.js)"', (assets / name).read_text(errors="ignore"))
    sizes = {n: len(gzip.compress((assets / n).read_bytes(), 9)) for n in sorted(seen)}
    codemirror = any(".cm-editor" in (assets / n).read_text(errors="ignore") for n in seen)
    return sizes, codemirror


def outer(args: argparse.Namespace) -> int:
    (ROOT / ".cache").mkdir(exist_ok=True)
    return run_inside_emulators(Path(__file__), ["--strokes", str(args.strokes)],
                                "auth,firestore,functions,hosting,tasks", "bench-whiteboard-latency.log")


def stored_count(sid: str) -> int:
    from tests.support.emulators import FirestoreClient, stored_board

    return len(stored_board(FirestoreClient.admin(), sid))


def measure(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    from playwright.sync_api import Page, sync_playwright

    from tests.browser.conftest import APP_URL, CHROMIUM, CHROMIUM_ARGS, sign_in
    from tests.support.emulators import FirestoreClient, clear_firestore, make_session, sign_up

    clear_firestore()
    conditions = Conditions()
    admin = FirestoreClient.admin()
    a, b = sign_up(display_name="Bench A"), sign_up(display_name="Bench B")
    lat: dict[str, list[float]] = {"datachannel": [], "firestore": []}
    lost = 0
    missed = 0
    strokes = 0

    def ready(page: Page, transport: str) -> None:
        page.get_by_test_id("whiteboard").wait_for(timeout=60_000)
        page.wait_for_function(
            f"() => document.querySelector('[data-testid=board-transport]')?.dataset.live === '{transport}'"
            " && document.querySelector('[data-testid=board-save-state]')?.dataset.state !== 'loading'"
            " && !!window.__salaminBoard", timeout=60_000)

    def draw(page: Page, i: int) -> None:
        page.get_by_test_id("whiteboard").scroll_into_view_if_needed()
        page.get_by_test_id("toolbar-rectangle").click(force=True)  # the radio input under its icon
        # The click may scroll the page; Excalidraw learns its canvas's place from debounced scroll events.
        page.wait_for_function(CANVAS_SETTLED, timeout=30_000)
        box = page.locator(".board-frame canvas.interactive").bounding_box()
        assert box
        # A grid inside the canvas: below the toolbar that floats over its top, above its footer, clear of its
        # right edge (a stroke ending off the canvas is never drawn).
        cols = max(1, int((box["width"] - 60 - 30 - 40) // 55))
        rows = max(1, int((box["height"] - 160 - 20 - 80) // 45))
        x = box["x"] + 60 + (i % cols) * 55
        y = box["y"] + 160 + (i // cols % rows) * 45
        viewport = page.viewport_size
        assert viewport and y + 20 < viewport["height"], "the stroke would fall below the window"
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 15, y + 10, steps=2)
        page.mouse.move(x + 30, y + 20, steps=2)
        page.mouse.up()
        page.keyboard.press("Escape")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        pages = []
        for user in (a, b):
            ctx = browser.new_context(viewport={"width": 1366, "height": 900})
            page = ctx.new_page()
            sign_in(page, user.email, user.password)
            pages.append(page)
        pa, pb = pages
        conditions.start()
        for transport, query in (("datachannel", "?autojoin=1"), ("firestore", "?autojoin=1&codelink=off")):
            sid = make_session(admin, a, b, session_type="case_study")
            for page in (pa, pb):
                page.goto(f"{APP_URL}/session/{sid}{query}")
            for page in (pa, pb):
                ready(page, "channel" if transport == "datachannel" else "firestore")
            draw(pa, 0)  # warm up, not counted: first listeners, first writes
            pb.wait_for_function(f"() => ({COUNT_JS})() === 1", timeout=30_000)
            base = 1
            pb.evaluate(ARRIVALS_JS)
            pa.evaluate(SENDS_JS)
            for i in range(1, args.strokes + 1):
                draw(pa, i)
                time.sleep(0.15)
                if i % 25 == 0:
                    conditions.sample()
            sends = pa.evaluate("() => window.__sends")
            want = base + args.strokes
            with contextlib.suppress(Exception):  # a shortfall is counted below as lost elements
                pb.wait_for_function(f"() => ({COUNT_JS})() >= {want}", timeout=30_000)
            seen = sorted((int(k), v) for k, v in pb.evaluate("() => window.__arrivals").items())
            # One pointerup per stroke (the drag's end): stroke i is drawn once the count reaches base + i + 1.
            for i, sent in enumerate(sends[:args.strokes]):
                got = min((t for n, t in seen if n >= base + i + 1), default=None)
                if got is not None:
                    lat[transport].append(got - sent)
            shown = pb.evaluate(COUNT_JS)
            for page in (pa, pb):
                page.wait_for_function("() => document.querySelector('[data-testid=board-save-state]')"
                                       ".dataset.state === 'saved'", timeout=30_000)
            stored = stored_count(sid)
            drawn = pa.evaluate(COUNT_JS)  # on the drawer's screen: a stroke the mouse missed is not a lost one
            lost += max(0, drawn - shown) + max(0, drawn - stored)
            missed += want - drawn
            strokes += args.strokes
            print(f"BENCH note: {transport}: {len(sends)} pointerups, drawer shows {drawn}, partner shows {shown},"
                  f" Firestore stores {stored} (want {want})")
        usage = conditions.print()
        browser.close()

    sizes = initial_js_gzip(ROOT / "web/dist")
    total = sum(sizes.values())
    out: dict[str, float] = {"strokes": strokes, "lost_elements": lost, "strokes_not_drawn": missed,
                             "initial_js_gzip_bytes": total}
    print("BENCH == stroke finished -> drawn on the partner's screen (ms) ==")
    print(f"BENCH {'path':<14}{'n':>6}{'p50':>9}{'p95':>9}{'mean':>9}{'max':>9}")
    for name, values in lat.items():
        if values:
            print(f"BENCH {name:<14}{len(values):>6}{pct(values, 50):>9.1f}{pct(values, 95):>9.1f}"
                  f"{statistics.mean(values):>9.1f}{max(values):>9.1f}")
            out[f"{name}_p50_ms"] = round(pct(values, 50), 1)
            out[f"{name}_p95_ms"] = round(pct(values, 95), 1)
    print(f"BENCH lost elements: {lost} (strokes the mouse missed, not drawn on the drawer's screen: {missed})")
    print(f"BENCH initial JavaScript (gzip -9): {total} bytes: "
          + ", ".join(f"{Path(k).name} {v}" for k, v in sizes.items()))
    board, codemirror = board_js_gzip(ROOT / "web/dist")
    out["board_js_gzip_bytes"] = sum(board.values())
    out["board_pulls_codemirror"] = codemirror
    print(f"BENCH the board's JavaScript on top (gzip -9): {sum(board.values())} bytes in {len(board)} files"
          f"{', with CodeMirror (editor chunk)' if codemirror else ', no CodeMirror'}: "
          + ", ".join(f"{k} {v}" for k, v in board.items()))
    out.update(usage)
    print(json.dumps(out))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--strokes", type=int, default=100, help="strokes per path (data channel, Firestore)")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    return measure(args) if args.inner else outer(args)


if __name__ == "__main__":
    sys.exit(main())
