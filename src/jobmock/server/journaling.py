"""The ASGI layer that writes the request journal: every request to a vendor API and
what it was answered (status, Retry-After, and the delivery marks of the poll paths)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .delivery import MARK
from .journal import RawRequest
from .mock import Mock
from .request_options import namespace_in

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
_MARK = MARK.encode()


class Journaling:
    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], mock: Mock):
        self.app = app
        self.mock = mock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_jobmock"):
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
            headers = scope["headers"]
            peer = scope.get("client") or ("",)
            raw = RawRequest(
                arrived, scope["method"], scope["path"], scope["query_string"].decode("latin-1"), headers,
                str(peer[0]), answered[0], answered[1], answered[2],
            )  # fmt: skip
            self.mock.space(namespace_in(headers)).journal.add(raw)
