"""The request journal: what clients asked and what they were answered, per namespace.

A bounded in-memory list; the ASGI layer (`clientlayer.py`) writes it, the control
API and `serve --report-polling` read it.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

LIMIT = 10_000


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    at: float  # wall-clock epoch seconds the request arrived
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
        self._entries: deque[JournalEntry] = deque(maxlen=limit)
        self._seq = itertools.count(1)

    def add(self, **fields: Any) -> JournalEntry:
        entry = JournalEntry(seq=next(self._seq), **fields)
        self._entries.append(entry)
        return entry

    def entries(self, job: str | None = None, api: str | None = None, client: str | None = None) -> list[JournalEntry]:
        return [
            e
            for e in self._entries
            if (job is None or e.job == job)
            and (api is None or e.api == api)
            and (client is None or e.client == client)
        ]

    def clear(self) -> None:
        self._entries.clear()
