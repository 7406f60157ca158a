"""The shared code editor on the emulators: real Yjs updates (made with pycrdt) written through the rules,
compacted by the session's timer, at the session's end and directly; and runCode against the real runner service."""

from __future__ import annotations

import concurrent.futures
import json
import os
import time
from pathlib import Path
from typing import Any

import pycrdt
import pytest
import requests

from tests.support.emulators import (
    PROJECT,
    REGION,
    SERVER_TIMESTAMP,
    AuthUser,
    CallableError,
    FirestoreClient,
    call,
    code_of,
    functions_host,
    make_session,
    sign_up,
    wait_for,
)

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("clean_firestore")]
ROOT = Path(__file__).resolve().parents[2]
RUNNER_HEALTH = "http://127.0.0.1:8765/healthz"


class Editor:
    """One browser's Y.Doc; every local change becomes an update, written as that user through the rules."""

    def __init__(self, user: AuthUser, client_id: int) -> None:
        self.user = user
        self.doc = pycrdt.Doc(client_id=client_id)
        self.text = self.doc.get("code", type=pycrdt.Text)
        self.meta = self.doc.get("meta", type=pycrdt.Map)
        self.updates: list[bytes] = []
        self.doc.observe(lambda event: self.updates.append(event.update))

    def send(self, sid: str, updates: list[bytes]) -> None:
        client = FirestoreClient.as_user(self.user)
        for update in updates:
            client.add(f"peerSessions/{sid}/codeUpdates", {"author": self.user.uid, "update": update,
                                                           "bytes": len(update), "createdAt": SERVER_TIMESTAMP})


def two_people_typing(a: AuthUser, b: AuthUser, rounds: int) -> tuple[Editor, Editor]:
    ea, eb = Editor(a, 11), Editor(b, 22)
    ea.meta["language"] = "python"
    for i in range(rounds):  # concurrent: neither has the other's edits yet
        ea.text.insert(len(ea.text), f"x{i} = {i}\n")
        eb.text.insert(0, f"# note {i}\n")
    return ea, eb


def stored_updates(user: AuthUser, sid: str) -> list[bytes]:
    return [d["update"] for d in FirestoreClient.as_user(user).query("codeUpdates", parent=f"peerSessions/{sid}")]


def salamin_db() -> Any:
    from salamin import firebase

    return firebase.db()


# ---- compaction ----------------------------------------------------------------------------------------------

def test_the_session_timer_compacts_and_nothing_is_lost(admin: FirestoreClient) -> None:
    """No trigger per update: joining starts the session's timer, whose tick folds the code once enough
    updates wait."""
    from salamin import code

    a, b = sign_up(display_name="Ada"), sign_up(display_name="Grace")
    sid = make_session(admin, a, b)
    call("joinSession", {"sessionId": sid}, user=a)
    call("joinSession", {"sessionId": sid}, user=b)
    ea, eb = two_people_typing(a, b, 110)
    all_updates = ea.updates + eb.updates
    assert len(all_updates) >= code.COMPACT_AT
    expected = code_of(all_updates)
    assert expected[0].count("\n") == 220 and expected[1] == "python"
    # Interleaved, as two browsers would write them.
    for i in range(max(len(ea.updates), len(eb.updates))):
        ea.send(sid, ea.updates[i:i + 1])
        eb.send(sid, eb.updates[i:i + 1])

    path = f"peerSessions/{sid}/code/snapshot"
    snap = wait_for(lambda: (FirestoreClient.as_user(b).get(path) or {}).get("updateCount", 0) >= code.COMPACT_AT
                    and FirestoreClient.as_user(b).get(path), timeout=120)
    remaining = stored_updates(b, sid)
    assert len(remaining) < code.COMPACT_AT
    assert snap["updateCount"] + len(remaining) == len(all_updates)
    # What a browser opening the editor now does: the snapshot, then the updates not folded yet.
    assert code_of([snap["update"], *remaining]) == expected
    if snap["text"]:
        assert len(snap["text"]) <= len(expected[0])

    # Compacting again (twice) gives the same text and folds the rest, counted once.
    db = salamin_db()
    first = code.compact(db, sid)
    second = code.compact(db, sid)
    assert second["folded"] == 0 and first["updateCount"] == second["updateCount"] == len(all_updates)
    snap = FirestoreClient.as_user(a).get(path)
    assert snap["text"] == expected[0] and snap["language"] == "python"
    assert code_of([snap["update"]]) == expected
    assert stored_updates(a, sid) == []


def test_a_session_that_ends_has_its_code_compacted(admin: FirestoreClient) -> None:
    a, b = sign_up(), sign_up()
    sid = make_session(admin, a, b)
    call("joinSession", {"sessionId": sid}, user=a)
    call("joinSession", {"sessionId": sid}, user=b)
    ea, eb = two_people_typing(a, b, 5)
    ea.send(sid, ea.updates)
    eb.send(sid, eb.updates)
    expected = code_of(ea.updates + eb.updates)
    assert call("leaveSession", {"sessionId": sid}, user=a)["status"] == "ending"
    # Feedback time is still live: the shared code can still change until the session completes.
    os.environ.setdefault("CLOUD_TASKS_EMULATOR_HOST", "127.0.0.1:9499")
    from salamin import tasks

    assert tasks.enqueue("sessionHardStop", {"sessionId": sid}, 0, f"test-code-hardstop-{sid}")
    snap = wait_for(lambda: FirestoreClient.as_user(b).get(f"peerSessions/{sid}/code/snapshot"), timeout=90)
    assert admin.get(f"peerSessions/{sid}")["status"] == "completed"
    assert snap["text"] == expected[0] and snap["updateCount"] == len(ea.updates + eb.updates)
    assert stored_updates(b, sid) == []


# ---- runCode: the checks (no runner needed) ---------------------------------------------------------------------

QID = "two-sum-indices"


def question() -> Any:
    from salamin import questions as qb

    return next(q for q in qb.load_bank_files() if q.id == QID)


@pytest.fixture
def live(admin: FirestoreClient, session_pair: tuple[AuthUser, AuthUser, str]) -> tuple[AuthUser, AuthUser, str]:
    """An active session (a interviews first) whose question is two-sum-indices."""
    a, b, sid = session_pair
    call("joinSession", {"sessionId": sid}, user=a)
    call("joinSession", {"sessionId": sid}, user=b)
    admin.update(f"peerSessions/{sid}", {"questionIds": [QID]})
    return a, b, sid


def run_req(sid: str, **over: Any) -> dict[str, Any]:
    return {"sessionId": sid, "mode": "run", "language": "python", "source": "print(input()[::-1])",
            "stdin": "olleh", **over}


def test_run_code_checks_each_say_what_is_wrong(live: tuple[AuthUser, AuthUser, str],
                                                admin: FirestoreClient) -> None:
    a, b, sid = live
    stranger = sign_up()
    pending = make_session(admin, a, b)  # matched: nobody is in yet
    cases: list[tuple[dict[str, Any] | None, AuthUser | None, str, str]] = [
        (run_req(sid), None, "UNAUTHENTICATED", "sign in"),
        (run_req(sid), stranger, "NOT_FOUND", "not yours"),
        (run_req("no-such-session"), a, "NOT_FOUND", "not yours"),
        ({"mode": "run"}, a, "INVALID_ARGUMENT", "session id"),
        (run_req(pending), a, "FAILED_PRECONDITION", "Code runs while the interview is on."),
        (run_req(sid, mode="debug"), a, "INVALID_ARGUMENT", "mode"),
        (run_req(sid, language="cobol"), a, "INVALID_ARGUMENT", "language"),
        (run_req(sid, source="x" * 64001), a, "INVALID_ARGUMENT", "64,000"),
        (run_req(sid, stdin="x" * 16001), a, "INVALID_ARGUMENT", "input is longer"),
        (run_req(sid, mode="tests", stdin=None), a, "INVALID_ARGUMENT", "question"),
        (run_req(sid, mode="tests", stdin=None, questionId="reverse-words"), a, "INVALID_ARGUMENT",
         "not part of this session"),
        (run_req(sid, mode="tests", stdin=None, questionId=QID, language="sql"), a, "INVALID_ARGUMENT",
         "no sql version"),
        (run_req(sid, mode="hidden", stdin=None, questionId=QID), b, "PERMISSION_DENIED", "interviewer"),
    ]
    for data, user, status, words in cases:
        with pytest.raises(CallableError) as err:
            call("runCode", data, user=user)
        assert err.value.status == status, (data and {k: str(v)[:20] for k, v in data.items()}, err.value)
        assert words.lower() in err.value.message.lower(), err.value.message
    # Refused calls start nothing.
    assert FirestoreClient.as_user(a).query("runs", parent=f"peerSessions/{sid}") == []


# ---- runCode against the real runner --------------------------------------------------------------------------

@pytest.fixture
def runner() -> None:
    try:
        requests.get(RUNNER_HEALTH, timeout=5).raise_for_status()
    except requests.RequestException as err:
        if os.environ.get("SALAMIN_REQUIRE_EMULATORS") == "1":
            pytest.fail(f"SALAMIN_REQUIRE_EMULATORS=1 but the code runner is not answering at {RUNNER_HEALTH} "
                        f"({type(err).__name__}): scripts/test.sh starts it (as root)")
        pytest.skip("needs the code runner on 127.0.0.1:8765: run through scripts/test.sh (as root)")


def run_doc(user: AuthUser, sid: str, run_id: str) -> dict[str, Any]:
    doc = FirestoreClient.as_user(user).get(f"peerSessions/{sid}/runs/{run_id}")
    assert doc is not None
    return doc


def test_a_plain_run_prints_its_input(live: tuple[AuthUser, AuthUser, str], runner: None) -> None:
    a, b, sid = live
    out = call("runCode", run_req(sid), user=b, timeout=150)
    assert out["status"] == "done" and out["verdict"] == "accepted"
    doc = run_doc(a, sid, out["runId"])  # the partner sees it too
    assert doc["by"] == b.uid and doc["mode"] == "run" and doc["language"] == "python"
    assert doc["stdin"] == "olleh" and doc["questionId"] is None and doc["error"] is None
    assert doc["status"] == "done" and doc["createdAt"] and doc["startedAt"] and doc["finishedAt"]
    assert doc["result"]["stdout"] == "hello\n" and doc["result"]["exitCode"] == 0
    assert doc["result"]["tests"] == []


def test_visible_tests_accept_a_right_solution_and_catch_a_wrong_one(live: tuple[AuthUser, AuthUser, str],
                                                                    runner: None) -> None:
    _, b, sid = live
    q = question()
    right = call("runCode", run_req(sid, mode="tests", stdin=None, questionId=QID,
                                    source=q.code.languages["python"].solution), user=b, timeout=150)
    assert right["verdict"] == "accepted"
    result = run_doc(b, sid, right["runId"])["result"]
    assert result["passed"] == result["total"] == len(q.code.visible_tests)
    assert {t["id"] for t in result["tests"]} == {t.id for t in q.code.visible_tests}
    first = result["tests"][0]
    assert first["stdin"] and first["expected"] and first["actual"] is not None

    wrong = call("runCode", run_req(sid, mode="tests", stdin=None, questionId=QID,
                                    source=q.code.languages["python"].starter), user=b, timeout=150)
    assert wrong["verdict"] == "wrong_answer"
    result = run_doc(b, sid, wrong["runId"])["result"]
    assert result["passed"] < result["total"]


def test_hidden_tests_by_the_interviewer_leak_nothing(live: tuple[AuthUser, AuthUser, str], runner: None) -> None:
    a, b, sid = live
    q = question()
    out = call("runCode", run_req(sid, mode="hidden", stdin=None, questionId=QID,
                                  source=q.code.languages["python"].solution), user=a, timeout=150)
    assert out["verdict"] == "accepted"
    doc = run_doc(b, sid, out["runId"])  # what the interviewee can read
    result = doc["result"]
    assert result["passed"] == result["total"] == len(q.code.hidden_tests)
    assert all(set(t) == {"id", "passed", "verdict", "wallMs"} for t in result["tests"])
    assert "stdout" not in result and "stderr" not in result
    dumped = json.dumps(doc, default=str)
    for case in q.code.hidden_tests:
        assert case.stdin.strip() not in dumped and f'"{case.expected}"' not in dumped


def test_one_run_at_a_time_per_session(live: tuple[AuthUser, AuthUser, str], runner: None) -> None:
    a, b, sid = live
    slow = run_req(sid, source="import time\ntime.sleep(4)\nprint('done')", stdin="")
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(call, "runCode", slow, a, 150)
        # Wait until the first run is recorded, then try a second one.
        wait_for(lambda: FirestoreClient.as_user(b).query("runs", parent=f"peerSessions/{sid}"), timeout=60,
                 every=0.1)
        with pytest.raises(CallableError) as err:
            call("runCode", run_req(sid), user=b, timeout=150)
        assert err.value.status == "FAILED_PRECONDITION"
        assert err.value.message == "A run is already going in this session; wait for it to finish."
        assert first.result()["verdict"] == "accepted"
    # Once it is over, the next run goes.
    assert call("runCode", run_req(sid), user=b, timeout=150)["verdict"] == "accepted"


def test_ten_runs_a_minute_per_session(live: tuple[AuthUser, AuthUser, str], runner: None) -> None:
    a, b, sid = live
    fast = run_req(sid, source="print(1)", stdin="")
    started = time.monotonic()
    for i in range(10):
        assert call("runCode", fast, user=a if i % 2 else b, timeout=150)["status"] == "done"
    with pytest.raises(CallableError) as err:
        call("runCode", fast, user=a, timeout=150)
    assert time.monotonic() - started < 60, "the ten runs took a minute: the limit could not be seen"
    assert err.value.status == "RESOURCE_EXHAUSTED"
    assert err.value.message.startswith("This session has used its 10 runs for this minute; try again in ")
    assert len(FirestoreClient.as_user(a).query("runs", parent=f"peerSessions/{sid}")) == 10


def test_a_busy_runner_is_said_with_the_place_in_line(live: tuple[AuthUser, AuthUser, str], runner: None) -> None:
    """Every slot of the real runner is taken by slow requests (sent to it directly); a run through runCode
    waits its bounded time in the runner's queue, hears 503 with its place in line, shows `queued` with that
    `busy` information on the runs document, and is done once a slot frees."""
    a, _, sid = live
    secret = next(line.split("=", 1)[1].strip() for line in (ROOT / "functions" / ".secret.local").read_text()
                  .splitlines() if line.startswith("RUNNER_SECRET="))
    slots = requests.get(RUNNER_HEALTH, timeout=5).json()["slots"]
    slow = {"language": "python", "source": "import time\ntime.sleep(7)\n",
            "tests": [{"id": "1", "expected": ""}, {"id": "2", "expected": ""}]}  # ~14 s per request
    run_url = RUNNER_HEALTH.replace("/healthz", "/run")
    with concurrent.futures.ThreadPoolExecutor(max_workers=slots + 1) as pool:
        hogs = [pool.submit(requests.post, run_url, json=slow, headers={"X-Runner-Secret": secret}, timeout=120)
                for _ in range(slots)]
        wait_for(lambda: requests.get(RUNNER_HEALTH, timeout=5).json()["busy"] == slots, timeout=30, every=0.05)
        out = pool.submit(call, "runCode", run_req(sid, source="print('after the wait')", stdin=""), a, 150)
        reader = FirestoreClient.as_user(a)
        queued = wait_for(lambda: next((d for d in reader.query("runs", parent=f"peerSessions/{sid}")
                                        if d.get("busy")), None), timeout=40, every=0.2)
        # queued between attempts, running while the next attempt waits in the runner's queue
        assert queued["status"] in ("queued", "running")
        assert queued["busy"]["position"] >= 1 and queued["busy"]["waitS"] >= 1
        assert out.result()["verdict"] == "accepted"
        assert all(h.result().status_code == 200 for h in hogs)
    done = run_doc(a, sid, out.result()["runId"])
    assert done["status"] == "done" and done["busy"] is None and done["result"]["stdout"] == "after the wait\n"


def test_a_warm_up_call_reads_and_writes_nothing(live: tuple[AuthUser, AuthUser, str],
                                                 admin: FirestoreClient) -> None:
    a, _, sid = live
    with pytest.raises(CallableError) as err:
        call("runCode", {"warmUp": True}, user=None)
    assert err.value.status == "UNAUTHENTICATED"
    assert call("runCode", {"warmUp": True}, user=a) == {"warm": True}
    assert FirestoreClient.as_user(a).query("runs", parent=f"peerSessions/{sid}") == []
    assert admin.get(f"peerSessions/{sid}/server/runLimiter") is None


def test_two_starts_at_once_make_one_run(live: tuple[AuthUser, AuthUser, str], runner: None) -> None:
    """Two starts at once: whether the second reads the limiter before the first wrote it (its conditional
    write then fails and it decides again in a transaction) or after, one run goes and the other hears that
    a run is going."""
    a, b, sid = live
    slow = run_req(sid, source="import time\ntime.sleep(3)\nprint('done')", stdin="")

    def start(user: AuthUser) -> str:
        try:
            return str(call("runCode", slow, user=user, timeout=150)["verdict"])
        except CallableError as err:
            return f"{err.status}: {err.message}"

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(start, (a, b)))
    assert outcomes == ["FAILED_PRECONDITION: A run is already going in this session; wait for it to finish.",
                        "accepted"], outcomes
    assert len(FirestoreClient.as_user(a).query("runs", parent=f"peerSessions/{sid}")) == 1


def test_the_browser_keeps_run_codes_preflight_for_an_hour() -> None:
    """Without Access-Control-Max-Age the browser keeps a preflight 5 s: every run after a pause paid an
    OPTIONS round trip to the function before its POST."""
    r = requests.options(f"http://{functions_host()}/{PROJECT}/{REGION}/runCode", timeout=30, headers={
        "Origin": "http://127.0.0.1:5000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert r.headers.get("Access-Control-Max-Age") == "3600", dict(r.headers)
    assert r.headers.get("Access-Control-Allow-Origin") in ("*", "http://127.0.0.1:5000"), dict(r.headers)
