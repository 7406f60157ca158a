"""Run every reference solution of the question bank, in every language, against every test case.

Each (question, language) job builds the program the way the code runner will (candidate source, then
the driver appended), compiles it once (Java, C++; TypeScript is type-stripped with esbuild) and runs
all of the question's test cases, comparing stdout with `expected` after stripping trailing whitespace
per line. SQL questions run `setup` then the query in the sqlite3 CLI (list mode, no header).

The Python starters (all languages with SALAMIN_CHECK_ALL_STARTERS=1) are also run with their drivers:
they must run (no syntax error, exit 0) and get at least one case wrong. Jobs run on a small thread
pool, started once for all selected tests.

Toolchains: python3, node, javac/java, g++, sqlite3 from PATH; esbuild from runner/node_modules/.bin,
$SALAMIN_ESBUILD or PATH. A missing toolchain skips that language's jobs and says why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from salamin import questions as qb

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BANK = qb.load_bank_files(ROOT / "questions")
BY_ID = {q.id: q for q in BANK}
RUN_TIMEOUT_S = 20
COMPILE_TIMEOUT_S = 120
WORKERS = min(4, (os.cpu_count() or 2) + 1)  # +1: jobs spend part of their time spawning processes

# The Python (and SQL) starters are always run; SALAMIN_CHECK_ALL_STARTERS=1 also compiles and runs the
# JavaScript, TypeScript, Java and C++ starters (about a minute more).
ALL_STARTERS = os.environ.get("SALAMIN_CHECK_ALL_STARTERS") == "1"

SOLUTION = "solution"
STARTER = "starter"


def normalize(out: str) -> str:
    return "\n".join(line.rstrip() for line in out.rstrip().split("\n")).rstrip()


@cache
def esbuild() -> str | None:
    local = ROOT / "runner" / "node_modules" / ".bin" / "esbuild"
    if local.exists():
        return str(local)
    env = os.environ.get("SALAMIN_ESBUILD")
    if env and Path(env).exists():
        return env
    return shutil.which("esbuild")


def missing_tool(lang: str) -> str | None:
    """Why a language cannot be checked here, or None when its toolchain is present."""
    needs = {
        "python": [sys.executable],
        "javascript": ["node"],
        "typescript": ["node"],
        "java": ["javac", "java"],
        "cpp": ["g++"],
        "sql": ["sqlite3"],
    }[lang]
    for tool in needs:
        if shutil.which(tool) is None:
            return f"{tool} is not on PATH"
    if lang == "typescript" and esbuild() is None:
        return "no esbuild (runner/node_modules/.bin, $SALAMIN_ESBUILD or PATH): TypeScript drivers not checked"
    return None


@dataclass
class CaseResult:
    test_id: str
    ok: bool
    detail: str = ""
    returncode: int = 0


class BuildError(Exception):
    pass


def _run(cmd: list[str], stdin: str, cwd: str, timeout: float = RUN_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    for attempt in range(3):
        try:
            return subprocess.run(cmd, input=stdin, capture_output=True, text=True, cwd=cwd, timeout=timeout)
        except OSError:  # a spawn can fail transiently on a loaded machine (EAGAIN, EFAULT): retry
            if attempt == 2:
                raise
            time.sleep(0.5)
    raise AssertionError("unreachable")


def _build(lang: str, source: str, work: str) -> list[str]:
    """Write and compile `source`; return the command that runs it."""
    if lang == "python":
        Path(work, "main.py").write_text(source)
        return [sys.executable, "main.py"]
    if lang == "javascript":
        Path(work, "main.js").write_text(source)
        return ["node", "main.js"]
    if lang == "typescript":
        r = _run([esbuild() or "esbuild", "--loader=ts", "--log-level=error"], source, work, COMPILE_TIMEOUT_S)
        if r.returncode != 0:
            raise BuildError(f"esbuild failed:\n{r.stderr}")
        Path(work, "main.js").write_text(r.stdout)
        return ["node", "main.js"]
    if lang == "java":
        Path(work, "Main.java").write_text(source)
        r = _run(["javac", "-nowarn", "-encoding", "UTF-8", "Main.java"], "", work, COMPILE_TIMEOUT_S)
        if r.returncode != 0:
            raise BuildError(f"javac failed:\n{r.stderr}")
        return ["java", "-Xss64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
                "-cp", ".", "Main"]
    if lang == "cpp":
        Path(work, "main.cpp").write_text(source)
        r = _run(["g++", "-std=c++17", "-O1", "-o", "main", "main.cpp"], "", work, COMPILE_TIMEOUT_S)
        if r.returncode != 0:
            raise BuildError(f"g++ failed:\n{r.stderr}")
        return ["./main"]
    raise AssertionError(lang)


def run_job(q: qb.Question, lang: str, kind: str) -> list[CaseResult]:
    assert q.code is not None
    spec = q.code.languages[lang]
    code = spec.solution if kind == SOLUTION else spec.starter
    results: list[CaseResult] = []
    with tempfile.TemporaryDirectory(prefix="salamin-q-") as work:
        if lang == "sql":
            for t in q.code.tests:
                r = _run(["sqlite3", "-bail", "-batch", "-list", "-noheader", "-init", os.devnull, ":memory:"],
                         f"{t.setup}\n{code}\n", work)
                out = normalize(r.stdout)
                ok = r.returncode == 0 and not r.stderr.strip() and out == normalize(t.expected)
                detail = f"rc={r.returncode} got {out!r} want {t.expected!r} {r.stderr}"
                results.append(CaseResult(t.id, ok, detail, r.returncode or int(bool(r.stderr.strip()))))
            return results
        try:
            cmd = _build(lang, f"{code}\n{spec.driver}", work)
        except BuildError as e:
            return [CaseResult("build", False, str(e), -1)]
        for t in q.code.tests:
            try:
                r = _run(cmd, t.stdin, work)
            except subprocess.TimeoutExpired:
                results.append(CaseResult(t.id, False, "timed out", -1))
                continue
            out = normalize(r.stdout)
            ok = r.returncode == 0 and out == normalize(t.expected)
            detail = f"rc={r.returncode} got {out!r} want {t.expected!r} {r.stderr[-800:]}"
            results.append(CaseResult(t.id, ok, detail, r.returncode))
    return results


def _jobs() -> list[tuple[str, str, str]]:
    jobs = []
    for q in BANK:
        if q.code is None:
            continue
        jobs.extend((q.id, lang, SOLUTION) for lang in q.code.languages)
        if q.code.is_sql or ALL_STARTERS:
            jobs.extend((q.id, lang, STARTER) for lang in q.code.languages)
        else:
            jobs.append((q.id, "python", STARTER))
    return jobs


JOBS = _jobs()


@pytest.fixture(scope="module")
def pool(request: pytest.FixtureRequest) -> Iterator[Callable[[tuple[str, str, str]], list[CaseResult]]]:
    """Submit every selected job up front so the toolchains run in parallel; tests then wait on theirs."""
    executor = ThreadPoolExecutor(max_workers=WORKERS)
    futures: dict[tuple[str, str, str], Future[list[CaseResult]]] = {}

    def submit(job: tuple[str, str, str]) -> Future[list[CaseResult]]:
        if job not in futures:
            qid, lang, kind = job
            futures[job] = executor.submit(run_job, BY_ID[qid], lang, kind)
        return futures[job]

    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and item.module is sys.modules[__name__] and "job" in callspec.params:
            job = callspec.params["job"]
            if missing_tool(job[1]) is None:
                submit(job)
    yield lambda job: submit(job).result()
    executor.shutdown(wait=False, cancel_futures=True)


def test_bank_has_code_questions() -> None:
    assert len(JOBS) > 100


@pytest.mark.parametrize("job", [j for j in JOBS if j[2] == SOLUTION], ids="/".join)
def test_reference_solution_passes_every_case(job: tuple[str, str, str], pool) -> None:
    reason = missing_tool(job[1])
    if reason:
        print(f"skipping {job[1]}: {reason}")
        pytest.skip(reason)
    results = pool(job)
    failed = [f"{r.test_id}: {r.detail}" for r in results if not r.ok]
    assert not failed, "\n".join(failed)
    assert len(results) == len(BY_ID[job[0]].code.tests)  # type: ignore[union-attr]


@pytest.mark.parametrize("job", [j for j in JOBS if j[2] == STARTER], ids="/".join)
def test_starter_runs_but_is_not_a_solution(job: tuple[str, str, str], pool) -> None:
    reason = missing_tool(job[1])
    if reason:
        pytest.skip(reason)
    results = pool(job)
    broken = [f"{r.test_id}: {r.detail}" for r in results if r.returncode != 0]
    assert not broken, "the starter must run cleanly (wrong answers, not errors):\n" + "\n".join(broken)
    assert not all(r.ok for r in results), "the starter already passes every test case"
