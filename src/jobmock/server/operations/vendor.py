"""The vendor job operations besides the poll: the vendor's own create (x-jobmock.create, or
inferred) and cancel (x-jobmock.cancel)."""

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
        except LifecycleError:
            message = rule.finished_message.replace("{status}", state.mock.status(job, namespace))
            return job_error(api, rule.operation, rule.finished_status, message)
    except JobmockError as exc:
        return vendor_refusal(api, exc)
    if rule.documented:  # its documented answer (not the job's schema)
        return await stateless(api, call, rule.operation.method, rule.operation.path)
    if rule.response is None:  # the document's cancel answers the job
        return Reply(200, state.mock.body_bytes(job, namespace), JSON)
    return json_reply(200, rule.response)
