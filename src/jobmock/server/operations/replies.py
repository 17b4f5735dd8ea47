"""What an operation answers (`Reply`), and error answers in each vendor's own envelope or,
for the control API, as RFC 7807 problem JSON.

Every error an operation answers (bad auth, unknown job, a bad value, a refusal) is made
here, so each API speaks with its documented envelope whichever adapter carried the request.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ...contract.document import Contract
from ...contract.envelopes import error_bytes, phrase
from ...contract.openapi import Operation
from ...contract.schema_fit import READ, judge
from ...exceptions import AuthError, JobmockError
from ...sim.answer import Answer
from ...sim.fakedata import Generator, seeded_faker
from ...sim.mocker import Mocked, mock, request_seed, response_for

JSON = "application/json"
PROBLEM = "application/problem+json"
MARK = "x-jobmock-"  # the delivery marks: headers `middleware.delivery` acts on and strips
DELAY, DROP, FAULT, JOB_STATUS = (MARK + n for n in ("delay", "drop", "fault", "job-status"))
VIA = MARK + "via"  # journaled, never sent: who answered a request `jobmock proxy` took (`middleware.journal`)


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


def job_error(api: Contract, operation: Operation, status: int, message: str | None = None) -> Reply:
    """A job operation's refusal (no such job, an id of the wrong form, a job already
    finished): the operation's own documented answer for `status` where the API does not
    word its errors in x-jobmock.errors (a lifecycle inferred from the document), else the
    API's envelope."""
    if not api.errors.declared:
        documented = documented_error(api, operation.method, operation.path, status, message or phrase(status))
        if documented is not None:
            return documented
    return vendor_error(api, status, message)


def vendor_refusal(api: Contract, exc: JobmockError) -> Reply:
    """A refused vendor request, in the vendor's envelope, by the status its exception carries
    (and Retry-After, when it says when to try again)."""
    if isinstance(exc, AuthError):
        return unauthorized(api, exc)
    return vendor_error(api, exc.status, str(exc), _retry_after(exc))


def unauthorized(api: Contract, exc: AuthError) -> Reply:
    """A 401 and the challenges of the operation's schemes (`security.challenges`: RFC 6750
    for bearer tokens, RFC 7617 for basic, `ApiKey` naming where the key goes). The body is
    the operation's own documented 401 (its example) when the API does not word its errors
    in x-jobmock.errors; else the API's envelope, with the message its spec words
    (x-jobmock.errors.auth) or jobmock's diagnosis. The diagnosis is always in the failed
    scheme's challenge (error_description), so a client learns what was wrong either way."""
    challenge = ("WWW-Authenticate", ", ".join(exc.challenges) or f'Bearer realm="{api.name}"')  # RFC 9110 11.6.1
    documented = None
    if not api.errors.declared and exc.operation is not None:
        documented = documented_error(api, *exc.operation, 401, str(exc))
    if documented is not None:
        headers = [(k, v) for k, v in documented.headers if k.lower() != "www-authenticate"]  # jobmock words it
        return Reply(401, documented.body, documented.media, (*headers, challenge))
    message = api.errors.auth.get(exc.kind) or str(exc)
    return Reply(401, error_bytes(api, 401, message), JSON, (challenge,))


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


VALIDATION = ("400", "422")  # the statuses a bad request is answered with, as documented, in this order
MESSAGE_FIELDS = ("message", "detail", "error_message", "error_description", "msg", "description", "error")


def operation_spec(api: Contract, method: str, path: str) -> Mapping[str, Any]:
    """The operation at `path` (its template as the document writes it), its $refs resolved."""
    paths = api.resolved.get("paths", {})
    for key in (path, *(k for k in paths if k.partition("#")[0] == path and k != path)):  # `/p#stream`: `/p`
        item = paths.get(key)
        spec = item.get(method.lower()) if isinstance(item, Mapping) else None
        if isinstance(spec, Mapping):
            return spec
    return {}


def documented_error(
    api: Contract, method: str, path: str, status: int, reason: str, accept: str | None = None
) -> Reply | None:
    """The operation's own documented answer to a refused request: its response for `status`
    (for a validation error, the first of 400 and 422 it documents), by its range (`4XX`)
    or `default`: its example, or else data made from its schema, with `reason` in its
    message field where it has one (but a 401, whose reason is in its challenge); None when
    it documents none (jobmock's envelope answers then). A response documented with no
    content is answered with none."""
    responses = operation_spec(api, method, path).get("responses") or {}
    documented = {str(k).upper() for k in responses}
    wanted = str(status)
    if status in (400, 422):
        wanted = next((code for code in VALIDATION if code in documented), wanted)
    has_success = any(code.startswith("2") for code in documented)  # `default` means errors only beside one
    if not ({wanted, wanted[0] + "XX"} & documented or ("DEFAULT" in documented and has_success)):
        return None
    chosen = response_for(responses, wanted)
    if chosen is None:
        return None
    judged = judge(api.dialect, READ, api.resolved)
    seed = request_seed(api.name, method, path, "error", wanted)

    def make(rng: random.Random) -> Generator:
        return Generator(rng, seeded_faker(seed), dialect=api.dialect, document=api.resolved)

    fits = lambda value, schema: judged.fits(schema, value)  # noqa: E731
    mocked = mock({"responses": {wanted: chosen[1]}}, seed, fits, accept=accept, generator=make)
    schema = ((chosen[1].get("content") or {}).get(mocked.media or "") or {}).get("schema")
    if status != 401 and isinstance(mocked.body, dict) and isinstance(schema, Mapping):  # a 401's is its challenge
        mocked = replace(mocked, body=with_reason(mocked.body, reason, lambda body: judged.fits(schema, body)))
    return reply_of(mocked)


def with_reason(body: dict[str, Any], reason: str, fits: Callable[[Any], bool]) -> dict[str, Any]:
    """The error body with what was wrong in its message field (`message`, `detail`...; at the
    top or one object down, as in `{"error": {"message": ...}}`), where the schema lets it
    say so: a client learns why it was refused, in the vendor's own shape."""
    places: list[tuple[str, ...]] = [(key,) for key in MESSAGE_FIELDS]
    places += [(outer, key) for outer, inner in body.items() if isinstance(inner, dict) for key in MESSAGE_FIELDS]
    for place in places:
        holder: Any = body
        for key in place[:-1]:
            holder = holder[key]
        if isinstance(holder.get(place[-1]), str):
            changed = copy.deepcopy(body)
            target = changed
            for key in place[:-1]:
                target = target[key]
            target[place[-1]] = reason
            if fits(changed):
                return changed
    return body


def reply_of(mocked: Mocked) -> Reply:
    return Reply(mocked.status, mocked.body_bytes(), mocked.media, mocked.headers)
