"""The ASGI app factory reads `jobmock serve`'s options from JOBMOCK_* variables."""

from __future__ import annotations

import argparse
from pathlib import Path

import httpx
import pytest

from jobmock import BackgroundServer
from jobmock.asgi import app_from_env
from jobmock.cli import add_serve_options, options_from_env, options_to_env


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


def test_a_bad_variable_stops_start_up_with_the_options_message(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        app_from_env({"JOBMOCK_SPEED": "fast"})
    assert "--speed: invalid" in capsys.readouterr().err


def test_workers_get_the_options_the_command_was_given() -> None:
    argv = [
        "stories",
        "--seed",
        "4",
        "--fixtures",
        "a.yaml",
        "--fixtures",
        "b",
        "--validate-responses",
        "--workers",
        "3",
    ]
    parser = argparse.ArgumentParser()
    add_serve_options(parser)
    given = parser.parse_args(argv)
    again = options_from_env(options_to_env(given))
    for name, value in vars(given).items():
        if name not in ("workers", "host", "port", "report_polling"):
            assert getattr(again, name) == value, name
