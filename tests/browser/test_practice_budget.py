"""The hourly queue-join budget, as a person meets it on the Practice page."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, expect

from salamin import matching
from tests.browser.conftest import sign_in
from tests.support.emulators import FirestoreClient, call, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_firestore")]


def test_a_join_over_the_budget_is_refused_with_a_plain_sentence(browser: Browser) -> None:
    user = sign_up(display_name="Eager")
    call("bootstrapProfile", {}, user=user)
    admin = FirestoreClient.admin()
    # The whole hour's budget already used, the oldest join 10 minutes ago.
    now_ms = int(time.time() * 1000)
    joins = [now_ms - 600_000 + i * 1000 for i in range(matching.QUEUE_JOINS_PER_HOUR)]
    admin.update(f"users/{user.uid}", {"queueJoins": joins})
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    try:
        sign_in(page, user.email, user.password)
        page.get_by_test_id("nav-practice").click()
        page.get_by_test_id("find-partner").click()
        notice = page.get_by_test_id("join-budget-notice")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text(f"joined the queue {matching.QUEUE_JOINS_PER_HOUR} times in the last hour")
        expect(notice).to_contain_text(re.compile(r"again at \d"))
        # Nothing is lost: the form is back with its choices, and the entry says why it was refused.
        expect(page.get_by_test_id("find-partner")).to_be_enabled()
        entry = admin.get(f"matchingQueue/{user.uid}")
        assert entry is not None and entry["status"] == "refused"
        assert admin.query("peerSessions") == []
    finally:
        ctx.close()
