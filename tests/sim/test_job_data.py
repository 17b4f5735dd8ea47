"""A job made again from its small data (as another worker or a restart makes it), its
history and progress, and a replayed timeline's answers."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from pytest import approx

from jobmock.contract import load_named
from jobmock.exceptions import LifecycleError
from jobmock.sim.catalog import Catalog
from jobmock.sim.jobs import Job, JobData, NewJob, build_job
from jobmock.sim.mock import Mock
from jobmock.sim.scenarios import Entry, PhaseSpec, Scenario
from support import Memory

C = 1_700_000_000.0  # 2023-11-14T22:13:20Z
SUPERDOCS = load_named("superdocs")
STEADY = Scenario(
    "superdocs",
    "steady",
    phases=(
        PhaseSpec("pending", 10, None),
        PhaseSpec("in_progress", 100, (0, 100)),
        PhaseSpec("completed", None, None),
    ),
)
RECORDED = Scenario(
    "superdocs",
    "recorded",
    recorded_id="rec_0001",
    timeline=(
        Entry(0, None, 200, {}, {"job_id": "rec_0001", "status": "pending", "self": "/v1/jobs/rec_0001"}),
        Entry(4, None, 200, {}, {"job_id": "rec_0001", "status": "in_progress"}),
        Entry(6, None, 503, {"Retry-After": "3"}, {"error": "busy"}),  # a recorded outage, no job in it
        Entry(8, None, 200, {}, {"job_id": "rec_0001", "status": "in_progress", "progress": 50}),
        Entry(12, None, 200, {"X-Trace": "t-1"}, {"job_id": "rec_0001", "status": "completed"}),
    ),
)
THROTTLED = Scenario(
    "superdocs",
    "throttled",
    timeline=(
        Entry(0, None, 429, {"Retry-After": "1"}, {"error": "slow down"}),
        Entry(2, None, 200, {}, [{"status": "completed"}]),  # a 200 that is no job
        Entry(3, None, 300, {}, {"job_id": "x", "status": "completed"}),  # only a 2xx answer shows the job
        Entry(4, None, 200, {}, {"job_id": "x", "status": "in_progress"}),
    ),
)
BY_POLLS = Scenario(
    "superdocs",
    "by-polls",
    timeline=(
        Entry(None, 0, 200, {}, {"job_id": "x", "status": "pending"}),
        Entry(None, 2, 200, {}, {"job_id": "x", "status": "completed"}),
    ),
)


def memory(speed: float = 1.0) -> Memory:
    catalog = Catalog(scenarios={"superdocs": {s.name: s for s in (STEADY, RECORDED, THROTTLED, BY_POLLS)}})
    mock = Memory(Mock([SUPERDOCS], clock="manual", speed=speed, catalog=catalog))
    mock.set_time(C)
    return mock


def sent(mock: Memory, job: Job) -> JobData:
    """The job's data as the shared state sends it to another worker: through strict JSON."""
    wire = json.dumps(job.data.to_json(), allow_nan=False)
    return JobData.from_json(json.loads(wire), mock.scenario)


def bodies(job: Job, times: list[float]) -> list[dict[str, Any]]:
    return [job.render(t, 1.0) for t in times]


TIMES = [0.0, 9.0, 30.0, 30.5, 31.0, 60.0, 200.0]


def test_a_cancelled_job_made_again_from_its_data_shows_the_same_bodies() -> None:
    mock = memory()
    job = mock.create(NewJob(api="superdocs", scenario=STEADY))
    mock.set_time(C + 30.5)  # 20.5 s into its work: 20%
    mock.cancel(job)
    again = build_job(SUPERDOCS, sent(mock, job))
    assert again.data == job.data
    assert bodies(again, TIMES) == bodies(job, TIMES)
    statuses = [(again.status_at(t), again.progress_at(t)) for t in (9.0, 30.0, 30.5, 200.0)]
    assert statuses == [("pending", 0.0), ("in_progress", approx(0.2)), ("cancelled", 0.205), ("cancelled", 0.205)]
    assert again.finish_time == 30.5  # it ended when it was cancelled, not at its old plan's end


def test_a_decided_approval_survives_the_json_and_the_job_made_from_it_goes_on_alike() -> None:
    mock = memory()
    job = mock.create(NewJob(api="superdocs", outcome="awaiting_approval", duration=20))
    mock.set_time(C + 60)
    assert mock.status(job) == "awaiting_approval"
    mock.decide(job, True)
    data = sent(mock, job)
    assert data.decided == ((60.0, True),) and data == job.data
    again = build_job(SUPERDOCS, data)
    later = [61.0, 70.0, 500.0]
    assert bodies(again, later) == bodies(job, later)
    assert again.status_at(500.0) == "completed" and again.finish_time == job.finish_time < 500


def test_a_job_that_never_ends_is_sent_as_strict_json() -> None:
    mock = memory()
    job = mock.create(NewJob(api="superdocs", outcome="awaiting_approval", duration=20))
    assert job.data.finish == math.inf and job.data.to_json()["finish"] is None  # JSON has no infinity
    data = sent(mock, job)
    assert data.finish == math.inf and data.scenario is None and data == job.data


def test_the_history_lists_each_status_once_with_the_instant_it_was_entered() -> None:
    mock = memory(speed=2)
    job = mock.create(NewJob(api="superdocs", scenario=STEADY))
    assert mock.history(job) == [("pending", C)]
    mock.set_time(C + 30)  # 60 s of its lifecycle
    assert mock.history(job) == [("pending", C), ("in_progress", C + 5)]
    mock.set_time(C + 500)
    assert mock.history(job) == [("pending", C), ("in_progress", C + 5), ("completed", C + 55)]
    assert job.history(500.0, 1.0) == [("pending", C), ("in_progress", C + 10), ("completed", C + 110)]


def test_a_job_just_made_has_only_its_first_status_in_its_history() -> None:
    mock = memory()
    brief = Scenario(
        "superdocs", "brief", phases=(PhaseSpec("pending", 0.5, None), PhaseSpec("in_progress", None, None))
    )
    job = mock.create(NewJob(api="superdocs", scenario=brief))
    assert mock.history(job) == [("pending", C)]
    mock.set_time(C + 0.5)
    assert mock.history(job) == [("pending", C), ("in_progress", C + 0.5)]


def test_a_job_stuck_working_shows_its_working_state_once_in_its_history() -> None:
    mock = memory()
    job = mock.create(NewJob(api="superdocs", outcome="in_progress", duration=20))
    mock.set_time(C + 10_000)
    assert [status for status, _at in mock.history(job)] == ["pending", "in_progress"]
    assert 0 < (mock.progress(job) or 0) < 1 and job.finish_time == math.inf


def test_progress_is_the_share_of_the_work_done() -> None:
    mock = memory()
    job = mock.create(NewJob(api="superdocs", scenario=STEADY))
    seen = []
    for second in (0, 10, 35, 110, 300):
        mock.set_time(C + second)
        seen.append((mock.status(job), mock.progress(job)))
    assert seen == [
        ("pending", 0.0),
        ("in_progress", 0.0),
        ("in_progress", 0.25),
        ("completed", 1.0),
        ("completed", 1.0),
    ]


def answer_at(mock: Memory, job: Job, second: float) -> tuple[int, dict[str, str], Any, str | None]:
    mock.set_time(C + second)
    got = mock.poll("superdocs", job.id)
    assert got is not None
    return got.status, dict(got.headers), json.loads(got.body), got.job_status


def test_a_replayed_timeline_answers_its_recorded_polls_with_the_new_jobs_id() -> None:
    mock = memory()
    job = mock.create(NewJob(api="superdocs", scenario=RECORDED))
    assert job.id != "rec_0001"
    first = answer_at(mock, job, 0)
    assert first == (200, {}, {"job_id": job.id, "status": "pending", "self": f"/v1/jobs/{job.id}"}, "pending")
    assert answer_at(mock, job, 5)[2:] == ({"job_id": job.id, "status": "in_progress"}, "in_progress")
    assert answer_at(mock, job, 7) == (503, {"Retry-After": "3"}, {"error": "busy"}, None)  # no job shown
    assert answer_at(mock, job, 9)[2] == {"job_id": job.id, "status": "in_progress", "progress": 50}
    assert answer_at(mock, job, 20) == (200, {"X-Trace": "t-1"}, {"job_id": job.id, "status": "completed"}, "completed")


def test_a_replayed_timeline_has_a_history_and_a_status_but_no_progress() -> None:
    mock = memory(speed=2)
    job = mock.create(NewJob(api="superdocs", scenario=RECORDED))
    mock.set_time(C + 1)  # 2 s of its lifecycle
    assert (mock.status(job), mock.progress(job)) == ("pending", None)
    assert mock.history(job) == [("pending", C)]
    mock.set_time(C + 2)  # the very moment of its next answer
    assert mock.status(job) == "in_progress"
    assert mock.history(job) == [("pending", C), ("in_progress", C + 2)]
    mock.set_time(C + 3.5)  # the recorded 503: no job in it, the job is still in progress
    assert mock.status(job) == "in_progress"
    mock.set_time(C + 30)
    assert mock.status(job) == "completed"
    assert mock.history(job) == [("pending", C), ("in_progress", C + 2), ("completed", C + 6)]
    assert job.finish_time == 12.0  # its first terminal answer, in seconds of its lifecycle


def test_a_timeline_that_shows_no_job_yet_shows_the_job_in_its_initial_state() -> None:
    mock = memory()
    job = mock.create(NewJob(api="superdocs", scenario=THROTTLED))
    for second in (0, 3):
        mock.set_time(C + second)
        assert (mock.status(job), mock.history(job)) == ("pending", [("pending", C)])
    mock.set_time(C + 5)
    assert (mock.status(job), mock.history(job)) == ("in_progress", [("in_progress", C + 4)])


def test_a_timeline_by_poll_number_has_the_status_it_shows_now_as_its_history() -> None:
    mock = memory()
    job = mock.create(NewJob(api="superdocs", scenario=BY_POLLS))
    assert mock.history(job) == [("pending", C)]
    assert job.finish_time == math.inf  # it ends when polled, not at an instant
    for _ in range(3):
        mock.poll("superdocs", job.id)
    assert mock.status(job) == "completed" and mock.history(job) == [("completed", C)]


def test_a_replayed_timeline_cannot_be_cancelled_or_decided() -> None:
    mock = memory()
    job = mock.create(NewJob(api="superdocs", scenario=RECORDED))
    with pytest.raises(LifecycleError, match="cannot be cancelled"):
        job.cancel_at(1.0)
    with pytest.raises(LifecycleError, match="cannot be approved"):
        job.decide_at(1.0, True)
