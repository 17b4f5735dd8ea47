"""Server-Sent Events: a job's, or a namespace's, visible state pushed as it changes.

- `GET /_jobmock/jobs/{id}/events`: an `event: state` each time what a poll of the job
  would answer changes, its data that very body; `event: deleted` when the job goes,
  and the stream ends.
- `GET /_jobmock/events[?api=&limit=]`: the namespace's newest `limit` jobs (100, at most
  1000): an `event: job` (the job as the control API shows it, body included) when one appears,
  changes or passes a 5% step of progress, `event: removed` when one goes.

Bounded: at most `--max-streams` open per worker (more get 503), a `: keep-alive` comment
after `--stream-heartbeat` quiet seconds, and streams end within a tick when the server
shuts down. What a stream sends goes in messages of at most `MESSAGE_BYTES` (or one event,
itself bounded by `--max-job-bytes`), each sent only when the client has taken the ones
before (the server's backpressure): a stream whose client does not read for
`--stream-stall` seconds is dropped (its connection reset) and counted at /status.

The loop is never held long: a stream lets it go every `SLICE` seconds of work, and the
streams that follow one namespace's newest jobs share one look at them a tick (`Looks`),
so 100 streams over 1,000 jobs cost about what one does.

Changes are found by looking every tick (a manual clock's move shows within one),
so a worker also sees what other workers did: their changes reach its mock through the
state's follower. Reading a body here never counts as a poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request

from ...contract.wire import CONTROL_PREFIX
from ...exceptions import JobmockError, RequestError
from ...sim.jobs import Job
from ...sim.limits import Limits
from ...sim.mock import Mock
from ...state import State
from ..gauges import ABORT, OPEN, stopping
from ..messages import send_whole
from ..operations.call import call
from ..operations.job_view import job_view_json
from ..operations.replies import problem_bytes
from ..paths import routed_path
from ..types import ASGIApp, Receive, Scope, Send

Events = AsyncGenerator[bytes | None, None]  # the events found now; None: the stream ends after them
Tick = Callable[[], Events]

JOB_EVENTS = re.compile("^" + re.escape(CONTROL_PREFIX) + r"/jobs/([^/]+)/events$")
NAMESPACE_EVENTS = CONTROL_PREFIX + "/events"
JOB_TICK = 0.1  # seconds between looks at one job
NAMESPACE_TICK = 0.25  # between looks at a namespace's jobs (up to 1000 of them)
MAX_LIMIT = 1000
PROGRESS_STEPS = 20  # a namespace stream tells a job's progress in steps of 5%
RETRY_AFTER = b"5"
MESSAGE_BYTES = 64 * 1024  # a message holds at most this (or one event, if bigger)
SLICE = 0.005  # seconds of work before a stream lets the loop go
KEEP_ALIVE = b": keep-alive\n\n"


def event(kind: str, data: bytes, number: int) -> bytes:
    """One SSE event; `data` is one line of JSON (json.dumps never writes a raw newline)."""
    return b"event: " + kind.encode() + b"\nid: " + str(number).encode() + b"\ndata: " + data + b"\n\n"


class Slices:
    """Lets the event loop go once `SLICE` seconds of work have passed since it last did."""

    def __init__(self) -> None:
        self.until = time.perf_counter() + SLICE

    async def checkpoint(self) -> None:
        if time.perf_counter() >= self.until:
            await asyncio.sleep(0)
            self.until = time.perf_counter() + SLICE


class EventStreams:
    """The two event-stream routes, answered before Connexion (which cannot stream)."""

    def __init__(self, app: ASGIApp, state: State):
        self.app = app
        self.state = state
        self.looks = Looks(state.mock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = routed_path(scope) if scope["type"] == "http" else ""
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
                tick = namespace_ticks(self.looks, namespace, query, str(Request(scope).base_url))
                pause = NAMESPACE_TICK
        except JobmockError as exc:
            await send_whole(send, exc.status, problem_bytes(exc.status, str(exc)), PROBLEM)
            return
        await bounded_stream(scope, receive, send, tick, pause, mock.limits)


async def bounded_stream(scope: Scope, receive: Receive, send: Send, tick: Tick, pause: float, limits: Limits) -> None:
    """`stream` one more event stream, or 503 when `--max-streams` are open (counted at
    /status): every stream of the process, `jobmock proxy`'s violations too, goes through here."""
    if OPEN.streams >= limits.streams:
        detail = f"{limits.streams} event streams are open already (jobmock serve --max-streams N)"
        await send_whole(send, 503, problem_bytes(503, detail), PROBLEM, ((b"retry-after", RETRY_AFTER),))
        return
    abort = scope.get("extensions", {}).get(ABORT, {}).get("abort")
    OPEN.streams += 1
    try:
        await stream(send, receive, tick, pause, limits, scope["method"] == "HEAD", abort)
    finally:
        OPEN.streams -= 1


PROBLEM = b"application/problem+json"
ALLOW = ((b"allow", b"GET, HEAD"),)
STREAM_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),  # a proxy in front must not hold events back
]


class Stalled(Exception):
    """The client took nothing for `--stream-stall` seconds."""


async def stream(
    send: Send,
    receive: Receive,
    tick: Tick,
    pause: float,
    limits: Limits,
    head: bool,
    abort: Callable[[], None] | None = None,
) -> None:
    """Send what `tick` finds, every `pause` seconds, until it ends or the client goes; in
    messages of at most MESSAGE_BYTES, each once the client has taken the last (dropped,
    and the connection reset by `abort`, when it takes none for `limits.stream_stall` s)."""
    await send({"type": "http.response.start", "status": 200, "headers": STREAM_HEADERS})
    if head:
        await send({"type": "http.response.body", "body": b""})
        return
    gone = asyncio.Event()

    async def listen() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        gone.set()

    async def deliver(body: bytes, more: bool) -> None:
        try:
            await asyncio.wait_for(send({"type": "http.response.body", "body": body, "more_body": more}), stall)
        except TimeoutError:
            raise Stalled from None

    stall = limits.stream_stall
    listener = asyncio.ensure_future(listen())
    quiet_since = time.monotonic()
    try:
        while not gone.is_set():
            chunk, ended, sent = await gather(tick, deliver)
            ended = ended or stopping()
            if not chunk and not sent and time.monotonic() - quiet_since >= limits.heartbeat:
                chunk += KEEP_ALIVE
            if chunk or ended:  # an ending stream closes its body, events or not
                await deliver(bytes(chunk), not ended)
                sent = True
            if sent:
                quiet_since = time.monotonic()
            if ended:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(gone.wait(), pause)
    except Stalled:
        OPEN.dropped_streams += 1
        if abort is not None:
            abort()
    except OSError:
        return  # the client went while we wrote
    finally:
        listener.cancel()


async def gather(tick: Tick, deliver: Callable[[bytes, bool], Awaitable[None]]) -> tuple[bytearray, bool, bool]:
    """One tick's events: those that fill a message are delivered; what is left, whether the
    stream ends, and whether anything was delivered."""
    chunk = bytearray()
    ended = sent = False
    async with contextlib.aclosing(tick()) as events:
        async for item in events:
            if item is None:
                ended = True
                break
            if chunk and len(chunk) + len(item) > MESSAGE_BYTES:
                await deliver(bytes(chunk), True)
                chunk.clear()
                sent = True
            chunk += item
    return chunk, ended, sent


def job_ticks(mock: Mock, job_id: str, namespace: str) -> Tick:
    """One job's stream; NotFound (404) now if there is no such job."""
    mock.find(job_id, namespace)
    last: bytes | None = None
    count = 0

    async def tick() -> Events:
        nonlocal last, count
        job = mock.get(job_id, namespace)
        if job is None:
            count += 1
            yield event("deleted", json.dumps({"id": job_id}).encode(), count)
            yield None
            return
        body = mock.body_bytes(job, namespace)
        if body == last:
            return
        last = body
        count += 1
        yield event("state", body, count)

    return tick


@dataclass(frozen=True, slots=True)
class Look:
    """What one job shows now, as a namespace stream compares it."""

    job: Job
    key: tuple[int, int]  # a digest of its body, and its progress in 5% steps
    final: bool  # terminal, and staying so (a plan's terminal state never changes; a replayed one may)


class Looks:
    """The newest jobs of a namespace as they show now: looked at once a tick (and again at
    once after any change) for every stream that follows them, in slices of the loop."""

    def __init__(self, mock: Mock):
        self.mock = mock
        self._made: dict[tuple[str, str | None, int], tuple[float, int, asyncio.Future[list[Look]]]] = {}

    async def newest(self, namespace: str, api: str | None, limit: int) -> list[Look]:
        now = time.monotonic()
        for key, (at, _, _) in list(self._made.items()):
            if now - at >= NAMESPACE_TICK:
                del self._made[key]
        key = (namespace, api, limit)
        found = self._made.get(key)
        if found is None or found[1] != self.mock.applied:
            task = asyncio.ensure_future(self._look(namespace, api, limit))
            found = self._made[key] = (now, self.mock.applied, task)
        return await asyncio.shield(found[2])  # a stream that goes leaves the look to the others

    async def _look(self, namespace: str, api: str | None, limit: int) -> list[Look]:
        mock, looks, slices = self.mock, [], Slices()
        for job in mock.newest(namespace, limit, api):
            # the view's progress moves on in 5% steps even where the body shows none (nextdocs)
            key = hash(mock.body_bytes(job, namespace)), int((mock.progress(job, namespace) or 0) * PROGRESS_STEPS)
            final = not job.timeline and job.api.lifecycle.is_terminal(mock.status(job, namespace))
            looks.append(Look(job, key, final))
            await slices.checkpoint()
        return looks


def namespace_ticks(looks: Looks, namespace: str, query: dict[str, str], base: str) -> Tick:
    """A namespace's stream over its newest jobs; RequestError (400) for a bad api or limit."""
    mock = looks.mock
    api = query.get("api")  # given empty, refused as /_jobmock/jobs refuses it: the document's enum
    if api is not None and api not in mock.apis:
        raise RequestError(f"unknown api {api!r}; served: {', '.join(sorted(mock.apis))}")
    try:
        limit = int(query.get("limit", "100"))
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise RequestError(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    sent: dict[str, tuple[int, int]] = {}  # job id -> the key of what was last sent of it
    final: dict[str, int] = {}  # job id -> the sequence number of the job seen terminal: it stays so
    count = 0

    async def tick() -> Events:
        nonlocal count
        seen = set()
        slices = Slices()
        for look in await looks.newest(namespace, api, limit):
            job = look.job
            seen.add(job.id)
            if final.get(job.id) == job.seq:  # (a job made again under its id has another seq)
                continue
            if sent.get(job.id) != look.key:
                sent[job.id] = look.key
                count += 1
                yield event("job", job_view_json(mock, job, namespace, base), count)
                await slices.checkpoint()
            if look.final:
                final[job.id] = job.seq
        for job_id in [i for i in sent if i not in seen]:
            del sent[job_id]
            final.pop(job_id, None)
            count += 1
            yield event("removed", json.dumps({"id": job_id}).encode(), count)

    return tick
