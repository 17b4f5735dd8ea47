"""Writes the request journal: every request to a vendor API and what it was answered
(status, Retry-After, the delivery marks of the poll), raw and cheap, with what
`contract.secrets.redact` finds in the path and query hidden; reading it into
entries (which API, which job) waits until someone asks (`operations.journal_reader`)."""

from __future__ import annotations

import time
from typing import Any

from ...contract.secrets import redact, tag
from ...contract.wire import CONTROL_PREFIX, NAMESPACE_COOKIE
from ...sim.journal import RawRequest
from ...state import State
from ..operations.call import cookies_of, namespace_of
from ..operations.replies import MARK
from ..paths import routed_path
from ..types import ASGIApp, Message, Receive, Scope, Send

_MARK = MARK.encode()
NAMESPACE_COOKIE_BYTES = NAMESPACE_COOKIE.encode()


class Journal:
    def __init__(self, app: ASGIApp, state: State):
        self.app = app
        self.state = state
        named = {n for api in state.mock.apis.values() for n in api.security.headers if n.isascii()}
        self.credentials = frozenset({b"authorization", *(n.encode() for n in named)})  # headers keys come in

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = routed_path(scope)  # as routed, under any root path: the journal reader matches it to its API
        if path.startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        arrived = time.time()
        answered: list[Any] = [None, {}, None]  # status, marks, retry-after

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered[0] = message["status"]
                for key, value in message.get("headers", ()):
                    if key.startswith(_MARK):
                        answered[1][key.decode("latin-1")] = value.decode("latin-1")
                    elif key == b"retry-after":
                        answered[2] = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            namespace, client = _namespace_and_client(scope, self.credentials)
            query = scope["query_string"].decode("latin-1")
            origin, n = self.state.stamp()
            raw = RawRequest(
                arrived, scope["method"], redact(path) if "=" in path else path, redact(query) if query else "", client,
                answered[0], answered[1], answered[2], origin, n,
            )  # fmt: skip
            self.state.journal_add(raw, namespace)


def _namespace_and_client(
    scope: Scope, credentials: frozenset[bytes] = frozenset({b"authorization"})
) -> tuple[str, str]:
    """The request's namespace, and who asked: X-Jobmock-Client, else an opaque tag of its
    credential (an Authorization header, or an API key in a header the APIs name: never a
    character of it), else its address. One pass over the headers."""
    header = cookie = named = credential = None
    for key, value in scope["headers"]:
        if key == b"x-jobmock-namespace":
            header = value.decode("latin-1")
        elif key == b"cookie" and NAMESPACE_COOKIE_BYTES in value:
            cookie = value.decode("latin-1")
        elif key == b"x-jobmock-client":
            named = value.decode("latin-1")
        elif key in credentials and credential is None:
            credential = value.decode("latin-1").strip()
    namespace = namespace_of(header, cookies_of(cookie) if cookie and not header else {})
    if named:
        return namespace, named
    if credential:
        return namespace, f"key {tag(credential)}"
    peer = scope.get("client") or ("",)
    return namespace, str(peer[0]) or "unknown"
