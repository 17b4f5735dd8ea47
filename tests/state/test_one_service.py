"""Processes on one store serve as one: they agree on what they serve, evict namespaces by
their last use anywhere, keep one journal order that every read sees whole, and keep the
store bounded in bytes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support import TOKENS, ServeProcess, free_port, wait_until

ND = {"Authorization": f"Bearer {TOKENS['neuraldraft']}"}


def test_a_process_serving_other_options_on_the_store_refuses_to_start(tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    with ServeProcess("neuraldraft", "--state", state, "--seed", "1", log=tmp_path / "a.log"):
        other = subprocess.run(
            [sys.executable, "-m", "jobmock", "serve", "neuraldraft", "--state", state, "--seed", "2",
             "--port", str(free_port())],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert other.returncode == 2 and "serving on" not in other.stdout
        (line,) = other.stderr.strip().splitlines()
        assert line.startswith(f"jobmock: --state: sqlite:///{state} holds the state of processes serving other")
        with ServeProcess("neuraldraft", "--state", state, "--seed", "1", log=tmp_path / "b.log") as same:
            assert same.http.get("/_jobmock/status").status_code == 200  # the same options join


def test_a_namespace_used_through_one_process_is_not_evicted_by_another(tmp_path: Path) -> None:
    """Its last use is the store's (noted every few seconds): the least recently used anywhere goes."""
    state = str(tmp_path / "state.db")
    bounds = ["--max-namespaces", "3"]
    with (
        ServeProcess("neuraldraft", "--state", state, *bounds, log=tmp_path / "a.log") as a,
        ServeProcess("neuraldraft", "--state", state, *bounds, log=tmp_path / "b.log") as b,
    ):
        for name in ("kept", "old-1", "old-2"):
            a.http.get("/_jobmock/clock", headers={"X-Jobmock-Namespace": name})
        job = b.http.post("/_jobmock/jobs", json={"api": "neuraldraft"}, headers={"X-Jobmock-Namespace": "kept"})
        assert job.status_code == 201

        def noted() -> bool:  # b's use of "kept" reached the store, as each process notes its uses
            b.http.get(f"/v1/jobs/{job.json()['id']}", headers={**ND, "X-Jobmock-Namespace": "kept"})
            return _names(a)[-1] == "kept"  # the most recently used, as the store says

        wait_until(noted, seconds=30, what="b's use of the namespace noted in the store")
        a.http.get("/_jobmock/clock", headers={"X-Jobmock-Namespace": "new"})  # makes room: old-1 goes, not kept
        poll = b.http.get(f"/v1/jobs/{job.json()['id']}", headers={**ND, "X-Jobmock-Namespace": "kept"})
        assert poll.status_code == 200
        for server in (a, b):
            wait_until(
                lambda s=server: sorted(_names(s)) == ["kept", "new", "old-2"],
                seconds=30,
                what="the same eviction everywhere",
            )


def _names(server: ServeProcess) -> list[str]:
    """Least recently used first."""
    return [space["name"] for space in server.http.get("/_jobmock/namespaces").json()["namespaces"]]


def test_the_journal_read_anywhere_holds_every_request_answered_before_it(tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    with (
        ServeProcess("neuraldraft", "--state", state, log=tmp_path / "a.log") as a,
        ServeProcess("neuraldraft", "--state", state, log=tmp_path / "b.log") as b,
        ServeProcess("neuraldraft", "--state", state, log=tmp_path / "c.log") as c,
    ):
        space = {"X-Jobmock-Namespace": "journal"}
        job = a.http.post("/_jobmock/jobs", json={"api": "neuraldraft"}, headers=space).json()
        servers = [a, b, c]
        for round_ in range(10):
            sent = []
            for n, server in enumerate(servers * 3):  # round-robin, each answered before the next is sent
                client = f"r{round_}-{n}"
                assert server.http.get(f"/v1/jobs/{job['id']}", headers={**ND, **space, "X-Jobmock-Client": client})
                sent.append(client)
            reader = servers[round_ % 3]
            read = [e["client"] for e in reader.http.get("/_jobmock/journal", headers=space).json()["entries"]]
            assert read[-len(sent) :] == sent  # all of them, in the order they were answered


def test_the_store_stays_bounded_in_bytes(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    limits = ["--max-jobs", "20", "--log-bytes", "2000000", "--max-job-bytes", "200000"]
    fields = {"blob": "x" * 100_000}
    with ServeProcess("neuraldraft", "--state", str(state), *limits, log=tmp_path / "a.log") as a:
        for _ in range(150):  # 15 MB of fields in all; 20 jobs (2 MB) held at most
            made = a.http.post("/_jobmock/jobs", json={"api": "neuraldraft", "duration": 0.001, "fields": fields})
            assert made.status_code == 201, made.text
        status = a.http.get("/_jobmock/status").json()["state"]
        assert status["snapshot_at"] > 0 and status["log_bytes"] <= 2_000_000 + 110_000
    size = sum(path.stat().st_size for path in tmp_path.glob("state.db*"))
    assert size < 12_000_000, f"{size} bytes"  # a snapshot and a log at their bounds, twice over at most


def test_the_factory_under_uvicorn_workers_needs_a_shared_state(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBMOCK_")}
    env["JOBMOCK_SPECS"] = "stories"
    command = [sys.executable, "-m", "uvicorn", "--factory", "jobmock.asgi:app_from_env", "--workers", "2",
               "--port", str(free_port())]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert (
        "jobmock: JOBMOCK_STATE: several worker processes (uvicorn --workers) each hold their own jobs" in done.stderr
    )
