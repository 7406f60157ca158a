"""The directory's write side on the emulators: the refresh budget against a burst of profile edits, a
trigger delivered again, and suspended members leaving the directory and coming back.

The profile trigger (onCommunityProfileWritten) and the deferred refresh (the directoryRefresh task) run in
the Functions and Tasks emulators as in production; the tests write the profile as a member does and watch
the index documents themselves (their card, their update times), not only what the function records.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from salamin import directory, firebase
from tests.support.emulators import (
    SERVER_TIMESTAMP,
    AuthUser,
    FirestoreClient,
    call,
    sign_up,
    sign_up_staff,
    wait_for,
)

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]


def listed_member(admin: FirestoreClient, name: str) -> AuthUser:
    user = sign_up(display_name=name)
    call("bootstrapProfile", {}, user=user)
    FirestoreClient.as_user(user).update(f"communityProfiles/{user.uid}", {"listed": True, "headline": "first",
                                                                           "updatedAt": SERVER_TIMESTAMP})
    wait_for(lambda: _all_doc(admin, user.uid) or None, timeout=60)
    return user


def _entry(admin: FirestoreClient, uid: str) -> dict[str, Any]:
    return admin.get(f"directoryEntries/{uid}") or {}


def _all_doc(admin: FirestoreClient, uid: str) -> str | None:
    """The member's index document for the rating sort (every listed member has one)."""
    return next((p for p in _entry(admin, uid).get("paths", []) if "/by-rating/" in p), None)


def _headline(admin: FirestoreClient, uid: str) -> str | None:
    path = _all_doc(admin, uid)
    doc = admin.get(path) if path else None
    return doc["card"]["headline"] if doc else None


def _found(viewer: AuthUser, uid: str, word: str) -> bool:
    return uid in [m["uid"] for m in call("searchDirectory", {"search": word}, user=viewer)["members"]]


def test_a_burst_of_thirty_edits_rewrites_the_index_twice_and_ends_with_the_last(admin: FirestoreClient) -> None:
    member = listed_member(admin, "Bursty Mallory")
    # The listing itself spent one refresh; wait for its trigger echoes (derived fields) to settle.
    wait_for(lambda: _headline(admin, member.uid) == "first" or None)
    start_round = _entry(admin, member.uid)["round"]
    seen: list[str] = []
    done = threading.Event()

    def watch() -> None:  # every headline the index document shows while the burst is handled
        while not done.is_set():
            h = _headline(admin, member.uid)
            if h and (not seen or seen[-1] != h):
                seen.append(h)
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    me = FirestoreClient.as_user(member)
    t0 = time.monotonic()
    for i in range(1, 31):
        me.update(f"communityProfiles/{member.uid}", {"headline": f"edit {i}", "updatedAt": SERVER_TIMESTAMP})
    burst_s = time.monotonic() - t0
    try:
        wait_for(lambda: _headline(admin, member.uid) == "edit 30" or None, timeout=120, every=0.2)
        shown_after_s = time.monotonic() - t0
    finally:
        done.set()
        watcher.join()
    rounds = _entry(admin, member.uid)["round"] - start_round
    print(f"burst of 30 edits in {burst_s:.1f} s: {rounds} index rewrites, the last edit indexed "
          f"{shown_after_s:.1f} s after the first; headlines the index showed: {seen}")
    assert burst_s < directory.REFRESH_GAP_S  # a real burst: all of it within one gap
    # One refresh at once (an early edit), one of the latest profile when the gap has passed.
    assert rounds <= 2
    intermediate = [h for h in seen if h not in ("first", "edit 30")]
    assert len(intermediate) <= 1 and seen[-1] == "edit 30"
    assert shown_after_s < directory.REFRESH_GAP_S + 30  # deferred, not dropped: within the gap + task retries
    # The search answers with the latest card.
    viewer = sign_up(display_name="Viewer")
    card = next(m for m in call("searchDirectory", {"search": "mallory"}, user=viewer)["members"]
                if m["uid"] == member.uid)
    assert card["headline"] == "edit 30"


def test_a_trigger_or_task_delivered_again_writes_nothing(admin: FirestoreClient) -> None:
    member = listed_member(admin, "Twice Delivered")
    wait_for(lambda: _headline(admin, member.uid) == "first" or None)
    db = firebase.db()
    profile = db.collection("communityProfiles").document(member.uid).get().to_dict() or {}
    paths = _entry(admin, member.uid)["paths"]
    stamps = {p: db.document(p).get().update_time for p in paths}
    round_before = _entry(admin, member.uid)["round"]
    # A delivery again, late, or from an older profile: the index is current, nothing is written.
    assert directory.on_profile_written(db, member.uid, profile, profile) == "unchanged"  # no read at all
    for before in (None, {**profile, "headline": "older"}):
        assert directory.on_profile_written(db, member.uid, before, profile) == "current"
    assert {p: db.document(p).get().update_time for p in paths} == stamps
    assert _entry(admin, member.uid)["round"] == round_before
    # A deferred refresh task delivered twice: forced, it advances the round (so a later deferral gets a new
    # task id) but finds the index current and rewrites no index document.
    for _ in range(2):
        assert directory.on_refresh_task(db, {"uid": member.uid, "round": round_before, "dueAtMs": 0}) == "written"
    assert {p: db.document(p).get().update_time for p in paths} == stamps
    assert _entry(admin, member.uid)["round"] == round_before + 2
    assert directory.on_refresh_task(db, {"uid": "../x", "dueAtMs": 0}) is None  # unreadable: skipped


def test_a_suspended_member_leaves_the_directory_and_returns_when_it_ends(admin: FirestoreClient) -> None:
    member = listed_member(admin, "Suspended Quillon")
    viewer, staff = sign_up(display_name="Viewer"), sign_up_staff()
    assert _found(viewer, member.uid, "quillon")
    until_ms = int(time.time() * 1000) + 25_000
    call("suspendMember", {"uid": member.uid, "reason": "Spam.", "untilMs": until_ms}, user=staff)
    # Gone at once (the suspension refreshes the index itself): no index document is left.
    assert not _found(viewer, member.uid, "quillon")
    assert _entry(admin, member.uid)["paths"] == []
    # Editing their profile meanwhile does not bring them back, whichever way the refresh runs.
    FirestoreClient.as_user(member).update(f"communityProfiles/{member.uid}",
                                           {"headline": "still here", "updatedAt": SERVER_TIMESTAMP})
    assert directory.refresh(firebase.db(), member.uid, force=True).kind == "written"
    assert _entry(admin, member.uid)["paths"] == [] and not _found(viewer, member.uid, "quillon")
    # Back when it ends (the relist task), with the profile as it is then.
    wait_for(lambda: _found(viewer, member.uid, "quillon") or None, timeout=120, every=1)
    assert time.time() * 1000 >= until_ms
    assert _headline(admin, member.uid) == "still here"
    # Lifting a suspension early lists them again at once.
    call("suspendMember", {"uid": member.uid, "reason": "Again.", "untilMs": until_ms + 86_400_000}, user=staff)
    assert not _found(viewer, member.uid, "quillon")
    call("liftSuspension", {"uid": member.uid}, user=staff)
    assert _found(viewer, member.uid, "quillon")


def test_unlisting_keeps_the_budget_so_toggling_is_no_way_around_it(admin: FirestoreClient) -> None:
    member = listed_member(admin, "Toggle Tamsin")
    path = f"communityProfiles/{member.uid}"
    me = FirestoreClient.as_user(member)
    wait_for(lambda: _headline(admin, member.uid) == "first" or None)
    start_round = _entry(admin, member.uid)["round"]
    for i in range(12):  # listed, unlisted, listed...: each would rewrite or delete every index document
        me.update(path, {"listed": i % 2 == 1, "updatedAt": SERVER_TIMESTAMP})
    # Ends listed (the last write), within the gap and the task's retries.
    wait_for(lambda: (_entry(admin, member.uid).get("paths") and _entry(admin, member.uid)["round"] > start_round)
             or None, timeout=120, every=0.5)
    assert _entry(admin, member.uid)["round"] - start_round <= 2
