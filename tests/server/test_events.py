"""Server-Sent Events through HTTP: a job's stream follows a manual clock, carries what a
poll answers, ends when the job is deleted; a namespace's stream; bounds and protection."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from jobmock import BackgroundServer, ControlPolicy
from support import TOKENS, create

WAIT = 30.0  # seconds a test waits for an event before it fails (it never waits for time to pass)
MAX_EVENTS = 200  # events a test reads at most while it looks for one


class Listener:
    """Reads one event stream in a thread; `next()` gives its events one at a time."""

    def __init__(self, url: str, headers: dict[str, str] | None = None):
        self.events: queue.Queue[tuple[str, Any] | None] = queue.Queue()
        self.client = httpx.Client(timeout=WAIT)
        self.response = self.client.send(self.client.build_request("GET", url, headers=headers), stream=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        kind, data = "", ""
        try:
            for line in self.response.iter_lines():
                if line.startswith(":"):
                    self.events.put(("comment", line))
                elif line.startswith("event: "):
                    kind = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    data = line.removeprefix("data: ")
                elif not line and kind:
                    self.events.put((kind, json.loads(data)))
                    kind, data = "", ""
        except httpx.HTTPError:
            pass
        self.events.put(None)  # the stream ended

    def next(self, skip_comments: bool = True) -> tuple[str, Any] | None:
        """The next event (None: the stream ended); fails if none comes within WAIT seconds,
        keep-alive comments or not."""
        deadline = time.monotonic() + WAIT
        while True:
            item = self.events.get(timeout=max(deadline - time.monotonic(), 0.001))
            if item is None or not skip_comments or item[0] != "comment":
                return item

    def close(self) -> None:
        self.response.close()
        self.client.close()


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    app = create(specs=["neuraldraft"], clock="manual", max_streams=2, stream_heartbeat=0.05)
    with BackgroundServer(app) as running:
        yield running


def test_a_jobs_stream_follows_the_clock_carries_the_poll_body_and_ends_on_delete(server: BackgroundServer) -> None:
    http = httpx.Client(base_url=server.url, timeout=WAIT)
    job = http.post("/_jobmock/jobs", json={"api": "neuraldraft", "outcome": "completed", "duration": 4}).json()
    auth = {"Authorization": f"Bearer {TOKENS['neuraldraft']}"}
    stream = Listener(f"{server.url}/_jobmock/jobs/{job['id']}/events")
    statuses = []
    for _event in range(MAX_EVENTS):
        found = stream.next()
        assert found is not None and found[0] == "state"
        body = found[1]
        assert http.get(str(job["poll_url"]), headers=auth).json() == body  # what a poll answers now
        statuses.append(body["status"])
        if body["status"] == "completed":
            break
        http.post("/_jobmock/clock/advance", json={"seconds": 1})
    else:
        raise AssertionError(f"never completed: {statuses}")
    assert statuses[0] == "pending" and statuses.count("processing") >= 2  # progress rose over several events
    http.delete(f"/_jobmock/jobs/{job['id']}")
    assert stream.next() == ("deleted", {"id": job["id"]})
    assert stream.next() is None  # and the stream ended
    stream.close()


def test_an_idle_stream_gets_keep_alive_comments(server: BackgroundServer) -> None:
    job = httpx.post(server.url + "/_jobmock/jobs", json={"api": "neuraldraft"}).json()
    stream = Listener(f"{server.url}/_jobmock/jobs/{job['id']}/events")
    assert stream.next()[0] == "state"  # type: ignore[index]  # an event, not None, here
    assert stream.next(skip_comments=False) == ("comment", ": keep-alive")
    stream.close()


def test_streams_are_bounded_and_counted(server: BackgroundServer) -> None:
    job = httpx.post(server.url + "/_jobmock/jobs", json={"api": "neuraldraft"}).json()
    url = f"{server.url}/_jobmock/jobs/{job['id']}/events"
    first, second = Listener(url), Listener(url)
    assert first.next() is not None and second.next() is not None
    streams = httpx.get(server.url + "/_jobmock/status").json()["streams"]
    assert {k: streams[k] for k in ("open", "max", "stall_seconds")} == {"open": 2, "max": 2, "stall_seconds": 30.0}
    assert isinstance(streams["dropped"], int)  # (this process's count: other tests' servers drop some)
    third = httpx.get(url)
    assert third.status_code == 503 and third.headers["retry-after"] == "5"
    assert "--max-streams" in third.json()["detail"]
    first.close()
    second.close()


def test_a_stream_of_an_unknown_job_is_404(server: BackgroundServer) -> None:
    answer = httpx.get(server.url + "/_jobmock/jobs/job_NotThereAtAl/events")
    assert answer.status_code == 404 and answer.headers["content-type"] == "application/problem+json"


def test_a_namespaces_stream_shows_jobs_appearing_changing_and_going(server: BackgroundServer) -> None:
    space = {"X-Jobmock-Namespace": "watched"}
    http = httpx.Client(base_url=server.url, timeout=WAIT, headers=space)
    http.put("/_jobmock/clock", json={"mode": "manual"})
    stream = Listener(f"{server.url}/_jobmock/events?limit=5", headers=space)
    example = stream.next()  # the document's example job is in every namespace
    assert example is not None and example[0] == "job" and example[1]["id"] == "job_2Ngd9KqLmRpW"
    job = http.post("/_jobmock/jobs", json={"api": "neuraldraft", "duration": 2, "outcome": "failed"}).json()
    seen = stream.next()
    assert seen is not None and seen[0] == "job" and seen[1]["id"] == job["id"] and seen[1]["status"] == "pending"
    assert seen[1]["history"] == [{"status": "pending", "at": job["created_at"]}]
    http.post("/_jobmock/clock/advance", json={"seconds": 5})
    changed = stream.next()
    assert changed is not None and changed[1]["id"] == job["id"] and changed[1]["status"] == "failed"
    assert [h["status"] for h in changed[1]["history"]][-1] == "failed"
    http.delete(f"/_jobmock/jobs/{job['id']}")
    assert stream.next() == ("removed", {"id": job["id"]})
    stream.close()


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=x", "api=nope"])
def test_a_namespace_stream_with_a_bad_parameter_is_400(server: BackgroundServer, query: str) -> None:
    assert httpx.get(f"{server.url}/_jobmock/events?{query}").status_code == 400


def test_streams_keep_the_control_planes_protection() -> None:
    app = create(specs=["neuraldraft"], policy=ControlPolicy.of("127.0.0.1", token="s3cret"))
    with BackgroundServer(app) as running:
        url = running.url + "/_jobmock/events"
        assert httpx.get(url).status_code == 401
        token = {"X-Jobmock-Token": "s3cret"}
        assert httpx.get(url, headers={"Origin": "https://evil.example", **token}).status_code == 403
        assert httpx.get(url, headers={"Host": "rebound.example", **token}).status_code == 403
        with httpx.stream("GET", url, headers=token) as answer:
            assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")


def test_a_namespace_stream_tells_progress_where_the_body_shows_none() -> None:
    """nextdocs' body has no progress field: the record's progress still moves the bar, in 5% steps."""
    app = create(specs=["nextdocs"], clock="manual")
    with BackgroundServer(app) as running:
        http = httpx.Client(base_url=running.url, timeout=WAIT)
        job = http.post("/_jobmock/jobs", json={"api": "nextdocs", "outcome": "completed", "duration": 10}).json()
        stream = Listener(running.url + "/_jobmock/events?api=nextdocs")
        shown: list[float] = []
        for _event in range(MAX_EVENTS):
            found = stream.next()
            assert found is not None
            if found[1]["id"] == job["id"]:
                shown.append(found[1]["progress"])
                if shown[-1] == 100:
                    break
                http.post("/_jobmock/clock/advance", json={"seconds": 1})
        stream.close()
    assert len(shown) >= 5 and shown == sorted(shown)  # several steps, each higher, up to 100


def test_a_finished_job_made_again_under_its_id_shows_again(server: BackgroundServer) -> None:
    """Finished jobs are not looked at again, unless a poll naming another scenario remakes them."""
    space = {"X-Jobmock-Namespace": "remade"}
    http = httpx.Client(base_url=server.url, timeout=WAIT, headers=space)
    http.put("/_jobmock/clock", json={"mode": "manual"})
    poll = "/v1/jobs/job_RemadeJob001"
    auth = {"Authorization": f"Bearer {TOKENS['neuraldraft']}"}
    assert http.get(poll, headers={**auth, "Prefer": "scenario=failed-quota-exceeded"}).status_code == 200
    http.post("/_jobmock/clock/advance", json={"seconds": 5})
    stream = Listener(f"{server.url}/_jobmock/events", headers=space)
    assert next_of(stream, "job_RemadeJob001")["status"] == "failed"
    assert http.get(poll, headers={**auth, "Prefer": "scenario=completed"}).json()["status"] == "pending"
    again = next_of(stream, "job_RemadeJob001")
    assert again["status"] == "pending" and again["scenario"] == "completed"
    stream.close()


def next_of(stream: Listener, job_id: str) -> dict[str, Any]:
    """The next record of one job in a namespace's stream."""
    for _event in range(MAX_EVENTS):
        found = stream.next()
        assert found is not None
        if found[1]["id"] == job_id:
            return dict(found[1])
    raise AssertionError(f"no event for {job_id} in {MAX_EVENTS}")
