"""The HTTP API: POST /run and GET /healthz (Flask)."""

from __future__ import annotations

import contextlib
import fcntl
import hmac
import logging
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, jsonify, request

from runner.cgroups import Cgroups
from runner.config import (
    ConfigError,
    Settings,
    blocking_folder,
    find_toolchains,
    reachable_copy,
    stage_tools,
)
from runner.judge import INTERNAL_ERROR, OURS, InternalError, Judge, RunRequest, TestCase
from runner.languages import LANGUAGES
from runner.pool import BusyError, SlotPool
from runner.sandbox import Sandbox, kill_uid

log = logging.getLogger("runner")

SOURCE_MAX = 64 * 1024
STDIN_MAX = 1024 * 1024
TESTS_MAX = 50
BODY_MAX = 16 * 1024 * 1024
SECRET_HEADER = "X-Runner-Secret"


class InvalidRequestError(Exception):
    pass


def _mount_job_tmpfs(path: str, size: int) -> bool:
    """A size-capped tmpfs for one slot's job directories (compiler output cannot grow past it)."""
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0711,nosuid,nodev", "salamin-job", path],
                          capture_output=True, check=False)
    return done.returncode == 0


@dataclass
class Runtime:
    """Everything a running service holds: the slots' job mounts and uids, the sandbox, the pool."""

    settings: Settings
    judge: Judge
    pool: SlotPool
    work_dir: str
    lock_fd: int
    cgroups: Cgroups
    mounts: list[str]

    @staticmethod
    def start(settings: Settings) -> Runtime:
        tools = find_toolchains()
        cgroups = (Cgroups("none", {}) if settings.cgroups == "none"
                   else Cgroups.detect(str(settings.uid_base), allow_none=False))
        if cgroups.mode == "none":
            log.warning("runner: RUNNER_CGROUPS=none: runs are limited by rlimits and a watchdog only; kernel "
                        "memory, socket buffers and tmpfs are not counted")
        os.makedirs(settings.work_root, exist_ok=True)
        # Two services on one machine must not share slot uids (the last sweep kills by uid).
        lock_path = os.path.join(settings.work_root, f"salamin-runner-uids-{settings.uid_base}.lock")
        lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            os.close(lock_fd)
            raise RuntimeError(f"another runner already uses uids from {settings.uid_base}: set RUNNER_UID_BASE") from e
        work_dir = tempfile.mkdtemp(prefix="salamin-runner-", dir=settings.work_root)
        os.chmod(work_dir, 0o711)
        mounts: list[str] = []
        try:
            blocked = blocking_folder(work_dir)
            if blocked:
                raise ConfigError(f"the sandbox's uids cannot reach the job directories under {work_dir}: "
                                  f"{blocked} is closed to other users; set RUNNER_WORK_ROOT to an open folder")
            tools = stage_tools(tools, os.path.join(work_dir, "tools"))
            stage = reachable_copy(settings.stage, os.path.join(work_dir, "tools"))
            sandbox = Sandbox(settings, tools, cgroups, stage)
            slot_roots = []
            for slot in range(settings.slots):
                kill_uid(settings.launcher, sandbox.uid(slot))  # leftovers of a previous service that died
                path = os.path.join(work_dir, f"slot-{slot}")
                os.mkdir(path, 0o711)
                if _mount_job_tmpfs(path, settings.limits.job_bytes):
                    mounts.append(path)
                elif cgroups.mode != "none":
                    raise ConfigError("cannot mount the slots' size-capped job tmpfs (the service needs root with "
                                      "CAP_SYS_ADMIN), or set RUNNER_CGROUPS=none to accept the weaker mode")
                slot_roots.append(path)
            judge = Judge(settings, tools, sandbox, slot_roots)
            judge.self_test()
            for slot in range(settings.slots):
                judge.after(slot)  # the self-test's group goes, and each slot's first job and group are made
        except Exception:
            for path in mounts:
                subprocess.run(["umount", "-l", path], capture_output=True, check=False)
            shutil.rmtree(work_dir, ignore_errors=True)
            cgroups.close()
            os.close(lock_fd)
            raise
        missing = tools.missing()
        if missing:
            log.warning("runner: toolchains not found: %s (their languages answer internal_error)", ", ".join(missing))
        pool = SlotPool(settings.slots, settings.max_queue, settings.queue_wait_s, after=judge.after)
        log.info("runner: %s, %d slot(s), job directories under %s", cgroups.describe(), settings.slots, work_dir)
        return Runtime(settings, judge, pool, work_dir, lock_fd, cgroups, mounts)

    def stop(self) -> None:
        self.pool.close()
        for slot in range(self.settings.slots):
            kill_uid(self.settings.launcher, self.judge.sandbox.uid(slot))
        for path in self.mounts:
            subprocess.run(["umount", "-l", path], capture_output=True, check=False)
        shutil.rmtree(self.work_dir, ignore_errors=True)
        self.cgroups.close()
        with contextlib.suppress(OSError):
            os.close(self.lock_fd)


# ---- request parsing ----------------------------------------------------------------------------------
def _size(text: str) -> int:
    return len(text.encode("utf-8", errors="surrogatepass"))


def _opt_str(body: dict[str, Any], key: str, limit: int, what: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequestError(f"{what} must be a string")
    if _size(value) > limit:
        raise InvalidRequestError(f"{what} is larger than {limit // 1024} KB")
    return value


def parse_request(body: Any) -> RunRequest:
    if not isinstance(body, dict):
        raise InvalidRequestError("the body must be a JSON object")
    language = body.get("language")
    if not isinstance(language, str) or language not in LANGUAGES:
        raise InvalidRequestError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
    source = body.get("source")
    if not isinstance(source, str):
        raise InvalidRequestError("source is required and must be a string")
    if _size(source) > SOURCE_MAX:
        raise InvalidRequestError("source is larger than 64 KB")
    driver = _opt_str(body, "driver", SOURCE_MAX, "driver")
    if driver and language == "sql":
        raise InvalidRequestError("sql takes no driver (a test case's setup runs before the query)")
    stdin = _opt_str(body, "stdin", STDIN_MAX, "stdin") or ""
    setup = _opt_str(body, "setup", STDIN_MAX, "setup")
    raw_tests = body.get("tests")
    tests: tuple[TestCase, ...] | None = None
    if raw_tests is not None:
        if not isinstance(raw_tests, list):
            raise InvalidRequestError("tests must be a list")
        if len(raw_tests) > TESTS_MAX:
            raise InvalidRequestError(f"too many tests: at most {TESTS_MAX}")
        parsed = []
        for i, raw in enumerate(raw_tests):
            if not isinstance(raw, dict):
                raise InvalidRequestError(f"tests[{i}] must be an object")
            test_id = raw.get("id", str(i + 1))
            if not isinstance(test_id, str | int) or isinstance(test_id, bool):
                raise InvalidRequestError(f"tests[{i}].id must be a string")
            expected = raw.get("expected")
            if not isinstance(expected, str):
                raise InvalidRequestError(f"tests[{i}].expected is required and must be a string")
            if _size(expected) > STDIN_MAX:
                raise InvalidRequestError(f"tests[{i}].expected is larger than 1024 KB")
            hidden = raw.get("hidden", False)
            if not isinstance(hidden, bool):
                raise InvalidRequestError(f"tests[{i}].hidden must be true or false")
            parsed.append(TestCase(
                id=str(test_id), expected=expected, hidden=hidden,
                stdin=_opt_str(raw, "stdin", STDIN_MAX, f"tests[{i}].stdin") or "",
                setup=_opt_str(raw, "setup", STDIN_MAX, f"tests[{i}].setup"),
            ))
        tests = tuple(parsed) if parsed else None
    return RunRequest(language=language, source=source, stdin=stdin, setup=setup, driver=driver, tests=tests)


# ---- the app -----------------------------------------------------------------------------------------
def create_app(runtime: Runtime) -> Flask:
    app = Flask("runner")
    app.config["MAX_CONTENT_LENGTH"] = BODY_MAX
    secret = runtime.settings.secret.encode()

    def error(status: int, message: str) -> tuple[Response, int]:
        return jsonify(error=message), status

    @app.get("/healthz")
    def healthz() -> Response:
        judge = runtime.judge
        languages = [name for name, lang in LANGUAGES.items() if judge.available(lang)]
        return jsonify(ok=True, languages=languages, cgroups=runtime.cgroups.mode, **runtime.pool.stats())

    @app.post("/run")
    def run() -> tuple[Response, int]:
        given = request.headers.get(SECRET_HEADER)
        if not given:
            return error(401, f"missing {SECRET_HEADER}")
        if not hmac.compare_digest(given.encode(), secret):
            return error(403, f"wrong {SECRET_HEADER}")
        body = request.get_json(silent=True)
        try:
            req = parse_request(body)
        except InvalidRequestError as e:
            return error(400, str(e))
        started = time.monotonic()
        try:
            result = runtime.pool.submit(lambda slot: runtime.judge.execute(slot, req))
        except BusyError as e:
            body = jsonify(error="the runner is busy: try again in a moment", position=e.position,
                           waitS=e.wait_s, **runtime.pool.stats())
            body.headers["Retry-After"] = str(e.wait_s)
            return body, 503
        except InternalError as e:
            log.error("runner: internal error (%s): %s", req.language, e)
            return jsonify(verdict=INTERNAL_ERROR, message=OURS.format(e)), 500
        except Exception as e:
            log.exception("runner: unexpected failure (%s)", req.language)
            return jsonify(verdict=INTERNAL_ERROR, message=OURS.format(type(e).__name__)), 500
        log.info("runner: %s %s in %d ms", req.language, result["verdict"], (time.monotonic() - started) * 1000)
        return jsonify(result), 200

    @app.errorhandler(413)
    def too_large(_e: Exception) -> tuple[Response, int]:
        return error(413, f"the request is larger than {BODY_MAX // (1024 * 1024)} MB")

    @app.errorhandler(405)
    def not_allowed(_e: Exception) -> tuple[Response, int]:
        return error(405, "method not allowed")

    @app.errorhandler(404)
    def not_found(_e: Exception) -> tuple[Response, int]:
        return error(404, "not found: the runner serves POST /run and GET /healthz")

    return app
