"""The notifications bell in a real browser: the unread count, the list, opening one, marking all read."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import APP_URL, sign_in
from tests.support.emulators import FirestoreClient, call, sign_up, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_firestore")]


def test_the_bell_counts_lists_opens_and_marks_all_read(page: Page, admin: FirestoreClient) -> None:
    ada = sign_up(display_name="Ada")
    call("bootstrapProfile", {}, user=ada)
    now = dt.datetime.now(dt.UTC)
    notes = {
        "timeout-1": {"type": "match_timeout", "title": "No match found", "message": "Nobody fitting."},
        "feedback-s1": {"type": "feedback_received", "title": "Feedback from your partner",
                        "message": "Ready to read.", "sessionId": "s1"},
        "invite-i1": {"type": "invitation_received", "title": "You're invited to practise",
                      "message": "Grace invites you.", "invitationId": "i1"},
    }
    for i, (note_id, body) in enumerate(notes.items()):
        admin.set(f"users/{ada.uid}/notifications/{note_id}",
                  {**body, "read": False, "createdAt": now - dt.timedelta(minutes=10 - i)})
    sign_in(page, ada.email, ada.password)
    expect(page.get_by_test_id("bell-count")).to_have_text("3")
    page.get_by_test_id("bell").click()
    items = page.get_by_test_id("bell-item")
    expect(items).to_have_count(3)
    expect(items.first).to_contain_text("You're invited to practise")  # newest first
    # Opening one goes to its page and marks it read.
    page.locator("[data-testid=bell-item][data-type=feedback_received]").click()
    expect(page).to_have_url(re.compile(r"/sessions/s1$"))
    expect(page.get_by_test_id("bell-count")).to_have_text("2")
    wait_for(lambda: admin.get(f"users/{ada.uid}/notifications/feedback-s1")["read"])  # the server has it too
    # A new one arrives while the page is open: the count follows.
    admin.set(f"users/{ada.uid}/notifications/match-s2", {
        "type": "peer_match_found", "title": "Match found!", "message": "With Linus.", "sessionId": "s2",
        "read": False, "createdAt": dt.datetime.now(dt.UTC)})
    expect(page.get_by_test_id("bell-count")).to_have_text("3")
    page.get_by_test_id("bell").click()
    page.get_by_test_id("bell-mark-all").click()
    expect(page.get_by_test_id("bell-count")).to_have_count(0)
    expect(page.locator("[data-testid=bell-item][data-read=false]")).to_have_count(0)
    rows = FirestoreClient.as_user(ada).query("notifications", parent=f"users/{ada.uid}")
    assert len(rows) == 4
    wait_for(lambda: all(r["read"] is True for r in FirestoreClient.as_user(ada).query(
        "notifications", parent=f"users/{ada.uid}")))
    page.goto(f"{APP_URL}/practice")
    expect(page.get_by_test_id("bell-count")).to_have_count(0)
