"""Only its owner drives the control plane: Host and Origin checks, the control token,
and the refusal to serve it open on a non-loopback address."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from jobmock import BackgroundServer, ControlPolicy, JobmockClient
from jobmock.exceptions import ControlError
from support import TOKENS, create

EXAMPLE = "/neuraldraft/v1/jobs/job_2Ngd9KqLmRpW"
ND = {"Authorization": f"Bearer {TOKENS['neuraldraft']}"}


@pytest.fixture(scope="module")
def guarded() -> Iterator[str]:
    policy = ControlPolicy.of("127.0.0.1", hosts=["mock.internal"], origins=["https://app.example"], token="s3cret")
    app = create(policy=policy)
    with BackgroundServer(app) as server:
        yield server.url


@pytest.fixture(scope="module")
def open_loopback() -> Iterator[str]:
    app = create()
    with BackgroundServer(app) as server:
        yield server.url


def clock(url: str, **headers: str) -> httpx.Response:
    return httpx.get(url + "/_jobmock/clock", headers={"X-Jobmock-Namespace": "mine", **headers})


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "", "[::2]"])
def test_dns_rebinding_cannot_reach_the_control_api(open_loopback: str, host: str) -> None:
    assert clock(open_loopback, Host=host).status_code == 403
    # the vendor APIs answer whatever the Host: frontends reach them through proxies and tunnels
    assert httpx.get(open_loopback + EXAMPLE, headers={**ND, "Host": host or "x"}).status_code == 200


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1", "[::1]:9", "app.localhost"])
def test_loopback_hosts_reach_it(open_loopback: str, host: str) -> None:
    assert clock(open_loopback, Host=host).status_code == 200


def test_pages_of_other_origins_cannot_drive_it_even_with_simple_requests(open_loopback: str) -> None:
    evil = {"Origin": "https://evil.example"}
    before = clock(open_loopback).json()
    for method, path in (("GET", "/journal"), ("POST", "/clock/advance"), ("DELETE", "/jobs/job_2Ngd9KqLmRpW")):
        answer = httpx.request(
            method,
            open_loopback + "/_jobmock" + path,
            content=b'{"seconds": 3600}',
            headers={**evil, "Content-Type": "text/plain", "X-Jobmock-Namespace": "mine"},
        )
        assert answer.status_code == 403, (method, path)
        assert "access-control-allow-origin" not in answer.headers
    preflight = httpx.options(
        open_loopback + "/_jobmock/jobs/job_2Ngd9KqLmRpW",
        headers={**evil, "Access-Control-Request-Method": "DELETE"},
    )
    assert preflight.status_code == 403 and "access-control-allow-origin" not in preflight.headers
    after = clock(open_loopback).json()
    assert after["mode"] == before["mode"] and abs(float(after["speed"]) - float(before["speed"])) == 0
    assert httpx.get(open_loopback + "/_jobmock/jobs/job_2Ngd9KqLmRpW").status_code == 200  # not deleted


def test_loopback_pages_on_any_port_may_drive_it(open_loopback: str) -> None:
    answer = clock(open_loopback, Origin="http://localhost:5173")
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert answer.headers["access-control-allow-credentials"] == "true"


def test_the_control_token_is_required_and_the_client_passes_it(guarded: str) -> None:
    assert clock(guarded).status_code == 401
    assert clock(guarded, **{"X-Jobmock-Token": "wrong"}).status_code == 401
    assert clock(guarded, **{"X-Jobmock-Token": "s3cret"}).status_code == 200
    assert httpx.get(guarded + EXAMPLE, headers=ND).status_code == 200  # vendor APIs need none
    with pytest.raises(ControlError, match="401"):
        JobmockClient(guarded)
    with JobmockClient(guarded, token="s3cret") as client:
        assert client.create("neuraldraft")["api"] == "neuraldraft"


def test_allowed_hosts_and_origins_are_let_in(guarded: str) -> None:
    token = {"X-Jobmock-Token": "s3cret"}
    assert clock(guarded, Host="mock.internal:8000", **token).status_code == 200
    assert clock(guarded, Host="other.internal", **token).status_code == 403
    answer = clock(guarded, Origin="https://app.example", **token)
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "https://app.example"
    preflight = httpx.options(  # a browser asks first, without the token
        guarded + "/_jobmock/clock",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "x-jobmock-token"},
    )  # fmt: skip
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-headers"] == "x-jobmock-token"
