"""One sandboxed process tree: bubblewrap + seccomp + rlimits + a watchdog.

Layers, outermost first (see README.md for the reasons):

0. A cgroup per run (runner/cgroups.py), entered before anything starts (the launcher joins it in v1; in v2
   it starts the run's first process inside it): the kernel caps and counts memory (including page cache,
   tmpfs, slab and socket buffers), tasks and CPU time of the whole tree; an OOM kill in the group is
   memory_limit. Only with RUNNER_CGROUPS=none is this layer missing.
1. A per-slot unprivileged uid (uid_base + slot). The service (root) starts `runner-launch`
   (native/launch.c) with an empty environment; it joins the run's cgroup (v1), drops to that uid (no
   supplementary groups), forks (v2: into the group), sets the rlimits, execs `bwrap`, and reports bwrap's
   wait status, CPU time and peak RSS when it ends.
2. rlimits: CPU seconds per process, address space (or data segment for the JVM, V8 and Go), processes
   (per uid, so per slot), file size, open files, no core files.
3. bubblewrap: new user, pid, network (loopback only), ipc, uts and cgroup namespaces, no further user
   namespaces, a fresh tmpfs root made read-only after set-up, /usr and a few /etc entries read-only,
   /usr/local hidden, fresh /proc and minimal /dev (no ptys), size-capped tmpfs for /box, /tmp and
   /dev/shm, cleared environment, new session, SIGKILL to the whole tree if the service dies.
4. seccomp: two stacked BPF filters (native/filter.c, built by setup.sh): an allowlist (any other call is
   ENOSYS) and a denylist with argument checks for dangerous calls.
5. The watchdog in this process: wall-clock deadline, CPU time and OOM kills from the group's counters
   (never text a program can write), output size. On any breach, and on any failure of the watchdog
   itself, every process of the run is SIGKILLed (kill(-1) as the slot's uid, cgroup.kill in v2), and a
   run never returns while its group (or, without cgroups, its uid) still has a process.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import math
import os
import resource
import selectors
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field

from runner.cgroups import Cgroups, Group, Usage
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
STAGE = "/opt/tools/runner-stage"
COMPILE_OUTPUT_BYTES = 64 * 1024  # kept of a compile step's output (compilers can print megabytes of errors)


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
    # Compile first in the same sandbox (runner-stage), with `writable_dir` at /box; `argv` runs only if the
    # compile step exits with 0. Each step has its own wall-clock and CPU limits. Needs cgroups.
    compile_argv: list[str] | None = None


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
    compile: Execution | None = None  # the compile step of a Spec with compile_argv (its output in stderr)
    ran: bool = True  # False when a compile step in the same sandbox failed or was stopped


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


def _weak_usage(pids: list[int]) -> tuple[float, int]:
    """(CPU seconds, resident anonymous bytes) of the given processes, for the weak mode without cgroups.

    Only kernel-formatted fields are read: the numeric fields after the last ')' of /proc/PID/stat, and
    /proc/PID/status lines found at the start of a line (the kernel escapes a newline in a process's name,
    so a name cannot fake a line). Anything unreadable raises, and the caller stops the run.
    """
    ticks = 0
    kb = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read()
            with open(f"/proc/{pid}/status", "rb") as f:
                status = f.read()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rfind(b")") + 2 :].split()
        # fields[0] is field 3 (state); utime, stime, cutime, cstime are fields 14-17
        ticks += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        for line in status.split(b"\n")[1:]:  # line 0 is Name:, the one line a program controls
            if line.startswith((b"RssAnon:", b"RssShmem:")):
                value, unit = line.split(b":", 1)[1].split()
                if unit != b"kB":
                    raise ValueError(f"unexpected unit in /proc/{pid}/status")
                kb += int(value)
    return ticks / CLK_TCK, kb * 1024


def _tree(root: int) -> list[int]:
    """The pids of `root` and all its descendants (weak mode only; with cgroups the group lists them)."""
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


def uid_processes(uid: int) -> list[int]:
    """Every live process whose real uid is `uid`, from the kernel's `Uid:` line (a /proc directory's owner
    is not enough: a process that makes itself non-dumpable shows as root's)."""
    found = []
    prefix = b"\nUid:\t"
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", "rb") as f:
                status = f.read()
        except OSError:
            continue
        at = status.find(prefix)
        if at >= 0 and int(status[at + len(prefix):].split(None, 1)[0]) == uid:
            found.append(int(entry))
    return found


def _compile_step(line: bytes, wall_s: float, usage: Usage, lim: Limits) -> Execution:
    """The compile step's Execution, from the stage's report line (wait status, user and system CPU in µs,
    max RSS) and the run's group counters at the moment it ended."""
    ex = Execution(wall_ms=round(wall_s * 1000), peak_memory_kb=usage.peak_bytes // 1024)
    try:
        status, utime, stime, _maxrss = (int(x) for x in line.split())
    except ValueError:
        status, utime, stime = 0x7F00, 0, 0  # unreadable: treat as a failed compile (exit 127)
    ex.cpu_ms = round(max((utime + stime) / 1000, usage.cpu_s * 1000))
    if os.WIFSIGNALED(status):
        ex.signal = os.WTERMSIG(status)
    else:
        ex.exit_code = os.WEXITSTATUS(status)
    if ex.exit_code != 0 and usage.oom_kills > 0:
        ex.killed = "memory"
    if ex.signal in (signal.SIGXCPU, signal.SIGKILL) and ex.cpu_ms >= lim.cpu_s * 1000 * 0.95:
        ex.cpu_limit_signal = True
    return ex


def _settle_exit(res: Execution, status: int, lim: Limits) -> None:
    """How the program ended, from the launcher's wait status (its cpu_ms and stderr already set): exit
    code or signal, RLIMIT_CPU reached, or the sandbox itself failing before the program ran."""
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


def _read_report(fd: int) -> tuple[int, int, int] | None:
    """The launcher's line: wait status, user and system CPU in microseconds, peak RSS in KB."""
    try:
        data = os.read(fd, 256)
        status, utime, stime, maxrss = (int(x) for x in data.split())
    except (OSError, ValueError):
        return None
    return status, utime + stime, maxrss


def kill_uid(launcher: str, uid: int) -> None:
    """SIGKILL every process whose uid is `uid`: the launcher drops to that uid and calls kill(-1), which the
    kernel carries out with new processes held off, so a forking tree cannot outrun it."""
    subprocess.run([launcher, "-u", str(uid), "-k"], env={}, cwd="/", close_fds=True, check=False,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class SlotNotCleanError(Exception):
    """Processes of a slot's uid outlived every kill: the slot must not take another run."""

    retire_slot = True


class Sandbox:
    def __init__(self, settings: Settings, tools: Toolchains, cgroups: Cgroups, stage_host: str | None = None,
                 ) -> None:
        self.settings = settings
        self.tools = tools
        self.cgroups = cgroups
        self.bwrap = shutil.which("bwrap", path="/usr/bin:/bin:/usr/local/bin")
        self.launcher = settings.launcher
        if os.geteuid() != 0:
            raise SandboxUnavailableError("the runner must run as root: each slot's programs run as their own uid")
        if not self.bwrap:
            raise SandboxUnavailableError("bubblewrap is missing: run runner/setup.sh (apt-get install bubblewrap)")
        for path, what in ((settings.seccomp_bpf, "the seccomp filter"), (settings.seccomp_allow, "the allowlist"),
                           (settings.launcher, "the launcher"),
                           (settings.stage, "the stage helper")):
            if not os.path.isfile(path):
                raise SandboxUnavailableError(f"{what} ({os.path.basename(path)}) is not built: run runner/setup.sh")
        self.stage_host = stage_host or settings.stage
        self._static = self._static_args()
        # Per slot: a fresh group made ahead for the slot's next run, and the groups its runs used, removed
        # after the request's answer (both off the request's path; see after()). Each slot's entries are
        # touched only by that slot's thread.
        self._next_group: dict[int, Group] = {}
        self._used_groups: dict[int, list[Group]] = {}

    @property
    def can_stage(self) -> bool:
        """Whether a compile step and its run can share one sandbox (the group's counters split them)."""
        return self.cgroups.mode != "none"

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
        args += ["--ro-bind", self.stage_host, STAGE]
        if os.path.isdir("/usr/local"):
            args += ["--remount-ro", "/usr/local"]
        tmpfs = str(self.settings.limits.tmpfs_bytes)
        args += [
            "--proc", "/proc",
            # An empty tmpfs over /dev/pts: no /dev/ptmx, so a run cannot take ptys from the host-wide pool.
            "--dev", "/dev", "--size", "4096", "--tmpfs", "/dev/pts",
            "--size", str(16 * 1024 * 1024), "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
            "--size", tmpfs, "--tmpfs", "/tmp",
        ]
        return args

    def uid(self, slot: int) -> int:
        return self.settings.uid_base + slot

    def _rlimits(self, spec: Spec) -> list[str]:
        lim = spec.limits
        cpu = max(1, math.ceil(lim.cpu_s))
        if self.cgroups.mode == "none":  # the rlimits and the watchdog are all there is
            memory = f"as={lim.memory_bytes}" if spec.address_space_limit else f"data={lim.data_bytes}"
            stack = str(lim.stack_bytes)
        else:
            # The cgroup caps what a run really holds. Address space only makes a huge allocation fail at once
            # (MemoryError, bad_alloc) instead of being OOM-killed; runtimes that reserve far more than they
            # touch (JVM thread stacks, V8) get a loose data limit.
            memory = (f"as={lim.address_space_cgroup}" if spec.address_space_limit
                      else f"data={lim.data_bytes_cgroup}")
            # Unlimited: glibc then gives each new thread its 2 MB default stack instead of the stack limit
            # (64 MB each would allow only a few threads); the main thread's stack is bounded by the cgroup.
            stack = str(resource.RLIM_INFINITY)
        return [f"cpu={cpu}:{cpu + 1}", memory, f"nproc={lim.processes}", f"fsize={lim.file_bytes}",
                f"nofile={lim.open_files}", f"stack={stack}", "core=0"]

    def _argv(self, slot: int, spec: Spec, seccomp_fds: tuple[int, int], report_fd: int, *, group: Group | None,
              stage_fds: tuple[int, int] | None = None) -> list[str]:
        lim = spec.limits
        uid = str(self.uid(slot))
        argv = [self.launcher, "-u", uid, "-f", str(report_fd)]
        argv += group.launcher_args() if group else []
        for limit in self._rlimits(spec):
            argv += ["-r", limit]
        argv += ["--", str(self.bwrap), *self._static, "--uid", uid, "--gid", uid]
        if spec.writable_dir:
            argv += ["--bind", spec.writable_dir, BOX]
        else:
            argv += ["--size", str(lim.tmpfs_bytes), "--tmpfs", BOX]
        if spec.program_dir:
            argv += ["--ro-bind", spec.program_dir, PROG]
        program = spec.argv
        if spec.compile_argv is not None and stage_fds is not None:
            program = [STAGE, str(stage_fds[0]), str(stage_fds[1]), str(len(spec.compile_argv)), *spec.compile_argv,
                       *spec.argv]
        # Two stacked filters: the allowlist (anything unlisted is ENOSYS), then the denylist with its
        # argument checks; the one installed last gives its errno when both refuse a call.
        argv += ["--chdir", BOX, "--remount-ro", "/", "--add-seccomp-fd", str(seccomp_fds[0]),
                 "--add-seccomp-fd", str(seccomp_fds[1]), "--", *program]
        return argv

    # ---- one run ---------------------------------------------------------------------------------------
    def run(self, slot: int, spec: Spec) -> Execution:
        """One sandboxed process tree, start to end. Fails closed: whatever happens while it is watched, every
        process of the slot's uid is gone before this returns (else SlotNotCleanError)."""
        uid = self.uid(slot)
        lim = spec.limits
        group: Group | None = None
        if self.cgroups.mode != "none":
            # A group made ahead for this slot is as fresh as one made now: nothing has ever run in it.
            group = self._next_group.pop(slot, None) if lim == self.settings.limits else None
            try:
                group = group or self._new_group(slot, lim)
            except OSError as e:
                return Execution(sandbox_error=f"could not create the run's cgroup: {e}")
        try:
            return self._run(slot, uid, spec, group)
        except Exception as e:  # anything unexpected: kill first (below), then say it was ours
            return Execution(sandbox_error=f"supervising the run failed: {type(e).__name__}: {e}")
        finally:
            self.ensure_clean(uid, group)  # raises (the slot is retired) unless the group is empty
            if group is not None:
                # Empty for good (only root can put a process in it): removed after the answer, by after().
                self._used_groups.setdefault(slot, []).append(group)

    def _new_group(self, slot: int, lim: Limits) -> Group:
        return self.cgroups.create(f"slot{slot}", lim.memory_bytes, lim.tcp_bytes, lim.processes)

    def after(self, slot: int) -> None:
        """Between two requests of a slot (the previous one answered, every process of it gone): remove the
        groups its runs used, and make the next run's group ahead of time."""
        for group in self._used_groups.pop(slot, []):
            group.remove()
        if self.cgroups.mode != "none" and slot not in self._next_group:
            self._next_group[slot] = self._new_group(slot, self.settings.limits)

    def kill_all(self, uid: int, group: Group | None) -> None:
        if group is not None and group.mode == "v2":
            group.kill()  # cgroup.kill: atomic
        kill_uid(self.launcher, uid)  # kill(-1) as the uid: atomic against forks

    def ensure_clean(self, uid: int, group: Group | None, timeout_s: float = 5.0) -> None:
        """Nothing of the slot's uid may live when a run answers: kill what is left and wait until it is gone."""
        def left() -> list[int]:
            # Every process of a run is in its group (it is entered before anything of the run starts, and
            # only root may move a process out), so the group is the whole list; without one, /proc is. (In
            # v2 the launcher waits outside the group; it has been reaped before this is called.)
            return group.pids() if group is not None else uid_processes(uid)

        if not left():
            return
        deadline = time.monotonic() + timeout_s
        while True:
            self.kill_all(uid, group)
            if not left():
                return
            if time.monotonic() > deadline:
                raise SlotNotCleanError(f"processes of uid {uid} survived SIGKILL: {left()[:10]}")
            time.sleep(0.005)

    def _run(self, slot: int, uid: int, spec: Spec, group: Group | None) -> Execution:
        seccomp_fd = os.open(self.settings.seccomp_bpf, os.O_RDONLY | os.O_CLOEXEC)
        allow_fd = os.open(self.settings.seccomp_allow, os.O_RDONLY | os.O_CLOEXEC)
        report_r, report_w = os.pipe2(os.O_CLOEXEC)
        out_r, out_w = _output_pipe()
        err_r, err_w = _output_pipe()
        staged = spec.compile_argv is not None
        if staged and group is None:
            raise RuntimeError("a compile step and its run share a sandbox only with cgroups")
        cout_r, cout_w = _output_pipe() if staged else (-1, -1)
        srep_r, srep_w = os.pipe2(os.O_CLOEXEC) if staged else (-1, -1)
        stage_fds = (cout_w, srep_w) if staged else None
        try:
            argv = self._argv(slot, spec, (allow_fd, seccomp_fd), report_w, group=group, stage_fds=stage_fds)
            start = time.monotonic()
            try:
                proc = subprocess.Popen(
                    # No user=/group= here: the launcher drops to the slot's uid itself, which lets Python
                    # use vfork instead of copying the service's address space for every run.
                    argv, stdin=subprocess.PIPE, stdout=out_w, stderr=err_w, env={}, cwd="/",
                    process_group=0, close_fds=True,
                    pass_fds=(seccomp_fd, allow_fd, report_w, *((cout_w, srep_w) if staged else ())),
                )
            except OSError as e:
                for fd in (report_r, out_r, err_r, cout_r, srep_r):
                    if fd >= 0:
                        os.close(fd)
                return Execution(sandbox_error=f"could not start the sandbox: {e}")
        finally:
            for fd in (seccomp_fd, allow_fd, report_w, out_w, err_w, cout_w, srep_w):
                if fd >= 0:
                    os.close(fd)
        try:
            result = self._supervise(proc, uid, spec, start, fds=(out_r, err_r, report_r), group=group,
                                     stage_fds=(cout_r, srep_r) if staged else None)
        except BaseException:
            # Fail closed: the watchdog itself failed, so nothing of this run may go on without it.
            self.kill_all(uid, group)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(proc.pid, 0)
            proc.returncode = -9
            raise
        finally:
            for fd in (report_r, out_r, err_r, cout_r, srep_r):
                if fd >= 0:
                    os.close(fd)
            if proc.stdin is not None:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
        return result

    def _supervise(self, proc: subprocess.Popen[bytes], uid: int, spec: Spec, start: float, *,
                   fds: tuple[int, int, int], group: Group | None,
                   stage_fds: tuple[int, int] | None = None) -> Execution:
        lim = spec.limits
        res = Execution()
        # With a compile step in the same sandbox: its output, the stage's report line, and where the run's
        # own limits start (wall clock, CPU and OOM counters of the group at the moment the compile ended).
        compiling = stage_fds is not None
        compile_out = bytearray()
        stage_line = bytearray()
        run_start = start
        cpu_base = 0.0
        oom_base = 0
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
            for fd in (out_fd, err_fd, in_fd, *(stage_fds or ())):
                os.set_blocking(fd, False)
            sel.register(out_fd, selectors.EVENT_READ)
            sel.register(err_fd, selectors.EVENT_READ)
            sel.register(pidfd, selectors.EVENT_READ)
            for fd in stage_fds or ():
                sel.register(fd, selectors.EVENT_READ)
            if stdin:
                sel.register(in_fd, selectors.EVENT_WRITE)
            else:
                proc.stdin.close()
            open_pipes = {out_fd, err_fd, *(stage_fds or ())}
            cout_fd, srep_fd = stage_fds or (-1, -1)
            exited = False
            deadline = start + lim.wall_s
            next_watch = start + WATCH_INTERVAL_S
            drain_until: float | None = None
            peak_anon = 0
            cpu_seen = 0.0

            def stop(reason: str) -> None:
                # SIGKILL the whole run, the launcher included: with cgroups the kernel's counters say how much
                # CPU and memory it used, so the launcher's report is not needed.
                nonlocal drain_until
                if res.killed is None:
                    res.killed = reason
                    self.kill_all(uid, group)
                if drain_until is None:
                    drain_until = time.monotonic() + 2.0

            def end_compile(line: bytes) -> None:
                # The compile step ended (the stage's line): record it, and start the run's own limits.
                nonlocal compiling, run_start, cpu_base, oom_base, deadline, cpu_seen
                assert group is not None
                now = time.monotonic()
                usage = group.usage()
                ex = _compile_step(line, now - start, usage, lim)
                res.compile = ex
                compiling = False
                if ex.exit_code == 0:
                    run_start = now
                    deadline = now + lim.wall_s
                    cpu_base = usage.cpu_s
                    oom_base = usage.oom_kills
                    cpu_seen = 0.0
                    group.reset_peak()
                else:
                    res.ran = False  # the stage exits without running anything

            while not exited or open_pipes:
                now = time.monotonic()
                if drain_until is not None and now > drain_until:
                    break  # killed and still not closed: give up on the rest of the output
                if not exited and res.killed is None and now >= deadline:
                    stop("time")
                if not exited and res.killed is None and now >= next_watch:
                    if group is not None:
                        cpu = group.cpu_s() - cpu_base
                        if group.usage_oom_kills() > oom_base:
                            stop("memory")
                    else:
                        cpu, anon = _weak_usage(_tree(proc.pid))
                        peak_anon = max(peak_anon, anon)
                        if anon > lim.memory_bytes:
                            stop("memory")
                    cpu_seen = max(cpu_seen, cpu)
                    if res.killed is None and cpu > lim.cpu_s:
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
                        if fd == cout_fd:
                            compile_out += chunk[: max(COMPILE_OUTPUT_BYTES - len(compile_out), 0)]
                        elif fd == srep_fd:
                            stage_line += chunk[:256]
                            if compiling and b"\n" in stage_line and res.killed is None:
                                end_compile(bytes(stage_line))
                        elif fd == out_fd:
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
                self.kill_all(uid, group)
            _pid, launcher_status, _rusage = os.wait4(proc.pid, 0)
            proc.returncode = launcher_status  # reaped here; keep Popen from waiting again
            res.wall_ms = round((time.monotonic() - run_start) * 1000)
        finally:
            sel.close()
            os.close(pidfd)
        res.stdout = bytes(out)
        res.stderr = bytes(err)
        report = _read_report(report_fd)
        cpu_group_s = 0.0
        if group is not None:
            # Anything the launcher left (it cannot, but fail closed) is killed before the group is read.
            self.ensure_clean(uid, group)
            usage = group.usage()
            cpu_group_s = usage.cpu_s - cpu_base
            res.peak_memory_kb = usage.peak_bytes // 1024
            if usage.oom_kills > oom_base and res.killed is None:
                res.killed = "memory"  # the kernel killed a process of the run for memory
        if stage_fds is not None:
            if res.compile is None:  # stopped (or the sandbox failed) while compiling: that is the compile's end
                res.compile = Execution(killed=res.killed, sandbox_error=None, wall_ms=res.wall_ms,
                                        cpu_ms=round(cpu_group_s * 1000), peak_memory_kb=res.peak_memory_kb,
                                        signal=signal.SIGKILL if res.killed else None)
                res.ran = False
                if res.killed is None:
                    res.sandbox_error = (res.stderr.decode(errors="replace").strip()
                                         or "the sandbox ended before its compile step reported")
                    return res
            res.compile.stderr = bytes(compile_out)
            if not res.ran:
                return res
            report = None if report is None else (report[0], 0, report[2])  # its CPU figure counts the compile
        if report is None:  # the launcher was killed: only the watchdog's figures are known
            res.cpu_ms = round(max(cpu_seen, cpu_group_s) * 1000)
            res.peak_memory_kb = max(res.peak_memory_kb, peak_anon // 1024)
            res.signal = signal.SIGKILL
            if res.killed is None:
                res.sandbox_error = "the sandbox's launcher ended without a report"
            return res
        status, cpu_us, maxrss_kb = report
        res.cpu_ms = round(max(cpu_us / 1000, cpu_seen * 1000, cpu_group_s * 1000))
        if group is None:
            res.peak_memory_kb = max(maxrss_kb, peak_anon // 1024)
        _settle_exit(res, status, lim)
        return res

    # ---- start-up check ---------------------------------------------------------------------------------
    def self_test(self, slot_dir: str) -> None:
        """Run /bin/true in the sandbox once, so a broken sandbox is reported at start, not at the first run."""
        result = self.run(0, Spec(argv=["/bin/true"], program_dir=slot_dir, limits=self.settings.limits))
        if result.sandbox_error or result.exit_code != 0:
            detail = (result.sandbox_error or result.stderr.decode(errors="replace").strip()
                      or f"exit {result.exit_code}")
            hint = ""
            if "namespace" in detail.lower() and "permission" not in detail.lower():
                hint = " (unprivileged user namespaces must be allowed: sysctl user.max_user_namespaces > 0)"
            raise SandboxUnavailableError(f"the sandbox does not work here: {detail}{hint}")


def ensure_dir(path: str, uid: int, mode: int) -> None:
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, mode)
    os.chown(path, uid, uid)
    os.chmod(path, mode)
