"""Raw ASGI messages the layers around Connexion share: a whole response sent at once, and
a request body handed on after a layer has read it."""

from __future__ import annotations

from collections.abc import Iterable

from .types import Message, Receive, Send


async def send_whole(
    send: Send, status: int, body: bytes, media: bytes | None, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    start = [(b"content-length", str(len(body)).encode()), *headers]
    if media is not None:
        start.insert(0, (b"content-type", media))
    await send({"type": "http.response.start", "status": status, "headers": start})
    await send({"type": "http.response.body", "body": body})


def replayed(body: bytes, receive: Receive) -> Receive:
    """The request's receive, with the whole body (already read) given back first."""
    given = False

    async def again() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again
