"""Two people in two real browsers find each other through the Practice page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import sign_in
from tests.support.emulators import AuthUser, FirestoreClient, call, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_firestore")]


def member(name: str) -> AuthUser:
    user = sign_up(display_name=name)
    call("bootstrapProfile", {}, user=user)
    return user


def open_practice(browser: Browser, user: AuthUser) -> Page:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    sign_in(page, user.email, user.password)
    page.get_by_test_id("nav-practice").click()
    expect(page.get_by_test_id("find-partner")).to_be_enabled()
    return page


def test_two_people_are_matched_and_enter_the_same_room(browser: Browser) -> None:
    ada, grace = member("Ada"), member("Grace")
    pa, pg = open_practice(browser, ada), open_practice(browser, grace)
    try:
        pa.get_by_test_id("find-partner").click()
        expect(pa.get_by_test_id("waiting")).to_be_visible()
        expect(pa.get_by_test_id("waiting-count")).to_be_visible()
        pg.get_by_test_id("find-partner").click()
        for page, partner in ((pa, "Grace"), (pg, "Ada")):
            expect(page.get_by_test_id("match-found")).to_be_visible()
            expect(page.get_by_test_id("partner-name")).to_contain_text(partner)
        # One is the interviewer and the other the interviewee, and each screen says so.
        roles = FirestoreClient.admin().query("peerSessions")[0]["roles"]
        assert sorted(roles.values()) == ["interviewee", "interviewer"]
        expect(pa.get_by_test_id("match-roles")).to_contain_text(re.compile(roles[ada.uid], re.I))
        pa.get_by_test_id("join-session").click()
        pg.get_by_test_id("join-session").click()
        session_id = FirestoreClient.admin().query("peerSessions")[0]["id"]
        expect(pa).to_have_url(re.compile(f"/session/{session_id}$"))
        expect(pg).to_have_url(re.compile(f"/session/{session_id}$"))
    finally:
        pa.context.close()
        pg.context.close()


def test_cancel_returns_to_the_form_and_leaves_the_queue(browser: Browser) -> None:
    linus = member("Linus")
    page = open_practice(browser, linus)
    try:
        page.get_by_test_id("find-partner").click()
        expect(page.get_by_test_id("waiting")).to_be_visible()
        expect(page.get_by_test_id("waiting-count")).to_contain_text(re.compile(r"Nobody waiting|\d"))
        page.get_by_test_id("cancel-search").click()
        expect(page.get_by_test_id("search-cancelled")).to_be_visible()
        expect(page.get_by_test_id("find-partner")).to_be_enabled()
        assert FirestoreClient.admin().get(f"matchingQueue/{linus.uid}") is None
    finally:
        page.context.close()


def test_the_form_refuses_empty_choices_in_plain_words(browser: Browser) -> None:
    margaret = member("Margaret")
    page = open_practice(browser, margaret)
    try:
        form = page.get_by_test_id("practice-form")
        # Untick every session type chip that is on, then try to search.
        for chip in form.locator("[data-field=sessionTypes] label.chip-on").all():
            chip.click()
        page.get_by_test_id("find-partner").click()
        expect(form).to_contain_text(re.compile("at least one session type", re.I))
        assert FirestoreClient.admin().get(f"matchingQueue/{margaret.uid}") is None
    finally:
        page.context.close()
