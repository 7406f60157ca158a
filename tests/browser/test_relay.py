"""Relay only: both browsers forced through coturn with credentials from getIceServers.

This proves the TURN credential scheme end to end: coturn accepts the HMAC the function computed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_room import Pair, expect_connected_with_video, join
from tests.support.coturn import coturn

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_firestore")]

SELECTED_PAIR = """async () => {
  const stats = await window.__salaminCall.pc.getStats();
  let pair = null;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  });
  if (!pair) return null;
  return { local: stats.get(pair.localCandidateId).candidateType,
           remote: stats.get(pair.remoteCandidateId).candidateType };
}"""


@pytest.fixture(scope="module")
def relay() -> Iterator[None]:
    with coturn():
        yield


def test_relay_only_call_connects_through_coturn(relay: None, browser: Browser) -> None:
    pair = Pair(browser)
    try:
        pa, pb = pair.open(pair.a, "?relay=1"), pair.open(pair.b, "?relay=1")
        join(pa)
        join(pb)
        for page in (pa, pb):
            expect_connected_with_video(page)
            expect(page.get_by_test_id("channel-open")).to_be_visible()
            route = page.evaluate(SELECTED_PAIR)
            assert route == {"local": "relay", "remote": "relay"}, route
    finally:
        pair.close()
