"""Connections a client can hold: slow-header and idle ones are closed; the rest go on."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from jobmock import BackgroundServer
from jobmock.sim.limits import ConnectionLimits
from support import TOKENS, create

LIMITS = ConnectionLimits(keep_alive=1, header_timeout=0.5, max_connections=50)


@pytest.fixture(scope="module")
def url() -> Iterator[tuple[str, int]]:
    app = create(specs=["neuraldraft"])
    with BackgroundServer(app, limits=LIMITS) as server:
        yield server.host, server.port


def closed_by_server(sock: socket.socket) -> bool:
    """Read until the server closes (b"") or answers; bounded by the socket's timeout."""
    sock.settimeout(30)
    received = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return received == b"" or received.startswith(b"HTTP/1.1 408")
        received += chunk


@pytest.mark.parametrize(
    "sent",
    [b"", b"GET /v1/jobs/job_2Ngd9KqLmRpW HTTP/1.1\r\nHost: localhost\r\nX-Slow: "],
    ids=["silent", "slow headers"],
)
def test_a_connection_whose_headers_never_arrive_is_closed(url: tuple[str, int], sent: bytes) -> None:
    with socket.create_connection(url) as sock:
        sock.sendall(sent)
        assert closed_by_server(sock)


def test_others_are_answered_meanwhile(url: tuple[str, int]) -> None:
    held = [socket.create_connection(url) for _ in range(20)]
    try:
        for sock in held:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        answer = httpx.get(
            f"http://{url[0]}:{url[1]}/v1/jobs/job_2Ngd9KqLmRpW",
            headers={"Authorization": f"Bearer {TOKENS['neuraldraft']}"},
        )
        assert answer.status_code == 200
        assert httpx.get(f"http://{url[0]}:{url[1]}/_jobmock/status").json()["connections"]["open"] >= 1
    finally:
        for sock in held:
            sock.close()
