"""jobmock as an ASGI app for a server you run: uvicorn, gunicorn, Kubernetes.

    JOBMOCK_STATE=redis://redis:6379/0 uvicorn --factory jobmock.asgi:app_from_env --workers 4

Every `jobmock serve` option is read from the environment variable named after it
(`--max-jobs` is JOBMOCK_MAX_JOBS, the specs are JOBMOCK_SPECS); see the README.
With more than one worker or host, give a shared `JOBMOCK_STATE` (a SQLite file, or Redis).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .cli import create_from_options, options_from_env


def app_from_env(environ: Mapping[str, str] | None = None) -> Any:
    """The ASGI app the JOBMOCK_* environment variables describe."""
    return create_from_options(options_from_env(os.environ if environ is None else environ))[1]
