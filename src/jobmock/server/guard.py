"""Who may drive the control plane, and which pages may read what: the outermost check.

jobmock runs on developers' laptops next to the browser they browse the web with. So the
control API (`/_jobmock`):
- answers only requests whose Host is a loopback name (or one allowed with
  `--allowed-host`) when the server is bound to loopback: DNS rebinding gets 403;
- refuses a request from a web page of another origin (its Origin header) unless that
  origin is a loopback one, on any port, or one given with `--cors-origin`: a page cannot
  cancel jobs or move clocks behind the developer's back, even with a "simple" request
  that a browser sends without asking first;
- with `--control-token`, requires it in the X-Jobmock-Token header.
Vendor APIs stay open to frontends of any origin (CORS `*`); an allowed origin gets its
origin reflected with credentials, so cookie-chosen scenarios work from a dev server.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..spec.wire import CONTROL_PREFIX, CONTROL_TOKEN_HEADER
from .dashboard import is_ui_path
from .errors import problem_bytes
from .messages import send_whole

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]

EXPOSED = b"Retry-After, Location"
PREFLIGHT_MAX_AGE = b"600"


def is_loopback(host: str) -> bool:
    """A loopback name or address: localhost (and *.localhost), 127.0.0.0/8, ::1."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_of(value: str) -> str:
    """The host of a Host header (`[::1]:8000` -> `::1`, `example.com:80` -> `example.com`)."""
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


@dataclass(frozen=True)
class ControlPolicy:
    """What the control plane accepts (`jobmock serve --allowed-host --cors-origin --control-token`)."""

    loopback_bind: bool = True  # the server listens on loopback only: check Host headers
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)
    cors_origins: frozenset[str] = field(default_factory=frozenset)
    token: str | None = None

    @classmethod
    def of(
        cls, bind: str, hosts: Iterable[str] = (), origins: Iterable[str] = (), token: str | None = None
    ) -> ControlPolicy:
        return cls(
            is_loopback(bind),
            frozenset(h.lower() for h in hosts),
            frozenset(o.rstrip("/").lower() for o in origins),
            token or None,
        )

    def origin_allowed(self, origin: str) -> bool:
        if origin.lower() in self.cors_origins:
            return True
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and is_loopback(parts.hostname or "")

    def host_allowed(self, host: str | None) -> bool:
        if not self.loopback_bind:
            return True
        if host is None:
            return False
        return is_loopback(host_of(host)) or host.lower() in self.allowed_hosts or host_of(host) in self.allowed_hosts

    def refusal(
        self, headers: dict[bytes, bytes], preflight: bool = False, needs_token: bool = True
    ) -> tuple[int, str] | None:
        """Why a control request is refused, or None (a browser's preflight carries no token,
        nor does its loading of the dashboard's files, which hold no data)."""
        host = headers.get(b"host")
        if not self.host_allowed(host.decode("latin-1") if host is not None else None):
            return 403, "this Host is not allowed to reach the control API (jobmock serve --allowed-host NAME)"
        origin = headers.get(b"origin")
        if origin is not None and not self.origin_allowed(origin.decode("latin-1")):
            return 403, "pages of this origin may not use the control API (jobmock serve --cors-origin ORIGIN)"
        if self.token is not None and not preflight and needs_token:
            given = headers.get(CONTROL_TOKEN_HEADER.encode(), b"")
            if not hmac.compare_digest(given, self.token.encode()):
                return 401, f"the control API needs its token in the {CONTROL_TOKEN_HEADER} header"
        return None


class Guard:
    """The control plane's checks and CORS for every path (replaces Starlette's CORSMiddleware)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], policy: ControlPolicy):
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        control = path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")
        headers = dict(scope["headers"])
        origin = headers.get(b"origin")
        preflight = scope["method"] == "OPTIONS" and origin is not None and b"access-control-request-method" in headers
        if control:
            refused = self.policy.refusal(headers, preflight, needs_token=not is_ui_path(path))
            if refused is not None:
                await _answer(send, *refused)
                return
        allowed = origin is not None and self.policy.origin_allowed(origin.decode("latin-1"))
        if preflight:
            assert origin is not None
            await _preflight(send, headers, origin, allowed)
            return
        if origin is None:
            await self.app(scope, receive, send)
            return
        cors = _cors_headers(origin, allowed)

        async def with_cors(message: Any) -> None:
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
