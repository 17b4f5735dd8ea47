"""The store goes down under two processes, and comes back with its data or without it.

While Debian's redis-server is stopped, what needs the store is answered 503 with
Retry-After in the API's envelope, what does not is answered as before, and each process
says so once; when it comes back, the processes recover on their own and count it. A
store that comes back empty is noticed: every process reloads it, and none serves the
jobs it no longer holds."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

from support import TOKENS, RedisServer, ServeProcess, free_port, need_redis, wait_until

ND = {"Authorization": f"Bearer {TOKENS['neuraldraft']}"}
SPACE = {"X-Jobmock-Namespace": "outage"}


def status(server: ServeProcess) -> dict[str, object]:
    answer = server.http.get("/_jobmock/status")
    return dict(answer.json()["state"]) if answer.status_code == 200 else {"answered": answer.status_code}


def test_a_store_outage_is_answered_cleanly_and_recovered_from(tmp_path: Path) -> None:
    need_redis()
    folder = tmp_path / "redis"
    folder.mkdir()
    redis = RedisServer(folder).start()
    try:
        with (
            ServeProcess("neuraldraft", "--state", redis.url, log=tmp_path / "a.log") as a,
            ServeProcess("neuraldraft", "--state", redis.url, log=tmp_path / "b.log") as b,
        ):
            job = a.http.post("/_jobmock/jobs", json={"api": "neuraldraft", "duration": 1000}, headers=SPACE).json()
            poll = f"/v1/jobs/{job['id']}"
            assert b.http.get(poll, headers={**ND, **SPACE}).status_code == 200

            redis.stop(signal.SIGKILL)
            made = a.http.post("/_jobmock/jobs", json={"api": "neuraldraft"}, headers=SPACE)
            assert made.status_code == 503 and made.headers["retry-after"] == "2"
            assert made.headers["content-type"] == "application/problem+json" and "cannot be reached" in made.text
            unknown = b.http.get("/v1/jobs/job_NotYetKnown1", headers={**ND, **SPACE})
            assert unknown.status_code == 503 and unknown.headers["retry-after"] == "2"
            assert unknown.json()["error"]["code"] == "service_unavailable"  # neuraldraft's own envelope
            for _ in range(20):  # a job the process holds needs no store
                assert b.http.get(poll, headers={**ND, **SPACE}).status_code == 200
            wait_until(lambda: status(a).get("answered") == 503, seconds=30, what="a's status saying 503")

            redis.start()  # with its file: every acknowledged change is back
            for server in (a, b):
                wait_until(lambda s=server: status(s).get("outages") == 1, seconds=30, what="the outage counted")
            again = a.http.post("/_jobmock/jobs", json={"api": "neuraldraft"}, headers=SPACE)
            assert again.status_code == 201
            assert b.http.get(f"/_jobmock/jobs/{again.json()['id']}", headers=SPACE).status_code == 200
            for server in (a, b):  # one line per outage, not one per request (nor a traceback)
                text = server.log.read_text()
                assert text.count("cannot be reached") == 1, text
                assert "Traceback" not in text

            redis.stop(signal.SIGKILL)
            shutil.rmtree(folder)  # it comes back empty, as a Redis without persistence would
            folder.mkdir()
            redis.start()
            for server in (a, b):
                wait_until(
                    lambda s=server: s.http.get(f"/_jobmock/jobs/{job['id']}", headers=SPACE).status_code == 404,
                    seconds=30,
                    what="the emptied store noticed: the job it lost is gone",
                )
                assert int(str(status(server)["reloads"])) >= 1
            fresh = a.http.post("/_jobmock/jobs", json={"api": "neuraldraft"}, headers=SPACE)
            assert fresh.status_code == 201, (fresh.text, a.log.read_text())
            wait_until(
                lambda: b.http.get(f"/_jobmock/jobs/{fresh.json()['id']}", headers=SPACE).status_code == 200,
                seconds=30,
                what="a new job made after the store came back empty, seen on both",
            )
    finally:
        redis.stop()


def test_a_store_that_cannot_be_reached_at_start_up_stops_with_one_line() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0?password=s3cret"  # nothing listens there
    done = subprocess.run(
        [sys.executable, "-m", "jobmock", "serve", "neuraldraft", "--state", url, "--port", str(free_port())],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "serving on" not in done.stdout
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("jobmock: --state: cannot reach Redis at redis://127.0.0.1:") and "s3cret" not in line
