"""`JobmockClient`: driving a running jobmock from Python through its control API."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from jobmock import BackgroundServer, ControlError, ControlPolicy, JobmockClient
from support import create


@pytest.fixture(scope="module")
def guarded() -> Iterator[str]:
    app = create(policy=ControlPolicy.of("127.0.0.1", token="s3cret"))
    with BackgroundServer(app) as server:
        yield server.url


def test_the_client_reads_the_token_from_the_environment(guarded: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBMOCK_CONTROL_TOKEN", "s3cret")
    with JobmockClient(guarded) as client:
        assert client.clock()["mode"] == "real"


def test_a_namespace_dropped_starts_afresh(guarded: str) -> None:
    with JobmockClient(guarded, "drop-me", token="s3cret") as client:
        job = client.create("neuraldraft", id="job_DropDropDrop")
        client.advance(30)
        client.drop_namespace()
        assert all(j["id"] != job["id"] for j in client.jobs())  # it comes back empty, its clock anew
        assert client.create("neuraldraft", id="job_DropDropDrop")["id"] == job["id"]  # no tombstone either
    with JobmockClient(guarded, token="s3cret") as default, pytest.raises(ControlError, match="400"):
        default.drop_namespace()


def test_a_refusal_is_a_control_error_with_its_status_and_detail(guarded: str) -> None:
    with JobmockClient(guarded, "refused", token="s3cret") as client:
        with pytest.raises(ControlError, match=r"POST /_jobmock/jobs: 400 'acme' is not one of") as caught:
            client.create("acme")
        assert caught.value.status == 400
    assert httpx.get(guarded + "/_jobmock/apis").status_code == 401  # and without the token, nothing
