"""Finding 8 of issue 10: a checkout inside a folder other users cannot enter (root's home folder, any 0700
folder) must still work: the sandbox's uids cannot reach the toolchain the checkout holds (esbuild under
runner/node_modules), so the runner places it where they can."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runner.conftest import RUNNER_DIR, Runner, start_runner, stop_runner

pytestmark = pytest.mark.runner


@pytest.fixture(scope="module")
def runner_in_a_closed_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    closed = tmp_path_factory.mktemp("closed")
    os.chmod(closed, 0o700)
    checkout = closed / "checkout"
    shutil.copytree(RUNNER_DIR, checkout / "runner", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", "stamps"))
    os.chmod(checkout, 0o700)
    env = {"RUNNER_BUILD_DIR": str(checkout / "runner" / ".build")}
    service = start_runner(tmp_path_factory.mktemp("runner-closed"), 23700, 1, env, cwd=checkout)
    yield service
    stop_runner(service)
    assert service.proc.returncode == 0, service.log()


def test_a_checkout_in_a_0700_folder_runs_every_language(runner_in_a_closed_folder: Runner) -> None:
    runner = runner_in_a_closed_folder
    closed = Path(runner.log_path).parent  # the copy lives elsewhere; the runner's own paths say where
    assert closed.exists()
    for language, source in (("typescript", "const n: number = 6 * 7;\nconsole.log(n);\n"),
                             ("python", "print(6 * 7)\n"),
                             ("cpp", "#include <cstdio>\nint main() { printf(\"42\\n\"); }\n")):
        result = runner.run(language, source)
        assert result["verdict"] == "accepted", (language, result)
        assert result["stdout"] == "42\n"
    assert runner.leftovers() == []
