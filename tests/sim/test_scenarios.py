"""A scenario file's phases and timelines as a job plays them: when each status starts and ends, the
progress a poll shows when the file leaves it unsaid, the literal answer in force at an instant or
a poll, and a recorded job's id rewritten for the jobs that replay it.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from jobmock.contract import load_named
from jobmock.exceptions import LifecycleError
from jobmock.sim.plans import Phase
from jobmock.sim.scenarios import Entry, PhaseSpec, build_plan, rewrite_ids, timeline_entry

LIFECYCLE = load_named("neuraldraft").lifecycle  # pending, processing (working), completed / failed / cancelled


def plan(*phases: PhaseSpec) -> tuple[Phase, ...]:
    return build_plan(phases, LIFECYCLE).phases


def spans(*phases: PhaseSpec) -> list[tuple[str, float, float, float, float]]:
    return [(p.status, p.start, p.end, p.progress_from, p.progress_to) for p in plan(*phases)]


def test_phases_follow_one_another_and_the_last_lasts_forever() -> None:
    assert spans(
        PhaseSpec("pending", 2, None), PhaseSpec("processing", 3.5, None), PhaseSpec("completed", None, None)
    ) == [
        ("pending", 0, 2, 0, 0),
        ("processing", 2, 5.5, 0, 1),
        ("completed", 5.5, math.inf, 1, 1),
    ]


def test_a_last_phase_given_a_duration_still_lasts_forever() -> None:
    phases = plan(PhaseSpec("pending", 2, None), PhaseSpec("processing", 7, None))
    assert phases[-1].start == 2 and phases[-1].end == math.inf


def test_only_the_last_phase_may_go_without_a_duration() -> None:
    with pytest.raises(LifecycleError) as refused:
        plan(PhaseSpec("pending", 1, None), PhaseSpec("processing", None, None), PhaseSpec("completed", None, None))
    assert str(refused.value) == "phase 2 (processing) needs a duration: only the last phase lasts forever"


def test_a_phase_of_no_duration_takes_no_time() -> None:
    assert spans(PhaseSpec("pending", 0, None), PhaseSpec("processing", 1, None), PhaseSpec("failed", None, None)) == [
        ("pending", 0, 0, 0, 0),
        ("processing", 0, 1, 0, 0),
        ("failed", 1, math.inf, 0, 0),
    ]


def test_progress_given_in_percent_is_shown_as_a_share() -> None:
    assert spans(
        PhaseSpec("pending", 1, (0, 10)), PhaseSpec("processing", 4, (10, 70)), PhaseSpec("failed", None, None)
    ) == [
        ("pending", 0, 1, 0, 0.1),
        ("processing", 1, 5, 0.1, 0.7),
        ("failed", 5, math.inf, 0.7, 0.7),
    ]


def test_progress_left_unsaid_holds_the_previous_value() -> None:
    assert spans(
        PhaseSpec("pending", 1, None),
        PhaseSpec("processing", 2, (20, 40)),
        PhaseSpec("processing", 2, None),
        PhaseSpec("failed", None, None),
    ) == [
        ("pending", 0, 1, 0, 0),
        ("processing", 1, 3, 0.2, 0.4),
        ("processing", 3, 5, 0.4, 0.4),
        ("failed", 5, math.inf, 0.4, 0.4),
    ]


def test_the_working_phase_before_success_rises_to_100_and_success_shows_100() -> None:
    assert spans(
        PhaseSpec("pending", 1, None),
        PhaseSpec("processing", 2, (0, 30)),
        PhaseSpec("processing", 2, None),
        PhaseSpec("completed", None, None),
    )[2:] == [("processing", 3, 5, 0.3, 1), ("completed", 5, math.inf, 1, 1)]
    quick = replace(LIFECYCLE, transitions={**LIFECYCLE.transitions, "pending": ("processing", "completed")})
    phases = build_plan((PhaseSpec("pending", 1, None), PhaseSpec("completed", None, None)), quick).phases
    assert [(p.progress_from, p.progress_to) for p in phases] == [
        (0, 0),
        (1, 1),
    ]  # pending is no working state: it holds


def test_a_phase_held_forever_does_not_keep_rising() -> None:
    assert spans(PhaseSpec("pending", 1, None), PhaseSpec("processing", None, (20, 60)))[-1] == (
        "processing", 1, math.inf, 0.6, 0.6,
    )  # fmt: skip


def test_a_phase_keeps_the_fields_it_sets() -> None:
    phases = plan(
        PhaseSpec("pending", 1, None, {"message": "queued"}),
        PhaseSpec("failed", None, None, {"error": {"code": "boom"}}),
    )
    assert [p.fields for p in phases] == [{"message": "queued"}, {"error": {"code": "boom"}}]


def test_phases_the_lifecycle_forbids_are_refused() -> None:
    with pytest.raises(LifecycleError):
        plan(PhaseSpec("completed", 1, None), PhaseSpec("processing", None, None))


def entry(at: float | None = None, poll: int | None = None, status: int = 200) -> Entry:
    return Entry(at=at, poll=poll, status=status, headers={}, body={"n": status})


def test_the_answer_in_force_is_the_latest_reached_by_time() -> None:
    timeline = (entry(at=0, status=202), entry(at=5, status=200), entry(at=10, status=410))
    assert [timeline_entry(timeline, t, 1).status for t in (0, 4.99, 5, 9.9, 10, 1e9)] == [202, 202, 200, 200, 410, 410]


def test_the_answer_in_force_is_the_latest_reached_by_poll() -> None:
    timeline = (entry(poll=1, status=202), entry(poll=3, status=200), entry(poll=5, status=500))
    assert [timeline_entry(timeline, 0, poll).status for poll in (1, 2, 3, 4, 5, 9)] == [202, 202, 200, 200, 500, 500]


def test_before_any_entry_is_reached_the_first_answers() -> None:
    timeline = (entry(at=2, status=202), entry(poll=4, status=200))
    assert timeline_entry(timeline, 1, 1).status == 202
    assert timeline_entry(timeline, 0, 4).status == 200


def test_an_entry_given_neither_time_nor_poll_is_never_reached() -> None:
    timeline = (entry(at=0, status=202), entry(status=500))
    assert timeline_entry(timeline, 100, 100).status == 202


def test_a_recorded_id_is_rewritten_everywhere_in_a_body_but_its_keys() -> None:
    body = {
        "id": "rec_1",
        "url": "https://api.example/jobs/rec_1/result",
        "items": ["rec_1", 3, None, {"rec_1": "see rec_1"}],
        "done": True,
        "size": 1.5,
    }
    assert rewrite_ids(body, "rec_1", "job_2") == {
        "id": "job_2",
        "url": "https://api.example/jobs/job_2/result",
        "items": ["job_2", 3, None, {"rec_1": "see job_2"}],
        "done": True,
        "size": 1.5,
    }
    assert rewrite_ids("rec_1 and rec_1", "rec_1", "x") == "x and x"
    assert rewrite_ids(7, "rec_1", "x") == 7
