"""The pure state machine: plans, snapshots, cancellation."""

from __future__ import annotations

import itertools
import random

import pytest

from jobmock.contract import bundled_names, load_api, spec_path
from jobmock.exceptions import LifecycleError
from jobmock.sim.plans import cancel, check_plan, default_plan, path_to, snapshot

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
