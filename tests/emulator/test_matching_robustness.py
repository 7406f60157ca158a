"""One bad queue entry never stops matching for everyone, and joining has an hourly budget.

On the emulators: documents go through the real rules as signed-in members (or, for documents from before
today's rules, straight in as the admin), the real trigger and tasks run the matcher.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from salamin import firebase, matching, matchmaking
from tests.support import emulators, strategies
from tests.support.emulators import SERVER_TIMESTAMP, AuthUser, DeniedError, FirestoreClient, sign_up

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]

wait_for = partial(emulators.wait_for, every=0.25)


def prefs(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sessionTypes": ["technical"], "difficultyLevels": ["intermediate"], "rolePreference": "flexible",
        "languages": ["english"], "industries": [], "targetRoles": [], "timeZone": "Europe/London",
        "experienceLevel": "mid", "maxWaitTime": 120,
    }
    base.update(over)
    return base


def join(user: AuthUser, **over: Any) -> None:
    FirestoreClient.as_user(user).create(f"matchingQueue/{user.uid}",
                                         {"uid": user.uid, **prefs(**over), "status": "waiting",
                                          "joinedAt": SERVER_TIMESTAMP})


def with_user_doc(admin: FirestoreClient, user: AuthUser, **fields: Any) -> AuthUser:
    """users/{uid} as bootstrapProfile leaves it (without the callable's cost)."""
    admin.set(f"users/{user.uid}", {"uid": user.uid, "email": user.email, "displayName": "Member",
                                    "blockedUserIds": [], **fields})
    return user


def both_matched(admin: FirestoreClient, a: AuthUser, b: AuthUser) -> str | None:
    ea, eb = admin.get(f"matchingQueue/{a.uid}"), admin.get(f"matchingQueue/{b.uid}")
    if ea and eb and ea.get("status") == eb.get("status") == "matched" and ea["sessionId"] == eb["sessionId"]:
        return str(ea["sessionId"])
    return None


def test_bad_entries_at_the_head_of_the_queue_do_not_stop_two_good_people(admin: FirestoreClient) -> None:
    """Entries of each malformed kind, all wanting the same session type and joined first: the two good
    people who come next are matched on arrival, and each bad entry's own trigger still set its timeout."""
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    # What today's rules refuse but older ones let in (admin writes stand in for them): the matcher must
    # skip each one, not fail on it.
    legacy = {
        "offset-zone": prefs(timeZone="UTC+05:30", maxWaitTime=30),
        "space-zone": prefs(timeZone="Mars/Olympus Mons", maxWaitTime=30),
        "float-wait": prefs(maxWaitTime=30.5),
        "map-language": prefs(languages=[{"x": 1}], maxWaitTime=30),
        "no-prefs": {"maxWaitTime": 30},
    }
    legacy_uids = {}
    for kind, fields in legacy.items():
        uid = f"legacy-{kind}-{uuid.uuid4().hex[:6]}"
        legacy_uids[kind] = uid
        # Short waits, so the timeout each trigger must still schedule comes within the test.
        admin.create(f"matchingQueue/{uid}", {"uid": uid, **fields, "status": "waiting", "joinedAt": long_ago})
    # Users documents the old rules let through: a map in the block list, and a 1 MB block list.
    map_blocker = f"legacy-mapblock-{uuid.uuid4().hex[:6]}"
    huge_blocker = f"legacy-hugeblock-{uuid.uuid4().hex[:6]}"
    admin.set(f"users/{map_blocker}", {"uid": map_blocker, "blockedUserIds": [{"uid": "x"}, "someone"]})
    admin.set(f"users/{huge_blocker}", {"uid": huge_blocker, "blockedUserIds": ["x" * 4900 + f"{i:03d}"
                                                                                 for i in range(200)]})
    for uid in (map_blocker, huge_blocker):
        admin.create(f"matchingQueue/{uid}", {"uid": uid, **prefs(rolePreference="interviewee"),
                                               "status": "waiting", "joinedAt": long_ago})
    # And what today's rules still accept, written by members: a well-shaped unknown zone, a full block list.
    odd_zone = with_user_doc(admin, sign_up())
    join(odd_zone, timeZone="Mars/Olympus_Mons", rolePreference="interviewer", languages=["english"])
    full_list = with_user_doc(admin, sign_up())
    FirestoreClient.as_user(full_list).update(f"users/{full_list.uid}", {
        "blockedUserIds": [f"{i:03d}" + "B" * 125 for i in range(matching.BLOCKED_USER_IDS_MAX)]})
    join(full_list, rolePreference="interviewer")
    # The bad and odd entries all want 'technical' and every attempt below reads them; the odd interviewers
    # shortlist the blockers, so their users documents are read too. The good pair speaks only Japanese.
    ada, grace = with_user_doc(admin, sign_up()), with_user_doc(admin, sign_up())
    join(ada, languages=["japanese"], rolePreference="interviewer")
    started = time.monotonic()
    join(grace, languages=["japanese"], rolePreference="interviewee")
    session_id = wait_for(lambda: both_matched(admin, ada, grace), timeout=30)
    elapsed = time.monotonic() - started
    print(f"good pair matched {elapsed:.1f} s after the second join, behind {len(legacy) + 4} bad or odd entries")
    assert sorted(admin.get(f"peerSessions/{session_id}")["participantIds"]) == sorted([ada.uid, grace.uid])
    # The unreadable legacy entries were never matched, and each one's trigger still set its timeout:
    # the entries leave the queue once their 30 s are up.
    for uid in legacy_uids.values():
        wait_for(lambda u=uid: admin.get(f"matchingQueue/{u}") is None, timeout=120, every=1)
    # The people with the old block lists were read too (their malformed items dropped, the rest honoured):
    # the two odd interviewers are matched with them, one each.
    def odd_matched() -> list[str] | None:
        entries = [admin.get(f"matchingQueue/{u.uid}") for u in (odd_zone, full_list)]
        return [e["matchedWith"] for e in entries if e and e.get("status") == "matched"] or None

    partners = wait_for(lambda: (m := odd_matched()) and len(m) == 2 and m, timeout=90, every=1)
    assert sorted(partners) == sorted([map_blocker, huge_blocker])
    # No unreadable entry was ever put in a session.
    seated = {uid for s in admin.query("peerSessions") for uid in s["participantIds"]}
    assert not seated & set(legacy_uids.values())



@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=strategies.st.data())
def test_every_entry_and_block_list_the_rules_accept_is_read_without_raising(data: strategies.st.DataObject,
                                                                               admin: FirestoreClient) -> None:
    """Generated from salamin.vocabulary, written as a real member through the rules (which must accept
    them), then read by the matcher, the trigger, the re-try and the status callable's code: nothing raises."""
    member = with_user_doc(admin, sign_up())
    me = FirestoreClient.as_user(member)
    entry = data.draw(strategies.queue_entry(member.uid), label="entry")
    blocked = data.draw(strategies.block_list(member.uid), label="blocked")
    try:
        me.update(f"users/{member.uid}", {"blockedUserIds": blocked})
        me.create(f"matchingQueue/{member.uid}", entry)
    except DeniedError as err:  # the vocabulary and the rules disagree: that is the bug to report
        raise AssertionError(f"the rules refused a document the vocabulary allows: {err}") from err
    db = firebase.db()
    stored = admin.get(f"matchingQueue/{member.uid}")
    assert stored is not None
    # The very code paths a trigger runs, on what Firestore now holds (the trigger runs them too).
    ctx = matchmaking._contexts(db, [member.uid])
    assert member.uid in ctx
    snap = db.collection("matchingQueue").document(member.uid).get()
    assert matchmaking._candidate(member.uid, snap.to_dict() or {}, ctx[member.uid]) is not None
    matchmaking.attempt_match(db, member.uid)
    matchmaking.status(db, member.uid)
    # The trigger's and the re-try task's handlers themselves (a repeated delivery, as far as they know).
    matchmaking.on_entry_created(db, member.uid, stored)
    jm = matchmaking.joined_ms(stored)
    matchmaking.handle_retry(db, {"uid": member.uid, "joinedMs": jm, "attempt": 1, "dueAtMs": 0})


def test_a_flood_of_joins_is_stopped_at_the_hourly_budget(admin: FirestoreClient) -> None:
    """Creating and deleting the entry in a loop counts every join; past the budget the entry is marked
    refused with the moment the next join fits, and nothing else runs for it."""
    flooder = with_user_doc(admin, sign_up())
    me = FirestoreClient.as_user(flooder)
    path = f"matchingQueue/{flooder.uid}"
    budget = matching.QUEUE_JOINS_PER_HOUR
    started = time.monotonic()
    for _ in range(budget + 5):
        join(flooder, sessionTypes=["case_study"])
        me.delete(path)
    flood_s = time.monotonic() - started

    def counted() -> int:
        return len((admin.get(f"users/{flooder.uid}") or {}).get("queueJoins") or [])

    # Every one of those joins reached the trigger, but only `budget` of them were let in.
    wait_for(lambda: counted() >= budget, timeout=90, every=0.5)
    time.sleep(2)  # the last triggers finish
    assert counted() == budget
    join(flooder, sessionTypes=["case_study"])
    refused = wait_for(lambda: (e := admin.get(path)) and e.get("status") == "refused" and e, timeout=30)
    assert refused["refusedReason"] == "join_budget" and refused["joinBudget"] == budget
    first_join = min((admin.get(f"users/{flooder.uid}") or {})["queueJoins"])
    assert refused["retryAt"] == dt.datetime.fromtimestamp((first_join + 3_600_000) / 1000, dt.UTC)
    # The member reads why (their own entry) and may clear it; the refused entry is never matched.
    assert me.get(path)["status"] == "refused"
    me.delete(path)
    print(f"{budget + 5} joins in {flood_s:.1f} s: {counted()} let in, the next one refused")
