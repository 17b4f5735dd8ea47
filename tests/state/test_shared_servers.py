"""Several jobmock processes on one store behave as one mock, and a store outlives them.

Each test runs real `jobmock serve` processes on free loopback ports over a SQLite file
or Debian's redis-server (append-only file, fsync always), and stops them."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import TOKENS, RedisServer, ServeProcess, need_redis, wait_until

ND = {"Authorization": f"Bearer {TOKENS['neuraldraft']}"}


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    need_redis()
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "redis"])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "state.db")
    return str(request.getfixturevalue("redis").url)


def without_url(record: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in record.items() if k != "poll_url"}  # its port differs after a restart


def test_two_processes_on_one_store_act_as_one_mock(state: str, tmp_path: Path) -> None:
    with (
        ServeProcess("neuraldraft", "--state", state, log=tmp_path / "a.log") as a,
        ServeProcess("neuraldraft", "--state", state, log=tmp_path / "b.log") as b,
    ):
        job = a.http.post("/_jobmock/jobs", json={"api": "neuraldraft", "duration": 1000}).json()
        path = f"/v1/jobs/{job['id']}"
        assert b.http.get(path, headers=ND).status_code == 200  # made on a, seen on b at once

        assert a.http.post(f"/_jobmock/jobs/{job['id']}/cancel").status_code == 200
        assert b.http.get(f"/_jobmock/jobs/{job['id']}").json()["status"] == "cancelled"
        wait_until(lambda: b.http.get(path, headers=ND).json()["status"] == "cancelled", what="cancel reaching b")

        space = {"X-Jobmock-Namespace": "shared-clock"}
        a.http.put("/_jobmock/clock", json={"mode": "manual"}, headers=space)
        moved = a.http.post("/_jobmock/clock/advance", json={"seconds": 7200}, headers=space).json()
        assert b.http.get("/_jobmock/clock", headers=space).json() == moved

        b.http.get(path, headers={**ND, "X-Jobmock-Client": "from-b"})
        a.http.get(path, headers={**ND, "X-Jobmock-Client": "from-a"})

        def journal_has_both() -> bool:
            clients = {e["client"] for e in a.http.get("/_jobmock/journal").json()["entries"]}
            return {"from-a", "from-b"} <= clients

        wait_until(journal_has_both, what="b's journal entries reaching the store")

        assert b.http.delete(f"/_jobmock/jobs/{job['id']}").status_code == 204
        assert a.http.get(f"/_jobmock/jobs/{job['id']}").status_code == 404
        wait_until(lambda: a.http.get(path, headers=ND).status_code == 404, what="delete reaching a")


def test_ids_stay_unique_under_concurrent_creates_on_two_workers(tmp_path: Path) -> None:
    created: list[str] = []
    failures: list[str] = []

    def make(url: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            for _ in range(25):
                answer = http.post("/_jobmock/jobs", json={"api": "stories"})
                if answer.status_code == 201:
                    created.append(answer.json()["id"])
                else:
                    failures.append(answer.text)

    with ServeProcess("stories", "--workers", "2", log=tmp_path / "serve.log") as server:
        threads = [threading.Thread(target=make, args=(server.url,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures
        assert len(created) == len(set(created)) == 200
        listed: list[str] = []
        cursor = None
        while True:
            page = server.http.get("/_jobmock/jobs", params={"limit": 100, **({"cursor": cursor} if cursor else {})})
            listed += [job["id"] for job in page.json()["jobs"]]
            cursor = page.json()["next"]
            if cursor is None:
                break
        assert set(created) <= set(listed)
        assert len(listed) == len(set(listed))
        assert "share a SQLite file in a temporary folder" in server.log.read_text()


def test_sigkill_during_load_loses_nothing_acknowledged(
    state: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    space = {"X-Jobmock-Namespace": "durable"}
    acknowledged: dict[str, dict[str, object]] = {}
    stop = threading.Event()

    def load(url: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            while not stop.is_set():
                try:
                    answer = http.post("/_jobmock/jobs", json={"api": "neuraldraft"}, headers={**space, **ND})
                except httpx.HTTPError:
                    return  # killed mid-request: not acknowledged
                if answer.status_code == 201:
                    acknowledged[answer.json()["id"]] = answer.json()

    log = tmp_path / "serve.log"
    with ServeProcess("neuraldraft", "--state", state, log=log) as first:
        first.http.put("/_jobmock/clock", json={"mode": "manual"}, headers=space)
        clock = first.http.post("/_jobmock/clock/advance", json={"seconds": 30}, headers=space).json()
        threads = [threading.Thread(target=load, args=(first.url,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        wait_until(lambda: len(acknowledged) >= 60, what="60 creates acknowledged")
        some = next(iter(acknowledged))
        for _ in range(3):
            assert first.http.get(f"/v1/jobs/{some}", headers={**space, **ND}).status_code == 200
        journal = first.http.get("/_jobmock/journal", headers=space).json()["entries"]
        first.kill(signal.SIGKILL)  # mid-load
        stop.set()
        for thread in threads:
            thread.join()

    if "redis" in request.fixturenames:  # the store goes down hard too, and comes back from its file
        redis: RedisServer = request.getfixturevalue("redis")
        redis.stop(signal.SIGKILL)
        redis.start()

    with ServeProcess("neuraldraft", "--state", state, log=log) as second:
        assert second.http.get("/_jobmock/clock", headers=space).json() == clock
        for job_id, before in acknowledged.items():
            after = second.http.get(f"/_jobmock/jobs/{job_id}", headers=space)
            assert after.status_code == 200, job_id
            # same owner, created_at, type, outcome, and the same body at this (frozen) instant
            assert without_url(after.json()) == without_url(before)
        kept = second.http.get("/_jobmock/journal", headers=space).json()["entries"]
        assert kept[: len(journal)] == journal
        made = second.http.post("/_jobmock/jobs", json={"api": "neuraldraft"}, headers=space).json()
        assert made["id"] not in acknowledged  # a restart never issues an id again


def test_bounds_hold_across_processes_and_their_evictions_are_reported(tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    bounds = ["--max-jobs", "3", "--max-namespaces", "2"]
    with (
        ServeProcess("neuraldraft", "--state", state, *bounds, log=tmp_path / "a.log") as a,
        ServeProcess("neuraldraft", "--state", state, *bounds, log=tmp_path / "b.log") as b,
    ):
        quick = {"api": "neuraldraft", "duration": 0.001}
        for server in (a, b, a):
            assert server.http.post("/_jobmock/jobs", json=quick).status_code == 201
        for name in ("one", "two", "three"):
            b.http.get("/_jobmock/clock", headers={"X-Jobmock-Namespace": name})
        for server in (a, b):
            usage = server.http.get("/_jobmock/status").json()
            assert usage["jobs"]["evicted"] == 1  # the default namespace holds 3: the example job and 2 others
            assert usage["namespaces"]["count"] == 2
            assert usage["namespaces"]["evicted"] == 1
            assert usage["state"]["store"].startswith("sqlite:///")


def workers_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and "spawn_main" in Path(stat.parent, "cmdline").read_text():
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_sigterm_stops_every_worker_and_reports_their_polling(tmp_path: Path) -> None:
    with ServeProcess("neuraldraft", "--workers", "2", "--report-polling", log=tmp_path / "serve.log") as server:
        workers = workers_of(server.process.pid)
        assert len(workers) == 2
        for _ in range(6):  # new connections: both workers answer some
            httpx.get(server.url + "/v1/jobs/job_2Ngd9KqLmRpW", headers={**ND, "X-Jobmock-Client": "frontend"})
        assert server.kill(signal.SIGTERM) == 0
        assert not any(alive(pid) for pid in workers)
    assert "frontend: 6 polls of 1 jobs" in server.log.read_text()


def test_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    with ServeProcess("stories", "--workers", "2", log=tmp_path / "serve.log") as server:
        workers = workers_of(server.process.pid)
        assert len(workers) == 2
        server.kill(signal.SIGKILL)  # no chance to stop them: they notice on their own
        wait_until(lambda: not any(alive(pid) for pid in workers), seconds=20, what="orphaned workers ending")


def test_a_stream_on_one_process_shows_what_another_did(state: str, tmp_path: Path) -> None:
    """The dashboard's stream on process A follows jobs made, moved and deleted on process B."""
    with (
        ServeProcess("neuraldraft", "--state", state, log=tmp_path / "a.log") as a,
        ServeProcess("neuraldraft", "--state", state, log=tmp_path / "b.log") as b,
    ):
        b.http.put("/_jobmock/clock", json={"mode": "manual"})
        seen: list[tuple[str, str]] = []
        done = threading.Event()

        def listen() -> None:
            kind = ""
            with (
                contextlib.suppress(httpx.HTTPError),  # A stops at the test's end
                httpx.Client(timeout=60) as client,
                client.stream("GET", a.url + "/_jobmock/events") as answer,
            ):
                for line in answer.iter_lines():
                    if line.startswith("event: "):
                        kind = line.removeprefix("event: ")
                    elif line.startswith("data: "):
                        data = json.loads(line.removeprefix("data: "))
                        seen.append((kind, data["id"] if kind == "removed" else f"{data['id']} {data['status']}"))
                    if done.is_set():
                        return

        reader = threading.Thread(target=listen, daemon=True)
        reader.start()
        job = b.http.post("/_jobmock/jobs", json={"api": "neuraldraft", "outcome": "failed", "duration": 2}).json()
        wait_until(lambda: ("job", f"{job['id']} pending") in seen, what="process A's stream shows B's new job")
        b.http.post("/_jobmock/clock/advance", json={"seconds": 10})
        wait_until(lambda: ("job", f"{job['id']} failed") in seen, what="A's stream shows B's clock move")
        b.http.delete(f"/_jobmock/jobs/{job['id']}")
        wait_until(lambda: ("removed", job["id"]) in seen, what="A's stream shows B's delete")
        done.set()


def test_an_approval_is_decided_once_across_processes_and_outlives_them(state: str, tmp_path: Path) -> None:
    space = {"X-Jobmock-Namespace": "approvals"}
    with (
        ServeProcess("superdocs", "--state", state, log=tmp_path / "a.log") as a,
        ServeProcess("superdocs", "--state", state, log=tmp_path / "b.log") as b,
    ):
        a.http.put("/_jobmock/clock", json={"mode": "manual"}, headers=space)
        make = {"api": "superdocs", "outcome": "awaiting_approval", "duration": 10}
        jobs = [a.http.post("/_jobmock/jobs", json=make, headers=space).json() for _ in range(2)]
        b.http.post("/_jobmock/clock/advance", json={"seconds": 30}, headers=space)
        assert a.http.post(f"/_jobmock/jobs/{jobs[0]['id']}/approve", headers=space).status_code == 200
        assert b.http.get(f"/_jobmock/jobs/{jobs[0]['id']}", headers=space).json()["status"] == "in_progress"
        refused = b.http.post(f"/_jobmock/jobs/{jobs[0]['id']}/reject", headers=space)
        assert refused.status_code == 409, refused.text  # decided on a, refused on b
        assert b.http.post(f"/_jobmock/jobs/{jobs[1]['id']}/reject", headers=space).status_code == 200
        a.http.post("/_jobmock/clock/advance", json={"seconds": 600}, headers=space)
        seen = {job["id"]: a.http.get(f"/_jobmock/jobs/{job['id']}", headers=space).json()["body"] for job in jobs}
        assert [body["status"] for body in seen.values()] == ["completed", "cancelled"]
    with ServeProcess("superdocs", "--state", state, log=tmp_path / "c.log") as c:
        for job_id, body in seen.items():
            assert c.http.get(f"/_jobmock/jobs/{job_id}", headers=space).json()["body"] == body
