"""The poll hot path: answers a valid, authorised GET of a visible job without Connexion.

Connexion costs ~300 µs a request (routing, security, validation middleware); a
frontend polling many jobs is the common load, so a plain ASGI layer answers exactly
the requests that would get a 200 from the poll operation, through the same `Mock`.
Everything else (bad auth, unknown ids, odd parameters, other routes) falls through
to Connexion, so errors keep one source. Tests check both paths give the same bodies.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from .auth import AuthError, bearer_token, identity
from .mock import Mock
from .model import ApiModel
from .openapi import id_checker

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


@dataclass(frozen=True)
class PollRoute:
    api: ApiModel
    path: re.Pattern[str] | None  # id in the path
    exact: str | None  # id in the query: the path to match exactly
    check_id: Callable[[str], bool]


def poll_routes(apis: list[ApiModel]) -> list[PollRoute]:
    routes = []
    for api in apis:
        param = api.poll.parameter(api.id_parameter) or {}
        check = id_checker(param.get("schema", {}))
        others_required = [
            p for p in api.poll.spec.get("parameters", []) if p.get("required") and p.get("name") != api.id_parameter
        ]
        if api.poll.method != "get" or check is None or others_required:
            continue  # leave unusual poll operations to Connexion
        full = api.base_path + api.poll.path
        if api.id_in == "path":
            pattern = "^" + re.escape(full).replace(re.escape("{" + api.id_parameter + "}"), "([^/]+)") + "$"
            routes.append(PollRoute(api, re.compile(pattern), None, check))
        else:
            routes.append(PollRoute(api, None, full, check))
    return routes


class PollFastPath:
    def __init__(self, app: ASGIApp, mock: Mock, apis: list[ApiModel]):
        self.app = app
        self.mock = mock
        self.routes = poll_routes(apis)

    async def __call__(
        self, scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]
    ) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            body = self._answer(scope)
            if body is not None:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    def _answer(self, scope: Scope) -> bytes | None:
        path = scope["path"]
        for route in self.routes:
            if route.path is not None:
                match = route.path.match(path)
                if match is None or scope["query_string"]:
                    continue
                job_id = match.group(1)
            else:
                if path != route.exact:
                    continue
                query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
                if len(query) != 1 or query[0][0] != route.api.id_parameter:
                    return None
                job_id = query[0][1]
            if "%" in job_id or not route.check_id(job_id):
                return None
            owner = None
            if route.api.token.scheme:
                header = next((v for k, v in scope["headers"] if k == b"authorization"), None)
                try:
                    owner = identity(route.api.token, bearer_token(header.decode("latin-1") if header else None))
                except AuthError:
                    return None
            return self.mock.poll(route.api.name, job_id, owner)
        return None
