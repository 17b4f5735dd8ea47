"""jobmock as an ASGI app for a server you run: uvicorn, gunicorn, Kubernetes.

    JOBMOCK_STATE=redis://redis:6379/0 JOBMOCK_CONTROL_TOKEN=... \\
        uvicorn --factory jobmock.asgi:app_from_env --host 0.0.0.0 --workers 4

Every `jobmock serve` option is read from the environment variable named after it
(`--max-jobs` is JOBMOCK_MAX_JOBS, the specs are JOBMOCK_SPECS); see the README. The
connection bounds are the server's, not the app's: JOBMOCK_MAX_CONNECTIONS, _KEEP_ALIVE and
_HEADER_TIMEOUT stop start-up with the server option to use instead (never ignored). The
address the server listens on is read from the server itself when it starts: one other
machines reach needs JOBMOCK_CONTROL_TOKEN (or JOBMOCK_INSECURE_CONTROL=1), as with
`jobmock serve --host`, or the server does not start. With more than one worker or host,
give a shared `JOBMOCK_STATE` (a SQLite file, or Redis).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Mapping

from .assembly import FIND_OUT, create
from .exceptions import SpecError, SpecErrors, startup_message
from .options import from_env
from .running import PARENT
from .server.app import App
from .server.messages import send_whole
from .server.types import Receive, Scope, Send


def app_from_env(environ: Mapping[str, str] | None = None) -> App | Refusal:
    """The ASGI app the JOBMOCK_* environment variables describe."""
    environ = os.environ if environ is None else environ
    if PARENT in environ:
        _exit_with_parent(int(environ[PARENT]))
    try:
        options = from_env(environ)
        if PARENT not in environ:  # `jobmock serve --workers` applies them itself, in each worker
            _refuse_server_options(environ)
        if options.state == "memory" and PARENT not in environ and multiprocessing.parent_process() is not None:
            raise SpecError(
                "JOBMOCK_STATE",
                [],
                "several worker processes (uvicorn --workers) each hold their own jobs in memory: give them "
                "one store, JOBMOCK_STATE=./jobmock.db (one host) or redis://host:6379/0",
            )
        return create(options, bind=FIND_OUT)
    except (SpecError, SpecErrors) as exc:  # the server would print a traceback: say it in our words
        print(startup_message(exc), file=sys.stderr, flush=True)
        if multiprocessing.parent_process() is not None:  # a worker: fail its start, so the server stops
            return Refusal(startup_message(exc))  # (exiting here, it would be started again, and again)
        raise SystemExit(2) from None


# What the server that accepts the connections holds, which an app cannot apply: the
# variable, and what to give the server instead (`jobmock serve` applies them itself).
SERVER_HELD = {
    "JOBMOCK_MAX_CONNECTIONS": "give the server its own bound instead (uvicorn --limit-concurrency N)",
    "JOBMOCK_KEEP_ALIVE": "give the server its own instead (uvicorn --timeout-keep-alive SECONDS)",
    "JOBMOCK_HEADER_TIMEOUT": "uvicorn has none: use jobmock serve, or a proxy in front with one "
    "(nginx client_header_timeout)",
}


def _refuse_server_options(environ: Mapping[str, str]) -> None:
    """SpecError for a connection bound set for an app that cannot apply it (never ignored silently)."""
    for variable, instead in SERVER_HELD.items():
        if variable in environ:
            raise SpecError(
                variable,
                [],
                f"cannot be applied under a server jobmock did not start (that server holds the connections): "
                f"{instead}; and unset {variable}",
            )


class Refusal:
    """An app that refuses to start (lifespan), or, without lifespan events, answers 503."""

    def __init__(self, reason: str):
        self.reason = reason

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.failed", "message": self.reason})
            return
        await send_whole(send, 503, self.reason.encode(), b"text/plain; charset=utf-8")


def _exit_with_parent(parent: int) -> None:
    """A worker of `jobmock serve --workers` ends when its parent is gone, even killed
    with SIGKILL (which leaves no chance to stop the workers)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)  # a graceful stop: the state is flushed and closed

    threading.Thread(target=watch, name="jobmock-parent-watch", daemon=True).start()
