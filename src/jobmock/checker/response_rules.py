"""Rules for one response of a job API, whichever request drew it.

A rule judges a single answer (its status, headers and body) against what the API's
document and x-jobmock extension say of every answer: a 429 carries Retry-After, an error
answer in JSON comes in the vendor's envelope. The checker applies the same rule set to
each poll its watcher makes (as lifecycle checks, `lifecycle_checks`) and to every response
of the Schemathesis phase (registered as Schemathesis checks of the same names,
`register_with_schemathesis`), so a rule never depends on which request met the fault.
Pure: no HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..client.polls import retry_delay
from ..contract.document import Contract


@dataclass(frozen=True)
class Seen:
    """A response as the rules read it (header names lower-cased)."""

    status: int
    headers: Mapping[str, str]
    text: str


RuleFunction = Callable[[Contract | None, Seen], Iterator[tuple[str, str]]]  # yields (expected, actual)


@dataclass(frozen=True)
class ResponseRule:
    name: str
    description: str
    judge: RuleFunction


RULES: dict[str, ResponseRule] = {}


def response_rule(name: str) -> Callable[[RuleFunction], RuleFunction]:
    def add(function: RuleFunction) -> RuleFunction:
        RULES[name] = ResponseRule(name, (function.__doc__ or name).strip().splitlines()[0], function)
        return function

    return add


@response_rule("retry_after")
def retry_after(api: Contract | None, seen: Seen) -> Iterator[tuple[str, str]]:
    """A 429 answer carries a Retry-After header (seconds or an HTTP date)."""
    if seen.status != 429:
        return
    value = seen.headers.get("retry-after")
    if value is None:
        yield "a Retry-After header on 429", "no Retry-After header"
    elif retry_delay(value) is None:
        yield "Retry-After as seconds or an HTTP date", f"Retry-After: {value}"


@response_rule("error_envelope")
def error_envelope(api: Contract | None, seen: Seen) -> Iterator[tuple[str, str]]:
    """An error answer in JSON comes in the API's error envelope (x-jobmock errors).

    An API whose x-jobmock words no errors (a lifecycle inferred from its document) has no
    envelope but its document's error schemas, which Schemathesis' schema check holds
    answers to."""
    if api is None or not api.errors.declared or seen.status < 400:
        return
    if "json" not in seen.headers.get("content-type", ""):
        return
    try:
        body = json.loads(seen.text)
    except ValueError:
        return  # not JSON although it says so: Schemathesis' content checks say it
    template = api.errors.bodies.get(str(seen.status), api.errors.body)
    missing = _missing(template, body)
    if missing:
        yield f"the error envelope ({', '.join(_paths(template))})", f"HTTP {seen.status} without {missing}"


def _paths(template: Any, prefix: str = "") -> list[str]:
    if not isinstance(template, Mapping):
        return [prefix] if prefix else []
    return [p for key, value in template.items() for p in _paths(value, f"{prefix}.{key}" if prefix else key)]


def _missing(template: Any, body: Any, prefix: str = "") -> str | None:
    """The first field of the envelope the body lacks, dotted; None when it has them all."""
    if not isinstance(template, Mapping):
        return None
    if not isinstance(body, Mapping):
        return prefix or "(an object)"
    for key, value in template.items():
        where = f"{prefix}.{key}" if prefix else key
        if key not in body:
            return where
        found = _missing(value, body[key], where)
        if found:
            return found
    return None


# --- the same rules as Schemathesis checks -------------------------------------------------

_MODELS: dict[int, Contract] = {}  # id of the document given to Schemathesis -> its model


def judging(document: dict[str, Any], api: Contract) -> Callable[[], None]:
    """Make the Schemathesis checks read `api` for a run over `document`; returns the undo."""
    _MODELS[id(document)] = api

    def undo() -> None:
        _MODELS.pop(id(document), None)

    return undo


def judged(raw_schema: object) -> Contract | None:
    """The API a running Schemathesis check reads, by the document Schemathesis was given."""
    return _MODELS.get(id(raw_schema))


def register_with_schemathesis() -> None:
    """Register every rule as a Schemathesis check of its name (once)."""
    import schemathesis
    from schemathesis.checks import CHECKS

    known = set(CHECKS.get_all_names())
    for rule in RULES.values():
        if rule.name not in known:
            schemathesis.check(_as_check(rule))


def _as_check(rule: ResponseRule) -> Callable[[Any, Any, Any], None]:
    def run(ctx: Any, response: Any, case: Any) -> None:
        api = judged(case.operation.schema.raw_schema)
        headers = {name.lower(): values[0] for name, values in response.headers.items() if values}
        text = response.content.decode("utf-8", "replace") if response.content else ""
        for expected, actual in rule.judge(api, Seen(response.status_code, headers, text)):
            raise AssertionError(f"{rule.description}\nExpected: {expected}\nActual: {actual}")

    run.__name__ = rule.name
    run.__doc__ = rule.description
    return run
