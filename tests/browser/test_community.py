"""The Community page in Chromium: a listed member appears, an unlisted one does not; the profile form lists."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.support.emulators import SERVER_TIMESTAMP, FirestoreClient, call, sign_up, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_firestore")]


def _indexed(admin: FirestoreClient, uid: str, has_key: str) -> bool | None:
    """Whether one of the member's directory index documents carries the token (`has` map, as searched)."""
    paths = (admin.get(f"directoryEntries/{uid}") or {}).get("paths", [])
    return any((admin.get(p) or {}).get("has", {}).get(has_key) for p in paths) or None


def test_a_listed_member_appears_and_an_unlisted_one_does_not(page: Page) -> None:
    admin = FirestoreClient.admin()
    listed, hidden = sign_up(display_name="Quentin Listed"), sign_up(display_name="Quentin Hidden")
    for member in (listed, hidden):
        call("bootstrapProfile", {}, user=member)
    # The listed member lists themselves as the app does (the rules allow it); the other never does.
    FirestoreClient.as_user(listed).update(f"communityProfiles/{listed.uid}",
                                           {"listed": True, "updatedAt": SERVER_TIMESTAMP})
    wait_for(lambda: _indexed(admin, listed.uid, "w_quentin"))  # indexed by the profile trigger

    viewer = sign_up(display_name="Viewer")
    sign_in(page, viewer.email, viewer.password)
    page.get_by_test_id("nav-community").click()
    expect(page.get_by_test_id("directory-not-listed")).to_be_visible()  # the viewer is not listed either
    results = page.get_by_test_id("directory-results")
    expect(results.locator(f'[data-uid="{listed.uid}"]')).to_be_visible()
    expect(results.locator(f'[data-uid="{hidden.uid}"]')).to_have_count(0)

    # Search from the keyboard: type and press Enter.
    page.get_by_test_id("directory-search").fill("quentin")
    page.get_by_test_id("directory-search").press("Enter")
    expect(results.get_by_test_id("member-card")).to_have_count(1)
    expect(results.get_by_test_id("member-card")).to_contain_text("Quentin Listed")
    page.get_by_test_id("directory-search").fill("nobody-by-this-name")
    page.get_by_test_id("directory-search").press("Enter")
    expect(page.get_by_test_id("directory-empty")).to_be_visible()

    # The card opens the member's page.
    page.get_by_test_id("directory-search").fill("quentin")
    page.get_by_test_id("directory-submit").click()
    results.get_by_role("link", name="Quentin Listed").click()
    expect(page.get_by_test_id("page-member")).to_have_attribute("data-uid", listed.uid)
    expect(page.get_by_test_id("how-reputation")).to_be_visible()


def test_listing_yourself_from_the_profile_form(page: Page) -> None:
    me = sign_up(display_name="Rosalind Form")
    sign_in(page, me.email, me.password)
    page.get_by_test_id("nav-profile").click()
    page.get_by_test_id("profile-listed").check()
    page.get_by_test_id("profile-save").click()
    expect(page.get_by_test_id("profile-saved")).to_be_visible()
    admin = FirestoreClient.admin()
    wait_for(lambda: _indexed(admin, me.uid, "w_rosalind"))
    other = sign_up(display_name="Other")
    found = call("searchDirectory", {"search": "Rosalind"}, user=other)["members"]
    assert [m["uid"] for m in found] == [me.uid]


def test_onboarding_asks_for_the_essentials_once(page: Page) -> None:
    me = sign_up(display_name="Octavia Newcomer")
    sign_in(page, me.email, me.password)
    card = page.get_by_test_id("onboarding")
    expect(card).to_be_visible()
    card.get_by_test_id("onboarding-listed").check()
    card.get_by_test_id("onboarding-save").click()
    expect(card).to_have_count(0)
    admin = FirestoreClient.admin()
    stored = wait_for(lambda: (p := admin.get(f"communityProfiles/{me.uid}")) and p.get("onboarded") and p)
    assert stored["listed"] is True and stored["displayName"] == "Octavia Newcomer"
    page.reload()
    page.get_by_test_id("shell").wait_for()
    expect(page.get_by_test_id("onboarding")).to_have_count(0)  # done once, not again
    page.get_by_test_id("nav-profile").click()
    expect(page.get_by_test_id("profile-completeness")).to_contain_text("complete")
