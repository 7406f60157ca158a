"""Hostile programs. Each must end with the right verdict, change nothing outside its sandbox, leave no
process behind (no process of a slot's uid survives), and the next run must still work (`healthy_after`)."""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.runner.conftest import ROOT, Runner, _cgroup_dir

pytestmark = pytest.mark.runner


def test_fork_bomb(healthy_after: Runner) -> None:
    source = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    started = time.monotonic()
    result = healthy_after.run("python", source)
    assert result["verdict"] == "time_limit", result
    assert time.monotonic() - started < 15


def test_shell_fork_bomb(healthy_after: Runner) -> None:
    """The classic bomb in sh; the program returns while the bomb's processes still run in the background."""
    result = healthy_after.run("python", "import os\nos.system('b(){ b|b& };b')\nprint('after')\n")
    assert result["verdict"] in ("accepted", "time_limit"), result


def test_threads_spinning_on_every_core_hit_the_cpu_limit_of_the_whole_run(healthy_after: Runner) -> None:
    """The watchdog counts CPU across all threads and processes: 4 spinning threads are stopped after 5 s of
    CPU in total, well before the 10 s wall limit."""
    source = ("#include <thread>\n#include <vector>\nint main() { std::vector<std::thread> ts;\n"
              "  for (int i = 0; i < 4; i++) ts.emplace_back([] { volatile unsigned long n = 0; for (;;) n++; });\n"
              "  for (auto &t : ts) t.join(); }\n")
    result = healthy_after.run("cpp", source)
    assert result["verdict"] == "time_limit", result
    assert result["cpuMs"] >= 4_500


@pytest.mark.parametrize(
    ("language", "source"),
    [
        ("python", "x = bytearray(10 * 1024 ** 3)\nprint(len(x))\n"),
        ("cpp", "#include <vector>\n#include <cstdio>\nint main() { std::vector<char> v(10LL << 30, 1);"
                " printf(\"%d\", v[12345]); }\n"),
        ("java", "public class Main { public static void main(String[] a) {"
                 " long[] x = new long[1_300_000_000]; System.out.println(x.length); } }\n"),
        ("javascript", "const a = new Float64Array(10 * 1024 ** 3 / 8);\nconsole.log(a.length);\n"),
        # Each process stays under its own address-space limit; together they pass the run's 512 MB, which
        # only the watchdog sees: private memory in forked children, then shared anonymous memory.
        ("python", "import os\nfor _ in range(4):\n    if os.fork() == 0:\n        b = bytearray(400 << 20)\n"
                   "        for i in range(0, len(b), 4096):\n            b[i] = 1\n        os._exit(0)\n"
                   "for _ in range(4):\n    os.wait()\nprint('survived')\n"),
        ("python", "import mmap, os\nfor _ in range(4):\n    if os.fork() == 0:\n"
                   "        m = mmap.mmap(-1, 400 << 20)\n        for i in range(0, len(m), 4096):\n"
                   "            m[i] = 1\n        os._exit(0)\nfor _ in range(4):\n    os.wait()\nprint('survived')\n"),
    ],
    ids=["python", "cpp", "java", "javascript", "python-processes-private", "python-processes-shared"],
)
def test_allocating_10_gb(healthy_after: Runner, language: str, source: str) -> None:
    result = healthy_after.run(language, source)
    assert result["verdict"] == "memory_limit", result
    assert result["peakMemoryKb"] < 1100 * 1024


def test_background_process_that_outlives_its_run_is_killed(healthy_after: Runner) -> None:
    source = ("import os, subprocess\n"
              "subprocess.Popen(['sleep', '300'])\n"
              "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        import time\n"
              "        time.sleep(300)\n    os._exit(0)\n"
              "print('parent done')\n")
    result = healthy_after.run("python", source)
    assert result["verdict"] == "accepted", result
    assert result["stdout"] == "parent done\n"
    assert result["wallMs"] < 5_000


def test_sleep_past_the_wall_clock_limit(healthy_after: Runner) -> None:
    source = "import subprocess, time\nsubprocess.Popen(['sleep', '300'])\ntime.sleep(300)\n"
    result = healthy_after.run("python", source)
    assert result["verdict"] == "time_limit", result
    assert 9_500 <= result["wallMs"] < 13_000
    assert result["cpuMs"] < 1_000


def test_writing_outside_the_working_directory_fails(healthy_after: Runner) -> None:
    marker = "pwned-by-runner-test"
    targets = ["/", "/usr", "/usr/bin", "/etc", "/prog", "/dev", "/proc", "/opt", str(ROOT), str(ROOT / "runner"),
               str(Path.home()), "/var/tmp"]
    source = (
        "import os\n"
        f"for d in {targets!r}:\n"
        "    try:\n"
        f"        open(os.path.join(d, {marker!r}), 'w').write('x')\n"
        "        print('WROTE', d)\n"
        "    except OSError as e:\n"
        "        print('refused', d, e.errno)\n"
        f"open({marker!r}, 'w').write('scratch is fine')\n"
        f"open('/tmp/{marker}', 'w').write('tmp is fine')\n"
        "print('cwd', os.getcwd(), sorted(os.listdir('.')))\n"
    )
    result = healthy_after.run("python", source)
    assert result["verdict"] == "accepted", result
    assert "WROTE" not in result["stdout"], result["stdout"]
    assert f"cwd /box ['{marker}']" in result["stdout"]
    for target in targets:
        assert not Path(target, marker).exists(), target
    assert not Path("/tmp", marker).exists()
    # The next run starts from a fresh, empty working directory.
    again = healthy_after.run("python", "import os\nprint(os.listdir('.'), os.listdir('/tmp'))\n")
    assert again["stdout"] == "[] []\n"


def test_big_files_are_capped(healthy_after: Runner) -> None:
    source = "with open('big', 'wb') as f:\n    for _ in range(64):\n        f.write(b'x' * (1 << 20))\nprint('done')\n"
    result = healthy_after.run("python", source)
    assert result["verdict"] in ("output_limit", "runtime_error"), result
    assert result["stdout"] == ""


def test_reading_the_hosts_files_and_the_runners_secret_fails(healthy_after: Runner) -> None:
    secret = healthy_after.secret
    paths = ["/etc/shadow", "/etc/passwd", "/etc/hostname", str(Path.home() / ".bashrc"),
             str(ROOT / "runner" / "app.py"), str(ROOT / "runner" / "config.py"), str(ROOT / ".git" / "config"),
             "/proc/1/environ",
             "/proc/self/environ", "/sys/kernel/notes", "/var/run/docker.sock"]
    source = (
        "import glob, os\n"
        f"for p in {paths!r}:\n"
        "    try:\n"
        "        data = open(p, 'rb').read()\n"
        "        print('READ', p, len(data), data[:2000])\n"
        "    except OSError as e:\n"
        "        print('refused', p, e.errno)\n"
        "print('ENV', dict(os.environ))\n"
        "for p in glob.glob('/proc/[0-9]*'):\n"
        "    for f in ('environ', 'cmdline'):\n"
        "        try:\n"
        "            print('PROC', p, f, open(p + '/' + f, 'rb').read())\n"
        "        except OSError:\n"
        "            pass\n"
        "print('TOP', sorted(os.listdir('/')))\n"
    )
    result = healthy_after.run("python", source)
    assert result["verdict"] == "accepted", result
    out = result["stdout"]
    assert secret not in out and secret not in result["stderr"]
    for p in paths:
        if p.startswith("/proc/"):
            continue  # the sandbox's own (empty) environment is readable; checked below
        assert f"READ {p} " not in out, out
    env_line = next(line for line in out.splitlines() if line.startswith("ENV "))
    for name in ("RUNNER_SECRET", "JAVA_TOOL_OPTIONS", "NODE_OPTIONS", "LD_PRELOAD", "PYTHONSTARTUP"):
        assert name not in env_line
    assert "TOP ['bin', 'box', 'dev', 'etc', 'lib', 'lib64', 'opt', 'proc', 'prog', 'sbin', 'tmp', 'usr']" in out
    # Only the sandbox's own processes are visible (its pid 1, the program and nothing of the host).
    pids = {line.split()[1] for line in out.splitlines() if line.startswith("PROC ")}
    assert len(pids) <= 3, pids


def test_usr_local_is_hidden(healthy_after: Runner) -> None:
    result = healthy_after.run("python", "import os\nprint(sorted(os.listdir('/usr/local')))\n")
    assert result["verdict"] == "accepted"
    assert result["stdout"] == "[]\n" or "'bin'" in result["stdout"]  # only toolchains that live there
    assert "sbin" not in result["stdout"] and "share" not in result["stdout"]


def test_network_is_only_a_private_loopback(healthy_after: Runner) -> None:
    port = healthy_after.url.rsplit(":", 1)[1]
    # The program checks first that it has no route and no interface but lo; only then does it try to
    # connect, so even a broken sandbox would send nothing off this machine.
    source = (
        "import socket\n"
        "routes = open('/proc/net/route').read().strip().splitlines()[1:]\n"
        "ifaces = [l.split(':')[0].strip() for l in open('/proc/net/dev').read().splitlines()[2:]]\n"
        "print('routes', routes, 'ifaces', ifaces)\n"
        "if routes or ifaces != ['lo']:\n"
        "    raise SystemExit('UNSAFE: the sandbox has a network')\n"
        f"targets = [('127.0.0.1', 8080), ('127.0.0.1', {port}), ('127.0.0.1', 9099), ('10.255.255.1', 80),"
        " ('1.1.1.1', 53), ('8.8.8.8', 443)]\n"
        "for host, port in targets:\n"
        "    s = socket.socket(); s.settimeout(3)\n"
        "    try:\n"
        "        s.connect((host, port)); print('CONNECTED', host, port)\n"
        "    except OSError as e:\n"
        "        print('failed', host, port, e.errno)\n"
        "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "try:\n"
        "    u.sendto(b'x', ('1.1.1.1', 53)); print('SENT udp')\n"
        "except OSError as e:\n"
        "    print('failed udp', e.errno)\n"
        "try:\n"
        "    socket.getaddrinfo('example.com', 80); print('RESOLVED')\n"
        "except OSError as e:\n"
        "    print('failed dns', e)\n"
        "try:\n"
        "    socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); print('NETLINK')\n"
        "except OSError as e:\n"
        "    print('failed netlink', e.errno)\n"
    )
    result = healthy_after.run("python", source)
    assert result["verdict"] == "accepted", result
    out = result["stdout"]
    assert "UNSAFE" not in out and "CONNECTED" not in out and "SENT" not in out and "RESOLVED" not in out, out
    assert out.count("failed ") == 9, out
    assert "failed 127.0.0.1 8080 111" in out  # connection refused: nothing listens on the private loopback


def test_100_mb_of_output(healthy_after: Runner) -> None:
    started = time.monotonic()
    result = healthy_after.run("python", "import sys\nsys.stdout.write('x' * (100 * 1024 * 1024))\n")
    assert result["verdict"] == "output_limit", result
    assert len(result["stdout"]) <= 64 * 1024
    assert time.monotonic() - started < 10


def test_100_mb_of_stderr(healthy_after: Runner) -> None:
    source = "#include <cstdio>\nint main() { for (;;) fputs(\"noise noise noise\\n\", stderr); }\n"
    result = healthy_after.run("cpp", source)
    assert result["verdict"] == "output_limit", result
    assert len(result["stderr"]) <= 64 * 1024 and result["stderrTruncated"] is True


def test_jvm_ignores_heap_flags_from_the_environment(healthy_after: Runner) -> None:
    """The service runs with JAVA_TOOL_OPTIONS=-Xmx8g (conftest): the sandbox must not pass it on."""
    source = ("public class Main { public static void main(String[] a) {\n"
              "  System.out.println(Runtime.getRuntime().maxMemory() / (1024 * 1024));\n"
              "  System.out.println(System.getenv(\"JAVA_TOOL_OPTIONS\") + \" \"\n"
              "                     + System.getProperty(\"salamin.leak\"));\n"
              "} }\n")
    result = healthy_after.run("java", source)
    assert result["verdict"] == "accepted", result
    max_mb, env = result["stdout"].splitlines()
    assert int(max_mb) <= 256
    assert env == "null null"
    assert "Picked up" not in result["stderr"]


def test_jvm_started_with_a_huge_heap_by_the_program_is_stopped(healthy_after: Runner) -> None:
    source = (
        "import java.util.*;\npublic class Main { public static void main(String[] a) throws Exception {\n"
        "  if (a.length == 0) {\n"
        "    Process p = new ProcessBuilder(\"java\", \"-Xmx8g\", \"-Xms4g\", \"-XX:+AlwaysPreTouch\", \"-cp\","
        " \"/prog\", \"Main\", \"child\").inheritIO().start();\n"
        "    System.exit(p.waitFor());\n  }\n"
        "  List<long[]> keep = new ArrayList<>();\n"
        "  for (int i = 0; i < 100; i++) { long[] x = new long[8_000_000]; Arrays.fill(x, i); keep.add(x); }\n"
        "  System.out.println(\"allocated \" + keep.size() * 64 + \" MB\");\n} }\n"
    )
    result = healthy_after.run("java", source)
    assert result["verdict"] == "memory_limit", result
    assert "allocated" not in result["stdout"]


@pytest.mark.parametrize(
    "source",
    [
        '#include "/dev/zero"\nint main() {}\n',
        '#include "/dev/urandom"\nint main() {}\n',
        "template <int N> struct F { static const long v = F<N - 1>::v + F<N - 2>::v; };\n"
        "template <> struct F<0> { static const long v = 0; };\ntemplate <> struct F<1> { static const long v = 1; };\n"
        "int main() { return F<100000>::v; }\n",
        # Exponentially many distinct instantiations, each with a big body: only the limits stop it.
        "template <int N, int K> struct B { static constexpr long v = B<N - 1, 2 * K>::v + B<N - 1, 2 * K + 1>::v; };\n"
        "template <int K> struct B<0, K> { static constexpr long v = K; };\n"
        "int main() { return (int)B<26, 0>::v; }\n",
    ],
    ids=["include-dev-zero", "include-dev-urandom", "template-depth", "template-explosion"],
)
def test_compile_bomb(healthy_after: Runner, source: str) -> None:
    started = time.monotonic()
    result = healthy_after.run("cpp", source)
    assert result["verdict"] in ("compile_error", "time_limit", "memory_limit"), result
    assert result["compile"]["ok"] is False
    assert time.monotonic() - started < 15


def test_two_concurrent_runs_cannot_see_each_other(healthy_after: Runner) -> None:
    """Run A leaves a marker in every writable place and waits; run B, on the other slot at the same time,
    searches for it (and for A's processes) everywhere it can."""
    marker = "secret-of-run-a-7f3a"
    writer = (
        "import os, time\n"
        f"for d in ('.', '/tmp', '/dev/shm'):\n    open(os.path.join(d, '{marker}'), 'w').write('{marker}')\n"
        "print('ready', flush=True)\n"
        "time.sleep(4)\n"
        f"print(sorted(os.listdir('.')), sorted(os.listdir('/tmp')))\n"
    )
    reader = (
        "import os, time\n"
        "time.sleep(1.5)\n"
        "found = []\n"
        "for top in ('/box', '/tmp', '/dev', '/prog', '/proc'):\n"
        "    for dirpath, dirnames, filenames in os.walk(top):\n"
        "        if dirpath.startswith('/proc/') and dirpath.count('/') > 3:\n"
        "            dirnames[:] = []\n"
        "        for name in filenames + dirnames:\n"
        f"            if '{marker}' in name:\n"
        "                found.append(os.path.join(dirpath, name))\n"
        "for pid in [p for p in os.listdir('/proc') if p.isdigit()]:\n"
        "    try:\n"
        "        cmd = open(f'/proc/{pid}/cmdline', 'rb').read()\n"
        "    except OSError:\n"
        "        continue\n"
        f"    if b'{marker}' in cmd or b'time.sleep(4)' in cmd:\n"
        "        found.append('process ' + pid)\n"
        "print('found', found)\n"
        f"open('{marker}-b', 'w').write('b')\n"
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        a = pool.submit(healthy_after.run, "python", writer)
        time.sleep(0.3)
        b = pool.submit(healthy_after.run, "python", reader)
        result_a, result_b = a.result(), b.result()
    assert result_a["verdict"] == "accepted", result_a
    assert result_b["verdict"] == "accepted", result_b
    assert result_b["stdout"] == "found []\n", result_b["stdout"]
    # A sees only its own files, never B's.
    assert f"['{marker}'] ['{marker}']" in result_a["stdout"], result_a["stdout"]
    assert result_a["wallMs"] >= 4_000 and result_b["wallMs"] >= 1_500


def test_dangerous_system_calls_are_refused(healthy_after: Runner) -> None:
    source = r"""
#include <cerrno>
#include <cstdio>
#include <sched.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>
int main() {
  errno = 0; long r = ptrace(PTRACE_TRACEME, 0, nullptr, nullptr); printf("ptrace %ld %d\n", r, errno);
  errno = 0; r = mount("none", "/tmp", "tmpfs", 0, nullptr); printf("mount %ld %d\n", r, errno);
  errno = 0; r = unshare(CLONE_NEWUSER); printf("unshare %ld %d\n", r, errno);
  errno = 0; r = syscall(SYS_bpf, 0, nullptr, 0); printf("bpf %ld %d\n", r, errno);
  errno = 0; r = syscall(SYS_keyctl, 0, 0, 0, 0, 0); printf("keyctl %ld %d\n", r, errno);
  errno = 0; r = syscall(SYS_userfaultfd, 0); printf("userfaultfd %ld %d\n", r, errno);
  errno = 0; r = syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0); printf("perf %ld %d\n", r, errno);
  errno = 0; r = syscall(SYS_io_uring_setup, 1, nullptr); printf("io_uring %ld %d\n", r, errno);
  errno = 0; r = syscall(SYS_setns, 0, 0); printf("setns %ld %d\n", r, errno);
  errno = 0; r = syscall(SYS_process_vm_readv, 1, nullptr, 0, nullptr, 0, 0); printf("vm_readv %ld %d\n", r, errno);
  errno = 0; r = syscall(SYS_kexec_load, 0, 0, nullptr, 0); printf("kexec %ld %d\n", r, errno);
  errno = 0; r = syscall(SYS_clone3, nullptr, 0); printf("clone3 %ld %d\n", r, errno);
  errno = 0; r = syscall(SYS_memfd_create, "x", 0); printf("memfd %ld %d\n", r, errno);
  errno = 0; r = syscall(SYS_shmget, 0, 1 << 20, 01000 | 0600); printf("shmget %ld %d\n", r, errno);
  errno = 0; r = syscall(SYS_clone, CLONE_NEWNS | CLONE_NEWUSER, nullptr, nullptr, nullptr, 0);
  printf("clone-ns %ld %d\n", r, errno);
  pid_t p = fork(); if (p == 0) _exit(0); printf("fork %s\n", p > 0 ? "ok" : "failed");
}
"""
    result = healthy_after.run("cpp", source)
    assert result["verdict"] == "accepted", result
    lines = dict(line.split(" ", 1) for line in result["stdout"].splitlines())
    for call in ("ptrace", "mount", "unshare", "bpf", "keyctl", "userfaultfd", "perf", "io_uring", "setns",
                 "vm_readv", "kexec", "clone-ns", "shmget"):
        assert lines[call] == "-1 1", (call, result["stdout"])  # EPERM
    assert lines["clone3"] == "-1 38"  # ENOSYS, so libc falls back to clone
    assert lines["memfd"] == "-1 38"
    assert lines["fork"] == "ok"


@pytest.mark.parametrize(
    "call",
    ['long r; asm volatile("int $0x80" : "=a"(r) : "a"(20));',  # i386 getpid
     "long r = syscall(39 | 0x40000000);"],  # x32 getpid
    ids=["int80", "x32"],
)
def test_foreign_syscall_abis_are_killed(healthy_after: Runner, call: str) -> None:
    headers = "#include <cstdio>\n#include <unistd.h>\n#include <sys/syscall.h>\n"
    source = f"{headers}int main() {{ {call} printf(\"%ld\", r); }}\n"
    result = healthy_after.run("cpp", source)
    assert result["verdict"] == "runtime_error" and result["signal"] == "SIGSYS", result


def test_runs_execute_as_the_slots_unprivileged_uid(healthy_after: Runner) -> None:
    result = healthy_after.run("python", "import os\nprint(os.getuid(), os.geteuid(), os.getgid(), os.getgroups())\n"
                                         "print(open('/proc/self/status').read())\n")
    uid = int(result["stdout"].split()[0])
    assert uid in healthy_after.uids
    status = result["stdout"]
    assert "CapEff:\t0000000000000000" in status and "NoNewPrivs:\t1" in status and "Seccomp:\t2" in status


def _wait_idle(runner: Runner) -> None:
    """Until no slot is busy: a slot stays busy until its last request is tidied up (after the answer)."""
    deadline = time.monotonic() + 30
    while runner.session.get(f"{runner.url}/healthz", timeout=5).json()["busy"]:
        assert time.monotonic() < deadline, "the slots never became idle"
        time.sleep(0.02)


def test_nothing_of_the_runs_stays_on_the_host(runner: Runner) -> None:
    """Each request's job directory and cgroups are removed after it (after the answer, before the slot takes
    another request): between requests a slot's job mount holds only the empty directory made ahead for its
    next request (a new one each time), the runner's groups only those made ahead for the slots' next runs
    (never used: peak memory 0, no process), and nothing else of the slots' uids is in the work directory."""
    work = Path(re.search(r"job directories under (\S+)", runner.log()).group(1))  # type: ignore[union-attr]
    slots = sorted(work.glob("slot-*"))
    assert len(slots) == 2
    _wait_idle(runner)
    ahead = {p for slot_dir in slots for p in slot_dir.iterdir()}
    runner.run("cpp", "#include <cstdio>\nint main() { puts(\"x\"); }\n")
    runner.run("java", "public class Main { public static void main(String[] a) { System.out.println(1); } }\n")
    _wait_idle(runner)
    mounts = {line.split()[1]: line.split()[3] for line in Path("/proc/mounts").read_text().splitlines()}
    now = set()
    for slot_dir in slots:
        assert "size=24576k" in mounts[str(slot_dir)]  # a mount of its own: the size-capped job tmpfs
        entries = list(slot_dir.iterdir())
        assert len(entries) <= 1, entries
        for entry in entries:
            st = entry.stat()
            assert entry.is_dir() and list(entry.iterdir()) == [] and st.st_mode & 0o777 == 0o700, entry
            assert st.st_uid in runner.uids
        now.update(entries)
    assert ahead - now, "the directories the requests used are still there"
    assert not [p for p in work.rglob("*") if p.stat().st_uid in runner.uids and p not in now]
    found = _cgroup_dir(runner.proc.pid, min(runner.uids))
    if found is not None:
        layout, parent = found
        groups = [Path(e.path) for e in os.scandir(parent) if e.is_dir(follow_symlinks=False)]
        assert len(groups) <= 2, groups
        peak = "memory.peak" if layout == "v2" else "memory.max_usage_in_bytes"
        for group in groups:
            assert (group / "cgroup.procs").read_text() == ""
            if (group / peak).exists():
                assert int((group / peak).read_text()) == 0, group
