"""A job's timestamps as a poll shows them: when they move, at other speeds, and how precisely."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from jobmock.contract import load_named
from jobmock.sim.jobs import Job, NewJob
from jobmock.sim.mock import Mock
from jobmock.sim.scenarios import PhaseSpec, Scenario
from support import Memory

C = 1_700_000_000.0  # 2023-11-14T22:13:20Z, a whole second
WORKING = {"superdocs": "in_progress", "stories": "processing"}


def steady(api: str) -> Scenario:
    """Pending 10 s, then working 100 s with progress rising 1% a second, then completed."""
    phases = (
        PhaseSpec("pending", 10, None),
        PhaseSpec(WORKING[api], 100, (0, 100)),
        PhaseSpec("completed", None, None),
    )
    return Scenario(api, "steady", phases=phases)


def made(api: str, speed: float = 1.0, at: float = C, scripted: bool = True) -> tuple[Memory, Job]:
    mock = Memory(Mock([load_named(api)], clock="manual", speed=speed))
    mock.set_time(at)
    return mock, mock.create(NewJob(api=api, scenario=steady(api)) if scripted else NewJob(api=api, duration=30))


def epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def test_updated_at_moves_with_each_progress_tick_while_the_job_works() -> None:
    mock, job = made("superdocs")  # integer percent: a new value each second of work
    seen = []
    for second in (5, 10, 10.5, 11, 36.5, 36.9, 37, 109.99, 110, 200):
        mock.set_time(C + second)
        body = mock.body(job)
        seen.append((second, body["status"], body["progress"], epoch(body["updated_at"]) - C))
    assert seen == [
        (5, "pending", 0, 0.0),  # nothing has changed since it was created
        (10, "in_progress", 0, 10.0),  # it started working
        (10.5, "in_progress", 0, 10.0),
        (11, "in_progress", 1, 11.0),  # the first percent: updated with it
        (36.5, "in_progress", 26, 36.0),
        (36.9, "in_progress", 26, 36.0),  # no new value shown: no newer update
        (37, "in_progress", 27, 37.0),
        (109.99, "in_progress", 99, 109.0),
        (110, "completed", 100, 110.0),
        (200, "completed", 100, 110.0),  # finished: it no longer moves
    ]


def test_a_job_at_speed_10_dates_its_changes_in_wall_clock_time() -> None:
    """`--speed 10`: a 110 s lifecycle lasts 11 wall seconds, and the bodies say so."""
    mock, job = made("superdocs", speed=10)
    mock.set_time(C + 5.05)  # 50.5 s of its lifecycle: working since 10, at 40%
    body = mock.body(job)
    assert (body["status"], body["progress"]) == ("in_progress", 40)
    assert epoch(body["created_at"]) == C
    assert epoch(body["updated_at"]) == C + 5.0  # its 50th lifecycle second, the 40% tick
    mock.set_time(C + 60)
    done = mock.body(job)
    assert done["status"] == "completed" and epoch(done["updated_at"]) == C + 11.0
    assert mock.history(job) == [("pending", C), ("in_progress", C + 1.0), ("completed", C + 11.0)]


def test_started_and_finished_timestamps_at_speed_10() -> None:
    mock, job = made("stories", speed=10)
    mock.set_time(C + 0.5)
    assert "started_at" not in mock.body(job)  # stories omits them until their moment
    mock.set_time(C + 60)
    body = mock.body(job)
    assert [epoch(body[f]) - C for f in ("created_at", "started_at", "completed_at")] == [0.0, 1.0, 11.0]


@pytest.mark.parametrize(
    ("api", "created", "shown"),
    [
        ("neuraldraft", C + 0.999_999, "2023-11-14T22:13:20Z"),  # x-jobmock precision: seconds
        ("nextdocs", C + 0.999_999, "2023-11-14T22:13:20.999Z"),  # milliseconds
        ("superdocs", C + 0.999_999, "2023-11-14T22:13:20.999999Z"),  # microseconds
        ("nextdocs", C + 0.25, "2023-11-14T22:13:20.250Z"),
        ("superdocs", C + 0.25, "2023-11-14T22:13:20.250000Z"),
        ("superdocs", C, "2023-11-14T22:13:20.000000Z"),
        ("superdocs", C + 0.999_999_6, "2023-11-14T22:13:20.999999Z"),  # not the next second
    ],
)
def test_timestamps_are_written_at_the_apis_precision_never_rounded_up(api: str, created: float, shown: str) -> None:
    mock, job = made(api, at=created, scripted=False)
    body = mock.body(job)
    assert body["created_at"] == body["updated_at"] == shown  # truncated: never after the instant it names


def test_timestamps_are_utc_whatever_the_servers_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        mock, job = made("superdocs", scripted=False)
        assert mock.body(job)["created_at"] == "2023-11-14T22:13:20.000000Z"
    finally:
        monkeypatch.undo()
        time.tzset()
