"""`jobmock serve` as a user runs it: its options and their errors, the bind it refuses, the
exit statuses, and how it stops."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from jobmock import JobmockClient
from support import TOKENS, ServeProcess

ND = "neuraldraft"
AUTH = {"Authorization": f"Bearer {TOKENS[ND]}"}


SLOW_FIXTURE = """
api: neuraldraft
scenarios:
  slow-answer:
    phases: [{status: pending, duration: 1}, {status: processing, duration: 5}, {status: completed}]
    faults: [{poll: 5, latency: 60}]
"""


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_stops_at_once_and_prints_the_polling_report(stop: signal.Signals, tmp_path: Path) -> None:
    """Ctrl-C or SIGTERM: the server stops within its grace of 1 s even while an answer waits out
    a 60 s latency fault, exits 0, and prints the polling report."""
    fixture = tmp_path / "slow.yaml"
    fixture.write_text(SLOW_FIXTURE)
    args = [ND, "--clock", "manual", "--report-polling", "--fixtures", str(fixture)]
    with ServeProcess(*args, log=tmp_path / "serve.log") as server, JobmockClient(server.url) as control:
        job = control.create(ND, "slow-answer")
        control.advance(60)
        for _ in range(4):
            httpx.get(job["poll_url"], headers={**AUTH, "X-Jobmock-Client": "dashboard"})
        in_flight = threading.Thread(target=lambda: _quietly_get(job["poll_url"]), daemon=True)
        in_flight.start()  # poll 5: answered after 60 s
        time.sleep(0.5)  # let it reach the server (no assertion depends on this)
        started = time.monotonic()
        assert server.kill(stop) == 0
        assert time.monotonic() - started < 30  # far less than the 60 s the answer would take
    out = server.log.read_text()
    assert "[namespace (default)] jobmock polling report" in out
    assert "dashboard: 4 polls of 1 jobs" in out
    assert f"! job {job['id']}: 3 more polls after it was completed" in out


def _quietly_get(url: str) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the server closes it on its way out
        httpx.get(url, headers=AUTH, timeout=90)


def run_serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "jobmock", "serve", "neuraldraft", "--port", "0", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})


def test_a_non_loopback_bind_without_a_token_refuses_to_start() -> None:
    done = run_serve("--host", "0.0.0.0")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--control-token" in done.stderr and "--insecure-control" in done.stderr


@pytest.mark.parametrize("given", [["--control-token", "t0ken"], ["--insecure-control"]])
def test_a_non_loopback_bind_warns(tmp_path: Path, given: list[str]) -> None:
    with ServeProcess("neuraldraft", "--host", "0.0.0.0", *given, log=tmp_path / "serve.log") as server:
        assert "warning: serving on 0.0.0.0, reachable from other machines" in server.log.read_text()


def test_each_bound_has_a_serve_option() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "jobmock", "serve", "--help"], capture_output=True, text=True, timeout=60
    )
    for option in ("--max-namespaces", "--namespace-ttl", "--max-jobs", "--max-spot-jobs", "--journal-entries",
                   "--journal-bytes"):  # fmt: skip
        assert option in result.stdout
    refused = subprocess.run(
        [sys.executable, "-m", "jobmock", "serve", ND, "--max-jobs", "0", "--port", "9"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode == 2 and "--max-jobs: '0': must be 1 or more" in refused.stderr


@pytest.mark.parametrize(
    ("option", "line"),
    [
        (["--port", "99999"], "jobmock: --port: '99999': must be from 0 to 65535"),
        (["--speed", "nan"], "jobmock: --speed: 'nan': must be a finite number above 0"),
        (["--speed", "inf"], "jobmock: --speed: 'inf'"),
        (["--chaos", "2"], "jobmock: --chaos: '2': must be between 0 and 1"),
        (["--max-jobs", "0"], "jobmock: --max-jobs: '0': must be 1 or more"),
        (["--header-timeout", "-1"], "jobmock: --header-timeout: '-1'"),
        (["--keep-alive", "x"], "--keep-alive: 'x'"),
        (["--max-connections", "0"], "jobmock: --max-connections: '0'"),
        (["--key", "foo"], "jobmock: --key: 'foo': takes API=TOKEN"),
        (["--key", "acme=t"], "jobmock: --key: 'acme' is not a served API"),
        (["--clock", "sundial"], "jobmock: --clock: 'sundial': unknown clock mode"),
        (["--workers", "0"], "jobmock: --workers: '0': must be 1 or more"),
        (["--plugin", "no_such_module_x"], "jobmock: --plugin: no_such_module_x: cannot load it"),
        (["--cors-origin", "null"], "jobmock: --cors-origin: 'null': 'null' is the origin of sandboxed pages"),
        (["--cors-origin", "NULL"], "jobmock: --cors-origin: 'NULL': 'null' is the origin of sandboxed pages"),
        (["--cors-origin", "*"], "jobmock: --cors-origin: '*': must be an origin, scheme://host[:port]"),
        (["--cors-origin", "https://app.example/admin"], "jobmock: --cors-origin: 'https://app.example/admin': must"),
        (["--cors-origin", "app.example"], "jobmock: --cors-origin: 'app.example': must be an origin"),
        (["--control-token", " s3cret"], "jobmock: --control-token: ' s3cret': must be non-empty, without spaces"),
    ],
)
def test_bad_option_values_exit_2_with_one_line_naming_the_option_and_its_value(option: list[str], line: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jobmock", "serve", *option], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert line in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        ("JOBMOCK_MAX_JOBS", "many", "jobmock: JOBMOCK_MAX_JOBS: 'many': must be a whole number"),
        ("JOBMOCK_VALIDATE_RESPONSES", "maybe", "jobmock: JOBMOCK_VALIDATE_RESPONSES: 'maybe': must be 1 or 0"),
        ("JOBMOCK_CORS_ORIGIN", "null", "jobmock: JOBMOCK_CORS_ORIGIN: 'null'"),
        ("JOBMOCK_CORS_ORIGIN", "https://app.example,null", "jobmock: JOBMOCK_CORS_ORIGIN: 'null'"),
        ("JOBMOCK_CORS_ORIGIN", "*", "jobmock: JOBMOCK_CORS_ORIGIN: '*': must be an origin"),
        ("JOBMOCK_CONTROL_TOKEN", "", "jobmock: JOBMOCK_CONTROL_TOKEN: '': must be non-empty"),
        ("JOBMOCK_CONTROL_TOKEN", "s3cret\n", "jobmock: JOBMOCK_CONTROL_TOKEN: 's3cret\\n': must be non-empty"),
    ],
)
def test_bad_variables_exit_2_with_one_line_naming_the_variable(variable: str, value: str, line: str) -> None:
    env = {**os.environ, variable: value}
    done = subprocess.run(
        [sys.executable, "-m", "jobmock", "serve"], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 2 and line in done.stderr, done.stderr


def test_the_control_token_may_come_from_the_environment(tmp_path: Path) -> None:
    """JOBMOCK_CONTROL_TOKEN is --control-token: never needed on the command line (where `ps` shows it)."""
    env = {"JOBMOCK_CONTROL_TOKEN": "from-env"}
    with ServeProcess(ND, log=tmp_path / "serve.log", env=env) as server:
        assert httpx.post(server.url + "/_jobmock/clock/advance", json={"seconds": 1}).status_code == 401
        with JobmockClient(server.url, token="from-env") as control:
            assert control.advance(1)["mode"] == "real"


def test_a_port_in_use_exits_3_and_prints_no_banner() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for extra in ([], ["--workers", "2"]):
            done = subprocess.run(
                [sys.executable, "-m", "jobmock", "serve", ND, "--port", str(port), *extra],
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert done.returncode == 3, done.stderr
            assert f"jobmock: cannot listen on 127.0.0.1:{port}" in done.stderr
            assert "serving on" not in done.stdout


@pytest.mark.parametrize("command", ["serve", "check", "record", "specs", "validate", "schema"])
def test_help_shows_an_example_and_a_description(command: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jobmock", command, "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and re.search(rf"^example: jobmock {command}\b", done.stdout, re.M), done.stdout
    description = done.stdout.split("\n\n")[1]  # after the usage lines, before the options
    assert not description.startswith(("positional arguments", "options")), done.stdout
    if command == "serve":
        assert re.search(r"--host HOST +address to listen on", done.stdout)
        assert re.search(r"--port PORT +port to listen on", done.stdout)


def test_specs_lists_the_states_as_a_set_not_a_sequence() -> None:
    done = subprocess.run([sys.executable, "-m", "jobmock", "specs"], capture_output=True, text=True, timeout=60)
    line = next(line for line in done.stdout.splitlines() if line.startswith("superdocs"))
    assert "states: pending, in_progress, awaiting_approval, completed, failed, cancelled" in line


def test_a_control_token_from_the_environment_serves_every_address(tmp_path: Path) -> None:
    """JOBMOCK_CONTROL_TOKEN counts as --control-token for the bind rule too: --host 0.0.0.0
    starts (and warns), and the control API asks for the token."""
    env = {"JOBMOCK_CONTROL_TOKEN": "from-env"}
    with ServeProcess(ND, "--host", "0.0.0.0", log=tmp_path / "serve.log", env=env) as server:
        assert "the control API has a control token" in server.log.read_text()
        assert httpx.post(server.url + "/_jobmock/clock/advance", json={"seconds": 1}).status_code == 401
        headers = {"X-Jobmock-Token": "from-env", "Host": "mock.example"}  # bound to every address: any Host
        assert (
            httpx.post(server.url + "/_jobmock/clock/advance", json={"seconds": 1}, headers=headers).status_code == 200
        )
    unbindable = run_serve("--host", "192.0.2.1", env=env)  # TEST-NET-1: never this machine's
    assert unbindable.returncode == 3 and "jobmock: cannot listen on 192.0.2.1" in unbindable.stderr
    assert "--control-token" not in unbindable.stderr and "JOBMOCK_CONTROL_TOKEN" not in unbindable.stderr


def test_the_command_line_token_wins_over_the_environment(tmp_path: Path) -> None:
    env = {"JOBMOCK_CONTROL_TOKEN": "from-env"}
    with ServeProcess(ND, "--control-token", "from-argv", log=tmp_path / "serve.log", env=env) as server:
        advance = server.url + "/_jobmock/clock/advance"
        assert httpx.post(advance, json={"seconds": 1}, headers={"X-Jobmock-Token": "from-env"}).status_code == 401
        assert httpx.post(advance, json={"seconds": 1}, headers={"X-Jobmock-Token": "from-argv"}).status_code == 200


def test_a_port_held_on_every_address_exits_3_too() -> None:
    """Another server listening on 0.0.0.0:PORT holds 127.0.0.1:PORT as well: no banner, exit 3."""
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for extra in ([], ["--workers", "2"]):
            done = run_serve("--port", str(port), *extra)
            assert done.returncode == 3, done.stderr
            assert "serving on" not in done.stdout and "Traceback" not in done.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_store_that_cannot_be_reached_exits_non_zero_before_the_banner(workers: str) -> None:
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    done = run_serve("--state", f"redis://127.0.0.1:{port}/0", "--workers", workers)
    assert done.returncode == 2 and "serving on" not in done.stdout
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"jobmock: --state: cannot reach Redis at redis://127.0.0.1:{port}/0"), line
