"""The shared code editor in two real Chromium contexts: concurrent typing, reload, cursors, runs.

Nothing is mocked: the edits travel over the room's WebRTC data channel (or, with ?codelink=off, over
the Firestore emulator alone), the runs go through the runCode function to the sandboxed runner.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.async_api import Browser as AsyncBrowser
from playwright.async_api import Page as AsyncPage
from playwright.async_api import async_playwright
from playwright.async_api import expect as async_expect
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import APP_URL, CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_room import Pair
from tests.support.emulators import AuthUser, FirestoreClient, make_session, sign_up, stored_code, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_firestore")]
ROOT = Path(__file__).resolve().parents[2]
LIVE_MS = 60_000
T = TypeVar("T")

# What CodeMirror renders, minus the partner's caret widget (it carries their name inside the line).
RENDERED_TEXT = """() => [...document.querySelectorAll('[data-testid=code-editor] .cm-line')].map((line) => {
  const c = line.cloneNode(true);
  c.querySelectorAll('.cm-ySelectionCaret, .cm-widgetBuffer').forEach((n) => n.remove());
  return c.textContent;
}).join('\\n')"""


def rendered(page: Page) -> str:
    return page.evaluate(RENDERED_TEXT)


def wait_rendered(page: Page, predicate_js: str, timeout: int = LIVE_MS) -> None:
    page.wait_for_function(f"(() => {{ const text = ({RENDERED_TEXT})(); return {predicate_js}; }})", timeout=timeout)


def editor_ready(page: Page, transport: str | None = "channel") -> None:
    expect(page.get_by_test_id("code-workspace")).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_test_id("save-state")).not_to_have_attribute("data-state", "loading", timeout=LIVE_MS)
    if transport:
        expect(page.get_by_test_id("code-transport")).to_have_attribute("data-live", transport, timeout=LIVE_MS)


def is_subsequence(word: str, text: str) -> bool:
    it = iter(text)
    return all(ch in it for ch in word)


# ---- concurrent typing: two real browsers typing at the same moment (async API, its own thread) ----

async def _open(browser: AsyncBrowser, user: AuthUser, sid: str, query: str) -> AsyncPage:
    ctx = await browser.new_context(viewport={"width": 1366, "height": 800})
    ctx.set_default_timeout(LIVE_MS)
    page = await ctx.new_page()
    await page.goto(f"{APP_URL}/signin")
    await page.get_by_test_id("signin-email").fill(user.email)
    await page.get_by_test_id("signin-password").fill(user.password)
    await page.get_by_test_id("signin-submit").click()
    await page.get_by_test_id("shell").wait_for()
    await page.goto(f"{APP_URL}/session/{sid}{query}")
    return page


async def _type_together(sid: str, a: AuthUser, b: AuthUser, transport: str, rounds: int) -> dict:
    query = "?autojoin=1" + ("&codelink=off" if transport == "firestore" else "")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            pa, pb = await _open(browser, a, sid, query), await _open(browser, b, sid, query)
            for page in (pa, pb):
                await async_expect(page.get_by_test_id("code-workspace")).to_be_visible(timeout=LIVE_MS)
                await async_expect(page.get_by_test_id("save-state")).not_to_have_attribute(
                    "data-state", "loading", timeout=LIVE_MS)
                await async_expect(page.get_by_test_id("code-transport")).to_have_attribute(
                    "data-live", transport, timeout=LIVE_MS)
            # One shared line to start from, seen by both.
            await pa.locator("[data-testid=code-editor] .cm-content").click()
            await pa.keyboard.type("x = ")
            await pb.wait_for_function(f"({RENDERED_TEXT})() === 'x = '", timeout=LIVE_MS)
            words = []
            for r in range(rounds):
                wa, wb = f"alpha{r}alpha", f"BRAVO{r}BRAVO"
                words += [wa, wb]
                # Both put the cursor at the end of the same (last) line, then type at once, key by key.
                for page in (pa, pb):
                    await page.locator("[data-testid=code-editor] .cm-content").click()
                    await page.keyboard.press("Control+End")
                await asyncio.gather(pa.keyboard.type(wa, delay=25), pb.keyboard.type(wb, delay=25))
            # Each sees the other's caret with their name, whichever way the cursors travel.
            for page, name in ((pa, "Grace"), (pb, "Ada")):
                await async_expect(page.locator("[data-testid=code-editor] .cm-ySelectionInfo")).to_have_text(
                    name, timeout=LIVE_MS)
            want_len = len("x = ") + sum(len(w) for w in words)
            texts = []
            for page in (pa, pb):
                await page.wait_for_function(f"({RENDERED_TEXT})().length === {want_len}", timeout=LIVE_MS)
            # Persistence caught up too: nothing waits to be written.
            for page in (pa, pb):
                await async_expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "saved",
                                                                                       timeout=LIVE_MS)
                texts.append(await page.evaluate(RENDERED_TEXT))
            return {"texts": texts, "words": words}
        finally:
            await browser.close()


def run_in_thread(coro_fn: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
    """The sync Playwright fixture owns this thread's loop; the async browsers get a thread of their own."""
    out: dict = {}

    def target() -> None:
        try:
            out["value"] = asyncio.run(coro_fn(*args))
        except BaseException as e:
            out["error"] = e

    t = threading.Thread(target=target)
    t.start()
    t.join(timeout=240)
    if "error" in out:
        raise out["error"]
    return out["value"]


@pytest.mark.parametrize("transport", ["channel", "firestore"])
def test_two_people_typing_in_the_same_line_both_keep_what_they_typed(transport: str) -> None:
    a, b = sign_up(display_name="Ada"), sign_up(display_name="Grace")
    sid = make_session(FirestoreClient.admin(), a, b)
    got = run_in_thread(_type_together, sid, a, b, transport, 3)
    ta, tb = got["texts"]
    assert ta == tb, "both screens end with the same text"
    assert ta.startswith("x = ")
    for word in got["words"]:
        assert is_subsequence(word, ta), f"{word!r} survived the concurrent typing: {ta!r}"
    # What is stored (updates, and a snapshot if compacted) holds the same text as the screens.
    assert stored_text(sid) == ta


def stored_text(sid: str) -> str:
    return stored_code(FirestoreClient.admin(), sid)[0]


# ---- reload, cursor, runs (sync API) --------------------------------------------------------------

def open_pair(browser: Browser, query: str = "?autojoin=1") -> tuple[Pair, Page, Page]:
    pair = Pair(browser)
    return pair, pair.open(pair.a, query), pair.open(pair.b, query)


def test_reload_restores_the_exact_text_and_the_partner_cursor_shows(browser: Browser) -> None:
    pair, pa, pb = open_pair(browser)
    try:
        for p in (pa, pb):
            editor_ready(p)
        pa.locator("[data-testid=code-editor] .cm-content").click()
        pa.keyboard.type("def add(a, b):\n")
        pa.keyboard.type("return a + b")
        wait_rendered(pb, "text.includes('return a + b')")
        want = rendered(pa)
        assert rendered(pb) == want

        # The partner's caret, in their colour with their name, and where they are.
        pa.keyboard.press("Control+Home")
        caret = pb.locator("[data-testid=code-editor] .cm-ySelectionCaret")
        expect(caret).to_have_count(1)
        expect(caret.locator(".cm-ySelectionInfo")).to_have_text("Ada")
        expect(pb.get_by_test_id("partner-status")).to_contain_text("Ada")

        # Grace reloads: the same text, nothing lost, nothing doubled; then she edits on.
        pb.reload()
        editor_ready(pb)
        wait_rendered(pb, f"text === {json.dumps(want)}")
        pb.locator("[data-testid=code-editor] .cm-content").click()
        pb.keyboard.press("Control+End")
        pb.keyboard.type("  # ok")
        wait_rendered(pa, "text.endsWith('# ok')")
        expect(pa.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
        expect(pb.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
        final = rendered(pa)
        assert rendered(pb) == final and final.count("return a + b") == 1

        # A late join in a fresh browser context (no page memory at all) restores it too, from Firestore
        # alone (the call may still be renegotiating with the new page).
        fresh = pair.open(pair.a, "?autojoin=1")
        editor_ready(fresh, transport=None)
        wait_rendered(fresh, f"text === {json.dumps(final)}")
        assert stored_text(pair.sid) == final

        # Once the session is over, the Sessions page shows the same code, read-only.
        FirestoreClient.admin().update(f"peerSessions/{pair.sid}", {"status": "completed"})
        fresh.goto(f"{APP_URL}/sessions/{pair.sid}")
        code = fresh.get_by_test_id("final-code")
        expect(code).to_be_visible()
        expect(code.locator(".cm-content")).to_have_attribute("contenteditable", "false")
        assert code.locator(".cm-line").all_inner_texts() == final.split("\n")
    finally:
        pair.close()


def test_language_is_shared_and_starter_code_is_offered_not_forced(browser: Browser, bank: None) -> None:
    pair, pa, pb = open_pair(browser)
    try:
        for p in (pa, pb):
            editor_ready(p)
            expect(p.get_by_test_id("phase-bar")).to_have_attribute("data-phase", "0", timeout=LIVE_MS)
        # Both in: the interview starts only when someone moves on; the question is there from the start.
        pa.locator("[data-testid=code-editor] .cm-content").click()
        pa.keyboard.type("# my own notes")
        wait_rendered(pb, "text === '# my own notes'")
        pb.get_by_test_id("code-language").select_option("java")
        # Both switch; what was written stays, and each is offered the starter instead of having it forced.
        expect(pa.get_by_test_id("code-language")).to_have_value("java")
        expect(pa.get_by_test_id("code-editor")).to_have_attribute("data-language", "java")
        assert rendered(pa) == "# my own notes"
        expect(pa.get_by_test_id("starter-offer")).to_be_visible()
        pa.get_by_test_id("starter-accept").click()
        wait_rendered(pb, "text.includes('class') && !text.includes('# my own notes')")
    finally:
        pair.close()


def question_file(qid: str) -> dict:
    for f in (ROOT / "questions").rglob(f"{qid}.json"):
        return json.loads(f.read_text())
    raise AssertionError(f"question {qid} not in the bank")


def start_interview(pa: Page, pb: Page) -> None:
    """Both editors ready, then the introductions end when both agree: the first question is on screen."""
    for p in (pa, pb):
        editor_ready(p)
    pa.get_by_test_id("next-phase").click()
    expect(pb.get_by_test_id("partner-proposed")).to_be_visible(timeout=LIVE_MS)
    pb.get_by_test_id("next-phase").click()
    for p in (pa, pb):
        expect(p.get_by_test_id("phase-bar")).to_have_attribute("data-phase", "1", timeout=LIVE_MS)


def test_run_tests_shows_the_same_verdicts_on_both_screens(browser: Browser, bank: None) -> None:
    pair, pa, pb = open_pair(browser)
    admin = FirestoreClient.admin()
    try:
        start_interview(pa, pb)
        qid = admin.get(f"peerSessions/{pair.sid}")["questionIds"][0]
        q = question_file(qid)
        lang = "python" if "python" in q["code"]["languages"] else "sql"
        solution = q["code"]["languages"][lang]["solution"]
        starter = q["code"]["languages"][lang]["starter"]
        visible = sum(1 for t in q["code"]["tests"] if not t.get("hidden"))

        # A plain Run with input: the output shows on both screens.
        pb.get_by_test_id("code-language").select_option("python")
        pb.evaluate("(s) => window.__salaminCode.replaceText(s)", "print(input()[::-1])")
        wait_rendered(pa, "text === 'print(input()[::-1])'")
        pb.get_by_test_id("stdin-toggle").click()
        pb.get_by_test_id("run-stdin").fill("olleh")
        pb.get_by_test_id("run-code").click()
        for p in (pa, pb):
            run = p.get_by_test_id("run").first
            expect(run).to_have_attribute("data-status", "done", timeout=LIVE_MS)
            expect(run).to_have_attribute("data-verdict", "accepted")
            expect(run.get_by_test_id("run-stdout")).to_have_text("hello")

        # The interviewee writes a correct solution (set through the shared document, as a paste would).
        pb.get_by_test_id("code-language").select_option(lang)
        pb.evaluate("(s) => window.__salaminCode.replaceText(s)", solution)
        wait_rendered(pa, f"text === {json.dumps(solution.rstrip(chr(10)))} || text === {json.dumps(solution)}")
        expect(pb.get_by_test_id("run-tests")).to_be_enabled()
        pb.get_by_test_id("run-tests").click()
        for p in (pa, pb):
            expect(p.get_by_test_id("run")).to_have_count(2, timeout=LIVE_MS)
            run = p.get_by_test_id("run").first
            expect(run).to_have_attribute("data-status", "done", timeout=LIVE_MS)
            expect(run).to_have_attribute("data-verdict", "accepted")
            expect(run.get_by_test_id("run-case")).to_have_count(visible)
            expect(run.locator("[data-testid=run-case][data-passed=false]")).to_have_count(0)

        # The starter is not a solution: wrong answer, with failing cases, on both screens.
        pa.evaluate("(s) => window.__salaminCode.replaceText(s)", starter)
        wait_rendered(pb, "text.includes('TODO') || text.length < 400")
        expect(pa.get_by_test_id("run-tests")).to_be_enabled()
        pa.get_by_test_id("run-tests").click()
        for p in (pa, pb):
            expect(p.get_by_test_id("run")).to_have_count(3, timeout=LIVE_MS)
            newest = p.get_by_test_id("run").first
            expect(newest).to_have_attribute("data-status", "done", timeout=LIVE_MS)
            expect(newest).to_have_attribute("data-verdict", "wrong_answer")
            assert newest.locator("[data-testid=run-case][data-passed=false]").count() >= 1
        # The interviewer (Ada, first half) may run the hidden cases; Grace never gets that button.
        expect(pb.get_by_test_id("run-hidden")).to_have_count(0)
    finally:
        pair.close()


def test_a_person_held_by_a_write_budget_is_told_and_writes_again_when_it_ends(browser: Browser) -> None:
    """What someone sees when the server froze their writes (functions/salamin/budgets.py): a plain
    sentence in the editor and the room, a read-only editor; the partner is unaffected."""
    import datetime as dt

    pair, pa, pb = open_pair(browser, "?autojoin=1&codelink=off")
    try:
        for p in (pa, pb):
            editor_ready(p, transport="firestore")
        until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20)
        FirestoreClient.admin().update(f"peerSessions/{pair.sid}", {
            "budgetHolds": {pair.a.uid: {"budget": "codeUpdates", "at": dt.datetime.now(dt.UTC), "until": until}}})
        notice = pa.get_by_test_id("code-budget")
        expect(notice).to_be_visible(timeout=LIVE_MS)
        expect(notice).to_contain_text("more code changes than a session allows (900 a minute)")
        expect(pa.get_by_test_id("budget-hold")).to_contain_text("paused until")
        expect(pa.locator("[data-testid=code-editor] .cm-content")).to_have_attribute("contenteditable", "false")
        # The partner is not held: types on, and Ada still sees it.
        expect(pb.get_by_test_id("code-budget")).to_have_count(0)
        pb.locator("[data-testid=code-editor] .cm-content").click()
        pb.keyboard.type("# from grace")
        wait_rendered(pa, "text.includes('# from grace')")
        # The hold ends on its own: Ada edits again and Grace sees it.
        expect(notice).to_have_count(0, timeout=LIVE_MS)
        pa.locator("[data-testid=code-editor] .cm-content").click()
        pa.keyboard.press("Control+End")
        pa.keyboard.type("\n# from ada")
        wait_rendered(pb, "text.includes('# from ada')")
        expect(pa.get_by_test_id("save-state")).to_have_attribute("data-state", "saved", timeout=LIVE_MS)
    finally:
        pair.close()


def test_role_switch_keeps_the_first_half_code_and_offers_the_second_question_starter(browser: Browser,
                                                                                       bank: None) -> None:
    pair, pa, pb = open_pair(browser)
    admin = FirestoreClient.admin()
    try:
        start_interview(pa, pb)
        # The first half's code, typed by the interviewee.
        pb.locator("[data-testid=code-editor] .cm-content").click()
        pb.keyboard.type("# half one\nprint(1)")
        wait_rendered(pa, "text === '# half one\\nprint(1)'")
        expect(pb.get_by_test_id("save-state")).to_have_attribute("data-state", "saved", timeout=LIVE_MS)

        # Ada (interviewing the first half) moves on alone: the role switch brings the second question.
        pa.get_by_test_id("next-phase").click()
        for p in (pa, pb):
            expect(p.get_by_test_id("phase-bar")).to_have_attribute("data-phase", "2", timeout=LIVE_MS)
        second = wait_for_second_question(admin, pair.sid)
        langs = second["code"]["languages"]
        lang = "python" if "python" in langs else next(iter(langs))
        starter = langs[lang]["starter"]
        for p in (pa, pb):
            # The editor holds the second half's own text: empty, with the new question's starter offered.
            expect(p.get_by_test_id("code-empty")).to_be_visible(timeout=LIVE_MS)
            assert rendered(p) == ""
            expect(p.get_by_test_id("starter-button")).to_be_visible()
            expect(p.get_by_test_id("first-half-code")).to_be_visible()
        pb.get_by_test_id("code-language").select_option(lang)
        expect(pa.get_by_test_id("code-language")).to_have_value(lang, timeout=LIVE_MS)
        pa.get_by_test_id("starter-button").click()
        wait_rendered(pb, f"text.trim() === {json.dumps(starter.strip())}")
        # The first half's code is still there, read-only, one click away.
        pb.get_by_test_id("first-half-code").locator("summary").click()
        expect(pb.get_by_test_id("first-half-code-view").locator(".cm-content")).to_contain_text("# half one")
        pa.locator("[data-testid=code-editor] .cm-content").click()
        pa.keyboard.press("Control+End")
        pa.keyboard.type("\n# half two")
        wait_rendered(pb, "text.endsWith('# half two')")
        half_two = rendered(pa)
        for p in (pa, pb):
            expect(p.get_by_test_id("save-state")).to_have_attribute("data-state", "saved", timeout=LIVE_MS)

        # After the end, the session page shows each half's code.
        admin.update(f"peerSessions/{pair.sid}", {"status": "completed"})
        pa.goto(f"{APP_URL}/sessions/{pair.sid}")
        one = pa.get_by_test_id("final-code-half-1")
        two = pa.get_by_test_id("final-code-half-2")
        expect(one).to_be_visible(timeout=LIVE_MS)
        lines = "ls => ls.map((l) => l.textContent)"
        assert one.locator(".cm-line").evaluate_all(lines) == ["# half one", "print(1)"]
        assert two.locator(".cm-line").evaluate_all(lines) == half_two.split("\n")
    finally:
        pair.close()


def wait_for_second_question(admin: FirestoreClient, sid: str) -> dict:
    def second() -> dict | None:
        qs = (admin.get(f"peerSessions/{sid}") or {}).get("questionSet", {}).get("2") or []
        return next((q for q in qs if q.get("code", {}).get("languages")), None)
    return wait_for(second, timeout=30, every=0.5)
