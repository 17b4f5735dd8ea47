"""The job state machine: a pure function from (plan, elapsed time) to a snapshot.

No I/O, no clock, no HTTP. A job's *plan* is a list of phases on its own time axis
(seconds since the job was created, already scaled by --speed). Everything a poll
shows about status and progress is read off the plan at one instant.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..contract.lifecycle import Lifecycle, success_state
from ..contract.progress import quantize
from ..exceptions import LifecycleError


@dataclass(frozen=True, slots=True)
class Phase:
    """One status held from `start` to `end` (seconds), progress moving linearly."""

    status: str
    start: float
    end: float
    progress_from: float
    progress_to: float
    # body fields a scripted phase sets (message, result, error…); compared, never hashed
    fields: Mapping[str, Any] | None = field(default=None, hash=False)

    def progress_at(self, t: float) -> float:
        if self.end == math.inf or self.end <= self.start:
            return self.progress_to if t >= self.end else self.progress_from
        share = min(max((t - self.start) / (self.end - self.start), 0.0), 1.0)
        return self.progress_from + (self.progress_to - self.progress_from) * share

    def time_of_progress(self, value: float) -> float:
        """First instant in this phase at which progress reaches `value` (clamped to the phase)."""
        if value <= self.progress_from or self.progress_to == self.progress_from:
            return self.start
        if value >= self.progress_to:
            return self.end
        share = (value - self.progress_from) / (self.progress_to - self.progress_from)
        return self.start + share * (self.end - self.start)


@dataclass(frozen=True, slots=True)
class Plan:
    """A job's whole future: consecutive phases, the last one lasting forever."""

    phases: tuple[Phase, ...]

    def __post_init__(self) -> None:
        if not self.phases:
            raise LifecycleError("a plan needs at least one phase")
        if self.phases[-1].end != math.inf:
            raise LifecycleError("the last phase of a plan must last forever")

    def phase_at(self, t: float) -> Phase:
        for phase in self.phases:
            if t < phase.end:
                return phase
        return self.phases[-1]

    @property
    def final_status(self) -> str:
        return self.phases[-1].status


@dataclass(frozen=True)
class Snapshot:
    """What a job looks like at one instant of its own time axis."""

    status: str
    progress: float
    phase: Phase
    entered: float
    started: float | None
    finished: float | None


def snapshot(plan: Plan, lifecycle: Lifecycle, t: float) -> Snapshot:
    """The job's visible state `t` seconds after creation (t < 0 counts as 0)."""
    t = max(t, 0.0)
    phase = plan.phase_at(t)
    started = finished = None
    previous: str | None = None
    entered = phase.start
    for p in plan.phases:
        if p.start > t:
            break
        if started is None and p.status in lifecycle.working:
            started = p.start
        if finished is None and lifecycle.is_terminal(p.status):
            finished = p.start
        if p.status != previous:
            previous, entered = p.status, p.start
    return Snapshot(phase.status, phase.progress_at(t), phase, entered, started, finished)


def check_plan(plan: Plan, lifecycle: Lifecycle) -> None:
    """Raise LifecycleError if the plan visits an undeclared state or makes an illegal move."""
    previous: str | None = None
    last_progress = 0.0
    for phase in plan.phases:
        if phase.status not in lifecycle.states:
            raise LifecycleError(f"unknown state {phase.status!r}; declared: {', '.join(lifecycle.states)}")
        if previous is None and phase.status != lifecycle.initial:
            raise LifecycleError(f"a job must start in {lifecycle.initial!r}, not {phase.status!r}")
        if previous is not None and not lifecycle.allows(previous, phase.status):
            raise LifecycleError(f"transition {previous!r} -> {phase.status!r} is not declared")
        if previous is not None and lifecycle.is_terminal(previous) and phase.status != previous:
            raise LifecycleError(f"terminal state {previous!r} cannot change to {phase.status!r}")
        if phase.progress_from < last_progress or phase.progress_to < phase.progress_from:
            raise LifecycleError("progress must never decrease")
        last_progress = phase.progress_to
        previous = phase.status


def path_to(lifecycle: Lifecycle, outcome: str) -> list[str]:
    """Shortest declared path from the initial state to `outcome`, through a working state.

    A job that is only ever pending and then done looks broken in a UI, so a path
    passes through a working state whenever the lifecycle allows one.
    """
    if outcome not in lifecycle.states:
        raise LifecycleError(f"unknown outcome {outcome!r}; declared states: {', '.join(lifecycle.states)}")
    if outcome == lifecycle.initial:
        return [outcome]
    best: list[str] | None = None
    frontier: list[list[str]] = [[lifecycle.initial]]
    seen: set[tuple[str, bool]] = set()
    while frontier:
        nxt: list[list[str]] = []
        for route in frontier:
            worked = any(s in lifecycle.working for s in route)
            if route[-1] == outcome and (worked or not lifecycle.working or outcome in lifecycle.working):
                if best is None:
                    best = route
                continue
            key = (route[-1], worked)
            if key in seen or lifecycle.is_terminal(route[-1]):
                continue
            seen.add(key)
            for after in lifecycle.transitions.get(route[-1], ()):
                nxt.append([*route, after])
        if best is not None:
            return best
        frontier = nxt
    raise LifecycleError(f"no declared path from {lifecycle.initial!r} to {outcome!r}")


def default_plan(
    lifecycle: Lifecycle,
    outcome: str,
    rng: random.Random,
    duration: float | None = None,
) -> Plan:
    """A realistic plan ending in `outcome`: wait, work with rising progress, then end.

    Failed and cancelled jobs stop part of the way; a non-terminal outcome (for example
    `awaiting_approval`, or a working state for a job that never finishes) is held forever.
    `duration` fixes the total length in seconds; otherwise it is drawn from the lifecycle.
    """
    route = path_to(lifecycle, outcome)
    *middle, final = route
    initial_len = 0.0 if route[0] in lifecycle.working else rng.uniform(*lifecycle.initial_seconds)
    working_len = rng.uniform(*lifecycle.working_seconds)
    if duration is not None:
        total = initial_len + working_len
        initial_len, working_len = duration * initial_len / total, duration * working_len / total
    success = success_state(lifecycle)
    stuck = final in lifecycle.working and not lifecycle.is_terminal(final)
    if final == success or stuck:
        reach = 1.0
    elif lifecycle.is_terminal(final):
        reach = rng.uniform(0.2, 0.8)  # failed or cancelled part of the way
    else:
        reach = rng.uniform(0.5, 0.9)  # held, e.g. awaiting approval after most of the work
    working = [s for s in middle if s in lifecycle.working]
    if stuck:  # the working states before the one it sticks in do their shares; its own is never done
        reach = len(working) / (len(working) + 1)
    phases: list[Phase] = []
    t = progress = 0.0
    done = 0  # working states passed: each one's share is reach * done / n (summed shares drift: 9 x 1/9 > 1)
    for status in middle:
        if status in lifecycle.working:
            length = working_len * reach / len(working)
            done += 1
            after = reach * done / len(working)
        else:
            length = initial_len if status == route[0] else 0.0
            after = progress
        phases.append(Phase(status, t, t + length, progress, after))
        t, progress = t + length, after
    if stuck:
        # never finishes: progress creeps up for a while, then never moves again
        creep = progress + (1.0 - progress) * rng.uniform(0.3, 0.9)
        phases.append(Phase(final, t, t + working_len, progress, creep))
        phases.append(Phase(final, t + working_len, math.inf, creep, creep))
    else:
        end_progress = 1.0 if final == success else progress
        phases.append(Phase(final, t, math.inf, end_progress, end_progress))
    plan = Plan(tuple(phases))
    check_plan(plan, lifecycle)
    return plan


CANCELLING_SECONDS = 2.0  # job seconds a cancel spends in a `cancelling` state, where the API has one


def cancel(plan: Plan, lifecycle: Lifecycle, t: float) -> Plan:
    """The same plan, but moved to the cancelled state at time `t`: through the lifecycle's
    `cancelling` state first (for CANCELLING_SECONDS) where it declares one. A job already
    cancelling keeps its plan (asking again changes nothing)."""
    target = lifecycle.cancelled
    if target is None:
        raise LifecycleError("this API declares no cancelled state")
    now = snapshot(plan, lifecycle, t)
    if lifecycle.is_terminal(now.status):
        raise LifecycleError(f"the job has already finished ({now.status})")
    p = now.progress
    passing = lifecycle.cancelling
    if passing is not None and now.status == passing:
        return plan
    if passing is not None and lifecycle.allows(now.status, passing):
        done = t + CANCELLING_SECONDS
        return _moved(plan, now, t, (Phase(passing, t, done, p, p), Phase(target, done, math.inf, p, p)))
    if not lifecycle.allows(now.status, target):
        raise LifecycleError(f"a {now.status} job cannot be cancelled")
    return _moved(plan, now, t, (Phase(target, t, math.inf, p, p),))


def decide(plan: Plan, lifecycle: Lifecycle, t: float, approved: bool) -> Plan:
    """The same plan, but with the approval it waits for at time `t` decided.

    Approved, the job moves to the approval's `approve` state at `t`. A scripted plan that
    went on from there after the wait goes on the same way from `t`; otherwise a working
    state works on at the pace the job worked so far (the lifecycle's own, if it has not
    worked yet) to the success state. Rejected, it moves to the `reject` state and stays.
    LifecycleError for a job not waiting for approval at `t`."""
    approval = lifecycle.approval
    if approval is None:
        raise LifecycleError("this API declares no approval state")
    now = snapshot(plan, lifecycle, t)
    if now.status != approval.state:
        raise LifecycleError(f"the job is {now.status}, not {approval.state}")
    p = now.progress
    if not approved:
        return _moved(plan, now, t, (Phase(approval.reject, t, math.inf, p, p),))
    wait_end = next((q.start for q in plan.phases if q.start >= t and q.status != approval.state), math.inf)
    after = [q for q in plan.phases if q.start >= wait_end]
    if after and after[0].status == approval.approve:
        shift = t - wait_end
        return _moved(plan, now, t, tuple(replace(q, start=q.start + shift, end=q.end + shift) for q in after))
    if lifecycle.is_terminal(approval.approve) or approval.approve not in lifecycle.working:
        return _moved(plan, now, t, (Phase(approval.approve, t, math.inf, p, p),))
    worked = [q for q in plan.phases if q.end <= t and q.status in lifecycle.working]
    seconds = sum(q.end - q.start for q in worked)
    gained = sum(q.progress_to - q.progress_from for q in worked)
    rate = gained / seconds if seconds > 0 and gained > 0 else 2.0 / sum(lifecycle.working_seconds)
    length = (1.0 - p) / rate
    success = success_state(lifecycle)
    return _moved(
        plan, now, t, (Phase(approval.approve, t, t + length, p, 1.0), Phase(success, t + length, math.inf, 1.0, 1.0))
    )


def _moved(plan: Plan, now: Snapshot, t: float, then: tuple[Phase, ...]) -> Plan:
    """The plan up to `t` (the current phase cut there), then `then`."""
    kept = [p for p in plan.phases if p.start < t and p is not now.phase]
    kept.append(replace(now.phase, end=t, progress_to=now.progress))
    return Plan((*kept, *then))


def last_change(snap: Snapshot, resolution: int, t: float) -> float:
    """When a reporter of the given resolution last showed a new value (<= t)."""
    if resolution <= 0:
        return snap.entered
    shown = quantize(snap.progress, resolution)
    when = snap.phase.time_of_progress(shown)
    return min(max(when, snap.entered), t)
