"""Raw ASGI messages the layers below Connexion share: a whole response sent at once, and
a request body handed on after a layer has read it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]


async def send_whole(
    send: Send, status: int, body: bytes, media: bytes, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    start = [(b"content-type", media), (b"content-length", str(len(body)).encode()), *headers]
    await send({"type": "http.response.start", "status": status, "headers": start})
    await send({"type": "http.response.body", "body": body})


def replayed(body: bytes, complete: bool, receive: Receive) -> Receive:
    """The request's receive, with the body already read given back first (`complete`:
    nothing more to read; else the rest follows from `receive`)."""
    given = False

    async def again() -> Any:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": not complete}
        return await receive()

    return again
