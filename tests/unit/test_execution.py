"""runCode's pure parts: the rate-limit decision, the runner request, the checks and the result shaping;
and the HTTP loop against a real local HTTP server (busy, then answering; nothing listening)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from salamin import execution as ex
from salamin import questions as qb
from salamin.errors import DomainError

BANK = qb.load_bank_files()
BY_ID = {q.id: q for q in BANK}
PY_Q = BY_ID["two-sum-indices"]
SQL_Q = BY_ID["sql-customers-without-orders"]
TALK_Q = next(q for q in BANK if q.code is None)


# ---- the rate limit ----------------------------------------------------------------------------------------

def test_a_quiet_session_may_start_and_the_start_is_recorded() -> None:
    d = ex.decide_start([], None, 1000.0)
    assert d.ok and d.starts == (1000.0,)


def test_ten_starts_in_a_minute_then_the_eleventh_waits() -> None:
    starts = [1000.0 + i for i in range(10)]  # 1000 … 1009
    d = ex.decide_start(starts, None, 1030.0)
    assert not d.ok and d.code == "resource-exhausted"
    assert d.retry_after_s == 30 and "try again in 30 s" in (d.message or "")
    assert "10 runs for this minute" in (d.message or "")
    assert ex.decide_start(starts, None, 1060.5).ok  # the first start has left the window
    assert ex.decide_start(starts[:9], None, 1030.0).ok


def test_old_starts_are_forgotten() -> None:
    d = ex.decide_start([1.0, 2.0, 500.0, 990.0], None, 1000.0)
    assert d.ok and d.starts == (990.0, 1000.0)


def test_one_run_at_a_time_unless_the_active_one_is_stale() -> None:
    d = ex.decide_start([], {"runId": "r1", "startedAt": 1000.0}, 1010.0)
    assert not d.ok and d.code == "failed-precondition" and "already going" in (d.message or "")
    assert ex.decide_start([], {"runId": "r1", "startedAt": 1000.0}, 1000.0 + ex.STALE_RUN_S + 1).ok
    assert ex.decide_start([], None, 1010.0).ok


# ---- the runner request -----------------------------------------------------------------------------------

def test_a_plain_run_sends_the_program_and_its_input_only() -> None:
    body = ex.runner_request("run", "python", "print(input())", "hi", PY_Q)
    assert body == {"language": "python", "source": "print(input())", "stdin": "hi"}
    assert ex.runner_request("run", "python", "x", None, None) == {"language": "python", "source": "x", "stdin": ""}


def test_a_plain_sql_run_borrows_the_question_schema() -> None:
    body = ex.runner_request("run", "sql", "SELECT 1;", None, SQL_Q)
    assert body["setup"] == SQL_Q.code.languages["sql"].setup and "tests" not in body


def test_visible_tests_with_the_driver_and_no_hidden_case() -> None:
    body = ex.runner_request("tests", "python", "def f(): pass", None, PY_Q)
    assert body["driver"] == PY_Q.code.languages["python"].driver
    assert [t["id"] for t in body["tests"]] == [t.id for t in PY_Q.code.visible_tests]
    assert all(t["hidden"] is False and "stdin" in t and "setup" not in t for t in body["tests"])
    assert "stdin" not in body


def test_hidden_tests_only_in_hidden_mode() -> None:
    body = ex.runner_request("hidden", "java", "class Solution {}", None, PY_Q)
    assert [t["id"] for t in body["tests"]] == [t.id for t in PY_Q.code.hidden_tests]
    assert all(t["hidden"] for t in body["tests"]) and body["driver"] == PY_Q.code.languages["java"].driver


def test_sql_tests_carry_each_case_setup_and_no_driver() -> None:
    body = ex.runner_request("tests", "sql", "SELECT name FROM customers;", None, SQL_Q)
    assert "driver" not in body
    for sent, case in zip(body["tests"], SQL_Q.code.visible_tests, strict=True):
        assert sent["setup"] == case.setup and "stdin" not in sent and sent["expected"] == case.expected


# ---- the checks ------------------------------------------------------------------------------------------------

def request(**over: Any) -> dict[str, Any]:
    return {"sessionId": "s1", "mode": "tests", "language": "python", "source": "x", "questionId": PY_Q.id, **over}


@pytest.mark.parametrize(("data", "words"), [
    (None, "session id"),
    (request(sessionId="a/b"), "session id"),
    (request(mode="debug"), "mode is unknown"),
    (request(language="cobol"), "language is unknown"),
    (request(source=None), "no code"),
    (request(source="x" * (ex.SOURCE_MAX + 1)), "longer than 64,000"),
    (request(mode="run", stdin="x" * (ex.STDIN_MAX + 1)), "input is longer"),
    (request(stdin="1 2"), "tests bring their own input"),
    (request(questionId=None), "Tests need the question"),
    (request(mode="hidden", questionId=None), "Tests need the question"),
    (request(questionId=5), "question id is not valid"),
])
def test_bad_requests_get_a_plain_invalid_argument(data: Any, words: str) -> None:
    with pytest.raises(DomainError) as err:
        ex.parse_request(data)
    assert err.value.code == "invalid-argument"
    assert words in err.value.message


def test_good_requests_parse() -> None:
    req = ex.parse_request(request(mode="run", stdin="1", questionId=None, source="x" * ex.SOURCE_MAX))
    assert req.mode == "run" and req.stdin == "1" and req.question_id is None


def session(status: str = "active", roles: dict[str, str] | None = None, ids: list[str] | None = None
            ) -> dict[str, Any]:
    return {"status": status, "roles": roles or {"a": "interviewer", "b": "interviewee"},
            "questionIds": [PY_Q.id, SQL_Q.id, TALK_Q.id] if ids is None else ids}


@pytest.mark.parametrize(("req", "uid", "sess", "code", "words"), [
    (request(), "a", session("starting"), "failed-precondition", "while the interview is on"),
    (request(), "a", session("completed"), "failed-precondition", "while the interview is on"),
    (request(), "a", session(ids=[SQL_Q.id]), "invalid-argument", "not part of this session"),
    (request(language="sql"), "a", session(), "invalid-argument", "no sql version"),
    (request(questionId=TALK_Q.id), "a", session(), "failed-precondition", "no code"),
    (request(mode="hidden"), "b", session(), "permission-denied", "Only the interviewer"),
])
def test_who_may_run_what(req: dict[str, Any], uid: str, sess: dict[str, Any], code: str, words: str) -> None:
    with pytest.raises(DomainError) as err:
        ex.check_run(ex.parse_request(req), uid, sess, BANK)
    assert err.value.code == code and words in err.value.message


def test_allowed_runs() -> None:
    assert ex.check_run(ex.parse_request(request(mode="hidden")), "a", session("ending"), BANK) is PY_Q
    assert ex.check_run(ex.parse_request(request(mode="run", questionId=None)), "b", session(), BANK) is None
    # a plain run in another language than the question's still runs
    assert ex.check_run(ex.parse_request(request(mode="run", language="sql")), "b", session(), BANK) is PY_Q


# ---- the result -------------------------------------------------------------------------------------------------

def raw_tests_result(body: dict[str, Any]) -> dict[str, Any]:
    return {"verdict": "wrong_answer", "passed": 1, "total": 2, "wallMs": 40, "cpuMs": 30, "peakMemoryKb": 9000,
            "compile": {"ok": True, "output": "", "wallMs": 1}, "message": None,
            "tests": [{"id": t["id"], "passed": i == 0, "verdict": "accepted" if i == 0 else "wrong_answer",
                       "hidden": t["hidden"], "expected": t["expected"], "actual": "SECRET-ACTUAL",
                       "stderr": "SECRET-STDERR", "exitCode": 0, "signal": None, "wallMs": 20}
                      for i, t in enumerate(body["tests"])]}


def test_hidden_results_keep_only_id_passed_verdict_and_time() -> None:
    body = ex.runner_request("hidden", "python", "x", None, PY_Q)
    result = ex.shape_result("hidden", {**raw_tests_result(body), "stdout": "leak", "stderr": "leak"}, body)
    assert "stdout" not in result and "stderr" not in result
    assert all(set(t) == {"id", "passed", "verdict", "wallMs"} for t in result["tests"])
    text = json.dumps(result)
    for case in PY_Q.code.hidden_tests:
        assert case.stdin not in text and case.expected not in text
    assert "SECRET" not in text
    assert result["passed"] == 1 and result["total"] == 2 and result["verdict"] == "wrong_answer"


def test_visible_results_show_the_cases() -> None:
    body = ex.runner_request("tests", "python", "x", None, PY_Q)
    result = ex.shape_result("tests", raw_tests_result(body), body)
    first = result["tests"][0]
    case = PY_Q.code.visible_tests[0]
    assert first["stdin"] == case.stdin and first["expected"] == case.expected
    assert first["actual"] == "SECRET-ACTUAL" and first["stderr"] == "SECRET-STDERR"
    assert result["compile"] == {"ok": True, "output": ""} and result["stdout"] is None


def test_outputs_are_cut_and_the_document_stays_small() -> None:
    body = {"tests": [{"id": f"t{i}", "stdin": "s" * 9000, "expected": "e", "hidden": False} for i in range(50)]}
    raw = {"verdict": "wrong_answer", "stdout": "é" * 20000, "stderr": "x" * 40000,
           "tests": [{"id": f"t{i}", "passed": False, "verdict": "wrong_answer", "expected": "e" * 8192,
                      "actual": "a" * 8192, "stderr": "s" * 8192, "wallMs": 1} for i in range(50)]}
    result = ex.shape_result("tests", raw, body)
    assert len(result["stdout"].encode()) <= ex.OUTPUT_MAX and len(result["stderr"]) == ex.OUTPUT_MAX
    assert len(json.dumps(result, ensure_ascii=False).encode()) < 180_000
    assert ex.clip("aé", 2) == "a" and ex.clip(None, 5) is None


def test_plain_run_result() -> None:
    raw = {"verdict": "accepted", "stdout": "hi\n", "stderr": "", "exitCode": 0, "signal": None, "wallMs": 20,
           "cpuMs": 10, "peakMemoryKb": 8000, "compile": None, "stdoutTruncated": False}
    result = ex.shape_result("run", raw, {"language": "python"})
    assert result["stdout"] == "hi\n" and result["exitCode"] == 0 and result["tests"] == []
    assert result["passed"] is None and result["compile"] is None


def test_runner_answers_become_outcomes() -> None:
    internal = {"verdict": "internal_error", "message": "The code runner failed on our side (x)."}
    out = ex.outcome_from_response(500, internal, "run", {})
    assert out.status == "done" and out.result and out.result["message"].startswith("The code runner failed")
    assert ex.outcome_from_response(503, {}, "run", {}).status == "error"
    assert ex.outcome_from_response(429, {}, "run", {}).error == ex.BUSY  # Cloud Run: every instance busy
    assert ex.outcome_from_response(403, {}, "run", {}).error == ex.REFUSED
    bad = ex.outcome_from_response(400, {"error": "source is larger than 64 KB"}, "run", {})
    assert bad.status == "error" and "source is larger than 64 KB" in (bad.error or "")


# ---- the HTTP loop against a real local server -------------------------------------------------------------

class Scripted(BaseHTTPRequestHandler):
    answers: ClassVar[list[tuple[int, dict[str, Any]]]] = []
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        type(self).seen.append({"path": self.path, "secret": self.headers.get("X-Runner-Secret"),
                                "body": json.loads(self.rfile.read(length))})
        status, payload = type(self).answers.pop(0)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Scripted.seen = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_busy_runner_is_retried_while_the_run_waits(server: str) -> None:
    Scripted.answers = [(503, {"error": "busy", "position": 3, "waitS": 12}), (503, {"error": "busy"}),
                        (200, {"verdict": "accepted", "stdout": "ok\n", "stderr": "", "exitCode": 0})]
    events: list[str] = []
    infos: list[dict[str, int] | None] = []

    def on_busy(info: dict[str, int] | None) -> None:
        events.append("queued")
        infos.append(info)

    out = ex.call_runner(server, "s" * 20, {"language": "python", "source": "print('ok')"}, "run",
                         on_attempt=lambda: events.append("running"), on_busy=on_busy,
                         deadline=time.monotonic() + 60, sleep=lambda _s: None)
    assert out.status == "done" and out.result and out.result["stdout"] == "ok\n"
    assert events == ["running", "queued", "running", "queued", "running"]
    assert infos == [{"position": 3, "waitS": 12}, None]  # the runner's place in line is passed on
    assert [s["path"] for s in Scripted.seen] == ["/run"] * 3 and Scripted.seen[0]["secret"] == "s" * 20


def test_a_runner_busy_for_too_long_is_a_plain_error(server: str) -> None:
    Scripted.answers = [(503, {"error": "busy", "position": 2, "waitS": 40})] * 100
    clock = [0.0]

    def sleep(s: float) -> None:
        clock[0] += s
        time.sleep(0.001)

    out = ex.call_runner(server, "s" * 20, {"language": "python", "source": "x"}, "run", on_attempt=lambda: None,
                         on_busy=lambda _info: None, deadline=time.monotonic() + 2, sleep=sleep)
    assert out.status == "error" and out.error == ex.BUSY == "The runner is busy, try again in a moment."
    assert out.busy == {"position": 2, "waitS": 40}


@pytest.mark.parametrize(
    ("payload", "info"),
    [({"position": 4, "waitS": 30}, {"position": 4, "waitS": 30}),
     ({"position": 0, "waitS": 30}, None), ({"position": "4", "waitS": 30}, None),
     ({"position": True, "waitS": 1}, None),
     ({"position": 4}, None), ({}, None), ({"position": 10**9, "waitS": 10**9}, {"position": 10_000, "waitS": 3600})],
)
def test_busy_info_is_checked_and_bounded(payload: dict[str, object], info: dict[str, int] | None) -> None:
    assert ex.busy_info(payload) == info


def test_nothing_listening_is_runner_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = ex.call_runner(f"http://127.0.0.1:{port}", "s" * 20, {}, "run", on_attempt=lambda: None,
                         on_busy=lambda _info: None, deadline=time.monotonic() + 10)
    assert out.status == "error" and out.error == ex.UNREACHABLE


def test_a_runtime_error_keeps_its_signal_name_and_exit_code() -> None:
    raw = {"verdict": "runtime_error", "stdout": "", "stderr": "boom", "exitCode": None, "signal": "SIGSEGV",
           "wallMs": 5}
    shaped = ex.shape_result("run", raw, {"language": "cpp", "source": "int main(){}"})
    assert shaped["signal"] == "SIGSEGV"
    assert shaped["exitCode"] is None
    raw = {**raw, "signal": None, "exitCode": 3}
    assert ex.shape_result("run", raw, {})["exitCode"] == 3
