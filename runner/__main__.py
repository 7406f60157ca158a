"""`python -m runner [--host H] [--port P]`: start the service (waitress, one process, N slot threads)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from waitress.server import create_server

from runner.app import Runtime, create_app
from runner.cgroups import CgroupUnavailableError
from runner.config import ConfigError, Settings
from runner.sandbox import SandboxUnavailableError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runner", description="Salamin's sandboxed code runner")
    parser.add_argument("--host", help="address to listen on (default RUNNER_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default RUNNER_PORT, PORT or 8765)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        settings = Settings.from_env()
    except ConfigError as e:
        print(f"runner: {e}", file=sys.stderr)
        return 2
    host = args.host or settings.host
    port = args.port or settings.port

    try:
        runtime = Runtime.start(settings)
    except (SandboxUnavailableError, CgroupUnavailableError, ConfigError, RuntimeError) as e:
        print(f"runner: {e}", file=sys.stderr)
        return 1
    server = create_server(create_app(runtime), host=host, port=port, threads=settings.slots + settings.max_queue + 2,
                           connection_limit=settings.slots + settings.max_queue + 16, channel_timeout=300,
                           ident="salamin-runner")

    def shutdown(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, shutdown)
    print(f"runner: listening on http://{host}:{port} with {settings.slots} slot(s)", file=sys.stderr, flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        runtime.stop()
        print("runner: stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
