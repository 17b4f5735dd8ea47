"""`GET /_jobmock/violations/events`: what the proxy finds, pushed as it finds it.

A page of `/_jobmock/violations` says what was found by the time it was asked; a
dashboard or a test that waits for the next violation would have to ask again and again.
This stream sends an `event: violation` (its `id` the violation's, its `data` the
violation as the pages show it) for each one kept past `after` (or the `Last-Event-ID` a
reconnecting client sends) at once, then each new one within a tick.

It is one of the process's event streams (`server.middleware.events.bounded_stream`):
bounded by `--max-streams` with the jobs' streams and counted with them at /status, with
the same keep-alives, backpressure and stall bound.
"""

from __future__ import annotations

import json
from itertools import takewhile
from urllib.parse import parse_qsl

from ..server.messages import send_whole
from ..server.middleware.events import Events, Tick, bounded_stream, event
from ..server.operations.replies import problem_bytes
from ..server.types import Receive, Scope, Send
from ..sim.limits import Limits
from .findings import FindingLog

TICK = 0.25  # seconds between looks for new violations
MAX_ID = 10**18 - 1  # an id past any the proxy could reach (control.yaml says so)


def violation_ticks(log: FindingLog, after: int) -> Tick:
    """Each violation kept with an id above `after`, then each new one, oldest first."""
    last = after

    async def tick() -> Events:
        nonlocal last
        if log.next_id - 1 <= last:  # nothing new
            return
        new = list(takewhile(lambda record: record.id > last, reversed(log.records.values())))  # kept in id order
        for record in reversed(new):
            last = record.id
            yield event("violation", json.dumps(record.as_json(), ensure_ascii=False).encode(), record.id)
        last = max(last, log.next_id - 1)  # those dropped before they were sent are gone

    return tick


def _after(scope: Scope) -> int | None:
    """Where the stream starts: `?after=`, else `Last-Event-ID`, else 0; None for a bad one."""
    given = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)).get("after")
    if given is None:
        given = dict(scope.get("headers", [])).get(b"last-event-id", b"0").decode("latin-1")
    text = given.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
        return None
    return int(text)


async def violation_stream(scope: Scope, receive: Receive, send: Send, log: FindingLog, limits: Limits) -> None:
    if scope["method"] not in ("GET", "HEAD"):
        await send_whole(send, 405, problem_bytes(405, "event streams are read with GET"), PROBLEM, ALLOW)
        return
    after = _after(scope)
    if after is None:
        detail = f"after (or Last-Event-ID) must be a violation id: a whole number from 0 to {MAX_ID}"
        await send_whole(send, 400, problem_bytes(400, detail), PROBLEM)
        return
    await bounded_stream(scope, receive, send, violation_ticks(log, after), TICK, limits)


PROBLEM = b"application/problem+json"
ALLOW = ((b"allow", b"GET, HEAD"),)
