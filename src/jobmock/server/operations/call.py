"""A request as an operation sees it, whichever adapter brought it (the fast paths or
Connexion), and what it asks of jobmock besides the vendor API: its namespace and scenario.

Each can come as a header or a cookie (browser code cannot always add headers); the
scenario also as a query parameter, and as `Prefer: scenario=NAME` (Prism's convention).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

from ...contract.security import Credentials
from ...contract.wire import NAMESPACE_COOKIE, NAMESPACE_HEADER, SCENARIO_COOKIE, SCENARIO_QUERY

_PREFER = re.compile(r"(?:^|[,;\s])scenario=\"?([^\",;\s]+)\"?", re.IGNORECASE)


@dataclass(slots=True)  # made on every request: not frozen, which costs a setattr a field
class Call:
    """`headers` by lower-case name; `params`: the path and query parameters an operation
    reads; `body`: the JSON body, parsed; `base_url`: where the client reached us (for
    the poll URLs the control API tells); `namespace` and `scenario`: what it asks of
    jobmock (made by `call`, which reads them)."""

    headers: Mapping[str, str]
    query: Mapping[str, str]
    params: Mapping[str, Any]
    body: Any
    base_url: str
    namespace: str
    scenario: str | None


def call(
    headers: Mapping[str, str],
    query: Mapping[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
    body: Any = None,
    base_url: str = "http://127.0.0.1/",
) -> Call:
    """A `Call`, with its namespace and scenario read from the headers, cookies and query."""
    query = query or {}
    namespace, scenario = "", None
    if query or "prefer" in headers or "cookie" in headers or NAMESPACE_HEADER in headers:  # else: the common poll
        cookies = cookies_of(headers.get("cookie"))
        namespace = namespace_of(headers.get(NAMESPACE_HEADER), cookies)
        prefer = _PREFER.search(headers.get("prefer", ""))
        scenario = (prefer.group(1) if prefer else None) or query.get(SCENARIO_QUERY) or cookies.get(SCENARIO_COOKIE)
    return Call(headers, query, params or {}, body, base_url, namespace, scenario or None)


def cookies_of(header: str | None) -> dict[str, str]:
    if not header:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def namespace_of(header: str | None, cookies: Mapping[str, str]) -> str:
    """The header names the namespace; else the cookie; else the default one."""
    return header or cookies.get(NAMESPACE_COOKIE) or ""


def credentials_of(call: Call) -> Credentials:
    """What of the request may be a credential: its headers, query and cookies."""
    return Credentials(call.headers, call.query)
