"""An API as jobmock understands it: its OpenAPI document plus its x-jobmock lifecycle.

`load_api` reads one spec file, checks it (OpenAPI validity, the extension's own
schema, and that the extension agrees with the document), and returns an `ApiModel`.
Every problem is reported with file, line and place; nothing is half-loaded.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from . import openapi
from .auth import TokenRule, rule_from_scheme
from .lifecycle import Lifecycle
from .openapi import Operation
from .specfile import SpecError, SpecErrors, SpecFile, read

BUNDLED_DIR_CANDIDATES = (
    Path(__file__).parent / "specs",  # installed wheel: specs/ is copied into the package
    Path(__file__).resolve().parents[2] / "specs",  # source checkout / editable install
)


def bundled_dir() -> Path:
    for candidate in BUNDLED_DIR_CANDIDATES:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("bundled specs/ folder not found")


def bundled_names() -> list[str]:
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def spec_path(name_or_path: str) -> Path:
    """A bundled API name (`neuraldraft`) or a path to a spec file."""
    candidate = bundled_dir() / f"{name_or_path}.yaml"
    if "/" not in name_or_path and candidate.exists():
        return candidate
    path = Path(name_or_path)
    if path.exists():
        return path
    known = ", ".join(bundled_names())
    raise SpecError(name_or_path, [], f"no such spec file or bundled API (bundled: {known})")


@cache
def extension_schema() -> dict[str, Any]:
    text = resources.files("jobmock").joinpath("schemas/x-jobmock.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


@dataclass(frozen=True)
class Reporter:
    kind: str  # percent | steps | stage | count
    field: str
    integer: bool = True  # percent: integer or float
    use: str = "message"  # stage: step name or message
    states: dict[str, str] = dataclasses.field(default_factory=dict)  # stage: text outside working states
    total: str = ""  # count: field holding the total
    min: int = 3
    max: int = 8


@dataclass(frozen=True)
class Step:
    name: str
    message: str


@dataclass(frozen=True)
class JobType:
    name: str
    steps: tuple[Step, ...]
    result: dict[str, Any] | None  # resolved schema of this type's result


@dataclass
class ApiModel:
    name: str
    source: Path
    document: dict[str, Any]  # as written (given to Connexion)
    resolved: dict[str, Any]  # references resolved
    lifecycle: Lifecycle
    poll: Operation
    cancel: Operation | None
    ext: dict[str, Any]
    job_schema: dict[str, Any]
    token: TokenRule
    id_parameter: str
    id_in: str  # path | query
    id_field: str
    status_field: str
    type_field: str | None
    types: dict[str, JobType]
    default_steps: tuple[Step, ...]
    reporters: tuple[Reporter, ...]
    presence: dict[str, tuple[str, ...]]
    state_values: dict[str, list[dict[str, Any]]]
    timestamps: dict[str, str]
    precision: str
    mount: str = ""  # '/neuraldraft' when several APIs share one server

    @property
    def server_path(self) -> str:
        return openapi.server_path(self.document)

    @property
    def base_path(self) -> str:
        return self.mount + self.server_path

    @property
    def title(self) -> str:
        return str(self.document.get("info", {}).get("title", self.name))

    def steps_for(self, job_type: str | None) -> tuple[Step, ...]:
        if job_type is not None and job_type in self.types and self.types[job_type].steps:
            return self.types[job_type].steps
        return self.default_steps

    def poll_path(self, job_id: str) -> str:
        """Path and query of the poll request for a job, below the API's base path."""
        if self.id_in == "path":
            return self.poll.path.replace("{" + self.id_parameter + "}", job_id)
        return f"{self.poll.path}?{self.id_parameter}={job_id}"

    def accept_only(self, keys: Sequence[str]) -> None:
        """Accept only these bearer tokens (a real API knows its keys; by default the mock
        accepts any token of the documented form)."""
        schemes = [name for req in self.poll.spec.get("security", self.resolved.get("security", [])) for name in req]
        for document in (self.document, self.resolved):
            for name in schemes:
                scheme = document.get("components", {}).get("securitySchemes", {}).get(name)
                if scheme is not None:
                    scheme.setdefault("x-jobmock-token", {})["keys"] = sorted(keys)
        self.token = _token_rule(self.resolved, self.poll)

    def errors(self) -> dict[str, Any]:
        return dict(self.ext.get("errors") or {"body": {"error": {"code": "{code}", "message": "{message}"}}})


def is_bundled(path: Path) -> bool:
    return path.resolve().parent == bundled_dir().resolve()


def load_named(name_or_path: str, strict: bool = True) -> ApiModel:
    """A bundled API by name, or a spec file by path. Bundled specs skip the full OpenAPI
    validation unless `strict` (the test suite validates them)."""
    path = spec_path(name_or_path)
    is_path = "/" in name_or_path or name_or_path.endswith((".yaml", ".yml", ".json"))
    return load_api(path, None if is_path else name_or_path, check_openapi=strict or not is_bundled(path))


def load_api(path: Path, name: str | None = None, check_openapi: bool = True) -> ApiModel:
    """Load and check one spec. `check_openapi=False` skips the full OpenAPI validation
    (~50 ms a file, plus ~100 ms to import the validator): for bundled specs, which the
    test suite validates, so that start-up stays fast. Connexion still checks structure."""
    spec = read(path)
    problems = list(_openapi_problems(spec)) if check_openapi else []
    ext = spec.data.get("x-jobmock") if isinstance(spec.data, dict) else None
    if ext is None and not problems:
        problems.append(spec.error([], "missing the x-jobmock extension that declares the job lifecycle"))
    elif ext is not None:
        problems += _extension_problems(spec, ext)
    if problems:
        raise SpecErrors(problems)
    try:
        return _build(spec, name or path.stem)
    except SpecError as exc:
        raise SpecErrors([exc]) from exc


def _openapi_problems(spec: SpecFile) -> list[SpecError]:
    data = spec.data
    if not isinstance(data, dict):
        return [spec.error([], "not an OpenAPI document (expected a mapping at the top)")]
    version = str(data.get("openapi", ""))
    if not re.fullmatch(r"3\.0\.\d+", version):
        return [
            spec.error(["openapi"], f"OpenAPI {version or '(none)'} is not supported; write 3.0.x (use nullable: true)")
        ]
    from openapi_spec_validator import OpenAPIV30SpecValidator  # slow import: only when asked

    try:
        errors = list(OpenAPIV30SpecValidator(data).iter_errors())
    except Exception as exc:  # e.g. a dangling $ref raises outside iter_errors' error type
        return [spec.error([], f"invalid OpenAPI document: {exc}")]
    problems = []
    for err in errors:
        where = list(getattr(err, "absolute_path", []) or [])
        message = str(getattr(err, "message", err)).splitlines()[0]
        problems.append(spec.error(where, message))
    return problems


def _extension_problems(spec: SpecFile, ext: Any) -> list[SpecError]:
    validator = jsonschema.Draft202012Validator(extension_schema())
    problems = []
    for err in sorted(validator.iter_errors(ext), key=lambda e: list(e.absolute_path)):
        where = ["x-jobmock", *err.absolute_path]
        problems.append(spec.error(where, err.message))
    return problems


def _build(spec: SpecFile, name: str) -> ApiModel:  # noqa: C901 - one linear list of checks
    data: dict[str, Any] = spec.data
    ext: dict[str, Any] = data["x-jobmock"]
    resolved = openapi.deref(data)
    x = ["x-jobmock"]

    def fail(where: list[str | int], message: str) -> SpecError:
        return spec.error(where, message)

    states = tuple(ext["states"])
    for key in ("initial",):
        if ext[key] not in states:
            raise fail([*x, key], f"{ext[key]!r} is not one of the declared states {list(states)}")
    for key in ("working", "terminal"):
        for i, state in enumerate(ext.get(key, [])):
            if state not in states:
                raise fail([*x, key, i], f"{state!r} is not one of the declared states {list(states)}")
    for before, afters in ext["transitions"].items():
        if before not in states:
            raise fail([*x, "transitions", before], f"{before!r} is not a declared state")
        if before in ext["terminal"]:
            raise fail([*x, "transitions", before], f"terminal state {before!r} cannot have transitions")
        for i, after in enumerate(afters):
            if after not in states:
                raise fail([*x, "transitions", before, i], f"{after!r} is not a declared state")
    cancelled = ext.get("cancelled") or ("cancelled" if "cancelled" in states else None)
    if cancelled is not None and cancelled not in states:
        raise fail([*x, "cancelled"], f"{cancelled!r} is not a declared state")
    duration = ext.get("duration", {})
    lifecycle = Lifecycle(
        states=states,
        initial=ext["initial"],
        working=tuple(ext.get("working", [])),
        terminal=tuple(ext["terminal"]),
        transitions={k: tuple(v) for k, v in ext["transitions"].items()},
        cancelled=cancelled,
        initial_seconds=_pair(duration.get("initial", (1.0, 3.0))),
        working_seconds=_pair(duration.get("working", (10.0, 25.0))),
    )
    reachable = lifecycle.reachable()
    for i, state in enumerate(states):
        if state not in reachable:
            raise fail(
                [*x, "states", i], f"state {state!r} cannot be reached from {lifecycle.initial!r} by the transitions"
            )

    poll = openapi.find_operation(resolved, ext["poll"])
    if poll is None:
        raise fail([*x, "poll"], f"no operation with operationId {ext['poll']!r}")
    job_schema = poll.success_schema()
    if job_schema is None:
        raise fail([*x, "poll"], "the poll operation has no 2xx application/json response schema")
    job_schema = openapi.merged_object(job_schema)

    id_conf = ext["id"]
    param = poll.parameter(id_conf["parameter"])
    if param is None or param.get("in") not in ("path", "query"):
        raise fail(
            [*x, "id", "parameter"], f"the poll operation has no path or query parameter {id_conf['parameter']!r}"
        )
    if not id_conf.get("uuid") and not id_conf.get("prefix") and not id_conf.get("length"):
        raise fail([*x, "id"], "say how ids look: uuid: true, or prefix/length/alphabet")

    def need_field(where: list[str | int], dotted: str) -> dict[str, Any]:
        found = openapi.property_schema(job_schema, dotted)
        if found is None:
            raise fail(where, f"the poll response schema has no field {dotted!r}")
        return found

    need_field([*x, "id", "field"], id_conf["field"])
    need_field([*x, "status"], ext["status"])
    timestamps: dict[str, str] = {k: v for k, v in ext.get("timestamps", {}).items() if k != "precision"}
    for key, dotted in timestamps.items():
        need_field([*x, "timestamps", key], dotted)

    def steps_of(raw: list[dict[str, str]]) -> tuple[Step, ...]:
        return tuple(Step(s["name"], s.get("message", s["name"])) for s in raw)

    types: dict[str, JobType] = {}
    type_field = None
    if "types" in ext:
        type_field = ext["types"]["field"]
        field_schema = need_field([*x, "types", "field"], type_field)
        allowed = field_schema.get("enum")
        for tname, tconf in ext["types"]["values"].items():
            if allowed is not None and tname not in allowed:
                raise fail([*x, "types", "values", tname], f"{tname!r} is not in the {type_field} enum {allowed}")
            result = tconf.get("result")
            if isinstance(result, str):
                found = resolved.get("components", {}).get("schemas", {}).get(result)
                if found is None:
                    raise fail(
                        [*x, "types", "values", tname, "result"], f"no schema {result!r} under components/schemas"
                    )
                result = found
            elif isinstance(result, dict):
                result = openapi.deref({**resolved, "__inline": result})["__inline"]
            types[tname] = JobType(tname, steps_of(tconf.get("steps", [])), result)

    default_steps = steps_of(ext.get("steps", []))
    reporters = []
    for i, raw in enumerate(ext.get("progress", [])):
        where: list[str | int] = [*x, "progress", i]
        target = need_field([*where, "field"], raw["field"])
        if raw["kind"] == "percent":
            reporters.append(Reporter("percent", raw["field"], integer=target.get("type") == "integer"))
        elif raw["kind"] in ("steps", "stage"):
            if not default_steps and not any(t.steps for t in types.values()):
                raise fail(where, f"a {raw['kind']} reporter needs steps (x-jobmock.steps or per type)")
            reporters.append(
                Reporter(raw["kind"], raw["field"], use=raw.get("use", "message"), states=raw.get("states", {}))
            )
        else:
            need_field([*where, "total"], raw["total"])
            lo, hi = raw.get("min", 3), raw.get("max", 8)
            if lo > hi:
                raise fail(where, f"min {lo} is greater than max {hi}")
            reporters.append(Reporter("count", raw["field"], total=raw["total"], min=lo, max=hi))

    presence = {}
    for dotted, only_in in ext.get("presence", {}).items():
        target = need_field([*x, "presence", dotted], dotted)
        for i, state in enumerate(only_in):
            if state not in states:
                raise fail([*x, "presence", dotted, i], f"{state!r} is not a declared state")
        if openapi.is_required(job_schema, dotted) and not target.get("nullable"):
            raise fail([*x, "presence", dotted], f"{dotted!r} is required and not nullable, so it cannot be absent")
        presence[dotted] = tuple(only_in)
    state_values = {}
    for state, options in ext.get("stateValues", {}).items():
        if state not in states:
            raise fail([*x, "stateValues", state], f"{state!r} is not a declared state")
        state_values[state] = list(options)

    token = _token_rule(resolved, poll)
    cancel_op = None
    if "cancel" in ext:
        cancel_op = openapi.find_operation(resolved, ext["cancel"]["operation"])
        if cancel_op is None:
            raise fail([*x, "cancel", "operation"], f"no operation with operationId {ext['cancel']['operation']!r}")
        if cancelled is None:
            raise fail([*x, "cancel"], "a cancel operation needs a cancelled state")

    return ApiModel(
        name=name,
        source=spec.path,
        document=data,
        resolved=resolved,
        lifecycle=lifecycle,
        poll=poll,
        cancel=cancel_op,
        ext=ext,
        job_schema=job_schema,
        token=token,
        id_parameter=id_conf["parameter"],
        id_in=str(param["in"]),
        id_field=id_conf["field"],
        status_field=ext["status"],
        type_field=type_field,
        types=types,
        default_steps=default_steps,
        reporters=tuple(reporters),
        presence=presence,
        state_values=state_values,
        timestamps=timestamps,
        precision=ext.get("timestamps", {}).get("precision", "seconds"),
    )


def _token_rule(resolved: dict[str, Any], poll: Operation) -> TokenRule:
    requirements = poll.spec.get("security", resolved.get("security", []))
    schemes = resolved.get("components", {}).get("securitySchemes", {})
    for requirement in requirements:
        for scheme_name in requirement:
            return rule_from_scheme(scheme_name, schemes.get(scheme_name, {}))
    return TokenRule(None)


def _pair(values: Any) -> tuple[float, float]:
    low, high = values
    return float(low), float(high)
