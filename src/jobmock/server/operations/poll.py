"""The poll: `GET` of a job as its vendor answers it. The one function every poll goes
through, whether the fast path or Connexion carried it: the credential, the id's form,
the state read (`State.poll`), and the answer (the job, a fault's answer, or the vendor's
401, 400 or 404 in its own envelope)."""

from __future__ import annotations

from ...contract.model import ApiModel
from ...contract.security import judge
from ...exceptions import JobmockError
from .call import Call, credentials_of
from .context import Context
from .replies import Reply, answer_reply, job_error, vendor_refusal


async def poll(ctx: Context, api: ApiModel, call: Call) -> Reply:
    try:
        owner = judge(api.requirements(api.poll), credentials_of(call))
        job_id = str(call.params.get(api.id_parameter, ""))
        if not api.id_check(job_id):
            return job_error(api, api.poll, 400, f"{api.id_parameter} must be a {api.id_form}")
        answer = await ctx.state.poll(api.name, job_id, owner, call.namespace, call.scenario)
    except JobmockError as exc:
        return vendor_refusal(api, exc)
    if answer is None:
        return job_error(api, api.poll, 404)
    return answer_reply(answer)
