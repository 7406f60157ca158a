"""Two people in real browsers walk through both halves of an interview and leave feedback."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_room import Pair, join
from tests.support.emulators import FirestoreClient

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_firestore")]
RUBRIC = ("problem_solving", "code_quality", "communication", "testing")


def phase(page: Page, index: int) -> None:
    expect(page.get_by_test_id("phase-bar")).to_have_attribute("data-phase", str(index), timeout=20_000)


def give_feedback(page: Page, overall: int) -> None:
    form = page.get_by_test_id("feedback-form")
    expect(form).to_be_visible(timeout=20_000)
    page.get_by_test_id(f"feedback-overall-{overall}").click()
    for key in RUBRIC:
        page.get_by_test_id(f"feedback-rubric-{key}-4").click()
    page.get_by_test_id("feedback-text").fill("Clear reasoning; say your test cases out loud earlier.")
    page.get_by_test_id("feedback-again-yes").click()
    page.get_by_test_id("feedback-submit").click()
    expect(page.get_by_test_id("feedback-done")).to_be_visible(timeout=20_000)


def test_two_people_walk_through_both_halves_and_feedback(browser: Browser, bank: None) -> None:
    pair = Pair(browser)
    try:
        pa, pb = pair.open(pair.a), pair.open(pair.b)  # a interviews first
        join(pa)
        join(pb)
        for p in (pa, pb):
            phase(p, 0)
            expect(p.get_by_test_id("phase-countdown")).to_contain_text(re.compile(r"\d:\d\d"))

        # Introductions end when both agree.
        pa.get_by_test_id("next-phase").click()
        # The first call may meet a cold Functions worker, so allow it the same time as a phase change.
        expect(pa.get_by_test_id("next-phase")).to_contain_text("Waiting for your partner", timeout=20_000)
        expect(pb.get_by_test_id("partner-proposed")).to_be_visible(timeout=20_000)
        pb.get_by_test_id("next-phase").click()
        for p in (pa, pb):
            phase(p, 1)
        # The interviewer sees hints, solution and rubric; the interviewee only the prompt.
        expect(pa.get_by_test_id("question")).to_have_count(1)
        expect(pa.get_by_test_id("interviewer-only")).to_have_count(1)
        expect(pb.get_by_test_id("question")).to_have_count(1)
        expect(pb.get_by_test_id("interviewer-only")).to_have_count(0)
        first_title = pa.get_by_test_id("question").locator("h4").inner_text()

        pa.get_by_test_id("next-phase").click()  # the interviewer finishes the first half
        for p in (pa, pb):
            phase(p, 2)
        # Roles swap: b now asks, with new questions.
        expect(pb.get_by_test_id("interviewer-only")).to_have_count(1)
        expect(pa.get_by_test_id("interviewer-only")).to_have_count(0)
        assert pb.get_by_test_id("question").locator("h4").inner_text() != first_title

        pa.get_by_test_id("next-phase").click()
        pb.get_by_test_id("next-phase").click()
        for p in (pa, pb):
            phase(p, 3)
        pb.get_by_test_id("next-phase").click()  # b finishes the second half
        for p in (pa, pb):
            phase(p, 4)

        give_feedback(pa, 4)
        give_feedback(pb, 5)
        admin = FirestoreClient.admin()
        for _ in range(50):
            s = admin.get(f"peerSessions/{pair.sid}")
            if s.get("feedbackRevealed"):
                break
            pa.wait_for_timeout(200)
        assert s["feedbackRevealed"] is True
        assert admin.get(f"peerSessions/{pair.sid}/feedback/{pair.a.uid}")["overall"] == 4

        for index in (4, 5):
            pa.get_by_test_id("next-phase").click()
            pb.get_by_test_id("next-phase").click()
            if index == 4:
                for p in (pa, pb):
                    phase(p, 5)
        for p in (pa, pb):
            expect(p.get_by_test_id("room-ended")).to_be_visible(timeout=20_000)
        assert admin.get(f"peerSessions/{pair.sid}")["status"] == "completed"
    finally:
        pair.close()


def one_row(page: Page, selector: str) -> bool:
    """Every visible child of the toolbar sits on the same line (nothing wrapped)."""
    return page.evaluate("""(sel) => {
        const kids = [...document.querySelector(sel).children].filter((e) => e.getBoundingClientRect().width > 0);
        const mids = kids.map((e) => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; });
        return mids.length > 1 && Math.max(...mids) - Math.min(...mids) < 8; }""", selector)


def fits(page: Page, selector: str) -> bool:
    """Nothing of the toolbar is cut off or sticks out (no horizontal overflow)."""
    return page.evaluate(
        "(sel) => { const e = document.querySelector(sel); return e.scrollWidth <= e.clientWidth + 1; }", selector)


def test_prompts_read_as_formatted_text_and_runs_open_with_the_question(browser: Browser, bank: None) -> None:
    pair = Pair(browser)
    try:
        # 1440 px: a common laptop width, where the toolbars used to wrap.
        pa, pb = pair.open(pair.a, width=1440), pair.open(pair.b, width=1440)
        join(pa)
        join(pb)
        for p in (pa, pb):
            phase(p, 0)
            # Introductions: no question on screen yet, so nothing to run.
            expect(p.get_by_test_id("run-code")).to_be_disabled()
            for sel in ("[data-testid=code-workspace] .editor-toolbar", ".controls"):
                assert one_row(p, sel) and fits(p, sel), f"{sel} wrapped or overflowed at 1440 px"
        pa.get_by_test_id("next-phase").click()
        expect(pb.get_by_test_id("partner-proposed")).to_be_visible(timeout=20_000)
        pb.get_by_test_id("next-phase").click()
        for p in (pa, pb):
            phase(p, 1)
            expect(p.get_by_test_id("run-code")).to_be_enabled()
            prompt = p.get_by_test_id("question-prompt")
            expect(prompt).to_have_attribute("data-rendered", "true")
            # Markdown became structure: bold, inline code, a code block; no markers left in the text.
            expect(prompt.locator("strong").first).to_be_visible()
            expect(prompt.locator("code").first).to_be_visible()
            assert "**" not in prompt.inner_text() and "```" not in prompt.inner_text()
        # The question panel widens (by keyboard too), the toolbars still fit, and the choice is remembered.
        side = pa.locator(".room-side")
        narrow = side.bounding_box()["width"]
        widen = pa.get_by_test_id("side-widen")
        expect(widen).to_have_attribute("aria-pressed", "false")
        widen.focus()
        pa.keyboard.press("Enter")
        expect(widen).to_have_attribute("aria-pressed", "true")
        pa.wait_for_function("(w) => document.querySelector('.room-side').getBoundingClientRect().width > w + 100",
                             arg=narrow)
        for width in (1440, 1280):
            pa.set_viewport_size({"width": width, "height": 800})
            for sel in ("[data-testid=code-workspace] .editor-toolbar", ".controls"):
                assert one_row(pa, sel) and fits(pa, sel), f"{sel} does not fit at {width} px with the wide panel"
        pa.set_viewport_size({"width": 1440, "height": 800})
        pa.reload()  # the room brings the call back by itself after a reload
        expect(pa.get_by_test_id("side-widen")).to_have_attribute("aria-pressed", "true")
        # The interviewer's solution too, with its code highlighted once it is opened.
        pa.get_by_test_id("interviewer-only").locator("summary").click()
        solution = pa.get_by_test_id("question-solution")
        expect(solution).to_have_attribute("data-rendered", "true")
        assert "**" not in solution.inner_text()
    finally:
        pair.close()


def test_after_an_early_end_feedback_asks_only_about_the_role_played(browser: Browser, bank: None) -> None:
    pair = Pair(browser)
    admin = FirestoreClient.admin()
    try:
        pa, pb = pair.open(pair.a), pair.open(pair.b)  # a interviews first, b answers
        join(pa)
        join(pb)
        for p in (pa, pb):
            phase(p, 0)
        pa.get_by_test_id("next-phase").click()
        expect(pb.get_by_test_id("partner-proposed")).to_be_visible(timeout=20_000)
        pb.get_by_test_id("next-phase").click()
        for p in (pa, pb):
            phase(p, 1)
        # b leaves during the first half: the second half never happens.
        pb.get_by_test_id("leave-call").click()
        pb.get_by_test_id("leave-confirm-button").click()
        phase(pa, 4)

        # a rates b as the interviewee only: the rubric about answering, no question about interviewing.
        expect(pa.get_by_test_id("feedback-early-end")).to_have_attribute("data-roles", "interviewee", timeout=20_000)
        expect(pa.get_by_test_id("feedback-form")).to_contain_text("How did Grace do as the interviewee?")
        give_feedback(pa, 3)

        # b (on the session page) rates a as the interviewer only: overall, no rubric about answers.
        expect(pb.get_by_test_id("feedback-early-end")).to_have_attribute("data-roles", "interviewer", timeout=20_000)
        expect(pb.get_by_test_id("feedback-form")).to_contain_text("How did Ada do as the interviewer?")
        expect(pb.locator("[data-field^=rubric-]")).to_have_count(0)
        pb.get_by_test_id("feedback-overall-5").click()
        pb.get_by_test_id("feedback-submit").click()
        expect(pb.get_by_test_id("feedback-done")).to_be_visible(timeout=20_000)

        assert admin.get(f"peerSessions/{pair.sid}/feedback/{pair.b.uid}")["rubric"] == {}
        assert set(admin.get(f"peerSessions/{pair.sid}/feedback/{pair.a.uid}")["rubric"]) == set(RUBRIC)
        # Revealed once both wrote: a's stats count the one role a played, with b's rating of it.
        stats: dict = {}
        for _ in range(100):
            stats = admin.get(f"userStats/{pair.a.uid}") or {}
            if stats.get("totalRatings") == 1:
                break
            pa.wait_for_timeout(200)
        assert stats["asInterviewer"]["averageRating"] == 5.0 and stats["asInterviewee"]["sessionCount"] == 0
    finally:
        pair.close()
