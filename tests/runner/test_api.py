"""The HTTP surface: health, the shared secret, input validation, internal errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.runner.conftest import Runner, start_runner, stop_runner

pytestmark = pytest.mark.runner


def test_healthz_lists_every_language(runner: Runner) -> None:
    r = requests.get(f"{runner.url}/healthz", timeout=5)
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is True
    assert body["slots"] == 2
    assert set(body["languages"]) == {"python", "javascript", "typescript", "java", "cpp", "sql"}


def test_run_without_secret_is_401(runner: Runner) -> None:
    r = runner.post({"language": "python", "source": "print(1)"}, secret=None)
    assert r.status_code == 401
    assert "X-Runner-Secret" in r.json()["error"]


@pytest.mark.parametrize("wrong", ["nope", "x" * 48, ""])
def test_run_with_wrong_secret_is_refused(runner: Runner, wrong: str) -> None:
    r = runner.post({"language": "python", "source": "print(1)"}, secret=wrong or None)
    assert r.status_code == (403 if wrong else 401)


def test_secret_prefix_is_not_enough(runner: Runner) -> None:
    r = runner.post({"language": "python", "source": "print(1)"}, secret=runner.secret[:-1])
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"language": "cobol", "source": "x"}, "unknown language"),
        ({"source": "print(1)"}, "unknown language"),
        ({"language": "python"}, "source is required"),
        ({"language": "python", "source": 5}, "source is required"),
        ({"language": "python", "source": "#" * (64 * 1024 + 1)}, "source is larger than 64 KB"),
        ({"language": "python", "source": "x", "driver": "#" * (64 * 1024 + 1)}, "driver is larger"),
        ({"language": "python", "source": "x", "stdin": "x" * (1024 * 1024 + 1)}, "stdin is larger than 1024 KB"),
        ({"language": "python", "source": "x", "tests": [{"id": str(i), "expected": ""} for i in range(51)]},
         "too many tests"),
        ({"language": "python", "source": "x", "tests": [{"id": "a", "stdin": "x" * (1024 * 1024 + 1),
                                                            "expected": ""}]}, "tests[0].stdin is larger"),
        ({"language": "python", "source": "x", "tests": [{"id": "a"}]}, "tests[0].expected is required"),
        ({"language": "python", "source": "x", "tests": "all"}, "tests must be a list"),
        ({"language": "python", "source": "x", "tests": [{"id": "a", "expected": "", "hidden": "yes"}]},
         "hidden must be true or false"),
        ({"language": "sql", "source": "SELECT 1;", "driver": "x"}, "sql takes no driver"),
        (["not", "an", "object"], "JSON object"),
    ],
)
def test_invalid_requests_are_400_with_a_plain_message(runner: Runner, body: object, message: str) -> None:
    r = runner.post(body)
    assert r.status_code == 400, r.text
    assert message in r.json()["error"]


def test_body_that_is_not_json_is_400(runner: Runner) -> None:
    r = runner.session.post(f"{runner.url}/run", data=b"{not json", timeout=10,
                            headers={"X-Runner-Secret": runner.secret, "Content-Type": "application/json"})
    assert r.status_code == 400


def test_fifty_tests_are_allowed(runner: Runner) -> None:
    tests = [{"id": f"t{i}", "stdin": f"{i}\n", "expected": f"{i * 2}\n"} for i in range(50)]
    result = runner.run("cpp", "#include <cstdio>\nint main(){int x; scanf(\"%d\",&x); printf(\"%d\\n\", 2*x);}",
                        tests=tests)
    assert result["verdict"] == "accepted", result
    assert result["passed"] == result["total"] == 50


def test_unknown_route_and_method(runner: Runner) -> None:
    assert requests.get(f"{runner.url}/nope", timeout=5).status_code == 404
    assert requests.get(f"{runner.url}/run", timeout=5).status_code == 405


@pytest.fixture(scope="module")
def runner_without_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    """A second real service whose sqlite3 'is not installed': its SQL runs fail on the runner's side."""
    service = start_runner(tmp_path_factory.mktemp("runner-nosql"), 23500, 1,
                           {"RUNNER_SQLITE3": str(Path("/nonexistent/sqlite3"))})
    yield service
    stop_runner(service)


def test_internal_error_says_the_problem_is_ours(runner_without_sqlite: Runner) -> None:
    health = requests.get(f"{runner_without_sqlite.url}/healthz", timeout=5).json()
    assert "sql" not in health["languages"]
    r = runner_without_sqlite.post({"language": "sql", "source": "SELECT 1;"})
    assert r.status_code == 500
    body = r.json()
    assert body["verdict"] == "internal_error"
    assert "on our side" in body["message"] and "not a problem with the submitted code" in body["message"]
    ok = runner_without_sqlite.post({"language": "python", "source": "print('still fine')"})
    assert ok.status_code == 200 and ok.json()["stdout"] == "still fine\n"


def test_healthz_says_which_cgroup_layout_counts_the_runs(runner: Runner) -> None:
    body = requests.get(f"{runner.url}/healthz", timeout=5).json()
    assert body["cgroups"] in ("v1", "v2")  # this machine has cgroups: the runner must use them
    assert body["busy"] == 0 and body["queued"] == 0 and body["outOfService"] == 0


def test_an_unknown_cgroup_setting_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="RUNNER_CGROUPS must be auto or none"):
        start_runner(tmp_path, 23550, 1, {"RUNNER_CGROUPS": "maybe"})


@pytest.fixture(scope="module")
def weak_runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    """A second real service that was told to accept the weaker mode (no cgroups)."""
    service = start_runner(tmp_path_factory.mktemp("runner-weak"), 23560, 1, {"RUNNER_CGROUPS": "none"})
    yield service
    stop_runner(service)


def test_the_weaker_mode_is_said_and_still_fails_closed(weak_runner: Runner) -> None:
    assert requests.get(f"{weak_runner.url}/healthz", timeout=5).json()["cgroups"] == "none"
    assert "RUNNER_CGROUPS=none" in weak_runner.log()
    # A child named like a status field neither breaks the watchdog nor outlives the run.
    source = ("import ctypes, os, time\nlibc = ctypes.CDLL(None)\n"
              "if os.fork() == 0:\n    libc.prctl(15, b'RssAnon:', 0, 0, 0)\n    os.setsid()\n"
              "    time.sleep(60)\n    os._exit(0)\n"
              "libc.prctl(15, b'RssAnon:0 kB', 0, 0, 0)\nb = bytearray(300 << 20)\n"
              "for i in range(0, len(b), 4096):\n    b[i] = 1\ntime.sleep(0.5)\nprint('ok')\n")
    result = weak_runner.run("python", source)
    assert result["verdict"] == "accepted" and result["stdout"] == "ok\n", result
    assert weak_runner.leftovers(wait_s=0) == []
