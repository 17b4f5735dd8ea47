"""Fixture files: scripted scenarios per API, and the config that picks them.

Every file is checked against its JSON Schema, then against the API's lifecycle and
contract: each phase is rendered and validated against the poll response schema, each
literal answer against the response the spec declares for its status. Any problem is
reported with file, line and reason, and nothing is loaded (the server does not start).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from functools import cache, partial
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from ..contract.bundled import bundled_fixtures
from ..contract.files import SpecFile, StartupFiles, collect
from ..contract.model import ApiModel
from ..exceptions import PathItem, SpecError, SpecErrors, UnknownScenario
from ..sim.catalog import Catalog, Rule
from ..sim.faults import fault_schema, parse_fault
from ..sim.scenarios import Entry, PhaseSpec, Scenario, outcome_scenarios
from .validate import check_scenario


def schema_of(name: str) -> dict[str, Any]:
    """The whole JSON Schema of a file format: `fixture` or `config`."""
    return _schema(f"{name}.schema.json")


def _schema(name: str) -> dict[str, Any]:
    schema = copy.deepcopy(_schema_file(name))
    if "fault" in schema.get("$defs", {}):
        schema["$defs"]["fault"] = fault_schema()  # the kinds registered now
    return schema


@cache
def _schema_file(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(resources.files("jobmock.contract").joinpath(f"schemas/{name}").read_text())
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
    files: StartupFiles | None = None,
) -> Catalog:
    """Load bundled fixtures (for the served APIs), then the given files and folders;
    `files` reads them (regular files only, `--max-file-bytes`) and counts what it read."""
    files = files if files is not None else StartupFiles()
    catalog = Catalog()
    problems: list[SpecError] = []
    sources: list[tuple[Path, bool]] = []
    if bundled:
        sources += [(p, True) for p in fixture_files([bundled_fixtures()])]
    for path in paths:
        if not path.exists():
            problems.append(SpecError(path, [], "no such fixture file or folder"))
    sources += [(p, False) for p in fixture_files(p for p in paths if p.exists())]
    for path, is_bundled in sources:
        collect(problems, partial(_load_file, path, apis, catalog, is_bundled, files))
    for name, api in apis.items():  # an API no file gives a scenario: one per terminal state
        if not catalog.scenarios.get(name):
            catalog.scenarios[name] = {s.name: s for s in outcome_scenarios(name, api.lifecycle)}
    if config is not None and not problems:
        collect(problems, partial(_load_config, config, apis, catalog, files))
    if problems:
        raise SpecErrors(problems)
    return catalog


MAX_SCENARIOS_PER_FILE = 100  # each is checked against the contract (~10 ms): a file loads within ~1 s
MAX_SCENARIOS = 1000  # in all files


def _load_file(
    path: Path, apis: Mapping[str, ApiModel], catalog: Catalog, skip_unserved: bool, files: StartupFiles
) -> None:
    spec = files.read(path)
    scenarios = spec.data.get("scenarios") if isinstance(spec.data, dict) else None
    if isinstance(scenarios, dict):
        held = sum(len(by_name) for by_name in catalog.scenarios.values())
        if len(scenarios) > MAX_SCENARIOS_PER_FILE or held + len(scenarios) > MAX_SCENARIOS:
            message = f"{len(scenarios)} scenarios: at most {MAX_SCENARIOS_PER_FILE} a file, {MAX_SCENARIOS} in all"
            raise spec.error(["scenarios"], message)
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
    driven = api.driven_fields()
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
    faults = tuple(parse_fault(fault) for fault in raw.get("faults", []))
    return Scenario(
        api=api.name,
        name=name,
        description=raw.get("description", ""),
        job_type=raw.get("type"),
        phases=tuple(phases),
        timeline=tuple(timeline),
        recorded_id=(raw.get("recorded") or {}).get("job"),
        faults=faults,
        total=raw.get("total"),
        breaks_contract=raw.get("breaksContract"),
        source=f"{spec.path}:{spec.line_of(where)}",
    )


def _load_config(path: Path, apis: Mapping[str, ApiModel], catalog: Catalog, files: StartupFiles) -> None:
    spec = files.read(path)
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
