"""HTTP clients: `JobmockClient` drives a running jobmock through its control API;
`watch_job` polls a job on any implementation as a well-behaved client would.
Imports only `jobmock.contract` and `jobmock.exceptions`."""

from __future__ import annotations

from .jobmock_client import JobmockClient
from .polls import Poll
from .watch import Watched, watch_job

__all__ = ["JobmockClient", "Poll", "Watched", "watch_job"]
