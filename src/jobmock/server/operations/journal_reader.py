"""Reads raw journal entries (as `middleware.journal` wrote them) into `JournalEntry`s:
which API and job each request was for."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

from ...sim.journal import JournalEntry, RawRequest
from ...sim.polling import ClientReport, analyse
from ...state import State
from .replies import DROP, FAULT, JOB_STATUS, VIA
from .routing import PollRoute, locate, poll_routes


class JournalReader:
    """Reads a mock's raw journal into `JournalEntry`s: which API and job each request was for."""

    def __init__(self, state: State):
        self.state = state
        apis = state.mock.apis
        self.routes: list[PollRoute] = poll_routes(apis.values())
        # the longest base first; on one base, the document's own name before its other job
        # resources' (`batches` before `batches.exports`: a request no poll names is the document's)
        bases = ((a.base_path or "/", a.name) for a in apis.values())
        self.bases = sorted(bases, key=lambda base: (-len(base[0]), base[0], len(base[1])))

    async def entries(
        self, namespace: str = "", job: str | None = None, api: str | None = None, client: str | None = None
    ) -> list[JournalEntry]:
        raws = await self.state.journal(namespace)

        def read() -> list[JournalEntry]:
            described = (self.describe(seq, raw) for seq, raw in raws)
            return [
                e
                for e in described
                if (job is None or e.job == job)
                and (api is None or e.api == api)
                and (client is None or e.client == client)
            ]

        # 10,000 entries take ~100 ms to read: in a thread, so that polls are answered meanwhile
        return await asyncio.to_thread(read)

    async def polling_report(self, namespace: str = "", min_interval: float = 0.5) -> list[ClientReport]:
        terminal = {name: api.lifecycle.terminal for name, api in self.state.mock.apis.items()}
        entries = await self.entries(namespace)
        return await asyncio.to_thread(analyse, entries, terminal, min_interval)

    def describe(self, seq: int, raw: RawRequest) -> JournalEntry:
        found = locate(self.routes, raw.path, parse_qsl(raw.query, keep_blank_values=True))
        api = found[0].api.name if found else next((n for b, n in self.bases if raw.path.startswith(b)), None)
        return JournalEntry(
            seq=seq,
            at=raw.at,
            method=raw.method,
            path=raw.path,
            query=raw.query,
            client=raw.client,
            api=api,
            job=found[1] if found else None,
            status=None if DROP in raw.marks else raw.status,
            job_status=raw.marks.get(JOB_STATUS),
            fault=raw.marks.get(FAULT),
            retry_after=raw.retry_after,
            via=raw.marks.get(VIA),
        )
