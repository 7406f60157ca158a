"""Safety in real browsers (issue 17): a blocked member disappears (their invitation leaves the bell and they
can't invite again); staff suspend a reported member from the admin page and the member is told why and
until when."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import APP_URL, sign_in
from tests.support.emulators import SERVER_TIMESTAMP, AuthUser, FirestoreClient, call, sign_up, sign_up_staff, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_firestore")]


def member(name: str) -> AuthUser:
    user = sign_up(display_name=name)
    call("bootstrapProfile", {}, user=user)
    return user


def signed_in(browser: Browser, user: AuthUser) -> Page:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    sign_in(page, user.email, user.password)
    return page


def test_a_blocked_member_disappears(browser: Browser) -> None:
    ada, eve = member("Ada"), member("Eve")
    iid = call("createInvitation", {"toUid": ada.uid, "sessionType": "technical", "difficulty": "beginner"},
               user=eve)["invitationId"]
    pa, pe = signed_in(browser, ada), signed_in(browser, eve)
    try:
        expect(pa.get_by_test_id("bell-count")).to_have_text("1")
        pa.get_by_test_id("bell").click()
        pa.locator("[data-testid=bell-item][data-type=invitation_received]").click()
        expect(pa.get_by_test_id("invitation")).to_contain_text("Technical")
        pa.get_by_test_id("block-member").click()
        pa.get_by_test_id("block-confirm").click()
        # Eve's invitation is gone from the bell and cancelled on the page.
        expect(pa.get_by_test_id("bell-count")).to_have_count(0)
        expect(pa.get_by_test_id("invitation-status")).to_have_text("Cancelled")
        pa.get_by_test_id("bell").click()
        expect(pa.locator("[data-testid=bell-item][data-type=invitation_received]")).to_have_count(0)
        assert FirestoreClient.admin().get(f"users/{ada.uid}")["blockedUserIds"] == [eve.uid]
        # Eve sees it cancelled and cannot invite Ada again; nothing says who blocked whom.
        pe.goto(f"{APP_URL}/invitations/{iid}")
        expect(pe.get_by_test_id("invitation-status")).to_have_text("Cancelled")
        pe.goto(f"{APP_URL}/invitations/new/{ada.uid}")
        pe.get_by_test_id("invite-submit").click()
        expect(pe.get_by_test_id("invite-error")).to_have_text("This member can't be invited right now.")
        assert len(FirestoreClient.admin().query("invitations")) == 1
    finally:
        pa.context.close()
        pe.context.close()


def test_staff_suspend_a_reported_member_who_is_told_why_and_until_when(browser: Browser) -> None:
    ada, eve = member("Ada"), member("Eve")
    staff = sign_up_staff()
    call("bootstrapProfile", {}, user=staff)
    call("reportMember", {"subjectUid": eve.uid, "reason": "harassment", "details": "Insults in chat."}, user=ada)
    # A member who is not staff sees no reports.
    pa = signed_in(browser, ada)
    ps = signed_in(browser, staff)
    pe = signed_in(browser, eve)
    try:
        pa.goto(f"{APP_URL}/admin")
        expect(pa.get_by_test_id("empty-state")).to_contain_text("staff only")
        ps.goto(f"{APP_URL}/admin")
        row = ps.locator(f"[data-testid=admin-report][data-subject='{eve.uid}']")
        expect(row).to_contain_text("Insults in chat.")
        row.get_by_test_id("suspend-reason").fill("Insulting a partner.")
        row.get_by_test_id("suspend-days").fill("3")
        row.get_by_test_id("suspend-submit").click()
        expect(ps.get_by_test_id("admin-report")).to_have_count(0)  # the report is closed as actioned
        # Eve is told, on whatever page she is, why and until when; the practice page cannot queue her.
        expect(pe.get_by_test_id("suspension-banner")).to_be_visible()
        expect(pe.get_by_test_id("suspension-reason")).to_have_text("Insulting a partner.")
        expect(pe.get_by_test_id("suspension-until")).to_have_text(re.compile(r"\d"))
        reports = FirestoreClient.admin().query("reports")
        assert [r["status"] for r in reports] == ["actioned"]
    finally:
        for p in (pa, ps, pe):
            p.context.close()


def test_a_blocked_member_disappears_from_the_directory_both_ways(browser: Browser) -> None:
    admin = FirestoreClient.admin()
    ada, eve = member("Ada Blocker"), member("Eve Blocked")
    for user in (ada, eve):
        FirestoreClient.as_user(user).update(f"communityProfiles/{user.uid}",
                                             {"listed": True, "updatedAt": SERVER_TIMESTAMP})
        wait_for(lambda u=user: admin.get(f"directoryEntries/{u.uid}") or None)  # type: ignore[misc]
    pa, pe = signed_in(browser, ada), signed_in(browser, eve)
    try:
        pe.get_by_test_id("nav-community").click()
        expect(pe.get_by_test_id("directory-results").locator(f'[data-uid="{ada.uid}"]')).to_be_visible()
        pa.get_by_test_id("nav-community").click()
        pa.get_by_test_id("directory-results").locator(f'[data-uid="{eve.uid}"]').get_by_role("link").first.click()
        expect(pa.get_by_test_id("page-member")).to_have_attribute("data-uid", eve.uid)
        pa.get_by_test_id("block-member").click()
        pa.get_by_test_id("block-confirm").click()
        wait_for(lambda: eve.uid in (admin.get(f"users/{ada.uid}").get("blockedUserIds") or []))
        # Gone from Ada's directory, and Ada is gone from Eve's, who is not told why.
        pa.get_by_test_id("nav-community").click()
        expect(pa.get_by_test_id("directory-empty")).to_be_visible()
        pe.goto(f"{APP_URL}/community")
        expect(pe.get_by_test_id("directory-empty")).to_be_visible()
        expect(pe.locator(f'[data-uid="{ada.uid}"]')).to_have_count(0)
        # Nor can either be invited by the other.
        pe.goto(f"{APP_URL}/invitations/new/{ada.uid}")
        pe.get_by_test_id("invite-submit").click()
        expect(pe.get_by_test_id("invite-error")).to_have_text("This member can't be invited right now.")
    finally:
        pa.context.close()
        pe.context.close()
