"""What an operation answers (`Reply`), and error answers in each vendor's own envelope or,
for the control API, as RFC 7807 problem JSON.

Every error an operation answers (bad auth, unknown job, a bad value, a refusal) is made
here, so each API speaks with its documented envelope whichever adapter carried the request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...contract.document import Contract
from ...contract.envelopes import error_bytes, phrase
from ...exceptions import AuthError, JobmockError
from ...sim.answer import Answer
from ...sim.mocker import mock, request_seed
from ...sim.schema_fit import fits_in

JSON = "application/json"
PROBLEM = "application/problem+json"
MARK = "x-jobmock-"  # the delivery marks: headers `middleware.delivery` acts on and strips
DELAY, DROP, FAULT, JOB_STATUS = (MARK + n for n in ("delay", "drop", "fault", "job-status"))


@dataclass(slots=True)  # made on every request: not frozen, which costs a setattr a field
class Reply:
    """An HTTP answer: status, body bytes, media type, and headers (the `x-jobmock-*`
    delivery marks among them, which `middleware.delivery` acts on and strips)."""

    status: int
    body: bytes = b""
    media: str | None = JSON
    headers: Sequence[tuple[str, str]] = ()


def answer_reply(answer: Answer) -> Reply:
    """A poll's answer, with the delivery marks saying how to deliver it (late, or not at
    all) and what it showed (the job's status, the fault), for the journal."""
    headers = list(answer.headers)
    if answer.delay:
        headers.append((DELAY, f"{answer.delay:.3f}"))
    if answer.drop:
        headers.append((DROP, "1"))
    if answer.fault:
        headers.append((FAULT, answer.fault))
    if answer.job_status:
        headers.append((JOB_STATUS, answer.job_status))
    return Reply(answer.status, answer.body, JSON, headers)


def json_reply(status: int, value: Any, headers: Iterable[tuple[str, str]] = ()) -> Reply:
    return Reply(status, json.dumps(value, ensure_ascii=False).encode(), JSON, tuple(headers))


def empty_reply(status: int = 204) -> Reply:
    return Reply(status, b"", None)


def vendor_error_bytes(api: Contract, status: int, message: str | None = None) -> bytes:
    """An error in the vendor's envelope; a validation error also lists what was wrong."""
    details = None
    if status == api.errors.validation and message:
        details = [{"loc": ["request"], "msg": message, "type": "value_error"}]
    return error_bytes(api, status, message, details)


def vendor_error(
    api: Contract, status: int, message: str | None = None, headers: Iterable[tuple[str, str]] = ()
) -> Reply:
    """The vendor's error answer; a 400 becomes the status the API answers bad requests with."""
    if status == 400:
        status = api.errors.validation
    return Reply(status, vendor_error_bytes(api, status, message), JSON, tuple(headers))


def vendor_refusal(api: Contract, exc: JobmockError) -> Reply:
    """A refused vendor request, in the vendor's envelope, by the status its exception carries
    (and Retry-After, when it says when to try again)."""
    if isinstance(exc, AuthError):
        return unauthorized(api, exc)
    return vendor_error(api, exc.status, str(exc), _retry_after(exc))


def unauthorized(api: Contract, exc: AuthError) -> Reply:
    """A 401 and the challenges of the operation's schemes (`security.challenges`: RFC 6750
    for bearer tokens, RFC 7617 for basic, `ApiKey` naming where the key goes), in one
    field. The body is the operation's own documented 401 (`documented_401`) when the API
    does not word its errors in x-jobmock.errors; else the API's envelope, with the message
    its spec words (x-jobmock.errors.auth) or jobmock's diagnosis. The diagnosis is always in
    the failed scheme's challenge (error_description): a client learns what was wrong either
    way, and the vendor's documented words stay as written."""
    challenge = ("WWW-Authenticate", ", ".join(exc.challenges) or f'Bearer realm="{api.name}"')  # RFC 9110 11.6.1
    documented = None if api.errors.declared else documented_401(api, exc.operation)
    if documented is not None:
        return Reply(401, documented.body, documented.media, (*documented.headers, challenge))
    message = api.errors.auth.get(exc.kind) or str(exc)
    return Reply(401, error_bytes(api, 401, message), JSON, (challenge,))


def documented_401(api: Contract, operation: tuple[str, str] | None) -> Reply | None:
    """The 401 the operation documents (exactly, or as `4XX`), as the stateless operations
    answer a documented response (`sim.mocker`): its example that fits its schema, else data
    made from the schema, else no body; its documented headers but WWW-Authenticate, which
    jobmock words. None when the operation documents none."""
    if operation is None:
        return None
    method, path = operation
    item = (api.resolved.get("paths") or {}).get(path)
    spec = item.get(method) if isinstance(item, Mapping) else None
    responses = spec.get("responses") if isinstance(spec, Mapping) else None
    if not isinstance(responses, Mapping):
        return None
    documented = {str(code).upper(): response for code, response in responses.items()}
    response = documented.get("401", documented.get("4XX"))
    if not isinstance(response, Mapping):
        return None
    seed = request_seed(api.name, method, path, "error", "401")
    mocked = mock({"responses": {"401": response}}, seed, fits_in(api.dialect, api.document))
    headers = tuple((k, v) for k, v in mocked.headers if k.lower() != "www-authenticate")
    return Reply(401, mocked.body_bytes(), mocked.media, headers)


def problem_bytes(status: int, detail: str) -> bytes:
    """A control-API error: RFC 7807 problem JSON, as Connexion words its own."""
    body = {"type": "about:blank", "title": phrase(status), "status": status, "detail": detail}
    return json.dumps(body, ensure_ascii=False).encode()


def problem(status: int, detail: str, headers: Iterable[tuple[str, str]] = ()) -> Reply:
    return Reply(status, problem_bytes(status, detail), PROBLEM, tuple(headers))


def refused(exc: JobmockError) -> Reply:
    """A refused control request: the status its exception type carries (and Retry-After)."""
    return problem(exc.status, str(exc), _retry_after(exc))


def _retry_after(exc: JobmockError) -> list[tuple[str, str]]:
    seconds = getattr(exc, "retry_after", None)
    return [("Retry-After", str(seconds))] if seconds is not None else []


def api_for(apis: Iterable[Contract], path: str) -> Contract | None:
    """The API a path belongs to (`apis` longest base path first)."""
    for api in apis:
        base = api.base_path
        if path == base or path.startswith(base + "/") or base == "":
            return api
    return None
