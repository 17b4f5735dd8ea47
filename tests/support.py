"""Helpers shared by the tests: tokens of the documented forms, and a served jobmock."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx

from jobmock import BackgroundServer, create
from jobmock.sim.mock import Mock


def jwt(sub: str) -> str:
    def part(obj: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': sub})}.c2lnbmF0dXJl"


# A well-formed token per API, as its document says tokens look.
TOKENS = {
    "neuraldraft": "ndsk_test_4f9a8b7c6d",
    "longform": jwt("user-1"),
    "nextdocs": "nxd_live123",
    "stories": "any-token",
    "superdocs": "sd-token",
}


class Served:
    def __init__(self, mock: Mock, server: BackgroundServer):
        self.mock = mock
        self.server = server
        self.url = server.url
        self.http = httpx.Client(base_url=server.url, timeout=10)

    def auth(self, api: str, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or TOKENS[api]}"}

    def manual(self, namespace: str) -> dict[str, str]:
        """A namespace of its own, with a clock that moves only when the test says; its header."""
        self.mock.set_clock_mode("manual", namespace)
        return {"X-Jobmock-Namespace": namespace}

    def create(self, api: str, headers: dict[str, str] | None = None, **fields: object) -> dict[str, object]:
        response = self.http.post("/_jobmock/jobs", json={"api": api, **fields}, headers=headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def poll(
        self, api: str, job: dict[str, object], token: str | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return self.http.get(str(job["poll_url"]), headers={**self.auth(api, token), **(headers or {})})


def serve(**options: object) -> Iterator[Served]:
    mock, app = create(**options)  # type: ignore[arg-type]
    with BackgroundServer(app) as server:
        served = Served(mock, server)
        yield served
        served.http.close()
