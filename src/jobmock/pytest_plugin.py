"""pytest plugin (entry point `jobmock`): jobmock inside a user's own test suite.

Fixtures:
- `jobmock`: a `JobmockClient` for one test, in a namespace of its own on a jobmock
  started in-process on a free loopback port (once per session). Send the client
  under test to `jobmock.base_url(API)` with `jobmock.headers`.
- `jobmock_server`: that session's server (`.url`, `.mock`).
- `jobmock_check`: run `jobmock check` against any URL; fails the test with the report.

Options (command line or ini): `--jobmock-fixtures PATH` (repeatable, ini
`jobmock_fixtures`), `--jobmock-config FILE`, `--jobmock-seed N`, `--jobmock-plugin
MODULE` (repeatable; JOBMOCK_PLUGINS is read too).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # imported when a fixture is used, so that loading the plugin costs nothing
    from .checker import CheckReport
    from .client import JobmockClient
    from .server import App


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("jobmock")
    group.addoption("--jobmock-fixtures", action="append", default=[], help="jobmock fixture file or folder")
    group.addoption("--jobmock-config", default=None, help="jobmock scenario config file")
    group.addoption("--jobmock-seed", type=int, default=0, help="jobmock seed (default 0)")
    group.addoption(
        "--jobmock-plugin", action="append", default=[], help="a module or .py file registering jobmock extensions"
    )
    parser.addini("jobmock_fixtures", "jobmock fixture files or folders", type="paths", default=[])


@dataclass
class JobmockServer:
    url: str
    app: App
    control_token: str  # a fresh one per session: only this suite drives its server


@pytest.fixture(scope="session")
def jobmock_server(pytestconfig: pytest.Config) -> Iterator[JobmockServer]:
    from .assembly import create
    from .server import BackgroundServer

    fixtures = [str(p) for p in pytestconfig.getini("jobmock_fixtures")] + pytestconfig.getoption("jobmock_fixtures")
    app = create(
        fixtures=fixtures,
        config=pytestconfig.getoption("jobmock_config"),
        seed=pytestconfig.getoption("jobmock_seed"),
        plugins=pytestconfig.getoption("jobmock_plugin"),
        control_token=(token := secrets.token_urlsafe(24)),
    )
    with BackgroundServer(app) as server:
        yield JobmockServer(server.url, app, token)


@pytest.fixture
def jobmock(jobmock_server: JobmockServer, request: pytest.FixtureRequest) -> Iterator[JobmockClient]:
    from .client import JobmockClient

    namespace = "test-" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:12]
    with JobmockClient(jobmock_server.url, namespace, token=jobmock_server.control_token) as client:
        yield client
        client.drop_namespace()  # the next run of this test starts afresh


@pytest.fixture
def jobmock_check(pytestconfig: pytest.Config) -> Callable[..., CheckReport]:
    """`jobmock_check(api, url, **options)`: `jobmock.check`, failing the test on any finding."""
    from .checker import check, render_text
    from .plugins import load_plugins

    load_plugins(pytestconfig.getoption("jobmock_plugin"))  # their lifecycle checks run too

    def run(api: Any, url: str, **options: Any) -> CheckReport:
        report = check(api, url, **options)
        if not report.ok:
            pytest.fail(render_text(report), pytrace=False)
        return report

    return run
