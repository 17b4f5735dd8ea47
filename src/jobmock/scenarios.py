"""Scripted lifecycles: named scenarios, their plans, and the faults they inject.

Pure: a scenario is data read from a fixture (fixtures.py loads and checks it); this
module turns its phases into a lifecycle `Plan`, finds a timeline's answer at an
instant or poll, and decides which fault, if any, a given poll of a job meets.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .lifecycle import Lifecycle, Phase, Plan, check_plan, success_state


@dataclass(frozen=True)
class PhaseSpec:
    status: str
    duration: float | None  # None: held forever (the last phase only)
    progress: tuple[float, float] | None  # percent at start and end; None: follow the neighbours
    fields: Mapping[str, Any] = field(default_factory=dict)  # merged into the body (message, result, error…)


@dataclass(frozen=True)
class Entry:
    """One literal answer of a timeline, given from `at` seconds or from poll number `poll`."""

    at: float | None
    poll: int | None
    status: int
    headers: Mapping[str, str]
    body: Any


@dataclass(frozen=True)
class Fault:
    polls: frozenset[int] | None = None  # 1-based poll numbers; None: every poll
    respond: int | None = None
    retry_after: int | None = None
    latency: tuple[float, float] | None = None
    drop: bool = False
    stall: float | None = None  # job seconds after which the job stops moving

    def applies(self, poll: int) -> bool:
        return self.stall is None and (self.polls is None or poll in self.polls)


@dataclass(frozen=True)
class Scenario:
    api: str
    name: str
    description: str = ""
    job_type: str | None = None
    phases: tuple[PhaseSpec, ...] = ()
    timeline: tuple[Entry, ...] = ()
    recorded_id: str | None = None  # a recorded timeline's job id, rewritten for new jobs
    faults: tuple[Fault, ...] = ()
    source: str = ""  # file:line, for messages

    @cached_property  # read on every poll of the job
    def stall(self) -> float | None:
        stalls = [f.stall for f in self.faults if f.stall is not None]
        return min(stalls) if stalls else None


def build_plan(phases: tuple[PhaseSpec, ...], lifecycle: Lifecycle) -> Plan:
    """The lifecycle plan of scripted phases; LifecycleError says what the lifecycle forbids.

    Progress left unsaid holds the previous value, except that a working phase right
    before the success state rises to 100% and the success state shows 100%.
    """
    success = success_state(lifecycle)
    built: list[Phase] = []
    t = progress = 0.0
    for i, spec in enumerate(phases):
        last = i == len(phases) - 1
        if spec.duration is None and not last:
            raise ValueError(f"phase {i + 1} ({spec.status}) needs a duration: only the last phase lasts forever")
        end = math.inf if last else t + float(spec.duration or 0.0)
        if spec.progress is not None:
            start_p, end_p = spec.progress[0] / 100, spec.progress[1] / 100
        elif spec.status == success:
            start_p = end_p = 1.0
        elif not last and phases[i + 1].status == success and spec.status in lifecycle.working:
            start_p, end_p = progress, 1.0
        else:
            start_p = end_p = progress
        if last and end_p != start_p:
            start_p = end_p  # a phase held forever cannot keep rising
        built.append(Phase(spec.status, t, end, start_p, end_p, fields=dict(spec.fields)))
        t, progress = end, end_p
    plan = Plan(tuple(built))
    check_plan(plan, lifecycle)
    return plan


def timeline_entry(timeline: tuple[Entry, ...], t: float, poll: int) -> Entry:
    """The answer in force at job time `t` / on poll number `poll` (the first one before any)."""
    current = timeline[0]
    for entry in timeline:
        reached = entry.at <= t if entry.at is not None else entry.poll is not None and entry.poll <= poll
        if reached:
            current = entry
    return current


def rewrite_ids(body: Any, old: str, new: str) -> Any:
    """A recorded body with its job id replaced everywhere (ids, URLs, messages)."""
    if isinstance(body, str):
        return body.replace(old, new)
    if isinstance(body, list):
        return [rewrite_ids(item, old, new) for item in body]
    if isinstance(body, dict):
        return {key: rewrite_ids(value, old, new) for key, value in body.items()}
    return body


# --- faults: scripted, or random with --chaos ---------------------------------------

CHAOS_FAULTS = (
    Fault(respond=429, retry_after=1),
    Fault(respond=500),
    Fault(respond=502),
    Fault(respond=503, retry_after=1),
    Fault(latency=(0.2, 1.0)),
    Fault(drop=True),
)


def fault_for(scenario_faults: tuple[Fault, ...], poll: int, chaos: float, seed: str) -> Fault | None:
    """The fault this poll meets: the first scripted one that applies, else (with
    probability `chaos`) a random one. `seed` names the poll (seed, namespace, job,
    poll number), so a rerun with the same --seed meets the same faults."""
    for fault in scenario_faults:
        if fault.applies(poll):
            return fault
    if chaos <= 0:
        return None
    rng = random.Random(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))
    if rng.random() >= chaos:
        return None
    return rng.choice(CHAOS_FAULTS)


def latency_of(fault: Fault, seed: str) -> float:
    if fault.latency is None:
        return 0.0
    low, high = fault.latency
    rng = random.Random(int.from_bytes(hashlib.sha256(f"latency|{seed}".encode()).digest()[:8], "big"))
    return rng.uniform(low, high)
