"""How each language is written to disk, compiled and run.

Commands are built for a directory (`/box` for a compile step and `/prog` for a run inside the sandbox;
a plain temporary directory for the bench's bare runs), so the sandboxed and bare commands are the same
toolchain invocations. The flags are the runner's, never the user's: the environment is cleared, so
JAVA_TOOL_OPTIONS, NODE_OPTIONS or PYTHON* cannot reach a program.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from runner.config import Toolchains

JAVA_FLAGS = (
    "-Xmx256m",
    "-Xss64m",
    "-XX:MaxMetaspaceSize=128m",
    "-XX:ReservedCodeCacheSize=64m",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:-UsePerfData",
    "-Xshare:auto",
)
NODE_FLAGS = ("--max-old-space-size=384",)


@dataclass(frozen=True)
class Language:
    name: str
    source_file: str
    tools: tuple[str, ...]  # Toolchains fields this language needs
    # argv of the compile step, run with the working directory `work` (None: nothing to compile)
    compile_argv: Callable[[Toolchains, str], list[str]] | None
    # argv of one run of the program found in `prog`; `setup` is a file with a test case's setup (SQL)
    run_argv: Callable[[Toolchains, str, str | None], list[str]]
    # whether RLIMIT_AS can be applied (the JVM, V8 and Go reserve far more address space than they use;
    # they get RLIMIT_DATA, their own heap cap and the RSS watchdog instead)
    run_address_space_limit: bool = True
    compile_address_space_limit: bool = True
    # stderr markers that mean the program ran out of memory (with a non-zero exit)
    memory_markers: tuple[bytes, ...] = ()
    # source file's name as the compiler reports it, for readable compile errors
    display_name: str = ""


def _t(tools: Toolchains, name: str) -> str:
    tool = getattr(tools, name)
    if tool is None:  # checked before any run; see judge.check_language
        raise RuntimeError(f"toolchain {name} is missing")
    return str(tool.sandbox_path)


def _python_run(tools: Toolchains, prog: str, _setup: str | None) -> list[str]:
    return [_t(tools, "python"), "-I", "-B", f"{prog}/main.py"]


def _node_run(tools: Toolchains, prog: str, _setup: str | None) -> list[str]:
    return [_t(tools, "node"), *NODE_FLAGS, f"{prog}/main.js"]


def _ts_compile(tools: Toolchains, work: str) -> list[str]:
    return [
        _t(tools, "esbuild"),
        f"{work}/main.ts",
        f"--outfile={work}/main.js",
        "--format=cjs",
        "--platform=node",
        "--target=node20",
        "--log-level=error",
        "--color=false",
    ]


def _java_compile(tools: Toolchains, work: str) -> list[str]:
    jflags = [f"-J{flag}" for flag in JAVA_FLAGS if not flag.startswith("-Xss")]
    return [_t(tools, "javac"), *jflags, "-encoding", "UTF-8", "-nowarn", "-d", work, f"{work}/Main.java"]


def _java_run(tools: Toolchains, prog: str, _setup: str | None) -> list[str]:
    return [_t(tools, "java"), *JAVA_FLAGS, "-cp", prog, "Main"]


def _cpp_compile(tools: Toolchains, work: str) -> list[str]:
    return [_t(tools, "gpp"), "-std=gnu++17", "-O2", "-pipe", "-o", f"{work}/main", f"{work}/main.cpp"]


def _cpp_run(_tools: Toolchains, prog: str, _setup: str | None) -> list[str]:
    return [f"{prog}/main"]


def _sql_run(tools: Toolchains, prog: str, setup: str | None) -> list[str]:
    # The query arrives on stdin; -safe refuses .shell, .system, .open, ATTACH and the like.
    return [_t(tools, "sqlite3"), "-bail", "-batch", "-safe", "-list", "-noheader", "-init", setup or "/dev/null",
            ":memory:"]


PYTHON_MEMORY = (b"MemoryError",)
NODE_MEMORY = (b"heap out of memory", b"Reached heap limit", b"Array buffer allocation failed")
JAVA_MEMORY = (b"java.lang.OutOfMemoryError", b"insufficient memory for the Java Runtime Environment")
CPP_MEMORY = (b"std::bad_alloc",)
SQL_MEMORY = (b"out of memory",)

LANGUAGES: dict[str, Language] = {
    "python": Language("python", "main.py", ("python",), None, _python_run, memory_markers=PYTHON_MEMORY),
    "javascript": Language("javascript", "main.js", ("node",), None, _node_run, run_address_space_limit=False,
                           memory_markers=NODE_MEMORY),
    "typescript": Language("typescript", "main.ts", ("node", "esbuild"), _ts_compile, _node_run,
                           run_address_space_limit=False, compile_address_space_limit=False,
                           memory_markers=NODE_MEMORY),
    "java": Language("java", "Main.java", ("java", "javac"), _java_compile, _java_run, run_address_space_limit=False,
                     compile_address_space_limit=False, memory_markers=JAVA_MEMORY),
    "cpp": Language("cpp", "main.cpp", ("gpp",), _cpp_compile, _cpp_run, memory_markers=CPP_MEMORY),
    "sql": Language("sql", "main.sql", ("sqlite3",), None, _sql_run, memory_markers=SQL_MEMORY),
}

_JAVA_IMPORT = re.compile(r"^\s*import\s+(static\s+)?[\w.]+(\.\*)?\s*;\s*$")
_PUBLIC_SOLUTION = re.compile(r"\bpublic\s+((?:final\s+|abstract\s+)*class\s+Solution\b)")


def _java_program(source: str, driver: str) -> str:
    """Main.java from a candidate's `class Solution` and a question's `public class Main`.

    Java wants every import before the first class, so the driver's import lines move to the top, onto
    the source's first line: the candidate's line numbers in compiler messages stay what they see. A
    `public class Solution` would need its own file, so `public` is dropped from it (same line count).
    """
    imports: list[str] = []
    body: list[str] = []
    for line in driver.split("\n"):
        if _JAVA_IMPORT.match(line):
            imports.append(line.strip())
            body.append("")
        else:
            body.append(line)
    source = _PUBLIC_SOLUTION.sub(r"\1", source)
    prefix = " ".join(imports) + " " if imports else ""
    return f"{prefix}{source}\n" + "\n".join(body)


def program_files(language: Language, source: str, driver: str | None) -> dict[str, str]:
    """The files a run starts from: the source with the driver (if any) appended."""
    if not driver:
        return {language.source_file: source}
    text = _java_program(source, driver) if language.name == "java" else f"{source}\n{driver}"
    return {language.source_file: text}
