"""The control API's job operations: create, list, read, cancel, approve or reject and
delete a job of a namespace (each one call on `State` or a read of `Mock`)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from ...contract.security import Credentials, Requirements, judge, token_owner
from ...exceptions import AuthError, JobError, PayloadTooLarge
from ...sim.jobs import NewJob, payload_bytes
from ...sim.mock import Mock
from .call import Call, credentials_of
from .context import Context
from .control import control_operation
from .job_view import job_view, job_view_json
from .replies import Reply, empty_reply, json_reply, problem


@control_operation
async def create_job(ctx: Context, call: Call) -> Reply:
    """POST /_jobmock/jobs"""
    ctx.check_new_job(call.body)
    new = new_job(ctx.mock, call.body, credentials_of(call))
    job = await ctx.state.create(new, call.namespace)
    return Reply(201, job_view_json(ctx.mock, job, call.namespace, call.base_url))


@control_operation
async def list_jobs(ctx: Context, call: Call) -> Reply:
    """GET /_jobmock/jobs[?api=&status=&scenario=&limit=&cursor=]: a page, oldest first."""
    mock, namespace, p = ctx.mock, call.namespace, call.params
    api, status, scenario = p.get("api"), p.get("status"), p.get("scenario")
    limit = int(p.get("limit", 100))
    if api is not None and api not in mock.apis:
        return problem(404, f"unknown api {api!r}; served: {', '.join(sorted(mock.apis))}")
    page: list[dict[str, Any]] = []
    last = 0
    for job in mock.jobs(namespace, api, after=int(p.get("cursor") or 0)):
        await asyncio.sleep(0)  # a job may need building (~1 ms): polls are answered between jobs
        if scenario is not None and (job.scenario is None or job.scenario.name != scenario):
            continue
        if status is not None and mock.status(job, namespace) != status:
            continue
        if len(page) == limit:
            return json_reply(200, {"jobs": page, "next": str(last)})
        page.append(job_view(mock, job, namespace, call.base_url))
        last = job.seq
    return json_reply(200, {"jobs": page, "next": None})


@control_operation
async def get_job(ctx: Context, call: Call) -> Reply:
    """GET /_jobmock/jobs/{id}"""
    job = ctx.mock.find(str(call.params["id"]), call.namespace)
    return json_reply(200, job_view(ctx.mock, job, call.namespace, call.base_url))


@control_operation
async def cancel_job(ctx: Context, call: Call) -> Reply:
    """POST /_jobmock/jobs/{id}/cancel: 409 for a job that has already finished."""
    job = ctx.mock.find(str(call.params["id"]), call.namespace)
    await ctx.state.cancel(job, call.namespace)
    return json_reply(200, job_view(ctx.mock, job, call.namespace, call.base_url))


@control_operation
async def approve_job(ctx: Context, call: Call) -> Reply:
    """POST /_jobmock/jobs/{id}/approve: 409 for a job not awaiting approval."""
    return await _decide(ctx, call, approved=True)


@control_operation
async def reject_job(ctx: Context, call: Call) -> Reply:
    """POST /_jobmock/jobs/{id}/reject: 409 for a job not awaiting approval."""
    return await _decide(ctx, call, approved=False)


async def _decide(ctx: Context, call: Call, approved: bool) -> Reply:
    job = ctx.mock.find(str(call.params["id"]), call.namespace)
    await ctx.state.decide(job, approved, call.namespace)
    job = ctx.mock.find(job.id, call.namespace)  # as the decision left it
    return json_reply(200, job_view(ctx.mock, job, call.namespace, call.base_url))


@control_operation
async def delete_job(ctx: Context, call: Call) -> Reply:
    """DELETE /_jobmock/jobs/{id}: its id answers the vendor's 404 from then on."""
    await ctx.state.delete(str(call.params["id"]), call.namespace)
    return empty_reply()


def new_job(mock: Mock, body: Mapping[str, Any], credentials: Credentials | None = None) -> NewJob:
    """A create request's body (valid against control.yaml's NewJob) as a `NewJob`; JobError
    (400) for an unknown API or a bad token, PayloadTooLarge (413) for `fields` over
    `--max-job-bytes`, UnknownScenario for an unknown scenario.

    The job's owner is `token` read as the API's poll reads a credential (any scheme; for
    basic, `user:password`), else the credentials the request itself carries for the poll
    (an Authorization header, an API key header, query parameter or cookie), else nobody:
    every key sees it."""
    api = mock.apis.get(body["api"])
    if api is None:
        raise JobError(f"unknown api {body['api']!r}; served: {', '.join(sorted(mock.apis))}")
    size = payload_bytes(body.get("fields"))
    if size > mock.limits.job_bytes:
        raise PayloadTooLarge(
            f"fields take {size} bytes as JSON; a job may carry at most {mock.limits.job_bytes} "
            "(jobmock serve --max-job-bytes N)"
        )
    requirements = api.requirements(api.poll)
    try:
        if body.get("token") is not None:
            owner = token_owner(requirements, str(body["token"]))
        else:
            owner = _owner_or_none(requirements, credentials)
    except AuthError as exc:
        raise JobError(f"token: {exc}") from exc
    return NewJob(
        scenario=mock.scenario(api.name, body["scenario"]) if body.get("scenario") is not None else None,
        api=api.name,
        job_type=body.get("type"),
        outcome=body.get("outcome"),
        duration=body.get("duration"),
        fields=body.get("fields"),
        id=body.get("id"),
        owner=owner,
    )


def _owner_or_none(requirements: Requirements, credentials: Credentials | None) -> str | None:
    """The owner of the request's own credentials for the poll; None when it carries none
    (or an Authorization header of another scheme, as the control API's own may be)."""
    if credentials is None:
        return None
    try:
        return judge(requirements, credentials)
    except AuthError as exc:
        if exc.kind in ("missing", "scheme"):
            return None
        raise
