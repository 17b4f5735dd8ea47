"""What this process holds open now (and what it cut off), for `GET /_jobmock/status`, and whether it is shutting
down: the process layer counts connections and marks the stop, the event-stream layer
counts streams and ends them at the stop, the status operation reads the counts (so none
of these layers imports another)."""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass


@dataclass
class Gauges:
    connections: int = 0  # open HTTP connections (the process layer's protocol)
    counting: bool = False  # whether that protocol serves here (not under a server of the user's)
    streams: int = 0  # open event streams
    dropped_streams: int = 0  # event streams dropped because their client did not read (--stream-stall)
    timed_out_bodies: int = 0  # request bodies that did not arrive within --body-timeout (answered 408)
    quieted_warnings: int = 0  # a request's log warnings after its first, not written (one line per request)


OPEN = Gauges()
ABORT = "jobmock.abort"  # the scope extension (set by the process layer) that resets a request's connection
_STOPPING: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def stop_began(loop: asyncio.AbstractEventLoop) -> None:
    """The server on this loop is shutting down: long answers (event streams) end now."""
    _STOPPING.add(loop)


def stopping() -> bool:
    """Whether the server on this event loop is shutting down."""
    return asyncio.get_running_loop() in _STOPPING
