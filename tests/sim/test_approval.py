"""Approving and rejecting a job that waits for approval (x-jobmock.approval), without HTTP:
the plan it then follows, a decision as a change applied in the log's order, refusals that
change nothing, and a log replayed to the same job."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import replace

import pytest

from jobmock.contract import load_named
from jobmock.contract.lifecycle import Approval, Lifecycle
from jobmock.exceptions import LifecycleError
from jobmock.sim.catalog import Catalog
from jobmock.sim.changes import JobDecided, from_json, to_json
from jobmock.sim.jobs import NewJob
from jobmock.sim.mock import Mock
from jobmock.sim.plans import Phase, Plan, check_plan, decide, default_plan, snapshot
from jobmock.sim.scenarios import PhaseSpec, Scenario
from support import Memory

SD = load_named("superdocs")
ND = load_named("neuraldraft")
LIFECYCLE = SD.lifecycle
APPROVED = Scenario(  # waits 6 s for approval, then 4 s more work, as the bundled `approved`
    api=SD.name,
    name="approved",
    phases=(
        PhaseSpec("pending", 1, None),
        PhaseSpec("in_progress", 4, (0, 60)),
        PhaseSpec("awaiting_approval", 6, (60, 60)),
        PhaseSpec("in_progress", 4, (60, 100)),
        PhaseSpec("completed", None, None),
    ),
)


def mock() -> Memory:
    catalog = Catalog()
    catalog.scenarios[SD.name] = {"approved": APPROVED}
    return Memory(Mock([SD, ND], clock="manual", catalog=catalog))


def statuses(plan: object, until: float) -> list[str]:
    return [snapshot(plan, LIFECYCLE, t / 4).status for t in range(int(until * 4))]  # type: ignore[arg-type]


def test_superdocs_declares_its_approval() -> None:
    approval = LIFECYCLE.approval
    assert approval is not None
    assert (approval.state, approval.approve, approval.reject) == ("awaiting_approval", "in_progress", "cancelled")
    assert ND.lifecycle.approval is None


@pytest.mark.parametrize("seed", range(10))
def test_approved_the_job_works_on_to_success_and_progress_never_drops(seed: int) -> None:
    plan = default_plan(LIFECYCLE, "awaiting_approval", random.Random(seed), duration=10)
    waiting = snapshot(plan, LIFECYCLE, 20)
    assert waiting.status == "awaiting_approval"
    approved = decide(plan, LIFECYCLE, 20, approved=True)
    check_plan(approved, LIFECYCLE)
    seen = [snapshot(approved, LIFECYCLE, t / 4) for t in range(0, 400)]
    assert [s.progress for s in seen] == sorted(s.progress for s in seen)
    assert snapshot(approved, LIFECYCLE, 19.9).status == "awaiting_approval"
    assert snapshot(approved, LIFECYCLE, 20.1).status == "in_progress"
    assert seen[-1].status == "completed" and seen[-1].progress == 1.0
    for before, after in itertools.pairwise(s.status for s in seen):
        assert LIFECYCLE.allows(before, after), (before, after)


def test_rejected_the_job_is_cancelled_where_it_stood() -> None:
    plan = default_plan(LIFECYCLE, "awaiting_approval", random.Random(1), duration=10)
    held = snapshot(plan, LIFECYCLE, 15).progress
    rejected = decide(plan, LIFECYCLE, 15, approved=False)
    check_plan(rejected, LIFECYCLE)
    after = snapshot(rejected, LIFECYCLE, 1000)
    assert (after.status, after.progress) == ("cancelled", held)


def test_only_a_job_awaiting_approval_can_be_decided() -> None:
    plan = default_plan(LIFECYCLE, "awaiting_approval", random.Random(2), duration=10)
    with pytest.raises(LifecycleError, match="the job is pending, not awaiting_approval"):
        decide(plan, LIFECYCLE, 0, approved=True)
    done = decide(plan, LIFECYCLE, 20, approved=True)
    with pytest.raises(LifecycleError, match="not awaiting_approval"):
        decide(done, LIFECYCLE, 1000, approved=False)
    with pytest.raises(LifecycleError, match=r"^this API declares no approval state$"):
        decide(default_plan(ND.lifecycle, "completed", random.Random(0)), ND.lifecycle, 5, approved=True)


def test_a_scripted_continuation_goes_on_from_the_approval() -> None:
    m = mock()
    job = m.create(NewJob(api=SD.name, scenario=APPROVED))
    m.advance(6)  # 1 s pending, 4 s working: waiting since 5 s, scripted to wait until 11 s
    assert m.status(job) == "awaiting_approval"
    m.decide(job, approved=True)
    assert m.status(job) == "in_progress"
    m.advance(3.9)
    assert m.status(job) == "in_progress"
    m.advance(0.2)  # 4 s of scripted work after the approval, not after the scripted wait
    assert m.status(job) == "completed"
    assert [s for s, _ in m.history(job)] == ["pending", "in_progress", "awaiting_approval", "in_progress", "completed"]


def test_a_refused_decision_changes_nothing() -> None:
    m = mock()
    job = m.create(NewJob(api=SD.name, outcome="awaiting_approval", duration=10))
    with pytest.raises(LifecycleError, match="not awaiting_approval"):
        m.decide(job, approved=True)  # still pending
    assert job.data.decided == () and m.status(job) == "pending"
    m.advance(30)
    m.decide(job, approved=False)
    body = m.body(job)
    assert body["status"] == "cancelled"
    for approved in (True, False):
        with pytest.raises(LifecycleError):
            m.decide(job, approved=approved)
    assert m.body(job) == body and len(job.data.decided) == 1
    m.cancel(other := m.create(NewJob(api=SD.name, outcome="awaiting_approval", duration=10)))
    m.advance(30)
    with pytest.raises(LifecycleError, match="already finished"):
        m.decide(other, approved=True)
    plain = m.create(NewJob(api=ND.name, outcome="processing"))
    with pytest.raises(LifecycleError, match=r"^this API declares no approval state$"):
        m.decide(plain, approved=True)


def test_a_decision_is_a_change_that_a_log_replays() -> None:
    m = mock()
    job = m.create(NewJob(api=SD.name, outcome="awaiting_approval", duration=10))
    m.advance(30)
    change = m.plan_decide(job, True)
    assert from_json(to_json(change), m.scenario) == change
    assert isinstance(change, JobDecided)
    m.decide(job, approved=True)
    m.advance(5)
    replayed = Mock([SD, ND], clock="manual", shared=True)
    for exported in m.export():
        replayed.apply(from_json(to_json(exported), m.scenario))
    again = replayed.get(job.id)
    assert again is not None and again.data.decided == job.data.decided
    assert replayed.body(again) == m.body(job)


# Another vendor's review step: work, wait for a person, then a second working state.
REVIEWED = Lifecycle(
    states=("queued", "extracting", "review", "summarizing", "done", "rejected"),
    initial="queued",
    working=("extracting", "summarizing"),
    terminal=("done", "rejected"),
    transitions={
        "queued": ("extracting", "review"),
        "extracting": ("review",),
        "review": ("summarizing", "rejected"),
        "summarizing": ("done",),
    },
    approval=Approval("review", "summarizing", "rejected"),
    working_seconds=(10.0, 30.0),
)


@pytest.mark.parametrize("seed", range(5))
def test_approved_a_job_works_on_at_the_pace_it_worked_before(seed: int) -> None:
    plan = default_plan(REVIEWED, "review", random.Random(seed), duration=20)
    waiting = snapshot(plan, REVIEWED, 30)
    assert waiting.status == "review" and waiting.started is not None
    pace = waiting.progress / (waiting.entered - waiting.started)
    approved = decide(plan, REVIEWED, 30, approved=True)
    check_plan(approved, REVIEWED)
    finish = 30 + (1 - waiting.progress) / pace
    assert snapshot(approved, REVIEWED, 30.01).status == "summarizing"
    assert snapshot(approved, REVIEWED, finish - 0.01).status == "summarizing"
    assert snapshot(approved, REVIEWED, finish - 0.01).progress < 1.0
    done = snapshot(approved, REVIEWED, finish + 0.01)
    assert (done.status, done.progress, done.finished) == ("done", 1.0, pytest.approx(finish))


def test_approved_before_any_work_a_job_takes_the_lifecycle_s_mean_working_time() -> None:
    plan = Plan((Phase("queued", 0.0, 2.0, 0.0, 0.0), Phase("review", 2.0, math.inf, 0.0, 0.0)))
    approved = decide(plan, REVIEWED, 5, approved=True)
    assert snapshot(approved, REVIEWED, 5.01).status == "summarizing"
    assert snapshot(approved, REVIEWED, 15).progress == pytest.approx(0.5)  # 20 s: the mean of 10 to 30
    assert snapshot(approved, REVIEWED, 24.99).status == "summarizing"
    assert snapshot(approved, REVIEWED, 25.01).status == "done"


def test_approved_to_a_terminal_state_a_job_is_there_at_once_where_it_stood() -> None:
    lifecycle = replace(
        REVIEWED,
        transitions={**REVIEWED.transitions, "review": ("done", "rejected")},
        approval=Approval("review", "done", "rejected"),
    )
    plan = default_plan(lifecycle, "review", random.Random(0), duration=20)
    held = snapshot(plan, lifecycle, 30).progress
    approved = decide(plan, lifecycle, 30, approved=True)
    check_plan(approved, lifecycle)
    after = snapshot(approved, lifecycle, 30.01)
    assert (after.status, after.progress, after.finished) == ("done", held, 30.0)
    assert snapshot(approved, lifecycle, 1e6) == replace(after, progress=held)
