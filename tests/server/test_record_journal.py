"""Record and replay, the request journal and polling report, and the pytest plugin."""

from __future__ import annotations

import re
import subprocess
import sys
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
