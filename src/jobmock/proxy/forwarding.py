"""Forwarding: a client's request sent on to the one upstream, its answer brought back as it
came, and nothing else reachable.

`jobmock proxy` stands between an app and the real API. What it relays must be what the API
said, or the app is tested against the proxy, not the API: the method, the path and query as
the client wrote them (its raw bytes: `%2F` stays `%2F`), the headers but the hop-by-hop ones
(RFC 9110 7.6.1: they belong to one connection, not to the exchange) and the body; the answer's
status, headers and bytes (still compressed, if the API compressed them). httpx's own
additions are kept out: no `User-Agent` or `Accept-Encoding` of its own, no cookie jar shared
between clients, no proxy or netrc credentials from the environment (`trust_env=False`).

It is not an open proxy: every request goes to the upstream's origin, whatever the client
asks (the app refuses absolute-form targets before they get here). The upstream's failures
are an `UpstreamFailure`: 502 for a connection that fails or breaks, 504 for one that times
out, which the app answers in the document's error envelope.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Sequence
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import urlsplit

import httpx

from .options import ProxyOptions

# RFC 9110 7.6.1, and what uvicorn and httpx frame themselves: never relayed either way
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "expect",  # 100-continue is between the client and the proxy (uvicorn answers it)
    }
)
Headers = Sequence[tuple[bytes, bytes]]


class UpstreamFailure(Exception):
    """The upstream could not answer: `status` 502 (refused, reset, not HTTP) or 504 (timed out);
    `unreachable`: no connection could be made (nothing reached it: `--mock-when-down` mocks)."""

    def __init__(self, status: int, reason: str, unreachable: bool = False):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.unreachable = unreachable


def relayed_headers(headers: Iterable[tuple[bytes, bytes]], drop: Iterable[str] = ()) -> list[tuple[bytes, bytes]]:
    """`headers` without the hop-by-hop ones, those the `Connection` header names, and `drop`."""
    headers = list(headers)
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == b"connection"
        for token in value.decode("latin-1").split(",")
    }
    gone = HOP_BY_HOP | named | {name.lower() for name in drop}
    return [(name, value) for name, value in headers if name.decode("latin-1").lower() not in gone]


def tls_context(ca_bundle: str | None) -> ssl.SSLContext:
    """The system's trusted certificates (verified, host names checked), plus `ca_bundle`'s."""
    context = ssl.create_default_context()
    if ca_bundle is not None:
        context.load_verify_locations(cafile=ca_bundle)
    return context


class Upstream:
    """The one origin the proxy reaches, with its timeouts and TLS settings."""

    def __init__(self, options: ProxyOptions, transport: httpx.AsyncBaseTransport | None = None):
        self.origin = options.origin
        self.base = urlsplit(options.upstream).path.rstrip("/").encode()
        self.url = httpx.URL(options.upstream)
        timeout = httpx.Timeout(
            connect=options.connect_timeout,
            read=options.read_timeout,
            write=options.read_timeout,
            pool=options.connect_timeout,
        )
        ignored = CookieJar(DefaultCookiePolicy(allowed_domains=[]))  # no Set-Cookie kept: clients' are theirs
        self.client = httpx.AsyncClient(
            timeout=timeout,
            verify=tls_context(options.ca_bundle) if self.url.scheme == "https" else True,
            follow_redirects=False,  # a redirect is the API's answer, for the client to follow or not
            trust_env=False,
            cookies=ignored,
            transport=transport,
        )

    async def send(self, method: str, raw_path: bytes, query: bytes, headers: Headers, body: bytes) -> httpx.Response:
        """Send the request (its path below the upstream's base path) and return the answer
        with its body still to read (`aiter_raw`); UpstreamFailure when there is none."""
        request = httpx.Request(
            method,
            self.url.copy_with(raw_path=self.target(raw_path, query)),
            headers=relayed_headers(headers, drop=("host", "content-length")),
            content=body,
        )
        try:
            return await self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise failure(exc, self.origin) from exc

    def target(self, raw_path: bytes, query: bytes) -> bytes:
        """The upstream's request target for a path below its base path, and a query."""
        target = (self.base + raw_path) or b"/"
        return target + b"?" + query if query else target

    def url_of(self, raw_path: bytes, query: bytes) -> str:
        """The upstream's URL a request is sent to (`send`), as a reproduce line writes it."""
        return self.origin + self.target(raw_path, query).decode("latin-1")

    async def close(self) -> None:
        await self.client.aclose()

    async def start(self) -> None:  # a part of the app's lifespan: its connections close at shutdown
        pass

    async def stop(self) -> None:
        await self.close()


_TIMEOUTS: dict[type[BaseException], str] = {
    httpx.ConnectTimeout: "no connection",
    httpx.ReadTimeout: "no answer",
    httpx.WriteTimeout: "the request could not be sent",
    httpx.PoolTimeout: "no free connection",
}


def failure(exc: BaseException, origin: str) -> UpstreamFailure:
    """What an httpx error (or the total timeout) means for the client: 504 or 502, and why."""
    unreachable = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        kind = _TIMEOUTS.get(type(exc), "no complete answer")  # the total timeout (--total-timeout) is a TimeoutError
        return UpstreamFailure(504, f"the upstream {origin} timed out: {kind} in time", unreachable)
    said = str(exc) or type(exc).__name__
    return UpstreamFailure(502, f"the upstream {origin} could not be reached: {said}", unreachable)
