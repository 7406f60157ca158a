"""A request's work on one slot: write the files, compile once, run the program (once, or once per test
case), and turn each sandbox execution into a verdict."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from runner.config import Settings, Toolchains
from runner.languages import LANGUAGES, Language, program_files
from runner.sandbox import BOX, PROG, Execution, Sandbox, Spec

ACCEPTED = "accepted"
WRONG_ANSWER = "wrong_answer"
COMPILE_ERROR = "compile_error"
RUNTIME_ERROR = "runtime_error"
TIME_LIMIT = "time_limit"
MEMORY_LIMIT = "memory_limit"
OUTPUT_LIMIT = "output_limit"
INTERNAL_ERROR = "internal_error"

CASE_TEXT_BYTES = 8 * 1024  # expected/actual/stderr echoed per test case
COMPILE_MESSAGE_BYTES = 16 * 1024
OURS = "The code runner failed on our side ({}). This is not a problem with the submitted code; please try again."


@dataclass(frozen=True)
class TestCase:
    id: str
    expected: str
    stdin: str = ""
    hidden: bool = False
    setup: str | None = None  # SQL: schema and rows run before the query


@dataclass(frozen=True)
class RunRequest:
    language: str
    source: str
    stdin: str = ""
    setup: str | None = None  # SQL, runs without tests
    driver: str | None = None
    tests: tuple[TestCase, ...] | None = None


class InternalError(Exception):
    """Something on the runner's side failed; the message is for the operator's log and the caller."""


def normalize(text: str) -> str:
    """Trailing whitespace on each line and trailing blank lines do not count."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _text(data: bytes | str, limit: int) -> str:
    if isinstance(data, str):
        data = data.encode()
    if len(data) <= limit:
        return data.decode(errors="replace")
    return data[:limit].decode(errors="ignore") + "\n…(truncated)"


def _signal_name(number: int | None) -> str | None:
    if number is None:
        return None
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def classify(language: Language, ex: Execution) -> str:
    """The verdict of one execution, before comparing its output."""
    if ex.sandbox_error:
        return INTERNAL_ERROR
    if ex.killed == "time" or ex.cpu_limit_signal or ex.signal == signal.SIGXCPU:
        return TIME_LIMIT
    if ex.killed == "memory":
        return MEMORY_LIMIT
    if ex.killed == "output" or ex.stdout_overflow:
        return OUTPUT_LIMIT
    if ex.exit_code == 0:
        return ACCEPTED
    if any(marker in ex.stderr for marker in language.memory_markers):
        return MEMORY_LIMIT
    if ex.signal == signal.SIGXFSZ:
        return OUTPUT_LIMIT
    return RUNTIME_ERROR


def _limit_message(verdict: str, ex: Execution, settings: Settings) -> str | None:
    lim = settings.limits
    if verdict == TIME_LIMIT:
        return f"time limit exceeded ({lim.cpu_s:g} s of CPU time, {lim.wall_s:g} s of wall-clock time)"
    if verdict == MEMORY_LIMIT:
        return f"memory limit exceeded ({lim.memory_bytes // (1024 * 1024)} MB)"
    if verdict == OUTPUT_LIMIT:
        if ex.signal == signal.SIGXFSZ:
            return f"output limit exceeded: a file grew past {lim.file_bytes // (1024 * 1024)} MB"
        return f"output limit exceeded (more than {lim.stdout_bytes // 1024} KB)"
    if verdict == RUNTIME_ERROR:
        if ex.signal is not None:
            return f"killed by {_signal_name(ex.signal)}"
        return f"exited with code {ex.exit_code}"
    return None


class Judge:
    def __init__(self, settings: Settings, tools: Toolchains, sandbox: Sandbox, slot_roots: list[str]) -> None:
        self.settings = settings
        self.tools = tools
        self.sandbox = sandbox
        self.slot_roots = slot_roots  # each slot's size-capped tmpfs, holding one job directory per request
        # Per slot: an empty job directory made ahead for its next request, and the one its last request
        # used, removed after the answer (see after()). Only the slot's own thread touches its entries.
        self._next_job: dict[int, str] = {}
        self._used_jobs: dict[int, list[str]] = {}

    def _make_job(self, slot: int) -> str:
        """A fresh private job directory for one request (random name, the slot's uid only); removed after."""
        job = tempfile.mkdtemp(prefix="job-", dir=self.slot_roots[slot])
        uid = self.sandbox.uid(slot)
        os.chown(job, uid, uid)
        os.chmod(job, 0o700)
        return job

    def _new_job(self, slot: int) -> str:
        # One made ahead is as fresh: empty, and nothing of the slot's uid has been alive since it was made.
        return self._next_job.pop(slot, None) or self._make_job(slot)

    def after(self, slot: int) -> None:
        """Between two requests of a slot, off the request's path (SlotPool runs it after the answer and before
        the slot takes another request; Sandbox.run never returns while a process of the slot lives): remove
        the last request's job directory and groups, and make the next request's ahead of time."""
        for job in self._used_jobs.pop(slot, []):
            shutil.rmtree(job, ignore_errors=True)
        self.sandbox.after(slot)
        if slot not in self._next_job:
            self._next_job[slot] = self._make_job(slot)

    def self_test(self) -> None:
        """Run /bin/true in the sandbox once, so a broken sandbox is reported at start, not at the first run."""
        job = self._make_job(0)
        try:
            self.sandbox.self_test(job)
        finally:
            shutil.rmtree(job, ignore_errors=True)

    def available(self, language: Language) -> bool:
        return all(getattr(self.tools, tool) is not None for tool in language.tools)

    # ---- the whole request -----------------------------------------------------------------------------
    def execute(self, slot: int, req: RunRequest) -> dict[str, Any]:
        language = LANGUAGES[req.language]
        if not self.available(language):
            missing = ", ".join(t for t in language.tools if getattr(self.tools, t) is None)
            raise InternalError(f"this runner has no {missing} installed for {language.name}")
        uid = self.sandbox.uid(slot)
        started = time.monotonic()  # the request's budget counts the compile step too
        job = self._new_job(slot)
        try:
            self._write(job, uid, program_files(language, req.source, req.driver))
            if language.name == "sql":
                setups = {"setup.sql": req.setup or ""}
                for i, case in enumerate(req.tests or ()):
                    setups[f"setup-{i}.sql"] = case.setup or ""
                self._write(job, uid, setups)
            compile_info: dict[str, Any] | None = None
            if language.compile_argv is not None and req.tests is None and self.sandbox.can_stage:
                # One sandbox for the compile step and the run (each with its own limits): half the cost.
                ex = self._run(slot, job, language, req.stdin, None, staged=True)
                assert ex.compile is not None
                compile_info, failure = self._compile_info(language, ex.compile)
                if failure is not None:
                    return self._compile_failed(req, compile_info, failure)
                return self._single_result(language, ex, compile_info)
            if language.compile_argv is not None:
                compile_info, failure = self._compile(slot, language, job)
                if failure is not None:
                    return self._compile_failed(req, compile_info, failure)
            if req.tests is None:
                ex = self._run(slot, job, language, req.stdin, "setup.sql" if req.setup else None)
                return self._single_result(language, ex, compile_info)
            return self._tests(slot, job, language, req, compile_info=compile_info, started=started)
        finally:
            # Every process of the slot is gone by now (Sandbox.run never returns before), so nothing can
            # hold or recreate anything in it; it is removed after the answer, before the slot's next request.
            self._used_jobs.setdefault(slot, []).append(job)

    def _write(self, job: str, uid: int, files: dict[str, str]) -> None:
        for name, text in files.items():
            path = os.path.join(job, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            os.chown(path, uid, uid)
            os.chmod(path, 0o644)

    # ---- compile ---------------------------------------------------------------------------------------
    def _compile(self, slot: int, language: Language, job: str) -> tuple[dict[str, Any], str | None]:
        assert language.compile_argv is not None
        spec = Spec(
            argv=language.compile_argv(self.tools, BOX), writable_dir=job,
            address_space_limit=language.compile_address_space_limit, limits=self.settings.limits,
        )
        ex = self.sandbox.run(slot, spec)
        if ex.sandbox_error:
            raise InternalError(f"compile step: {ex.sandbox_error}")
        return self._compile_info(language, ex)

    def _compile_info(self, language: Language, ex: Execution) -> tuple[dict[str, Any], str | None]:
        """The compile step's summary and, when it failed, the request's verdict."""
        output = (ex.stderr + (b"\n" + ex.stdout if ex.stdout.strip() else b"")).decode(errors="replace")
        output = output.replace(f"{BOX}/", "").strip()
        info: dict[str, Any] = {
            "ok": False, "output": _text(output, COMPILE_MESSAGE_BYTES),
            "wallMs": ex.wall_ms, "cpuMs": ex.cpu_ms, "peakMemoryKb": ex.peak_memory_kb,
        }
        verdict = classify(language, ex)
        if verdict == TIME_LIMIT:
            info["output"] = (info["output"] + "\n" if info["output"] else "") + "compilation " + (
                _limit_message(TIME_LIMIT, ex, self.settings) or "")
            return info, TIME_LIMIT
        if verdict == ACCEPTED:
            info["ok"] = True
            return info, None
        if verdict == MEMORY_LIMIT and not info["output"]:
            info["output"] = "compilation " + (_limit_message(MEMORY_LIMIT, ex, self.settings) or "")
        if ex.signal is not None and not info["output"]:
            info["output"] = f"the compiler was killed by {_signal_name(ex.signal)}"
        return info, COMPILE_ERROR

    def _compile_failed(self, req: RunRequest, compile_info: dict[str, Any], verdict: str) -> dict[str, Any]:
        result: dict[str, Any] = {
            "verdict": verdict, "message": compile_info["output"], "compile": compile_info,
            "wallMs": compile_info["wallMs"], "cpuMs": compile_info["cpuMs"],
            "peakMemoryKb": compile_info["peakMemoryKb"],
        }
        if req.tests is None:
            result.update(stdout="", stderr="", exitCode=None, signal=None)
        else:
            result.update(passed=0, total=len(req.tests), tests=[
                {"id": t.id, "passed": False, "verdict": verdict, "hidden": t.hidden,
                 "expected": _text(t.expected, CASE_TEXT_BYTES), "actual": "", "stderr": "",
                 "wallMs": 0, "cpuMs": 0, "peakMemoryKb": 0}
                for t in req.tests
            ])
        return result

    # ---- runs ------------------------------------------------------------------------------------------
    def _run(self, slot: int, job: str, language: Language, stdin: str, setup_file: str | None, *,
             staged: bool = False) -> Execution:
        setup = f"{PROG}/{setup_file}" if setup_file else None
        source_stdin = None
        if language.name == "sql":  # the query is the program's input
            with open(os.path.join(job, "main.sql"), "rb") as f:
                source_stdin = f.read()
        if staged:  # compile into the job directory at /box, then run from there, in one sandbox
            assert language.compile_argv is not None
            spec = Spec(
                argv=language.run_argv(self.tools, BOX, None), stdin=stdin.encode(), writable_dir=job,
                compile_argv=language.compile_argv(self.tools, BOX),
                address_space_limit=language.run_address_space_limit and language.compile_address_space_limit,
                limits=self.settings.limits,
            )
        else:
            spec = Spec(
                argv=language.run_argv(self.tools, PROG, setup),
                stdin=source_stdin if source_stdin is not None else stdin.encode(),
                program_dir=job, address_space_limit=language.run_address_space_limit,
                limits=self.settings.limits,
            )
        ex = self.sandbox.run(slot, spec)
        if ex.sandbox_error:
            raise InternalError(ex.sandbox_error)
        return ex

    def _single_result(self, language: Language, ex: Execution, compile_info: dict[str, Any] | None,
                       ) -> dict[str, Any]:
        verdict = classify(language, ex)
        result: dict[str, Any] = {
            "verdict": verdict,
            "stdout": ex.stdout.decode(errors="replace"),
            "stderr": ex.stderr.decode(errors="replace"),
            "exitCode": ex.exit_code,
            "signal": _signal_name(ex.signal),
            "wallMs": ex.wall_ms,
            "cpuMs": ex.cpu_ms,
            "peakMemoryKb": ex.peak_memory_kb,
            "stdoutTruncated": ex.stdout_overflow,
            "stderrTruncated": ex.stderr_truncated,
            "compile": compile_info,
        }
        message = _limit_message(verdict, ex, self.settings)
        if message:
            result["message"] = message
        return result

    def _tests(self, slot: int, job: str, language: Language, req: RunRequest, *,
               compile_info: dict[str, Any] | None, started: float) -> dict[str, Any]:
        assert req.tests is not None
        cases: list[dict[str, Any]] = []
        budget = self.settings.request_budget_s
        for i, case in enumerate(req.tests):
            base = {"id": case.id, "hidden": case.hidden, "expected": _text(case.expected, CASE_TEXT_BYTES)}
            if time.monotonic() - started > budget:
                cases.append({**base, "passed": False, "verdict": TIME_LIMIT, "actual": "", "stderr": "",
                              "message": f"not run: this request used up its {budget:g} s time budget",
                              "wallMs": 0, "cpuMs": 0, "peakMemoryKb": 0})
                continue
            ex = self._run(slot, job, language, case.stdin, f"setup-{i}.sql" if case.setup else None)
            verdict = classify(language, ex)
            actual = ex.stdout.decode(errors="replace")
            if verdict == ACCEPTED and normalize(actual) != normalize(case.expected):
                verdict = WRONG_ANSWER
            entry: dict[str, Any] = {
                **base, "passed": verdict == ACCEPTED, "verdict": verdict,
                "actual": _text(ex.stdout, CASE_TEXT_BYTES), "stderr": _text(ex.stderr, CASE_TEXT_BYTES),
                "exitCode": ex.exit_code, "signal": _signal_name(ex.signal),
                "wallMs": ex.wall_ms, "cpuMs": ex.cpu_ms, "peakMemoryKb": ex.peak_memory_kb,
            }
            message = _limit_message(verdict, ex, self.settings)
            if message:
                entry["message"] = message
            cases.append(entry)
        first_failure = next((c for c in cases if not c["passed"]), None)
        result: dict[str, Any] = {
            "verdict": first_failure["verdict"] if first_failure else ACCEPTED,
            "passed": sum(1 for c in cases if c["passed"]),
            "total": len(cases),
            "tests": cases,
            "compile": compile_info,
            "wallMs": sum(c["wallMs"] for c in cases),
            "cpuMs": sum(c["cpuMs"] for c in cases),
            "peakMemoryKb": max((c["peakMemoryKb"] for c in cases), default=0),
        }
        return result
