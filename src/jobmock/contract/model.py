"""A job API as jobmock understands it: an OpenAPI document plus its x-jobmock lifecycle.

`load_api` reads one spec file, checks it (OpenAPI validity in its own dialect, the
extension's own schema, and that the extension agrees with the document), and returns an
`ApiModel` (a `Contract` with jobs), or the plain `Contract` of a document with no
lifecycle. Every problem is reported with file, line and place; nothing is half-loaded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cache, cached_property, partial
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlencode

import jsonschema

from ..exceptions import PathItem, SpecError, SpecErrors
from . import openapi
from .bundled import bundled_names, bundled_specs
from .document import DEFAULT_ERROR_BODY, Contract, ErrorFormat, problems_in, read_contract
from .files import SpecFile, StartupFiles, collect
from .infer import JobResource, extension, find_jobs, listed_jobs
from .lifecycle import Approval, Lifecycle
from .openapi import Operation
from .progress import REPORTERS, Reporter, Step, progress_schema
from .refs import bundle
from .schema_fit import READ, judge

MAX_JOB_SCHEMA = 20_000  # values in the poll response schema, $refs expanded: each job's body is made from it
Precision = Literal["seconds", "milliseconds", "microseconds"]
TimeForm = Literal["iso", "seconds", "milliseconds", "number"]  # ISO 8601 text, or unix-epoch numbers
Alphabet = Literal["alphanumeric", "lowercase-alphanumeric", "hex"]


def spec_path(name_or_path: str) -> Path:
    """A bundled API name (`neuraldraft`) or a path to a spec file."""
    candidate = bundled_specs() / f"{name_or_path}.yaml"
    if "/" not in name_or_path and candidate.exists():
        return candidate
    path = Path(name_or_path)
    if path.exists():
        return path
    known = ", ".join(bundled_names())
    raise SpecError(name_or_path, [], f"no such spec file or bundled API (bundled: {known})")


def extension_schema() -> dict[str, Any]:
    """The x-jobmock JSON Schema, with the reporter kinds registered now."""
    schema: dict[str, Any] = json.loads(_extension_schema_file())
    schema["properties"]["progress"] = progress_schema()
    return schema


@cache
def _extension_schema_file() -> str:
    return resources.files("jobmock.contract").joinpath("schemas/x-jobmock.schema.json").read_text()


@dataclass(frozen=True)
class JobType:
    name: str
    steps: tuple[Step, ...]
    result: Mapping[str, Any] | None  # resolved schema of this type's result


@dataclass(frozen=True)
class IdFormat:
    """How the API's job ids look (x-jobmock.id)."""

    uuid: bool = False
    prefix: str = ""
    length: int = 12
    alphabet: Alphabet = "alphanumeric"

    def matches(self, job_id: str) -> bool:
        if self.uuid:
            return openapi.is_uuid(job_id)
        return re.fullmatch(rf"{re.escape(self.prefix)}[A-Za-z0-9]{{{self.length}}}", job_id) is not None

    def describe(self) -> str:
        return "a UUID" if self.uuid else f"{self.prefix!r} then {self.length} letters or digits"


@dataclass(frozen=True)
class CreateRule:
    """The vendor's own create operation (x-jobmock.create): answered with `status`, the new
    job's body where the documented answer is the job (`answers_job`), else the documented
    answer with the new job's id in `id_field`; `Location`-like headers it declares point at
    the job's poll."""

    operation: Operation
    status: int
    answers_job: bool
    id_field: str | None
    location_headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListRule:
    """The vendor's own list (x-jobmock.list): the caller's jobs, newest first, in the array at
    `items` of its documented answer ('' when the answer is the array), a page at a time by
    its `limit` parameter and its `cursor` (a job id: those after it) or `page` number."""

    operation: Operation
    items: str
    limit: str | None = None
    cursor: str | None = None
    page: str | None = None
    default_limit: int = 20


@dataclass(frozen=True)
class CancelRule:
    """The vendor's own cancel operation (x-jobmock.cancel)."""

    operation: Operation
    parameter: str  # the parameter or body property holding the job id
    # what a cancel answers: this body; None: the job itself, or (`documented`) the document's own answer
    response: Mapping[str, Any] | None = field(default_factory=lambda: {"message": "Job cancelled"})
    documented: bool = False
    finished_status: int = 409
    finished_message: str = "Job is already {status}."


@dataclass(frozen=True)
class DeleteRule:
    """The vendor's own delete (x-jobmock.delete): the job is gone (its next poll is the
    documented 404), answered with the documented success: the job as it was, where the
    answer is the job, else the document's own answer with the job's id where it has one."""

    operation: Operation
    parameter: str  # the path parameter holding the job id
    answers_job: bool = False


@dataclass(frozen=True, kw_only=True, repr=False)  # Contract's short repr
class ApiModel(Contract):
    """A served document with jobs: its `x-jobmock` lifecycle, read and checked against it."""

    lifecycle: Lifecycle
    poll: Operation
    cancel: CancelRule | None
    create: CreateRule | None = None
    listing: ListRule | None = None
    delete: DeleteRule | None = None
    # the document's other job resources (inferred), served beside this one on its paths and
    # named `<name>.<resource>`; empty for an API described by one x-jobmock
    siblings: tuple[ApiModel, ...] = ()
    job_schema: Mapping[str, Any]
    ids: IdFormat
    id_parameter: str
    id_in: Literal["path", "query"]
    id_field: str
    status_field: str
    type_field: str | None
    types: Mapping[str, JobType]
    default_steps: tuple[Step, ...]
    reporters: tuple[Reporter, ...]
    presence: Mapping[str, tuple[str, ...]]
    state_values: Mapping[str, tuple[Mapping[str, Any], ...]]
    timestamps: Mapping[str, str]  # role (created, updated, started, finished, expires) -> dotted field
    precision: Precision
    state_timestamps: Mapping[str, str] = field(default_factory=dict)  # state -> the field set on reaching it
    time_forms: Mapping[str, TimeForm] = field(default_factory=dict)  # timestamp field -> how it is written
    omit_absent: bool = False  # a field outside its states is left out even where null is allowed
    one_of: tuple[tuple[str, ...], ...] = ()  # groups of fields of which a job sets exactly one
    owner_field: str | None = None  # the field naming the job's owner (a JWT's `sub` goes there)
    fixed: tuple[str, ...] = ()  # x-jobmock.fixed: more fields a job keeps from poll to poll

    @property
    def has_jobs(self) -> bool:
        return True

    # a document's job resources are served together: what changes how it is served changes them all
    def with_mount(self, mount: str) -> ApiModel:
        return replace(self, mount=mount, siblings=tuple(s.with_mount(mount) for s in self.siblings))

    def with_keys(self, keys: Sequence[str]) -> ApiModel:
        siblings = tuple(s.with_keys(keys) for s in self.siblings)
        return replace(self, security=self.security.with_keys(keys), siblings=siblings)

    def with_server_variables(self, values: Mapping[str, str]) -> ApiModel:
        own = {name: value for name, value in values.items() if name in self.server_variable_names}
        siblings = tuple(s.with_server_variables(values) for s in self.siblings)
        return replace(self, server_variables={**self.server_variables, **own}, siblings=siblings)

    @property
    def job_operation_ids(self) -> tuple[str, ...]:
        """The operations that are about its jobs (the rest are stateless)."""
        cancel = (self.cancel.operation.operation_id,) if self.cancel is not None else ()
        create = (self.create.operation.operation_id,) if self.create is not None else ()
        listing = (self.listing.operation.operation_id,) if self.listing is not None else ()
        delete = (self.delete.operation.operation_id,) if self.delete is not None else ()
        return (self.poll.operation_id, *cancel, *create, *listing, *delete)

    def steps_for(self, job_type: str | None) -> tuple[Step, ...]:
        if job_type is not None and job_type in self.types and self.types[job_type].steps:
            return self.types[job_type].steps
        return self.default_steps

    @cached_property
    def id_check(self) -> Callable[[str], bool]:
        """The poll's id parameter schema as a cheap check of an id (where the schema is more
        than such a check can say, every id passes it: Connexion's validation judges those)."""
        return openapi.id_checker(self._id_schema) or _any_id

    @property
    def id_form(self) -> str:
        """What an id must be, as a refusal says it (`jobId must be a uuid`)."""
        return str(self._id_schema.get("format", "string"))

    @property
    def _id_schema(self) -> dict[str, Any]:
        return dict((self.poll.parameter(self.id_parameter) or {}).get("schema", {}))

    def poll_path(self, job_id: str) -> str:
        """Path and query of the poll request for a job, below the API's base path."""
        if self.id_in == "path":  # encoded: an id is data, never a path or a query of its own
            return self.poll.path.replace("{" + self.id_parameter + "}", quote(job_id, safe=""))
        return f"{self.poll.path}?{urlencode({self.id_parameter: job_id})}"

    def poll_request(self, job_id: str, given: Mapping[str, str] | None = None) -> tuple[str, dict[str, str]]:
        """Path with query, and headers, of the poll request for a job as a client of the
        document sends it: each of the poll's other parameters given a value (`--param`), and
        each other required one with the value the document gives it (its default, example or
        only value: Pinecone's required `X-Pinecone-Api-Version` header, default `2026-04`)."""
        path, query, headers = self.poll_path(job_id), {}, {}
        for param in self.poll.spec.get("parameters", []):
            name, where = str(param.get("name")), param.get("in")
            value = (given or {}).get(name)
            if name == self.id_parameter or where not in ("path", "query", "header"):
                continue
            if value is None and param.get("required"):
                value = openapi.documented_value(param)
            if value is None:
                continue
            if where == "path":
                path = path.replace("{" + name + "}", quote(value, safe=""))
            elif where == "query":
                query[name] = value
            else:
                headers[name] = value
        if query:
            path += ("&" if "?" in path else "?") + urlencode(query)
        return path, headers

    @property
    def fixed_fields(self) -> tuple[str, ...]:
        """Fields whose value a job keeps from its first poll to its last: its id, type,
        creation time, owner, count totals, and those x-jobmock.fixed adds."""
        implicit = [self.id_field, self.type_field, self.timestamps.get("created"), self.owner_field]
        implicit += [field for group in self.one_of for field in group]
        implicit += [total for reporter in self.reporters if (total := reporter.total_field()) is not None]
        return tuple(dict.fromkeys(f for f in [*implicit, *self.fixed] if f))

    def driven_fields(self) -> set[str]:
        """Top-level fields the lifecycle drives; overrides and fixtures may not set them. A
        field inside an object (`request_counts.completed`, `data.status`) is not one: the
        object is made like any other, the lifecycle writing its own values into it."""
        names = {self.status_field, *self.timestamps.values(), *self.state_timestamps.values()}
        for reporter in self.reporters:
            names.update(reporter.driven_fields())
        return {n for n in names if "." not in n}


def _any_id(job_id: str) -> bool:
    return True


def is_bundled(path: Path) -> bool:
    return path.resolve().parent == bundled_specs().resolve()


def load_named(
    name_or_path: str, strict: bool = True, files: StartupFiles | None = None, overlay: SpecFile | None = None
) -> Contract:
    """A bundled API by name, or a spec file by path. Bundled specs skip the full OpenAPI
    validation unless `strict` (the test suite validates them)."""
    path = spec_path(name_or_path)
    is_path = "/" in name_or_path or name_or_path.endswith((".yaml", ".yml", ".json"))
    check = strict or not is_bundled(path)
    name = None if is_path else name_or_path
    return load_api(path, name, check_openapi=check, files=files, schema_slips=strict, overlay=overlay)


def read_overlays(paths: Sequence[str], files: StartupFiles | None = None) -> dict[str | None, SpecFile]:
    """`--overlay` files by the API each names (`api: NAME`; None: the only document served),
    each an `x-jobmock` mapping; SpecError at its place otherwise."""
    found: dict[str | None, SpecFile] = {}
    for raw in paths:
        read = (files or StartupFiles()).read(Path(raw), _in_extension)
        data = read.data
        if not isinstance(data, dict) or not isinstance(data.get("x-jobmock"), dict):
            raise read.error([], "an overlay holds an `x-jobmock:` mapping (and `api: NAME` with several documents)")
        unknown = sorted(set(data) - {"x-jobmock", "api"})
        if unknown:
            raise read.error([unknown[0]], "an overlay holds `x-jobmock` and `api` only")
        api = data.get("api")
        if api in found:
            raise read.error(["api"] if api else [], f"a second overlay for {api or 'the document'}")
        found[str(api) if api is not None else None] = read
    return found


def _overlaid(ext: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """`ext` with the overlay's keys laid over it: mappings merged key by key, anything else replaced."""
    merged = dict(ext)
    for key, value in overlay.items():
        below = merged.get(key)
        merged[key] = _overlaid(below, value) if isinstance(below, Mapping) and isinstance(value, Mapping) else value
    return merged


def load_api(
    path: Path,
    name: str | None = None,
    check_openapi: bool = True,
    files: StartupFiles | None = None,
    schema_slips: bool = True,
    overlay: SpecFile | None = None,
) -> Contract:
    """Load and check one document: an `ApiModel` when it has an `x-jobmock` lifecycle, else
    a `Contract` (served statelessly). `check_openapi=False` skips the full OpenAPI
    validation (~50 ms a file, plus ~100 ms to import the validator): for bundled specs,
    which the test suite validates, so that start-up stays fast. `files` reads (and
    counts) the document and the files its `$refs` name (`refs.bundle`): only those under
    the document's folder, never the network. `schema_slips=False`: the Schema Objects are
    not checked against their meta-schema (`problems_in`: it only warns, and costs seconds)."""
    files = files if files is not None else StartupFiles()
    spec = bundle(files.read_document(path, _in_extension), files)
    problems, slips = problems_in(spec, schema_slips) if check_openapi else ([], [])
    ext = spec.data.get("x-jobmock") if isinstance(spec.data, dict) else None
    laid = overlay.data["x-jobmock"] if overlay is not None else None
    if ext is not None and not problems:
        problems += _extension_problems(spec, _overlaid(ext, laid) if laid else ext, overlay)
    if problems:
        raise SpecErrors(problems)
    contract = read_contract(spec, name or path.stem, slips)
    if ext is None:
        return _with_inferred_jobs(spec, contract, overlay)
    try:
        return _build(spec, contract, _overlaid(ext, laid) if laid else None)
    except SpecError as exc:
        raise SpecErrors([_placed(exc, overlay)]) from exc


def _with_inferred_jobs(spec: SpecFile, contract: Contract, overlay: SpecFile | None = None) -> Contract:
    """A document with no x-jobmock: its job resources found (`contract.infer`), each served
    with its lifecycle. The one with the most of the vendor's own operations (`_rank`) keeps
    the document's name; the others are its `siblings`, named `<name>.<resource>`. Each
    decision is a warning with its place. Served statelessly when none is found, or none the
    inferred extension can describe."""
    notes: list[SpecError] = []
    served: list[ApiModel] = []
    taken: set[str] = set()  # operations a served resource answers: one resource each
    for job in sorted(find_jobs(contract.resolved), key=_rank):
        where = ["paths", job.poll.path, "get"]
        name = contract.name if not served else f"{contract.name}.{re.sub(r'[^A-Za-z0-9_-]+', '_', job.name)}"
        inferred = extension(job)[0]
        laid = overlay is not None and not served  # the overlay is the first resource's
        if laid and overlay is not None:
            inferred = _overlaid(inferred, overlay.data["x-jobmock"])
            problems = _extension_problems(spec, inferred, overlay)
            if problems:
                raise SpecErrors(problems)
        try:
            model = _build(spec, replace(contract, name=name), inferred)
        except SpecError as exc:
            if laid:
                raise SpecErrors([_placed(exc, overlay)]) from exc
            notes.append(spec.error(where, f"a job resource, not served as one: {exc.message}"))
            continue
        shared = taken & set(model.job_operation_ids)
        if shared:
            notes.append(spec.error(where, f"a job resource, not served as one: {', '.join(sorted(shared))} "
                                    "already answers for another"))  # fmt: skip
            continue
        taken |= set(model.job_operation_ids)
        states = ", ".join(c.value for c in job.values)
        notes.append(spec.error(where, f"a job resource inferred (status `{job.status}`: {states}): served as "
                                f"{name!r}; `jobmock infer` shows what was read and why"))  # fmt: skip
        served.append(replace(model, warnings=()))
    if not served:
        return replace(contract, warnings=(*contract.warnings, *notes)) if notes else contract
    first, *rest = served
    return replace(first, warnings=(*contract.warnings, *notes), siblings=tuple(rest))


def _rank(job: JobResource) -> tuple[bool, bool, int, int]:
    """Which job resource is served: one with the vendor's create, then its cancel, then a
    resource of its own (`/batches/{id}` before `/threads/{id}/runs/{id}`), then the richest
    lifecycle (most kinds of states); ties in the document's order (a stable sort)."""
    kinds = len({c.kind for c in job.values if c.kind is not None})
    return (job.create is None, job.cancel is None, job.poll.path.count("{"), -kinds)


def _in_extension(where: list[PathItem]) -> bool:
    """Where a document's numbers are held to jobmock's bound: its x-jobmock (durations,
    counts); the rest is the vendor's (an int64 `maximum: 9223372036854775807`)."""
    return bool(where) and where[0] == "x-jobmock"


def _extension_problems(spec: SpecFile, ext: Any, overlay: SpecFile | None = None) -> list[SpecError]:
    """What breaks the extension's schema, each at its place: in the overlay where the
    overlay wrote it, else in the document."""
    validator = jsonschema.Draft202012Validator(extension_schema())
    problems = []
    for err in sorted(validator.iter_errors(ext), key=lambda e: list(e.absolute_path)):
        where = ["x-jobmock", *err.absolute_path]
        problems.append(_placed(spec.error(where, err.message), overlay))
    return problems


def _placed(problem: SpecError, overlay: SpecFile | None) -> SpecError:
    """A problem of the extension, at its place in the overlay when the overlay wrote it."""
    where = list(problem.where)
    if overlay is None or where[:1] != ["x-jobmock"]:
        return problem
    node: Any = overlay.data
    for key in where:
        if not isinstance(node, Mapping) or key not in node:
            return problem
        node = node[key]
    return overlay.error(where, problem.message)


def _build(  # noqa: C901 - one linear list of checks
    spec: SpecFile, contract: Contract, inferred: dict[str, Any] | None = None
) -> ApiModel:
    """The ApiModel of the document's x-jobmock, or of the one `inferred` from it (`contract.infer`)."""
    data: dict[str, Any] = spec.data
    ext: dict[str, Any] = inferred if inferred is not None else data["x-jobmock"]
    resolved: dict[str, Any] = dict(contract.resolved)
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
    cancelling = ext.get("cancelling")
    if cancelling is not None:
        if cancelling not in states or cancelling in ext["terminal"]:
            raise fail([*x, "cancelling"], f"{cancelling!r} is not a declared state that is not terminal")
        if cancelled is None or cancelled not in ext["transitions"].get(cancelling, ()):
            raise fail([*x, "cancelling"], f"{cancelling!r} has no transition to the cancelled state {cancelled!r}")
    approval = _approval(ext, fail)
    duration = ext.get("duration", {})
    lifecycle = Lifecycle(
        states=states,
        initial=ext["initial"],
        working=tuple(ext.get("working", [])),
        terminal=tuple(ext["terminal"]),
        transitions={k: tuple(v) for k, v in ext["transitions"].items()},
        cancelled=cancelled,
        cancelling=cancelling,
        approval=approval,
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
    success = poll.success_schema()
    if success is None:
        raise fail([*x, "poll"], "the poll operation has no 2xx application/json response schema")
    job_schema = openapi.merged_object(success)
    if openapi.tree_size(job_schema, MAX_JOB_SCHEMA) > MAX_JOB_SCHEMA:
        raise fail([*x, "poll"], f"the poll response schema expands to more than {MAX_JOB_SCHEMA} values")

    id_conf = ext["id"]
    param = poll.parameter(id_conf["parameter"])
    if param is None or param.get("in") not in ("path", "query"):
        raise fail(
            [*x, "id", "parameter"], f"the poll operation has no path or query parameter {id_conf['parameter']!r}"
        )
    if not id_conf.get("uuid") and not id_conf.get("prefix") and not id_conf.get("length"):
        raise fail([*x, "id"], "say how ids look: uuid: true, or prefix/length/alphabet")

    def need_field(where: list[str | int], dotted: str) -> Mapping[str, Any]:
        found = openapi.property_schema(job_schema, dotted)
        if found is None:
            raise fail(where, f"the poll response schema has no field {dotted!r}")
        return found

    nulls = judge(contract.dialect, READ, resolved)  # null as the document's dialect reads it
    need_field([*x, "id", "field"], id_conf["field"])
    need_field([*x, "status"], ext["status"])
    stamps_conf = ext.get("timestamps", {})
    timestamps: dict[str, str] = {k: v for k, v in stamps_conf.items() if k not in ("precision", "epoch", "states")}
    time_forms: dict[str, TimeForm] = {}
    for key, dotted in timestamps.items():
        time_forms[dotted] = _time_form(need_field([*x, "timestamps", key], dotted), stamps_conf.get("epoch"))
    state_timestamps: dict[str, str] = dict(stamps_conf.get("states", {}))
    for state, dotted in state_timestamps.items():
        if state not in states:
            raise fail([*x, "timestamps", "states", state], f"{state!r} is not a declared state")
        found = need_field([*x, "timestamps", "states", state], dotted)
        time_forms[dotted] = _time_form(found, stamps_conf.get("epoch"))
    if "ownerField" in ext:
        need_field([*x, "ownerField"], ext["ownerField"])
    for i, dotted in enumerate(ext.get("fixed", ())):
        need_field([*x, "fixed", i], dotted)
    for i, group in enumerate(ext.get("oneOf", ())):
        for j, dotted in enumerate(group):
            if not nulls.allows_null(need_field([*x, "oneOf", i, j], dotted)):
                raise fail([*x, "oneOf", i, j], f"{dotted!r} is not nullable, so it cannot be the null one")

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
                result = openapi.deref(data, result)
            types[tname] = JobType(tname, steps_of(tconf.get("steps", [])), result)

    default_steps = steps_of(ext.get("steps", []))
    reporters = []
    for i, raw in enumerate(ext.get("progress", [])):
        where: list[str | int] = [*x, "progress", i]
        kind = REPORTERS[raw["kind"]]
        if kind.needs_steps and not default_steps and not any(t.steps for t in types.values()):
            raise fail(where, f"a {kind.kind} reporter needs steps (x-jobmock.steps or per type)")

        def find(key: str, dotted: str, at: list[str | int] = where) -> Mapping[str, Any]:
            return need_field([*at, key], dotted)

        try:
            reporters.append(kind.parse(raw, find))
        except ValueError as exc:
            raise fail(where, str(exc)) from exc

    presence = {}
    for dotted, only_in in ext.get("presence", {}).items():
        target = need_field([*x, "presence", dotted], dotted)
        for i, state in enumerate(only_in):
            if state not in states:
                raise fail([*x, "presence", dotted, i], f"{state!r} is not a declared state")
        if openapi.is_required(job_schema, dotted) and not nulls.allows_null(target):
            raise fail([*x, "presence", dotted], f"{dotted!r} is required and not nullable, so it cannot be absent")
        presence[dotted] = tuple(only_in)
    state_values = {}
    for state, options in ext.get("stateValues", {}).items():
        if state not in states:
            raise fail([*x, "stateValues", state], f"{state!r} is not a declared state")
        state_values[state] = tuple(options)

    cancel = None
    if "cancel" in ext:
        conf = ext["cancel"]
        cancel_op = openapi.find_operation(resolved, conf["operation"])
        if cancel_op is None:
            raise fail([*x, "cancel", "operation"], f"no operation with operationId {conf['operation']!r}")
        if cancelled is None:
            raise fail([*x, "cancel"], "a cancel operation needs a cancelled state")
        cancel = CancelRule(
            operation=cancel_op,
            parameter=conf["parameter"],
            # an inferred cancel answers what its document says: the job where that is its answer
            response=None if inferred is not None else conf.get("response", {"message": "Job cancelled"}),
            documented=inferred is not None and not _answers_job(cancel_op, poll),
            finished_status=int(conf.get("finishedStatus", 409 if inferred is None else _finished_status(cancel_op))),
            finished_message=conf.get("finishedMessage", "Job is already {status}."),
        )
    delete = None
    if "delete" in ext:
        delete_op = openapi.find_operation(resolved, ext["delete"]["operation"])
        if delete_op is None:
            raise fail([*x, "delete", "operation"], f"no operation {ext['delete']['operation']!r}")
        if delete_op.parameter(ext["delete"]["parameter"]) is None:
            raise fail([*x, "delete", "parameter"], f"{delete_op.operation_id} has no parameter "
                                                    f"{ext['delete']['parameter']!r}")  # fmt: skip
        delete = DeleteRule(delete_op, ext["delete"]["parameter"], _answers_job(delete_op, poll))
    create = None
    if "create" in ext:
        create_op = openapi.find_operation(resolved, ext["create"]["operation"])
        if create_op is None:
            raise fail([*x, "create", "operation"], f"no operation {ext['create']['operation']!r}")
        create = _create_rule(create_op, poll, id_conf["field"])
    listing = None
    if "list" in ext:
        list_op = openapi.find_operation(resolved, ext["list"]["operation"])
        if list_op is None:
            raise fail([*x, "list", "operation"], f"no operation {ext['list']['operation']!r}")
        listing = _list_rule(list_op, poll)
        if listing is None and inferred is None:  # inferred: a list that holds no jobs stays stateless
            raise fail([*x, "list", "operation"], "its answer holds no list of the poll's jobs")
    raw_errors = ext.get("errors", {})
    errors = ErrorFormat(
        body=raw_errors.get("body", DEFAULT_ERROR_BODY),
        bodies=raw_errors.get("bodies", {}),
        codes=raw_errors.get("codes", {}),
        messages=raw_errors.get("messages", {}),
        validation=int(raw_errors.get("validation", 400)),
        auth=raw_errors.get("auth", {}),
        declared=bool(raw_errors),
    )
    ids = IdFormat(
        uuid=bool(id_conf.get("uuid", False)),
        prefix=id_conf.get("prefix", ""),
        length=int(id_conf.get("length", 12)),
        alphabet=id_conf.get("alphabet", "alphanumeric"),
    )

    return ApiModel(
        **{**{f.name: getattr(contract, f.name) for f in fields(Contract)}, "errors": errors},
        lifecycle=lifecycle,
        poll=poll,
        cancel=cancel,
        create=create,
        listing=listing,
        delete=delete,
        job_schema=job_schema,
        ids=ids,
        id_parameter=id_conf["parameter"],
        id_in="path" if param["in"] == "path" else "query",
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
        state_timestamps=state_timestamps,
        time_forms=time_forms,
        omit_absent=ext.get("absent") == "omitted",
        one_of=tuple(tuple(group) for group in ext.get("oneOf", ())),
        owner_field=ext.get("ownerField"),
        fixed=tuple(ext.get("fixed", ())),
    )


def _finished_status(op: Operation) -> int:
    """What an inferred cancel answers for a job that has already finished: 409 (Conflict)
    where its operation documents it; else 200 and the job unchanged (a cancel of a finished
    job changes nothing, and the document's 400 or 422 say a request is malformed, which this
    one is not)."""
    return 409 if "409" in {str(code) for code in op.spec.get("responses") or {}} else 200


def _answers_job(op: Operation, poll: Operation) -> bool:
    """Whether the operation's success answer is the job: the poll's own schema (another
    schema with the same status, a truncated job, would not take the job's body)."""
    answer = op.success_schema()
    return answer is not None and answer == poll.success_schema()


def _create_rule(op: Operation, poll: Operation, id_field: str) -> CreateRule:
    codes = sorted(str(c) for c in op.spec.get("responses") or {} if str(c) in ("200", "201", "202"))
    answer = openapi.merged_object(op.success_schema() or {})
    props = answer.get("properties") or {}
    named = [id_field.split(".")[-1], "id", *(n for n in props if str(n).endswith(("_id", "Id", "gid")))]
    success = next(
        (r for c, r in (op.spec.get("responses") or {}).items() if str(c) in codes[:1] and isinstance(r, dict)), {}
    )
    locations = tuple(h for h in success.get("headers") or {} if h.lower() in ("location", "operation-location"))
    return CreateRule(
        operation=op,
        status=int(codes[0]) if codes else 200,
        answers_job=_answers_job(op, poll),
        id_field=next((n for n in named if n in props), None),
        location_headers=locations,
    )


_LIMITS = ("limit", "page_size", "per_page", "pageSize", "perPage", "max_results", "maxResults")
_CURSORS = ("after", "starting_after", "cursor", "page_token", "pageToken", "next_token", "nextToken")
_PAGES = ("page", "page_number", "pageNumber")


def _list_rule(op: Operation, poll: Operation) -> ListRule | None:
    """Where the list's answer holds the jobs (`infer.listed_jobs`), and which parameters page it."""
    items = listed_jobs(op, poll)
    if items is None:
        return None
    params = {str(p.get("name")): p for p in op.spec.get("parameters") or [] if p.get("in") == "query"}
    limit = next((n for n in _LIMITS if n in params), None)
    default = (params[limit].get("schema") or {}).get("default") if limit else None
    return ListRule(
        operation=op,
        items=items,
        limit=limit,
        cursor=next((n for n in _CURSORS if n in params), None),
        page=next((n for n in _PAGES if n in params), None),
        default_limit=default if isinstance(default, int) and 0 < default <= 100 else 20,
    )


def _time_form(schema: Mapping[str, Any], epoch: str | None) -> TimeForm:
    """How a timestamp field is written, by its schema: text (ISO 8601) where it allows a
    string, else a unix-epoch integer (seconds, or milliseconds where x-jobmock says so) or
    number (seconds with a fraction)."""
    kinds = openapi.value_types(schema)
    if "string" in kinds or not kinds & {"integer", "number"}:
        return "iso"
    if epoch == "milliseconds":
        return "milliseconds"
    return "seconds" if "integer" in kinds else "number"


def _approval(ext: Mapping[str, Any], fail: Callable[[list[str | int], str], SpecError]) -> Approval | None:
    """x-jobmock.approval: its states declared, and the moves it makes declared as transitions."""
    conf = ext.get("approval")
    if conf is None:
        return None
    where: list[str | int] = ["x-jobmock", "approval"]
    states = ext["states"]
    for key in ("state", "approve", "reject"):
        if conf[key] not in states:
            raise fail([*where, key], f"{conf[key]!r} is not one of the declared states {list(states)}")
    if conf["state"] in ext["terminal"]:
        raise fail([*where, "state"], f"terminal state {conf['state']!r} cannot wait for approval")
    for key in ("approve", "reject"):
        if conf[key] not in ext["transitions"].get(conf["state"], []):
            raise fail([*where, key], f"transition {conf['state']!r} -> {conf[key]!r} is not declared")
    return Approval(conf["state"], conf["approve"], conf["reject"])


def _pair(values: Any) -> tuple[float, float]:
    low, high = values
    return float(low), float(high)


def load_apis(
    specs: Sequence[str] = (),
    mount: bool | None = None,
    strict: bool = False,
    files: StartupFiles | None = None,
    overlays: Mapping[str | None, SpecFile] | None = None,
) -> list[Contract]:
    """Load bundled names or spec paths (all bundled APIs when empty); all errors at once.

    With several APIs (or `mount=True`) each is mounted under `/<name>`. Bundled specs skip
    the full OpenAPI validation unless `strict` (the test suite validates them). `files`
    reads them (`--max-file-bytes`) and counts what it read.
    """
    names = list(specs) or bundled_names()
    mount = len(names) > 1 if mount is None else mount
    apis: list[Contract] = []
    problems: list[SpecError] = []
    overlays = dict(overlays or {})
    if None in overlays and len(names) > 1:
        problems.append(overlays[None].error([], "name the document it is laid over (`api: NAME`): several are served"))
        overlays.pop(None)
    for name in names:
        laid = overlays.pop(None, None) or overlays.pop(Path(name).stem if "/" in name or "." in name else name, None)
        api = collect(problems, partial(load_named, name, strict, files, laid))
        if api is not None:
            apis.append(api.with_mount(f"/{api.name}" if mount else ""))
    for left, unused in overlays.items():
        problems.append(unused.error(["api"], f"no served document is named {left!r}"))
    taken = [a.name for a in apis]
    for api in apis:
        if taken.count(api.name) > 1:
            problems.append(SpecError(api.source, [], f"two specs are named {api.name!r}; rename one file"))
    if problems:
        raise SpecErrors(problems)
    return apis
