"""The findings of issue 10, each as an attack that got through before the runner's cgroups, fail-closed
watchdog, per-request job directories and tighter filter. Every test runs against the real service and
ends with `healthy_after`: no process of a slot's uid is left, the memory the runs held is back, and a
trivial run still works."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.runner.conftest import Runner

pytestmark = pytest.mark.runner

MIB = 1 << 20


# ---- 1 and 2: a program's own name must not blind or break the watchdog --------------------------------------
def test_1_a_name_that_looks_like_a_status_field_neither_breaks_the_watchdog_nor_outlives_the_run(
        healthy_after: Runner) -> None:
    """Children rename themselves `RssAnon:` (prctl and /proc/self/comm); one stays behind and would read the
    next runs' sources. The run must end normally and nothing of it may survive."""
    source = (
        "import ctypes, os, time\n"
        "libc = ctypes.CDLL(None)\n"
        "for i in range(3):\n"
        "    if os.fork() == 0:\n"
        "        libc.prctl(15, b'RssAnon:', 0, 0, 0)\n"
        "        open('/proc/self/comm', 'w').write('RssShmem: x kB')\n"
        "        if os.fork() == 0:\n"
        "            os.setsid()\n"
        "            libc.prctl(15, b'RssAnon:', 0, 0, 0)\n"
        "            for _ in range(600):\n"
        "                time.sleep(0.1)\n"
        "                for d in ('/prog', '/box'):\n"
        "                    try:\n"
        "                        os.listdir(d)\n"
        "                    except OSError:\n"
        "                        pass\n"
        "            os._exit(0)\n"
        "        time.sleep(0.5)\n"
        "        os._exit(0)\n"
        "libc.prctl(15, b'RssAnon:', 0, 0, 0)\n"
        "time.sleep(1.0)\n"
        "print('named')\n"
    )
    result = healthy_after.run("python", source)
    assert result["verdict"] == "accepted", result
    assert result["stdout"] == "named\n"
    assert healthy_after.leftovers(wait_s=0) == []  # gone when the run answered, not merely soon after


def test_2_memory_in_children_named_like_a_status_field_is_counted(healthy_after: Runner) -> None:
    """Four children named `RssAnon:0 kB`, each holding 192 MB: 768 MB in all, over the 512 MB limit."""
    source = (
        "import ctypes, os, time\n"
        "libc = ctypes.CDLL(None)\n"
        "r, w = os.pipe()\n"
        "for _ in range(4):\n"
        "    if os.fork() == 0:\n"
        "        libc.prctl(15, b'RssAnon:0 kB', 0, 0, 0)\n"
        "        b = bytearray(192 << 20)\n"
        "        for i in range(0, len(b), 4096):\n"
        "            b[i] = 1\n"
        "        os.write(w, b'x')\n"
        "        time.sleep(30)\n"
        "        os._exit(0)\n"
        "got = 0\n"
        "while got < 4:\n"
        "    got += len(os.read(r, 4))\n"
        "print('held 768 MB')\n"
        "time.sleep(2)\n"
    )
    result = healthy_after.run("python", source)
    assert result["verdict"] == "memory_limit", result
    assert "held 768 MB" not in result["stdout"]


# ---- 3: memory that is not RSS --------------------------------------------------------------------------------
SOCKET_FILL = r"""
import os, socket, sys
kind = sys.argv[1] if len(sys.argv) > 1 else '{kind}'
r, w = os.pipe()
for _ in range(16):
    if os.fork() == 0:
        sent = 0
        keep = []
        try:
            if kind == 'tcp':
                srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(64)
            for _ in range(60):
                if kind == 'unix':
                    a, b = socket.socketpair()
                else:
                    a = socket.socket(); a.connect(srv.getsockname()); b, _ = srv.accept()
                    b.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
                a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
                a.setblocking(False)
                try:
                    while True:
                        sent += a.send(b'x' * 65536)
                except OSError:
                    pass
                keep.append((a, b))
        except OSError:
            pass
        os.write(w, (str(sent) + '\n').encode())
        import time; time.sleep(3)
        os._exit(0)
total = 0
for _ in range(16):
    line = b''
    while not line.endswith(b'\n'):
        line += os.read(r, 1)
    total += int(line)
print('held', total >> 20, 'MB', flush=True)
"""


@pytest.mark.parametrize("kind", ["unix", "tcp"])
def test_3_socket_buffers_are_counted(healthy_after: Runner, kind: str) -> None:
    """Socket-pair and loopback TCP buffers held 643 and 644 MB under the 512 MB limit before."""
    result = healthy_after.run("python", SOCKET_FILL.replace("{kind}", kind))
    assert result["verdict"] in ("accepted", "memory_limit"), result
    if result["verdict"] == "accepted":
        held_mb = int(result["stdout"].split()[1])
        assert held_mb < 512, result["stdout"]


def test_3_memfd_secret_is_refused(healthy_after: Runner) -> None:
    source = ("#include <cerrno>\n#include <cstdio>\n#include <unistd.h>\n#include <sys/syscall.h>\n"
              "int main() { errno = 0; long r = syscall(447, 0); printf(\"%ld %d\\n\", r, errno); }\n")
    result = healthy_after.run("cpp", source)
    assert result["verdict"] == "accepted", result
    assert result["stdout"] == "-1 1\n"  # EPERM


def test_3_kernel_memory_of_many_empty_files_is_counted(healthy_after: Runner) -> None:
    """Hundreds of thousands of empty files cost kernel memory (inodes, dentries: +441 MB before) that no
    process's RSS shows. The run's group is charged for it, and its peak memory says so."""
    source = (
        "import os\n"
        "n = 0\n"
        "try:\n"
        "    for d in range(400):\n"
        "        os.mkdir(f'/tmp/{d}')\n"
        "        for i in range(1000):\n"
        "            os.close(os.open(f'/tmp/{d}/{i}', os.O_CREAT | os.O_WRONLY))\n"
        "            n += 1\n"
        "except OSError as e:\n"
        "    print('stopped', e.errno)\n"
        "print('files', n)\n"
    )
    result = healthy_after.run("python", source)
    assert result["verdict"] in ("accepted", "memory_limit"), result
    if result["verdict"] == "accepted":
        files = int(result["stdout"].split()[-1])
        assert files > 100_000, result["stdout"]
        # At least half a kilobyte of kernel memory per file is charged to the run (RSS alone: ~10 MB).
        assert result["peakMemoryKb"] * 1024 >= files * 512, result


# ---- 4: host-wide pools ---------------------------------------------------------------------------------------
def test_4_aio_message_queues_and_ptys_are_out_of_reach(healthy_after: Runner) -> None:
    source = r"""
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/aio_abi.h>
int main() {
  int ok = 0;
  for (int i = 0; i < 100000; i++) {
    aio_context_t ctx = 0;
    if (syscall(SYS_io_setup, 128, &ctx) == 0) ok++; else break;
  }
  printf("io_setup %d %d\n", ok, errno);
  errno = 0; long r = syscall(SYS_io_submit, 0, 0, nullptr); printf("io_submit %ld %d\n", r, errno);
  errno = 0; r = syscall(SYS_mq_open, "/q", O_CREAT | O_RDWR, 0600, nullptr); printf("mq_open %ld %d\n", r, errno);
  errno = 0; r = syscall(SYS_modify_ldt, 0, nullptr, 0); printf("modify_ldt %ld %d\n", r, errno);
  errno = 0; r = syscall(SYS_personality, 0x0040000); printf("personality %ld %d\n", r, errno);
  errno = 0; r = syscall(SYS_process_madvise, 0, nullptr, 0, 0, 0); printf("process_madvise %ld %d\n", r, errno);
  int ptys = 0;
  for (int i = 0; i < 10000; i++) { if (posix_openpt(O_RDWR | O_NOCTTY) >= 0) ptys++; else break; }
  printf("ptys %d\n", ptys);
  printf("ptmx %d\n", open("/dev/pts/ptmx", O_RDWR) >= 0);
}
"""
    result = healthy_after.run("cpp", source)
    assert result["verdict"] == "accepted", result
    lines = dict(line.split(" ", 1) for line in result["stdout"].splitlines())
    assert lines["io_setup"] == "0 1", result["stdout"]
    for call in ("io_submit", "mq_open", "modify_ldt", "personality", "process_madvise"):
        assert lines[call] == "-1 1", (call, result["stdout"])
    assert lines["ptys"] == "0" and lines["ptmx"] == "0", result["stdout"]


def test_4_calls_outside_the_allowlist_answer_enosys(healthy_after: Runner) -> None:
    """Deny by default: a call on neither list (here two the kernel has, with a bad descriptor that would
    make them fail with EBADF) answers ENOSYS, as any call added to the kernel later will."""
    source = ("#include <cerrno>\n#include <cstdio>\n#include <unistd.h>\n#include <sys/syscall.h>\n"
              "int main() {\n"
              "  errno = 0; long r = syscall(SYS_fanotify_mark, -1, 0, 0, -1, nullptr);"
              " printf(\"fanotify_mark %ld %d\\n\", r, errno);\n"
              "  errno = 0; r = syscall(SYS_inotify_rm_watch, -1, 1);"
              " printf(\"inotify_rm_watch %ld %d\\n\", r, errno);\n"
              "  errno = 0; r = syscall(SYS_getpid); printf(\"getpid %d\\n\", r > 0);\n}\n")
    result = healthy_after.run("cpp", source)
    assert result["verdict"] == "accepted", result
    assert result["stdout"] == "fanotify_mark -1 38\ninotify_rm_watch -1 38\ngetpid 1\n", result["stdout"]


# ---- 5: compile output is capped ------------------------------------------------------------------------------
def _java_many_big_classes() -> str:
    """A small source whose class files would take about 77 MB: compile-time string constants doubled up to
    60 KB, eight distinct ones, which each of 160 small classes carries in its own constant pool (every
    file is about 480 KB, far under the 16 MB per-file limit, so only a cap on the whole job directory
    (24 MB in these tests, 64 MB by default) stops it; javac keeps each string once, so its heap is not
    what stops it)."""
    lines = ["public class Main {", ' static final String S0 = "0123456789abcdef";']
    for i in range(1, 12):  # S11: 16 * 2**11 = 32 KB
        lines.append(f" static final String S{i} = S{i - 1} + S{i - 1};")
    lines.append(" static final String T = S11 + S10 + S9 + S8;")  # 60 KB
    fields = ",".join(f'{name}=T+"{name}"' for name in "abcdefgh")
    lines += [f"static class C{c}{{static final String {fields};}}" for c in range(160)]
    lines.append(' public static void main(String[] a) { System.out.println("built"); }')
    lines.append("}")
    return "\n".join(lines) + "\n"


def test_5_compile_output_is_capped(healthy_after: Runner) -> None:
    source = _java_many_big_classes()
    assert len(source.encode()) < 64 * 1024
    result = healthy_after.run("java", source)
    assert result["verdict"] == "compile_error", result
    assert result["compile"]["ok"] is False
    assert "No space left on device" in result["compile"]["output"], result["compile"]["output"]


# ---- 6: nothing lockable is shared ----------------------------------------------------------------------------
def test_6_two_runs_cannot_talk_through_locks_on_a_shared_file(healthy_after: Runner) -> None:
    """Run A takes byte-range and whole-file locks on a toolchain file both runs can read; run B, on the other
    slot at the same time, looks for them. Locks answer ENOLCK, so there is nothing to see."""
    holder = (
        "import fcntl, os, sys, time\n"
        "f = open(sys.executable, 'rb')\n"
        "for name, call in (('lockf', lambda: fcntl.lockf(f, fcntl.LOCK_SH | fcntl.LOCK_NB, 1, 4242)),\n"
        "                   ('flock', lambda: fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB))):\n"
        "    try:\n"
        "        call(); print(name, 'held')\n"
        "    except OSError as e:\n"
        "        print(name, 'refused', e.errno)\n"
        "time.sleep(4)\n"
    )
    prober = (
        "import fcntl, struct, sys, time\n"
        "time.sleep(1.5)\n"
        "f = open(sys.executable, 'rb')\n"
        "query = struct.pack('hhqqi', fcntl.F_WRLCK, 0, 4242, 1, 0)\n"
        "try:\n"
        "    got = struct.unpack('hhqqi', fcntl.fcntl(f, fcntl.F_GETLK, query))\n"
        "    print('getlk', 'seen' if got[0] != fcntl.F_UNLCK else 'free')\n"
        "except OSError as e:\n"
        "    print('getlk refused', e.errno)\n"
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        a = pool.submit(healthy_after.run, "python", holder)
        time.sleep(0.3)
        b = pool.submit(healthy_after.run, "python", prober)
        result_a, result_b = a.result(), b.result()
    assert result_a["stdout"] == "lockf refused 37\nflock refused 37\n", result_a  # ENOLCK
    assert result_b["stdout"] == "getlk refused 37\n", result_b
    assert result_b["wallMs"] >= 1_500 and result_a["wallMs"] >= 4_000  # they did overlap


def test_6_a_lock_command_with_high_bits_set_is_refused_too(healthy_after: Runner) -> None:
    """fcntl's command is 32 bits to the kernel: a filter comparing all 64 would let (1 << 32) | F_SETLK by."""
    source = ("#include <cerrno>\n#include <cstdio>\n#include <fcntl.h>\n#include <unistd.h>\n"
              "#include <sys/syscall.h>\nint main() { int fd = open(\"/usr/bin/env\", O_RDONLY);\n"
              "  struct flock fl = {}; fl.l_type = F_RDLCK; fl.l_whence = SEEK_SET; fl.l_len = 1;\n"
              "  errno = 0; long r = syscall(SYS_fcntl, fd, (1L << 32) | F_SETLK, &fl);"
              " printf(\"%ld %d\\n\", r, errno); }\n")
    result = healthy_after.run("cpp", source)
    assert result["verdict"] == "accepted", result
    assert result["stdout"] == "-1 37\n", result["stdout"]  # ENOLCK


def test_6_each_request_gets_a_fresh_job_directory(healthy_after: Runner) -> None:
    """A run sees only its own program at /prog, never a directory another request used."""
    first = healthy_after.run("python", "import os\nprint(os.listdir('/prog'))\n")
    assert first["stdout"] == "['main.py']\n", first


# ---- 7: busy is said ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_runner(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from tests.runner.conftest import start_runner, stop_runner

    service = start_runner(tmp_path_factory.mktemp("runner-busy"), 23600, 1,
                           {"RUNNER_QUEUE_WAIT_S": "3", "RUNNER_MAX_QUEUE": "3"})
    yield service
    stop_runner(service)


def test_7_a_request_that_cannot_start_soon_hears_busy_with_its_place_in_line(small_runner: Runner) -> None:
    # Timeline: the slow run holds the only slot for 9 s; the probe hears busy after the 3 s wait; three
    # more wait from ~3 s to ~6 s and hear busy too, well before the slot frees.
    slow = {"language": "python", "source": "import time\ntime.sleep(9)\nprint('slow')\n"}
    headers = {"X-Runner-Secret": small_runner.secret}
    with ThreadPoolExecutor(max_workers=6) as pool:
        first = pool.submit(requests.post, f"{small_runner.url}/run", json=slow, headers=headers, timeout=60)
        deadline = time.monotonic() + 10
        while requests.get(f"{small_runner.url}/healthz", timeout=5).json()["busy"] < 1:
            assert time.monotonic() < deadline, "the slow run never started"
            time.sleep(0.05)
        started = time.monotonic()
        r = small_runner.post({"language": "python", "source": "print(1)"}, timeout=30)
        waited = time.monotonic() - started
        assert r.status_code == 503, r.text
        body = r.json()
        assert body["position"] == 1 and body["waitS"] >= 1 and "busy" in body["error"]
        assert r.headers["Retry-After"] == str(body["waitS"])
        assert 2.5 <= waited < 6, waited  # the bounded wait (3 s), not the slow run's 9 s
        # A full queue is told at once.
        waiting = [pool.submit(small_runner.post, {"language": "python", "source": "print(2)"}, "default", 30)
                   for _ in range(3)]
        deadline = time.monotonic() + 5
        while requests.get(f"{small_runner.url}/healthz", timeout=5).json()["queued"] < 3:
            assert time.monotonic() < deadline, "the requests never queued"
            time.sleep(0.02)
        health = requests.get(f"{small_runner.url}/healthz", timeout=5).json()
        assert health["slots"] == 1 and health["busy"] == 1 and health["queued"] == 3
        started = time.monotonic()
        full = small_runner.post({"language": "python", "source": "print(3)"}, timeout=30)
        assert full.status_code == 503 and full.json()["position"] == 4
        assert time.monotonic() - started < 1.5  # at once, not after the 3 s wait
        assert first.result().json()["stdout"] == "slow\n"
        assert all(w.result().status_code == 503 for w in waiting)
    assert small_runner.leftovers() == []


# ---- 9: threads -----------------------------------------------------------------------------------------------
THREAD_POOLS = {
    "python": (
        "import threading\nfrom concurrent.futures import ThreadPoolExecutor\n"
        "barrier = threading.Barrier(64)\n"
        "def work(i):\n    barrier.wait(timeout=20)\n    return i * i\n"
        "with ThreadPoolExecutor(max_workers=64) as pool:\n    print(sum(pool.map(work, range(64))))\n"
    ),
    "java": (
        "import java.util.*;\nimport java.util.concurrent.*;\n"
        "public class Main { public static void main(String[] a) throws Exception {\n"
        "  ExecutorService pool = Executors.newFixedThreadPool(64);\n"
        "  CyclicBarrier barrier = new CyclicBarrier(64);\n  List<Future<Long>> fs = new ArrayList<>();\n"
        "  for (long i = 0; i < 64; i++) { final long n = i; fs.add(pool.submit(() -> {"
        " barrier.await(20, TimeUnit.SECONDS); return n * n; })); }\n"
        "  long sum = 0; for (Future<Long> f : fs) sum += f.get();\n"
        "  pool.shutdown(); System.out.println(sum); } }\n"
    ),
    "cpp": (
        "#include <atomic>\n#include <cstdio>\n#include <thread>\n#include <vector>\n"
        "int main() { std::atomic<int> arrived{0}; std::atomic<long> sum{0}; std::vector<std::thread> ts;\n"
        "  for (long i = 0; i < 64; i++) ts.emplace_back([&, i] { arrived++; while (arrived < 64)"
        " std::this_thread::yield(); sum += i * i; });\n"
        "  for (auto &t : ts) t.join(); printf(\"%ld\\n\", sum.load()); }\n"
    ),
    "javascript": (
        "const { Worker } = require('worker_threads');\n"
        "const N = 16;\nlet done = 0, sum = 0;\n"
        "for (let i = 0; i < N; i++) {\n"
        "  const w = new Worker('const { parentPort, workerData } = require(\"worker_threads\");"
        " parentPort.postMessage(workerData * workerData);', { eval: true, workerData: i });\n"
        "  w.on('message', (v) => { sum += v; if (++done === N) console.log(sum); });\n}\n"
    ),
    "typescript": (
        "import { Worker } from 'worker_threads';\n"
        "const N: number = 16;\nlet done = 0, sum = 0;\n"
        "for (let i = 0; i < N; i++) {\n"
        "  const w = new Worker('const { parentPort, workerData } = require(\"worker_threads\");"
        " parentPort.postMessage(workerData * workerData);', { eval: true, workerData: i });\n"
        "  w.on('message', (v: number) => { sum += v; if (++done === N) console.log(sum); });\n}\n"
    ),
}
THREAD_SUMS = {"python": 85344, "java": 85344, "cpp": 85344, "javascript": 1240, "typescript": 1240}


@pytest.mark.parametrize("language", list(THREAD_POOLS))
def test_9_a_thread_pool_works_in_every_language(healthy_after: Runner, language: str) -> None:
    """64 threads alive at once (python, java, cpp); node's worker threads are whole isolates, so a pool of
    16 (SQL has no threads)."""
    result = healthy_after.run(language, THREAD_POOLS[language])
    assert result["verdict"] == "accepted", result
    assert result["stdout"] == f"{THREAD_SUMS[language]}\n"


def test_9_deep_recursion_still_has_a_big_stack(healthy_after: Runner) -> None:
    source = ("#include <cstdio>\nlong depth(long n) { volatile char pad[64]; pad[0] = (char)n;"
              " return n == 0 ? pad[0] : 1 + depth(n - 1); }\n"
              "int main() { printf(\"%ld\\n\", depth(200000)); }\n")
    result = healthy_after.run("cpp", source)
    assert result["verdict"] == "accepted", result
    assert result["stdout"] == "200000\n"
