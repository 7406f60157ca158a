"""What the code runner's sandbox costs: a trivial program per language, bare and sandboxed.

Usage (as root, after runner/setup.sh): .venv/bin/python bench/runner_overhead.py [--runs 30]

Starts the runner service by itself (a free port, a random secret, its own slot uids), then per language:

* request: the whole job a caller sees. Bare: the same toolchain commands (compile if any, then run) with
  subprocess, no bwrap, no limits. Sandboxed: POST /run, timed at the client (HTTP and JSON included).
* run: the run step alone (compile excluded). Bare: the run's subprocess. Sandboxed: the response's
  wallMs, the service's own timing of the run (launcher, bwrap, seccomp, watchdog, program).

Bare and sandboxed requests alternate, so both see the same load on a shared machine.

Then throughput: concurrent requests of a trivial Python program for ~10 s with every core busy, and what
creating and removing one run's cgroup costs (the layout the service uses: v2, or v1 memory+pids+cpuacct),
with its limits written, as the service does for every compile step and run.
It stops the service and ends with one line of JSON: per language the request figures
{"bare_p50_ms", "sandbox_p50_ms", "overhead_p50_ms"}, "runs_per_s", "cgroups" (the layout),
"cgroup_create_remove_p50_ms" and "cgroup_join_p50_ms".
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from runner.cgroups import Cgroups
from runner.config import Limits, Toolchains, find_toolchains
from runner.languages import LANGUAGES, program_files

UID_BASE = 24000
RESERVED_PORTS = {4400, 4500, 5000, 5001, 8080, 8081, 8765, 9099, 9150, 9299, 9499}
TRIVIAL = {
    "python": "print('ok')\n",
    "javascript": "console.log('ok');\n",
    "typescript": "const word: string = 'ok';\nconsole.log(word);\n",
    "java": "public class Main { public static void main(String[] a) { System.out.println(\"ok\"); } }\n",
    "cpp": "#include <cstdio>\nint main() { puts(\"ok\"); }\n",
    "sql": "SELECT 'ok';\n",
}


def free_port() -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
        if port not in RESERVED_PORTS:
            return port


def p50(xs: list[float]) -> float:
    return round(statistics.median(xs), 1)


class Service:
    def __init__(self) -> None:
        self.port = free_port()
        self.secret = secrets.token_hex(24)
        env = {**os.environ, "RUNNER_SECRET": self.secret, "RUNNER_PORT": str(self.port),
               "RUNNER_UID_BASE": str(UID_BASE)}
        self.log = tempfile.NamedTemporaryFile(prefix="runner-bench-", suffix=".log", delete=False)  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "runner", "--port", str(self.port)], cwd=ROOT, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        self.session = requests.Session()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the runner did not start:\n{Path(self.log.name).read_text()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit("the runner did not answer /healthz within 60 s")

    def run(self, body: dict[str, Any], session: requests.Session | None = None) -> dict[str, Any]:
        r = (session or self.session).post(f"{self.url}/run", json=body, headers={"X-Runner-Secret": self.secret},
                                           timeout=120)
        r.raise_for_status()
        result: dict[str, Any] = r.json()
        return result

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.session.close()
        os.unlink(self.log.name)


def bare_tools() -> Toolchains:
    """The toolchains as the bare runs call them (their host paths, not the sandbox's)."""
    tools = find_toolchains()
    return Toolchains(**{
        name: dataclasses.replace(tool, sandbox_path=tool.host_path) if tool else None
        for name, tool in tools.__dict__.items()
    })


class Bare:
    """A language's program compiled and run with subprocess in a temporary directory."""

    def __init__(self, language: str, tools: Toolchains) -> None:
        self.lang = LANGUAGES[language]
        self.tools = tools
        self.dir = tempfile.mkdtemp(prefix="runner-bench-bare-")
        self.env = {"PATH": "/usr/bin:/bin", "HOME": self.dir, "LANG": "C.UTF-8"}
        self.source = TRIVIAL[language]

    def _call(self, argv: list[str], stdin: bytes = b"") -> None:
        done = subprocess.run(argv, input=stdin, capture_output=True, cwd=self.dir, env=self.env)
        if done.returncode != 0:
            raise SystemExit(f"bare {self.lang.name} failed: {argv}\n{done.stderr.decode(errors='replace')}")

    def write_and_compile(self) -> None:
        for name, text in program_files(self.lang, self.source, None).items():
            Path(self.dir, name).write_text(text)
        if self.lang.compile_argv is not None:
            self._call(self.lang.compile_argv(self.tools, self.dir))

    def run_once(self) -> None:
        stdin = Path(self.dir, "main.sql").read_bytes() if self.lang.name == "sql" else b""
        self._call(self.lang.run_argv(self.tools, self.dir, None), stdin)

    def request(self) -> tuple[float, float]:
        """Compile (if any) and run; returns (whole ms, run ms)."""
        start = time.perf_counter()
        self.write_and_compile()
        run_start = time.perf_counter()
        self.run_once()
        end = time.perf_counter()
        return (end - start) * 1000, (end - run_start) * 1000

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def measure(bare: Bare, service: Service, body: dict[str, Any], runs: int, warmup: int = 3,
            ) -> dict[str, list[float]]:
    """Bare and sandboxed requests, interleaved so that both see the same load on the machine."""
    times: dict[str, list[float]] = {"bare_req": [], "bare_run": [], "sandbox_req": [], "sandbox_run": []}
    for i in range(warmup + runs):
        bare_req, bare_run = bare.request()
        start = time.perf_counter()
        result = service.run(body)
        sandbox_req = (time.perf_counter() - start) * 1000
        if result["verdict"] != "accepted" or result["stdout"] != "ok\n":
            raise SystemExit(f"{body['language']}: the sandboxed run failed: {result}")
        if i >= warmup:
            times["bare_req"].append(bare_req)
            times["bare_run"].append(bare_run)
            times["sandbox_req"].append(sandbox_req)
            times["sandbox_run"].append(float(result["wallMs"]))  # the run alone, as the service timed it
    return times


def throughput(service: Service, seconds: float, workers: int) -> float:
    body = {"language": "python", "source": TRIVIAL["python"]}
    stop_at = time.monotonic() + seconds
    counts = [0] * workers
    failures: list[str] = []

    def loop(i: int) -> None:
        with requests.Session() as session:
            while time.monotonic() < stop_at:
                result = service.run(body, session)
                if result["verdict"] != "accepted":
                    failures.append(str(result))
                    return
                counts[i] += 1

    start = time.monotonic()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"throughput run failed: {failures[0]}")
    return sum(counts) / (time.monotonic() - start)


def cgroup_cost(runs: int) -> tuple[str, float | None, float | None]:
    """p50 ms of (1) creating one run's cgroup with its limits written, reading its counters and removing it,
    and (2) what entering it adds to starting a process: the launcher running /bin/true into a fresh group
    the way the service does (v1: its one thread through `tasks`; v2: CLONE_INTO_CGROUP), minus the same
    without a group. (Moving a whole process through `cgroup.procs` would wait for an RCU grace period.)"""
    groups = Cgroups.detect("bench", allow_none=True)
    if groups.mode == "none":
        return "none", None, None
    lim = Limits()
    launcher = str(ROOT / "runner" / ".build" / "runner-launch")
    create: list[float] = []
    joined: list[float] = []
    plain: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        group = groups.create("bench", lim.memory_bytes, lim.tcp_bytes, lim.processes)
        group.usage()
        group.remove()
        create.append((time.perf_counter() - start) * 1000)
        group = groups.create("bench", lim.memory_bytes, lim.tcp_bytes, lim.processes)
        joins = group.launcher_args()
        start = time.perf_counter()
        subprocess.run([launcher, "-u", str(UID_BASE + 99), "-f", "1", *joins, "--", "/bin/true"],
                       stdout=subprocess.DEVNULL, check=True)
        joined.append((time.perf_counter() - start) * 1000)
        group.remove()
        start = time.perf_counter()
        subprocess.run([launcher, "-u", str(UID_BASE + 99), "-f", "1", "--", "/bin/true"],
                       stdout=subprocess.DEVNULL, check=True)
        plain.append((time.perf_counter() - start) * 1000)
    for parent in groups.parents.values():
        os.rmdir(parent)
    attach = statistics.median(joined) - statistics.median(plain)
    return groups.mode, round(statistics.median(create), 2), round(attach, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the throughput run")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the runner gives each slot its own uid")
    tools = bare_tools()
    load_before = os.getloadavg()[0]
    service = Service()
    summary: dict[str, Any] = {}
    rows = []
    try:
        for language in LANGUAGES:
            bare = Bare(language, tools)
            try:
                t = measure(bare, service, {"language": language, "source": TRIVIAL[language]}, args.runs)
            finally:
                bare.close()
            overhead = p50([s - b for s, b in zip(t["sandbox_req"], t["bare_req"], strict=True)])
            summary[language] = {"bare_p50_ms": p50(t["bare_req"]), "sandbox_p50_ms": p50(t["sandbox_req"]),
                                 "overhead_p50_ms": overhead}
            rows.append((language, p50(t["bare_req"]), p50(t["sandbox_req"]), overhead, p50(t["bare_run"]),
                         p50(t["sandbox_run"])))
            print(f"  measured {language}", file=sys.stderr, flush=True)
        workers = 2 * (os.cpu_count() or 1)
        runs_per_s = throughput(service, args.seconds, workers)
    finally:
        service.stop()
    cgroup_mode, cgroup_ms, attach_ms = cgroup_cost(max(args.runs, 50))

    print(f"\nrunner overhead, p50 of {args.runs} runs after warm-up ({os.cpu_count()} cores, "
          f"load average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after)")
    print("request = compile (if any) + run, as a caller sees it; run = one execution of the compiled program;")
    print("request overhead = p50 of (sandboxed - bare) over interleaved pairs\n")
    header = f"{'language':<11} {'request bare':>13} {'sandboxed':>10} {'overhead':>9}   {'run bare':>9} " \
             f"{'sandboxed':>10} {'overhead':>9}"
    print(header)
    print("-" * len(header))
    for language, b_req, s_req, over, b_run, s_run in rows:
        print(f"{language:<11} {b_req:>10.1f} ms {s_req:>7.1f} ms {over:>+6.1f} ms   "
              f"{b_run:>6.1f} ms {s_run:>7.1f} ms {s_run - b_run:>+6.1f} ms")
    print(f"\nthroughput: {runs_per_s:.1f} trivial Python runs per second ({workers} concurrent clients)")
    print(f"cgroup per run ({cgroup_mode}): create with limits + read counters + remove, p50 {cgroup_ms} ms; "
          f"joining it adds {attach_ms} ms to a process start (p50)")
    summary["runs_per_s"] = round(runs_per_s, 1)
    summary["cgroups"] = cgroup_mode
    summary["cgroup_create_remove_p50_ms"] = cgroup_ms
    summary["cgroup_join_p50_ms"] = attach_ms
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
