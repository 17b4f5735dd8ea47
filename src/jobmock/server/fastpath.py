"""The poll hot path: answers a plain GET of the poll operation without Connexion.

Connexion costs ~300 µs a request (routing, security, validation middleware); a
frontend polling many jobs is the common load, so a plain ASGI layer answers the polls
whose answer it can give exactly as Connexion would, through the same `Mock`: the job
(200, or a fault's answer), the vendor's 404 for an id this key cannot see, and the
vendor's 401 for a missing, non-bearer or malformed credential. Everything else (odd
parameters, other routes) falls through to Connexion. Tests check both paths give the same answers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from ..exceptions import AuthError, JobmockError
from ..sim.answer import Answer
from ..spec.auth import bearer_token, identity
from ..spec.envelopes import error_bytes
from ..state import State
from .delivery import delivery_marks
from .errors import unauthorized
from .options import options_of
from .routing import locate, poll_routes
from .validation import ResponseCheck

log = logging.getLogger("jobmock")
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


def answer_headers(answer: Answer) -> list[tuple[bytes, bytes]]:
    """The answer's headers, with the delivery marks `delivery.Delivery` acts on."""
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(answer.body)).encode())]
    if answer.headers:
        headers += [(k.lower().encode(), v.encode("latin-1")) for k, v in answer.headers]
    return headers + [(k.encode(), v.encode()) for k, v in delivery_marks(answer).items()]


WANTED = frozenset({b"authorization", b"prefer", b"cookie", b"x-jobmock-namespace"})


class PollFastPath:
    def __init__(self, app: ASGIApp, state: State, check: ResponseCheck | None = None):
        self.app = app
        self.state = state
        self.check = check  # --validate-responses
        self.routes = poll_routes(state.mock.apis.values())

    async def __call__(
        self, scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]
    ) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            answer = await self._answer(scope)
            if answer is not None:
                await send({"type": "http.response.start", "status": answer.status, "headers": answer_headers(answer)})
                await send({"type": "http.response.body", "body": answer.body})
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope) -> Answer | None:
        raw_query = scope["query_string"].decode("latin-1")
        query = parse_qsl(raw_query, keep_blank_values=True) if raw_query else []
        found = locate(self.routes, scope["path"], query)
        if found is None:
            return None
        route, job_id = found
        if "%" in job_id or not route.check_id(job_id):
            return None
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"] if k in WANTED}
        api = route.api
        owner = None
        if api.token.scheme:
            try:
                owner = identity(api.token, bearer_token(headers.get("authorization")))
            except AuthError as exc:
                body, challenge = unauthorized(api, exc)
                return Answer(401, body, tuple(challenge.items()))
        options = options_of(headers, dict(query))
        try:
            answer = await self.state.poll(api.name, job_id, owner, options.namespace, options.scenario)
        except JobmockError:
            return None  # Connexion's handler answers it with the vendor's error body
        except Exception:  # a bug of ours: the vendor's 500 envelope, never a bare text page
            log.exception("error while answering GET %s", scope["path"])
            return Answer(500, error_bytes(api, 500, "Internal error in the mock server"))
        answer = answer if answer is not None else Answer(404, error_bytes(api, 404))
        return self.check(api, answer) if self.check is not None else answer
