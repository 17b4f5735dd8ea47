"""Job resources found in a vendor's document that declares no `x-jobmock` (issue 21): which
operation is the poll, which field is the status and what its values mean, and which
operations create, list, cancel and delete the job.

The rule, written down because a `status` field alone does not make a job:

1. **The poll** is a GET whose path ends in a template (`/batches/{batch_id}`) and whose
   2xx JSON answer is an object with a status field: `status`, `state`, `job_status`,
   `phase` (in that order of preference), at its top or one level down (`data.status`); of
   an answer that is a union of job kinds, the first branch that has one.
2. **The values** come from the field's `enum` (or the enums and consts of its
   `anyOf`/`oneOf`/`allOf` branches), else `x-enum`, else `examples`, else the quoted or
   backticked words of its description. They are classified by `contract.states`.
3. **It is a job** when the values hold a success state and a state before it (initial or
   working), as a lifecycle does. An invitation (`pending`, `accepted`, `expired`) or an
   order (`processing`, `shipped`, `delivered`) has no success word and is not taken.
4. **The create** is a POST on the poll's collection (`/batches`) answering 200, 201 or 202,
   else a POST below the collection (`/batch-calling/submit`) answering a body with the same
   status field and values, else a POST that answers 202 with the id the poll takes (`runId`).
   **The list** is a GET on the collection. **The cancel** is a POST on `<poll>/cancel`,
   else a DELETE on the poll's path; **the delete** is that DELETE when a POST cancels.

Every decision keeps a one-line reason (`jobmock infer` prints them). Pure: it reads a
document whose `$ref`s are resolved (`openapi.deref`), no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .dialects import dialect_of
from .openapi import Operation, merged_object, operations, property_schema, value_types
from .schema_fit import READ, Judge, judge
from .states import Classified, classify, classify_all, words, working_order

STATUS_NAMES = ("status", "state", "job_status", "phase")
_QUOTED = re.compile(r"""[`'"]([A-Za-z][A-Za-z0-9_.\-]{0,63})[`'"]""")
_LISTED = re.compile(r":\s*([A-Za-z_][\w\- ,]*?)\s*\.?\s*$")  # a list after a colon, to the end
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{0,63}")
_ID_PARAMETER = re.compile(r"(?i)^(?:id|.*[_-]id|.*[a-z]Id|.*gid|.*sid)$")
_SUCCESS_CODES = ("200", "201", "202")


@dataclass(frozen=True)
class JobResource:
    """One job resource of a document, as inferred; `reasons`: each decision, one line."""

    poll: Operation
    status: str  # the status field, dotted when nested (`data.status`)
    values: tuple[Classified, ...]
    source: str  # where the values were read: enum, x-enum, examples, description
    create: Operation | None = None
    listing: Operation | None = None
    cancel: Operation | None = None
    delete: Operation | None = None
    reasons: tuple[str, ...] = ()
    document: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)  # resolved: where it was found

    @property
    def name(self) -> str:
        """The collection's path without templates and versions: `/v1/threads/{thread_id}/runs/{run_id}`
        -> `threads/runs`."""
        parts = [s for s in collection_of(self.poll.path).split("/") if s and not s.startswith("{")]
        named = [s for s in parts if not re.fullmatch(r"v\d+(\.\d+)*", s)]
        return "/".join(named or parts)

    @property
    def unclassified(self) -> list[str]:
        return [c.value for c in self.values if c.kind is None]


def find_jobs(resolved: Mapping[str, Any]) -> list[JobResource]:
    """Every job resource of the document, in the order of its paths."""
    ops = operations(dict(resolved))
    by_place = {(op.method, op.path): op for op in ops}
    found = []
    for op in ops:
        resource = _job_at(op, ops, by_place, resolved)
        if resource is not None:
            found.append(resource)
    return found


def collection_of(path: str) -> str:
    """`/batches/{batch_id}` -> `/batches`; a path that names no job in it is its own."""
    return path.rsplit("/", 1)[0] if path.endswith("}") else path


def id_parameter(poll: Operation) -> str:
    """The poll's parameter naming the job: its path's last template, else its query id."""
    if poll.path.endswith("}"):
        return poll.path.rsplit("{", 1)[1].rstrip("}")
    return next(
        str(p["name"]) for p in poll.spec.get("parameters") or [] if p.get("in") == "query" and p.get("required")
    )


def status_values(schema: Mapping[str, Any]) -> tuple[list[str], str]:
    """The values a status field's schema gives, and where it gives them (see rule 2)."""
    enum = [v for v in _enums(schema) if isinstance(v, str)]
    if enum:
        return list(dict.fromkeys(enum)), "enum"
    listed = schema.get("x-enum")
    if isinstance(listed, list) and all(isinstance(v, str) for v in listed) and listed:
        return list(dict.fromkeys(listed)), "x-enum"
    examples = schema.get("examples")
    if isinstance(examples, list) and len(examples) > 1 and all(isinstance(v, str) for v in examples):
        return list(dict.fromkeys(examples)), "examples"
    description = str(schema.get("description") or "")
    words = _QUOTED.findall(description)
    if len(words) > 1:
        return list(dict.fromkeys(words)), "description"
    listed = _LISTED.search(description)  # `Job status: pending, processing, completed, or failed.`
    if listed is not None:
        words = [w for w in re.split(r",\s*(?:or\s+|and\s+)?|\s+or\s+", listed.group(1)) if w]
        if len(words) > 1 and all(_WORD.fullmatch(w) and classify(w).kind for w in words):
            return words, "description"
    return [], ""


def _job_at(
    op: Operation,
    ops: Sequence[Operation],
    by_place: Mapping[tuple[str, str], Operation],
    document: Mapping[str, Any],
) -> JobResource | None:
    if op.method != "get" or not (re.search(r"/\{[^}/]+\}$", op.path) or _id_in_query(op)):
        return None
    schema = op.success_schema()
    if schema is None:
        return None
    located = _status_field(schema)
    if located is None:
        return None
    status_field, values, source = located
    classified = classify_all(values)
    kinds = {c.kind for c in classified}
    if "succeeded" not in kinds or not kinds & {"initial", "working"}:
        return None
    reasons = [
        f"poll: GET {op.path} answers an object with a status field `{status_field}`",
        f"states: {len(values)} values from its {source}, with a success and a state before it",
        *(f"  {c.value}: {c.kind or 'unclassified'} ({c.reason})" for c in classified),
    ]
    collection = collection_of(op.path)
    create = _create(collection, id_parameter(op), located, ops, by_place)
    listing = by_place.get(("get", collection))
    cancel = by_place.get(("post", op.path + "/cancel"))
    delete = by_place.get(("delete", op.path)) if op.path.endswith("}") else None
    if cancel is None and delete is not None:
        cancel, delete = delete, None
    for kind, found in (("create", create), ("list", listing), ("cancel", cancel), ("delete", delete)):
        reasons.append(f"{kind}: {found.method.upper()} {found.path}" if found else f"{kind}: none found")
    return JobResource(
        op, status_field, tuple(classified), source, create, listing, cancel, delete, tuple(reasons), document
    )


def _id_in_query(op: Operation) -> bool:
    """A GET that names its job by a required query parameter (`/getJobStatus?jobId=`)."""
    return any(
        p.get("in") == "query" and p.get("required") and _ID_PARAMETER.match(str(p.get("name", "")))
        for p in op.spec.get("parameters") or []
    )


def _status_field(schema: Mapping[str, Any]) -> tuple[str, list[str], str] | None:
    """The status field (rule 1) and its values, at the top or one level down."""
    for prefix, node in _objects(schema):
        props = merged_object(node).get("properties") or {}
        for name in STATUS_NAMES:
            sub = props.get(name)
            if isinstance(sub, Mapping):
                values, source = status_values(sub)
                if values:
                    return prefix + name, values, source
    return None


def _objects(schema: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The answer's object (each branch of a union of job kinds: Mistral's fine-tuning jobs),
    then each object one level down."""
    tops = [b for key in ("oneOf", "anyOf") for b in schema.get(key) or [] if isinstance(b, Mapping)] or [schema]
    for top in tops:
        yield "", top
    for top in tops:
        props = merged_object(top).get("properties") or {}
        for name, sub in props.items():
            if isinstance(sub, Mapping) and isinstance(merged_object(sub).get("properties"), Mapping):
                yield f"{name}.", sub


def _enums(schema: Mapping[str, Any], depth: int = 0) -> Iterator[Any]:
    if depth > 4:
        return
    if isinstance(schema.get("enum"), list):
        yield from schema["enum"]
    if "const" in schema:
        yield schema["const"]
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key) or []:
            if isinstance(branch, Mapping):
                yield from _enums(branch, depth + 1)


def _create(
    collection: str,
    parameter: str,
    status: tuple[str, list[str], str],
    ops: Sequence[Operation],
    by_place: Mapping[tuple[str, str], Operation],
) -> Operation | None:
    direct = by_place.get(("post", collection))
    if direct is not None and _answers(direct):
        return direct
    for op in ops:  # a POST below the collection that answers the job itself
        if op.method == "post" and op.path.startswith(collection + "/") and "{" not in op.path[len(collection) :]:
            answer = op.success_schema()
            if answer is not None and _status_field(answer) == status:
                return op
    if direct is not None:
        return direct
    accepting = [  # a POST elsewhere that accepts work (202) and answers the id the poll takes (`runId`)
        op
        for op in ops
        if op.method == "post"
        and "202" in {str(c) for c in op.spec.get("responses") or {}}
        and parameter in (merged_object(op.success_schema() or {}).get("properties") or {})
    ]
    return min(accepting, key=lambda op: op.path.count("{"), default=None)


def _answers(op: Operation) -> bool:
    return any(str(code) in _SUCCESS_CODES for code in op.spec.get("responses") or {})


_CREATED = ("created_at", "created", "createdAt", "created_on", "creation_time", "submitted_at")
_STARTED = ("started_at", "startedAt", "start_time", "in_progress_at")
_FINISHED = ("completed_at", "finished_at", "finishedAt", "completedAt", "ended_at", "end_time", "done_at")
_EXPIRES = ("expires_at", "expiresAt", "expiration_time")
_UPDATED = ("updated_at", "updatedAt", "modified_at", "last_updated")
_RESULTS = ("result", "results", "output", "outputs", "text", "response", "output_file_id", "fine_tuned_model")
_ERRORS = ("error", "errors", "failure", "failure_reason", "last_error", "error_message")


def extension(job: JobResource) -> tuple[dict[str, Any], list[str]]:
    """The `x-jobmock` that says what was inferred about `job` (its lifecycle as far as the
    extension's schema can say it), and why each part is what it is, one line each."""
    nulls = judge(dialect_of(job.document.get("openapi")) or "3.0", READ, job.document)  # null as its dialect reads it
    whole = merged_object(job.poll.success_schema() or {})
    prefix = job.status.rpartition(".")[0]  # `data.status`: the job's fields are in `data`
    schema = merged_object(property_schema(whole, prefix) or {}) if prefix else whole
    props: Mapping[str, Any] = schema.get("properties") or {}
    dot = prefix + "." if prefix else ""
    kinds = {c.value: c.kind for c in job.values}
    initials = [v for v, k in kinds.items() if k == "initial"]
    working = working_order([v for v, k in kinds.items() if k in ("working", None)])
    initial = initials[0] if initials else working.pop(0) if working else job.values[0].value
    working = [*initials[1:], *(w for w in working if w != initial)]
    successes = [v for v, k in kinds.items() if k == "succeeded"]
    failures = [v for v, k in kinds.items() if k == "failed"]
    cancelled = [v for v, k in kinds.items() if k == "cancelled"]
    cancelling = [v for v, k in kinds.items() if k == "cancelling"]
    ends = [*failures, *cancelling, *cancelled]  # a terminal state straight from any before it is legal
    transitions = {s: [*([working[i]] if i < len(working) else successes), *ends] for i, s in enumerate([initial])}
    for i, state in enumerate(working):
        transitions[state] = [*([working[i + 1]] if i + 1 < len(working) else successes), *ends]
    for state in cancelling:
        transitions[state] = [*cancelled] or [*failures]
    why = [
        f"initial: {initial} ({'its name' if initials else 'no initial word: the first working state'})",
        f"working, in order: {', '.join(working) or '(none)'}",
        f"terminal: {', '.join([*successes, *failures, *cancelled])}",
    ]
    if cancelling and cancelled:
        why.append(f"cancelling: a cancel passes through {cancelling[0]} on its way to {cancelled[0]}")
    ext: dict[str, Any] = {
        "poll": job.poll.operation_id,
        "id": _id(job, props, dot),
        "status": job.status,
        "states": [c.value for c in job.values],
        "initial": initial,
        "working": [*working, *cancelling],
        "terminal": [*successes, *failures, *cancelled],
        "transitions": {state: list(dict.fromkeys(after)) for state, after in transitions.items()},
    }
    if cancelled:
        ext["cancelled"] = cancelled[0]
        if cancelling:
            ext["cancelling"] = cancelling[0]
    why += _operations(job, ext, cancelled[0] if cancelled else None)
    by_state = {  # `failed_at`: set when the job fails, absent before and on other ends
        state: dot + name
        for state in ext["states"]
        if state != initial
        and (name := next((n for n in _state_stamp_names(state) if _optional(schema, n, nulls)), None)) is not None
    }
    roles = (
        ("created", _CREATED),
        ("started", _STARTED),
        ("finished", _FINISHED),
        ("updated", _UPDATED),
        ("expires", _EXPIRES),
    )
    stamps: dict[str, Any] = {  # one absent before its moment (not created, updated, expires): where it may be
        key: dot + name
        for key, names in roles
        if (
            name := next(
                (
                    n
                    for n in names
                    if n in props
                    and dot + n not in by_state.values()
                    and (key in ("created", "updated", "expires") or _optional(schema, n, nulls))
                ),
                None,
            )
        )
        is not None
    }
    if by_state:
        stamps["states"] = by_state
    numbers = [n for n in (*stamps.values(), *by_state.values()) if isinstance(n, str) and _numeric(schema, n, dot)]
    if numbers:
        stamps["epoch"] = "milliseconds" if any(n.endswith(("_ms", "Ms")) for n in numbers) else "seconds"
    if stamps:
        ext["timestamps"] = stamps
        shown = [f"{k} {v}" for k, v in stamps.items() if isinstance(v, str) and k != "epoch"]
        shown += [f"{v} on reaching {k}" for k, v in by_state.items()]
        why.append("timestamps: " + ", ".join(shown) + (f" (unix epoch, {stamps['epoch']})" if numbers else ""))
    presence = {  # a field the answer must always hold stays in every state
        **{dot + name: successes for name in _RESULTS if _optional(schema, name, nulls) and successes},
        **{dot + name: failures for name in _ERRORS if _optional(schema, name, nulls) and failures},
    }
    if presence:
        ext["presence"] = presence
        why.append("presence: " + ", ".join(f"{k} in {'/'.join(v)}" for k, v in presence.items()))
    reporters = _reporters(props, dot)
    if reporters:
        ext["progress"] = [entry for entry, _ in reporters]
        why += [reason for _, reason in reporters]
    return ext, why


def listed_jobs(listing: Operation, poll: Operation) -> str | None:
    """Where the list's success answer holds the jobs as the poll answers them: '' when the
    answer is an array of the poll's schema, else the name of its property that is; None when
    it holds no such array (a list of summaries is not a list of the jobs: stateless)."""
    job = poll.success_schema()
    answer = listing.success_schema()
    if job is None or answer is None:
        return None
    if answer.get("type") == "array" and answer.get("items") == job:
        return ""
    for name, sub in (merged_object(answer).get("properties") or {}).items():
        if isinstance(sub, Mapping) and sub.get("type") == "array" and sub.get("items") == job:
            return str(name)
    return None


def _operations(job: JobResource, ext: dict[str, Any], cancelled: str | None) -> list[str]:
    """The vendor's own create, list, cancel and delete, put in `ext`; why, a line each."""
    why: list[str] = []
    if job.create is not None:
        ext["create"] = {"operation": job.create.operation_id}
        why.append(f"create: {job.create.method.upper()} {job.create.path} makes a job")
    if job.listing is not None and listed_jobs(job.listing, job.poll) is not None:
        ext["list"] = {"operation": job.listing.operation_id}
        why.append(f"list: {job.listing.method.upper()} {job.listing.path} lists the caller's jobs")
    elif job.listing is not None:
        why.append(f"list: {job.listing.method.upper()} {job.listing.path} holds no array of the jobs: stateless")
    if job.cancel is not None and cancelled:
        parameter = re.findall(r"\{([^}/]+)\}", job.cancel.path)
        if parameter:
            ext["cancel"] = {"operation": job.cancel.operation_id, "parameter": parameter[-1]}
            why.append(f"cancel: {job.cancel.method.upper()} {job.cancel.path} moves a job to {cancelled}")
    elif job.cancel is not None:
        why.append(f"cancel: {job.cancel.method.upper()} {job.cancel.path} not served as one (no cancelled state)")
    named = re.findall(r"\{([^}/]+)\}", job.delete.path) if job.delete is not None else []
    if job.delete is not None and named:
        ext["delete"] = {"operation": job.delete.operation_id, "parameter": named[-1]}
        why.append(f"delete: {job.delete.method.upper()} {job.delete.path} removes a job (its next poll: 404)")
    return why


_DONE = ("completed", "done", "processed", "succeeded", "finished")


def _reporters(props: Mapping[str, Any], dot: str) -> list[tuple[dict[str, Any], str]]:
    """Progress as the job's schema shows it: a `progress` (or `percent`) number, 0-100 or a
    0-1 fraction where its maximum is 1; counts in an object (`request_counts: {total,
    completed, failed}`)."""
    found = []
    for name in ("progress", "percent", "percentage", "progress_percent"):
        sub = props.get(name)
        if isinstance(sub, Mapping) and sub.get("type") in ("integer", "number"):
            fraction = sub.get("maximum") == 1
            entry: dict[str, Any] = {"kind": "percent", "field": dot + name}
            if fraction:
                entry["scale"] = 1
            found.append((entry, f"progress: `{name}`, " + ("a 0-1 fraction" if fraction else "0 to 100")))
            break
    for name, sub in props.items():
        counts = merged_object(sub).get("properties") if isinstance(sub, Mapping) else None
        if not isinstance(counts, Mapping) or "total" not in counts:
            continue
        done = next((d for d in _DONE if isinstance(counts.get(d), Mapping)), None)
        if done is not None:
            entry = {"kind": "count", "field": f"{dot}{name}.{done}", "total": f"{dot}{name}.total"}
            found.append((entry, f"progress: `{name}.{done}` of `{name}.total`, its other counts at 0"))
    return found


def _state_stamp_names(state: str) -> tuple[str, str]:
    """`in_progress` -> (`in_progress_at`, `inProgressAt`)."""
    said = words(state)
    return "_".join(said) + "_at", said[0] + "".join(w.capitalize() for w in said[1:]) + "At"


def _numeric(schema: Mapping[str, Any], dotted: str, dot: str) -> bool:
    """Whether a timestamp field is written as a number (unix epoch), not as text."""
    sub = (schema.get("properties") or {}).get(dotted[len(dot) :])
    if not isinstance(sub, Mapping):
        return False
    kinds = value_types(sub)  # as the model reads it to write the field (`model._time_form`)
    return bool(kinds & {"integer", "number"}) and "string" not in kinds


def _optional(schema: Mapping[str, Any], name: str, nulls: Judge) -> bool:
    """Whether the field exists and may be left out or null (so it can follow the state)."""
    sub = (schema.get("properties") or {}).get(name)
    if not isinstance(sub, Mapping):
        return False
    return nulls.allows_null(sub) or name not in (schema.get("required") or [])


def _id(job: JobResource, props: Mapping[str, Any], dot: str) -> dict[str, Any]:
    parameter = id_parameter(job.poll)
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", parameter).lower()
    named = ("id", parameter, snake, "gid", "uuid")
    field = next((n for n in named if n in props), next((n for n in props if str(n).endswith("id")), "id"))
    found = props.get(field)
    sub: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    example = next((e for e in (sub.get("example"), *(sub.get("examples") or [])) if isinstance(e, str)), None)
    field = dot + field
    param: Mapping[str, Any] = next(
        (p for p in job.poll.spec.get("parameters") or [] if p.get("name") == parameter), {}
    )
    if sub.get("format") == "uuid" or (param.get("schema") or {}).get("format") == "uuid":
        return {"parameter": parameter, "field": field, "uuid": True}
    if example and re.fullmatch(r"[A-Za-z]+[_-][A-Za-z0-9]{4,64}", example):
        prefix, rest = re.split(r"(?<=[_-])", example, maxsplit=1)
        alphabet = "hex" if re.fullmatch(r"[0-9a-f]+", rest) else "alphanumeric"
        return {"parameter": parameter, "field": field, "prefix": prefix, "length": len(rest), "alphabet": alphabet}
    return {"parameter": parameter, "field": field, "length": 24, "alphabet": "lowercase-alphanumeric"}


def described(jobs: Sequence[JobResource]) -> str:
    """What `jobmock infer` prints: per job resource, its reasons as comments, then the
    `x-jobmock` that says the same (a YAML document each, `---` between them)."""
    import yaml  # only here: the rest of this module is pure data

    parts = []
    for job in jobs:
        ext, why = extension(job)
        lines = [f"# {job.name}", *(f"#   {line}" for line in (*job.reasons, *why))]
        if job.unclassified:
            lines.append(f"#   not classified (served as working states): {', '.join(job.unclassified)}")
        text = yaml.safe_dump({"x-jobmock": ext}, sort_keys=False, allow_unicode=True, width=100)
        parts.append("\n".join(lines) + "\n" + text)
    return "---\n".join(parts)
