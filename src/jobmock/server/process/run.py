"""Running the server: in this process, in worker processes, or in a thread (tests and the
pytest plugin). The Python API the CLI, tests and the plugin share."""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from typing import Any

import uvicorn
import uvicorn.supervisors

from ...sim.limits import ConnectionLimits
from ..middleware.delivery import quiet_drops
from .connections import GuardedProtocol

GRACE_SECONDS = 1  # on SIGTERM or Ctrl-C, answers still in flight (a latency fault) get this long


def _config(
    app: Any, host: str, port: int, limits: ConnectionLimits | None = None, relay: bool = False
) -> uvicorn.Config:
    """uvicorn's settings for jobmock. `relay`: the app relays another server's answers (`jobmock
    proxy`), whose `Date` and `Server` headers are theirs: uvicorn adds none of its own."""
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
        server_header=not relay,
        date_header=not relay,
    )
    config.header_timeout = limits.header_timeout  # type: ignore[attr-defined]  # read by GuardedProtocol
    return config


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free one); OSError when it cannot be had
    (the port is taken, the address is not this machine's), before anything is served."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # accepted connections inherit it: without, small answers wait ~40 ms for a delayed ACK
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)  # worker processes serve it too
    return sock


def serve_app(app: Any, sock: socket.socket, limits: ConnectionLimits | None = None, relay: bool = False) -> None:
    """Serve on a bound socket until interrupted (`relay`: see `_config`)."""
    quiet_drops()
    host, port = sock.getsockname()[:2]
    uvicorn.Server(_config(app, host, port, limits, relay)).run(sockets=[sock])


def serve_workers(factory: str, sock: socket.socket, workers: int, limits: ConnectionLimits | None = None) -> None:
    """Serve with `workers` processes on a bound socket, each making its app with `factory`
    (an import string). Until interrupted."""
    quiet_drops()
    host, port = sock.getsockname()[:2]
    config = _config(factory, host, port, limits)
    config.factory = True
    config.workers = workers
    uvicorn.supervisors.Multiprocess(config, sockets=[sock]).run()


class BackgroundServer:
    """A server on a free loopback port in a thread; a context manager for tests."""

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: ConnectionLimits | None = None,
        relay: bool = False,
    ):
        self.sock = bind(host, port)
        self.host, self.port = self.sock.getsockname()[:2]
        self.server = uvicorn.Server(_config(app, host, self.port, limits, relay))
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
