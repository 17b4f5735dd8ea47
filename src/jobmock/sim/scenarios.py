"""Scripted lifecycles: named scenarios, their plans, and the faults they inject.

Pure: a scenario is data read from a fixture (`jobmock.scenario_files` loads and
checks it); this module turns its phases into a lifecycle `Plan` and finds a
timeline's answer at an instant or poll. Its faults are `faults.py`'s.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..contract.lifecycle import Lifecycle, success_state
from ..exceptions import LifecycleError
from .faults import Fault
from .plans import Phase, Plan, check_plan


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
class Scenario:
    api: str
    name: str
    description: str = ""
    job_type: str | None = None
    phases: tuple[PhaseSpec, ...] = ()
    timeline: tuple[Entry, ...] = ()
    recorded_id: str | None = None  # a recorded timeline's job id, rewritten for new jobs
    faults: tuple[Fault, ...] = ()
    total: int | None = None  # what count progress counts up to (stories' scenes_total); None: drawn
    breaks_contract: str | None = None  # why its literal answers may break the spec (say it, or they may not)
    source: str = ""  # file:line, for messages
    outcome: str | None = None  # no phases, no timeline: a realistic lifecycle ending in this state


def outcome_scenarios(api: str, lifecycle: Lifecycle) -> list[Scenario]:
    """A scenario per terminal state, named as the document writes the state (`failed`,
    `TIMEOUT_EXCEEDED`): for an API no fixture gives a scenario (a vendor's document served as
    it is), so `Prefer: scenario=failed` on its own create or poll works as for a bundled API."""
    return [
        Scenario(
            api,
            state,
            f"A realistic lifecycle that ends {state}.",
            outcome=state,
            source="jobmock (one per terminal state)",
        )
        for state in lifecycle.terminal
    ]


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
            raise LifecycleError(f"phase {i + 1} ({spec.status}) needs a duration: only the last phase lasts forever")
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
