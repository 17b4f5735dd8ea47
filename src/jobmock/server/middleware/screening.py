"""Requests screened before any handler sees them: no input can hold the server or break it.

Refused at once, in the envelope of the API the request was for (the control API answers
problem JSON), before anything is read further or changed:
- more than `MAX_HEADERS` headers or `MAX_HEADER_BYTES` of them: 431;
- more than `MAX_QUERY_PARAMS` query parameters or a query over `MAX_QUERY_BYTES`: 400
  (parsing thousands of parameters takes seconds in the frameworks below);
- a body over `MAX_BODY_BYTES` (by Content-Length, or as it arrives): 413;
- a body that has not all arrived `body_timeout` seconds (`--body-timeout`) after the
  layer began to read it: 408, and the connection closed (a client trickling a body would
  otherwise hold its connection, and every connection, for as long as it likes);
- a body that is not JSON by its Content-Type, on an API that takes only JSON: 415 (where
  the document takes other media, multipart or forms, Connexion judges each operation's);
- JSON that is not strict (NaN, Infinity), not UTF-8, or nested deeper than `MAX_DEPTH`: 400;
  so with each line of a JSON Lines body (`application/x-ndjson`...), the refusal naming it.
A body that passes is handed on as it came.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

from ...contract.document import Contract
from ...contract.openapi import MEDIA_OF_LINES, template_of
from ...contract.wire import CONTROL_PREFIX
from ..gauges import OPEN
from ..messages import replayed, send_whole
from ..operations.replies import Reply, api_for, documented_error, problem_bytes, vendor_error_bytes
from ..paths import routed_path
from ..types import ASGIApp, Receive, Scope, Send

MAX_HEADERS = 100
MAX_HEADER_BYTES = 32 * 1024
MAX_QUERY_PARAMS = 64
MAX_QUERY_BYTES = 8 * 1024
MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 32  # of JSON bodies: arrays and objects within each other


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def strict_json(body: bytes) -> Any:
    """The JSON value of a body; Refused (400) for NaN or Infinity, bad UTF-8, or deep nesting."""
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise Refused(400, "the body is not UTF-8") from exc
    except RecursionError as exc:
        raise Refused(400, f"the JSON body is nested deeper than {MAX_DEPTH} levels") from exc
    except ValueError as exc:
        raise Refused(400, f"the body is not valid JSON: {exc}") from exc
    if _too_deep(value):
        raise Refused(400, f"the JSON body is nested deeper than {MAX_DEPTH} levels")
    return value


def strict_lines(body: bytes) -> None:
    """Refused (400) as `strict_json`, naming the line, where a line of a JSON Lines body
    that is not blank is not strict JSON."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(400, "the body is not UTF-8") from exc
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            try:
                strict_json(line.encode())
            except Refused as refused:
                raise Refused(400, f"line {number}: {refused.message}") from refused


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _too_deep(value: Any) -> bool:
    """Whether arrays and objects nest deeper than MAX_DEPTH (a walk, not a recursion)."""
    level: list[Any] = [value]
    for _depth in range(MAX_DEPTH + 1):
        inner = []
        for item in level:
            if isinstance(item, dict):
                inner += [v for v in item.values() if isinstance(v, dict | list)]
            elif isinstance(item, list):
                inner += [v for v in item if isinstance(v, dict | list)]
        if not inner:
            return False
        level = inner
    return True


def _takes_other_media(document: Mapping[str, Any]) -> bool:
    """Whether any operation of the document takes a body that is not JSON."""
    for item in (document.get("paths") or {}).values():
        for op in item.values() if isinstance(item, Mapping) else ():
            body = op.get("requestBody") if isinstance(op, Mapping) else None
            content = body.get("content") if isinstance(body, Mapping) else None
            for media in content or ():
                base = str(media).split(";")[0].strip().lower()
                if base != "application/json" and not base.endswith("+json"):
                    return True
    return False


def _has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if (name == b"content-length" and value.strip() not in (b"", b"0")) or name == b"transfer-encoding":
            return True
    return False


class Screening:
    def __init__(self, app: ASGIApp, apis: Iterable[Contract], body_timeout: float = 10.0):
        self.app = app
        self.apis = sorted(apis, key=lambda a: len(a.base_path), reverse=True)
        self.body_timeout = body_timeout
        self.other_media = {api.name for api in self.apis if _takes_other_media(api.document)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            self._screen_head(scope)
            takes_json = scope["method"] in ("POST", "PUT", "PATCH", "DELETE")
            if takes_json or _has_body(scope):  # another's body is read too: the app below may wait for it
                receive = await self._screen_body(scope, receive, takes_json)
        except Refused as refused:
            await self._refuse(scope, send, refused)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _screen_head(scope: Scope) -> None:
        headers = scope["headers"]
        if len(headers) > MAX_HEADERS or sum(len(k) + len(v) for k, v in headers) > MAX_HEADER_BYTES:
            raise Refused(431, f"at most {MAX_HEADERS} headers and {MAX_HEADER_BYTES} bytes of them")
        query: bytes = scope["query_string"]
        if len(query) > MAX_QUERY_BYTES or query.count(b"&") >= MAX_QUERY_PARAMS:
            raise Refused(400, f"at most {MAX_QUERY_PARAMS} query parameters and {MAX_QUERY_BYTES} bytes of them")

    async def _screen_body(self, scope: Scope, receive: Receive, takes_json: bool = True) -> Receive:
        """Read the body (within its cap and time) and check it (`takes_json`: that it is
        strict JSON); a receive that gives it back."""
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            raise Refused(413, f"the body may be at most {MAX_BODY_BYTES} bytes")
        body = b""
        more = True
        deadline = time.monotonic() + self.body_timeout
        while more:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                OPEN.timed_out_bodies += 1
                raise Refused(408, f"the body did not arrive within {self.body_timeout:g} s") from None
            if message["type"] == "http.disconnect":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY_BYTES:
                raise Refused(413, f"the body may be at most {MAX_BODY_BYTES} bytes")
        if takes_json and body.strip():
            kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if kind == b"application/json" or kind.endswith(b"+json"):
                strict_json(body)
            elif kind.decode("latin-1") in MEDIA_OF_LINES:
                strict_lines(body)
            elif not self._takes_other_media(scope):
                raise Refused(415, "the body must be JSON, sent with Content-Type: application/json")
        return replayed(body, receive)

    def _takes_other_media(self, scope: Scope) -> bool:
        path = routed_path(scope)
        api = None if path.startswith(CONTROL_PREFIX) else api_for(self.apis, path)
        return api is not None and api.name in self.other_media

    async def _refuse(self, scope: Scope, send: Send, refused: Refused) -> None:
        path = routed_path(scope)
        api = None if path.startswith(CONTROL_PREFIX) else api_for(self.apis, path)
        if api is None:
            body, media = problem_bytes(refused.status, refused.message), b"application/problem+json"
        else:
            documented = self._documented(api, scope, refused)
            if documented is not None and documented.media:  # the operation's own error response, as Connexion's get
                refused.status, body, media = documented.status, documented.body, documented.media.encode()
            else:
                status = api.errors.validation if refused.status == 400 else refused.status
                body, media = vendor_error_bytes(api, status, refused.message), b"application/json"
                refused.status = status
        await send_whole(send, refused.status, body, media, [(b"connection", b"close")])

    @staticmethod
    def _documented(api: Contract, scope: Scope, refused: Refused) -> Reply | None:
        if api.errors.declared or refused.status not in (400, 415, 413):
            return None
        template = template_of(api.document, routed_path(scope)[len(api.base_path) :] or "/")
        if template is None:
            return None
        return documented_error(api, scope["method"], template, refused.status, refused.message)
