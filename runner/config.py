"""Settings (from the environment) and the toolchains the sandbox runs."""

from __future__ import annotations

import os
import platform
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

RUNNER_DIR = Path(__file__).resolve().parent
MIB = 1024 * 1024

# Where toolchains are looked for, Debian's own first. The sandbox sees /usr read-only but hides
# /usr/local; a tool that lives there (or anywhere else) is bound into the sandbox by itself.
TOOL_PATH = "/usr/bin:/bin:/usr/local/bin"


class ConfigError(Exception):
    """The runner cannot start: the message says what to do."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as e:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from e
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {value}")
    return value


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as e:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from e
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {value}")
    return value


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed process tree (a compile step or one run)."""

    cpu_s: float = 5.0  # CPU time of the whole tree (watchdog) and of each process (RLIMIT_CPU)
    wall_s: float = 10.0
    memory_bytes: int = 512 * MIB  # the cgroup's memory limit (without cgroups: RLIMIT_AS and the watchdog)
    tcp_bytes: int = 64 * MIB  # cgroup v1: TCP buffers (v2 counts them in memory_bytes)
    # RLIMIT_AS with cgroups: only makes a huge allocation fail at once. Loose, because address space is not
    # memory: glibc reserves 128 MB per malloc arena (up to 8 per core) and 2 MB per thread stack.
    address_space_cgroup: int = 8192 * MIB
    data_bytes: int = 1024 * MIB  # RLIMIT_DATA for runtimes that reserve huge address space (JVM, V8, Go)
    data_bytes_cgroup: int = 8192 * MIB  # the same with cgroups, which cap what is really used
    processes: int = 256  # pids.max of the group and RLIMIT_NPROC: processes and threads of the run
    file_bytes: int = 16 * MIB  # RLIMIT_FSIZE
    open_files: int = 256  # RLIMIT_NOFILE
    stack_bytes: int = 64 * MIB  # RLIMIT_STACK without cgroups (with them: unlimited, see sandbox._rlimits)
    stdout_bytes: int = 64 * 1024  # more is output_limit
    stderr_bytes: int = 64 * 1024  # kept; more is dropped, and past stderr_kill_bytes it is output_limit
    stderr_kill_bytes: int = 1024 * 1024
    tmpfs_bytes: int = 32 * MIB  # size of each writable tmpfs (/box, /tmp) and 16 MiB for /dev/shm
    job_bytes: int = 64 * MIB  # size of a slot's job tmpfs on the host: source, setup files, compiler output


@dataclass(frozen=True)
class Tool:
    """A program the sandbox runs: its real path on the host, its path inside the sandbox, and the host
    paths that must be bound read-only for it to work (empty when /usr already shows it)."""

    name: str
    host_path: str
    sandbox_path: str
    binds: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Toolchains:
    python: Tool | None
    node: Tool | None
    java: Tool | None
    javac: Tool | None
    gpp: Tool | None
    sqlite3: Tool | None
    esbuild: Tool | None

    def missing(self) -> list[str]:
        return [name for name, tool in self.__dict__.items() if tool is None]

    def binds(self) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for tool in self.__dict__.values():
            if tool is not None:
                for src, dst in tool.binds:
                    seen.setdefault(dst, src)
        return [(src, dst) for dst, src in sorted(seen.items())]


def _visible_in_sandbox(path: str) -> bool:
    return path.startswith("/usr/") and not path.startswith("/usr/local/")


def _find(name: str, env_name: str) -> str | None:
    override = os.environ.get(env_name, "").strip()
    found = override or shutil.which(name, path=TOOL_PATH)
    if not found or not os.access(found, os.X_OK):
        return None
    return os.path.realpath(found)


def _plain_tool(name: str, env_name: str) -> Tool | None:
    path = _find(name, env_name)
    if path is None:
        return None
    binds = () if _visible_in_sandbox(path) else ((path, path),)
    return Tool(name, path, path, binds)


def _java_tool(name: str, env_name: str) -> Tool | None:
    path = _find(name, env_name)
    if path is None:
        return None
    home = str(Path(path).parent.parent)  # .../bin/java -> JAVA_HOME
    binds = () if _visible_in_sandbox(home) else ((home, home),)
    return Tool(name, path, path, binds)


def esbuild_binary() -> str | None:
    """The native esbuild binary that `npm ci` in runner/ installs (the npm package's JS shim would need
    node at compile time; the binary does not)."""
    override = os.environ.get("RUNNER_ESBUILD", "").strip()
    if override:
        return os.path.realpath(override) if os.access(override, os.X_OK) else None
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower())
    if arch is None:
        return None
    path = RUNNER_DIR / "node_modules" / "@esbuild" / f"linux-{arch}" / "bin" / "esbuild"
    return str(path) if os.access(path, os.X_OK) else None


def find_toolchains() -> Toolchains:
    esbuild_path = esbuild_binary()
    esbuild = None
    if esbuild_path:
        # Bound as a single file at a neutral path: the sandbox never sees the runner's own directory.
        esbuild = Tool("esbuild", esbuild_path, "/opt/tools/esbuild", ((esbuild_path, "/opt/tools/esbuild"),))
    return Toolchains(
        python=_plain_tool("python3", "RUNNER_PYTHON"),
        node=_plain_tool("node", "RUNNER_NODE"),
        java=_java_tool("java", "RUNNER_JAVA"),
        javac=_java_tool("javac", "RUNNER_JAVAC"),
        gpp=_plain_tool("g++", "RUNNER_GXX"),
        sqlite3=_plain_tool("sqlite3", "RUNNER_SQLITE3"),
        esbuild=esbuild,
    )


def _default_work_dir() -> str:
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return tempfile.gettempdir()


@dataclass(frozen=True)
class Settings:
    secret: str
    host: str = "127.0.0.1"
    port: int = 8765
    slots: int = 2
    uid_base: int = 20000
    max_queue: int = 32
    queue_wait_s: float = 10.0  # a request not started by then is answered "busy" (runCode waits 90 s)
    request_budget_s: float = 60.0  # all compile and test-case runs of one request
    cgroups: str = "auto"  # auto (v2, else v1, else refuse to start) or none (accept the weaker mode)
    work_root: str = field(default_factory=_default_work_dir)
    seccomp_bpf: str = str(RUNNER_DIR / ".build" / "seccomp.bpf")
    seccomp_allow: str = str(RUNNER_DIR / ".build" / "seccomp-allow.bpf")
    launcher: str = str(RUNNER_DIR / ".build" / "runner-launch")
    stage: str = str(RUNNER_DIR / ".build" / "runner-stage")
    limits: Limits = field(default_factory=Limits)

    @staticmethod
    def from_env() -> Settings:
        secret = os.environ.get("RUNNER_SECRET", "")
        if len(secret) < 16:
            raise ConfigError("RUNNER_SECRET must be set to a shared secret of at least 16 characters")
        limits = Limits(
            cpu_s=_env_float("RUNNER_CPU_S", 5.0),
            wall_s=_env_float("RUNNER_WALL_S", 10.0),
            memory_bytes=_env_int("RUNNER_MEMORY_MB", 512) * MIB,
            job_bytes=_env_int("RUNNER_JOB_MB", 64) * MIB,
        )
        build = Path(os.environ.get("RUNNER_BUILD_DIR", "").strip() or RUNNER_DIR / ".build")
        cgroups = os.environ.get("RUNNER_CGROUPS", "").strip() or "auto"
        if cgroups not in ("auto", "none"):
            raise ConfigError(f"RUNNER_CGROUPS must be auto or none, got {cgroups!r}")
        return Settings(
            secret=secret,
            host=os.environ.get("RUNNER_HOST", "127.0.0.1"),
            port=_env_int("RUNNER_PORT", _env_int("PORT", 8765)),
            slots=_env_int("RUNNER_SLOTS", os.cpu_count() or 1),
            uid_base=_env_int("RUNNER_UID_BASE", 20000),
            max_queue=_env_int("RUNNER_MAX_QUEUE", 32),
            queue_wait_s=_env_float("RUNNER_QUEUE_WAIT_S", 10.0),
            request_budget_s=_env_float("RUNNER_REQUEST_BUDGET_S", 60.0),
            cgroups=cgroups,
            work_root=os.environ.get("RUNNER_WORK_ROOT", "").strip() or _default_work_dir(),
            seccomp_bpf=str(build / "seccomp.bpf"),
            seccomp_allow=str(build / "seccomp-allow.bpf"),
            launcher=str(build / "runner-launch"),
            stage=str(build / "runner-stage"),
            limits=limits,
        )


def blocking_folder(path: str) -> str | None:
    """The first folder on the way to `path` that a user other than its owner cannot enter (the sandbox runs
    as a uid of its own, neither owner nor group of anything on the host), or `path` itself when others
    cannot read it; None when the sandbox can reach it."""
    real = os.path.realpath(path)
    parts = Path(real).parts
    for i in range(1, len(parts)):
        folder = str(Path(*parts[:i]))
        try:
            if not os.stat(folder).st_mode & 0o001:
                return folder
        except OSError:
            return folder
    try:
        st = os.stat(real)
    except OSError:
        return real
    needed = 0o001 if os.path.isdir(real) else 0o004  # enter a folder, read a file
    return None if st.st_mode & needed else real


def reachable_copy(src: str, dest: str) -> str:
    """`src` if the sandbox's uids can read it, else a copy in `dest` (root's, world-readable)."""
    if blocking_folder(src) is None:
        return src
    os.makedirs(dest, mode=0o755, exist_ok=True)
    copy = os.path.join(dest, os.path.basename(src))
    shutil.copy2(src, copy)
    os.chmod(copy, 0o755)
    return copy


def stage_tools(tools: Toolchains, dest: str) -> Toolchains:
    """Make every toolchain reachable by the sandbox's uids. A single-file tool (esbuild from the checkout's
    node_modules) behind a folder others cannot enter (a clone in root's home folder or any 0700 folder) is
    copied into `dest` (root's, world-readable); for a folder the runner says which folder blocks it."""
    staged: dict[str, Tool | None] = {}
    for name, tool in tools.__dict__.items():
        if tool is None:
            staged[name] = None
            continue
        binds = []
        for src, dst in tool.binds:
            blocked = blocking_folder(src)
            if blocked is None:
                binds.append((src, dst))
            elif os.path.isfile(src):
                binds.append((reachable_copy(src, dest), dst))
            else:
                raise ConfigError(
                    f"the sandbox's uids cannot reach {tool.name} at {src}: {blocked} is closed to other users; "
                    f"run `chmod o+x {blocked}` (or install the toolchain elsewhere)")
        staged[name] = Tool(tool.name, tool.host_path, tool.sandbox_path, tuple(binds))
    return Toolchains(**staged)
