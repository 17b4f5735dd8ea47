"""Creates on a fast path: `POST /_jobmock/jobs` with a body control.yaml accepts,
answered without Connexion's ~1 ms of routing and validation middleware.

CI runs and load tests create jobs by the thousand. This layer checks the body against
the same NewJob schema and calls the same `new_job` and `State.create` as the Connexion
handler; anything it would not answer exactly so (a body that fails the schema, another
media type, a body too big to hold) falls through to Connexion, which words the error.
Tests check both paths give the same answers.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from openapi_schema_validator import OAS30Validator

from ..exceptions import JobmockError
from ..spec.wire import CONTROL_PREFIX
from ..state import State
from .control import control_document, new_job
from .errors import problem_bytes
from .messages import replayed, send_whole
from .options import options_of
from .records import base_url, job_record_json

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
PATH = CONTROL_PREFIX + "/jobs"
MOST = 64 * 1024  # bytes of body this path reads; a bigger one goes to Connexion


class CreateFastPath:
    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], state: State):
        self.app = app
        self.state = state
        document = control_document(list(state.mock.apis))  # as Connexion checks it
        self.validator = OAS30Validator(document["components"]["schemas"]["NewJob"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("content-type", "").split(";")[0].strip() != "application/json":
            await self.app(scope, receive, send)
            return
        body, complete = b"", False
        while not complete and len(body) <= MOST:
            message = await receive()
            body += message.get("body", b"")
            complete = not message.get("more_body")
        answer = await self._answer(scope, headers, body) if complete else None
        if answer is None:
            await self.app(scope, replayed(body, complete, receive), send)
            return
        status, content, media = answer
        await send_whole(send, status, content, media.encode())

    async def _answer(self, scope: Scope, headers: dict[str, str], body: bytes) -> tuple[int, bytes, str] | None:
        try:
            data = json.loads(body)
        except ValueError:
            return None
        if not self.validator.is_valid(data):
            return None
        namespace = options_of(headers, {}).namespace
        try:
            job = await self.state.create(new_job(self.state.mock, data, headers.get("authorization")), namespace)
        except JobmockError as exc:
            return exc.status, problem_bytes(exc.status, str(exc)), "application/problem+json"
        return 201, job_record_json(self.state.mock, job, namespace, base_url(scope, headers)), "application/json"
