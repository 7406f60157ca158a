"""The runner tests start the real service (real bubblewrap, seccomp, rlimits; nothing mocked) once per
session, on a free port with a random secret and its own slot uids, and stop it at the end.

The service is started with JAVA_TOOL_OPTIONS, NODE_OPTIONS and friends set in its environment: the
sandbox must not pass them on (see test_security.py).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
RUNNER_DIR = ROOT / "runner"
# Ports the Firebase emulators (and other tests) use: never pick these.
RESERVED_PORTS = {4400, 4500, 5000, 5001, 8080, 8081, 8765, 9099, 9150, 9299, 9499}
UID_BASE = 23000  # not the default 20000, so a runner started by hand can run beside the tests
SLOTS = 2
HOSTILE_ENV = {
    "JAVA_TOOL_OPTIONS": "-Xmx8g -Dsalamin.leak=1",
    "_JAVA_OPTIONS": "-Xmx8g",
    "JDK_JAVA_OPTIONS": "-Xmx8g",
    "NODE_OPTIONS": "--max-old-space-size=8000",
    "PYTHONSTARTUP": "/etc/passwd",
    "LD_PRELOAD": "/nonexistent.so",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "runner: starts the sandboxed code runner (needs root and runner/setup.sh)")


def free_port() -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in RESERVED_PORTS:
            return port


def processes_of(uids: set[int]) -> list[str]:
    """'pid uid cmdline' of every live process whose real uid is in `uids` (zombies included)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                uid_line = next(line for line in f if line.startswith("Uid:"))
            uid = int(uid_line.split()[1])
            if uid in uids:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
                found.append(f"{entry} {uid} {cmd}")
        except (OSError, StopIteration):
            continue
    return found


def _cgroup_dir(pid: int, uid_base: int) -> tuple[str, str] | None:
    """(layout, directory) of the runner's parent group for its runs' memory."""
    paths = {}
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _id, controllers, path = line.rstrip("\n").split(":", 2)
            for name in controllers.split(",") if controllers else [""]:
                paths[name] = path
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fstype, _src, options = [*right.split(), "", "", ""][:3]
            mount_point = left.split()[4]
            if fstype == "cgroup" and "memory" in options.split(","):
                d = os.path.join(mount_point, paths.get("memory", "/").lstrip("/"), f"salamin-runner-{uid_base}")
                if os.path.isdir(d):
                    return "v1", d
            if fstype == "cgroup2":
                d = os.path.join(mount_point, paths.get("", "/").lstrip("/"), f"salamin-runner-{uid_base}")
                if os.path.exists(os.path.join(d, "memory.stat")):
                    return "v2", d
    return None


def held_bytes(pid: int, uid_base: int) -> int | None:
    found = _cgroup_dir(pid, uid_base)
    if found is None:
        return None
    layout, d = found
    with open(os.path.join(d, "memory.stat")) as f:
        stat = {k: int(v) for k, v in (line.split() for line in f)}
    if layout == "v2":
        return sum(stat.get(k, 0) for k in ("anon", "shmem", "sock", "slab_unreclaimable", "kernel_stack",
                                              "pagetables"))
    with open(os.path.join(d, "memory.kmem.usage_in_bytes")) as f:
        kmem = int(f.read())
    return stat["total_rss"] + stat["total_shmem"] + kmem


@dataclass
class Runner:
    url: str
    secret: str
    proc: subprocess.Popen[bytes]
    uids: set[int]
    log_path: Path
    session: requests.Session = field(default_factory=requests.Session)

    def post(self, body: Any, secret: str | None = "default", timeout: float = 120) -> requests.Response:
        headers = {}
        if secret == "default":
            headers["X-Runner-Secret"] = self.secret
        elif secret is not None:
            headers["X-Runner-Secret"] = secret
        return self.session.post(f"{self.url}/run", json=body, headers=headers, timeout=timeout)

    def run(self, language: str, source: str, **extra: Any) -> dict[str, Any]:
        """POST /run (fresh connection per call: safe from several threads) and return the 200 body."""
        r = requests.post(f"{self.url}/run", json={"language": language, "source": source, **extra},
                          headers={"X-Runner-Secret": self.secret}, timeout=120)
        assert r.status_code == 200, f"{r.status_code}: {r.text}"
        return r.json()

    def leftovers(self, wait_s: float = 3.0) -> list[str]:
        """Processes still owned by the slots' uids (none may survive a run); waits briefly for exits."""
        deadline = time.monotonic() + wait_s
        while True:
            found = processes_of(self.uids)
            if not found or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def held_bytes(self) -> int | None:
        """Memory the runs still hold, from the kernel's counters of the runner's parent cgroup: anonymous,
        tmpfs and kernel memory (slab, socket buffers), not the page cache of toolchain files that runs read
        (it is reclaimable and stays charged to the parent). None without cgroups."""
        return held_bytes(self.proc.pid, min(self.uids))

    def wait_memory_back(self, before: int | None, slack: int = 48 << 20, wait_s: float = 10.0) -> None:
        """Memory the runs hold is back to `before` (within `slack`); freeing after a kill is asynchronous."""
        if before is None:
            return
        deadline = time.monotonic() + wait_s
        while True:
            now = self.held_bytes()
            if now is None or now <= before + slack:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"runs still hold {(now - before) >> 20} MB more than before the test")
            time.sleep(0.1)


def start_runner(tmp_dir: Path, uid_base: int, slots: int, extra_env: dict[str, str] | None = None,
                 cwd: Path = ROOT) -> Runner:
    if os.geteuid() != 0:
        pytest.fail("the runner tests need root (each sandbox slot runs as its own uid)")
    build = RUNNER_DIR / ".build"
    if not (build / "seccomp.bpf").exists() or not (build / "runner-launch").exists():
        pytest.fail("the runner is not set up: run runner/setup.sh (or scripts/setup.sh)")
    port = free_port()
    secret = secrets.token_hex(24)
    env = {**os.environ, **HOSTILE_ENV, "RUNNER_SECRET": secret, "RUNNER_PORT": str(port),
           "RUNNER_UID_BASE": str(uid_base), "RUNNER_SLOTS": str(slots),
           # The tests queue many slow runs at once on purpose; "busy" has its own service (test_busy.py).
           "RUNNER_QUEUE_WAIT_S": "300",
           # A smaller job tmpfs than the default 64 MB: the capped-compile test then stops sooner on a
           # loaded machine; every legitimate compile output is far smaller.
           "RUNNER_JOB_MB": "24", **(extra_env or {})}
    log_path = tmp_dir / f"runner-{port}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - kept open for the child's lifetime
    proc = subprocess.Popen([sys.executable, "-m", "runner", "--port", str(port)], cwd=cwd, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    log.close()
    url = f"http://127.0.0.1:{port}"
    runner = Runner(url, secret, proc, {uid_base + i for i in range(slots)}, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the runner exited at start (code {proc.returncode}):\n{runner.log()}")
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return runner
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    stop_runner(runner)
    pytest.fail(f"the runner did not answer /healthz within 60 s:\n{runner.log()}")


def stop_runner(runner: Runner) -> None:
    if runner.proc.poll() is None:
        runner.proc.send_signal(signal.SIGTERM)
        try:
            runner.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            runner.proc.kill()
            runner.proc.wait()
    runner.session.close()


@pytest.fixture(scope="session")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    service = start_runner(tmp_path_factory.mktemp("runner"), UID_BASE, SLOTS)
    yield service
    stop_runner(service)
    assert service.proc.returncode == 0, f"the runner did not stop cleanly:\n{service.log()}"
    assert not processes_of(service.uids), "processes of the slots' uids outlived the runner"


@pytest.fixture
def healthy_after(runner: Runner) -> Iterator[Runner]:
    """After the test: no process of a slot uid is left, the memory the runs held is back, and a trivial run
    still works."""
    before = runner.held_bytes()
    yield runner
    left = runner.leftovers()
    assert not left, "processes left behind:\n" + "\n".join(left)
    runner.wait_memory_back(before)
    result = runner.run("python", "print(6 * 7)")
    assert result["verdict"] == "accepted" and result["stdout"] == "42\n", result
