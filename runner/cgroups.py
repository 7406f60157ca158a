"""One cgroup per sandboxed process tree: the kernel counts and caps what a run holds.

Memory (anonymous, page cache, tmpfs, kernel slab, socket buffers where the kernel charges them), the
number of tasks and CPU time are kept by the kernel per group; the service reads those counters instead of
anything a program can write (such as its name in /proc/PID/status). An out-of-memory kill inside the
group is the run's `memory_limit`.

Two layouts are supported and detected at start:

* ``v2``: one cgroup2 hierarchy whose subtree offers ``memory``, ``pids`` and ``cpu`` (Cloud Run's second
  generation, systemd machines). Socket buffers and kernel memory are part of ``memory.current``.
* ``v1``: separate ``memory``, ``pids`` and ``cpuacct`` hierarchies (older hosts, this project's
  development machines). Kernel memory is part of ``memory.usage_in_bytes`` on current kernels; TCP
  buffers are charged only once ``memory.kmem.tcp.limit_in_bytes`` is set, so every group sets it.

Where neither is usable the runner refuses to start; ``RUNNER_CGROUPS=none`` runs without cgroups on
purpose, the weaker mode (rlimits and a watchdog only), which `/healthz` then reports.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from dataclasses import dataclass

V1_CONTROLLERS = ("memory", "pids", "cpuacct")
V2_CONTROLLERS = ("memory", "pids", "cpu")
GROUP_PREFIX = "salamin-runner"


class CgroupUnavailableError(Exception):
    """No usable cgroup layout; the message says why and what to do."""


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _write(path: str, value: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def _mounts() -> list[tuple[str, str, set[str]]]:
    """(mount point, fs type, options) of every cgroup mount, from /proc/self/mountinfo."""
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fstype, _source, options = [*right.split(), "", "", ""][:3]
            if fstype in ("cgroup", "cgroup2"):
                mount_point = left.split()[4].replace("\\040", " ")
                found.append((mount_point, fstype, set(options.split(","))))
    return found


def _own_paths() -> dict[str, str]:
    """This process's cgroup path per v1 controller, and under "" its cgroup2 path."""
    paths: dict[str, str] = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _id, controllers, path = line.rstrip("\n").split(":", 2)
            for name in controllers.split(",") if controllers else [""]:
                paths[name] = path
    return paths


def _mkdir(path: str) -> None:
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o755)


def _number(text: str, key: str) -> int:
    """The value of `key` in a "key value" file (memory.events, memory.oom_control, cpu.stat)."""
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name == key:
            return int(value)
    return 0


@dataclass
class Usage:
    cpu_s: float = 0.0
    peak_bytes: int = 0
    oom_kills: int = 0


class Group:
    """One run's cgroup (one directory per controller in v1, one in v2)."""

    def __init__(self, mode: str, dirs: dict[str, str]) -> None:
        self.mode = mode
        self.dirs = dirs  # controller ("" for v2) -> directory

    def launcher_args(self) -> list[str]:
        """How runner-launch puts the run in this group before anything of it starts, without the kernel's
        global threadgroup lock, whose write side waits for an RCU grace period (10 to 20 ms under load):
        v1: "-c tasks" per hierarchy, where the launcher moves its one thread (as root, before it drops to the
        slot's uid); v2: "-g dir", where the launcher creates the run's first process inside the group
        (clone3 with CLONE_INTO_CGROUP) and stays outside itself."""
        if self.mode == "v2":
            return ["-g", self.dirs[""]]
        return [arg for d in self.dirs.values() for arg in ("-c", os.path.join(d, "tasks"))]

    def _file(self, controller: str, name: str) -> str:
        return os.path.join(self.dirs["" if self.mode == "v2" else controller], name)

    def cpu_s(self) -> float:
        if self.mode == "v2":
            return _number(_read(self._file("cpu", "cpu.stat")), "usage_usec") / 1e6
        return int(_read(self._file("cpuacct", "cpuacct.usage"))) / 1e9

    def reset_peak(self) -> None:
        """Start the peak-memory figure afresh (a run after its compile step in the same group)."""
        name = "memory.peak" if self.mode == "v2" else "memory.max_usage_in_bytes"
        path = self._file("memory", name)
        with contextlib.suppress(OSError):  # v2 before Linux 6.12 cannot reset memory.peak: it stays the max
            _write(path, "0")

    def usage_oom_kills(self) -> int:
        if self.mode == "v2":
            return _number(_read(self._file("memory", "memory.events")), "oom_kill")
        return _number(_read(self._file("memory", "memory.oom_control")), "oom_kill")

    def usage(self) -> Usage:
        if self.mode == "v2":
            peak_file = self._file("memory", "memory.peak")
            peak = int(_read(peak_file)) if os.path.exists(peak_file) else int(
                _read(self._file("memory", "memory.current")))
            oom = _number(_read(self._file("memory", "memory.events")), "oom_kill")
        else:
            peak = int(_read(self._file("memory", "memory.max_usage_in_bytes")))
            oom = _number(_read(self._file("memory", "memory.oom_control")), "oom_kill")
        return Usage(cpu_s=self.cpu_s(), peak_bytes=peak, oom_kills=oom)

    def pids(self) -> list[int]:
        found: set[int] = set()
        for d in self.dirs.values():
            with contextlib.suppress(FileNotFoundError):
                found.update(int(x) for x in _read(os.path.join(d, "cgroup.procs")).split())
        return sorted(found)

    def kill(self) -> None:
        """SIGKILL every process in the group (v2: atomically through cgroup.kill)."""
        if self.mode == "v2":
            kill_file = self._file("", "cgroup.kill")
            if os.path.exists(kill_file):
                _write(kill_file, "1")
                return
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)

    def wait_empty(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while True:
            if not self.pids():
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)

    def remove(self) -> None:
        for d in self.dirs.values():
            for _ in range(50):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError as e:
                    if e.errno != errno.EBUSY:
                        raise
                    time.sleep(0.005)  # the last task is still leaving the group


class Cgroups:
    """The runner's own parent group(s) and a factory of per-run groups."""

    def __init__(self, mode: str, parents: dict[str, str]) -> None:
        self.mode = mode
        self.parents = parents
        self._counter = 0

    def close(self) -> None:
        """Remove the runner's parent group(s) when the service stops (every run's group is gone by then)."""
        for parent in self.parents.values():
            _clean_parent(parent)
            with contextlib.suppress(OSError):
                os.rmdir(parent)

    def describe(self) -> str:
        return {"v2": "cgroup v2", "v1": "cgroup v1 (memory, pids, cpuacct)"}.get(self.mode, self.mode)

    def create(self, name: str, memory_bytes: int, tcp_bytes: int, pids: int) -> Group:
        self._counter += 1
        leaf = f"{name}-{os.getpid()}-{self._counter}"
        dirs: dict[str, str] = {}
        group = Group(self.mode, dirs)
        try:
            for controller, parent in self.parents.items():
                path = os.path.join(parent, leaf)
                os.mkdir(path, 0o755)
                dirs[controller] = path
            if self.mode == "v2":
                d = dirs[""]
                _write(os.path.join(d, "memory.max"), str(memory_bytes))
                with contextlib.suppress(FileNotFoundError):
                    _write(os.path.join(d, "memory.swap.max"), "0")
                _write(os.path.join(d, "pids.max"), str(pids))
            else:
                mem = dirs["memory"]
                _write(os.path.join(mem, "memory.limit_in_bytes"), str(memory_bytes))
                with contextlib.suppress(OSError):  # no swap accounting on this kernel: nothing to cap
                    _write(os.path.join(mem, "memory.memsw.limit_in_bytes"), str(memory_bytes))
                # TCP buffers are charged to a v1 group only once this limit is set.
                _write(os.path.join(mem, "memory.kmem.tcp.limit_in_bytes"), str(tcp_bytes))
                _write(os.path.join(dirs["pids"], "pids.max"), str(pids))
        except BaseException:
            group.remove()
            raise
        return group

    @staticmethod
    def detect(service_name: str, allow_none: bool) -> Cgroups:
        """The usable layout, with the runner's parent group created (and emptied of leftovers)."""
        reasons = []
        for attempt in (_try_v2, _try_v1):
            try:
                return attempt(service_name)
            except CgroupUnavailableError as e:
                reasons.append(str(e))
            except OSError as e:
                reasons.append(f"{attempt.__name__[5:]}: {e}")
        if allow_none:
            return Cgroups("none", {})
        raise CgroupUnavailableError(
            "no usable cgroup layout (" + "; ".join(reasons) + "): run the service as root on a host that "
            "mounts cgroup2 with memory, pids and cpu, or cgroup v1 memory, pids and cpuacct read-write, or set "
            "RUNNER_CGROUPS=none to accept runs limited by rlimits and a watchdog only")


def _clean_parent(parent: str) -> None:
    """Remove groups a previous service left (their processes were killed by uid at start)."""
    for entry in os.scandir(parent):
        if entry.is_dir(follow_symlinks=False):
            with contextlib.suppress(OSError):
                os.rmdir(entry.path)


def _try_v2(service_name: str) -> Cgroups:
    mounts = [m for m in _mounts() if m[1] == "cgroup2"]
    if not mounts:
        raise CgroupUnavailableError("v2: no cgroup2 mount")
    mount_point = mounts[0][0]
    own = _own_paths().get("", "/")
    base = os.path.join(mount_point, own.lstrip("/"))
    available = set(_read(os.path.join(base, "cgroup.controllers")).split())
    missing = [c for c in V2_CONTROLLERS if c not in available]
    if missing:
        raise CgroupUnavailableError(f"v2: the cgroup2 hierarchy offers no {', '.join(missing)} controller")
    parent = os.path.join(base, f"{GROUP_PREFIX}-{service_name}")
    enable = " ".join(f"+{c}" for c in V2_CONTROLLERS)
    try:
        _write(os.path.join(base, "cgroup.subtree_control"), enable)
    except OSError as e:
        if e.errno != errno.EBUSY:
            raise
        # A group with processes of its own cannot hand controllers to children ("no internal processes"):
        # move this service into a leaf of its own first.
        service_leaf = os.path.join(base, f"{GROUP_PREFIX}-service")
        _mkdir(service_leaf)
        for pid in _read(os.path.join(base, "cgroup.procs")).split():
            with contextlib.suppress(OSError):
                _write(os.path.join(service_leaf, "cgroup.procs"), pid)
        _write(os.path.join(base, "cgroup.subtree_control"), enable)
    _mkdir(parent)
    _write(os.path.join(parent, "cgroup.subtree_control"), enable)
    _clean_parent(parent)
    return Cgroups("v2", {"": parent})


def _try_v1(service_name: str) -> Cgroups:
    mounts = {c: m[0] for m in _mounts() if m[1] == "cgroup" for c in V1_CONTROLLERS if c in m[2]}
    missing = [c for c in V1_CONTROLLERS if c not in mounts]
    if missing:
        raise CgroupUnavailableError(f"v1: no {', '.join(missing)} hierarchy mounted")
    own = _own_paths()
    parents = {}
    for controller in V1_CONTROLLERS:
        base = os.path.join(mounts[controller], own.get(controller, "/").lstrip("/"))
        if not os.access(base, os.W_OK):
            raise CgroupUnavailableError(f"v1: {base} is not writable")
        parent = os.path.join(base, f"{GROUP_PREFIX}-{service_name}")
        _mkdir(parent)
        _clean_parent(parent)
        parents[controller] = parent
    with contextlib.suppress(OSError):  # children share the parent's accounting (always on in new kernels)
        _write(os.path.join(parents["memory"], "memory.use_hierarchy"), "1")
    return Cgroups("v1", parents)
