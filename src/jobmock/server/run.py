"""Loading APIs and running the server: the Python API the CLI, tests and plugin share."""

from __future__ import annotations

import socket
import threading
from collections.abc import Sequence
from functools import partial
from types import TracebackType
from typing import Any

import uvicorn
import uvicorn.supervisors

from ..exceptions import SpecError, SpecErrors
from ..sim.limits import ConnectionLimits
from ..spec.bundled import bundled_names
from ..spec.files import collect
from ..spec.model import ApiModel, load_named
from .connections import GuardedProtocol
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


GRACE_SECONDS = 1  # on SIGTERM or Ctrl-C, answers still in flight (a latency fault) get this long


def _config(app: Any, host: str, port: int, limits: ConnectionLimits | None = None) -> uvicorn.Config:
    limits = limits or ConnectionLimits()
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=GuardedProtocol,
        log_level="warning",
        access_log=False,
        lifespan="on",  # loads shared state before the first request
        timeout_graceful_shutdown=GRACE_SECONDS,
        timeout_keep_alive=limits.keep_alive,
        limit_concurrency=limits.max_connections,
    )
    config.header_timeout = limits.header_timeout  # type: ignore[attr-defined]  # read by GuardedProtocol
    return config


def serve(app: Any, host: str = "127.0.0.1", port: int = 8000, limits: ConnectionLimits | None = None) -> None:
    """Serve until interrupted."""
    quiet_drops()
    uvicorn.Server(_config(app, host, port, limits)).run()


def serve_workers(factory: str, host: str, port: int, workers: int, limits: ConnectionLimits | None = None) -> None:
    """Serve with `workers` processes, each making its app with `factory` (an import
    string); they share the listening socket. Until interrupted."""
    quiet_drops()
    config = _config(factory, host, port, limits)
    config.factory = True
    config.workers = workers
    sock = config.bind_socket()
    uvicorn.supervisors.Multiprocess(config, sockets=[sock]).run()


class BackgroundServer:
    """A server on a free loopback port in a thread; a context manager for tests."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, limits: ConnectionLimits | None = None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # accepted connections inherit it: without, small answers wait ~40 ms for a delayed ACK
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.bind((host, port))
        self.host, self.port = self.sock.getsockname()[:2]
        self.server = uvicorn.Server(_config(app, host, self.port, limits))
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        self.server.run(sockets=[self.sock])  # uvicorn's own loop (uvloop where installed), as `serve` uses

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
