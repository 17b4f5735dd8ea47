"""The ASGI layer that writes the request journal: every request to a vendor API,
with the job it polled and what it was answered (read from the delivery marks)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from .delivery import DROP, FAULT, JOB_STATUS
from .fastpath import locate, poll_routes
from .mock import Mock
from .request_options import options_of

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]


class Journaling:
    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], mock: Mock):
        self.app = app
        self.mock = mock
        self.routes = poll_routes(list(mock.apis.values()))
        self.bases = sorted(((a.base_path or "/", a.name) for a in mock.apis.values()), reverse=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_jobmock"):
            await self.app(scope, receive, send)
            return
        arrived = time.time()
        answered: dict[str, Any] = {"status": None, "marks": {}, "retry_after": None}

        async def watch(message: Any) -> None:
            if message["type"] == "http.response.start":
                answered["status"] = message["status"]
                for key, value in message.get("headers", []):
                    name = key.decode("latin-1").lower()
                    if name.startswith("x-jobmock-"):
                        answered["marks"][name] = value.decode("latin-1")
                    elif name == "retry-after":
                        answered["retry_after"] = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            self._record(scope, arrived, answered)

    def _record(self, scope: Scope, arrived: float, answered: dict[str, Any]) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        raw_query = scope["query_string"].decode("latin-1")
        query = parse_qsl(raw_query, keep_blank_values=True)
        peer = scope.get("client") or ("", 0)
        options = options_of(headers, dict(query), f"{peer[0]}")
        found = locate(self.routes, scope["path"], query)
        api = found[0].api.name if found else next((n for b, n in self.bases if scope["path"].startswith(b)), None)
        marks = answered["marks"]
        self.mock.space(options.namespace).journal.add(
            at=arrived,
            method=scope["method"],
            path=scope["path"],
            query=raw_query,
            client=options.client,
            api=api,
            job=found[1] if found else None,
            status=None if DROP in marks else answered["status"],
            job_status=marks.get(JOB_STATUS),
            fault=marks.get(FAULT),
            retry_after=answered["retry_after"],
        )
