"""Pure pieces of the runner: output comparison, program assembly, request parsing (no service needed)."""

from __future__ import annotations

import signal

import pytest

from runner.app import InvalidRequestError, parse_request
from runner.cgroups import Usage
from runner.config import Limits
from runner.judge import normalize
from runner.languages import LANGUAGES, program_files
from runner.sandbox import Execution, _compile_step, _settle_exit

pytestmark = pytest.mark.runner


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("1\n2\n", "1\n2", True),
        ("1  \n2\t\n\n\n", "1\n2", True),
        ("1\r\n2\r\n", "1\n2\n", True),
        (" 1\n2", "1\n2", False),
        ("1\n\n2", "1\n2", False),
        ("", "\n\n", True),
    ],
)
def test_normalize(a: str, b: str, same: bool) -> None:
    assert (normalize(a) == normalize(b)) is same


def test_java_driver_imports_move_to_the_first_line() -> None:
    source = "import java.util.*;\n\npublic class Solution {\n  int f() { return 1; }\n}\n"
    driver = "import java.io.*;\nimport static java.lang.Math.max;\npublic class Main {\n  // main\n}\n"
    text = program_files(LANGUAGES["java"], source, driver)["Main.java"]
    lines = text.split("\n")
    assert lines[0] == "import java.io.*; import static java.lang.Math.max; import java.util.*;"
    assert lines[2] == "class Solution {"  # `public` dropped, line numbers kept
    assert "public class Main {" in text
    assert "import java.io.*;" not in lines[1:]


def test_driver_is_appended_for_other_languages() -> None:
    files = program_files(LANGUAGES["cpp"], "int f();", "int main() { return f(); }")
    assert files == {"main.cpp": "int f();\nint main() { return f(); }"}
    assert program_files(LANGUAGES["python"], "print(1)", None) == {"main.py": "print(1)"}


def test_parse_request_defaults() -> None:
    req = parse_request({"language": "sql", "source": "SELECT 1;",
                         "tests": [{"id": 7, "expected": "1", "setup": "CREATE TABLE t(x);"}]})
    assert req.tests is not None and req.tests[0].id == "7" and req.tests[0].setup == "CREATE TABLE t(x);"
    assert req.tests[0].stdin == "" and req.tests[0].hidden is False
    assert parse_request({"language": "python", "source": "x", "tests": []}).tests is None


def test_parse_request_counts_bytes_not_characters() -> None:
    with pytest.raises(InvalidRequestError, match="64 KB"):
        parse_request({"language": "python", "source": "é" * (33 * 1024)})


def test_the_launcher_s_status_says_how_the_program_ended() -> None:
    lim = Limits(cpu_s=2.0)
    ok = Execution(cpu_ms=10)
    _settle_exit(ok, 0, lim)
    assert (ok.exit_code, ok.signal, ok.sandbox_error) == (0, None, None)
    killed = Execution(cpu_ms=1990)  # bwrap reports a program killed by signal N as exit status 128 + N
    _settle_exit(killed, (128 + signal.SIGKILL) << 8, lim)
    assert (killed.exit_code, killed.signal, killed.cpu_limit_signal) == (None, signal.SIGKILL, True)
    broken = Execution(stderr=b"bwrap: Creating new namespace failed\n")
    _settle_exit(broken, 1 << 8, lim)
    assert broken.sandbox_error == "bwrap: Creating new namespace failed"
    program = Execution(stderr=b"Traceback ...\n")
    _settle_exit(program, 1 << 8, lim)
    assert program.exit_code == 1 and program.sandbox_error is None


def test_the_compile_step_is_read_from_its_report_line() -> None:
    lim = Limits(cpu_s=2.0)
    ex = _compile_step(b"0 120000 30000 5000\n", 0.4, Usage(cpu_s=0.1, peak_bytes=2048 * 1024), lim)
    assert (ex.exit_code, ex.wall_ms, ex.cpu_ms, ex.peak_memory_kb) == (0, 400, 150, 2048)
    oom = _compile_step(b"%d 0 0 0\n" % signal.SIGKILL, 1.0, Usage(cpu_s=0.5, oom_kills=1), lim)
    assert oom.signal == signal.SIGKILL and oom.exit_code is None and oom.killed == "memory"
    assert oom.cpu_limit_signal is False
    failed = _compile_step(b"256 0 0 0", 0.1, Usage(oom_kills=1), lim)
    assert failed.exit_code == 1 and failed.killed == "memory"
    assert _compile_step(b"garbage", 0.1, Usage(), lim).exit_code == 127  # unreadable: a failed compile
