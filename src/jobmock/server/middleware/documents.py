"""Each API's document at `<base>/openapi.json` and `<base>/openapi.yaml`, as its spec file
has it (`$ref`s kept).

Connexion would serve the document with its `$ref`s resolved: a recursive schema
(`details: {items: {$ref: Error}}`) then becomes a cycle it cannot write (a 500), and it
resolves the whole document again on every request (Connexion's own route is off:
`connexion_app`). Here it is written once, on its first request, with `servers` set to
where the API is served (as Connexion sets it)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import yaml

from ...contract.document import Contract
from ..messages import send_whole
from ..types import ASGIApp, Receive, Scope, Send

DOCUMENT = "/openapi.json"
WRITERS: dict[str, tuple[Callable[[Any], bytes], bytes]] = {  # by the path's end: the writer, the media type
    DOCUMENT: (lambda document: json.dumps(document).encode(), b"application/json"),
    "/openapi.yaml": (
        lambda document: yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode(),
        b"application/yaml",
    ),
}


class Documents:
    """Answers GET and HEAD `<base>/openapi.json` (and `.yaml`) for every API; passes anything
    else on."""

    def __init__(self, app: ASGIApp, apis: Iterable[Contract]):
        self.app = app
        self.apis = {api.base_path + end: (api, end) for api in apis for end in WRITERS}
        self.written: dict[tuple[str, str], bytes] = {}  # by (path, root path): a handful

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, root = scope.get("path", ""), scope.get("root_path", "").rstrip("/")
        routed = path[len(root) :] if root and path.startswith(root + "/") else path
        found = self.apis.get(routed) if scope["type"] == "http" else None
        if found is None or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        api, end = found
        write, media = WRITERS[end]
        body = self.written.get((routed, root))
        if body is None:
            body = write({**api.document, "servers": [{"url": root + api.base_path}]})
            if len(self.written) < 64:  # root paths come from the server's configuration, not clients
                self.written[(routed, root)] = body
        await send_whole(send, 200, body if scope["method"] == "GET" else b"", media)
