"""jobmock as an ASGI app for a server you run: uvicorn, gunicorn, Kubernetes.

    JOBMOCK_STATE=redis://redis:6379/0 uvicorn --factory jobmock.asgi:app_from_env --workers 4

Every `jobmock serve` option is read from the environment variable named after it
(`--max-jobs` is JOBMOCK_MAX_JOBS, the specs are JOBMOCK_SPECS); see the README.
With more than one worker or host, give a shared `JOBMOCK_STATE` (a SQLite file, or Redis).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Mapping
from typing import Any

from .cli import create_from_options, options_from_env


def app_from_env(environ: Mapping[str, str] | None = None) -> Any:
    """The ASGI app the JOBMOCK_* environment variables describe."""
    environ = os.environ if environ is None else environ
    if PARENT in environ:
        _exit_with_parent(int(environ[PARENT]))
    return create_from_options(options_from_env(environ))[1]


PARENT = "JOBMOCK_PARENT_PID"  # set by `jobmock serve --workers N` for its workers


def _exit_with_parent(parent: int) -> None:
    """A worker of `jobmock serve --workers` ends when its parent is gone, even killed
    with SIGKILL (which leaves no chance to stop the workers)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)  # a graceful stop: the state is flushed and closed

    threading.Thread(target=watch, name="jobmock-parent-watch", daemon=True).start()
