"""The dashboard: a page and its two files, served from the package at `/_jobmock/ui/`
(and `/`, which sends the browser there). No build step and no CDN: `ui/` holds plain
HTML, CSS and an ES module that speaks only the control API and its event streams.

The page holds no data, so it loads without the control token (the Guard still checks
Host and Origin); everything it shows comes from control calls, which need the token."""

from __future__ import annotations

from importlib.resources import files

from ...contract.wire import CONTROL_PREFIX
from ..messages import send_whole
from ..paths import root_path, routed_path
from ..types import ASGIApp, Receive, Scope, Send

UI_PREFIX = CONTROL_PREFIX + "/ui"
MEDIA = {
    ".html": b"text/html; charset=utf-8",
    ".js": b"text/javascript; charset=utf-8",
    ".css": b"text/css; charset=utf-8",
}
SAFETY = (
    # its own files only; no framing (the control plane must not be clicked through another page)
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-cache"),
)


def is_ui_path(path: str) -> bool:
    return path == UI_PREFIX or path.startswith(UI_PREFIX + "/")


def _load() -> dict[str, tuple[bytes, bytes]]:
    """Every file of ui/ by its name: (media type, content)."""
    folder = files("jobmock.server") / "ui"
    found = {}
    for item in folder.iterdir():
        suffix = "." + item.name.rsplit(".", 1)[-1]
        if suffix in MEDIA:
            found[item.name] = (MEDIA[suffix], item.read_bytes())
    return found


class Dashboard:
    """Answers GET `/`, `/_jobmock/ui` and `/_jobmock/ui/<file>`; passes anything else on."""

    def __init__(self, app: ASGIApp):
        self.app = app
        self.files = _load()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = routed_path(scope) if scope["type"] == "http" else ""
        if scope["type"] != "http" or not (path == "/" or is_ui_path(path)) or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if path in ("/", UI_PREFIX):
            location = (root_path(scope) + UI_PREFIX + "/").encode()
            await send_whole(send, 307, b"", b"text/plain", ((b"location", location),))
            return
        name = path[len(UI_PREFIX) + 1 :] or "index.html"
        found = self.files.get(name)
        if found is None:
            await send_whole(send, 404, b"no such dashboard file", b"text/plain; charset=utf-8", SAFETY)
            return
        media, body = found
        await send_whole(send, 200, body if scope["method"] == "GET" else b"", media, SAFETY)
