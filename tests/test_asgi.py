"""The ASGI app factory: `jobmock serve`'s options from JOBMOCK_* variables, and the same
control-plane protection under a server jobmock did not start itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from jobmock import BackgroundServer
from jobmock.asgi import app_from_env
from support import ServeProcess, UvicornProcess, free_port, wait_until


def test_the_factory_serves_what_the_variables_say(tmp_path: Path) -> None:
    environ = {
        "JOBMOCK_SPECS": "stories, nextdocs",
        "JOBMOCK_STATE": f"{tmp_path}/state.db",
        "JOBMOCK_MAX_JOBS": "50",
        "JOBMOCK_KEY": "nextdocs=nxd_one,nextdocs=nxd_two",
        "JOBMOCK_VALIDATE_RESPONSES": "true",
        "JOBMOCK_NO_BUNDLED_FIXTURES": "0",
    }
    with BackgroundServer(app_from_env(environ)) as server:
        status = httpx.get(server.url + "/_jobmock/status").json()
        assert status["jobs"]["max_per_namespace"] == 50
        assert status["state"]["store"] == f"sqlite:///{tmp_path}/state.db"
        apis = {api["name"] for api in httpx.get(server.url + "/_jobmock/apis").json()["apis"]}
        assert apis == {"stories", "nextdocs"}
        example = "/nextdocs/v1/jobs/job_abc123"
        assert httpx.get(server.url + example, headers={"Authorization": "Bearer nxd_two"}).status_code != 401
        assert httpx.get(server.url + example, headers={"Authorization": "Bearer nxd_three"}).status_code == 401
        assert httpx.get(server.url + "/_jobmock/scenarios").json()["scenarios"]  # bundled ones: the flag was 0


def test_a_bad_variable_stops_start_up_with_one_line_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        app_from_env({"JOBMOCK_SPEED": "fast"})
    assert stopped.value.code == 2
    assert capsys.readouterr().err == "jobmock: JOBMOCK_SPEED: 'fast': must be a number\n"


def uvicorn_factory(port: int, token: str | None) -> subprocess.Popen[str]:
    """`uvicorn --factory jobmock.asgi:app_from_env --host 0.0.0.0`, as the README deploys it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBMOCK_")}
    env["JOBMOCK_SPECS"] = "stories"
    if token is not None:
        env["JOBMOCK_CONTROL_TOKEN"] = token
    command = [sys.executable, "-m", "uvicorn", "--factory", "jobmock.asgi:app_from_env", "--host", "0.0.0.0",
               "--port", str(port), "--log-level", "warning"]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_factory_under_uvicorn_on_every_address_needs_a_control_token() -> None:
    """Without a token it refuses to start, with the very line `jobmock serve --host` prints."""
    server = uvicorn_factory(free_port(), token=None)
    _out, err = server.communicate(timeout=60)
    cli = subprocess.run(
        [sys.executable, "-m", "jobmock", "serve", "stories", "--host", "0.0.0.0", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "JOBMOCK_CONTROL_TOKEN"},
    )
    (line,) = cli.stderr.strip().splitlines()
    assert cli.returncode == 2 and line.startswith("jobmock: --host: 0.0.0.0 is reachable from other machines")
    assert server.returncode == 3 and line in err.splitlines()


def test_the_factory_under_uvicorn_on_every_address_asks_for_its_token() -> None:
    """With a token, a control request without it is refused (401), asked from 127.0.0.1 as
    from any machine; with it, it is answered."""
    port = free_port()
    server = uvicorn_factory(port, token="s3cret")
    try:
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            assert server.poll() is None, server.communicate()
            try:
                return httpx.get(url + "/_jobmock/status", timeout=2).status_code > 0
            except httpx.HTTPError:
                return False

        wait_until(up, what="uvicorn serving the factory")
        assert httpx.post(url + "/_jobmock/clock/advance", json={"seconds": 5}).status_code == 401
        token = {"X-Jobmock-Token": "s3cret", "Host": "mock.example:8000"}  # no loopback Host needed: bound to all
        assert httpx.get(url + "/_jobmock/clock", headers=token).status_code == 200
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)
    assert (
        "jobmock: warning: serving on 0.0.0.0, reachable from other machines; the control API has a control token"
        in err
    )


@pytest.mark.parametrize(
    ("variable", "instead"),
    [
        ("JOBMOCK_MAX_CONNECTIONS", "uvicorn --limit-concurrency N"),
        ("JOBMOCK_KEEP_ALIVE", "uvicorn --timeout-keep-alive SECONDS"),
        ("JOBMOCK_HEADER_TIMEOUT", "nginx client_header_timeout"),
    ],
)
def test_the_factory_refuses_connection_bounds_it_cannot_apply(
    variable: str, instead: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The server holds the connections: a bound given to the app would be ignored, so start-up
    stops with one line naming the variable and the server's own option (even at the default)."""
    for value in ("60", "5"):
        with pytest.raises(SystemExit) as stopped:
            app_from_env({variable: value, "JOBMOCK_SPECS": "stories"})
        assert stopped.value.code == 2
        (line,) = capsys.readouterr().err.splitlines()
        assert line.startswith(f"jobmock: {variable}: cannot be applied under a server jobmock did not start")
        assert instead in line and f"unset {variable}" in line


def test_uvicorn_with_a_connection_bound_for_the_factory_exits_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBMOCK_")}
    env.update(JOBMOCK_SPECS="stories", JOBMOCK_MAX_CONNECTIONS="60")
    command = [sys.executable, "-m", "uvicorn", "--factory", "jobmock.asgi:app_from_env", "--port", str(free_port())]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "jobmock: JOBMOCK_MAX_CONNECTIONS: cannot be applied" in done.stderr


def test_serve_workers_apply_the_connection_bounds_from_the_environment(tmp_path: Path) -> None:
    """`jobmock serve --workers` holds the connections itself: the variables are its options, and
    its workers (the factory, in processes it started) do not refuse them; /status counts."""
    env = {"JOBMOCK_MAX_CONNECTIONS": "50", "JOBMOCK_KEEP_ALIVE": "3", "JOBMOCK_HEADER_TIMEOUT": "4"}
    with ServeProcess("stories", "--workers", "2", log=tmp_path / "serve.log", env=env) as server:
        connections = server.http.get("/_jobmock/status").json()["connections"]
        assert connections["counted"] is True and connections["open"] >= 1
    assert "cannot be applied" not in server.log.read_text()


def test_status_does_not_count_connections_under_a_server_jobmock_did_not_start(tmp_path: Path) -> None:
    """Under uvicorn's own protocol jobmock sees no connection: /status says so, not a false 0."""
    with UvicornProcess(log=tmp_path / "uvicorn.log", env={"JOBMOCK_SPECS": "stories"}) as server:
        connections = server.http.get("/_jobmock/status").json()["connections"]
        assert (
            connections["counted"] is False
            and "open" not in connections
            and "holds the connections" in connections["note"]
        )
