"""Connections a client can make the server hold: how many, and for how long.

uvicorn closes a keep-alive connection idle for `keep_alive` seconds and answers 503 past
`max_connections`; it has no limit on how long a client may take to send its request's
headers, so `GuardedProtocol` closes a connection whose headers have not all arrived
`header_timeout` seconds after it opened or after its request began (slow-header clients).
A request's body is given `--body-timeout` by the app (`middleware.screening`, which
answers 408); one the app never reads (a GET's) is not waited for: when the answer is
complete before the body, the connection is closed, not kept alive for a trickle.
Each request's scope carries `ABORT` (an ASGI extension): a way to reset the connection at
once, which an event stream whose client stopped reading uses (uvicorn's own close would
wait, holding the unsent bytes, for a client that never reads), and `TARGET`: the request
target as the client wrote it, which uvicorn reduces to its path (`jobmock proxy` refuses an
absolute-form target, `GET http://elsewhere/ HTTP/1.1`, which the path alone would hide).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ...sim.limits import ConnectionLimits
from ..gauges import ABORT, OPEN, stop_began

TARGET = "jobmock.target"  # the scope extension holding the request target as sent: {"target": bytes}


class GuardedProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # uvicorn's takes BaseTransport
        super().connection_made(transport)
        OPEN.connections += 1
        OPEN.counting = True
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        OPEN.connections -= 1
        self._disarm()
        super().connection_lost(exc)

    def shutdown(self) -> None:
        stop_began(self.loop)  # event streams end at once, not at the grace period's end
        super().shutdown()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        extensions = self.scope.setdefault("extensions", {})
        extensions[ABORT] = {"abort": self.transport.abort}
        extensions[TARGET] = {"target": bytes(self.url)}
        super().on_headers_complete()
        self._body_of: Any = self.cycle  # the request whose body is arriving, until it has

    def on_message_complete(self) -> None:
        self._body_of = None
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # the idle keep-alive timer runs from here
        self._disarm()
        pending = getattr(self, "_body_of", None)
        if pending is not None and pending.response_complete and not self.transport.is_closing():
            self.transport.close()  # answered before its body came: no trickle holds the connection

    def _arm(self) -> None:
        self._disarm()
        timeout = getattr(self.config, "header_timeout", ConnectionLimits.header_timeout)
        self._header_timer = self.loop.call_later(timeout, self._too_slow)

    def _disarm(self) -> None:
        timer: Any = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()
