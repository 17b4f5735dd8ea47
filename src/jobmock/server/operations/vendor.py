"""The vendor job operations besides the poll: the vendor's own cancel (x-jobmock.cancel)."""

from __future__ import annotations

from ...contract.model import ApiModel
from ...contract.security import judge
from ...exceptions import JobmockError, LifecycleError
from .call import Call, credentials_of
from .context import Context
from .replies import Reply, json_reply, vendor_error, vendor_refusal


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
            return vendor_error(api, 404)
        try:
            await state.cancel(job, namespace)
        except LifecycleError:
            message = rule.finished_message.replace("{status}", state.mock.status(job, namespace))
            return vendor_error(api, rule.finished_status, message)
    except JobmockError as exc:
        return vendor_refusal(api, exc)
    return json_reply(200, rule.response)
