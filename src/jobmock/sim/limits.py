"""How much state a client can make the mock hold: every resource has a bound.

Set with `jobmock serve --max-namespaces … --journal-bytes …`; current counts and
evictions are read at `GET /_jobmock/status`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from ..exceptions import SpecError

OPTIONS = {  # the `jobmock serve` option of each bound
    "namespaces": "--max-namespaces",
    "namespace_ttl": "--namespace-ttl",
    "jobs": "--max-jobs",
    "spot_jobs": "--max-spot-jobs",
    "journal_entries": "--journal-entries",
    "journal_bytes": "--journal-bytes",
    "streams": "--max-streams",
    "heartbeat": "--stream-heartbeat",
    "log_bytes": "--log-bytes",
    "job_bytes": "--max-job-bytes",
    "stream_stall": "--stream-stall",
    "body_timeout": "--body-timeout",
}


@dataclass(frozen=True)
class Limits:
    namespaces: int = 1000  # namespaces besides the default one; least recently used evicted first
    namespace_ttl: float = 3600.0  # seconds a namespace may stay unused before it is evicted
    jobs: int = 10_000  # jobs per namespace; the oldest finished job makes room
    spot_jobs: int = 1000  # per namespace, of those created on the spot by a poll naming a scenario
    journal_entries: int = 10_000  # journal entries per namespace; the oldest go first
    journal_bytes: int = 4_000_000  # journal size per namespace (about what its entries take)
    streams: int = 100  # open event streams (Server-Sent Events) per worker; more are answered 503
    heartbeat: float = 15.0  # seconds between an idle event stream's keep-alive comments
    log_bytes: int = 16_000_000  # a shared store's log of changes past a snapshot: compacted beyond this
    # a job's `fields` as compact JSON: a vendor's result or error overrides take a few hundred bytes;
    # 16 KiB leaves room for a large result while 10,000 jobs of a namespace hold at most 160 MB of them
    job_bytes: int = 16 * 1024
    stream_stall: float = 30.0  # seconds an event stream may wait for its client to read; then dropped
    body_timeout: float = 10.0  # seconds a request's body may take to arrive (from its headers' end); then 408

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise SpecError(OPTIONS[item.name], [], f"{value!r}: must be a finite number above 0")


@dataclass(frozen=True)
class ConnectionLimits:
    """The connections a client can make the server hold (`jobmock.server.connections`)."""

    keep_alive: int = 5  # seconds an idle keep-alive connection stays open
    header_timeout: float = 10.0  # seconds a request's headers may take to arrive
    max_connections: int = 1000  # open connections; more are answered 503

    def __post_init__(self) -> None:
        for name, value, ok in (
            ("--keep-alive", self.keep_alive, self.keep_alive > 0),
            ("--header-timeout", self.header_timeout, 0 < self.header_timeout < 3600),
            ("--max-connections", self.max_connections, self.max_connections > 0),
        ):
            if not ok:
                raise SpecError(
                    name,
                    [],
                    f"{value!r}: must be a number above 0" + (" and below 3600" if name == "--header-timeout" else ""),
                )
