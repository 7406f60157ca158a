"""The shared whiteboard in real Chromium contexts: both draw, move and delete at the same time, over the
room's data channel and (with ?codelink=off) over the Firestore emulator alone; both end with the same
scene holding every element; a reload and a late join in a fresh context restore it; a stranger is
refused; the session page shows the final board. Nothing is mocked: drawing is done with the mouse and
the keyboard on Excalidraw's canvas."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import APP_URL
from tests.browser.test_room import Pair
from tests.support.emulators import FirestoreClient, make_session, sign_up

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


def draw_rect(page: Page, x: float, y: float, w: float = 60, h: float = 40) -> None:
    """The rectangle tool (its toolbar button, which also puts the keyboard on the board), a drag on the
    canvas: one finished stroke."""
    box = canvas_box(page)
    page.get_by_test_id("toolbar-rectangle").click(force=True)  # the radio input under its icon
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.mouse.down()
    page.mouse.move(box["x"] + x + w / 2, box["y"] + y + h / 2, steps=3)
    page.mouse.move(box["x"] + x + w, box["y"] + y + h, steps=3)
    page.mouse.up()
    page.keyboard.press("Escape")


def select(page: Page, element_id: str) -> None:
    page.evaluate("(id) => window.__salaminBoard.api.updateScene({ appState: { selectedElementIds: { [id]: true } } })",
                  element_id)


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


@pytest.mark.xfail(strict=False, reason="open (2 Dec, issue 16): the six concurrent strokes do not all appear within "
                   "60 s in headless Chromium (drawn under Excalidraw's floating toolbar?); not yet passing")
@pytest.mark.parametrize("transport", ["channel", "firestore"])
def test_both_draw_move_and_delete_at_once_and_end_with_the_same_board(browser: Browser, transport: str) -> None:
    pair = case_study_pair(browser)
    query = "?autojoin=1" + ("&codelink=off" if transport == "firestore" else "")
    try:
        pa, pb = pair.open(pair.a, query), pair.open(pair.b, query)
        for p in (pa, pb):
            board_ready(p, transport)
        # Both draw at the same time: strokes interleaved, nobody waits for the other's.
        for i in range(3):
            draw_rect(pa, 80 + 90 * i, 200)
            draw_rect(pb, 80 + 90 * i, 330)
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
