"""Every verdict in every language where it makes sense, through the real service and sandbox."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.runner.conftest import Runner

pytestmark = pytest.mark.runner

LANGUAGES = ["python", "javascript", "typescript", "java", "cpp", "sql"]

# Reads two integers and prints their sum.
ADD = {
    "python": "a, b = map(int, input().split())\nprint(a + b)\n",
    "javascript": "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\n"
                  "console.log(a + b);\n",
    "typescript": "const [a, b]: number[] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\n"
                  "console.log(a + b);\n",
    "java": "import java.util.*;\npublic class Main {\n  public static void main(String[] args) {\n"
            "    Scanner in = new Scanner(System.in);\n"
            "    System.out.println(in.nextLong() + in.nextLong());\n  }\n}\n",
    "cpp": "#include <iostream>\nint main() { long long a, b; std::cin >> a >> b; std::cout << a + b << '\\n'; }\n",
}
ADD_TESTS = [
    {"id": "small", "stdin": "1 2\n", "expected": "3\n"},
    {"id": "negative", "stdin": "-5 3\n", "expected": "-2"},
    {"id": "big", "stdin": "1000000000 1000000000\n", "expected": "2000000000\n", "hidden": True},
]
# A runtime error: exit status != 0 or a signal.
CRASH = {
    "python": "def f(xs):\n    return xs[10]\nprint(f([1, 2]))\n",
    "javascript": "const x = null;\nconsole.log(x.length);\n",
    "typescript": "const x: string | null = null as string | null;\nconsole.log(x!.length);\n",
    "java": "public class Main { public static void main(String[] a) { int[] xs = new int[2];"
            " System.out.println(xs[10]); } }\n",
    "cpp": "#include <cstdio>\nint main() { int *p = nullptr; volatile int x = *p; printf(\"%d\", x); }\n",
    "sql": "SELECT * FROM missing_table;",
}
CRASH_STDERR = {
    "python": "IndexError",
    "javascript": "TypeError",
    "typescript": "TypeError",
    "java": "ArrayIndexOutOfBoundsException",
    "cpp": "",
    "sql": "no such table",
}
SPIN = {
    "python": "while True:\n    pass\n",
    "javascript": "for (;;) {}\n",
    "typescript": "let n: number = 0;\nfor (;;) { n++; }\n",
    "java": "public class Main { public static void main(String[] a) { long n = 0; while (true) { n++; } } }\n",
    "cpp": "int main() { volatile unsigned long n = 0; for (;;) n++; }\n",
    "sql": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;",
}
HOG = {
    "python": "chunks = []\nwhile True:\n    chunks.append(bytearray(64 * 1024 * 1024))\n",
    "javascript": "const keep = [];\nfor (;;) keep.push(new Array(1e6).fill(1.5));\n",
    "typescript": "const keep: number[][] = [];\nfor (;;) keep.push(new Array(1e6).fill(1.5));\n",
    "java": "import java.util.*;\npublic class Main { public static void main(String[] a) {\n"
            "  List<long[]> keep = new ArrayList<>(); while (true) keep.add(new long[8_000_000]); } }\n",
    "cpp": "#include <vector>\n#include <cstdio>\nint main() { std::vector<std::vector<char>> keep;\n"
           "  for (;;) keep.emplace_back(64 << 20, 'x'); }\n",
    "sql": "SELECT length(hex(zeroblob(300000000)));",
}
SPEW = {
    "python": "while True:\n    print('spam' * 100)\n",
    "javascript": "const line = 'spam'.repeat(100) + '\\n';\nfor (;;) process.stdout.write(line);\n",
    "typescript": "const line: string = 'spam'.repeat(100);\nfor (;;) console.log(line);\n",
    "java": "public class Main { public static void main(String[] a) { String s = \"spam\".repeat(100);"
            " while (true) System.out.println(s); } }\n",
    "cpp": "#include <cstdio>\nint main() { for (;;) puts(\"spamspamspamspamspamspamspamspamspamspamspamspam\"); }\n",
    "sql": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 10000000) SELECT x FROM c;",
}
COMPILE_ERROR = {
    "typescript": ("const x: number = ;\n", "main.ts:1"),
    "java": ("public class Main { public static void main(String[] a) { int x = \"s\" } }\n", "Main.java:1"),
    "cpp": ("int main() { return undefined_name; }\n", "undefined_name"),
}


def check_stats(result: dict[str, Any]) -> None:
    for key in ("wallMs", "cpuMs", "peakMemoryKb"):
        assert isinstance(result[key], int) and result[key] >= 0, (key, result)


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "sql"])
def test_accepted_single_run(runner: Runner, language: str) -> None:
    result = runner.run(language, ADD[language], stdin="20 22\n")
    assert result["verdict"] == "accepted", result
    assert result["stdout"] == "42\n"
    assert result["exitCode"] == 0 and result["signal"] is None and result["stderr"] == ""
    check_stats(result)
    assert 0 < result["peakMemoryKb"] < 512 * 1024
    assert result["wallMs"] < 10_000


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "sql"])
def test_accepted_with_tests_compiles_once(runner: Runner, language: str) -> None:
    result = runner.run(language, ADD[language], tests=ADD_TESTS)
    assert result["verdict"] == "accepted", result
    assert result["passed"] == result["total"] == 3
    cases = result["tests"]
    assert [c["id"] for c in cases] == ["small", "negative", "big"]
    assert all(c["passed"] and c["verdict"] == "accepted" for c in cases)
    assert cases[2]["hidden"] is True and cases[0]["hidden"] is False
    assert cases[1]["actual"] == "-2\n"
    for case in cases:
        check_stats(case)
    compiled = language in ("typescript", "java", "cpp")
    assert (result["compile"] is not None) == compiled
    if compiled:
        assert result["compile"]["ok"] is True


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "sql"])
def test_wrong_answer_is_the_first_failing_case(runner: Runner, language: str) -> None:
    tests = [
        {"id": "right", "stdin": "1 1\n", "expected": "2"},
        {"id": "wrong", "stdin": "2 2\n", "expected": "5"},
        {"id": "right-again", "stdin": "3 3\n", "expected": "6"},
    ]
    result = runner.run(language, ADD[language], tests=tests)
    assert result["verdict"] == "wrong_answer", result
    assert result["passed"] == 2 and result["total"] == 3
    wrong = result["tests"][1]
    assert wrong["verdict"] == "wrong_answer" and not wrong["passed"]
    assert wrong["actual"] == "4\n" and wrong["expected"] == "5"


def test_sql_with_setup_per_test_case(runner: Runner) -> None:
    query = "SELECT name, score FROM players WHERE score > 10 ORDER BY score DESC;"
    tests = [
        {"id": "two", "setup": "CREATE TABLE players(name TEXT, score INT);"
                                "INSERT INTO players VALUES ('ada', 30), ('bob', 5), ('cy', 20);",
         "expected": "ada|30\ncy|20\n"},
        {"id": "none", "setup": "CREATE TABLE players(name TEXT, score INT); INSERT INTO players VALUES ('z', 1);",
         "expected": ""},
        {"id": "wrong", "setup": "CREATE TABLE players(name TEXT, score INT); INSERT INTO players VALUES ('q', 11);",
         "expected": "q|12"},
    ]
    result = runner.run("sql", query, tests=tests)
    assert [c["verdict"] for c in result["tests"]] == ["accepted", "accepted", "wrong_answer"], result
    assert result["verdict"] == "wrong_answer"
    assert result["tests"][2]["actual"] == "q|11\n"


def test_sql_single_run_with_setup(runner: Runner) -> None:
    result = runner.run("sql", "SELECT count(*) FROM t;", setup="CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);")
    assert result["verdict"] == "accepted" and result["stdout"] == "2\n", result


def test_sql_dot_commands_that_escape_are_refused(runner: Runner) -> None:
    result = runner.run("sql", ".shell id\nSELECT 1;")
    assert result["verdict"] == "runtime_error"
    assert "safe mode" in result["stderr"]


def test_output_comparison_ignores_trailing_whitespace_only(runner: Runner) -> None:
    source = "print('a  ')\nprint('b')\nprint()\nprint()\n"
    tests = [
        {"id": "trailing", "expected": "a\nb"},
        {"id": "crlf", "expected": "a\r\nb\r\n\r\n"},
        {"id": "leading", "expected": " a\nb"},
        {"id": "inner-blank", "expected": "a\n\nb"},
    ]
    result = runner.run("python", source, tests=tests)
    assert [c["passed"] for c in result["tests"]] == [True, True, False, False], result


@pytest.mark.parametrize("language", sorted(COMPILE_ERROR))
def test_compile_error_carries_the_compilers_message(runner: Runner, language: str) -> None:
    source, needle = COMPILE_ERROR[language]
    result = runner.run(language, source, tests=ADD_TESTS)
    assert result["verdict"] == "compile_error", result
    assert needle in result["message"]
    assert "/box" not in result["message"]
    assert result["compile"]["ok"] is False
    assert [c["verdict"] for c in result["tests"]] == ["compile_error"] * 3
    single = runner.run(language, source)
    assert single["verdict"] == "compile_error" and needle in single["message"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_runtime_error(runner: Runner, language: str) -> None:
    result = runner.run(language, CRASH[language])
    assert result["verdict"] == "runtime_error", result
    assert CRASH_STDERR[language] in result["stderr"]
    if language == "cpp":
        assert result["signal"] == "SIGSEGV" and result["exitCode"] is None
    else:
        assert result["exitCode"] not in (0, None)
    check_stats(result)


def test_runtime_error_exit_code_and_signal(runner: Runner) -> None:
    exited = runner.run("python", "import sys\nprint('partial')\nsys.exit(3)\n")
    assert exited["verdict"] == "runtime_error" and exited["exitCode"] == 3 and exited["stdout"] == "partial\n"
    aborted = runner.run("cpp", "#include <cstdlib>\nint main() { abort(); }\n")
    assert aborted["verdict"] == "runtime_error" and aborted["signal"] == "SIGABRT", aborted


def test_runtime_error_in_tests_reports_the_case(runner: Runner) -> None:
    source = "n = int(input())\nprint(10 // n)\n"
    tests = [{"id": "ok", "stdin": "2", "expected": "5"}, {"id": "zero", "stdin": "0", "expected": "0"}]
    result = runner.run("python", source, tests=tests)
    assert result["verdict"] == "runtime_error"
    assert result["tests"][1]["verdict"] == "runtime_error"
    assert "ZeroDivisionError" in result["tests"][1]["stderr"]


def test_time_limit_in_every_language(runner: Runner) -> None:
    """All six spin for their 5 s of CPU; run side by side on the two slots to keep the suite short."""
    with ThreadPoolExecutor(max_workers=len(LANGUAGES)) as pool:
        futures = {lang: pool.submit(runner.run, lang, SPIN[lang]) for lang in LANGUAGES}
        results = {lang: f.result() for lang, f in futures.items()}
    wrong = {lang: r for lang, r in results.items() if r["verdict"] != "time_limit"}
    assert not wrong, wrong
    for lang, result in results.items():
        assert "time limit" in result["message"], (lang, result)
        assert result["wallMs"] < 12_000, (lang, result["wallMs"])
        # stopped at the CPU limit (5 s; the kernel's RLIMIT_CPU samples CPU time at ticks, so on a busy
        # machine its SIGXCPU can come when the group's exact count is 11% short) or the wall-clock limit
        assert (result["cpuMs"] >= 4_500 or result["signal"] == "SIGXCPU"
                or result["wallMs"] >= 9_900), (lang, result)


@pytest.mark.parametrize("language", LANGUAGES)
def test_memory_limit(runner: Runner, language: str) -> None:
    result = runner.run(language, HOG[language])
    assert result["verdict"] == "memory_limit", result
    assert "memory limit" in result["message"]
    assert result["peakMemoryKb"] < 1100 * 1024


@pytest.mark.parametrize("language", LANGUAGES)
def test_output_limit(runner: Runner, language: str) -> None:
    result = runner.run(language, SPEW[language])
    assert result["verdict"] == "output_limit", result
    assert result["stdoutTruncated"] is True
    assert len(result["stdout"].encode()) <= 64 * 1024
    assert result["wallMs"] < 10_000


def test_output_limit_in_tests(runner: Runner) -> None:
    tests = [{"id": "quiet", "stdin": "", "expected": "hi"}, {"id": "loud", "stdin": "loud", "expected": "hi"}]
    source = "import sys\nif sys.stdin.read():\n    print('x' * 200_000)\nelse:\n    print('hi')\n"
    result = runner.run("python", source, tests=tests)
    assert [c["verdict"] for c in result["tests"]] == ["accepted", "output_limit"]
    assert result["verdict"] == "output_limit"
    assert len(result["tests"][1]["actual"]) < 10_000  # echoed truncated


DRIVERS = {
    "python": ("def double(x):\n    return 2 * x\n", "print(double(int(input())))\n"),
    "javascript": ("function double(x) { return 2 * x; }\n",
                   "console.log(double(Number(require('fs').readFileSync(0, 'utf8'))));\n"),
    "typescript": ("function double(x: number): number { return 2 * x; }\n",
                   "declare const require: any;\n"
                   "console.log(double(Number(require('fs').readFileSync(0, 'utf8'))));\n"),
    "cpp": ("long long twice(long long x) { return 2 * x; }\n",
            "#include <iostream>\nint main() { long long x; std::cin >> x; std::cout << twice(x) << std::endl; }\n"),
    # The candidate's `public class Solution` and imports, the driver's own imports: all must compile in Main.java.
    "java": ("import java.util.*;\n\npublic class Solution {\n  public long twice(long x) {\n"
             "    List<Long> l = new ArrayList<>(List.of(x, x));\n    return l.get(0) + l.get(1);\n  }\n}\n",
             "import java.io.BufferedReader;\nimport java.io.InputStreamReader;\n\npublic class Main {\n"
             "  public static void main(String[] a) throws Exception {\n"
             "    BufferedReader r = new BufferedReader(new InputStreamReader(System.in));\n"
             "    System.out.println(new Solution().twice(Long.parseLong(r.readLine().trim())));\n  }\n}\n"),
}


@pytest.mark.parametrize("language", sorted(DRIVERS))
def test_driver_is_appended_to_the_source(runner: Runner, language: str) -> None:
    source, driver = DRIVERS[language]
    tests = [{"id": "a", "stdin": "21\n", "expected": "42"}, {"id": "b", "stdin": "-4\n", "expected": "-8"}]
    result = runner.run(language, source, driver=driver, tests=tests)
    assert result["verdict"] == "accepted", result


def test_java_compile_error_keeps_the_candidates_line_numbers(runner: Runner) -> None:
    source = "import java.util.*;\n\nclass Solution {\n  int f() {\n    return oops;\n  }\n}\n"
    driver = "import java.io.*;\npublic class Main { public static void main(String[] a) { } }\n"
    result = runner.run("java", source, driver=driver)
    assert result["verdict"] == "compile_error"
    assert "Main.java:5" in result["message"], result["message"]


@pytest.mark.parametrize("language", ["cpp", "java", "typescript"])
def test_a_compiled_single_run_has_its_own_figures(runner: Runner, language: str) -> None:
    """Without test cases the compile step and the run share one sandbox; each still has its own limits and
    figures: the run's CPU time is not the compiler's."""
    result = runner.run(language, ADD[language], stdin="20 22\n")
    assert result["verdict"] == "accepted" and result["stdout"] == "42\n", result
    assert result["compile"]["ok"] is True
    if language != "typescript":  # esbuild is quicker than node's start; javac and g++ are not
        assert result["cpuMs"] < result["compile"]["cpuMs"], result
