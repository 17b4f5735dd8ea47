"""Writes that race across processes answer as one process answers them.

Three `jobmock serve` processes on one redis-server, and two on one SQLite file, behind a
round-robin client; each race sends two conflicting writes at once (a barrier between two
threads), many rounds over, and its answers are held to what a single process answers the
same two requests with. No assertion depends on timing: only on the answers and the state
they leave."""

from __future__ import annotations

import contextlib
import itertools
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from support import TOKENS, RedisServer, ServeProcess, need_redis

ROUNDS = 50
ND = {"Authorization": f"Bearer {TOKENS['neuraldraft']}"}


class Cluster:
    """Processes on one store, and a client that sends each request to the next one."""

    def __init__(self, servers: list[ServeProcess]):
        self.servers = servers
        self._next = itertools.cycle(range(len(servers)))

    def next(self) -> ServeProcess:
        return self.servers[next(self._next)]

    def pair(self) -> tuple[ServeProcess, ServeProcess]:
        """Two different processes (the same one, for a single process)."""
        first = self.next()
        second = self.next() if len(self.servers) > 1 else first
        return first, second


@pytest.fixture(scope="module", params=["one process", "redis x3", "sqlite x2"])
def cluster(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp(request.param.replace(" ", "-"))
    with contextlib.ExitStack() as stack:
        if request.param == "one process":
            servers = [stack.enter_context(ServeProcess("neuraldraft", log=folder / "a.log"))]
        elif request.param == "redis x3":
            need_redis()
            redis = RedisServer(folder).start()
            stack.callback(redis.stop)
            servers = [
                stack.enter_context(ServeProcess("neuraldraft", "--state", redis.url, log=folder / f"{n}.log"))
                for n in "abc"
            ]
        else:
            state = str(folder / "state.db")
            servers = [
                stack.enter_context(ServeProcess("neuraldraft", "--state", state, log=folder / f"{n}.log"))
                for n in "ab"
            ]
        yield Cluster(servers)


Request = tuple[ServeProcess, str, str, dict[str, object]]  # the process, method, path, httpx arguments


def at_once(*requests: Request) -> list[httpx.Response]:
    """Send the requests from threads released together; their answers, in the order given."""
    barrier = threading.Barrier(len(requests))
    answers: list[httpx.Response | None] = [None] * len(requests)

    def send(index: int) -> None:
        server, method, path, arguments = requests[index]
        barrier.wait(timeout=30)
        answers[index] = server.http.request(method, path, **arguments)  # type: ignore[arg-type]  # httpx's keywords

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(answer is not None for answer in answers), "a request never came back"
    return [answer for answer in answers if answer is not None]


def space() -> dict[str, str]:
    return {"X-Jobmock-Namespace": f"race-{uuid.uuid4().hex[:10]}"}


def test_two_creates_of_one_id_one_stands_the_other_is_refused(cluster: Cluster) -> None:
    for n in range(ROUNDS):
        a, b = cluster.pair()
        ns = space()
        job_id = f"job_Race{n:08d}"
        make = {"api": "neuraldraft", "id": job_id}
        answers = at_once(
            (a, "POST", "/_jobmock/jobs", {"json": {**make, "type": "image.generate"}, "headers": ns}),
            (b, "POST", "/_jobmock/jobs", {"json": {**make, "type": "blog_post.generate"}, "headers": ns}),
        )
        assert sorted(answer.status_code for answer in answers) == [201, 409], [a.text for a in answers]
        stood = next(answer.json() for answer in answers if answer.status_code == 201)
        for server in cluster.servers:  # the acknowledged job is the one every process holds
            held = server.http.get(f"/_jobmock/jobs/{job_id}", headers=ns).json()
            assert (held["type"], held["created_at"]) == (stood["type"], stood["created_at"])


def test_two_cancels_of_one_job_one_cancels_the_other_is_refused(cluster: Cluster) -> None:
    for _ in range(ROUNDS):
        a, b = cluster.pair()
        ns = space()
        job = a.http.post("/_jobmock/jobs", json={"api": "neuraldraft", "duration": 1000}, headers=ns).json()
        path = f"/_jobmock/jobs/{job['id']}/cancel"
        answers = at_once((a, "POST", path, {"headers": ns}), (b, "POST", path, {"headers": ns}))
        assert sorted(answer.status_code for answer in answers) == [200, 409], [a.text for a in answers]


def test_two_deletes_of_one_job_one_deletes_the_other_finds_none(cluster: Cluster) -> None:
    for _ in range(ROUNDS):
        a, b = cluster.pair()
        ns = space()
        job = a.http.post("/_jobmock/jobs", json={"api": "neuraldraft"}, headers=ns).json()
        path = f"/_jobmock/jobs/{job['id']}"
        answers = at_once((a, "DELETE", path, {"headers": ns}), (b, "DELETE", path, {"headers": ns}))
        assert sorted(answer.status_code for answer in answers) == [204, 404], [a.text for a in answers]


def test_two_clock_advances_add_up(cluster: Cluster) -> None:
    for _ in range(ROUNDS):
        a, b = cluster.pair()
        ns = space()
        start = a.http.put("/_jobmock/clock", json={"mode": "manual"}, headers=ns).json()["now"]
        step = {"seconds": 30}
        advance = {"json": step, "headers": ns}
        answers = at_once(
            (a, "POST", "/_jobmock/clock/advance", advance), (b, "POST", "/_jobmock/clock/advance", advance)
        )
        assert all(answer.status_code == 200 for answer in answers)
        seconds = sorted(_seconds(answer.json()["now"]) - _seconds(start) for answer in answers)
        assert seconds == [30, 60]  # each answered the clock right after its own move, as in one process
        for server in cluster.servers:
            assert _seconds(server.http.get("/_jobmock/clock", headers=ns).json()["now"]) - _seconds(start) == 60


def test_a_restarted_job_counts_its_polls_anew(cluster: Cluster) -> None:
    """rate-limited five times (429 on polls 3 and 4), then flaky (503 on its 2nd poll): as in memory."""
    ns = space()
    poll_id = "job_Restarted001"
    answers = []
    for scenario in ["rate-limited"] * 5 + ["flaky"] * 3:
        server = cluster.next()
        answer = server.http.get(f"/v1/jobs/{poll_id}", headers={**ND, **ns, "Prefer": f"scenario={scenario}"})
        answers.append(answer.status_code)
    assert answers == [200, 200, 429, 429, 200, 200, 503, 200]


def _seconds(iso: str) -> float:
    return round(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp(), 3)


def test_the_spot_bound_holds_across_processes(tmp_path: Path) -> None:
    need_redis()
    redis = RedisServer(tmp_path).start()
    try:
        bound = ["--max-spot-jobs", "5"]
        with (
            ServeProcess("neuraldraft", "--state", redis.url, *bound, log=tmp_path / "a.log") as a,
            ServeProcess("neuraldraft", "--state", redis.url, *bound, log=tmp_path / "b.log") as b,
        ):
            ns = space()
            for n in range(8):
                spot = {"headers": {**ND, **ns, "Prefer": "scenario=completed"}}
                pairs = at_once(
                    (a, "GET", f"/v1/jobs/job_Spot{n:04d}0000", spot), (b, "GET", f"/v1/jobs/job_Spot{n:04d}0001", spot)
                )
                assert all(answer.status_code == 200 for answer in pairs), [answer.text for answer in pairs]
            for server in (a, b):
                status = server.http.get("/_jobmock/status").json()
                assert status["spot_jobs"]["count"] == 5, status
    finally:
        redis.stop()
