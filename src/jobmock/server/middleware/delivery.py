"""Delivering an answer as a fault script says: late, or not at all.

The poll operation marks its answer with `x-jobmock-*` headers (`operations.replies`),
whichever adapter carried it; this layer acts on the marks and strips them all, so
latency and dropped connections are implemented once.

A drop is what a client meets when the network fails: the connection is reset before a
single byte of the answer (no status line), so a browser's `fetch` rejects and an HTTP
client raises. An ASGI app cannot reach its socket, so the outermost layer (`Connection`)
finds it behind the server's own `send` (uvicorn's, on every way jobmock is served, its
factory under uvicorn included), and a drop closes it with SO_LINGER 0: a TCP reset.
Under a server where no socket can be found (an in-process client such as httpx's
ASGITransport), a drop raises `ConnectionDropped` out of the app instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
from typing import Any

from ...exceptions import ConnectionDropped
from ..operations.replies import DELAY, DROP, MARK
from ..types import ASGIApp, Message, Receive, Scope, Send

SOCKET = "jobmock.transport"  # the scope key `Connection` puts the connection's transport under


class _QuietDrops(logging.Filter):
    """uvicorn logs an error when an app leaves a response unfinished; a drop does so on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing response" not in record.getMessage()


_QUIET_DROPS = _QuietDrops()


def quiet_drops() -> None:
    """Keep uvicorn from logging an intended drop as an error (called when a server starts)."""
    logger = logging.getLogger("uvicorn.error")
    if _QUIET_DROPS not in logger.filters:
        logger.addFilter(_QUIET_DROPS)


class Connection:
    """The outermost layer inside the lifespan: puts the connection's transport in the scope,
    where the server's `send` holds one (uvicorn's request cycle), for a drop to close."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            transport = getattr(getattr(send, "__self__", None), "transport", None)
            if callable(getattr(transport, "abort", None)) and callable(getattr(transport, "get_extra_info", None)):
                scope[SOCKET] = transport
        await self.app(scope, receive, send)


class Delivery:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        dropping = False

        async def deliver(message: Message) -> None:
            nonlocal dropping
            if dropping:
                return
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                marks = {k.decode("latin-1"): v.decode("latin-1") for k, v in headers if k.startswith(MARK.encode())}
                if marks:
                    kept = [(k, v) for k, v in headers if not k.startswith(MARK.encode())]
                    message = {**message, "headers": kept}
                if DELAY in marks:
                    await asyncio.sleep(float(marks[DELAY]))
                if DROP in marks:
                    dropping = True  # nothing of this answer is sent: the connection goes when the app is done
                    return
            await send(message)

        await self.app(scope, receive, deliver)
        if dropping:
            await _drop(scope.get(SOCKET))


async def _drop(transport: Any) -> None:
    """Reset the connection before any byte of the answer; without one, raise."""
    if transport is None:
        raise ConnectionDropped("the fault script dropped this connection (no socket to reset under this server)")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # linger 0: close() sends RST, not FIN after a flush
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    await asyncio.sleep(0)  # the server learns of the loss (connection_lost) before the app returns
