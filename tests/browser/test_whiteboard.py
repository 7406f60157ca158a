"""The shared whiteboard in real Chromium contexts: both draw, move and delete at the same time, over the
room's data channel and (with ?codelink=off) over the Firestore emulator alone; both end with the same
scene holding every element; a reload and a late join in a fresh context restore it; a stranger is
refused; the session page shows the final board. Nothing is mocked: drawing is done with the mouse and
the keyboard on Excalidraw's canvas."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import APP_URL
from tests.browser.test_room import Pair
from tests.support.emulators import FirestoreClient, make_session, sign_up, stored_board

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_firestore")]
LIVE_MS = 60_000

# The scene as the page shows it: every live element's id, position and version, sorted.
SCENE = """() => { const b = window.__salaminBoard; if (!b) return null;
  return b.api.getSceneElements().map((e) => `${e.id}@${Math.round(e.x)},${Math.round(e.y)}`).sort(); }"""


def board_ready(page: Page, transport: str | None) -> None:
    expect(page.get_by_test_id("whiteboard")).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_test_id("board-save-state")).not_to_have_attribute("data-state", "loading", timeout=LIVE_MS)
    page.wait_for_function("() => !!window.__salaminBoard", timeout=LIVE_MS)
    if transport:
        expect(page.get_by_test_id("board-transport")).to_have_attribute("data-live", transport, timeout=LIVE_MS)


def scene(page: Page) -> list[str]:
    return page.evaluate(SCENE) or []


def canvas_box(page: Page) -> dict[str, float]:
    box = page.locator(".board-frame canvas.interactive").bounding_box()
    assert box
    return box


# Whether this page's scene has an element whose corner is at these page (client) coordinates, turned into
# scene coordinates with the board's own offset, scroll and zoom.
DRAWN_AT = """([cx, cy]) => { const b = window.__salaminBoard; if (!b) return false;
  const s = b.api.getAppState(); const z = s.zoom.value;
  const x = (cx - s.offsetLeft) / z - s.scrollX, y = (cy - s.offsetTop) / z - s.scrollY;
  return b.api.getSceneElements().some((e) => Math.abs(e.x - x) <= 2 && Math.abs(e.y - y) <= 2); }"""


# What the board holds and does, for a failure's message.
STATE = """() => { const b = window.__salaminBoard; if (!b) return null; const s = b.api.getAppState();
  return { scene: b.api.getSceneElementsIncludingDeleted()
      .map((e) => `${e.id}:v${e.version}:${e.isDeleted}@${e.x},${e.y}`),
    tool: s.activeTool.type, offset: [s.offsetLeft, s.offsetTop], scroll: [s.scrollX, s.scrollY],
    sync: b.sync.state }; }"""


CANVAS_SETTLED = """() => { const b = window.__salaminBoard; if (!b) return false; const s = b.api.getAppState();
  const r = document.querySelector('.board-frame canvas.interactive').getBoundingClientRect();
  return Math.abs(s.offsetLeft - r.left) < 1 && Math.abs(s.offsetTop - r.top) < 1; }"""


class Stroke:
    """One rectangle drawn with the mouse: the tool's button (which also puts the keyboard on the board),
    then a drag on the canvas. Split in steps so that two people's drags can overlap in time."""

    def __init__(self, page: Page, x: float, y: float, w: float = 60, h: float = 40) -> None:
        self.page, self.w, self.h = page, w, h
        page.get_by_test_id("whiteboard").scroll_into_view_if_needed()
        page.get_by_test_id("toolbar-rectangle").click(force=True)  # the radio input under its icon
        # Excalidraw learns where its canvas is from scroll events, debounced: after the page scrolled (the
        # click may scroll it), draw only once it knows, or the stroke lands elsewhere in the scene.
        page.wait_for_function(CANVAS_SETTLED, timeout=LIVE_MS)
        box = canvas_box(page)
        self.x, self.y = box["x"] + x, box["y"] + y
        viewport = page.viewport_size
        assert viewport and self.y >= 0 and self.y + h < min(viewport["height"], box["y"] + box["height"]), \
            f"the stroke at {x},{y} would fall outside the visible canvas {box}"

    def down(self) -> Stroke:
        self.page.mouse.move(self.x, self.y)
        self.page.mouse.down()
        self.page.mouse.move(self.x + self.w / 2, self.y + self.h / 2, steps=3)
        return self

    def up(self) -> None:
        self.page.mouse.move(self.x + self.w, self.y + self.h, steps=3)
        self.page.mouse.up()
        self.page.keyboard.press("Escape")
        # Drawn on the drawer's own screen: a stroke the mouse missed fails here, not as a "lost" element.
        try:
            self.page.wait_for_function(DRAWN_AT, arg=[self.x, self.y], timeout=LIVE_MS)
        except PlaywrightTimeout:
            state = self.page.evaluate(STATE)
            raise AssertionError(f"the stroke at {self.x},{self.y} was not drawn on its own screen: {state}") from None


def draw_rect(page: Page, x: float, y: float, w: float = 60, h: float = 40) -> None:
    Stroke(page, x, y, w, h).down().up()


def select(page: Page, element_id: str) -> None:
    page.evaluate("(id) => window.__salaminBoard.api.updateScene({ appState: { selectedElementIds: { [id]: true } } })",
                  element_id)
    # React commits the selection in a later task, and Chromium runs input first: a key pressed before the
    # commit acts on the previous selection. Wait until the board's own state has it.
    page.wait_for_function(
        "(id) => { const s = window.__salaminBoard.api.getAppState().selectedElementIds;"
        " const on = Object.keys(s).filter((k) => s[k]); return on.length === 1 && on[0] === id; }",
        arg=element_id, timeout=LIVE_MS)


def wait_count(page: Page, n: int) -> None:
    page.wait_for_function(f"() => ({SCENE})()?.length === {n}", timeout=LIVE_MS)


def wait_same(pa: Page, pb: Page) -> list[str]:
    pa.wait_for_function(f"(want) => JSON.stringify(({SCENE})()) === want", arg=_json(scene(pb)), timeout=LIVE_MS)
    for _ in range(20):  # settle: both agree and stay agreed
        a, b = scene(pa), scene(pb)
        if a == b:
            return a
        pa.wait_for_timeout(250)
    raise AssertionError(f"scenes differ: {scene(pa)} vs {scene(pb)}")


def _json(v: object) -> str:
    import json

    return json.dumps(v, separators=(",", ":"))


def case_study_pair(browser: Browser) -> Pair:
    pair = Pair(browser)
    pair.sid = make_session(FirestoreClient.admin(), pair.a, pair.b, session_type="case_study")
    return pair


@pytest.mark.parametrize("transport", ["channel", "firestore"])
def test_both_draw_move_and_delete_at_once_and_end_with_the_same_board(browser: Browser, transport: str) -> None:
    pair = case_study_pair(browser)
    query = "?autojoin=1" + ("&codelink=off" if transport == "firestore" else "")
    try:
        pa, pb = pair.open(pair.a, query), pair.open(pair.b, query)
        for p in (pa, pb):
            board_ready(p, transport)
        # Both draw at the same time: the two drags overlap, so each one's finished stroke reaches the
        # other mid-drag.
        for i in range(3):
            a, b = Stroke(pa, 80 + 90 * i, 200).down(), Stroke(pb, 80 + 90 * i, 330).down()
            a.up()
            b.up()
        wait_count(pa, 6)
        wait_count(pb, 6)
        both = wait_same(pa, pb)
        assert len(both) == 6

        ids = [s.split("@")[0] for s in both]
        moved, doomed = ids[0], ids[1]
        # At the same moment: Ada moves one element and deletes another; Grace moves the one Ada deletes.
        select(pa, moved)
        select(pb, doomed)
        for _ in range(5):
            pa.keyboard.press("Shift+ArrowRight")
            pb.keyboard.press("Shift+ArrowDown")
        select(pa, doomed)
        pa.keyboard.press("Delete")
        pb.keyboard.press("Shift+ArrowDown")
        wait_count(pa, 5)
        wait_count(pb, 5)
        final = wait_same(pa, pb)
        assert doomed not in [s.split("@")[0] for s in final]  # deleting wins over the concurrent move
        assert len(final) == 5
        expect(pa.get_by_test_id("board-save-state")).to_have_attribute("data-state", "saved", timeout=LIVE_MS)
        expect(pb.get_by_test_id("board-save-state")).to_have_attribute("data-state", "saved", timeout=LIVE_MS)

        # Grace reloads: the same board, nothing lost, nothing back from the dead.
        pb.reload()
        board_ready(pb, None)
        wait_count(pb, 5)
        assert wait_same(pa, pb) == final
        # A late join in a fresh context (no page memory) restores it from Firestore.
        fresh = pair.open(pair.a, query)
        board_ready(fresh, None)
        wait_count(fresh, 5)
        assert wait_same(fresh, pa) == final

        # A stranger is refused.
        eve = pair.open(sign_up(display_name="Eve"), "?autojoin=1")
        expect(eve.get_by_test_id("room-denied")).to_be_visible()
        expect(eve.get_by_test_id("whiteboard")).to_have_count(0)

        # After the session, its page shows the final board, exportable.
        FirestoreClient.admin().update(f"peerSessions/{pair.sid}", {"status": "completed"})
        fresh.goto(f"{APP_URL}/sessions/{pair.sid}")
        board = fresh.get_by_test_id("final-board")
        expect(board).to_be_visible(timeout=LIVE_MS)
        expect(board).to_have_attribute("data-count", "5")
        with fresh.expect_download() as download:
            fresh.get_by_test_id("board-export-svg").click()
        assert download.value.suggested_filename.endswith(".svg")
    finally:
        pair.close()


def test_the_board_is_a_tab_beside_the_code_with_a_shortcut(browser: Browser) -> None:
    pair = Pair(browser)  # a technical session: code and whiteboard
    try:
        pa = pair.open(pair.a, "?autojoin=1")
        expect(pa.get_by_test_id("code-workspace")).to_be_visible(timeout=LIVE_MS)
        expect(pa.get_by_test_id("tab-code")).to_have_attribute("aria-selected", "true")
        pa.keyboard.press("Alt+Shift+W")
        expect(pa.get_by_test_id("tab-board")).to_have_attribute("aria-selected", "true")
        board_ready(pa, None)
        expect(pa.get_by_test_id("code-workspace")).to_be_hidden()
        pa.keyboard.press("Alt+Shift+W")
        expect(pa.get_by_test_id("code-workspace")).to_be_visible()
    finally:
        pair.close()


# Whether the partner's pointer shows at (x, y) from the top-left corner of this page's canvas.
POINTER_AT = """([x, y]) => { const el = document.querySelector('[data-testid=board-pointers] [data-client]');
  const c = document.querySelector('.board-frame canvas.interactive').getBoundingClientRect();
  if (!el) return false; const r = el.getBoundingClientRect();
  return Math.abs(r.left - c.left - x) <= 2 && Math.abs(r.top - c.top - y) <= 2; }"""


def test_the_partners_pointer_shows_with_their_name_without_re_rendering_the_board(browser: Browser) -> None:
    pair = case_study_pair(browser)
    try:
        pa, pb = pair.open(pair.a, "?autojoin=1"), pair.open(pair.b, "?autojoin=1")
        for p in (pa, pb):
            board_ready(p, "channel")
        pa.get_by_test_id("whiteboard").scroll_into_view_if_needed()
        pa.wait_for_function(CANVAS_SETTLED)
        box = canvas_box(pa)
        pa.mouse.move(box["x"] + 150, box["y"] + 200)
        pointer = pb.get_by_test_id("board-pointers").locator("[data-client]")
        expect(pointer).to_have_count(1, timeout=LIVE_MS)
        expect(pointer).to_contain_text("Ada")
        # Same scroll and zoom on both fresh boards: the pointer shows at the same place on Grace's canvas.
        view = "() => { const s = window.__salaminBoard.api.getAppState(); return [s.scrollX, s.scrollY, s.zoom.value]}"
        assert pa.evaluate(view) == pb.evaluate(view)
        # Count Grace's board re-renders (Excalidraw calls its change listeners after each) while Ada's
        # pointer moves, each move shown before the next: the overlay follows it, Excalidraw does not re-render.
        pb.evaluate("() => { window.__renders = 0; window.__salaminBoard.api.onChange(() => window.__renders++); }")
        for i in range(1, 21):
            x, y = 150 + 10 * i, 200 + 5 * i
            pa.mouse.move(box["x"] + x, box["y"] + y)
            pb.wait_for_function(POINTER_AT, arg=[x, y], timeout=LIVE_MS)
        assert pb.evaluate("() => window.__renders") < 5  # one per move before the overlay (20 moves)
    finally:
        pair.close()


def test_a_20_second_network_drop_on_one_side_loses_nothing(browser: Browser) -> None:
    pair = case_study_pair(browser)
    query = "?autojoin=1&codelink=off"  # Firestore is the only path, so the drop cuts it
    try:
        pa, pb = pair.open(pair.a, query), pair.open(pair.b, query)
        for p in (pa, pb):
            board_ready(p, "firestore")
        draw_rect(pa, 80, 200)
        wait_count(pb, 1)

        pb.context.set_offline(True)
        dropped_at = pb.evaluate("() => Date.now()")
        # Both draw during the drop: Grace offline, Ada online.
        for i in range(3):
            draw_rect(pb, 80 + 90 * i, 330)
            draw_rect(pa, 170 + 90 * i, 200)
        assert len(scene(pa)) == 4 and len(scene(pb)) == 4  # the drop is real: neither has the other's yet
        pb.wait_for_timeout(max(0, 20_000 - (pb.evaluate("() => Date.now()") - dropped_at)))  # the drop itself
        assert len(scene(pa)) == 4, "Grace's strokes reached Ada through the drop"
        pb.context.set_offline(False)

        wait_count(pa, 7)
        wait_count(pb, 7)
        both = wait_same(pa, pb)
        for p in (pa, pb):
            expect(p.get_by_test_id("board-save-state")).to_have_attribute("data-state", "saved", timeout=LIVE_MS)
        assert sorted(stored_board(FirestoreClient.admin(), pair.sid)) == sorted(s.split("@")[0] for s in both)
    finally:
        pair.close()


# A pasted (or dropped) image, as the browser delivers it: a PNG file in the event's DataTransfer.
GIVE_IMAGE = """(kind) => {
  const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
  const dt = new DataTransfer();
  dt.items.add(new File([Uint8Array.from(atob(png), (c) => c.charCodeAt(0))], 'photo.png', { type: 'image/png' }));
  const canvas = document.querySelector('.board-frame canvas.interactive');
  if (kind === 'paste') {
    (document.activeElement ?? document.body).dispatchEvent(
      new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  } else {
    const r = canvas.getBoundingClientRect();
    const at = { dataTransfer: dt, bubbles: true, cancelable: true, clientX: r.x + 300, clientY: r.y + 300 };
    canvas.dispatchEvent(new DragEvent('dragover', at));
    canvas.dispatchEvent(new DragEvent('drop', at));
  }
}"""


def test_a_pasted_or_dropped_image_is_refused_and_nothing_of_it_syncs(browser: Browser) -> None:
    pair = case_study_pair(browser)
    try:
        pa, pb = pair.open(pair.a, "?autojoin=1"), pair.open(pair.b, "?autojoin=1")
        for p in (pa, pb):
            board_ready(p, None)
        draw_rect(pa, 80, 200)
        box = canvas_box(pa)
        pa.mouse.click(box["x"] + 400, box["y"] + 300)  # an empty spot: the board has the keyboard
        assert pa.evaluate("() => !!document.activeElement?.closest('.board-frame')")
        refused = pa.get_by_test_id("board-refused")
        for kind in ("paste", "drop"):
            pa.evaluate(GIVE_IMAGE, kind)
            expect(refused).to_be_visible()
            expect(refused).to_contain_text("Images aren’t shared")
            refused.get_by_role("button", name="OK").click()
            expect(refused).to_have_count(0)
        # A stroke after them: once the partner and Firestore have it, an image sent before would be there.
        draw_rect(pa, 170, 200)
        wait_count(pb, 2)
        types = "() => window.__salaminBoard.api.getSceneElementsIncludingDeleted().map((e) => e.type)"
        assert pa.evaluate(types) == ["rectangle", "rectangle"]
        assert pb.evaluate(types) == ["rectangle", "rectangle"]
        expect(pa.get_by_test_id("board-save-state")).to_have_attribute("data-state", "saved", timeout=LIVE_MS)
        assert sorted(stored_board(FirestoreClient.admin(), pair.sid).values()) == ["rectangle", "rectangle"]
    finally:
        pair.close()
