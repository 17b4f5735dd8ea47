"""Scripted lifecycles over HTTP: fixtures, choosing scenarios, the clock, namespaces, faults."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from jobmock import BackgroundServer, JobmockClient
from jobmock import ControlError as JobmockError
from jobmock.contract import bundled_names, load_api, spec_path
from jobmock.exceptions import ConnectionDropped
from support import TOKENS, create

APIS = {name: load_api(spec_path(name)) for name in bundled_names()}
ND = "neuraldraft"
AUTH = {"Authorization": f"Bearer {TOKENS[ND]}"}


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config") / "jobmock.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "defaults": {"nextdocs": "failed-export"},
                "rules": [{"api": ND, "ids": "job_FAIL*", "scenario": "failed-at-60"}],
            }
        )
    )
    return path


@pytest.fixture(scope="module", params=["validated", "as served"])
def url(request: pytest.FixtureRequest, config: Path) -> Iterator[str]:
    """All five APIs with the bundled fixtures and a config; every response checked by
    Connexion, or served as `jobmock serve` does."""
    app = create(seed=5, config=config, validate_responses=request.param == "validated")
    with BackgroundServer(app) as server:
        yield server.url


@pytest.fixture
def control(url: str) -> Iterator[JobmockClient]:
    """A fresh namespace with a manual clock."""
    with JobmockClient(url, namespace=f"t-{uuid.uuid4().hex[:8]}") as client:
        client.clock("manual")
        yield client


def poll(control: JobmockClient, api: str, job_id: str, **headers: str) -> httpx.Response:
    path = APIS[api].poll_path(job_id)
    token = {"Authorization": f"Bearer {TOKENS[api]}"}
    return httpx.get(control.base_url(api) + path, headers={**control.headers, **token, **headers}, timeout=10)


def statuses_over_time(control: JobmockClient, api: str, job_id: str, steps: list[float]) -> list[str]:
    seen = []
    for seconds in steps:
        control.advance(seconds)
        seen.append(poll(control, api, job_id).json()[APIS[api].status_field])
    return seen


# --- 1. the fixtures ------------------------------------------------------------------


def test_awaiting_approval_shows_its_pending_changes(control: JobmockClient) -> None:
    job = control.create("superdocs", "awaiting-approval")
    control.advance(3)
    assert poll(control, "superdocs", job["id"]).json()["status"] == "in_progress"
    control.advance(300)
    body = poll(control, "superdocs", job["id"]).json()
    assert body["status"] == "awaiting_approval" and body["progress"] == 70
    assert [c["change_id"] for c in body["metadata"]["pending_changes"]] == ["chg_1", "chg_2"]


def test_a_scenario_runs_its_phases_with_its_result_and_error(control: JobmockClient) -> None:
    job = control.create(ND, "failed-at-60")
    seen = [poll(control, ND, job["id"]).json()]
    for _ in range(8):
        control.advance(1)
        seen.append(poll(control, ND, job["id"]).json())
    assert [b["status"] for b in seen] == ["pending"] + ["processing"] * 6 + ["failed"] * 2
    assert [b["progress"] for b in seen[1:8]] == [0, 10, 20, 30, 40, 50, 60]
    assert seen[-1]["error"] == {
        "code": "generation_failed",
        "message": "The model could not finish this job. Try again.",
    }
    assert [s["completed"] for s in seen[-1]["steps"]].count(True) == 3  # 60% of five steps


# --- 2. choosing a scenario -----------------------------------------------------------


def test_unknown_scenarios_list_the_known_ones(control: JobmockClient) -> None:
    with pytest.raises(JobmockError, match=r"unknown scenario 'nope' for neuraldraft; known: cancelled, completed"):
        control.create(ND, "nope")
    answer = poll(control, ND, "job_abcdefABCDEF", Prefer="scenario=nope")
    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith("unknown scenario 'nope' for neuraldraft; known: ")


@pytest.mark.parametrize(
    "how",
    [
        {"Prefer": "scenario=failed-content-policy"},
        {"Prefer": 'respond-async, scenario="failed-content-policy"'},
        {"Cookie": "theme=dark; jobmock-scenario=failed-content-policy"},
        "query",
    ],
)
def test_a_poll_can_choose_the_scenario(control: JobmockClient, how: Any) -> None:
    job_id = "job_" + uuid.uuid4().hex[:12]
    if how == "query":
        path = control.base_url(ND) + APIS[ND].poll_path(job_id) + "?__scenario=failed-content-policy"
        get = lambda: httpx.get(path, headers={**control.headers, **AUTH})  # noqa: E731
    else:
        get = lambda: poll(control, ND, job_id, **how)  # noqa: E731
    assert get().json()["status"] == "pending"  # an unknown id with a scenario is created on the spot
    control.advance(5)
    body = get().json()
    assert body["status"] == "failed" and body["error"]["code"] == "content_policy"
    assert control.job(job_id)["scenario"] == "failed-content-policy"


def test_a_poll_naming_another_scenario_restarts_a_job_it_made_for_the_same_key(control: JobmockClient) -> None:
    spot = "job_SpotMade0001"
    assert poll(control, ND, spot, Prefer="scenario=completed").json()["status"] == "pending"  # made on the spot
    control.advance(30)
    assert poll(control, ND, spot).json()["status"] == "completed"
    assert poll(control, ND, spot, Prefer="scenario=stuck-pending").json()["status"] == "pending"
    assert control.job(spot)["scenario"] == "stuck-pending"
    other_key = {"Authorization": "Bearer ndsk_test_someoneelse"}
    assert poll(control, ND, spot, Prefer="scenario=completed", **other_key).status_code == 404


def test_a_poll_cannot_restart_a_job_others_can_see(control: JobmockClient) -> None:
    """Jobs made through the control API, and the documents' examples, keep their course."""
    job = control.create(ND, "completed")  # no token: every key sees it
    control.advance(30)
    for job_id in (job["id"], "job_2Ngd9KqLmRpW"):
        before = poll(control, ND, job_id).json()
        assert poll(control, ND, job_id, Prefer="scenario=stuck-pending").json() == before
    assert control.job(job["id"])["scenario"] == "completed"


def test_config_rules_by_job_id_and_defaults_per_api(control: JobmockClient) -> None:
    assert poll(control, ND, "job_FAILabcdefgh").json()["status"] == "pending"  # rule: job_FAIL* → failed-at-60
    control.advance(60)
    assert poll(control, ND, "job_FAILabcdefgh").json()["error"]["code"] == "generation_failed"
    assert poll(control, ND, "job_OKabcdefghi").status_code == 404  # no rule, no scenario: the vendor's 404
    job = control.create("nextdocs")  # default for nextdocs: failed-export
    assert job["scenario"] == "failed-export"
    control.advance(10)
    assert control.job(job["id"])["body"]["error"]["code"] == "EXPORT_FAILED"


# --- 3. the clock and namespaces --------------------------------------------------------


def test_manual_clock_moves_only_when_told(control: JobmockClient) -> None:
    job = control.create(ND, "completed")
    first = poll(control, ND, job["id"]).json()
    assert control.clock()["frozen"] is True  # wall time passing moves nothing: see tests/sim/test_clock.py
    assert poll(control, ND, job["id"]).json() == first
    assert statuses_over_time(control, ND, job["id"], [1.9, 0.2, 11]) == ["pending", "processing", "completed"]
    control.set_time("2030-01-01T00:00:00Z")
    later = control.create(ND, "completed", fields={})
    assert later["created_at"] == "2030-01-01T00:00:00Z"
    assert poll(control, ND, later["id"]).json()["created_at"] == "2030-01-01T00:00:00Z"


def test_freeze_and_resume_a_real_clock(control: JobmockClient) -> None:
    control.clock("real")
    job = control.create(ND, "completed")
    frozen = control.freeze()
    assert frozen["frozen"] is True and frozen["mode"] == "real"
    resumed = control.resume()
    assert resumed["frozen"] is False and resumed["now"] >= frozen["now"]
    assert poll(control, ND, job["id"]).json()["status"] == "pending"


def test_poll_driven_clock_moves_a_job_one_phase_per_poll(control: JobmockClient) -> None:
    control.clock("polls")
    job = control.create("superdocs", "approved")
    seen = [poll(control, "superdocs", job["id"]).json()["status"] for _ in range(6)]
    assert seen == ["pending", "in_progress", "awaiting_approval", "in_progress", "completed", "completed"]


def test_namespaces_have_their_own_jobs_and_clocks(url: str) -> None:
    with JobmockClient(url, "ns-a") as a, JobmockClient(url, "ns-b") as b:
        a.clock("manual")
        b.clock("manual")
        job = a.create(ND, "completed")
        assert poll(b, ND, job["id"]).status_code == 404
        assert all(j["id"] != job["id"] for j in b._call("GET", "/jobs")["jobs"])
        a.advance(100)
        assert poll(a, ND, job["id"]).json()["status"] == "completed"
        assert b.clock()["now"] < a.clock()["now"]
        cookie = httpx.get(  # the namespace may come as a cookie too
            a.base_url(ND) + APIS[ND].poll_path(job["id"]), headers={**AUTH, "Cookie": "jobmock-namespace=ns-a"}
        )
        assert cookie.json()["status"] == "completed"


# --- 4. faults -------------------------------------------------------------------------


def test_rate_limited_polls_get_429_with_retry_after_in_the_vendor_body(control: JobmockClient) -> None:
    job = control.create(ND, "rate-limited")
    answers = [poll(control, ND, job["id"]) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 429, 429, 200]
    assert answers[2].headers["retry-after"] == "2"
    assert answers[2].json() == {"error": {"code": "too_many_requests", "message": "Too Many Requests"}}


def test_server_errors_latency_and_a_dropped_connection(control: JobmockClient) -> None:
    job = control.create(ND, "flaky")
    assert poll(control, ND, job["id"]).status_code == 200
    second = poll(control, ND, job["id"])
    assert second.status_code == 503 and second.json()["error"]["code"] == "service_unavailable"
    assert poll(control, ND, job["id"]).status_code == 200
    assert poll(control, ND, job["id"]).status_code == 200  # poll 4: late (tests/sim/test_faults.py: by 1.5 s)
    assert poll(control, ND, job["id"]).status_code == 200
    with pytest.raises(httpx.ReadError):
        poll(control, ND, job["id"])  # poll 6: the connection is reset before any byte of an answer
    assert poll(control, ND, job["id"]).status_code == 200
    faults = [e["fault"] for e in control.journal(job=job["id"])]
    assert faults == [None, "503", None, "latency", None, "drop", None]


def test_in_process_a_dropped_poll_raises_connection_dropped() -> None:
    """Under httpx's ASGITransport there is no socket to reset: a drop raises out of the app,
    never a made-up answer."""

    async def run() -> None:
        app = create(specs=[ND], clock="manual", seed=3)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
            created = (await client.post("/_jobmock/jobs", json={"api": ND, "scenario": "flaky"})).json()
            answers = [(await client.get(created["poll_url"], headers=AUTH)).status_code for _ in range(5)]
            assert answers == [200, 503, 200, 200, 200]
            with pytest.raises(ConnectionDropped):
                await client.get(created["poll_url"], headers=AUTH)
            assert (await client.get(created["poll_url"], headers=AUTH)).status_code == 200

    asyncio.run(run())


def test_a_stalled_job_stops_moving(control: JobmockClient) -> None:
    job = control.create(ND, "stalled")
    control.advance(4)
    stalled = poll(control, ND, job["id"]).json()
    control.advance(600)
    assert poll(control, ND, job["id"]).json() == stalled
    assert stalled["status"] == "processing"
