"""Fixture files: scripted scenarios per API, and the config that picks them.

Every file is checked against its JSON Schema, then against the API's lifecycle and
contract: each phase is rendered and validated against the poll response schema, each
literal answer against the response the spec declares for its status. Any problem is
reported with file, line and reason, and nothing is loaded (the server does not start).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from openapi_schema_validator import OAS30Validator

from .jobs import JobError, JobStore, NewJob, lifecycle_fields
from .model import ApiModel
from .scenarios import Entry, Fault, PhaseSpec, Scenario
from .specfile import PathItem, SpecError, SpecErrors, SpecFile, collect, read

BUNDLED_CANDIDATES = (
    Path(__file__).parent / "fixtures",  # installed wheel
    Path(__file__).resolve().parents[2] / "fixtures",  # source checkout / editable install
)


class UnknownScenario(LookupError):
    """A scenario name the API does not have; the message lists the known ones."""


def bundled_fixtures_dir() -> Path | None:
    return next((c for c in BUNDLED_CANDIDATES if c.is_dir()), None)


@cache
def _schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(resources.files("jobmock").joinpath(f"schemas/{name}").read_text())
    return loaded


def _schema_problems(spec: SpecFile, schema: str) -> list[SpecError]:
    validator = jsonschema.Draft202012Validator(_schema(schema))
    errors = sorted(validator.iter_errors(spec.data), key=lambda e: list(e.absolute_path))
    return [spec.error(list(e.absolute_path), _best_message(e)) for e in errors]


def _best_message(error: jsonschema.ValidationError) -> str:
    # oneOf failures hide the useful reason in their context; show the deepest one
    if error.context:
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        if len(deepest.absolute_path) > len(error.absolute_path):
            return f"{'/'.join(map(str, deepest.relative_path))}: {deepest.message}"
    return str(error.message)


def fixture_files(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
        else:
            found.append(path)
    return found


def load_catalog(
    apis: Mapping[str, ApiModel],
    paths: Sequence[Path] = (),
    config: Path | None = None,
    bundled: bool = True,
) -> Catalog:
    """Load bundled fixtures (for the served APIs), then the given files and folders."""
    catalog = Catalog()
    problems: list[SpecError] = []
    sources: list[tuple[Path, bool]] = []
    bundled_dir = bundled_fixtures_dir() if bundled else None
    if bundled_dir is not None:
        sources += [(p, True) for p in fixture_files([bundled_dir])]
    for path in paths:
        if not path.exists():
            problems.append(SpecError(path, [], "no such fixture file or folder"))
    sources += [(p, False) for p in fixture_files(p for p in paths if p.exists())]
    for path, is_bundled in sources:
        collect(problems, partial(_load_file, path, apis, catalog, skip_unserved=is_bundled))
    if config is not None and not problems:
        collect(problems, partial(_load_config, config, apis, catalog))
    if problems:
        raise SpecErrors(problems)
    return catalog


def _load_file(path: Path, apis: Mapping[str, ApiModel], catalog: Catalog, skip_unserved: bool) -> None:
    spec = read(path)
    problems = _schema_problems(spec, "fixture.schema.json")
    if problems:
        raise SpecErrors(problems)
    name = spec.data["api"]
    api = apis.get(name)
    if api is None:
        if skip_unserved:
            return
        raise spec.error(["api"], f"{name!r} is not a served API (served: {', '.join(sorted(apis))})")
    problems = []
    for scenario_name, raw in spec.data["scenarios"].items():
        where: list[PathItem] = ["scenarios", scenario_name]
        if scenario_name in catalog.scenarios.get(name, {}):
            problems.append(spec.error(where, f"scenario {scenario_name!r} for {name} is already defined elsewhere"))
            continue
        scenario = collect(problems, partial(_checked, spec, api, scenario_name, raw, where))
        if scenario is not None:
            catalog.scenarios.setdefault(name, {})[scenario_name] = scenario
    if problems:
        raise SpecErrors(problems)


def _checked(spec: SpecFile, api: ApiModel, name: str, raw: dict[str, Any], where: list[PathItem]) -> Scenario:
    scenario = _scenario(spec, api, name, raw, where)
    check_scenario(spec, api, scenario, raw, where)
    return scenario


def _named_field(api: ApiModel, spec: SpecFile, where: list[PathItem], word: str) -> str:
    """The body field a fixture's `result`/`error`/`message` shorthand stands for."""
    if word == "message":
        stage = [r.field for r in api.reporters if r.kind == "stage"]
        if stage:
            return stage[0]
    else:
        named = [f for f in api.presence if word in f.split(".")[-1]]
        if named:
            return named[0]
    raise spec.error(where, f"{api.name} has no {word} field; set it under fields: instead")


def _scenario(spec: SpecFile, api: ApiModel, name: str, raw: dict[str, Any], where: list[PathItem]) -> Scenario:
    driven = lifecycle_fields(api)
    phases = []
    for i, phase in enumerate(raw.get("phases", [])):
        at: list[PathItem] = [*where, "phases", i]
        fields = dict(phase.get("fields", {}))
        bad = sorted(set(fields) & driven)
        if bad:
            raise spec.error(
                [*at, "fields", bad[0]], f"{bad[0]} follows the lifecycle; script it with status/progress/message"
            )
        for word in ("message", "result", "error"):
            if word in phase:
                fields[_named_field(api, spec, [*at, word], word)] = phase[word]
        progress = phase.get("progress")
        ramp = None if progress is None else (tuple(progress) if isinstance(progress, list) else (progress, progress))
        phases.append(PhaseSpec(phase["status"], phase.get("duration"), ramp, fields))
    timeline = []
    for entry in raw.get("timeline", []):
        headers = {str(k): str(v) for k, v in entry.get("headers", {}).items()}
        timeline.append(Entry(entry.get("at"), entry.get("poll"), entry.get("status", 200), headers, entry["body"]))
    faults = []
    for fault in raw.get("faults", []):
        polls = fault.get("poll")
        latency = fault.get("latency")
        faults.append(
            Fault(
                polls=None if polls is None else frozenset([polls] if isinstance(polls, int) else polls),
                respond=fault.get("respond"),
                retry_after=fault.get("retry_after"),
                latency=None if latency is None else (tuple(latency) if isinstance(latency, list) else (latency,) * 2),
                drop=bool(fault.get("drop", False)),
                stall=fault.get("stall"),
            )
        )
    return Scenario(
        api=api.name,
        name=name,
        description=raw.get("description", ""),
        job_type=raw.get("type"),
        phases=tuple(phases),
        timeline=tuple(timeline),
        recorded_id=(raw.get("recorded") or {}).get("job"),
        faults=tuple(faults),
        source=f"{spec.path}:{spec.line_of(where)}",
    )


def check_scenario(
    spec: SpecFile, api: ApiModel, scenario: Scenario, raw: dict[str, Any], where: list[PathItem]
) -> None:
    """Render the scenario and hold every body against the contract."""
    validator = OAS30Validator(api.job_schema)
    if scenario.timeline:
        _check_timeline(spec, api, scenario, where)
        return
    try:
        job = JobStore({api.name: api}).create(NewJob(api=api.name, scenario=scenario), 1_700_000_000.0)
    except JobError as exc:
        raise spec.error([*where, "phases"], str(exc)) from exc
    for i, phase in enumerate(job.plan.phases):
        if i >= len(scenario.phases):
            break
        ends = phase.end if phase.end != float("inf") else phase.start + 1
        for t in (phase.start, (phase.start + ends) / 2, max(phase.start, ends - 1e-3)):
            body = job.render(t, 1.0)
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
        schema = _response_schema(api, entry.status)
        if schema is None:
            raise spec.error(
                [*place, "status"], f"the contract declares no {entry.status} answer for {api.poll.operation_id}"
            )
        error = next(iter(OAS30Validator(schema).iter_errors(entry.body)), None)
        if error is not None:
            pointer = "/".join(map(str, error.absolute_path)) or "(body)"
            raise spec.error(
                [*place, "body"], f"the contract forbids this {entry.status} body: {pointer}: {error.message}"
            )


def _response_schema(api: ApiModel, status: int) -> dict[str, Any] | None:
    if status == 200:
        return api.job_schema
    responses = api.poll.spec.get("responses", {})
    response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
    if response is None:
        return None
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return dict(schema) if isinstance(schema, dict) else {}


def _load_config(path: Path, apis: Mapping[str, ApiModel], catalog: Catalog) -> None:
    spec = read(path)
    problems = _schema_problems(spec, "config.schema.json")
    if problems:
        raise SpecErrors(problems)
    for api, name in spec.data.get("defaults", {}).items():
        _known(spec, apis, catalog, ["defaults", api], api, name)
        catalog.defaults[api] = name
    for i, rule in enumerate(spec.data.get("rules", [])):
        _known(spec, apis, catalog, ["rules", i], rule["api"], rule["scenario"])
        catalog.rules.append(Rule(rule["api"], rule["ids"], rule["scenario"]))


def _known(
    spec: SpecFile, apis: Mapping[str, ApiModel], catalog: Catalog, where: list[PathItem], api: str, name: str
) -> None:
    if api not in apis:
        raise spec.error(where, f"{api!r} is not a served API (served: {', '.join(sorted(apis))})")
    try:
        catalog.get(api, name)
    except UnknownScenario as exc:
        raise spec.error(where, str(exc)) from exc
