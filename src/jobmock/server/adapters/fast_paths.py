"""The fast paths: the hot requests answered without Connexion's ~300 µs of routing,
security and validation middleware, through the very operation Connexion's handler calls.

A frontend polling many jobs, and CI runs creating jobs by the thousand, are the common
load. This layer matches two routes: a plain GET of a poll operation (no vendor query
parameters besides the id and an API key) and `POST /_jobmock/jobs` with a JSON body. A matched request
is answered here whatever happens (the operation words every refusal as Connexion would);
anything else goes on to Connexion, and so does a path holding an encoded `/` or line break
(`/v1%2Fjobs/x` is no poll's path, though its decoded form is: `raw_paths` routes it).
`jobmock serve --no-fast-paths` sends everything through Connexion, and the test suite runs
both ways.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qsl

from starlette.requests import Request

from ...contract.wire import CONTROL_PREFIX, NAMESPACE_HEADER
from .. import operations
from ..messages import send_whole
from ..operations import CONTROL, Context, Reply, poll
from ..operations.replies import problem, vendor_error
from ..operations.routing import locate, poll_routes
from ..paths import routed_path
from ..types import ASGIApp, Receive, Scope, Send
from .raw_paths import needs_raw_routing
from .response_check import ResponseCheck

log = logging.getLogger("jobmock")
CREATE = CONTROL_PREFIX + "/jobs"


class FastPaths:
    """`check`: --validate-responses (then the create is left to Connexion, which checks it)."""

    def __init__(self, app: ASGIApp, ctx: Context, check: ResponseCheck | None = None):
        self.app = app
        self.ctx = ctx
        self.routes = poll_routes(ctx.mock.apis.values())
        keys = (n.encode("latin-1") for api in ctx.mock.apis.values() for n in api.security.headers if n.isascii())
        self.reads = POLL_READS | frozenset(keys)  # the headers a poll reads, API keys' among them
        self.create = CONTROL["createJob"]
        self.check = check

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not needs_raw_routing(scope):  # those are Connexion's (`raw_paths`)
            method = scope["method"]
            path = routed_path(scope)  # under any root path, as Connexion routes it
            if method == "GET":
                raw_query = scope["query_string"].decode("latin-1")
                query = parse_qsl(raw_query, keep_blank_values=True) if raw_query else []
                found = locate(self.routes, path, query)
                if found is not None:
                    route, job_id = found
                    call = operations.call(_headers(scope, self.reads), dict(query), {route.api.id_parameter: job_id})
                    try:
                        reply = await poll(self.ctx, route.api, call)
                    except Exception:  # a bug of ours: the 500 Connexion's error handler gives, never a bare page
                        log.exception("error while answering GET %s", path)
                        reply = vendor_error(route.api, 500, INTERNAL)
                    await _send(send, self.check(route.api, reply) if self.check is not None else reply)
                    return
            elif method == "POST" and path == CREATE and _is_json(scope) and self.check is None:
                body = await _body(receive)  # read whole and checked by the screening layer before
                parsed = json.loads(body) if body.strip() else None
                raw_query = scope["query_string"].decode("latin-1")  # an API key may come in it, as to Connexion
                query = parse_qsl(raw_query, keep_blank_values=True) if raw_query else []
                call = operations.call(_headers(scope), dict(query), {}, parsed, _base_url(scope))
                try:
                    reply = await self.create(self.ctx, call)
                except Exception:  # a bug of ours, as above
                    log.exception("error while answering POST %s", path)
                    reply = problem(500, INTERNAL)
                await _send(send, reply)
                return
        await self.app(scope, receive, send)


async def _send(send: Send, reply: Reply) -> None:
    media = reply.media.encode() if reply.media is not None else None
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
    await send_whole(send, reply.status, reply.body, media, headers)


INTERNAL = "Internal error in the mock server"


POLL_READS = frozenset({b"authorization", b"prefer", b"cookie", NAMESPACE_HEADER.encode()})  # and API keys' headers


def _headers(scope: Scope, wanted: frozenset[bytes] | None = None) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"] if wanted is None or k in wanted}


def _is_json(scope: Scope) -> bool:
    for key, value in scope["headers"]:
        if key == b"content-type":
            return bool(value.split(b";")[0].strip().lower() == b"application/json")
    return False


async def _body(receive: Receive) -> bytes:
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


def _base_url(scope: Scope) -> str:
    return str(Request(scope).base_url)
