"""Schemathesis, in-process, against any implementation of a spec.

Runs Schemathesis 4's engine with every check (or a chosen set), feeds it live job
ids as parameter examples so that 200 answers are exercised, keeps its changing calls
(a cancel, a delete) off those jobs, which the lifecycle checks watch meanwhile, and
returns its failures as plain data for jobmock's report.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..contract.document import Contract
from ..contract.model import ApiModel
from ..contract.openapi import operations
from ..exceptions import CheckUsageError
from .response_rules import judging, register_with_schemathesis


@dataclass(frozen=True)
class ContractFailure:
    check: str  # Schemathesis check name, e.g. response_schema_conformance
    code: str  # its stable failure code, e.g. ST108
    title: str
    message: str
    operation: str  # e.g. "GET /v1/jobs/{id}"
    curl: str


@dataclass
class ContractResult:
    checks_run: set[str] = field(default_factory=set)
    failures: list[ContractFailure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # could not test: unreachable, bad schema
    statuses: Counter[int] = field(default_factory=Counter)  # how many answers of each status it saw
    spared: int = 0  # changing calls that named a watched job, sent for another id instead
    not_checked: list[str] = field(default_factory=list)  # what the document keeps Schemathesis from testing


# Schemathesis' errors (by its title) that come of the document, not of the target: a schema
# no request can be made from (a body no value fits, a pattern it cannot read, a media type it
# cannot write), links naming operations the document lacks. What they stop is not checked,
# and the report says so; a network or configuration error stays an error (exit 2).
DOCUMENTS_OWN = frozenset(
    {
        "Schema Error",
        "Invalid OpenAPI Links Definition",
        "Invalid Link Definition",
        "Missing Open API links",
        "Serialization not possible",
        "XML serialization error",
        "Failed Health Check",
    }
)


def check_names() -> list[str]:
    """Every check Schemathesis 4 can run, by name, jobmock's per-response rules among them."""
    import schemathesis.specs.openapi.checks  # noqa: F401 - registers the OpenAPI checks
    from schemathesis.checks import CHECKS

    register_with_schemathesis()
    return sorted(CHECKS.get_all_names())


def with_job_examples(api: Contract, job_ids: Sequence[str]) -> dict[str, Any]:
    """The spec with the job ids as examples of the poll operation's id parameter."""
    document: dict[str, Any] = copy.deepcopy(dict(api.document))
    if not job_ids or not isinstance(api, ApiModel):
        return document
    operation = document["paths"][api.poll.path][api.poll.method]
    for param in [*document["paths"][api.poll.path].get("parameters", []), *operation.get("parameters", [])]:
        target = _follow(document, param)
        if target.get("name") == api.id_parameter:
            target.pop("example", None)
            target["examples"] = {f"job{i + 1}": {"value": job_id} for i, job_id in enumerate(job_ids)}
    return document


def _follow(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        for part in node["$ref"].lstrip("#/").split("/"):
            document = document[part]
        node = document
    return node


def selected_operations(api: Contract, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[str] | None:
    """The operations to check, as Schemathesis names them (`GET /jobs/{id}`), by `--include`
    and `--exclude` selectors (an operationId, a path, `METHOD /path`, `tag:NAME`); None: all.
    CheckUsageError for a selector that names no operation of the document."""
    if not include and not exclude:
        return None
    ops = operations(dict(api.resolved))

    def matches(selector: str) -> set[str]:
        found = {
            f"{op.method.upper()} {op.path}"
            for op in ops
            if selector in (op.operation_id, op.path, f"{op.method.upper()} {op.path}", f"{op.method} {op.path}")
            or (selector.startswith("tag:") and selector[4:] in (op.spec.get("tags") or []))
        }
        if not found:
            raise CheckUsageError(f"{selector!r} names no operation of {api.name} (an operationId, a path, "
                                  "'METHOD /path' or 'tag:NAME')")  # fmt: skip
        return found

    chosen = set().union(*(matches(s) for s in include)) if include else {f"{o.method.upper()} {o.path}" for o in ops}
    chosen -= set().union(*(matches(s) for s in exclude)) if exclude else set()
    return sorted(chosen)


def run_schemathesis(
    api: Contract,
    base_url: str,
    headers: Mapping[str, str],
    job_ids: Sequence[str] = (),
    checks: Sequence[str] | None = None,
    max_examples: int = 50,
    seed: int | None = None,
    operations_checked: Sequence[str] | None = None,
    parameters: Mapping[str, str] | None = None,
) -> ContractResult:
    """Run the engine over every operation of the spec at `base_url` (or those named, as
    `selected_operations` names them), `parameters` sent as given."""
    import schemathesis

    register_with_schemathesis()
    _register_sparing_hook()
    document = with_job_examples(api, job_ids)
    loaded = schemathesis.openapi.from_dict(document)
    schema = loaded.include(name=list(operations_checked)) if operations_checked is not None else loaded
    schema.config.update(base_url=base_url, headers=dict(headers), parameters=dict(parameters or {}) or None)
    schema.config.checks.update(included_check_names=list(checks) if checks is not None else ["all"])
    schema.config.generation.update(max_examples=max_examples)
    if seed is not None:
        schema.config.seed = seed
    result = ContractResult()
    done = judging(document, api)  # the per-response rules read this API's envelope
    _SPARED[id(document)] = (frozenset(job_ids), result)
    try:
        _execute(schema, base_url, result)
    finally:
        done()
        _SPARED.pop(id(document), None)
    return result


# The jobs a run's lifecycle checks watch, by the run's document: a changing call (any method
# but GET, HEAD, OPTIONS) that names one is sent for another id of the same form, so fuzzing
# never cancels or deletes a job whose lifecycle is being judged. Schemathesis 4 dispatches
# `before_call` hooks globally only, so one hook serves every run and finds its run here.
_SPARED: dict[int, tuple[frozenset[str], ContractResult]] = {}
_READING = frozenset({"GET", "HEAD", "OPTIONS"})


def _register_sparing_hook() -> None:
    import schemathesis
    from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

    if _spare_watched_jobs not in GLOBAL_HOOK_DISPATCHER.get_all_by_name("before_call"):
        schemathesis.hook("before_call")(_spare_watched_jobs)


def _spare_watched_jobs(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    run = _SPARED.get(id(case.operation.schema.raw_schema))
    if run is None or not run[0] or case.method.upper() in _READING:
        return
    watched, result = run
    named = False
    for container in ("path_parameters", "query", "headers", "cookies"):
        values = getattr(case, container, None)
        if isinstance(values, dict):
            for key, value in values.items():
                if isinstance(value, str) and value in watched:
                    values[key], named = other_id(value, watched), True
    if case.body is not None:
        body, touched = _spared_in(case.body, watched)
        if touched:
            case.body, named = body, True
    result.spared += int(named)


def _spared_in(value: Any, watched: frozenset[str]) -> tuple[Any, bool]:
    if isinstance(value, str):
        return (other_id(value, watched), True) if value in watched else (value, False)
    if isinstance(value, dict):
        pairs = {key: _spared_in(item, watched) for key, item in value.items()}
        return {key: item for key, (item, _) in pairs.items()}, any(t for _, t in pairs.values())
    if isinstance(value, list):
        items = [_spared_in(item, watched) for item in value]
        return [item for item, _ in items], any(t for _, t in items)
    return value, False


def other_id(job_id: str, watched: frozenset[str]) -> str:
    """An id of the same form (length, prefix, each character's class) naming no watched job:
    its last letters or digits changed, so a pattern the document gives ids still holds."""
    chars = list(job_id)
    for i in reversed(range(len(chars))):
        c = chars[i]
        ring = "0123456789" if c.isdigit() else "abcdefghijklmnopqrstuvwxyz" if c.islower() else (
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c.isupper() else "")  # fmt: skip
        if not ring:
            continue
        for step in range(1, len(ring)):
            chars[i] = ring[(ring.index(c) + step) % len(ring)]
            if "".join(chars) not in watched:
                return "".join(chars)
        chars[i] = c
    return job_id + "0"  # no letter or digit to change: longer, so it names no watched job


def _execute(schema: Any, base_url: str, result: ContractResult) -> None:
    from schemathesis.engine import events, from_schema

    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            _collect(event.recorder, result)
        elif isinstance(event, events.NonFatalError) and event.info.title in DOCUMENTS_OWN:
            said = " ".join(event.info.message.split())
            result.not_checked.append(
                f"{event.label}: {event.info.title}: {said[:400]}{'…' if len(said) > 400 else ''}"
            )
        elif isinstance(event, events.NonFatalError):
            result.errors.append(f"{event.label}: {event.info.format(base_url_is_set=True).strip()}")
        elif isinstance(event, events.FatalError):
            result.errors.append(f"Schemathesis failed: {event.exception}")
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:
                result.failures.append(
                    ContractFailure("after_run", failure.code, failure.title, failure.message, "", "")
                )


def _collect(recorder: Any, result: ContractResult) -> None:
    seen = {(f.check, f.operation, f.title, f.message) for f in result.failures}
    for interaction in recorder.interactions.values():
        if interaction.response is not None:
            result.statuses[interaction.response.status_code] += 1
    for case_id, nodes in recorder.checks.items():
        case = recorder.cases.get(case_id)
        operation = case.value.operation.label if case is not None else recorder.label
        for node in nodes:
            result.checks_run.add(node.name)
            info = node.failure_info
            if info is None:
                continue
            failure = info.failure
            key = (node.name, operation, failure.title, failure.message)
            if key in seen:  # the same failure found by several cases: report it once
                continue
            seen.add(key)
            result.failures.append(
                ContractFailure(node.name, failure.code, failure.title, failure.message, operation, info.code_sample)
            )
