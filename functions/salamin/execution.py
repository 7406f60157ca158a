"""Running code from the shared editor through the sandboxed runner service (runner/README.md).

`run_code` is the `runCode` callable: it checks who may run what, decides the session's rate limit on
`peerSessions/{id}/server/runLimiter` (at most RUNS_PER_WINDOW starts in any WINDOW_S, one run at a time;
read with the session in one round trip, written with the queued run in one write conditioned on that read,
a transaction when two starts race), records the run in `peerSessions/{id}/runs/{runId}` (queued → running
→ done | error), calls the runner and stores what the participants may see of the result.

Pure parts (the rate-limit decision, the runner request, the result shaping) are apart from the I/O and
unit-tested on their own.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import requests
from google.api_core import exceptions as gexc
from google.cloud import firestore

from salamin import interview, names, sessions
from salamin import questions as qb
from salamin.errors import DomainError, ErrorCode

log = logging.getLogger(__name__)

MODES = ("run", "tests", "hidden")
RUN_STATUSES = ("active", "ending")  # code runs while the interview is on
SOURCE_MAX = 64_000  # characters
STDIN_MAX = 16_000  # characters, mode 'run' only
STORED_STDIN = 4096  # bytes of the run's stdin kept on the runs document
OUTPUT_MAX = 16 * 1024  # bytes of stdout / stderr / compile output kept
MESSAGE_MAX = 4096
TESTS_BUDGET = 120_000  # bytes for the stdin/expected/actual/stderr of all test entries together
TEST_FIELD_MAX = 8192  # the runner echoes at most this much per field

WINDOW_S = 60
RUNS_PER_WINDOW = 10
STALE_RUN_S = 120  # an active run older than this is taken as dead (its function was killed)

TOTAL_BUDGET_S = 110  # from the first attempt to the last answer, inside the callable's 120 s
BUSY_RETRY_S = 30  # how long a busy runner (503) is retried while the run stays queued
# The runner itself answers 503 once a request could not start within its bounded queue wait (10 s by
# default), so a busy answer reaches the user within about BUSY_RETRY_S + 10 s, far inside HTTP_TIMEOUT_S.
HTTP_TIMEOUT_S = 90
CONNECT_TIMEOUT_S = 5

UNREACHABLE = "The code runner can't be reached right now. This is on our side; please try again in a moment."
BUSY = "The runner is busy, try again in a moment."
TOO_SLOW = "The code runner took too long to answer. This is on our side; please try again in a moment."
REFUSED = "The code runner refused the request because of a set-up problem on our side; please tell the team."


# ---- pure: the rate limit -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class LimitDecision:
    ok: bool
    code: str | None = None  # 'resource-exhausted' | 'failed-precondition' when refused
    message: str | None = None
    retry_after_s: int | None = None
    starts: tuple[float, ...] = ()  # the start times to store (when ok)


def decide_start(starts: Sequence[float], active: dict[str, Any] | None, now: float) -> LimitDecision:
    """May a run start at `now`, given the session's recent start times and its active run (if any)?

    One run at a time (an active run older than STALE_RUN_S is ignored), and at most RUNS_PER_WINDOW
    starts in any WINDOW_S seconds. Starts older than the window are forgotten.
    """
    recent = sorted(t for t in starts if isinstance(t, (int, float)) and now - WINDOW_S < t <= now + 5)
    if active and isinstance(active.get("startedAt"), (int, float)) and now - active["startedAt"] < STALE_RUN_S:
        return LimitDecision(False, "failed-precondition",
                             "A run is already going in this session; wait for it to finish.")
    if len(recent) >= RUNS_PER_WINDOW:
        wait = max(1, math.ceil(recent[-RUNS_PER_WINDOW] + WINDOW_S - now))
        return LimitDecision(False, "resource-exhausted",
                             f"This session has used its {RUNS_PER_WINDOW} runs for this minute; "
                             f"try again in {wait} s.", retry_after_s=wait)
    return LimitDecision(True, starts=(*recent, now))


# ---- pure: the runner request ---------------------------------------------------------------------------------

def runner_request(mode: str, language: str, source: str, stdin: str | None,
                   question: qb.Question | None) -> dict[str, Any]:
    """The body of POST /run. 'run': the program with its stdin (an SQL question's schema as setup);
    'tests': the visible tests, 'hidden': the hidden tests, each with the question's driver."""
    body: dict[str, Any] = {"language": language, "source": source}
    spec = question.code if question is not None else None
    lang = spec.languages.get(language) if spec is not None else None
    if mode == "run":
        body["stdin"] = stdin or ""
        if language == qb.SQL and lang is not None and lang.setup:
            body["setup"] = lang.setup
        return body
    if spec is None or lang is None:
        raise ValueError("tests need a question with code for this language")
    if lang.driver and language != qb.SQL:
        body["driver"] = lang.driver
    cases = spec.hidden_tests if mode == "hidden" else spec.visible_tests
    tests = []
    for t in cases:
        case: dict[str, Any] = {"id": t.id, "expected": t.expected, "hidden": t.hidden}
        if language == qb.SQL:
            case["setup"] = t.setup or ""
        else:
            case["stdin"] = t.stdin
        tests.append(case)
    body["tests"] = tests
    return body


# ---- pure: what the participants see of a result ---------------------------------------------------------------

def clip(value: object, limit: int) -> str | None:
    """A string cut to at most `limit` UTF-8 bytes (never inside a character); None stays None."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    raw = text.encode("utf-8", errors="replace")
    if len(raw) <= limit:
        return text
    return raw[:limit].decode("utf-8", errors="ignore")


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def shape_result(mode: str, raw: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """The runs document's `result` from the runner's answer.

    For 'hidden', each test keeps only {id, passed, verdict, wallMs} and the result has no stdout or
    stderr: nothing of the hidden cases reaches the interviewee, who can read the runs document too.
    """
    compile_ = raw.get("compile")
    result: dict[str, Any] = {
        "verdict": str(raw.get("verdict") or "internal_error"),
        "stdout": clip(raw.get("stdout"), OUTPUT_MAX),
        "stderr": clip(raw.get("stderr"), OUTPUT_MAX),
        "exitCode": _int(raw.get("exitCode")),
        "signal": clip(raw.get("signal"), 64) if isinstance(raw.get("signal"), str) else None,  # e.g. "SIGSEGV"
        "wallMs": _int(raw.get("wallMs")),
        "cpuMs": _int(raw.get("cpuMs")),
        "peakMemoryKb": _int(raw.get("peakMemoryKb")),
        "message": clip(raw.get("message"), MESSAGE_MAX),
        "compile": {"ok": bool(compile_.get("ok")), "output": clip(compile_.get("output") or "", OUTPUT_MAX)}
        if isinstance(compile_, dict) else None,
        "passed": _int(raw.get("passed")),
        "total": _int(raw.get("total")),
        "tests": [],
    }
    raw_tests: list[Any] = raw["tests"] if isinstance(raw.get("tests"), list) else []
    sent = {t["id"]: t for t in request.get("tests") or []}
    if mode == "hidden":
        del result["stdout"], result["stderr"]
        result["tests"] = [{"id": str(t.get("id")), "passed": bool(t.get("passed")),
                            "verdict": str(t.get("verdict") or ""), "wallMs": _int(t.get("wallMs"))}
                           for t in raw_tests if isinstance(t, dict)]
        return result
    per_field = max(256, min(TEST_FIELD_MAX, TESTS_BUDGET // (4 * max(1, len(raw_tests)))))
    for t in raw_tests:
        if not isinstance(t, dict):
            continue
        case = sent.get(t.get("id"), {})
        result["tests"].append({
            "id": str(t.get("id")),
            "passed": bool(t.get("passed")),
            "verdict": str(t.get("verdict") or ""),
            "stdin": clip(case.get("stdin", ""), per_field),
            "expected": clip(t.get("expected", case.get("expected", "")), per_field),
            "actual": clip(t.get("actual"), per_field),
            "stderr": clip(t.get("stderr"), per_field),
            "wallMs": _int(t.get("wallMs")),
        })
    return result


# ---- the checks ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunRequest:
    session_id: str
    mode: str
    language: str
    source: str
    stdin: str | None
    question_id: str | None


def parse_request(data: object) -> RunRequest:
    """The caller's request, or an invalid-argument error in plain words."""
    d = data if isinstance(data, dict) else {}
    session_id = sessions.require_session_id(d.get("sessionId"))
    mode = d.get("mode")
    if mode not in MODES:
        raise DomainError("invalid-argument",
                          "Run the code, the visible tests or the hidden tests: the mode is unknown.")
    language = d.get("language")
    if language not in qb.LANGUAGES:
        raise DomainError("invalid-argument", f"Code runs in {', '.join(qb.LANGUAGES)}; this language is unknown.")
    source = d.get("source")
    if not isinstance(source, str):
        raise DomainError("invalid-argument", "There is no code to run.")
    if len(source) > SOURCE_MAX:
        raise DomainError("invalid-argument",
                          f"The code is longer than {SOURCE_MAX:,} characters; shorten it to run it.")
    stdin = d.get("stdin")
    if stdin is not None:
        if mode != "run":
            raise DomainError("invalid-argument", "Input goes with a plain run; tests bring their own input.")
        if not isinstance(stdin, str):
            raise DomainError("invalid-argument", "The input must be text.")
        if len(stdin) > STDIN_MAX:
            raise DomainError("invalid-argument", f"The input is longer than {STDIN_MAX:,} characters.")
    question_id = d.get("questionId")
    if question_id is not None and (not isinstance(question_id, str) or not question_id or len(question_id) > 128):
        raise DomainError("invalid-argument", "The question id is not valid.")
    if mode != "run" and question_id is None:
        raise DomainError("invalid-argument", "Which question? Tests need the question id.")
    return RunRequest(session_id, mode, language, source, stdin, question_id)


def check_run(req: RunRequest, uid: str, session: dict[str, Any], bank: Sequence[qb.Question]) -> qb.Question | None:
    """Whether `uid` may run `req` in `session` (pure): the question it runs against, or a clear error."""
    if session.get("status") not in RUN_STATUSES:
        raise DomainError("failed-precondition", "Code runs while the interview is on.")
    if req.question_id is None:
        return None
    if req.question_id not in (session.get("questionIds") or []):
        raise DomainError("invalid-argument", "That question is not part of this session.")
    question = next((q for q in bank if q.id == req.question_id), None)
    if question is None:
        raise DomainError("failed-precondition", "That question is no longer in the question bank.")
    if req.mode == "run":
        return question  # a plain run only borrows an SQL question's schema, if there is one
    if question.code is None:
        raise DomainError("failed-precondition", "That question has no code to run against.")
    if req.language not in question.code.languages:
        raise DomainError("invalid-argument",
                          f"This question has no {req.language} version; pick one of {', '.join(question.languages)}.")
    if req.mode == "hidden":
        if (session.get("roles") or {}).get(uid) != "interviewer":
            raise DomainError("permission-denied", "Only the interviewer can run the hidden tests.")
        if not question.code.hidden_tests:
            raise DomainError("failed-precondition", "This question has no hidden tests.")
    return question


# ---- Firestore and the runner -------------------------------------------------------------------------------

def _refs(db: firestore.Client, session_id: str) -> tuple[firestore.DocumentReference, firestore.CollectionReference]:
    session = db.collection(names.SESSIONS).document(session_id)
    return session.collection(names.SERVER).document("runLimiter"), session.collection(names.RUNS)


Snap = firestore.DocumentSnapshot[firestore.DocumentReference]

# A conditional write that lost a race with another writer of the same document.
RACES = (gexc.FailedPrecondition, gexc.Aborted, gexc.AlreadyExists, gexc.Conflict, gexc.NotFound)


class _SerialWrites:
    """Writes done one at a time, in order, beside the caller's work; drain() waits for all of them."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._futures: list[Future[object]] = []

    def submit(self, write: Callable[[], object]) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="run-status")
        self._futures.append(self._pool.submit(write))

    def drain(self) -> None:
        for f in self._futures:
            try:
                f.result()
            except Exception:
                log.exception("execution: a run status write failed")
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def _read_start(db: firestore.Client, session_id: str, uid: str, need_bank: bool
                ) -> tuple[dict[str, Any], dict[str, Any] | None, Snap]:
    """The session (if `uid` takes part in it), the bank's version document (when a question is named) and
    the run limiter, in one round trip: on the way from a click on Run to its output."""
    session_ref = db.collection(names.SESSIONS).document(session_id)
    limiter, _ = _refs(db, session_id)
    meta_ref = db.collection(names.CONFIG).document(names.QUESTION_BANK_META)  # as interview.load_stored_bank
    refs = [session_ref, limiter, *([meta_ref] if need_bank else [])]
    got = {snap.reference.path: snap for snap in db.get_all(refs)}
    snap = got.get(session_ref.path)
    session = sessions.for_participant(snap.to_dict() if snap is not None and snap.exists else None, uid, live=False)
    meta = None
    if need_bank:
        meta_snap = got.get(meta_ref.path)
        meta = (meta_snap.to_dict() or {}) if meta_snap is not None and meta_snap.exists else {}
    return session, meta, got[limiter.path]


def _refused(decision: LimitDecision) -> DomainError:
    code: ErrorCode = "resource-exhausted" if decision.code == "resource-exhausted" else "failed-precondition"
    return DomainError(code, decision.message or "Please wait a moment before running again.")


def _start(db: firestore.Client, session_id: str, run_ref: firestore.DocumentReference, run_doc: dict[str, Any],
           *, uid: str, now: float, limiter_snap: Snap | None = None) -> None:
    """The limiter decision and the queued run. With the limiter as just read: one write of both,
    conditioned on the limiter being unchanged since (a create if it did not exist): one round trip where a
    transaction takes three. A start that raced another (the condition failed) decides again in a
    transaction."""
    limiter, _ = _refs(db, session_id)

    def decide(snap: Snap) -> tuple[LimitDecision, dict[str, Any]]:
        state = (snap.to_dict() or {}) if snap.exists else {}
        decision = decide_start(list(state.get("starts") or []), state.get("active"), now)
        return decision, {"starts": list(decision.starts),
                          "active": {"runId": run_ref.id, "by": uid, "startedAt": now}}

    if limiter_snap is not None:
        decision, fields = decide(limiter_snap)
        if not decision.ok:
            raise _refused(decision)
        batch = db.batch()
        if limiter_snap.exists:
            batch.update(limiter, fields, option=db.write_option(last_update_time=limiter_snap.update_time))
        else:
            batch.create(limiter, fields)
        batch.create(run_ref, run_doc)
        try:
            batch.commit()
            return
        except RACES:
            pass  # another start (or a finish) wrote the limiter since our read: decide again below

    @firestore.transactional
    def run(tx: firestore.Transaction) -> LimitDecision:
        decision, fields = decide(limiter.get(transaction=tx))
        if decision.ok:
            tx.set(limiter, fields)
            tx.set(run_ref, run_doc)
        return decision

    decision = run(db.transaction())
    if not decision.ok:
        raise _refused(decision)


def _finish(db: firestore.Client, session_id: str, run_id: str) -> None:
    """Clears the limiter's active run if it is still this one."""
    limiter, _ = _refs(db, session_id)

    @firestore.transactional
    def run(tx: firestore.Transaction) -> None:
        snap = limiter.get(transaction=tx)
        active = (snap.to_dict() or {}).get("active") if snap.exists else None
        if active and active.get("runId") == run_id:
            tx.update(limiter, {"active": None})

    run(db.transaction())


def _auth_headers(url: str, secret: str) -> dict[str, str]:
    headers = {"X-Runner-Secret": secret, "Content-Type": "application/json"}
    if url.startswith("https://"):
        # Cloud Run (no unauthenticated access): a Google ID token for the service, from the functions'
        # service account. Locally (plain http on loopback) there is none.
        try:
            import google.auth.transport.requests  # noqa: PLC0415 - production only
            from google.oauth2 import id_token  # noqa: PLC0415

            headers["Authorization"] = "Bearer " + id_token.fetch_id_token(
                google.auth.transport.requests.Request(), url.rstrip("/"))
        except Exception:
            log.exception("execution: no ID token for the runner; calling it with the secret alone")
    return headers


@dataclass(frozen=True)
class Outcome:
    status: str  # 'done' | 'error'
    result: dict[str, Any] | None
    error: str | None
    busy: dict[str, int] | None = None  # {position, waitS} when the runner was busy


def busy_info(payload: dict[str, Any]) -> dict[str, int] | None:
    """The queue position and likely wait (seconds) a busy runner gave, checked and bounded (pure)."""
    position, wait_s = _int(payload.get("position")), _int(payload.get("waitS"))
    if position is None or wait_s is None or position < 1 or wait_s < 0:
        return None
    return {"position": min(position, 10_000), "waitS": min(wait_s, 3600)}


def call_runner(url: str, secret: str, body: dict[str, Any], mode: str, *, on_attempt: Callable[[], object],
                on_busy: Callable[[dict[str, int] | None], object], deadline: float,
                sleep: Callable[[float], None] = time.sleep) -> Outcome:
    """POST /run with retries while the runner is busy (503, with the queue position and wait it knows);
    every answer becomes an Outcome."""
    endpoint = url.rstrip("/") + "/run"
    busy_until = time.monotonic() + BUSY_RETRY_S
    delay = 0.5
    while True:
        on_attempt()
        left = deadline - time.monotonic()
        try:
            r = requests.post(endpoint, json=body, headers=_auth_headers(url, secret),
                              timeout=(CONNECT_TIMEOUT_S, max(5.0, min(HTTP_TIMEOUT_S, left))))
        except requests.Timeout:
            return Outcome("error", None, TOO_SLOW)
        except requests.RequestException as err:
            log.warning("execution: runner unreachable at %s: %s", endpoint, err)
            return Outcome("error", None, UNREACHABLE)
        # 503: the runner's own "busy"; 429: Cloud Run's, when every instance is taken
        if r.status_code in (429, 503) and time.monotonic() + delay < min(busy_until, deadline):
            on_busy(busy_info(_json(r)))
            sleep(delay)
            delay = min(delay * 2, 4.0)
            continue
        return outcome_from_response(r.status_code, _json(r), mode, body)


def _json(r: requests.Response) -> dict[str, Any]:
    try:
        value = r.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def outcome_from_response(status: int, payload: dict[str, Any], mode: str, body: dict[str, Any]) -> Outcome:
    """The run's end from the runner's HTTP status and JSON (pure)."""
    if status == 200 or (status == 500 and payload.get("verdict")):
        return Outcome("done", shape_result(mode, payload, body), None)
    if status in (429, 503):
        return Outcome("error", None, BUSY, busy_info(payload))
    if status in (401, 403):
        log.error("execution: the runner refused our secret (%s)", status)
        return Outcome("error", None, REFUSED)
    if status in (400, 413):
        reason = clip(payload.get("error") or "the request was not valid", 300)
        return Outcome("error", None, f"The code runner could not take this run: {reason}.")
    log.error("execution: runner answered %s: %s", status, payload)
    return Outcome("error", None, UNREACHABLE)


def run_code(db: firestore.Client, uid: str, data: object, runner_url: str, runner_secret: str) -> dict[str, Any]:
    """The runCode callable after sign-in: checks, rate limit, the run, its result. See the module docstring."""
    if isinstance(data, dict) and data.get("warmUp") is True:
        # The room asks once when it opens, so the first click on Run does not wait for a cold instance
        # (locally: a new Python worker, ~2 s). Nothing is read or written.
        return {"warm": True}
    req = parse_request(data)
    session, meta, limiter_snap = _read_start(db, req.session_id, uid, need_bank=req.question_id is not None)
    bank = interview.load_stored_bank(db, meta) if meta is not None else []
    question = check_run(req, uid, session, bank)
    body = runner_request(req.mode, req.language, req.source, req.stdin, question)

    _, runs = _refs(db, req.session_id)
    run_ref = runs.document()
    now = time.time()
    _start(db, req.session_id, run_ref, {
        "by": uid, "mode": req.mode, "language": req.language, "questionId": req.question_id,
        "stdin": clip(req.stdin or "", STORED_STDIN) if req.mode == "run" else None,
        "status": "queued", "createdAt": firestore.SERVER_TIMESTAMP, "startedAt": None, "finishedAt": None,
        "result": None, "error": None, "busy": None,
    }, uid=uid, now=now, limiter_snap=limiter_snap)
    outcome = Outcome("error", None, UNREACHABLE)
    # "running" and "queued again" are written beside the runner's work, not before it (each is a round
    # trip a click on Run would otherwise wait for); one at a time and in order, and all written before
    # the result, so a late "running" never covers the result.
    status_writes = _SerialWrites()
    try:
        outcome = call_runner(
            runner_url, runner_secret, body, req.mode,
            on_attempt=lambda: status_writes.submit(
                lambda: run_ref.update({"status": "running", "startedAt": firestore.SERVER_TIMESTAMP})),
            on_busy=lambda info: status_writes.submit(
                lambda: run_ref.update({"status": "queued", "startedAt": None, "busy": info})),
            deadline=time.monotonic() + TOTAL_BUDGET_S)
    except Exception:
        log.exception("execution: run %s failed", run_ref.id)
    finally:
        status_writes.drain()
        try:
            run_ref.update({"status": outcome.status, "result": outcome.result, "error": outcome.error,
                            "busy": outcome.busy, "finishedAt": firestore.SERVER_TIMESTAMP})
        finally:
            _finish(db, req.session_id, run_ref.id)
    verdict = outcome.result.get("verdict") if outcome.result else None
    return {"runId": run_ref.id, "status": outcome.status, "verdict": verdict}
