"""What a request asks of jobmock besides the vendor API: namespace, scenario, client.

Each can come as a header or a cookie (browser code cannot always add headers); the
scenario also as a query parameter, and as `Prefer: scenario=NAME` (Prism's convention).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

from ..spec.wire import NAMESPACE_COOKIE, NAMESPACE_HEADER, SCENARIO_COOKIE, SCENARIO_QUERY

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
