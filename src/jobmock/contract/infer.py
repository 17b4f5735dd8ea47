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
   status field and values.
   **The list** is a GET on the collection. **The cancel** is a POST on `<poll>/cancel`,
   else a DELETE on the poll's path; **the delete** is that DELETE when a POST cancels.

Every decision keeps a one-line reason (`jobmock infer` prints them). Pure: it reads a
document whose `$ref`s are resolved (`openapi.deref`), no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .openapi import Operation, merged_object, operations
from .states import Classified, classify_all

STATUS_NAMES = ("status", "state", "job_status", "phase")
_QUOTED = re.compile(r"""[`'"]([A-Za-z][A-Za-z0-9_.\-]{0,63})[`'"]""")
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

    @property
    def name(self) -> str:
        """The collection's path without templates: `/threads/{thread_id}/runs/{run_id}` -> `threads/runs`."""
        return "/".join(s for s in collection_of(self.poll.path).split("/") if s and not s.startswith("{"))

    @property
    def unclassified(self) -> list[str]:
        return [c.value for c in self.values if c.kind is None]


def find_jobs(resolved: Mapping[str, Any]) -> list[JobResource]:
    """Every job resource of the document, in the order of its paths."""
    ops = operations(dict(resolved))
    by_place = {(op.method, op.path): op for op in ops}
    found = []
    for op in ops:
        resource = _job_at(op, ops, by_place)
        if resource is not None:
            found.append(resource)
    return found


def collection_of(path: str) -> str:
    """`/batches/{batch_id}` -> `/batches`."""
    return path.rsplit("/", 1)[0]


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
    words = _QUOTED.findall(str(schema.get("description") or ""))
    if len(words) > 1:
        return list(dict.fromkeys(words)), "description"
    return [], ""


def _job_at(
    op: Operation, ops: Sequence[Operation], by_place: Mapping[tuple[str, str], Operation]
) -> JobResource | None:
    if op.method != "get" or not re.search(r"/\{[^}/]+\}$", op.path):
        return None
    schema = op.success_schema()
    if schema is None:
        return None
    located = _status_field(schema)
    if located is None:
        return None
    field, values, source = located
    classified = classify_all(values)
    kinds = {c.kind for c in classified}
    if "succeeded" not in kinds or not kinds & {"initial", "working"}:
        return None
    reasons = [
        f"poll: GET {op.path} answers an object with a status field `{field}`",
        f"states: {len(values)} values from its {source}, with a success and a state before it",
        *(f"  {c.value}: {c.kind or 'unclassified'} ({c.reason})" for c in classified),
    ]
    collection = collection_of(op.path)
    create = _create(collection, located, ops, by_place)
    listing = by_place.get(("get", collection))
    cancel = by_place.get(("post", op.path + "/cancel"))
    delete = by_place.get(("delete", op.path))
    if cancel is None and delete is not None:
        cancel, delete = delete, None
    for kind, found in (("create", create), ("list", listing), ("cancel", cancel), ("delete", delete)):
        reasons.append(f"{kind}: {found.method.upper()} {found.path}" if found else f"{kind}: none found")
    return JobResource(op, field, tuple(classified), source, create, listing, cancel, delete, tuple(reasons))


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
    return direct


def _answers(op: Operation) -> bool:
    return any(str(code) in _SUCCESS_CODES for code in op.spec.get("responses") or {})
