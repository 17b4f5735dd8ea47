"""Holding a loaded scenario against the contract: every body it will answer must be
one the spec allows. Each phase is rendered (by the real simulation) at its start,
middle and end and validated against the poll's response schema; each literal
timeline answer against the response the spec declares for its status."""

from __future__ import annotations

from typing import Any

from openapi_schema_validator import OAS30Validator

from ..contract import dotted, openapi
from ..contract.files import SpecFile
from ..contract.model import ApiModel
from ..exceptions import JobError, PathItem
from ..sim.clock import Clock
from ..sim.jobs import NewJob
from ..sim.scenarios import Scenario
from ..sim.store import JobStore


def check_scenario(
    spec: SpecFile, api: ApiModel, scenario: Scenario, raw: dict[str, Any], where: list[PathItem]
) -> None:
    """Render the scenario and hold every body against the contract."""
    validator = OAS30Validator(openapi.resolvable(api.job_schema, api.resolved))
    if scenario.timeline:
        _check_timeline(spec, api, scenario, where)
        return
    try:
        job = JobStore({api.name: api}).create(NewJob(api=api.name, scenario=scenario), Clock.at(1_700_000_000.0))
    except JobError as exc:
        raise spec.error([*where, "phases"], str(exc)) from exc
    kept: dict[str, tuple[bool, Any]] = {}  # the fixed fields' values in the first body
    for i, phase in enumerate(job.plan.phases):
        if i >= len(scenario.phases):
            break
        ends = phase.end if phase.end != float("inf") else phase.start + 1
        for t in (phase.start, (phase.start + ends) / 2, max(phase.start, ends - 1e-3)):
            body = job.render(t, 1.0)
            for name in api.fixed_fields:
                value = dotted.get(body, name)
                if kept.setdefault(name, value) != value:
                    raise spec.error(
                        [*where, "phases", i, "fields"],
                        f"{name} is fixed for a job's whole life, but phase {i + 1} ({phase.status}) changes it:"
                        " set it to the same value in every phase",
                    )
            error = next(iter(validator.iter_errors(body)), None)
            if error is not None:
                place: list[PathItem] = [*where, "phases", i]
                written = raw["phases"][i]
                top = str(error.absolute_path[0]) if error.absolute_path else ""
                shorthand = [w for w in ("result", "error", "message") if w in written and w in top]
                if shorthand:
                    place.append(shorthand[0])
                elif top in written.get("fields", {}):
                    place += ["fields", top]
                pointer = "/".join(map(str, error.absolute_path)) or "(body)"
                raise spec.error(
                    place,
                    f"the contract forbids this body in phase {i + 1} ({phase.status}): {pointer}: {error.message}",
                )


def _check_timeline(spec: SpecFile, api: ApiModel, scenario: Scenario, where: list[PathItem]) -> None:
    previous = -1.0
    for i, entry in enumerate(scenario.timeline):
        place: list[PathItem] = [*where, "timeline", i]
        mark = entry.at if entry.at is not None else float(entry.poll or 0)
        if mark < previous:
            raise spec.error(place, "timeline entries must be in order of time (or poll number)")
        previous = mark
        why = status_problem(api, entry.status)
        if why is not None:
            raise spec.error([*place, "status"], why)
        why = body_problem(api, entry.status, entry.body)
        if why is not None and scenario.breaks_contract is None:
            raise spec.error([*place, "body"], why)


def status_problem(api: ApiModel, status: int) -> str | None:
    """Why no timeline may hold an answer with this status: the contract declares no such
    answer for the poll. None when it declares one. `record` and `proxy --record` leave such
    answers out; the loader refuses them."""
    if _response_schema(api, status) is None:
        return f"the contract declares no {status} answer for {api.poll.operation_id}"
    return None


def body_problem(api: ApiModel, status: int, body: Any) -> str | None:
    """Why the contract forbids this body for a status it declares (a timeline marked
    `breaksContract` may still hold it); None when it allows it."""
    schema = _response_schema(api, status)
    if schema is None:
        return None
    error = next(iter(OAS30Validator(openapi.resolvable(schema, api.resolved)).iter_errors(body)), None)
    if error is None:
        return None
    pointer = "/".join(map(str, error.absolute_path)) or "(body)"
    return f"the contract forbids this {status} body: {pointer}: {error.message}"


def _response_schema(api: ApiModel, status: int) -> dict[str, Any] | None:
    if status == 200:
        return dict(api.job_schema)
    responses = api.poll.spec.get("responses", {})
    response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
    if response is None:
        return None
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return dict(schema) if isinstance(schema, dict) else {}
