"""What a request asks of jobmock besides the vendor API: namespace, scenario, client.

Each can come as a header or a cookie (browser code cannot always add headers); the
scenario also as a query parameter, and as `Prefer: scenario=NAME` (Prism's convention).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

from ..spec.wire import CLIENT_HEADER, NAMESPACE_COOKIE, NAMESPACE_HEADER, SCENARIO_COOKIE, SCENARIO_QUERY

_PREFER = re.compile(r"(?:^|[,;\s])scenario=\"?([^\",;\s]+)\"?", re.IGNORECASE)


@dataclass(frozen=True)
class RequestOptions:
    namespace: str = ""
    scenario: str | None = None


PLAIN = RequestOptions()


def cookies_of(header: str | None) -> dict[str, str]:
    if not header:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def options_of(headers: Mapping[str, str], query: Mapping[str, str]) -> RequestOptions:
    """From lower-cased header names and the query parameters."""
    if not query and "prefer" not in headers and "cookie" not in headers and NAMESPACE_HEADER not in headers:
        return PLAIN  # the common poll: nothing to parse
    cookies = cookies_of(headers.get("cookie"))
    prefer = _PREFER.search(headers.get("prefer", ""))
    scenario = (
        (prefer.group(1) if prefer else None) or query.get(SCENARIO_QUERY) or cookies.get(SCENARIO_COOKIE) or None
    )
    return RequestOptions(namespace_of(headers.get(NAMESPACE_HEADER), cookies), scenario)


def namespace_of(header: str | None, cookies: Mapping[str, str]) -> str:
    """The header names the namespace; else the cookie; else the default one."""
    return header or cookies.get(NAMESPACE_COOKIE) or ""


def namespace_in(headers: list[tuple[bytes, bytes]]) -> str:
    """The namespace of raw ASGI headers, parsing cookies only when they name one
    (the journal runs on every request)."""
    header = cookie = None
    for key, value in headers:
        if key == b"x-jobmock-namespace":
            header = value.decode("latin-1")
        elif key == b"cookie" and NAMESPACE_COOKIE.encode() in value:
            cookie = value.decode("latin-1")
    return namespace_of(header, cookies_of(cookie) if cookie and not header else {})


def client_of(headers: Mapping[str, str], peer: str) -> str:
    """Who is polling: an explicit X-Jobmock-Client, else the key's last characters, else the address."""
    named = headers.get(CLIENT_HEADER)
    if named:
        return named
    auth = headers.get("authorization", "")
    if " " in auth:
        token = auth.split(" ", 1)[1].strip()
        return f"key …{token[-6:]}" if token else peer
    return peer or "unknown"
