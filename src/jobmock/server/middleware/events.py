"""Server-Sent Events: a job's, or a namespace's, visible state pushed as it changes.

- `GET /_jobmock/jobs/{id}/events`: an `event: state` each time what a poll of the job
  would answer changes, its data that very body; `event: deleted` when the job goes,
  and the stream ends.
- `GET /_jobmock/events[?api=&limit=]`: the namespace's newest `limit` jobs (100, at most
  1000): an `event: job` (the job as the control API shows it, body included) when one appears,
  changes or passes a 5% step of progress, `event: removed` when one goes.

Bounded: at most `--max-streams` open per worker (more get 503), a `: keep-alive` comment
after `--stream-heartbeat` quiet seconds, and streams end within a tick when the server
shuts down. Changes are found by looking every tick (a manual clock's move shows within one),
so a worker also sees what other workers did: their changes reach its mock through the
state's follower. Reading a body here never counts as a poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Callable
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request

from ...contract.wire import CONTROL_PREFIX
from ...exceptions import JobmockError, RequestError
from ...sim.mock import Mock
from ...state import State
from ..gauges import OPEN, stopping
from ..messages import send_whole
from ..operations.call import call
from ..operations.job_view import job_view_json
from ..operations.replies import problem_bytes
from ..types import ASGIApp, Receive, Scope, Send

Tick = Callable[[], tuple[list[bytes], bool]]  # the events now, and whether the stream ends

JOB_EVENTS = re.compile("^" + re.escape(CONTROL_PREFIX) + r"/jobs/([^/]+)/events$")
NAMESPACE_EVENTS = CONTROL_PREFIX + "/events"
JOB_TICK = 0.1  # seconds between looks at one job
NAMESPACE_TICK = 0.25  # between looks at a namespace's jobs (up to 1000 of them)
MAX_LIMIT = 1000
PROGRESS_STEPS = 20  # a namespace stream tells a job's progress in steps of 5%
RETRY_AFTER = b"5"


def event(kind: str, data: bytes, number: int) -> bytes:
    """One SSE event; `data` is one line of JSON (json.dumps never writes a raw newline)."""
    return b"event: " + kind.encode() + b"\nid: " + str(number).encode() + b"\ndata: " + data + b"\n\n"


class EventStreams:
    """The two event-stream routes, answered before Connexion (which cannot stream)."""

    def __init__(self, app: ASGIApp, state: State):
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        found = JOB_EVENTS.match(path) if scope["type"] == "http" else None
        if scope["type"] != "http" or (found is None and path != NAMESPACE_EVENTS):
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await send_whole(send, 405, problem_bytes(405, "event streams are read with GET"), PROBLEM, ALLOW)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        namespace = call(headers, query).namespace
        mock = self.state.mock
        try:
            await self.state.fresh(namespace)
            if found is not None:
                tick = job_ticks(mock, unquote(found.group(1)), namespace)
                pause = JOB_TICK
            else:
                tick = namespace_ticks(mock, namespace, query, str(Request(scope).base_url))
                pause = NAMESPACE_TICK
        except JobmockError as exc:
            await send_whole(send, exc.status, problem_bytes(exc.status, str(exc)), PROBLEM)
            return
        limit = mock.limits.streams
        if OPEN.streams >= limit:
            detail = f"{limit} event streams are open already (jobmock serve --max-streams N)"
            await send_whole(send, 503, problem_bytes(503, detail), PROBLEM, ((b"retry-after", RETRY_AFTER),))
            return
        OPEN.streams += 1
        try:
            await stream(send, receive, tick, pause, mock.limits.heartbeat, scope["method"] == "HEAD")
        finally:
            OPEN.streams -= 1


PROBLEM = b"application/problem+json"
ALLOW = ((b"allow", b"GET, HEAD"),)
STREAM_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),  # a proxy in front must not hold events back
]


async def stream(send: Send, receive: Receive, tick: Tick, pause: float, heartbeat: float, head: bool) -> None:
    """Send what `tick` finds, every `pause` seconds, until it ends or the client goes."""
    await send({"type": "http.response.start", "status": 200, "headers": STREAM_HEADERS})
    if head:
        await send({"type": "http.response.body", "body": b""})
        return
    gone = asyncio.Event()

    async def listen() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        gone.set()

    listener = asyncio.ensure_future(listen())
    quiet_since = time.monotonic()
    try:
        while not gone.is_set():
            events, ended = tick()
            ended = ended or stopping()
            if not events and time.monotonic() - quiet_since >= heartbeat:
                events = [b": keep-alive\n\n"]
            if events or ended:  # an ending stream closes its body, events or not
                await send({"type": "http.response.body", "body": b"".join(events), "more_body": not ended})
                quiet_since = time.monotonic()
            if ended:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(gone.wait(), pause)
    except OSError:
        return  # the client went while we wrote
    finally:
        listener.cancel()


def job_ticks(mock: Mock, job_id: str, namespace: str) -> Tick:
    """One job's stream; NotFound (404) now if there is no such job."""
    mock.find(job_id, namespace)
    last: bytes | None = None
    count = 0

    def tick() -> tuple[list[bytes], bool]:
        nonlocal last, count
        job = mock.get(job_id, namespace)
        if job is None:
            count += 1
            return [event("deleted", json.dumps({"id": job_id}).encode(), count)], True
        body = mock.body_bytes(job, namespace)
        if body == last:
            return [], False
        last = body
        count += 1
        return [event("state", body, count)], False

    return tick


def namespace_ticks(mock: Mock, namespace: str, query: dict[str, str], base: str) -> Tick:
    """A namespace's stream over its newest jobs; RequestError (400) for a bad api or limit."""
    api = query.get("api")  # given empty, refused as /_jobmock/jobs refuses it: the document's enum
    if api is not None and api not in mock.apis:
        raise RequestError(f"unknown api {api!r}; served: {', '.join(sorted(mock.apis))}")
    try:
        limit = int(query.get("limit", "100"))
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise RequestError(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    sent: dict[str, tuple[bytes, int]] = {}  # job id -> the body and progress step last sent
    final: dict[str, int] = {}  # job id -> the sequence number of the job seen terminal: it stays so
    count = 0

    def tick() -> tuple[list[bytes], bool]:
        nonlocal count
        out: list[bytes] = []
        seen = set()
        for job in mock.newest(namespace, limit, api):
            seen.add(job.id)
            if final.get(job.id) == job.seq:  # (a job made again under its id has another seq)
                continue
            # the view's progress moves on in 5% steps even where the body shows none (nextdocs)
            key = mock.body_bytes(job, namespace), int((mock.progress(job, namespace) or 0) * PROGRESS_STEPS)
            if sent.get(job.id) != key:
                sent[job.id] = key
                count += 1
                out.append(event("job", job_view_json(mock, job, namespace, base), count))
            if not job.timeline and job.api.lifecycle.is_terminal(mock.status(job, namespace)):
                final[job.id] = job.seq  # a plan's terminal state never changes; a replayed one may
        for job_id in [i for i in sent if i not in seen]:
            del sent[job_id]
            final.pop(job_id, None)
            count += 1
            out.append(event("removed", json.dumps({"id": job_id}).encode(), count))
        return out, False

    return tick
