"""The pure state machine: plans, snapshots, cancellation."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import replace

import pytest

from jobmock.contract import bundled_names, load_api, spec_path
from jobmock.contract.lifecycle import Lifecycle
from jobmock.exceptions import LifecycleError
from jobmock.sim.plans import (
    Phase,
    Plan,
    Snapshot,
    cancel,
    check_plan,
    default_plan,
    last_change,
    path_to,
    snapshot,
)

APIS = {name: load_api(spec_path(name)) for name in bundled_names()}
CASES = [(name, state) for name, api in APIS.items() for state in api.lifecycle.states]


@pytest.mark.parametrize(("name", "outcome"), CASES)
def test_every_declared_state_can_be_planned_and_progress_never_drops(name: str, outcome: str) -> None:
    lifecycle = APIS[name].lifecycle
    for seed in range(20):
        plan = default_plan(lifecycle, outcome, random.Random(seed))
        check_plan(plan, lifecycle)
        assert plan.final_status == outcome
        seen = [snapshot(plan, lifecycle, t / 4) for t in range(0, 200)]
        progress = [s.progress for s in seen]
        assert progress == sorted(progress)
        assert all(0.0 <= p <= 1.0 for p in progress)
        statuses = [s.status for s in seen]
        assert statuses[0] == lifecycle.initial
        assert statuses[-1] == outcome
        for before, after in itertools.pairwise(statuses):
            assert lifecycle.allows(before, after), (before, after)


def test_completed_job_reaches_full_progress_and_failed_stops_part_way() -> None:
    lifecycle = APIS["neuraldraft"].lifecycle
    done = default_plan(lifecycle, "completed", random.Random(1), duration=10)
    failed = default_plan(lifecycle, "failed", random.Random(1), duration=10)
    assert snapshot(done, lifecycle, 10.01).progress == 1.0
    assert 0.2 <= snapshot(failed, lifecycle, 100).progress <= 0.8
    assert snapshot(done, lifecycle, 5).status == "processing"


def test_duration_is_the_time_to_the_outcome() -> None:
    lifecycle = APIS["stories"].lifecycle
    plan = default_plan(lifecycle, "completed", random.Random(3), duration=6)
    assert snapshot(plan, lifecycle, 5.99).status == "processing"
    assert snapshot(plan, lifecycle, 6.001).status == "completed"


def test_working_initial_state_has_no_pending_phase() -> None:
    lifecycle = APIS["nextdocs"].lifecycle
    plan = default_plan(lifecycle, "completed", random.Random(0))
    assert snapshot(plan, lifecycle, 0).status == "processing"


def test_cancel_freezes_progress_and_is_final() -> None:
    lifecycle = APIS["superdocs"].lifecycle
    plan = default_plan(lifecycle, "completed", random.Random(2), duration=20)
    before = snapshot(plan, lifecycle, 10)
    stopped = cancel(plan, lifecycle, 10)
    check_plan(stopped, lifecycle)
    after = snapshot(stopped, lifecycle, 1000)
    assert after.status == "cancelled"
    assert after.progress == pytest.approx(before.progress)
    with pytest.raises(LifecycleError, match="already finished"):
        cancel(stopped, lifecycle, 2000)


def test_cancel_needs_a_cancelled_state() -> None:
    lifecycle = APIS["stories"].lifecycle
    plan = default_plan(lifecycle, "completed", random.Random(2))
    with pytest.raises(LifecycleError, match="no cancelled state"):
        cancel(plan, lifecycle, 1)


def test_unknown_outcome_is_refused_with_the_declared_states() -> None:
    with pytest.raises(LifecycleError, match="declared states: pending, processing"):
        path_to(APIS["neuraldraft"].lifecycle, "paused")


def test_held_states_pass_through_work_first() -> None:
    assert path_to(APIS["superdocs"].lifecycle, "awaiting_approval") == ["pending", "in_progress", "awaiting_approval"]


# A lifecycle as another vendor might declare it: two working states in turn, a cancel from either.
STAGED = Lifecycle(
    states=("queued", "extracting", "summarizing", "done", "failed", "cancelled"),
    initial="queued",
    working=("extracting", "summarizing"),
    terminal=("done", "failed", "cancelled"),
    transitions={
        "queued": ("extracting", "cancelled"),
        "extracting": ("summarizing", "failed", "cancelled"),
        "summarizing": ("done", "failed", "cancelled"),
    },
    cancelled="cancelled",
)


def seen(plan: Plan, lifecycle: Lifecycle, until: float, step: float = 0.05) -> list[Snapshot]:
    return [snapshot(plan, lifecycle, n * step) for n in range(int(until / step) + 1)]


@pytest.mark.parametrize("outcome", ["done", "failed", "cancelled", "summarizing"])
def test_several_working_states_are_worked_in_order_and_progress_rises_within_bounds(outcome: str) -> None:
    for seed in range(10):
        plan = default_plan(STAGED, outcome, random.Random(seed), duration=20)
        check_plan(plan, STAGED)
        snaps = seen(plan, STAGED, 60)
        statuses = [s.status for s in snaps]
        order = [s for s, _ in itertools.groupby(statuses)]
        expected = {
            "done": ["summarizing", "done"],
            "failed": ["failed"],  # the shortest declared path
            "cancelled": ["cancelled"],
            "summarizing": ["summarizing"],
        }[outcome]
        assert order == ["queued", "extracting", *expected]
        progress = [s.progress for s in snaps]
        assert progress == sorted(progress)
        assert all(0.0 <= p <= 1.0 for p in progress)
        if outcome in ("failed", "cancelled"):
            assert 0.2 <= progress[-1] <= 0.8
            continue
        # each working state does its share of the work: half of it when the second begins
        halfway = next(s for s in snaps if s.status == "summarizing")
        assert snapshot(plan, STAGED, halfway.entered).progress == pytest.approx(0.5)
        assert halfway.started == next(s for s in snaps if s.status == "extracting").entered
        assert halfway.entered > halfway.started


def test_a_successful_staged_job_ends_at_full_progress_when_its_duration_is_up() -> None:
    plan = default_plan(STAGED, "done", random.Random(4), duration=20)
    assert snapshot(plan, STAGED, 19.99).status == "summarizing"
    assert snapshot(plan, STAGED, 19.99).progress == pytest.approx(1.0, abs=0.01)
    end = snapshot(plan, STAGED, 20.01)
    assert (end.status, end.progress, end.finished, end.entered) == ("done", 1.0, pytest.approx(20), pytest.approx(20))


def test_a_never_ending_job_creeps_forward_then_stands_still_short_of_done() -> None:
    for name, api in APIS.items():
        lifecycle = api.lifecycle
        working = lifecycle.working[0]
        for seed in range(10):
            plan = default_plan(lifecycle, working, random.Random(seed), duration=20)
            snaps = seen(plan, lifecycle, 200, step=0.5)
            progress = [s.progress for s in snaps]
            assert progress == sorted(progress), name
            assert all(s.status == working for s in snaps if s.status != lifecycle.initial), name
            assert all(s.finished is None for s in snaps), name
            # it moves while it creeps, and then never again, part of the way
            moving = [s.progress for s in snaps if s.status == working]
            assert moving[1] > moving[0], name
            assert progress[-1] == progress[-100] and 0.0 < progress[-1] < 1.0, name


def test_the_status_right_after_a_cancel_is_cancelled_and_it_finished_then() -> None:
    lifecycle = APIS["superdocs"].lifecycle
    plan = default_plan(lifecycle, "completed", random.Random(2), duration=20)
    before = snapshot(plan, lifecycle, 10)
    stopped = cancel(plan, lifecycle, 10)
    for t in (10.0, 10.001, 11.0):
        after = snapshot(stopped, lifecycle, t)
        assert (after.status, after.finished, after.entered) == ("cancelled", 10.0, 10.0)
        assert after.progress == pytest.approx(before.progress)
    assert snapshot(stopped, lifecycle, 9.999).status == before.status
    assert snapshot(stopped, lifecycle, 9.999).progress == pytest.approx(before.progress, abs=0.01)


def test_a_job_cancelled_while_it_waits_keeps_the_progress_it_had() -> None:
    plan = default_plan(STAGED, "done", random.Random(1), duration=20)
    stopped = cancel(plan, STAGED, 0.1)
    assert [s.status for s in seen(stopped, STAGED, 1)][-1] == "cancelled"
    assert snapshot(stopped, STAGED, 100).progress == 0.0
    assert snapshot(stopped, STAGED, 100).started is None


def test_a_phase_can_start_part_of_the_way_and_moves_linearly_between_its_ends() -> None:
    phase = Phase("summarizing", 10.0, 20.0, 0.5, 0.9)
    assert [phase.progress_at(t) for t in (0, 10, 15, 20, 30)] == pytest.approx([0.5, 0.5, 0.7, 0.9, 0.9])
    assert [phase.time_of_progress(v) for v in (0.2, 0.5, 0.7, 0.9, 1.0)] == pytest.approx([10, 10, 15, 20, 20])
    held = Phase("queued", 10.0, 10.0, 0.3, 0.3)
    assert (held.progress_at(9), held.progress_at(10), held.time_of_progress(0.5)) == (0.3, 0.3, 10.0)
    forever = Phase("done", 10.0, math.inf, 0.4, 0.4)
    assert (forever.progress_at(5), forever.progress_at(1e9)) == (0.4, 0.4)


def test_a_plan_with_a_jump_in_progress_shows_it_at_the_jump() -> None:
    plan = Plan(
        (
            Phase("queued", 0.0, 2.0, 0.0, 0.0),
            Phase("extracting", 2.0, 6.0, 0.0, 0.4),
            Phase("summarizing", 6.0, 10.0, 0.6, 1.0),
            Phase("done", 10.0, math.inf, 1.0, 1.0),
        )
    )
    check_plan(plan, STAGED)
    assert [snapshot(plan, STAGED, t).progress for t in (1, 4, 5.999, 6, 8, 10, 99)] == pytest.approx(
        [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0], abs=1e-3
    )
    assert [snapshot(plan, STAGED, t).status for t in (1.999, 2, 5.999, 6, 9.999, 10)] == [
        "queued",
        "extracting",
        "extracting",
        "summarizing",
        "summarizing",
        "done",
    ]
    assert snapshot(plan, STAGED, -5) == snapshot(plan, STAGED, 0)  # before creation counts as creation


@pytest.mark.parametrize(
    ("phases", "refusal"),
    [
        ((), r"^a plan needs at least one phase$"),
        ((Phase("queued", 0.0, 5.0, 0.0, 0.0),), r"^the last phase of a plan must last forever$"),
    ],
)
def test_a_plan_has_phases_and_lasts_forever(phases: tuple[Phase, ...], refusal: str) -> None:
    with pytest.raises(LifecycleError, match=refusal):
        Plan(phases)


@pytest.mark.parametrize(
    ("statuses", "progress", "refusal"),
    [
        (("queued", "paused"), [(0, 0), (0, 0)], "unknown state 'paused'; declared: queued, extracting"),
        (("extracting", "done"), [(0, 1), (1, 1)], "must start in 'queued', not 'extracting'"),
        (("queued", "summarizing"), [(0, 0), (0, 1)], "transition 'queued' -> 'summarizing' is not declared"),
        (("queued", "extracting", "summarizing"), [(0, 0), (0, 0.5), (0.4, 1)], r"^progress must never decrease$"),
        (("queued", "extracting"), [(0, 0), (0.5, 0.2)], "never decrease"),
    ],
)
def test_a_plan_that_breaks_the_lifecycle_is_refused(
    statuses: tuple[str, ...], progress: list[tuple[float, float]], refusal: str
) -> None:
    ends = [*range(1, len(statuses)), math.inf]
    phases = tuple(
        Phase(status, float(i), float(end), float(low), float(high))
        for i, (status, end, (low, high)) in enumerate(zip(statuses, ends, progress, strict=True))
    )
    with pytest.raises(LifecycleError, match=refusal):
        check_plan(Plan(phases), STAGED)


def test_a_finished_job_cannot_change_and_cannot_be_cancelled() -> None:
    lifecycle = Lifecycle(
        states=("new", "done", "gone"),
        initial="new",
        working=(),
        terminal=("done", "gone"),
        transitions={"new": ("done",), "done": ("gone",)},
        cancelled="gone",
    )
    plan = Plan(
        (Phase("new", 0.0, 1.0, 0.0, 0.0), Phase("done", 1.0, 2.0, 1.0, 1.0), Phase("gone", 2.0, math.inf, 1.0, 1.0))
    )
    with pytest.raises(LifecycleError, match="terminal state 'done' cannot change to 'gone'"):
        check_plan(plan, lifecycle)
    done = Plan((Phase("new", 0.0, 1.0, 0.0, 0.0), Phase("done", 1.0, math.inf, 1.0, 1.0)))
    with pytest.raises(LifecycleError, match="already finished"):
        cancel(done, lifecycle, 5)
    # with no working state, a path goes straight to the outcome
    assert path_to(lifecycle, "done") == ["new", "done"]
    assert path_to(lifecycle, "new") == ["new"]


def test_a_state_that_cannot_be_cancelled_says_so() -> None:
    lifecycle = replace(STAGED, transitions={**STAGED.transitions, "summarizing": ("done", "failed")})
    plan = default_plan(lifecycle, "done", random.Random(0), duration=20)
    t = next(s.entered for s in seen(plan, lifecycle, 20) if s.status == "summarizing") + 0.1
    with pytest.raises(LifecycleError, match="a summarizing job cannot be cancelled"):
        cancel(plan, lifecycle, t)


def test_an_outcome_no_declared_path_reaches_is_refused() -> None:
    lifecycle = replace(STAGED, transitions={**STAGED.transitions, "summarizing": ("failed", "cancelled")})
    with pytest.raises(LifecycleError, match="no declared path from 'queued' to 'done'"):
        path_to(lifecycle, "done")


def test_a_phase_that_jumps_shows_its_start_value_before_and_its_end_value_from_then() -> None:
    jump = Phase("extracting", 10.0, 10.0, 0.3, 0.5)
    assert [jump.progress_at(t) for t in (9.0, 9.999, 10.0, 11.0)] == [0.3, 0.3, 0.5, 0.5]


def test_a_job_entered_its_state_when_it_first_showed_it() -> None:
    """A job that never finishes creeps and then holds in one state: it entered it once."""
    lifecycle = APIS["neuraldraft"].lifecycle
    plan = default_plan(lifecycle, "processing", random.Random(5), duration=20)
    working = [s for s in seen(plan, lifecycle, 100, step=0.5) if s.status == "processing"]
    assert {s.entered for s in working} == {working[0].entered} and working[0].entered > 0


def test_a_progress_reporter_last_changed_when_progress_reached_the_value_it_shows() -> None:
    plan = Plan(
        (
            Phase("queued", 0.0, 2.0, 0.0, 0.0),
            Phase("extracting", 2.0, 12.0, 0.0, 1.0),
            Phase("done", 12.0, math.inf, 1.0, 1.0),
        )
    )
    at = snapshot(plan, STAGED, 7.5)  # 55%
    assert last_change(at, 10, 7.5) == pytest.approx(7.0)  # shows 50%, reached at 7 s
    assert last_change(at, 100, 7.5) == pytest.approx(7.5)  # shows 55%, reached just now
    assert last_change(at, 0, 7.5) == 2.0  # a reporter without steps: when the state was entered
    assert last_change(snapshot(plan, STAGED, 2.5), 2, 2.5) == 2.0  # 0% since the state began
    assert last_change(snapshot(plan, STAGED, 50), 100, 50) == 12.0


def test_cancel_says_when_the_api_has_no_cancelled_state() -> None:
    lifecycle = APIS["stories"].lifecycle
    plan = default_plan(lifecycle, "completed", random.Random(2))
    with pytest.raises(LifecycleError, match=r"^this API declares no cancelled state$"):
        cancel(plan, lifecycle, 1)


BATCH = Lifecycle(  # OpenAI's batches, as inferred: a cancel passes through `cancelling`
    states=("validating", "in_progress", "cancelling", "completed", "failed", "cancelled"),
    initial="validating",
    working=("in_progress", "cancelling"),
    terminal=("completed", "failed", "cancelled"),
    transitions={
        "validating": ("in_progress", "failed", "cancelling", "cancelled"),
        "in_progress": ("completed", "failed", "cancelling", "cancelled"),
        "cancelling": ("cancelled",),
    },
    cancelled="cancelled",
    cancelling="cancelling",
)


def test_a_cancel_passes_through_the_cancelling_state_then_rests_cancelled() -> None:
    plan = default_plan(BATCH, "completed", random.Random(1), duration=20)
    t = 10.0
    status_then = snapshot(plan, BATCH, t).status
    progress_then = snapshot(plan, BATCH, t).progress
    moved = cancel(plan, BATCH, t)
    check_plan(moved, BATCH)
    assert snapshot(moved, BATCH, t - 0.5).status == status_then  # the past is kept
    assert [snapshot(moved, BATCH, t + s).status for s in (0, 1.9, 2, 100)] == [
        "cancelling",
        "cancelling",
        "cancelled",
        "cancelled",
    ]
    assert snapshot(moved, BATCH, 100).progress == progress_then  # no more work done
    assert cancel(moved, BATCH, t + 1) == moved  # asked again while cancelling: nothing changes
    with pytest.raises(LifecycleError, match="already finished"):
        cancel(moved, BATCH, t + 3)


def test_a_plan_never_enters_the_cancelling_state_by_itself() -> None:
    for outcome in ("completed", "failed", "cancelled"):
        for seed in range(20):
            plan = default_plan(BATCH, outcome, random.Random(seed))
            assert "cancelling" not in [p.status for p in plan.phases]


def test_a_long_chain_of_working_states_reaches_exactly_full_progress() -> None:
    """Nine working states (together's clusters): shares of 1/9 summed one by one passed 1.0
    by a rounding error, and the plan was refused as decreasing at the end."""
    working = tuple(f"step_{i}" for i in range(9))
    chain = ("start", *working, "done")
    lifecycle = Lifecycle(
        states=chain,
        initial="start",
        working=working,
        terminal=("done",),
        transitions={before: (after,) for before, after in itertools.pairwise(chain)},
    )
    for seed in range(10):
        plan = default_plan(lifecycle, "done", random.Random(seed))
        check_plan(plan, lifecycle)
        assert snapshot(plan, lifecycle, 10_000).progress == 1.0
