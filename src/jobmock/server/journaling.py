"""The request journal over HTTP: the ASGI layer that writes every request to a vendor
API and what it was answered (status, Retry-After, the delivery marks of the poll
paths), and `describe`, which reads a raw entry (client, API, job) when asked."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from ..sim.journal import JournalEntry, RawRequest
from ..sim.polling import ClientReport, analyse
from ..spec.secrets import redact_query, tag
from ..spec.wire import CONTROL_PREFIX, NAMESPACE_COOKIE
from ..state import State
from .delivery import DROP, FAULT, JOB_STATUS, MARK
from .options import cookies_of, namespace_of
from .routing import PollRoute, locate, poll_routes

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
_MARK = MARK.encode()
NAMESPACE_COOKIE_BYTES = NAMESPACE_COOKIE.encode()


class Journaling:
    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], state: State):
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        arrived = time.time()
        answered: list[Any] = [None, {}, None]  # status, marks, retry-after

        async def watch(message: Any) -> None:
            if message["type"] == "http.response.start":
                answered[0] = message["status"]
                for key, value in message.get("headers", ()):
                    if key.startswith(_MARK):
                        answered[1][key.decode("latin-1")] = value.decode("latin-1")
                    elif key == b"retry-after":
                        answered[2] = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            namespace, client = _namespace_and_client(scope)
            query = scope["query_string"].decode("latin-1")
            raw = RawRequest(
                arrived, scope["method"], scope["path"], redact_query(query) if query else "", client,
                answered[0], answered[1], answered[2],
            )  # fmt: skip
            self.state.journal_add(raw, namespace)


def _namespace_and_client(scope: Scope) -> tuple[str, str]:
    """The request's namespace, and who asked: X-Jobmock-Client, else an opaque tag of its
    credential (never a character of it), else its address. One pass over the headers."""
    header = cookie = named = credential = None
    for key, value in scope["headers"]:
        if key == b"x-jobmock-namespace":
            header = value.decode("latin-1")
        elif key == b"cookie" and NAMESPACE_COOKIE_BYTES in value:
            cookie = value.decode("latin-1")
        elif key == b"x-jobmock-client":
            named = value.decode("latin-1")
        elif key == b"authorization":
            credential = value.decode("latin-1").strip()
    namespace = namespace_of(header, cookies_of(cookie) if cookie and not header else {})
    if named:
        return namespace, named
    if credential:
        return namespace, f"key {tag(credential)}"
    peer = scope.get("client") or ("",)
    return namespace, str(peer[0]) or "unknown"


class JournalReader:
    """Reads a mock's raw journal into `JournalEntry`s: which API and job each request was for."""

    def __init__(self, state: State):
        self.state = state
        apis = state.mock.apis
        self.routes: list[PollRoute] = poll_routes(apis.values())
        self.bases = sorted(((a.base_path or "/", a.name) for a in apis.values()), reverse=True)

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
        )
