"""`jobmock proxy --record DIR`: a job polled through the proxy by two clients becomes a
fixture that `jobmock serve --fixtures` loads and replays, the same states and bodies at the
same seconds, with no credential written."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from jobmock import BackgroundServer, JobmockClient, ProxyOptions, SpecError, create_proxy
from jobmock.contract import bundled_names, load_api, spec_path
from jobmock.sim.clock import Clock
from jobmock.sim.jobs import NewJob
from jobmock.sim.store import JobStore
from support import TOKENS, create

ND = "neuraldraft"
AUTH = {"Authorization": f"Bearer {TOKENS[ND]}"}
TERMINAL = ("completed", "failed", "cancelled")


@contextmanager
def recording(upstream: str, folder: Path, **options: Any) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """A proxy recording to `folder` in front of `upstream`; two clients of it. The proxy is
    stopped (and writes what it holds) when the block ends."""
    app = create_proxy(ProxyOptions(ND, upstream, port=0, record=str(folder), **options))
    with (
        BackgroundServer(app, relay=True) as server,
        httpx.Client(base_url=server.url, timeout=10) as one,
        httpx.Client(base_url=server.url, timeout=10) as two,
    ):
        yield one, two


def distinct(bodies: list[Any]) -> list[Any]:
    """Each answer once, as long as it holds (the timeline's entries)."""
    return [body for i, body in enumerate(bodies) if i == 0 or body != bodies[i - 1]]


def with_id(bodies: list[Any], old: str, new: str) -> list[Any]:
    return list(json.loads(json.dumps(bodies).replace(old, new)))


def only_scenario(path: Path) -> tuple[str, dict[str, Any]]:
    document = yaml.safe_load(path.read_text())
    assert document["api"] == ND
    ((name, scenario),) = document["scenarios"].items()
    return name, dict(scenario)


def test_a_job_two_clients_poll_is_replayed_with_the_same_states_bodies_and_seconds(tmp_path: Path) -> None:
    folder = tmp_path / "recorded"  # made by the proxy
    upstream_app = create(specs=[ND], seed=5, clock="polls")  # each poll shows the job's next phase
    with BackgroundServer(upstream_app) as upstream, JobmockClient(upstream.url) as control:
        control.set_time(datetime.fromtimestamp(time.time() - 3600, UTC))  # its bodies' times behind its Date
        job = control.create(ND, outcome="completed", duration=20, token=TOKENS[ND])
        path = f"/v1/jobs/{job['id']}"
        seen: list[tuple[float, float, Any]] = []  # before the request, after the answer, its body
        with recording(upstream.url + "/v1", folder) as clients:
            for i in range(40):
                time.sleep(0.02)  # answers far enough apart that each keeps its own second (to the millisecond)
                before = time.monotonic()
                answer = clients[i % 2].get(path, headers=AUTH)
                seen.append((before, time.monotonic(), answer.json()))
                assert answer.status_code == 200 and "jobmock-violations" not in answer.headers, answer.headers
                if answer.json()["status"] in TERMINAL:
                    break
            written = sorted(p.name for p in folder.iterdir())  # as the job ended, before its end was relayed
            again = clients[(i + 1) % 2].get(path, headers=AUTH).json()  # the other client, after the end
            counts = clients[0].get("/_jobmock/violations").json()["jobs"]
    assert written == [f"neuraldraft.recorded-{job['id']}.yaml"]
    assert again == seen[-1][2]
    assert {k: counts[k] for k in ("recorded", "recorded_files", "not_recorded", "max_recorded")} == {
        "recorded": 1,
        "recorded_files": 1,
        "not_recorded": 0,
        "max_recorded": 100,
    }

    recorded = folder / written[0]
    assert TOKENS[ND] not in recorded.read_text()
    name, scenario = only_scenario(recorded)
    assert name == f"recorded-{job['id']}"
    assert scenario["recorded"]["job"] == job["id"] and scenario["recorded"]["from"] == upstream.url + "/v1"
    assert "breaksContract" not in scenario  # the mock's lifecycle keeps its document
    bodies = distinct([body for _, _, body in seen])
    timeline = scenario["timeline"]
    assert [entry["body"] for entry in timeline] == bodies
    assert [entry["status"] for entry in timeline] == [200] * len(bodies)
    states = [body["status"] for body in bodies]
    assert states[0] == "pending" and states[-1] == "completed" and "processing" in states, states
    # each answer at the second the proxy relayed it, counted from the job's first answer
    first = [next(i for i, (_, _, body) in enumerate(seen) if body == shown) for shown in bodies]
    for entry, i in zip(timeline, first, strict=True):
        assert seen[i][0] - seen[0][1] - 0.001 <= entry["at"] <= seen[i][1] - seen[0][0] + 0.001, (entry["at"], i)

    # serve it: the file is checked against the contract at start-up, then one poll a phase
    with (
        BackgroundServer(create(specs=[ND], fixtures=[folder], clock="polls")) as replay,
        JobmockClient(replay.url) as control,
    ):
        new = control.create(ND, name)
        replayed = [httpx.get(new["poll_url"], headers=AUTH).json() for _ in bodies]
    assert new["id"] != job["id"]
    assert replayed == with_id(bodies, job["id"], new["id"])

    # and in time: each answer from its recorded second until the next one's
    ats = [entry["at"] for entry in timeline]
    with (
        BackgroundServer(create(specs=[ND], fixtures=[recorded], clock="manual")) as replay,
        JobmockClient(replay.url) as control,
    ):
        new = control.create(ND, name)
        now, timed = 0.0, []
        for at, following in zip(ats, [*ats[1:], ats[-1] + 2], strict=True):
            control.advance((at + following) / 2 - now)
            now = (at + following) / 2
            timed.append(httpx.get(new["poll_url"], headers=AUTH).json())
    assert timed == with_id(bodies, job["id"], new["id"])


class Vendor:
    """An upstream answering one job's polls from a list, the n-th poll its n-th answer (the
    last one again after that), whoever sends it."""

    def __init__(self, answers: list[tuple[int, dict[str, str], Any]]):
        self.answers = answers
        self.asked = 0
        self.app = Starlette(routes=[Route("/v1/jobs/{id}", self.answer)])

    async def answer(self, request: Request) -> Response:
        status, headers, body = self.answers[min(self.asked, len(self.answers) - 1)]
        self.asked += 1
        return Response(json.dumps(body), status, headers=headers, media_type="application/json")


def rendered(job_id: str, seconds: list[int]) -> list[dict[str, Any]]:
    """A neuraldraft job as the mock renders it, at the given seconds of its life."""
    apis = {name: load_api(spec_path(name)) for name in bundled_names()}
    job = JobStore(apis, seed=3).create(NewJob(api=ND, id=job_id, duration=10), Clock.at(1_750_000_000.0))
    return [copy.deepcopy(job.render(float(t), 1.0)) for t in seconds]


def test_no_credential_is_written_and_a_vendor_bug_is_kept_marked(tmp_path: Path) -> None:
    """The vendor echoes each client's own credential (not shaped like a key: only the request
    tells it is one) and a signed URL; one answer breaks the schema, one has a status the
    document does not declare."""
    secret, other, signature = "opaque-credential-5c1f", "second-client-key-77aa", "sig-8d8d8d8d"
    pending, processing, completed = rendered("job_Recorded0001", [0, 3, 11])
    answers: list[tuple[int, dict[str, str], Any]] = [
        (200, {}, {**pending, "message": f"Queued for {secret}"}),
        (200, {}, {**processing, "message": f"Working for {other}", "progress": 150}),  # past its maximum
        (429, {"Retry-After": "1"}, {"error": {"code": "rate_limited", "message": "Slow down."}}),
        (418, {}, {"error": {"code": "teapot", "message": "No."}}),  # declared nowhere: left out
        (200, {}, {**completed, "webhook": f"https://hooks.example.com/done?X-Amz-Signature={signature}"}),
    ]
    vendor = Vendor(answers)
    folder = tmp_path / "recorded"
    with BackgroundServer(vendor.app, relay=True) as upstream, recording(upstream.url + "/v1", folder) as (one, two):
        for client, key in [(one, secret), (two, other), (one, secret), (two, other), (one, secret)]:
            client.get("/v1/jobs/job_Recorded0001", params={"api_key": key}, headers={"X-Api-Key": key})
    (recorded,) = folder.iterdir()
    text = recorded.read_text()
    for value in (secret, other, signature):
        assert value not in text
    _name, scenario = only_scenario(recorded)
    timeline = scenario["timeline"]
    assert [(entry["status"], entry.get("headers")) for entry in timeline] == [
        (200, None),
        (200, None),
        (429, {"Retry-After": "1"}),
        (200, None),
    ]
    assert timeline[0]["body"]["message"] == "Queued for REDACTED"
    assert scenario["breaksContract"].startswith("recorded as answered (timeline entry 2, at ")
    assert "progress: 150 is greater than the maximum of 100" in scenario["breaksContract"]
    # it loads (the bug is marked) and replays the bug as recorded
    with (
        BackgroundServer(create(specs=[ND], fixtures=[recorded], clock="polls")) as replay,
        JobmockClient(replay.url) as control,
    ):
        new = control.create(ND, _name)
        replayed = [httpx.get(new["poll_url"], headers=AUTH) for _ in timeline]
    assert [r.status_code for r in replayed] == [200, 200, 429, 200]
    assert replayed[1].json()["progress"] == 150


def test_jobs_past_the_cap_are_counted_and_a_job_not_ended_is_written_on_shutdown(tmp_path: Path) -> None:
    upstream_app = create(specs=[ND], seed=5, clock="manual")  # nothing moves: the jobs stay pending
    folder = tmp_path / "recorded"
    with BackgroundServer(upstream_app) as upstream, JobmockClient(upstream.url) as control:
        jobs = [control.create(ND, outcome="completed", token=TOKENS[ND]) for _ in range(3)]
        with recording(upstream.url + "/v1", folder, max_recorded=1) as (one, two):
            for job in jobs:
                for client in (one, two):
                    assert client.get(f"/v1/jobs/{job['id']}", headers=AUTH).status_code == 200
            assert not folder.exists()  # no job has ended: nothing written yet
            counts = one.get("/_jobmock/violations").json()["jobs"]
    assert (counts["recorded"], counts["recorded_files"], counts["not_recorded"]) == (1, 0, 2)
    assert sorted(p.name for p in folder.iterdir()) == [f"neuraldraft.recorded-{jobs[0]['id']}.yaml"]
    _name, scenario = only_scenario(folder / f"neuraldraft.recorded-{jobs[0]['id']}.yaml")
    assert ": 2 polls over " in scenario["description"]
    assert scenario["description"].endswith(" s, still pending when the proxy stopped")
    assert [entry["body"]["status"] for entry in scenario["timeline"]] == ["pending"]


def test_a_folder_it_cannot_write_is_refused_before_anything_binds(tmp_path: Path) -> None:
    a_file = tmp_path / "taken"
    a_file.write_text("")
    with pytest.raises(SpecError, match=r"--record: .*not a folder"):
        ProxyOptions(ND, "http://127.0.0.1:9/v1", record=str(a_file))
    done = subprocess.run(
        [sys.executable, "-m", "jobmock", "proxy", ND, "--upstream", "http://127.0.0.1:9/v1",
         "--record", str(a_file / "below")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == f"jobmock: --record: '{a_file / 'below'}': cannot write there\n"
