"""The outermost layer: starts what the app holds (the state, the guard's look for its
bind) at start-up and stops it at shutdown. A part that cannot start fails the start-up
with its one-line reason, so the server exits non-zero before answering anything.

Under a server that sends no lifespan events (`uvicorn --lifespan off`), the parts start
on the first request instead.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import Protocol

from ...exceptions import SpecError
from ..types import ASGIApp, Receive, Scope, Send


class Part(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Lifespan:
    def __init__(self, app: ASGIApp, parts: Sequence[Part]):
        self.app = app
        self.parts = parts
        self._started = False
        self._starting: asyncio.Lock | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if not self._started:
            await self._start()
        await self.app(scope, receive, send)

    async def _start(self) -> None:
        self._starting = self._starting or asyncio.Lock()
        async with self._starting:
            if not self._started:
                for part in self.parts:
                    await part.start()
                self._started = True

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self._start()
                except SpecError as exc:  # an option the server it runs under makes wrong (its bind)
                    reason = f"jobmock: {exc.file}: {exc.message}"
                    print(reason, file=sys.stderr, flush=True)
                    await send({"type": "lifespan.startup.failed", "message": reason})
                    return
                except Exception as exc:  # a store that cannot be reached or read: say which, and fail the start
                    reason = f"jobmock: cannot load the state: {exc}"
                    print(reason, file=sys.stderr, flush=True)
                    await send({"type": "lifespan.startup.failed", "message": reason})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for part in reversed(self.parts):
                    await part.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return
