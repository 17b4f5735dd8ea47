"""Every operation of a document that is not about a job: answered like a good stateless mock
(`sim.mocker`), with the documented success status and the document's example or generated
data that fits its schema, the same for the same request. Its errors (a request the document
refuses) are the document's own error responses (`documented_error`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from ...contract.document import Contract
from ...sim.fakedata import Generator, seeded_faker
from ...sim.mocker import Mocked, mock, prefer_of, request_seed, response_for
from ...sim.schema_fit import fits_in
from .call import Call
from .replies import Reply

VALIDATION = ("400", "422")  # the statuses a bad request is answered with, as documented, in this order


def operation_spec(api: Contract, method: str, path: str) -> Mapping[str, Any]:
    item = api.resolved.get("paths", {}).get(path) or {}
    spec = item.get(method.lower()) if isinstance(item, Mapping) else None
    return spec if isinstance(spec, Mapping) else {}


async def stateless(api: Contract, call: Call, method: str, path: str) -> Reply:
    """One request of a stateless operation (`path`: its template as the document writes it)."""
    spec = operation_spec(api, method, path)
    seed = request_seed(api.name, method, path, call.params, call.query, call.body)
    mocked = mock(
        spec,
        seed,
        fits_in(api.dialect, api.document),
        accept=call.headers.get("accept"),
        prefer=prefer_of(call.headers.get("prefer")),
        generator=lambda rng: Generator(rng, seeded_faker(seed)),
    )
    return reply_of(mocked)


def documented_error(
    api: Contract, method: str, path: str, status: int, reason: str, accept: str | None = None
) -> Reply | None:
    """The operation's own documented answer to a refused request: its response for `status`
    (for a validation error, the first of 400 and 422 it documents), by its range (`4XX`)
    or `default`, with `reason` in its message field where it has one; None when it documents
    none, for jobmock's envelope to answer instead."""
    spec = operation_spec(api, method, path)
    responses = spec.get("responses") or {}
    documented = {str(k).upper() for k in responses}
    wanted = str(status)
    if status in (400, 422):
        wanted = next((code for code in VALIDATION if code in documented), wanted)
    if not ({wanted, wanted[0] + "XX"} & documented or ("DEFAULT" in documented and _has_success(documented))):
        return None
    chosen = response_for(responses, wanted)
    if chosen is None:
        return None
    seed = request_seed(api.name, method, path, "error", wanted)
    judge = fits_in(api.dialect, api.document)
    mocked = mock({"responses": {wanted: chosen[1]}}, seed, judge, accept=accept)
    schema = ((chosen[1].get("content") or {}).get(mocked.media or "") or {}).get("schema")
    if isinstance(mocked.body, dict) and isinstance(schema, Mapping):
        mocked = replace(mocked, body=with_reason(mocked.body, reason, lambda body: judge(body, schema)))
    return reply_of(mocked)


MESSAGE_FIELDS = ("message", "detail", "error_message", "error_description", "msg", "description")


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


def _has_success(documented: set[str]) -> bool:
    """`default` is an error response only beside a documented success."""
    return any(code.startswith("2") for code in documented)
