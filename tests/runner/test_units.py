"""Pure pieces of the runner: output comparison, program assembly, request parsing (no service needed)."""

from __future__ import annotations

import pytest

from runner.app import InvalidRequestError, parse_request
from runner.judge import normalize
from runner.languages import LANGUAGES, program_files

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
