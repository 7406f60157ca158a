""""Not now" is fair to both, in two real browsers: the partner sees it at once and is back in the queue; a
match that bent a first-role wish says so on the match screen, and declining it costs nothing."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from salamin import firebase, matching, matchmaking
from tests.browser.conftest import sign_in
from tests.support import emulators
from tests.support.emulators import SERVER_TIMESTAMP, AuthUser, FirestoreClient, call, sign_up

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
    return page


def test_the_partner_of_someone_who_says_not_now_sees_it_at_once_and_is_back_in_the_queue(
        browser: Browser) -> None:
    ada, grace = member("Ada"), member("Grace")
    pa, pg = open_practice(browser, ada), open_practice(browser, grace)
    try:
        pa.get_by_test_id("find-partner").click()
        expect(pa.get_by_test_id("waiting")).to_be_visible()
        pg.get_by_test_id("find-partner").click()
        for page in (pa, pg):
            expect(page.get_by_test_id("match-found")).to_be_visible()
        expect(pg.get_by_test_id("join-countdown")).to_contain_text("Join within")
        # Grace says "Not now": she sees the cost before confirming (an ordinary match: a late cancel).
        pg.get_by_test_id("match-not-now").click()
        expect(pg.get_by_test_id("not-now-cost")).to_contain_text("late cancellation")
        pg.get_by_test_id("not-now-confirm-button").click()
        expect(pg.get_by_test_id("find-partner")).to_be_visible()
        # Ada is told at once (well before any no-show timer) and is waiting again, first in line.
        expect(pa.get_by_test_id("waiting")).to_be_visible(timeout=15_000)
        expect(pa.get_by_test_id("partner-declined")).to_be_visible()
        expect(pa.get_by_test_id("match-found")).to_have_count(0)
        admin = FirestoreClient.admin()
        entry = admin.get(f"matchingQueue/{ada.uid}")
        assert entry["status"] == "waiting" and entry["priority"] is True
        session = admin.query("peerSessions")[0]
        assert session["status"] == "cancelled" and session["declinedBy"] == grace.uid
        # Grace's Practice page keeps no stale "Match found" after a reload either.
        pg.reload()
        expect(pg.get_by_test_id("find-partner")).to_be_visible()
        expect(pg.get_by_test_id("match-found")).to_have_count(0)
    finally:
        pa.context.close()
        pg.context.close()


def _wait_as(user: AuthUser, **over: Any) -> None:
    prefs = {"sessionTypes": ["technical"], "difficultyLevels": ["intermediate"], "rolePreference": "interviewee",
             "languages": ["english"], "industries": [], "targetRoles": [], "timeZone": "Europe/London",
             "experienceLevel": "mid", "maxWaitTime": 600, **over}
    FirestoreClient.as_user(user).create(f"matchingQueue/{user.uid}",
                                         {"uid": user.uid, **prefs, "status": "waiting", "joinedAt": SERVER_TIMESTAMP})
    emulators.wait_for(lambda: (FirestoreClient.admin().get(f"matchingQueue/{user.uid}") or {}).get("looked"),
                       timeout=30, every=0.25)


def test_a_bent_match_says_so_and_declining_it_costs_nothing(browser: Browser) -> None:
    ada, grace = member("Ada"), member("Grace")
    _wait_as(ada)
    _wait_as(grace)
    first = FirestoreClient.admin().get(f"matchingQueue/{ada.uid}")["joinedAt"].timestamp()
    # As Grace's re-try would once Ada has waited past the threshold.
    sid = matchmaking.attempt_match(firebase.db(), grace.uid, now=first + matching.BEND_AFTER_S + 1)
    assert sid
    pg = open_practice(browser, grace)
    try:
        expect(pg.get_by_test_id("match-found")).to_be_visible()
        roles = pg.get_by_test_id("match-roles")
        expect(roles).to_contain_text("You’ll start as the interviewer; you swap at half time.")
        assert FirestoreClient.admin().get(f"peerSessions/{sid}")["roles"][grace.uid] == "interviewer"
        pg.get_by_test_id("match-not-now").click()
        expect(pg.get_by_test_id("not-now-cost")).to_contain_text("costs you nothing")
        pg.get_by_test_id("not-now-confirm-button").click()
        expect(pg.get_by_test_id("find-partner")).to_be_visible()
        stats = emulators.wait_for(lambda: FirestoreClient.admin().get(f"userStats/{grace.uid}"))
        assert stats["reliability"]["lateCancels"] == 0 and stats["reliability"]["noShows"] == 0
    finally:
        pg.context.close()
