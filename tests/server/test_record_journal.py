"""Record and replay, the request journal and polling report, and the pytest plugin."""

from __future__ import annotations

import contextlib
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from jobmock import BackgroundServer, JobmockClient
from support import TOKENS, create

ND = "neuraldraft"
AUTH = {"Authorization": f"Bearer {TOKENS[ND]}"}


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    app = create(seed=9, clock="manual")
    with BackgroundServer(app) as server:
        yield server.url


# --- record and replay ------------------------------------------------------------------


def test_record_a_job_then_replay_it_exactly_with_new_ids(tmp_path: Path) -> None:
    app = create(specs=[ND], seed=1, clock="polls")  # each poll shows the next phase: no waiting
    out = tmp_path / "recorded.yaml"
    with BackgroundServer(app) as server:
        job = httpx.post(
            server.url + "/_jobmock/jobs", json={"api": ND, "scenario": "failed-at-60", "token": TOKENS[ND]}
        ).json()
        result = subprocess.run(
            [sys.executable, "-m", "jobmock", "record", ND, "--url", server.url + "/v1", "--job", job["id"],
             "--token", TOKENS[ND], "--interval", "0.05", "--name", "bug-1234", "--out", str(out)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "wrote scenario 'bug-1234'" in result.stdout
    text = out.read_text()
    assert TOKENS[ND] not in text  # the token is never written
    document = yaml.safe_load(text)
    scenario = document["scenarios"]["bug-1234"]
    assert scenario["recorded"]["job"] == job["id"]
    recorded = [entry["body"] for entry in scenario["timeline"]]
    assert [b["status"] for b in recorded] == ["pending", "processing", "failed"]  # each distinct answer, to the end
    assert [b["progress"] for b in recorded] == sorted(b["progress"] for b in recorded)

    # replay: one poll per recorded answer, in a poll-driven clock
    app = create(specs=[ND], fixtures=[out], clock="polls")
    with BackgroundServer(app) as server, JobmockClient(server.url) as replay:
        new = replay.create(ND, "bug-1234")
        assert new["id"] != job["id"]
        replayed = [httpx.get(new["poll_url"], headers=AUTH).json() for _ in recorded]
    assert replayed == yaml.safe_load(yaml.safe_dump(recorded).replace(job["id"], new["id"]))


def test_replay_in_real_time_follows_the_recorded_seconds(tmp_path: Path) -> None:
    fixture = tmp_path / "timed.yaml"
    body = {
        "id": "job_OLDOLDOLDOLD",
        "type": "image.generate",
        "status": "pending",
        "created_at": "2026-01-01T00:00:00Z",
    }
    fixture.write_text(
        yaml.safe_dump(
            {
                "api": ND,
                "scenarios": {
                    "timed": {
                        "recorded": {"job": "job_OLDOLDOLDOLD"},
                        "timeline": [
                            {"at": 0, "body": body},
                            {"at": 5, "body": {**body, "status": "completed"}},
                        ],
                    }
                },
            }
        )
    )
    app = create(specs=[ND], fixtures=[fixture], clock="manual", no_bundled_fixtures=True)
    with BackgroundServer(app) as server, JobmockClient(server.url) as replay:
        job = replay.create(ND, "timed")
        first = httpx.get(job["poll_url"], headers=AUTH).json()
        replay.advance(5)
        second = httpx.get(job["poll_url"], headers=AUTH).json()
    assert (first["status"], second["status"]) == ("pending", "completed")
    assert first["id"] == second["id"] == job["id"]


# --- journal and polling report -----------------------------------------------------------


def test_the_journal_lists_what_clients_asked(url: str) -> None:
    with JobmockClient(url, "journal-1") as mock:
        job = mock.create(ND, "completed")
        poll_url = mock.base_url(ND) + f"/jobs/{job['id']}"
        httpx.get(poll_url, headers={**mock.headers, **AUTH, "X-Jobmock-Client": "web-app"})
        httpx.get(poll_url, headers={**mock.headers, "Authorization": "Bearer wrong"})
        httpx.get(mock.base_url(ND) + "/jobs/job_NotThereAtAl", headers={**mock.headers, **AUTH})
        entries = mock.journal()
    assert [(e["method"], e["status"], e["job"]) for e in entries] == [
        ("GET", 200, job["id"]),
        ("GET", 401, job["id"]),
        ("GET", 404, "job_NotThereAtAl"),
    ]
    first = entries[0]
    assert first["client"] == "web-app" and first["job_status"] == "pending" and first["api"] == ND
    assert first["path"] == f"/neuraldraft/v1/jobs/{job['id']}" and first["at"].endswith("Z")


def test_a_poll_is_journaled_in_the_namespace_it_was_answered_in(url: str) -> None:
    with JobmockClient(url, "journal-header") as named, JobmockClient(url, "journal-cookie") as other:
        job = named.create(ND, "completed")
        # the header wins over the cookie, for the poll and for its journal entry alike
        headers = {"Cookie": "jobmock-namespace=journal-cookie", "X-Jobmock-Namespace": "journal-header", **AUTH}
        assert httpx.get(named.base_url(ND) + f"/jobs/{job['id']}", headers=headers).status_code == 200
        assert [e["job"] for e in named.journal()] == [job["id"]]
        assert other.journal() == []


def test_the_polling_report_names_bad_polling_habits(url: str) -> None:
    with JobmockClient(url, "journal-2") as mock:
        done = mock.create(ND, "completed")
        limited = mock.create(ND, "rate-limited")
        mock.advance(60)
        headers = {**mock.headers, **AUTH}
        for _ in range(3):
            httpx.get(mock.base_url(ND) + f"/jobs/{done['id']}", headers=headers)
        for _ in range(4):  # polls 3 and 4 get 429 Retry-After 2; the client does not wait
            httpx.get(mock.base_url(ND) + f"/jobs/{limited['id']}", headers=headers)
        report = mock.polling_report()
    (client,) = report["clients"]
    assert client["polls"] == 7 and client["jobs"] == 2
    problems = "\n".join(client["problems"])
    assert f"job {done['id']}: 2 more polls after it was completed" in problems
    waited = re.search(rf"job {limited['id']}: polled ([0-9.]+) s after a 429 that said Retry-After: 2", problems)
    assert waited is not None and float(waited.group(1)) < 2, problems
    assert re.search(r"polls every [0-9.]+ s \(median\); at least 0.5 s is kinder", problems), problems
    assert "jobmock polling report" in report["text"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SLOW_FIXTURE = """
api: neuraldraft
scenarios:
  slow-answer:
    phases: [{status: pending, duration: 1}, {status: processing, duration: 5}, {status: completed}]
    faults: [{poll: 5, latency: 60}]
"""


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_stops_at_once_and_prints_the_polling_report(stop: signal.Signals, tmp_path: Path) -> None:
    """Ctrl-C or SIGTERM: the server stops within its grace of 1 s even while an answer waits out
    a 60 s latency fault, and prints the polling report."""
    port = free_port()
    fixture = tmp_path / "slow.yaml"
    fixture.write_text(SLOW_FIXTURE)
    server = subprocess.Popen(
        [sys.executable, "-m", "jobmock", "serve", ND, "--port", str(port), "--clock", "manual", "--report-polling",
         "--fixtures", str(fixture)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                httpx.get(base + "/_jobmock/apis", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        job = httpx.post(base + "/_jobmock/jobs", json={"api": ND, "scenario": "slow-answer"}).json()
        httpx.post(base + "/_jobmock/clock/advance", json={"seconds": 60})
        for _ in range(4):
            httpx.get(job["poll_url"], headers={**AUTH, "X-Jobmock-Client": "dashboard"})
        in_flight = threading.Thread(target=lambda: _quietly_get(job["poll_url"]), daemon=True)
        in_flight.start()  # poll 5: answered after 60 s
        time.sleep(0.5)  # let it reach the server (no assertion depends on this)
    finally:
        server.send_signal(stop)
        out, _err = server.communicate(timeout=30)  # far less than the 60 s the answer would take
    assert server.returncode == 0
    assert "[namespace (default)] jobmock polling report" in out
    assert "dashboard: 4 polls of 1 jobs" in out
    assert f"! job {job['id']}: 3 more polls after it was completed" in out


def _quietly_get(url: str) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the server closes it on its way out
        httpx.get(url, headers=AUTH, timeout=90)


# --- the pytest plugin ----------------------------------------------------------------------


def test_the_pytest_plugin_serves_scenarios_moves_the_clock_and_reads_the_journal(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_failed_job_shows_the_error(jobmock):
            jobmock.clock("manual")
            job = jobmock.create("neuraldraft", "failed-at-60")
            headers = {**jobmock.headers, "Authorization": "Bearer ndsk_test_frontend"}
            assert httpx.get(job["poll_url"], headers=headers).json()["status"] == "pending"
            jobmock.advance(30)
            body = httpx.get(job["poll_url"], headers=headers).json()
            assert body["error"]["code"] == "generation_failed"
            assert [e["job_status"] for e in jobmock.journal(job=job["id"])] == ["pending", "failed"]

        def test_each_test_has_its_own_namespace(jobmock):
            assert jobmock.namespace.startswith("test-")
            assert jobmock.clock()["mode"] == "real"
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
