"""Each API's document at `<base>/openapi.json`, as its spec file has it (`$ref`s kept).

Connexion would serve the document with its `$ref`s resolved: a recursive schema
(`details: {items: {$ref: Error}}`) then becomes a cycle it cannot write (a 500), and it
resolves the whole document again on every request. Here it is written once, at start-up,
with `servers` set to where the API is served (as Connexion sets it)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ...contract.document import Contract
from ..messages import send_whole
from ..types import ASGIApp, Receive, Scope, Send

DOCUMENT = "/openapi.json"


class Documents:
    """Answers GET and HEAD `<base>/openapi.json` for every API; passes anything else on."""

    def __init__(self, app: ASGIApp, apis: Iterable[Contract]):
        self.app = app
        self.apis = {api.base_path + DOCUMENT: api for api in apis}
        self.written: dict[tuple[str, str], bytes] = {}  # by (path, root path): a handful

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, root = scope.get("path", ""), scope.get("root_path", "").rstrip("/")
        routed = path[len(root) :] if root and path.startswith(root + "/") else path
        api = self.apis.get(routed) if scope["type"] == "http" else None
        if api is None or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        body = self.written.get((routed, root))
        if body is None:
            body = json.dumps({**api.document, "servers": [{"url": root + api.base_path}]}).encode()
            if len(self.written) < 64:  # root paths come from the server's configuration, not clients
                self.written[(routed, root)] = body
        await send_whole(send, 200, body if scope["method"] == "GET" else b"", b"application/json")
