"""Bounds over HTTP: `GET /_jobmock/status`, a journal without credentials, paginated job lists."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from jobmock import BackgroundServer, JobmockClient
from support import create

ND = "neuraldraft"
SECRET = "ndsk_live_s3cr3tvalue"


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    """Small bounds; every response checked against its spec (control.yaml included)."""
    app = create(
        specs=[ND, "nextdocs"],
        seed=2,
        clock="manual",
        max_namespaces=3,
        max_jobs=300,
        journal_entries=50,
        validate_responses=True,
    )
    with BackgroundServer(app) as server:
        yield server.url


def test_status_reports_every_bound_with_its_count(url: str) -> None:
    with JobmockClient(url, "status") as mock:
        mock.create(ND, outcome="completed")
        status = mock.status()
    assert status["namespaces"]["max"] == 3 and status["namespaces"]["count"] >= 1
    assert status["jobs"]["max_per_namespace"] == 300 and status["jobs"]["count"] >= 2
    assert status["journal"]["max_entries_per_namespace"] == 50


def test_a_404_with_a_new_namespace_makes_none(url: str) -> None:
    before = httpx.get(url + "/_jobmock/status").json()["namespaces"]["count"]
    for n in range(5):
        httpx.get(url + "/favicon.ico", headers={"X-Jobmock-Namespace": f"flood-{n}"})
        httpx.get(url + f"/{ND}/v1/jobs/job_NotThereAtAl", headers={"X-Jobmock-Namespace": f"flood-{n}"})
    after = httpx.get(url + "/_jobmock/status").json()
    assert after["namespaces"]["count"] == before and after["journal"]["unjournaled"] >= 10


def test_the_journal_keeps_no_credential(url: str) -> None:
    with JobmockClient(url, "secrets") as mock:
        job = mock.create(ND, outcome="completed", token=SECRET)
        poll = mock.base_url(ND) + f"/jobs/{job['id']}?api_key=sekret123"
        httpx.get(poll, headers={**mock.headers, "Authorization": f"Bearer {SECRET}", "Cookie": "session=c00kie"})
        text = httpx.get(url + "/_jobmock/journal", headers=mock.headers).text
        (entry,) = mock.journal()
    assert SECRET not in text and SECRET[-6:] not in text and "sekret123" not in text and "c00kie" not in text
    assert entry["client"].startswith("key ") and entry["query"] == "api_key=REDACTED"


def test_jobs_are_listed_a_page_at_a_time_with_filters(url: str) -> None:
    with JobmockClient(url, "pages") as mock:
        for n in range(120):
            mock.create(ND if n % 2 else "nextdocs", outcome="failed" if n % 3 == 0 else "completed", duration=1)
        mock.create(ND, "failed-at-60")
        mock.advance(100)
        first = mock._call("GET", "/jobs")
        second = mock._call("GET", "/jobs", params={"cursor": first["next"]})
        everything = mock.jobs()
        failed_nd = mock.jobs(api=ND, status="failed")
        scripted = mock.jobs(scenario="failed-at-60")
        small = mock._call("GET", "/jobs", params={"limit": 7, "api": "nextdocs"})
    assert len(first["jobs"]) == 100 and second["next"] is None
    ids = [j["id"] for j in everything]
    assert ids == [j["id"] for j in first["jobs"] + second["jobs"]] and len(set(ids)) == len(ids)
    assert len(everything) == 123  # 121 created and the two APIs' example jobs
    assert failed_nd and all(j["api"] == ND and j["status"] == "failed" for j in failed_nd)
    assert [j["scenario"] for j in scripted] == ["failed-at-60"]
    assert len(small["jobs"]) == 7 and all(j["api"] == "nextdocs" for j in small["jobs"])


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"cursor": "abc"}])
def test_a_bad_page_request_is_refused(url: str, params: dict[str, object]) -> None:
    answer = httpx.get(url + "/_jobmock/jobs", params=params)
    assert answer.status_code == 400 and answer.headers["content-type"] == "application/problem+json"
