"""The outermost check: who may drive the control plane (`..policy`), CORS for every path,
and, under a server jobmock did not start itself, finding out which address it listens on.

Vendor APIs stay open to frontends of any origin (CORS `*`); an allowed origin gets its
origin reflected with credentials, so cookie-chosen scenarios work from a dev server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable

from ...contract.wire import CONTROL_PREFIX
from ...exceptions import SpecError
from ..messages import send_whole
from ..operations.replies import problem_bytes
from ..paths import routed_path
from ..policy import ControlPolicy
from ..types import ASGIApp, Message, Receive, Scope, Send
from .dashboard import is_ui_path

log = logging.getLogger("jobmock")
EXPOSED = b"Retry-After, Location"
PREFLIGHT_MAX_AGE = b"600"
BIND_WATCH = 0.02  # seconds between looks for the listening socket of a server that binds after start-up
BIND_PATIENCE = 60.0  # how long to look before giving up (then requests find it out themselves)
STARTUP_FAILURE = 3  # the exit status uvicorn gives a server that could not start


class Guard:
    """The control plane's checks and CORS for every path (replaces Starlette's CORSMiddleware).

    `listening`: the addresses this process listens on now (empty until the server binds),
    to find out what `policy` does not say yet."""

    def __init__(self, app: ASGIApp, policy: ControlPolicy, listening: Callable[[], list[str]]):
        self.app = app
        self.policy = policy
        self.listening = listening
        self._watch: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """At start-up: the bind, if the server has bound already (workers inherit the socket),
        judged now (SpecError refuses to start); else looked for until the server binds."""
        if self.policy.bound is not None:
            return
        hosts = self.listening()
        if hosts:
            self._settle(hosts)
        else:
            self._watch = asyncio.get_running_loop().create_task(self._watch_bind())

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch

    def _settle(self, hosts: list[str]) -> None:
        self.policy = self.policy.bound_to(hosts)
        warning = self.policy.exposure()
        if warning:
            print(f"jobmock: warning: {warning}", file=sys.stderr, flush=True)

    async def _watch_bind(self) -> None:
        waited = 0.0
        while self.policy.bound is None and waited < BIND_PATIENCE:
            hosts = self.listening()
            if hosts:
                try:
                    self._settle(hosts)
                except SpecError as exc:
                    # nothing has been served: stop the process as a failed start-up does
                    print(f"jobmock: {exc.file}: {exc.message}", file=sys.stderr, flush=True)
                    raise SystemExit(STARTUP_FAILURE) from None
                return
            await asyncio.sleep(BIND_WATCH)
            waited += BIND_WATCH

    def _policy_now(self) -> ControlPolicy:
        """The policy with its bind known: a request arrived, so the server has bound (none
        listening: an in-process client, this machine only)."""
        if self.policy.bound is None:
            self._settle(self.listening())
        return self.policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = routed_path(scope)  # as the router sees it: under any root path (`..paths`)
        control = path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")
        headers = dict(scope["headers"])
        origin = headers.get(b"origin")
        preflight = scope["method"] == "OPTIONS" and origin is not None and b"access-control-request-method" in headers
        try:
            policy = self.policy if self.policy.bound is not None else self._policy_now()
        except SpecError as exc:
            await _answer(send, 503, f"jobmock refuses to serve: {exc.message}")
            return
        if control:
            refused = policy.refusal(headers, preflight, needs_token=not is_ui_path(path))
            if refused is not None:
                await _answer(send, *refused)
                return
        allowed = origin is not None and policy.origin_allowed(origin.decode("latin-1"))
        if preflight:
            assert origin is not None
            await _preflight(send, headers, origin, allowed)
            return
        if origin is None:
            await self.app(scope, receive, send)
            return
        cors = _cors_headers(origin, allowed)

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *cors]
            await send(message)

        await self.app(scope, receive, with_cors)


async def _preflight(send: Send, headers: dict[bytes, bytes], origin: bytes, allowed: bool) -> None:
    answer = [
        *_cors_headers(origin, allowed),
        (b"access-control-allow-methods", b"GET, POST, PUT, DELETE, PATCH, OPTIONS"),
        (b"access-control-max-age", PREFLIGHT_MAX_AGE),
    ]
    asked = headers.get(b"access-control-request-headers")
    if asked:
        answer.append((b"access-control-allow-headers", asked))
    answer.append((b"content-length", b"0"))
    await send({"type": "http.response.start", "status": 204, "headers": answer})
    await send({"type": "http.response.body", "body": b""})


def _cors_headers(origin: bytes, allowed: bool) -> list[tuple[bytes, bytes]]:
    """An allowed origin is reflected, with credentials; any other may read vendor answers (`*`)."""
    if allowed:
        return [
            (b"access-control-allow-origin", origin),
            (b"access-control-allow-credentials", b"true"),
            (b"access-control-expose-headers", EXPOSED),
            (b"vary", b"Origin"),
        ]
    return [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", EXPOSED), (b"vary", b"Origin")]


async def _answer(send: Send, status: int, detail: str) -> None:
    await send_whole(send, status, problem_bytes(status, detail), b"application/problem+json")
