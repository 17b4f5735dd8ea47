"""The one wrapper every control operation shares: what other workers did is read first
(`fresh`), and a refusal answers the status its exception type carries, as problem JSON."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from ...exceptions import JobmockError
from .call import Call
from .context import Context
from .replies import Reply, refused

ControlOperation = Callable[[Context, Call], Awaitable[Reply]]


def control_operation(core: ControlOperation) -> ControlOperation:
    """A control operation: the namespace made and other workers' changes applied before it
    runs; a JobmockError answered as problem JSON with the status its type carries."""

    @functools.wraps(core)
    async def run(ctx: Context, call: Call) -> Reply:
        try:
            await ctx.state.fresh(call.namespace)
            return await core(ctx, call)
        except JobmockError as exc:
            return refused(exc)

    return run
