"""Writes the request journal: every request to a vendor API and what it was answered
(status, Retry-After, the delivery marks of the poll), raw and cheap, with what
`contract.secrets.redact` finds in the path and query hidden; reading it into
entries (which API, which job) waits until someone asks (`operations.journal_reader`).

Under `jobmock proxy` a request is answered by the upstream or by the jobmock inside the
proxy: the proxy says which under the scope's `VIA` key, and `journal_request` keeps it
with the entry (its `via`), for the requests the mock answers (through this layer) and
those relayed (the proxy calls it itself)."""

from __future__ import annotations

import time

from ...contract.secrets import redact, tag
from ...contract.wire import CONTROL_PREFIX, NAMESPACE_COOKIE
from ...sim.journal import RawRequest
from ...state import State
from ..operations.call import cookies_of, namespace_of
from ..operations.replies import MARK
from ..operations.replies import VIA as VIA_MARK
from ..paths import routed_path
from ..types import ASGIApp, Message, Receive, Scope, Send

_MARK = MARK.encode()
NAMESPACE_COOKIE_BYTES = NAMESPACE_COOKIE.encode()
VIA = "jobmock.via"  # the scope key `jobmock proxy` names who answered under ("upstream", "mock: upstream down")


class Journal:
    def __init__(self, app: ASGIApp, state: State):
        self.app = app
        self.state = state
        self.credentials = credential_headers(state)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = routed_path(scope)  # as routed, under any root path: the journal reader matches it to its API
        if path.startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        arrived = time.time()
        answered = Answered(send)
        try:
            await self.app(scope, receive, answered)
        finally:
            journal_request(self.state, scope, path, arrived, answered, self.credentials)


def credential_headers(state: State) -> frozenset[bytes]:
    """The headers that carry a credential of the served APIs (lower-cased, as keys come in)."""
    named = {n for api in state.mock.apis.values() for n in api.security.headers if n.isascii()}
    return frozenset({b"authorization", *(n.encode() for n in named)})


class Answered:
    """A `send` that notes what the request was answered, as the journal keeps it: the
    status, the delivery marks, Retry-After."""

    def __init__(self, send: Send):
        self.send = send
        self.status: int | None = None
        self.marks: dict[str, str] = {}
        self.retry_after: str | None = None

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            for key, value in message.get("headers", ()):
                if key.startswith(_MARK):
                    self.marks[key.decode("latin-1")] = value.decode("latin-1")
                elif key == b"retry-after":
                    self.retry_after = value.decode("latin-1")
        await self.send(message)


def journal_request(
    state: State, scope: Scope, path: str, arrived: float, answered: Answered, credentials: frozenset[bytes]
) -> None:
    """Journal one request (`path` as routed) and what it was answered, in its namespace."""
    namespace, client = _namespace_and_client(scope, credentials)
    query = scope["query_string"].decode("latin-1")
    marks = answered.marks
    via = scope.get(VIA)
    if via is not None:
        marks = {**marks, VIA_MARK: via}
    origin, n = state.stamp()
    raw = RawRequest(
        arrived, scope["method"], redact(path) if "=" in path else path, redact(query) if query else "", client,
        answered.status, marks, answered.retry_after, origin, n,
    )  # fmt: skip
    state.journal_add(raw, namespace)


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
