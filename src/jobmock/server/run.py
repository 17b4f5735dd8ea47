"""Loading APIs and running the server: the Python API the CLI, tests and plugin share."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from ..exceptions import JobmockError, SpecError, SpecErrors
from ..scenario_files.load import load_catalog
from ..sim.clock import CLOCK_MODES
from ..sim.mock import Mock
from ..spec.bundled import bundled_names
from ..spec.files import collect
from ..spec.model import ApiModel, load_named
from .app import build_app
from .delivery import quiet_drops


def load_apis(specs: Sequence[str] = (), mount: bool | None = None, strict: bool = False) -> list[ApiModel]:
    """Load bundled names or spec paths (all bundled APIs when empty); all errors at once.

    With several APIs (or `mount=True`) each is mounted under `/<name>`. Bundled specs skip
    the full OpenAPI validation unless `strict` (the test suite validates them).
    """
    names = list(specs) or bundled_names()
    mount = len(names) > 1 if mount is None else mount
    apis: list[ApiModel] = []
    problems: list[SpecError] = []
    for name in names:
        api = collect(problems, partial(load_named, name, strict))
        if api is not None:
            apis.append(api.with_mount(f"/{api.name}" if mount else ""))
    taken = [a.name for a in apis]
    for api in apis:
        if taken.count(api.name) > 1:
            problems.append(SpecError(api.source, [], f"two specs are named {api.name!r}; rename one file"))
    if problems:
        raise SpecErrors(problems)
    return apis


def create(
    specs: Sequence[str] = (),
    seed: int = 0,
    speed: float = 1.0,
    validate_responses: bool = False,
    mount: bool | None = None,
    keys: Mapping[str, Sequence[str]] | None = None,
    fixtures: Sequence[str | Path] = (),
    config: str | Path | None = None,
    bundled_fixtures: bool = True,
    chaos: float = 0.0,
    clock: str = "real",
) -> tuple[Mock, Any]:
    """A mock and its ASGI app, ready to serve.

    `keys`: API name → the only tokens it accepts. `fixtures`: fixture files or folders
    (the bundled ones load too, unless `bundled_fixtures=False`). `config`: the file
    of scenario rules and defaults. `chaos`: share of polls that meet a random fault.
    `clock`: real, manual or polls. Every problem in any file stops start-up."""
    by_name = {api.name: api for api in load_apis(specs, mount)}
    for name, tokens in (keys or {}).items():
        if name not in by_name:
            raise SpecError("--key", [], f"{name!r} is not a served API (served: {', '.join(sorted(by_name))})")
        by_name[name] = by_name[name].with_keys(tokens)
    if not 0 <= chaos <= 1:
        raise SpecError("--chaos", [], f"must be between 0 and 1, got {chaos}")
    if clock not in CLOCK_MODES:
        raise SpecError("--clock", [], f"unknown clock mode {clock!r}; modes: {', '.join(CLOCK_MODES)}")
    catalog = load_catalog(
        by_name, [Path(f) for f in fixtures], Path(config) if config else None, bundled=bundled_fixtures
    )
    try:
        mock = Mock(by_name.values(), seed=seed, speed=speed, catalog=catalog, chaos=chaos, clock=clock)
    except JobmockError as exc:
        raise SpecError("--speed", [], str(exc)) from exc
    return mock, build_app(mock, validate_responses=validate_responses)


def _config(app: Any, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")


def serve(app: Any, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until interrupted."""
    quiet_drops()
    uvicorn.Server(_config(app, host, port)).run()


class BackgroundServer:
    """A server on a free loopback port in a thread; a context manager for tests."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.host, self.port = self.sock.getsockname()[:2]
        self.server = uvicorn.Server(_config(app, host, self.port))
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.sock]))

    def start(self) -> BackgroundServer:
        quiet_drops()
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("server failed to start")
            threading.Event().wait(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
