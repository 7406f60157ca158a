"""A real coturn (Debian's package) on loopback, with the TURN secret the functions mint credentials with."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TURN_PORT = 3478  # functions/.env points TURN_URLS here


def turn_secret() -> str:
    for line in (ROOT / "functions/.secret.local").read_text().splitlines():
        if line.startswith("TURN_SECRET="):
            return line.split("=", 1)[1].strip()
    raise RuntimeError("functions/.secret.local has no TURN_SECRET: run make setup")


@contextmanager
def coturn(port: int = TURN_PORT) -> Iterator[subprocess.Popen[bytes]]:
    binary = shutil.which("turnserver")
    if not binary:
        raise RuntimeError("coturn is not installed: apt-get install coturn (make setup does)")
    workdir = Path(tempfile.mkdtemp(prefix="salamin-coturn-"))
    args = [
        binary, "-n", "--listening-ip=127.0.0.1", f"--listening-port={port}", "--relay-ip=127.0.0.1",
        "--min-port=49160", "--max-port=49260", "--use-auth-secret", f"--static-auth-secret={turn_secret()}",
        "--realm=salamin.local", "--no-tls", "--no-dtls", "--no-cli", "--fingerprint",
        # Loopback only exists here because both test browsers share one machine; production denies it.
        "--allow-loopback-peers", "--no-multicast-peers", f"--pidfile={workdir / 'turn.pid'}",
        f"--log-file={workdir / 'turn.log'}", "--simple-log", "--no-stdout-log",
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None:
            raise RuntimeError(f"coturn exited: {(workdir / 'turn.log').read_text()[-2000:]}")
        time.sleep(0.1)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)
