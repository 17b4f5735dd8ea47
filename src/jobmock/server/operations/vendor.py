"""The vendor job operations besides the poll: the vendor's own create (x-jobmock.create, or
inferred), list (x-jobmock.list), cancel (x-jobmock.cancel) and delete (x-jobmock.delete)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...contract.model import ApiModel
from ...contract.openapi import property_schema
from ...contract.schema_fit import READ
from ...contract.schema_fit import judge as judge_schema
from ...contract.security import judge
from ...exceptions import JobmockError, LifecycleError
from ...sim.jobs import NewJob, payload_bytes
from .call import Call, credentials_of
from .context import Context
from .replies import JSON, Reply, job_error, json_reply, vendor_refusal
from .stateless import stateless


async def create(ctx: Context, api: ApiModel, call: Call) -> Reply:
    """The vendor's create: a job owned by the caller's credential, the request's fields kept
    where the job has a field of that name and form (its model, input, metadata), answered
    with the documented status: the job itself, or the documented answer carrying its id;
    a `Location` (or `Operation-Location`) the document declares points at its poll."""
    rule = api.create
    assert rule is not None
    state, namespace = ctx.state, call.namespace
    try:
        owner = judge(api.requirements(rule.operation), credentials_of(call))
        fields = echoed(api, call.body)
        if payload_bytes(fields) > state.mock.limits.job_bytes:
            fields = {}  # past the bound a job may carry: made up instead, as the control create would refuse
        scenario = state.mock.scenario(api.name, call.scenario) if call.scenario else None
        job = await state.create(NewJob(api=api.name, fields=fields, owner=owner, scenario=scenario), namespace)
    except JobmockError as exc:
        return vendor_refusal(api, exc)
    poll_url = call.base_url.rstrip("/") + api.base_path + api.poll_path(job.id)
    headers = tuple((name, poll_url) for name in rule.location_headers)
    if rule.answers_job:
        return Reply(rule.status, state.mock.body_bytes(job, namespace), JSON, headers)
    documented = await stateless(api, call, rule.operation.method, rule.operation.path)
    body: Any = json.loads(documented.body) if documented.media == JSON and documented.body else None
    if isinstance(body, dict) and rule.id_field is not None:
        body[rule.id_field] = job.id
        return Reply(rule.status, json.dumps(body, ensure_ascii=False).encode(), JSON, (*documented.headers, *headers))
    return Reply(documented.status, documented.body, documented.media, (*documented.headers, *headers))


MAX_LISTED = 1_000  # jobs a page-numbered list reaches into (a cursor reaches any)


async def list_jobs(ctx: Context, api: ApiModel, call: Call) -> Reply:
    """The vendor's list: the jobs the caller's credential sees, newest first, in the array
    its documented answer holds them in, a page at a time (its limit, and its cursor, a job
    id, or its page number); `has_more`, `first_id` and `last_id` set where the answer has them."""
    rule = api.listing
    assert rule is not None
    state, namespace = ctx.state, call.namespace
    try:
        owner = judge(api.requirements(rule.operation), credentials_of(call))
    except JobmockError as exc:
        return vendor_refusal(api, exc)
    limit = _number(call.params.get(rule.limit) if rule.limit else None, rule.default_limit, 1, 100)
    # a page number is held within the first MAX_LISTED jobs: each job before a page is read to reach it
    page = _number(call.params.get(rule.page) if rule.page else None, 1, 1, max(1, MAX_LISTED // limit))
    after = call.params.get(rule.cursor) if rule.cursor else None
    await state.catch_up()  # jobs another worker made a moment ago
    jobs, more = state.mock.page(api.name, owner, namespace, limit * page, str(after) if after else None)
    jobs = jobs[limit * (page - 1) :]
    bodies = [state.mock.body(job, namespace) for job in jobs]
    documented = await stateless(api, call, rule.operation.method, rule.operation.path)
    answer: Any = json.loads(documented.body) if documented.media == JSON and documented.body else None
    if not rule.items:
        answer = bodies
    elif isinstance(answer, dict):
        answer[rule.items] = bodies
        shown: dict[str, Any] = {"has_more": more}
        if jobs:  # an empty page keeps the document's own values (its schema may not allow null)
            shown.update(first_id=jobs[0].id, last_id=jobs[-1].id)
        answer.update({k: v for k, v in shown.items() if k in answer})
    else:
        return documented
    return Reply(documented.status, json.dumps(answer, ensure_ascii=False).encode(), JSON, documented.headers)


def _number(raw: Any, default: int, low: int, high: int) -> int:
    """A paging parameter (already validated by the document), held within [low, high]."""
    try:
        return min(max(int(raw), low), high) if raw is not None else default
    except (TypeError, ValueError):
        return default


def echoed(api: ApiModel, body: Any) -> dict[str, Any]:
    """The create request's top-level fields that the job has too, with a value its schema
    takes there (and that the lifecycle does not drive): what a vendor echoes back."""
    if not isinstance(body, Mapping):
        return {}
    fits = judge_schema(api.dialect, READ, api.resolved)
    driven = api.driven_fields() | {api.id_field.split(".")[0]} | {p.split(".")[0] for p in api.presence}
    kept = {}
    for name, value in body.items():
        schema = property_schema(api.job_schema, str(name)) if name not in driven else None
        if schema is not None and fits.fits(schema, value):
            kept[str(name)] = value
    return kept


async def cancel(ctx: Context, api: ApiModel, call: Call) -> Reply:
    """The vendor's cancel: the job by the id in its parameter or body; 404 for an id this
    key cannot see, the vendor's refusal for a job that has already finished."""
    rule = api.cancel
    assert rule is not None
    state, namespace = ctx.state, call.namespace
    try:
        owner = judge(api.requirements(rule.operation), credentials_of(call))
        in_parameters = rule.operation.parameter(rule.parameter) is not None
        raw = call.params.get(rule.parameter) if in_parameters else (call.body or {}).get(rule.parameter)
        await state.catch_up()  # a job made by another worker a moment ago; no namespace is made for a 404
        job = state.mock.lookup(api.name, str(raw), owner, namespace)
        if job is None:
            return job_error(api, rule.operation, 404)
        try:
            await state.cancel(job, namespace)
            job = state.mock.lookup(api.name, job.id, owner, namespace) or job  # as the cancel left it
        except LifecycleError:
            if rule.finished_status >= 300:
                message = rule.finished_message.replace("{status}", state.mock.status(job, namespace))
                return job_error(api, rule.operation, rule.finished_status, message)
            # the document names no refusal: the job is answered as it is, unchanged
    except JobmockError as exc:
        return vendor_refusal(api, exc)
    if rule.documented:  # its documented answer (not the job's schema)
        return await stateless(api, call, rule.operation.method, rule.operation.path)
    if rule.response is None:  # the document's cancel answers the job
        return Reply(200, state.mock.body_bytes(job, namespace), JSON)
    return json_reply(200, rule.response)


async def delete(ctx: Context, api: ApiModel, call: Call) -> Reply:
    """The vendor's delete: the job is gone for every key (its next poll is the documented
    404); answered with the job as it was where the documented answer is the job, else the
    documented answer (its `id` set to the job's); 404 for an id this key cannot see."""
    rule = api.delete
    assert rule is not None
    state, namespace = ctx.state, call.namespace
    try:
        owner = judge(api.requirements(rule.operation), credentials_of(call))
        await state.catch_up()
        job = state.mock.lookup(api.name, str(call.params.get(rule.parameter, "")), owner, namespace)
        if job is None:
            return job_error(api, rule.operation, 404)
        last = state.mock.body_bytes(job, namespace)
        await state.delete(job.id, namespace)
    except JobmockError as exc:
        return vendor_refusal(api, exc)
    documented = await stateless(api, call, rule.operation.method, rule.operation.path)
    if rule.answers_job:
        return Reply(documented.status, last, JSON, documented.headers)
    body: Any = json.loads(documented.body) if documented.media == JSON and documented.body else None
    if isinstance(body, dict) and "id" in body:
        body["id"] = job.id
        return Reply(documented.status, json.dumps(body, ensure_ascii=False).encode(), JSON, documented.headers)
    return documented
