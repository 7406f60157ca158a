"""The browser smoke tests: landing, sign-in (email and Google through the Auth emulator), the shell."""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import APP_URL, sign_in
from tests.support.emulators import FirestoreClient, auth_host, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_firestore")]


def test_signed_out_visitor_sees_the_landing_page(page: Page) -> None:
    page.goto(APP_URL)
    expect(page.get_by_test_id("landing")).to_be_visible()
    expect(page.get_by_test_id("landing")).to_contain_text(re.compile("interview", re.I))
    page.goto(f"{APP_URL}/practice")  # protected: goes to sign-in
    expect(page).to_have_url(re.compile(r"/signin"))


def test_demo_member_signs_in_and_sees_the_shell(page: Page) -> None:
    user = sign_up(display_name="Ada Lovelace")
    sign_in(page, user.email, user.password)
    expect(page.get_by_test_id("user-name")).to_contain_text("Ada Lovelace")
    for nav, heading in (("nav-sessions", "Sessions"), ("nav-community", "Community"),
                         ("nav-profile", "Profile"), ("nav-practice", "Practice")):
        page.get_by_test_id(nav).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    # Signing in ran the bootstrapProfile function: the profile exists on the server.
    admin = FirestoreClient.admin()
    expect(page.get_by_test_id("shell")).to_be_visible()
    page.wait_for_function("1")  # yield to the app once more before reading
    deadline = 50
    while deadline and admin.get(f"communityProfiles/{user.uid}") is None:
        page.wait_for_timeout(200)
        deadline -= 1
    assert admin.get(f"communityProfiles/{user.uid}")["displayName"] == "Ada Lovelace"
    page.get_by_test_id("signout").click()
    expect(page.get_by_test_id("signin-email").or_(page.get_by_test_id("landing"))).to_be_visible()


def test_wrong_password_is_explained_in_plain_words(page: Page) -> None:
    user = sign_up()
    page.goto(f"{APP_URL}/signin")
    page.get_by_test_id("signin-email").fill(user.email)
    page.get_by_test_id("signin-password").fill("not-the-password")
    page.get_by_test_id("signin-submit").click()
    expect(page.get_by_test_id("auth-error")).to_be_visible()
    expect(page.get_by_test_id("auth-error")).not_to_contain_text("auth/")


def test_new_member_creates_an_account(page: Page) -> None:
    page.goto(f"{APP_URL}/signin")
    page.get_by_test_id("signup-toggle").click()
    page.get_by_test_id("signup-name").fill("Grace Hopper")
    page.get_by_test_id("signin-email").fill(f"grace-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_test_id("signin-password").fill("cobol-forever-1959")
    page.get_by_test_id("signin-submit").click()
    expect(page.get_by_test_id("shell")).to_be_visible()
    expect(page.get_by_test_id("user-name")).to_contain_text("Grace Hopper")


def test_google_sign_in_through_the_auth_emulator(page: Page) -> None:
    """Google sign-in runs the google.com provider against the Auth emulator (offline, the emulator's
    chooser needs Google's script, so the app shows its own chooser and signs in with an emulator token)."""
    email = f"turing-{uuid.uuid4().hex[:6]}@example.com"
    page.goto(f"{APP_URL}/signin")
    page.get_by_test_id("signin-google").click()
    expect(page.get_by_test_id("google-dialog")).to_be_visible()
    page.get_by_test_id("google-email").fill(email)
    page.get_by_test_id("google-name").fill("Alan Turing")
    page.get_by_test_id("google-continue").click()
    expect(page.get_by_test_id("shell")).to_be_visible()
    expect(page.get_by_test_id("user-name")).to_contain_text("Alan Turing")
    # The account really is a Google-linked account in the Auth emulator.
    r = requests.post(f"http://{auth_host()}/identitytoolkit.googleapis.com/v1/projects/demo-salamin/accounts:lookup",
                      json={"email": [email]}, headers={"Authorization": "Bearer owner"}, timeout=30)
    providers = [p["providerId"] for p in r.json()["users"][0]["providerUserInfo"]]
    assert providers == ["google.com"]


def test_profile_edits_are_saved_and_validated(page: Page) -> None:
    user = sign_up(display_name="Linus")
    sign_in(page, user.email, user.password)
    page.get_by_test_id("nav-profile").click()
    form = page.get_by_test_id("profile-form")
    expect(form).to_be_visible()
    name = form.get_by_label(re.compile("display name", re.I))
    expect(name).to_have_value("Linus", timeout=20_000)
    name.fill("")
    page.get_by_test_id("profile-save").click()
    expect(form).to_contain_text(re.compile("name", re.I))
    name.fill("Linus T.")
    page.get_by_test_id("profile-save").click()
    expect(page.get_by_test_id("profile-saved")).to_be_visible()
    assert FirestoreClient.admin().get(f"communityProfiles/{user.uid}")["displayName"] == "Linus T."
