"""The request journal: what clients asked and what they were answered, per namespace.

A bounded in-memory list. Writing must cost the poll hot path almost nothing, so the
web layer stores the raw request and answer; it reads them into `JournalEntry`s
(client, API, job…) only when someone reads the journal (`jobmock.server.journaling`).
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class RawRequest:
    at: float  # wall-clock epoch seconds the request arrived
    method: str
    path: str
    query: str
    headers: list[tuple[bytes, bytes]]
    peer: str
    status: int | None
    marks: dict[str, str]  # the x-jobmock-* delivery marks of the answer
    retry_after: str | None


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    at: float
    method: str
    path: str
    query: str
    client: str
    api: str | None  # the vendor API the path belongs to
    job: str | None  # the job id polled, if the request was a poll
    status: int | None  # HTTP status answered; None: the connection was dropped
    job_status: str | None  # the job's status in the answer
    fault: str | None  # the injected fault, if any (429, 503, latency, drop)
    retry_after: str | None  # the Retry-After header answered

    def record(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = datetime.fromtimestamp(self.at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return data


class Journal:
    def __init__(self, limit: int = LIMIT):
        self._raw: deque[tuple[int, RawRequest]] = deque(maxlen=limit)
        self._seq = itertools.count(1)

    def add(self, raw: RawRequest) -> None:
        self._raw.append((next(self._seq), raw))

    def raw(self) -> list[tuple[int, RawRequest]]:
        """(sequence number, raw request), oldest first."""
        return list(self._raw)

    def clear(self) -> None:
        self._raw.clear()
