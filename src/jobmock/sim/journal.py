"""The request journal: what clients asked and what they were answered, per namespace.

A bounded in-memory list. Writing must cost the poll hot path almost nothing, so the
web layer stores the raw request and answer; it reads them into `JournalEntry`s
(client, API, job…) only when someone reads the journal (`jobmock.server.operations.journal_reader`).
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

_ENCODE = json.JSONEncoder(separators=(",", ":")).encode  # made once: json.dumps with options makes one a call


@dataclass(frozen=True, slots=True)
class RawRequest:
    """A request as journaled: only what the journal reports, never a credential."""

    at: float  # wall-clock epoch seconds the request arrived
    method: str
    path: str
    query: str  # secret-looking parameter values redacted (`contract.secrets.redact`)
    client: str  # X-Jobmock-Client, else an opaque tag of the credential, else the address
    status: int | None
    marks: dict[str, str]  # the x-jobmock-* delivery marks of the answer
    retry_after: str | None
    origin: str = ""  # the process that answered it (with shared state)
    n: int = 0  # its place in that process's arrivals: with `at` and `origin`, one order for all

    @property
    def stamp(self) -> tuple[float, str, int]:
        """What orders entries from several processes: arrival time, then process, then arrival."""
        return (self.at, self.origin, self.n)

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def encoded(self) -> str:
        """Compact JSON (an array of the fields, in order): what a shared store keeps. Made as
        the request is journaled, so that writing a batch to the store costs the loop ~nothing."""
        return _ENCODE(
            [self.at, self.method, self.path, self.query, self.client, self.status, self.marks, self.retry_after,
             self.origin, self.n]
        )  # fmt: skip

    @classmethod
    def decoded(cls, data: Any) -> RawRequest:
        """Read back `encoded` (or the object older stores kept)."""
        return cls(*data) if isinstance(data, list) else cls(**data)

    def size(self) -> int:
        """About the bytes it holds, for the journal's byte bound."""
        return 200 + len(self.path) + len(self.query) + len(self.client) + 40 * len(self.marks)


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
    via: str | None = None  # under `jobmock proxy`: "upstream", or "mock: WHY" (None under `serve`)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = datetime.fromtimestamp(self.at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if self.via is None:  # said only under `jobmock proxy`
            del data["via"]
        return data


class Journal:
    """Bounded by entries and by bytes; the oldest entries go first."""

    def __init__(self, max_entries: int = 10_000, max_bytes: int = 4_000_000):
        self._raw: deque[tuple[int, RawRequest, int]] = deque()
        self._seq = itertools.count(1)
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._raw)

    def add(self, raw: RawRequest) -> None:
        size = raw.size()
        self._raw.append((next(self._seq), raw, size))
        self.bytes += size
        while self._raw and (len(self._raw) > self.max_entries or self.bytes > self.max_bytes):
            self.bytes -= self._raw.popleft()[2]
            self.evicted += 1

    def raw(self) -> list[tuple[int, RawRequest]]:
        """(sequence number, raw request), oldest first."""
        return [(seq, raw) for seq, raw, _size in self._raw]

    def clear(self) -> None:
        self._raw.clear()
        self.bytes = 0
