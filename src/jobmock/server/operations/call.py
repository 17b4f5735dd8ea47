"""A request as an operation sees it, whichever adapter brought it (the fast paths or
Connexion), and what it asks of jobmock besides the vendor API: its namespace and scenario.

Each can come as a header or a cookie (browser code cannot always add headers); the
scenario also as a query parameter, and as `Prefer: scenario=NAME` (Prism's convention).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from http.cookies import CookieError, SimpleCookie
from typing import Any

from ...contract.wire import NAMESPACE_COOKIE, NAMESPACE_HEADER, SCENARIO_COOKIE, SCENARIO_QUERY

_PREFER = re.compile(r"(?:^|[,;\s])scenario=\"?([^\",;\s]+)\"?", re.IGNORECASE)


@dataclass(frozen=True)
class Call:
    """`headers` by lower-case name; `params`: the path and query parameters an operation
    reads; `body`: the JSON body, parsed; `base_url`: where the client reached us (for
    the poll URLs the control API tells)."""

    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    body: Any = None
    base_url: str = "http://127.0.0.1/"

    @cached_property
    def cookies(self) -> dict[str, str]:
        return cookies_of(self.headers.get("cookie"))

    @cached_property
    def namespace(self) -> str:
        """The header names the namespace; else the cookie; else the default one ("")."""
        return self.headers.get(NAMESPACE_HEADER) or self.cookies.get(NAMESPACE_COOKIE) or ""

    @cached_property
    def scenario(self) -> str | None:
        """The scenario a poll names, if any: Prefer header, query parameter, then cookie."""
        prefer = _PREFER.search(self.headers.get("prefer", ""))
        if prefer:
            return prefer.group(1)
        return self.query.get(SCENARIO_QUERY) or self.cookies.get(SCENARIO_COOKIE) or None


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
