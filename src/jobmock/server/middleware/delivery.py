"""Delivering an answer as a fault script says: late, or not at all.

The poll operation marks its answer with `x-jobmock-*` headers (`operations.replies`),
whichever adapter carried it; this layer acts on the marks and strips them all, so
latency and dropped connections are implemented once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ..operations.replies import DELAY, DROP, MARK
from ..types import ASGIApp, Message, Receive, Scope, Send


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
                    dropping = True
                    await _drop(send)
                    return
            await send(message)

        await self.app(scope, receive, deliver)


async def _drop(send: Send) -> None:
    # An ASGI app cannot close its socket; promising a body and sending none makes the
    # server close the connection mid-response, which the client sees as a dropped one.
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]})
    with contextlib.suppress(RuntimeError):  # "Response content shorter than Content-Length": intended
        await send({"type": "http.response.body", "body": b"", "more_body": False})
