"""Invitations in real browsers (issue 17): one member invites another, who accepts from the bell, and both
land in the same room; a friend signs up through a private invite link and lands in the invitation."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import APP_URL, sign_in
from tests.support.emulators import AuthUser, FirestoreClient, call, sign_up, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_firestore")]


def member(name: str) -> AuthUser:
    user = sign_up(display_name=name)
    call("bootstrapProfile", {}, user=user)
    return user


def new_page(browser: Browser) -> Page:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(30_000)
    return ctx.new_page()


def signed_in(browser: Browser, user: AuthUser) -> Page:
    page = new_page(browser)
    sign_in(page, user.email, user.password)
    return page


def test_a_member_invites_another_who_accepts_from_the_bell_and_both_enter_the_room(browser: Browser) -> None:
    ada, grace = member("Ada"), member("Grace")
    pa, pg = signed_in(browser, ada), signed_in(browser, grace)
    try:
        pa.goto(f"{APP_URL}/invitations/new/{grace.uid}")
        pa.get_by_test_id("invite-type").select_option("behavioral")
        pa.get_by_test_id("invite-submit").click()
        expect(pa).to_have_url(re.compile(r"/invitations/[A-Za-z0-9]+$"))
        expect(pa.get_by_test_id("invitation-status")).to_have_text("Waiting for an answer")
        # Grace's bell lights up; the invitation opens from it and she accepts.
        expect(pg.get_by_test_id("bell-count")).to_have_text("1")
        pg.get_by_test_id("bell").click()
        pg.locator("[data-testid=bell-item][data-type=invitation_received]").click()
        expect(pg.get_by_test_id("invitation")).to_contain_text("Behavioral")
        pg.get_by_test_id("invitation-accept").click()
        expect(pg).to_have_url(re.compile(r"/session/[^/]+$"))
        sessions = FirestoreClient.admin().query("peerSessions")
        assert len(sessions) == 1 and sessions[0]["source"] == "invitation"
        sid = sessions[0]["id"]
        expect(pg).to_have_url(re.compile(f"/session/{sid}$"))
        # Ada's page shows the room to join, and her bell says Grace accepted.
        expect(pa.get_by_test_id("invitation-status")).to_have_text("Accepted")
        pa.get_by_test_id("bell").click()
        pa.locator("[data-testid=bell-item][data-type=invitation_accepted]").click()
        expect(pa).to_have_url(re.compile(f"/session/{sid}$"))
    finally:
        pa.context.close()
        pg.context.close()


def test_a_friend_signs_up_through_an_invite_link_and_lands_in_the_invitation(browser: Browser) -> None:
    ada = member("Ada")
    pa = signed_in(browser, ada)
    friend = new_page(browser)
    late = new_page(browser)
    try:
        pa.get_by_test_id("bell").wait_for()
        pa.goto(f"{APP_URL}/invitations")
        pa.get_by_test_id("invite-submit").click()
        url = pa.get_by_test_id("invite-link-url").input_value()
        assert re.search(r"/join/[A-Za-z0-9_-]{20,}$", url)
        # The friend has no account: the link sends them to sign up, then into the invitation.
        friend.goto(url)
        expect(friend).to_have_url(re.compile(r"/signin"))
        friend.get_by_test_id("signup-toggle").click()
        friend.get_by_test_id("signup-name").fill("Fran")
        friend.get_by_test_id("signin-email").fill("fran.invited@example.com")
        friend.get_by_test_id("signin-password").fill("correct-horse-1")
        friend.get_by_test_id("signin-submit").click()
        expect(friend).to_have_url(re.compile(r"/invitations/[A-Za-z0-9]+$"))
        expect(friend.get_by_test_id("invitation")).to_contain_text("Technical")
        expect(friend.get_by_role("heading", level=1)).to_contain_text("Ada invites you to practise")
        friend.get_by_test_id("invitation-accept").click()
        expect(friend).to_have_url(re.compile(r"/session/[^/]+$"))
        # The link worked once: someone else who opens it is told so.
        other = member("Otto")
        sign_in(late, other.email, other.password)
        late.goto(url)
        expect(late.get_by_test_id("empty-state")).to_contain_text("used already")
    finally:
        for p in (pa, friend, late):
            p.context.close()


def test_the_inviter_reads_in_plain_words_that_an_invitation_expired(page: Page) -> None:
    admin = FirestoreClient.admin()
    ada, grace = member("Ada Inviter"), member("Grace Silent")
    iid = call("createInvitation", {"toUid": grace.uid, "sessionType": "behavioral", "difficulty": "beginner"},
               user=ada)["invitationId"]
    # Nobody answers: bring the expiry into the past; the invitationExpire task (retried until due) expires it.
    admin.update(f"invitations/{iid}", {"expiresAt": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)})
    wait_for(lambda: admin.get(f"users/{ada.uid}/notifications/invite-expired-{iid}"), timeout=150)
    sign_in(page, ada.email, ada.password)
    expect(page.get_by_test_id("bell-count")).to_have_text("1")
    page.get_by_test_id("bell").click()
    item = page.locator("[data-testid=bell-item][data-type=invitation_expired]")
    expect(item).to_contain_text("Invitation expired")
    expect(item).to_contain_text("Grace Silent didn't answer your invitation in time")
    item.click()
    expect(page).to_have_url(re.compile(rf"/invitations/{iid}$"))
    expect(page.get_by_test_id("invitation-status")).to_have_text("Expired")
    expect(page.get_by_test_id("invitation-expired")).to_contain_text("Grace Silent didn't answer in time")
    page.get_by_test_id("invitation-again").click()
    expect(page).to_have_url(re.compile(rf"/invitations/new/{grace.uid}$"))
