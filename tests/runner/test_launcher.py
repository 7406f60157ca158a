"""runner-launch puts a run in its cgroup before anything of it starts, without moving a whole process
(the kernel's global threadgroup lock waits for an RCU grace period): in v1 it moves its one thread through
`tasks`, in v2 it creates the run's first process inside the group (clone3 with CLONE_INTO_CGROUP). Both
are checked here on this machine's real hierarchies: the layout the service uses, and a bare cgroup2
mount for the v2 path (which needs no controllers to place a process)."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from runner.cgroups import Cgroups, Group
from runner.config import Limits
from tests.runner.conftest import RUNNER_DIR

pytestmark = pytest.mark.runner

LAUNCHER = str(RUNNER_DIR / ".build" / "runner-launch")
UID = 23990  # no service of the tests uses it
SHOW = ["/bin/sh", "-c", "id -u; cat /proc/self/cgroup; echo parent; cat /proc/$PPID/cgroup"]


def _launch(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LAUNCHER, "-u", str(UID), "-f", "2", *args, "--", *SHOW], capture_output=True,
                          text=True, env={}, cwd="/", timeout=30, check=False)


def _paths(text: str) -> dict[str, str]:
    paths = {}
    for line in text.splitlines():
        _id, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            paths[name] = path
    return paths


def _cgroup2_mount() -> str | None:
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[0] == "cgroup2":
                return left.split()[4]
    return None


@pytest.fixture
def layout() -> Iterator[Cgroups]:
    cgroups = Cgroups.detect(f"launchtest-{uuid.uuid4().hex[:8]}", allow_none=True)
    if cgroups.mode == "none":
        pytest.skip("no usable cgroup layout on this machine")
    yield cgroups
    cgroups.close()


def test_the_program_starts_inside_the_runs_group_as_the_slots_uid(layout: Cgroups) -> None:
    lim = Limits()
    group = layout.create("t", lim.memory_bytes, lim.tcp_bytes, lim.processes)
    try:
        done = _launch(group.launcher_args())
        assert done.returncode == 0, done.stderr
        uid, rest = done.stdout.split("\n", 1)
        own, _, launcher = rest.partition("parent\n")
        assert int(uid) == UID
        for controller, directory in group.dirs.items():
            leaf = os.path.basename(directory)
            assert _paths(own)[controller].endswith("/" + leaf), (controller, own)
            if layout.mode == "v1":  # the launcher joined first (its one thread), so it is in the group too
                assert _paths(launcher)[controller].endswith("/" + leaf), (controller, launcher)
        assert group.pids() == []  # everything of the run is gone with it
    finally:
        group.remove()


def test_v2_the_first_process_is_created_in_the_group_and_a_missing_group_runs_nothing() -> None:
    mount = _cgroup2_mount()
    if mount is None or not os.access(mount, os.W_OK):
        pytest.skip("no writable cgroup2 mount")
    directory = os.path.join(mount, f"salamin-launchtest-{uuid.uuid4().hex[:8]}")
    os.mkdir(directory)
    try:
        group = Group("v2", {"": directory})
        done = _launch(group.launcher_args())
        assert done.returncode == 0, done.stderr
        uid, rest = done.stdout.split("\n", 1)
        own, _, launcher = rest.partition("parent\n")
        assert int(uid) == UID
        name = "/" + os.path.basename(directory)
        assert _paths(own)[""].endswith(name), own
        assert not _paths(launcher)[""].endswith(name), launcher  # the launcher waits outside
        # Fail closed: a group that cannot be entered means no run at all.
        missing = _launch(["-g", directory + "-missing"])
        assert missing.returncode == 1
        assert missing.stdout == ""
        assert "starting in cgroup" in missing.stderr
    finally:
        os.rmdir(directory)
