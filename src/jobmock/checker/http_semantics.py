"""Refusals HTTP itself defines: Schemathesis findings that say nothing of the target.

Many vendor documents list no refusal for an operation: no 401 though it asks for a
credential, no 400 or 422 though it takes parameters or a body, no 404 though its path
names a resource by id, no 413 though it takes a body. Every server still refuses such
requests as HTTP says (RFC 9110: 401 for a request without the credentials the resource asks
for, 400 for one it cannot process, 422 for content it cannot, 404 for a resource it has
not, 413 for content larger than it will take), the vendors' own and jobmock alike.
Schemathesis' `status_code_conformance` reports each of those answers as an undocumented
status, against any target, so `jobmock check` on a vendor's document would fail whatever
the target did: those findings are the document's own, not the target's.

So a finding that a named rule below explains (of `status_code_conformance`, or of
`negative_data_rejection` for a 413, which refuses the request) is dropped while
Schemathesis runs (its `filter_failure` hook: the operation goes on being tested, as after
a pass), and counted: the report says in a note how many findings each rule took, and on
which operations, so nothing is silently hidden. Every other undocumented status stays a
failure: a 400 to a request Schemathesis holds valid, a 401 to one that carried its
credential, a 404 for a job the check knows exists, a 409, a 5xx. One more rule takes what
says nothing of the target for another reason: negative data whose only invalid part is the
credential `check` itself sends with every request (the request carried it after all).
`rule_for` is pure; the hook reads Schemathesis' objects.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..contract.document import Contract
from .response_rules import judged

STATUS_CHECK = "status_code_conformance"
NEGATIVE_CHECK = "negative_data_rejection"
LARGE_BODY = 64 * 1024  # bytes past which a server may well refuse a body it never documents a 413 for
Taken = dict[str, Counter[str]]  # rule name -> "METHOD /path (status)" -> findings it took


@dataclass(frozen=True)
class Refusal:
    """An undocumented status Schemathesis met, as the rules read it."""

    operation: str  # as Schemathesis names it: `GET /jobs/{id}` (the path as the document writes it)
    status: int
    negative: bool  # Schemathesis made the request to break the operation's schemas
    sent: frozenset[str]  # what the request carried, by place and name: `header:authorization`, `query:key`
    made_up: bool = False  # its path names a resource by an id Schemathesis made, none the check knows to exist
    check: str = STATUS_CHECK  # the check that failed it
    body_bytes: int = 0  # the size of the request's body
    negative_in: frozenset[str] = frozenset()  # where Schemathesis broke it: `cookie`, `header`, `query`, `body`
    credentials: frozenset[str] = frozenset()  # what `check` sends with every request, as `sent` names it


@dataclass(frozen=True)
class Rule:
    name: str
    reason: str  # why the answer is HTTP's, as the report's note says it
    applies: Callable[[Contract, Refusal, Mapping[str, Any]], bool]


def _documents(operation: Mapping[str, Any], *statuses: int) -> bool:
    """Does the operation document any of these statuses, their class (4XX) or a default?"""
    keys = {str(k).upper() for k in (operation.get("responses") or {})}
    return bool(keys & ({str(s) for s in statuses} | {f"{s // 100}XX" for s in statuses} | {"DEFAULT"}))


def _without_credentials(api: Contract, refusal: Refusal, operation: Mapping[str, Any]) -> bool:
    if refusal.check != STATUS_CHECK:
        return False
    method, _, path = refusal.operation.partition(" ")
    asked = api.security.requirements_of(operation.get("operationId"), method.lower(), path)
    carried = [
        all(
            f"{s.location}:{s.param.lower() if s.location == 'header' else s.param}" in refusal.sent
            for s in alternative
        )
        for alternative in asked.alternatives
    ]
    # an empty alternative (anyone may call) is met by any request
    met = any(carried) or any(not alternative for alternative in asked.alternatives)
    return refusal.status in (401, 403) and not asked.open and not met and not _documents(operation, refusal.status)


def _invalid(api: Contract, refusal: Refusal, operation: Mapping[str, Any]) -> bool:
    return (
        refusal.check == STATUS_CHECK
        and refusal.status in (400, 422)
        and refusal.negative
        and not _documents(operation, 400, 422)
    )


def _too_large(api: Contract, refusal: Refusal, operation: Mapping[str, Any]) -> bool:
    # negative_data_rejection counts a 413 as accepting the request: it refused it, for its size
    undocumented = refusal.check == NEGATIVE_CHECK or not _documents(operation, 413)
    return refusal.status == 413 and refusal.body_bytes > LARGE_BODY and undocumented


def _unknown(api: Contract, refusal: Refusal, operation: Mapping[str, Any]) -> bool:
    return (
        refusal.check == STATUS_CHECK and refusal.status == 404 and refusal.made_up and not _documents(operation, 404)
    )


def _credential_sent_anyway(api: Contract, refusal: Refusal, operation: Mapping[str, Any]) -> bool:
    places = {name.partition(":")[0] for name in refusal.credentials}
    declared = {
        f"{p.get('in')}:{str(p.get('name')).lower() if p.get('in') == 'header' else p.get('name')}"
        for p in operation.get("parameters") or ()
        if isinstance(p, Mapping) and p.get("in") in refusal.negative_in
    }
    return (
        refusal.check == NEGATIVE_CHECK
        and bool(refusal.negative_in)
        and refusal.negative_in <= places
        and declared <= refusal.credentials
        and refusal.credentials <= refusal.sent
    )


RULES = (
    Rule(
        "credentials_missing",
        "401 or 403 to a request sent without the credentials the operation's security asks, where the operation "
        "documents neither that status, 4XX nor default",
        _without_credentials,
    ),
    Rule(
        "invalid_request",
        "400 or 422 to a request Schemathesis made invalid (negative data), where the operation documents none of "
        "400, 422, 4XX and default",
        _invalid,
    ),
    Rule(
        "unknown_resource",
        "404 to a request whose path names a resource by an id Schemathesis made up (none of the jobs the check "
        "watches), where the operation documents neither 404, 4XX nor default",
        _unknown,
    ),
    Rule(
        "content_too_large",
        f"413 to a request whose body is over {LARGE_BODY // 1024} KiB, larger than the server takes, where the "
        "operation documents neither 413, 4XX nor default (or to invalid data, which negative_data_rejection "
        "counts as accepted)",
        _too_large,
    ),
    Rule(
        "credential_sent_anyway",
        "negative data whose only invalid part is the credential check itself sends with every request (a"
        " missing `_vulcan_session` cookie): the request carried it, so it was no invalid request",
        _credential_sent_anyway,
    ),
)


def operation_of(api: Contract, label: str) -> Mapping[str, Any]:
    """The operation Schemathesis names `METHOD /path`."""
    method, _, path = label.partition(" ")
    item = (api.resolved.get("paths") or {}).get(path)
    found = item.get(method.lower()) if isinstance(item, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def rule_for(api: Contract, refusal: Refusal) -> Rule | None:
    """The rule that explains an undocumented status by HTTP's semantics; None: it is the target's."""
    operation = operation_of(api, refusal.operation)
    return next((rule for rule in RULES if rule.applies(api, refusal, operation)), None)


def notes(taken: Taken) -> list[str]:
    """A note per rule that took findings: how many, on which operations, with which status."""
    said = []
    for rule in RULES:
        where = taken.get(rule.name)
        if where:
            count = where.total()
            listed = ", ".join(f"{op} x{n}" if n > 1 else op for op, n in sorted(where.items()))
            said.append(
                f"{count} finding{'s' if count > 1 else ''} not counted, HTTP's own answer, "
                f"by rule {rule.name} ({rule.reason}): {listed}"
            )
    return said


# --- while Schemathesis runs ----------------------------------------------------------------

# id of the API checked -> (what the rules took, the ids known to exist, the credentials sent)
_TAKING: dict[int, tuple[Taken, frozenset[str], frozenset[str]]] = {}
_LOCK = threading.Lock()
_registered = False


@contextmanager
def noting(api: Contract, known: Iterable[str] = (), headers: Mapping[str, str] | None = None) -> Iterator[Taken]:
    """Drop what the rules explain from a Schemathesis run over `api`, counting it in the
    mapping yielded; `known`: the ids of resources that exist (the jobs the check watches);
    `headers`: the credentials sent with every request."""
    register_with_schemathesis()
    taken: Taken = {}
    sent = {f"header:{name.lower()}" for name in headers or {} if name.lower() != "cookie"}
    for name, value in (headers or {}).items():
        if name.lower() == "cookie":
            sent |= {f"cookie:{part.split('=', 1)[0].strip()}" for part in value.split(";") if "=" in part}
    _TAKING[id(api)] = (taken, frozenset(known), frozenset(sent))
    try:
        yield taken
    finally:
        _TAKING.pop(id(api), None)


def register_with_schemathesis() -> None:
    """Register the `filter_failure` hook (once, for every run; it keeps what no run notes)."""
    global _registered
    with _LOCK:
        if _registered:
            return
        import schemathesis

        schemathesis.hook("filter_failure")(_keep)
        _registered = True


def _keep(context: Any, failure: Any, case: Any, response: Any) -> bool:
    from schemathesis.core.failures import AcceptedNegativeData
    from schemathesis.openapi.checks import UndefinedStatusCode

    api = judged(case.operation.schema.raw_schema)
    running = _TAKING.get(id(api)) if api is not None else None
    if running is None or api is None or not isinstance(failure, UndefinedStatusCode | AcceptedNegativeData):
        return True
    check = STATUS_CHECK if isinstance(failure, UndefinedStatusCode) else NEGATIVE_CHECK
    taken, known, credentials = running
    meta = getattr(case, "meta", None)
    negative = meta is not None and meta.generation.mode.is_negative
    named = {str(value) for value in (case.path_parameters or {}).values()}
    made_up = bool(named) and not named & known
    body = response.request.body
    size = len(body.encode() if isinstance(body, str) else body or b"")
    components = getattr(meta, "components", None) or {}
    broken = frozenset(str(place.value) for place, info in components.items() if info.mode.is_negative)
    refusal = Refusal(
        case.operation.label, int(failure.status_code), negative, _carried(response.request), made_up, check, size,
        broken, credentials,
    )  # fmt: skip
    rule = rule_for(api, refusal)
    if rule is None:
        return True
    with _LOCK:
        said = f"{refusal.status}" if check == STATUS_CHECK else f"{refusal.status}, {check}"
        taken.setdefault(rule.name, Counter())[f"{refusal.operation} ({said})"] += 1
    return False


def _carried(request: Any) -> frozenset[str]:
    """The headers, query parameters and cookies a sent request carried, by name."""
    names = {f"header:{name.lower()}" for name in request.headers}
    names |= {f"query:{name}" for name, _value in parse_qsl(urlsplit(str(request.url)).query, keep_blank_values=True)}
    for name, value in request.headers.items():
        if name.lower() == "cookie":
            names |= {f"cookie:{part.split('=', 1)[0].strip()}" for part in str(value).split(";") if "=" in part}
    return frozenset(names)
