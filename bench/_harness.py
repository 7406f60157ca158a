"""Shared by the bench scripts: run a script inside `firebase emulators:exec`, and percentiles.

Each bench script's `outer` half calls `run_inside_emulators`, which checks the set-up (preflight:
Java, the Firestore emulator, free ports), starts only the emulators it needs, runs the script's
`--inner` half inside them, keeps the emulators' log under .cache/ and prints only the bench's lines
(prefixed "BENCH " or the final JSON).
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The Functions emulator runs every request in flight at once, each Python request in a process of its own
# that is started for it when no idle one serves that function (and never stopped): 50 callables at once
# are 50 Python processes starting together on 2 cores. FUNCTIONS_EMULATOR_PARALLEL (firebase-tools'
# WorkQueue) bounds the requests in flight; the rest wait in the emulator's queue. scripts/run.sh sets it
# too; README "Reading a load bench" says why this number.
EMULATOR_ENV = {"FUNCTIONS_EMULATOR_PARALLEL": "4"}


def run_inside_emulators(script: Path, inner_args: list[str], only: str, log_name: str, *,
                         watch: bool = False) -> int:
    """Runs `script --inner ARGS` inside `firebase emulators:exec --only ONLY`; prints its BENCH lines.

    With `watch`, the emulators' process tree is sampled (ProcessWatch) and, after the bench's lines, where
    the time went is printed: CPU per process group, function invocations (from the emulators' log) per
    unit, load average, function workers and memory. The inner half marks its measured phase with the lines
    "BENCH-PHASE start" / "BENCH-PHASE end", names its unit with "BENCH-UNITS <name> <count>" and reports
    its own CPU seconds in the phase with "BENCH-CPU <seconds>".
    """
    venv_python = ROOT / ".venv/bin/python"
    if not venv_python.exists():
        print("salamin: run `make setup` first (it creates .venv and functions/venv).", file=sys.stderr)
        return 1
    pre = subprocess.run([str(venv_python), str(ROOT / "scripts/preflight.py")], capture_output=True, text=True)
    if pre.returncode != 0:
        print(pre.stderr.strip(), file=sys.stderr)
        return 1
    env = dict(os.environ)
    for line in pre.stdout.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key] = shlex.split(value)[0] if value else ""
    for key, value in EMULATOR_ENV.items():
        env.setdefault(key, value)  # set it in the shell to compare
    inner_cmd = " ".join(shlex.quote(a) for a in [str(venv_python), str(script.resolve()), "--inner", *inner_args])
    (ROOT / ".cache").mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [str(ROOT / "node_modules/.bin/firebase"), "emulators:exec", "--project", "demo-salamin", "--only", only,
         inner_cmd],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    watcher = ProcessWatch(proc.pid) if watch else None
    if watcher:
        watcher.start()
    invocations: dict[str, list[float]] = {}
    late: dict[str, list[float]] = {}  # timer function -> how late each due delivery was handled (ms)
    units: tuple[str, int] | None = None
    bench_cpu: float | None = None
    measuring = False
    reloads = 0  # the Functions emulator reloads every function when a file under functions/ changes
    assert proc.stdout is not None
    with (ROOT / ".cache" / log_name).open("w") as log:
        for line in proc.stdout:
            log.write(line)
            if line.startswith("BENCH-PHASE "):
                measuring = line.split()[1] == "start"
                if watcher:
                    watcher.mark(line.split()[1])
            elif line.startswith("BENCH-UNITS "):
                _, name, count = line.split()
                units = (name, int(count))
            elif line.startswith("BENCH-CPU "):
                bench_cpu = float(line.split()[1])
            elif line.startswith(("BENCH ", "{")):
                print(line.rstrip("\n").removeprefix("BENCH "), flush=True)
            elif measuring and (m := _INVOCATION.search(line)):
                invocations.setdefault(m.group(1), []).append(float(m.group(2)))
            elif measuring and (m := _TIMER_LATE.search(line)):
                late.setdefault(m.group(1), []).append(float(m.group(2)))
            elif measuring and "Loaded functions definitions from source" in line:
                reloads += 1
    returncode = proc.wait()
    if watcher:
        watcher.stop()
        for line in _where_time_went(watcher, invocations, units, bench_cpu):
            print(line)
        print(_timers_line(late))
    if reloads:
        print(f"reloads {reloads}: a file under functions/ changed during the measured phase and the Functions "
              "emulator reloaded (seconds without deliveries): these figures are not clean")
    # The Functions emulator leaves its Python workers running when it stops (scripts/runner_local.sh).
    _end_workers()
    if returncode != 0:
        print(f"salamin: the run failed; see .cache/{log_name}", file=sys.stderr)
    return returncode


def _end_workers() -> None:
    """Ends this tree's function workers, by id: those running functions-framework whose working directory
    is this tree's functions/. (Matching the command line missed a copy whose venv is a symlink: its
    workers show the resolved path, and ~33 of them outlived each run, up to 5 minutes, loading the next.)"""
    mine = str(ROOT / "functions")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if "functions-framework" in cmd and os.readlink(entry / "cwd") == mine:
                os.kill(int(entry.name), signal.SIGTERM)
        except (OSError, ProcessLookupError):
            continue  # gone meanwhile, or not ours to read


def pct(values: list[float], p: float) -> float:
    """The p-th percentile by linear interpolation (NaN for no values)."""
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


# ---- the conditions a number was measured under --------------------------------------------------------

_CPU_GROUPS = (
    # (group, substrings of a process's command line), first match wins
    ("functions", ("functions-framework", "functions/venv")),
    ("emulators", ("firestore-emulator", "firebase-tools", "node_modules/.bin/firebase", "emulators:")),
    ("browsers", ("chromium", "chrome", "headless_shell")),
    ("runner", ("runner/", "salamin-runner", "bwrap")),
    ("bench", ("bench/",)),
)


def _cpu_by_process() -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) of every process whose command line falls in one of the groups."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        group = next((g for g, keys in _CPU_GROUPS if any(k in cmd for k in keys)), None)
        if group is None:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        out[int(entry.name)] = (group, (int(fields[11]) + int(fields[12])) / tick)
    return out


class Conditions:
    """Load average and CPU seconds per group (emulators, functions workers, browsers, runner, bench) over a
    run: `start()` before, `report()` after. A process that ends before `report()` is not counted (its time
    is lost to /proc), so the figures are a floor."""

    def __init__(self) -> None:
        self._before: dict[int, tuple[str, float]] = {}
        self._t0 = 0.0
        self._load: list[float] = []

    def start(self) -> None:
        self._before = _cpu_by_process()
        self._t0 = time.monotonic()
        self._load = [os.getloadavg()[0]]

    def sample(self) -> None:
        """Note the 1-minute load average now (call it now and then during a long run)."""
        self._load.append(os.getloadavg()[0])

    def report(self) -> dict[str, float]:
        self.sample()
        after = _cpu_by_process()
        wall = time.monotonic() - self._t0
        cpu: dict[str, float] = {g: 0.0 for g, _ in _CPU_GROUPS}
        for pid, (group, secs) in after.items():
            before = self._before.get(pid)
            cpu[group] += secs - (before[1] if before and before[0] == group else 0.0)
        result = {"wall_s": round(wall, 1), "load_avg_max": round(max(self._load), 2),
                  "load_avg_mean": round(sum(self._load) / len(self._load), 2)}
        result.update({f"cpu_s_{g}": round(v, 1) for g, v in cpu.items()})
        return result

    def print(self) -> dict[str, float]:
        r = self.report()
        cores = os.cpu_count() or 1
        print(f"BENCH conditions: {r['wall_s']} s wall on {cores} cores, 1-min load average mean "
              f"{r['load_avg_mean']} max {r['load_avg_max']}; CPU seconds: "
              + ", ".join(f"{g} {r[f'cpu_s_{g}']}" for g, _ in _CPU_GROUPS))
        return r


# ---- where a load bench's time goes: the emulators' process tree and their log ---------------------------

# (group, test on a process's command line), first match wins. A Python function worker is a
# functions-framework process (a gunicorn master and its one forked worker, sharing most pages).
_TREE_GROUPS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("function workers (python)", lambda cmd: "functions-framework" in cmd and "python" in cmd),
    ("firestore (java)", lambda cmd: "java" in cmd.split(" ", 1)[0] or "cloud-firestore-emulator" in cmd),
    ("firebase CLI (node)", lambda cmd: "node" in cmd.split(" ", 1)[0] or "firebase" in cmd.split(" ", 1)[0]),
    ("bench", lambda cmd: "--inner" in cmd),
)
_OTHER = "other (shells)"
_INVOCATION = re.compile(r'Finished "[a-z0-9-]+?-(\w+)" in ([\d.]+)ms')
# Logged by salamin.tasks.check_due when a timer task is handled at or after its due time.
_TIMER_LATE = re.compile(r"salamin timer (\w+) due, handled (-?[\d.]+) ms late")


def _timers_line(late: dict[str, list[float]]) -> str:
    """How late the timers that came due in the measured phase were handled (due time -> handler), so a
    throttled timer queue cannot hide behind fast callables. The emulator's early deliveries are not here."""
    if not late:
        return "timers  none came due in the measured phase (early deliveries are counted with the calls)"
    return "timers  due and handled in the measured phase, lateness p50 / p95 / max: " + "; ".join(
        f"{name} {len(v)}: {pct(v, 50):.0f} / {pct(v, 95):.0f} / {max(v):.0f} ms" for name, v in sorted(late.items()))


def _read_proc(pid: str) -> tuple[int, str, float, int] | None:
    """(parent pid, command line, CPU seconds, proportional set size in kB) of a process, or None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        pss = 0
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
                break
    except (OSError, ValueError):
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[1]), cmd, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), pss


class ProcessWatch:
    """Samples the process tree under one pid (the emulators and what they start) every `interval` s.

    CPU seconds per group are each process's last sample, so a process that ends loses at most its last
    interval. Memory is PSS (proportional set size): pages a gunicorn master shares with its forked worker
    are counted once, not twice as RSS would. `mark(name)` notes the totals at a moment (the bench's
    measured phase); `peak_*` cover the whole run.
    """

    def __init__(self, root_pid: int, interval: float = 0.5) -> None:
        self.root_pid, self.interval = root_pid, interval
        self.cpu: dict[int, tuple[str, float]] = {}
        self.marks: dict[str, tuple[float, dict[str, float], float]] = {}
        self.peak_workers = self.peak_worker_processes = 0
        self.peak_worker_pss_kb = self.peak_total_pss_kb = 0
        self.load: list[float] = []
        self.last = (0, 0, 0)  # (all PSS kB, workers' PSS kB, workers) at the latest sample
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        procs: dict[int, tuple[int, str, float, int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit() and (info := _read_proc(entry)) is not None:
                procs[int(entry)] = info
        children: dict[int, list[int]] = {}
        for pid, (ppid, *_rest) in procs.items():
            children.setdefault(ppid, []).append(pid)
        tree, todo = [], [self.root_pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, []))
        workers = worker_processes = worker_pss = total_pss = 0
        with self._lock:
            for pid in tree:
                if pid not in procs:
                    continue
                ppid, cmd, cpu, pss = procs[pid]
                group = next((g for g, test in _TREE_GROUPS if test(cmd)), _OTHER)
                self.cpu[pid] = (group, cpu)
                total_pss += pss
                if group == _TREE_GROUPS[0][0]:
                    worker_processes += 1
                    worker_pss += pss
                    parent_cmd = procs.get(ppid, (0, "", 0.0, 0))[1]
                    workers += 0 if "functions-framework" in parent_cmd and "python" in parent_cmd else 1
            self.peak_workers = max(self.peak_workers, workers)
            self.peak_worker_processes = max(self.peak_worker_processes, worker_processes)
            self.peak_worker_pss_kb = max(self.peak_worker_pss_kb, worker_pss)
            self.peak_total_pss_kb = max(self.peak_total_pss_kb, total_pss)
            self.load.append(os.getloadavg()[0])
            self.last = (total_pss, worker_pss, workers)

    def current(self) -> tuple[int, int, int]:
        """(all PSS kB, the function workers' PSS kB, function workers) at the latest sample."""
        with self._lock:
            return self.last

    def cpu_by_group(self) -> dict[str, float]:
        out = {g: 0.0 for g, _ in _TREE_GROUPS} | {_OTHER: 0.0}
        with self._lock:
            for group, secs in self.cpu.values():
                out[group] += secs
        return out

    def mark(self, name: str) -> None:
        self.sample()
        self.marks[name] = (time.monotonic(), self.cpu_by_group(), os.getloadavg()[0])


def _where_time_went(watch: ProcessWatch, invocations: dict[str, list[float]], units: tuple[str, int] | None,
                     bench_cpu_s: float | None) -> list[str]:
    """The lines a load bench prints after its figures (README: "Reading a load bench")."""
    lines = []
    if "start" in watch.marks and "end" in watch.marks:
        (t0, cpu0, load0), (t1, cpu1, load1) = watch.marks["start"], watch.marks["end"]
        wall = t1 - t0
        cpu = {g: cpu1[g] - cpu0.get(g, 0.0) for g in cpu1}
        if bench_cpu_s is not None:
            cpu["bench"] = bench_cpu_s  # the bench's own reading (its process is sampled too, coarser)
        total = sum(cpu.values())
        lines.append(f"== where the time went (measured phase: {wall:.1f} s wall, {os.cpu_count()} cores = "
                     f"{wall * (os.cpu_count() or 1):.0f} CPU s available) ==")
        lines.append("CPU s   " + ", ".join(f"{g} {v:.1f}" for g, v in cpu.items()) + f"; total {total:.1f}")
        lines.append(f"load    1-min load average {load0:.2f} at start, {load1:.2f} at end, "
                     f"{max(watch.load or [0.0]):.2f} at most during the run")
    count = sum(len(v) for v in invocations.values())
    per = f" = {count / units[1]:.1f} per {units[0]}" if units and units[1] else ""
    lines.append(f"calls   {count} function invocations in the measured phase{per}:")
    for name, times in sorted(invocations.items(), key=lambda kv: -len(kv[1])):
        each = f" ({len(times) / units[1]:.2f} per {units[0]})" if units and units[1] else ""
        lines.append(f"          {name:<26}{len(times):>6}{each}, {sum(times) / 1000:.1f} s in the function")
    lines.append(f"workers at most {watch.peak_workers} function workers ({watch.peak_worker_processes} processes), "
                 f"{watch.peak_worker_pss_kb / 1024:.0f} MB PSS at most; everything the emulators started: "
                 f"{watch.peak_total_pss_kb / 1024:.0f} MB PSS at most")
    return lines
