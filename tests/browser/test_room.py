"""The live room in two real Chromium contexts with fake camera and microphone: no mock of WebRTC."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import APP_URL, sign_in
from tests.support.emulators import SERVER_TIMESTAMP, AuthUser, FirestoreClient, make_session, sign_up, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("clean_firestore")]
CONNECT_MS = 30_000


class Pair:
    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.a = sign_up(display_name="Ada")
        self.b = sign_up(display_name="Grace")
        self.sid = make_session(FirestoreClient.admin(), self.a, self.b)
        self.pages: list[Page] = []

    def open(self, user: AuthUser, query: str = "", width: int = 1366, init_script: str = "") -> Page:
        ctx = self.browser.new_context(viewport={"width": width, "height": 800})
        ctx.set_default_timeout(CONNECT_MS)
        if init_script:
            ctx.add_init_script(init_script)
        page = ctx.new_page()
        sign_in(page, user.email, user.password)
        page.goto(f"{APP_URL}/session/{self.sid}{query}")
        self.pages.append(page)
        return page

    def close(self) -> None:
        for p in self.pages:
            p.context.close()


@pytest.fixture
def pair(browser: Browser) -> Iterator[Pair]:
    p = Pair(browser)
    yield p
    p.close()


def join(page: Page) -> None:
    expect(page.get_by_test_id("prejoin")).to_be_visible()
    expect(page.get_by_test_id("join-call")).to_be_enabled()
    page.get_by_test_id("join-call").click()
    expect(page.get_by_test_id("room")).to_be_visible()


def expect_connected_with_video(page: Page) -> None:
    expect(page.get_by_test_id("call-state")).to_have_attribute("data-state", "connected", timeout=CONNECT_MS)
    page.wait_for_function(
        "() => { const v = document.querySelector('[data-testid=remote-video]'); return v && v.videoWidth > 0; }",
        timeout=CONNECT_MS)


def test_first_joins_then_second_and_both_see_video(pair: Pair) -> None:
    pa = pair.open(pair.a)
    join(pa)
    expect(pa.get_by_test_id("call-state")).to_have_attribute("data-state", "waiting")
    expect(pa.get_by_test_id("partner-absent")).to_be_visible()
    pb = pair.open(pair.b)
    join(pb)
    for page in (pa, pb):
        expect_connected_with_video(page)
        expect(page.get_by_test_id("channel-open")).to_be_visible()


def test_second_joins_first_in_the_other_order(pair: Pair) -> None:
    pb = pair.open(pair.b)
    join(pb)
    pa = pair.open(pair.a)
    join(pa)
    for page in (pa, pb):
        expect_connected_with_video(page)


def test_both_join_in_the_same_instant(pair: Pair) -> None:
    pa, pb = pair.open(pair.a), pair.open(pair.b)
    for page in (pa, pb):
        expect(page.get_by_test_id("join-call")).to_be_enabled()
    # Both clicks are scheduled in the pages for the same wall-clock instant, so both offers race.
    for page in (pa, pb):
        page.evaluate("() => { window.__joinAt = Math.ceil(Date.now() / 1000) * 1000 + 1000; }")
    for page in (pa, pb):
        page.evaluate("""() => { const b = document.querySelector('[data-testid=join-call]');
                                 setTimeout(() => b.click(), window.__joinAt - Date.now()); }""")
    for page in (pa, pb):
        expect_connected_with_video(page)


def test_partner_sees_mute_and_camera_off_and_screen_share(pair: Pair) -> None:
    pa, pb = pair.open(pair.a), pair.open(pair.b)
    join(pa)
    join(pb)
    expect_connected_with_video(pa)
    expect_connected_with_video(pb)

    pa.get_by_test_id("toggle-audio").click()
    expect(pb.get_by_test_id("partner-muted")).to_be_visible()
    pa.get_by_test_id("toggle-audio").click()
    expect(pb.get_by_test_id("partner-muted")).to_have_count(0)

    pa.get_by_test_id("toggle-video").click()
    expect(pb.get_by_test_id("partner-camera-off")).to_be_visible()
    assert pa.evaluate("() => window.__salaminCall.outgoingVideoTrack()") is None  # camera released
    pa.get_by_test_id("toggle-video").click()
    expect(pb.get_by_test_id("partner-camera-off")).to_have_count(0)
    pa.wait_for_function("() => window.__salaminCall.outgoingVideoTrack()?.label?.length > 0")

    camera_label = pa.evaluate("() => window.__salaminCall.outgoingVideoTrack().label")
    pa.get_by_test_id("toggle-screen").click()
    expect(pb.get_by_test_id("partner-sharing")).to_be_visible()
    pa.wait_for_function("() => window.__salaminCall.outgoingVideoTrack()?.label?.startsWith('screen')")
    # The partner still receives frames: now the screen.
    pb.wait_for_function("() => document.querySelector('[data-testid=remote-video]').videoWidth > 0")
    # Ending the share with the browser's own button ends the track: the camera comes back.
    pa.evaluate("""() => { const t = window.__salaminCall.screenShareTrack; t.stop();
                           t.dispatchEvent(new Event('ended')); }""")
    expect(pb.get_by_test_id("partner-sharing")).to_have_count(0)
    pa.wait_for_function(f"() => window.__salaminCall.outgoingVideoTrack()?.label === {camera_label!r}")


def test_one_side_reloads_and_the_call_comes_back(pair: Pair) -> None:
    pa, pb = pair.open(pair.a), pair.open(pair.b)
    join(pa)
    join(pb)
    expect_connected_with_video(pa)
    expect_connected_with_video(pb)
    first_peer = pb.evaluate("() => window.__salaminCall.peerId")
    pb.reload()
    # B rejoins by itself (no pre-join check after a reload), and A does nothing at all.
    expect(pb.get_by_test_id("room")).to_be_visible()
    expect_connected_with_video(pb)
    expect_connected_with_video(pa)
    assert pb.evaluate("() => window.__salaminCall.peerId") != first_peer


def test_leave_asks_first_then_the_leaver_is_out_and_the_partner_told_within_2_s(pair: Pair) -> None:
    pa, pb = pair.open(pair.a), pair.open(pair.b)
    join(pa)
    join(pb)
    expect_connected_with_video(pa)
    expect_connected_with_video(pb)
    # Both in: the interview has begun (the phase bar is up), so leaving ends it early for both.
    expect(pa.get_by_test_id("phase-bar")).to_be_visible()
    pb.get_by_test_id("leave-call").click()
    expect(pb.get_by_test_id("leave-confirm")).to_contain_text("ends the session for both of you")
    pb.get_by_test_id("leave-cancel").click()  # staying changes nothing
    expect(pb.get_by_test_id("leave-confirm")).to_have_count(0)
    expect(pa.get_by_test_id("partner-left")).to_have_count(0)

    pb.get_by_test_id("leave-call").click()
    pb.get_by_test_id("leave-confirm-button").click()
    expect(pa.get_by_test_id("partner-left")).to_contain_text("Grace left the session", timeout=2_000)
    expect(pb).to_have_url(re.compile(f"/sessions/{pair.sid}$"), timeout=2_000)
    # The partner's phase bar: the introductions were cut short, the phases never reached were skipped.
    expect(pa.get_by_test_id("phase-bar")).to_have_attribute("data-phase", "4")
    expect(pa.locator("[data-status=skipped]")).to_have_count(3)
    expect(pa.locator("[data-status=cut-short]")).to_have_text(re.compile("Introductions"))
    expect(pa.locator("[data-status=done]")).to_have_count(0)


def test_a_second_tab_of_the_same_member_leaves_the_partner_alone(pair: Pair) -> None:
    pa, pb = pair.open(pair.a), pair.open(pair.b)
    join(pa)
    join(pb)
    expect_connected_with_video(pa)
    expect_connected_with_video(pb)
    expect(pb.get_by_test_id("channel-open")).to_be_visible()
    first = pb.evaluate("() => ({peer: window.__salaminCall.snapshot.partner.peerId,"
                        " connectedAt: window.__salaminCall.connectedAt})")

    second = pa.context.new_page()
    second.goto(f"{APP_URL}/session/{pair.sid}")
    expect(second.get_by_test_id("other-tab")).to_contain_text("open in another tab")
    # The second tab wrote nothing: the partner still talks to the first tab, on the same connection.
    stored = FirestoreClient.admin().get(f"peerSessions/{pair.sid}/presence/{pair.a.uid}")
    assert stored["peerId"] == first["peer"] and stored["state"] == "connected"
    expect(pb.get_by_test_id("call-state")).to_have_attribute("data-state", "connected")
    expect(pb.get_by_test_id("channel-open")).to_be_visible()
    now = pb.evaluate("() => ({peer: window.__salaminCall.snapshot.partner.peerId,"
                      " connectedAt: window.__salaminCall.connectedAt,"
                      " restarts: window.__salaminCall.snapshot.restarts})")
    assert now == {**first, "restarts": 0}
    expect(pa.get_by_test_id("call-state")).to_have_attribute("data-state", "connected")

    # Taking it over: the first tab lets go quietly, the partner reconnects to the second tab.
    second.get_by_test_id("take-over").click()
    expect(pa.get_by_test_id("tab-taken")).to_be_visible()
    join(second)
    expect_connected_with_video(second)
    new_peer = second.evaluate("() => window.__salaminCall.peerId")
    pb.wait_for_function(f"() => window.__salaminCall.snapshot.partner.peerId === {new_peer!r}"
                         " && window.__salaminCall.snapshot.state === 'connected'")
    expect(pb.get_by_test_id("partner-left")).to_have_count(0)


def test_strangers_and_ended_sessions_get_a_clear_page(pair: Pair, browser: Browser) -> None:
    stranger = sign_up(display_name="Eve")
    page = pair.open(stranger)
    expect(page.get_by_test_id("room-denied")).to_be_visible()
    admin = FirestoreClient.admin()
    done = make_session(admin, pair.a, pair.b, status="completed")
    pa = pair.open(pair.a)
    pa.goto(f"{APP_URL}/session/{done}")
    expect(pa.get_by_test_id("room-ended")).to_be_visible()
    del browser


def test_camera_refused_offers_audio_only_and_text_only(browser: Browser) -> None:
    """A browser that refuses the camera: plain words, and a way in without it."""
    user, other = sign_up(display_name="Linus"), sign_up(display_name="Ken")
    sid = make_session(FirestoreClient.admin(), user, other)
    ctx = browser.new_context()
    ctx.set_default_timeout(CONNECT_MS)
    page = ctx.new_page()
    # Refuse getUserMedia the way a blocked site permission does.
    page.add_init_script("""navigator.mediaDevices.getUserMedia = async () => {
        throw new DOMException('Permission denied', 'NotAllowedError'); };""")
    try:
        sign_in(page, user.email, user.password)
        page.goto(f"{APP_URL}/session/{sid}")
        expect(page.get_by_test_id("media-problem")).to_contain_text(re.compile("blocking", re.I))
        page.get_by_test_id("join-text-only").click()
        page.get_by_test_id("join-call").click()
        expect(page.get_by_test_id("room")).to_be_visible()
        expect(page.get_by_test_id("toggle-audio")).to_be_disabled()
    finally:
        ctx.close()


def test_participant_fields_follow_the_call(pair: Pair) -> None:
    pa, pb = pair.open(pair.a), pair.open(pair.b)
    join(pa)
    join(pb)
    expect_connected_with_video(pa)
    pa.get_by_test_id("toggle-audio").click()
    admin = FirestoreClient.admin()
    for _ in range(100):
        parts = {p["userId"]: p for p in admin.get(f"peerSessions/{pair.sid}")["participants"]}
        if parts[pair.a.uid]["audioEnabled"] is False and parts[pair.b.uid]["connectionStatus"] == "connected":
            break
        pa.wait_for_timeout(200)
    assert parts[pair.a.uid]["audioEnabled"] is False
    assert parts[pair.a.uid]["connectionStatus"] == "connected" and parts[pair.a.uid]["joinedAt"] is not None
    assert parts[pair.b.uid]["connectionStatus"] == "connected"



def test_a_refused_camera_is_recorded_and_audio_only_or_retry_is_offered(browser: Browser) -> None:
    """The camera permission refused (the microphone allowed): the attempt is recorded as media refused,
    readable by the partner, and the room offers audio only and a retry; audio only then joins."""
    user, other = sign_up(display_name="Linus"), sign_up(display_name="Ken")
    sid = make_session(FirestoreClient.admin(), user, other)
    ctx = browser.new_context()
    ctx.set_default_timeout(CONNECT_MS)
    page = ctx.new_page()
    # Refuse the camera the way a blocked site permission does; the microphone still works.
    page.add_init_script("""{
        const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
        navigator.mediaDevices.getUserMedia = async (c) => {
            if (c && c.video) throw new DOMException('Permission denied', 'NotAllowedError');
            return open(c);
        };
    }""")
    try:
        sign_in(page, user.email, user.password)
        page.goto(f"{APP_URL}/session/{sid}")
        expect(page.get_by_test_id("media-problem")).to_contain_text(re.compile("blocking", re.I))
        expect(page.get_by_test_id("media-retry")).to_be_visible()
        path = f"peerSessions/{sid}/callAttempts/{user.uid}"
        attempt = wait_for(lambda: FirestoreClient.admin().get(path), timeout=20, every=0.5)
        assert attempt["reason"] == "media-refused" and attempt["failures"] == 1
        assert FirestoreClient.as_user(other).get(path)["reason"] == "media-refused"
        page.get_by_test_id("join-audio-only").click()
        expect(page.get_by_test_id("media-problem")).to_have_count(0)
        expect(page.get_by_test_id("prejoin-toggle-audio")).to_be_enabled()
        page.get_by_test_id("join-call").click()
        expect(page.get_by_test_id("room")).to_be_visible()
        expect(page.get_by_test_id("toggle-audio")).to_be_enabled()
        expect(page.get_by_test_id("toggle-audio")).to_contain_text("Mute")
    finally:
        ctx.close()


def test_an_attempt_not_connected_in_15_s_is_recorded_with_its_reason(pair: Pair) -> None:
    """Relay only, with no relay server running: no route, so after 15 s the attempt is recorded as
    'relay-unreachable' and the room says why and offers a retry."""
    pa, pb = pair.open(pair.a, "?relay=1"), pair.open(pair.b, "?relay=1")
    join(pa)
    join(pb)
    stalled = pa.get_by_test_id("call-stalled")
    expect(stalled).to_have_attribute("data-reason", "relay-unreachable", timeout=45_000)
    expect(stalled).to_contain_text("relay server")
    expect(pa.get_by_test_id("stall-retry")).to_be_visible()
    expect(pa.get_by_test_id("call-state")).not_to_have_attribute("data-state", "connected")
    path = f"peerSessions/{pair.sid}/callAttempts/{pair.a.uid}"
    attempt = wait_for(lambda: FirestoreClient.admin().get(path), timeout=20, every=0.5)
    assert attempt["reason"] == "relay-unreachable" and attempt["failures"] >= 1


# Every remote description a page applies, and every size its outgoing video is given (start, changes).
RECORD_DESCRIPTIONS_AND_VIDEO_SCALE = """{
  window.__remoteSdps = [];
  window.__videoScales = [];
  const setRemote = RTCPeerConnection.prototype.setRemoteDescription;
  RTCPeerConnection.prototype.setRemoteDescription = function (d) {
    if (d && d.sdp) window.__remoteSdps.push(d.sdp);
    return setRemote.apply(this, arguments);
  };
  const addTransceiver = RTCPeerConnection.prototype.addTransceiver;
  RTCPeerConnection.prototype.addTransceiver = function (what, init) {
    if ((typeof what === 'string' ? what : what.kind) === 'video')
      window.__videoScales.push((init && init.sendEncodings && init.sendEncodings[0].scaleResolutionDownBy) || 1);
    return addTransceiver.apply(this, arguments);
  };
  const setParameters = RTCRtpSender.prototype.setParameters;
  RTCRtpSender.prototype.setParameters = function (p) {
    if (this.track && this.track.kind === 'video') window.__videoScales.push(p.encodings[0].scaleResolutionDownBy || 1);
    return setParameters.apply(this, arguments);
  };
}"""

VIDEO_SCALE_NOW = """() => {
  const pc = window.__salaminCall && window.__salaminCall.pc;
  const s = pc && pc.getSenders().find((x) => x.track && x.track.kind === 'video');
  return s ? (s.getParameters().encodings[0].scaleResolutionDownBy || 1) : null;
}"""


def test_an_earlier_pages_offer_is_never_answered_and_signaling_is_cleared_once_connected(pair: Pair) -> None:
    """A real offer left by the partner's earlier page (another peerId), and a leftover of our own earlier
    page, wait in signaling before anyone joins. The polite side (which would answer an offer) never
    applies the stale one, the call connects, and every signaling message is deleted once it is up."""
    admin = FirestoreClient.admin()
    polite, impolite = (pair.a, pair.b) if pair.a.uid > pair.b.uid else (pair.b, pair.a)
    pp = pair.open(polite, init_script=RECORD_DESCRIPTIONS_AND_VIDEO_SCALE)
    ghost = pp.evaluate("""async () => {
        const pc = new RTCPeerConnection();
        pc.addTransceiver('audio'); pc.addTransceiver('video');
        pc.createDataChannel('salamin', { negotiated: true, id: 0 });
        await pc.setLocalDescription();
        const sdp = pc.localDescription.sdp; pc.close(); return sdp; }""")
    ghost_ufrag = re.search(r"a=ice-ufrag:(\S+)", ghost)
    assert ghost_ufrag
    signaling = f"peerSessions/{pair.sid}/signaling"
    admin.create(f"{signaling}/stale-offer", {"from": impolite.uid, "to": polite.uid, "fromPeer": "earlierpage0001",
                                              "type": "offer", "sdp": ghost, "createdAt": SERVER_TIMESTAMP})
    admin.create(f"{signaling}/stale-candidate", {
        "from": polite.uid, "to": impolite.uid, "fromPeer": "earlierpage0002", "type": "candidate",
        "candidate": {"candidate": "candidate:1 1 udp 2122260223 10.9.9.9 9 typ host", "sdpMid": "0",
                      "sdpMLineIndex": 0}, "createdAt": SERVER_TIMESTAMP})
    join(pp)
    pi = pair.open(impolite)
    join(pi)
    for page in (pp, pi):
        expect_connected_with_video(page)
    applied = pp.evaluate("() => window.__remoteSdps")
    assert applied, "the polite side applied no remote description"
    assert not any(f"a=ice-ufrag:{ghost_ufrag.group(1)}" in sdp for sdp in applied), "the stale offer was answered"
    session = f"peerSessions/{pair.sid}"
    wait_for(lambda: admin.query("signaling", parent=session) == [], timeout=20, every=0.5)


def test_video_starts_small_and_grows_to_full_size_once_connected(pair: Pair) -> None:
    """Each side's video goes out scaled down at first (the first frames are not dropped while the
    bandwidth estimate is low) and at full size shortly after the call connected."""
    pa = pair.open(pair.a, init_script=RECORD_DESCRIPTIONS_AND_VIDEO_SCALE)
    pb = pair.open(pair.b, init_script=RECORD_DESCRIPTIONS_AND_VIDEO_SCALE)
    join(pa)
    join(pb)
    for page in (pa, pb):
        expect_connected_with_video(page)
    for page in (pa, pb):
        page.wait_for_function(f"() => ({VIDEO_SCALE_NOW})() === 1", timeout=15_000)
        scales = page.evaluate("() => window.__videoScales")
        assert scales[0] > 1, f"video did not start small: {scales}"
        assert scales[-1] == 1, scales
