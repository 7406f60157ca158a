"""One sandboxed process tree: bubblewrap + seccomp + rlimits + a watchdog.

Layers, outermost first (see README.md for the reasons):

1. A per-slot unprivileged uid (uid_base + slot). The service (root) starts `runner-launch`
   (native/launch.c) with an empty environment; it drops to that uid (no supplementary groups), forks,
   sets the rlimits, execs `bwrap`, and reports bwrap's wait status, CPU time and peak RSS when it ends.
2. rlimits: CPU seconds per process, address space (or data segment for the JVM, V8 and Go, which reserve
   far more address space than they use), processes (per uid, so per slot), file size, open files, stack,
   no core files.
3. bubblewrap: new user, pid, network (loopback only), ipc, uts and cgroup namespaces, no further user
   namespaces, a fresh tmpfs root made read-only after set-up, /usr and a few /etc entries read-only,
   /usr/local hidden, fresh /proc and minimal /dev, size-capped tmpfs for /box, /tmp and /dev/shm,
   cleared environment, new session, SIGKILL to the whole tree if the service dies.
4. seccomp: a BPF filter (native/filter.c, built by setup.sh) that refuses dangerous calls.
5. The watchdog in this process: wall-clock deadline, CPU time of the whole tree, resident memory of the
   whole tree, output size. On any breach bwrap and everything below it get SIGKILL (killing the pid
   namespace's init takes the whole namespace down), and every process still owned by the slot's uid is
   killed as a last sweep.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import math
import os
import selectors
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field

from runner.config import Limits, Settings, Toolchains

CLK_TCK = os.sysconf("SC_CLK_TCK")
WATCH_INTERVAL_S = 0.02
READ_CHUNK = 65536
PIPE_BYTES = 1024 * 1024
SANDBOX_PATH = "/usr/bin:/bin"

# Inside the sandbox: /box is the working directory (the job's files, writable, during a compile step;
# a fresh tmpfs during a run), /prog is the compiled program (read-only, during a run).
BOX = "/box"
PROG = "/prog"


class SandboxUnavailableError(Exception):
    """The sandbox cannot work on this machine; the message says why and what to do."""


@dataclass(frozen=True)
class Spec:
    argv: list[str]
    stdin: bytes = b""
    writable_dir: str | None = None  # host directory bound read-write at /box (compile steps)
    program_dir: str | None = None  # host directory bound read-only at /prog (runs)
    address_space_limit: bool = True  # RLIMIT_AS, else RLIMIT_DATA
    limits: Limits = field(default_factory=Limits)


@dataclass
class Execution:
    exit_code: int | None = None  # None when the program died of a signal
    signal: int | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    stdout_overflow: bool = False
    stderr_truncated: bool = False
    killed: str | None = None  # "time", "memory" or "output" when the watchdog stopped the run
    cpu_limit_signal: bool = False  # SIGXCPU/SIGKILL from RLIMIT_CPU
    wall_ms: int = 0
    cpu_ms: int = 0
    peak_memory_kb: int = 0
    sandbox_error: str | None = None  # the sandbox itself failed (never the program's fault)


def _bind_root_entries() -> list[str]:
    """/bin, /lib, ... : symlinks on merged-/usr systems (recreated as symlinks), else read-only binds."""
    args: list[str] = []
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = f"/{name}"
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args


def _output_pipe() -> tuple[int, int]:
    """A pipe for the program's stdout or stderr, 1 MiB deep: a runtime that queues writes in memory when the
    pipe is full (node does) would otherwise hide a flood of output behind a time or memory limit."""
    r, w = os.pipe2(os.O_CLOEXEC)
    with contextlib.suppress(OSError):
        fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    return r, w


def _tree(root: int) -> list[int]:
    """The pids of `root` and all its descendants (orphans are reparented to the sandbox's pid 1, which
    is a descendant of root, so nothing escapes this walk)."""
    pids = [root]
    i = 0
    while i < len(pids):
        pid = pids[i]
        i += 1
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                    data = f.read()
            except OSError:
                continue
            pids.extend(int(x) for x in data.split())
    return pids


def _usage(pids: list[int]) -> tuple[float, int]:
    """(CPU seconds, resident memory bytes) of the given processes: CPU counts reaped children too; memory is
    private and shared anonymous memory (RssAnon + RssShmem), not pages of files such as libraries."""
    ticks = 0
    kb = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read()
            with open(f"/proc/{pid}/status", "rb") as f:
                status = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        # fields[0] is field 3 (state); utime, stime, cutime, cstime are fields 14-17
        ticks += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        for key in (b"RssAnon:", b"RssShmem:"):
            at = status.find(key)
            if at >= 0:
                kb += int(status[at + len(key) : status.index(b"kB", at)])
    return ticks / CLK_TCK, kb * 1024


def _read_report(fd: int) -> tuple[int, int, int] | None:
    """The launcher's line: wait status, user and system CPU in microseconds, peak RSS in KB."""
    try:
        data = os.read(fd, 256)
        status, utime, stime, maxrss = (int(x) for x in data.split())
    except (OSError, ValueError):
        return None
    return status, utime + stime, maxrss


def kill_uid(launcher: str, uid: int) -> None:
    """SIGKILL every process whose uid is `uid`: the launcher drops to that uid and calls kill(-1). The last
    sweep after a run that was stopped, and at start and stop of the service."""
    subprocess.run([launcher, "-u", str(uid), "-k"], env={}, cwd="/", close_fds=True, check=False,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Sandbox:
    def __init__(self, settings: Settings, tools: Toolchains) -> None:
        self.settings = settings
        self.tools = tools
        self.bwrap = shutil.which("bwrap", path="/usr/bin:/bin:/usr/local/bin")
        self.launcher = settings.launcher
        if os.geteuid() != 0:
            raise SandboxUnavailableError("the runner must run as root: each slot's programs run as their own uid")
        if not self.bwrap:
            raise SandboxUnavailableError("bubblewrap is missing: run runner/setup.sh (apt-get install bubblewrap)")
        for path, what in ((settings.seccomp_bpf, "the seccomp filter"), (settings.launcher, "the launcher")):
            if not os.path.isfile(path):
                raise SandboxUnavailableError(f"{what} ({os.path.basename(path)}) is not built: run runner/setup.sh")
        self._static = self._static_args()

    # ---- bwrap command line ----------------------------------------------------------------------------
    def _static_args(self) -> list[str]:
        args = [
            "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
            "--hostname", "sandbox",
            "--clearenv", "--setenv", "PATH", SANDBOX_PATH, "--setenv", "HOME", BOX, "--setenv", "TMPDIR", "/tmp",
            "--setenv", "LANG", "C.UTF-8",
            "--ro-bind", "/usr", "/usr",
        ]
        if os.path.isdir("/usr/local"):
            args += ["--tmpfs", "/usr/local"]  # hidden; tools that live there are bound back below
        args += _bind_root_entries()
        etc = ["/etc/alternatives", "/etc/ld.so.cache", *sorted(glob.glob("/etc/java-*"))]
        for path in etc:
            if os.path.exists(path):
                args += ["--ro-bind", path, path]
        for src, dst in self.tools.binds():
            args += ["--ro-bind", src, dst]
        if os.path.isdir("/usr/local"):
            args += ["--remount-ro", "/usr/local"]
        tmpfs = str(self.settings.limits.tmpfs_bytes)
        args += [
            "--proc", "/proc",
            "--dev", "/dev", "--size", str(16 * 1024 * 1024), "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
            "--size", tmpfs, "--tmpfs", "/tmp",
        ]
        return args

    def uid(self, slot: int) -> int:
        return self.settings.uid_base + slot

    def _argv(self, slot: int, spec: Spec, seccomp_fd: int, report_fd: int) -> list[str]:
        lim = spec.limits
        cpu = max(1, math.ceil(lim.cpu_s))
        memory = f"as={lim.memory_bytes}" if spec.address_space_limit else f"data={lim.data_bytes}"
        uid = str(self.uid(slot))
        argv = [self.launcher, "-u", uid, "-f", str(report_fd)]
        for limit in (f"cpu={cpu}:{cpu + 1}", memory, f"nproc={lim.processes}", f"fsize={lim.file_bytes}",
                      f"nofile={lim.open_files}", f"stack={lim.stack_bytes}", "core=0"):
            argv += ["-r", limit]
        argv += ["--", str(self.bwrap), *self._static, "--uid", uid, "--gid", uid]
        if spec.writable_dir:
            argv += ["--bind", spec.writable_dir, BOX]
        else:
            argv += ["--size", str(lim.tmpfs_bytes), "--tmpfs", BOX]
        if spec.program_dir:
            argv += ["--ro-bind", spec.program_dir, PROG]
        argv += ["--chdir", BOX, "--remount-ro", "/", "--seccomp", str(seccomp_fd), "--", *spec.argv]
        return argv

    # ---- one run ---------------------------------------------------------------------------------------
    def run(self, slot: int, spec: Spec) -> Execution:
        uid = self.uid(slot)
        seccomp_fd = os.open(self.settings.seccomp_bpf, os.O_RDONLY | os.O_CLOEXEC)
        report_r, report_w = os.pipe2(os.O_CLOEXEC)
        out_r, out_w = _output_pipe()
        err_r, err_w = _output_pipe()
        try:
            argv = self._argv(slot, spec, seccomp_fd, report_w)
            start = time.monotonic()
            try:
                proc = subprocess.Popen(
                    # No user=/group= here: the launcher drops to the slot's uid itself, which lets Python
                    # use vfork instead of copying the service's address space for every run.
                    argv, stdin=subprocess.PIPE, stdout=out_w, stderr=err_w, env={}, cwd="/",
                    process_group=0, close_fds=True, pass_fds=(seccomp_fd, report_w),
                )
            except OSError as e:
                for fd in (report_r, out_r, err_r):
                    os.close(fd)
                return Execution(sandbox_error=f"could not start the sandbox: {e}")
        finally:
            for fd in (seccomp_fd, report_w, out_w, err_w):
                os.close(fd)
        try:
            result = self._supervise(proc, spec, start, (out_r, err_r, report_r))
        finally:
            for fd in (report_r, out_r, err_r):
                os.close(fd)
            if proc.stdin is not None:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
        if result.killed or result.signal is not None or result.sandbox_error:
            kill_uid(self.launcher, uid)
        return result

    def _supervise(self, proc: subprocess.Popen[bytes], spec: Spec, start: float,
                   fds: tuple[int, int, int]) -> Execution:
        lim = spec.limits
        res = Execution()
        assert proc.stdin
        out_fd, err_fd, report_fd = fds
        in_fd = proc.stdin.fileno()
        pidfd = os.pidfd_open(proc.pid)
        sel = selectors.DefaultSelector()
        out = bytearray()
        err = bytearray()
        err_total = 0
        stdin = memoryview(spec.stdin)
        try:
            for fd in (out_fd, err_fd, in_fd):
                os.set_blocking(fd, False)
            sel.register(out_fd, selectors.EVENT_READ)
            sel.register(err_fd, selectors.EVENT_READ)
            sel.register(pidfd, selectors.EVENT_READ)
            if stdin:
                sel.register(in_fd, selectors.EVENT_WRITE)
            else:
                proc.stdin.close()
            open_pipes = {out_fd, err_fd}
            exited = False
            deadline = start + lim.wall_s
            next_watch = start + WATCH_INTERVAL_S
            drain_until: float | None = None
            peak_anon = 0
            cpu_seen = 0.0

            def stop(reason: str) -> None:
                # SIGKILL the sandbox (bwrap, the pid namespace's init and everything below), not the launcher,
                # which then reaps bwrap and reports; killing the namespace's init takes down every process in it.
                nonlocal drain_until
                if res.killed is None:
                    res.killed = reason
                for pid in _tree(proc.pid)[1:]:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
                if drain_until is None:
                    drain_until = time.monotonic() + 2.0

            while not exited or open_pipes:
                now = time.monotonic()
                if drain_until is not None and now > drain_until:
                    break  # killed and still not closed: give up on the rest of the output
                if not exited and res.killed is None and now >= deadline:
                    stop("time")
                if not exited and res.killed is None and now >= next_watch:
                    cpu, anon = _usage(_tree(proc.pid))
                    cpu_seen = max(cpu_seen, cpu)
                    peak_anon = max(peak_anon, anon)
                    if anon > lim.memory_bytes:
                        stop("memory")
                    elif cpu > lim.cpu_s:
                        stop("time")
                    next_watch = time.monotonic() + WATCH_INTERVAL_S
                waiting = exited or res.killed
                timeout = 0.01 if waiting else max(0.0, min(next_watch, deadline) - time.monotonic())
                for key, _ in sel.select(timeout):
                    fd = key.fd
                    if fd == pidfd:
                        exited = True
                        sel.unregister(pidfd)
                        if drain_until is None:  # every writer is gone with the sandbox: EOF is near
                            drain_until = time.monotonic() + 2.0
                    elif fd == in_fd:
                        try:
                            n = os.write(in_fd, stdin[:READ_CHUNK])
                            stdin = stdin[n:]
                        except BlockingIOError:
                            continue
                        except OSError:  # the program closed stdin or exited: the rest is not wanted
                            stdin = stdin[:0]
                        if not stdin:
                            sel.unregister(in_fd)
                            proc.stdin.close()
                    else:
                        try:
                            chunk = os.read(fd, READ_CHUNK)
                        except BlockingIOError:
                            continue
                        if not chunk:
                            sel.unregister(fd)
                            open_pipes.discard(fd)
                            continue
                        if fd == out_fd:
                            room = lim.stdout_bytes - len(out)
                            out += chunk[: max(room, 0)]
                            if len(chunk) > room:
                                res.stdout_overflow = True
                                stop("output")
                        else:
                            err_total += len(chunk)
                            room = lim.stderr_bytes - len(err)
                            if room > 0:
                                err += chunk[:room]
                            if err_total > lim.stderr_bytes:
                                res.stderr_truncated = True
                            if err_total > lim.stderr_kill_bytes:
                                stop("output")
            if not exited:  # output was abandoned after a kill: make sure the launcher goes too
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            _pid, launcher_status, _rusage = os.wait4(proc.pid, 0)
            proc.returncode = launcher_status  # reaped here; keep Popen from waiting again
            res.wall_ms = round((time.monotonic() - start) * 1000)
        finally:
            sel.close()
            os.close(pidfd)
        res.stdout = bytes(out)
        res.stderr = bytes(err)
        report = _read_report(report_fd)
        if report is None:  # the launcher was killed: only the watchdog's figures are known
            res.cpu_ms = round(cpu_seen * 1000)
            res.peak_memory_kb = peak_anon // 1024
            res.signal = signal.SIGKILL
            if res.killed is None:
                res.sandbox_error = "the sandbox's launcher ended without a report"
            return res
        status, cpu_us, maxrss_kb = report
        res.cpu_ms = round(max(cpu_us / 1000, cpu_seen * 1000))
        res.peak_memory_kb = max(maxrss_kb, peak_anon // 1024)
        if os.WIFSIGNALED(status):
            res.signal = os.WTERMSIG(status)
        else:
            code = os.WEXITSTATUS(status)
            # bwrap reports a program killed by signal N as exit status 128 + N
            if 128 < code < 128 + 65:
                res.signal = code - 128
            else:
                res.exit_code = code
        if res.signal in (signal.SIGXCPU, signal.SIGKILL) and res.cpu_ms >= lim.cpu_s * 1000 * 0.95:
            res.cpu_limit_signal = True
        if res.killed is None and res.exit_code in (1, 126, 127) and res.stderr.startswith(
                (b"bwrap: ", b"runner-launch: ")):
            res.sandbox_error = res.stderr.decode(errors="replace").strip()
        return res

    # ---- start-up check ---------------------------------------------------------------------------------
    def self_test(self, slot_dir: str) -> None:
        """Run /bin/true in the sandbox once, so a broken sandbox is reported at start, not at the first run."""
        result = self.run(0, Spec(argv=["/bin/true"], program_dir=slot_dir))
        if result.sandbox_error or result.exit_code != 0:
            detail = (result.sandbox_error or result.stderr.decode(errors="replace").strip()
                      or f"exit {result.exit_code}")
            hint = ""
            if "namespace" in detail.lower() or "permission" in detail.lower():
                hint = " (unprivileged user namespaces must be allowed: sysctl user.max_user_namespaces > 0)"
            raise SandboxUnavailableError(f"the sandbox does not work here: {detail}{hint}")


def ensure_dir(path: str, uid: int, mode: int) -> None:
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, mode)
    os.chown(path, uid, uid)
    os.chmod(path, mode)


def clear_dir(path: str) -> None:
    """Empty a slot's job directory (files the sandbox made belong to the slot's uid; root removes them)."""
    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)

