"""The control API's clock operations: read a namespace's clock, switch its mode, move it."""

from __future__ import annotations

from datetime import UTC, datetime

from ...exceptions import ClockError
from ...sim.clock import Clock
from .call import Call
from .context import Context
from .control import control_operation
from .job_view import iso
from .replies import Reply, json_reply


def _clock_reply(ctx: Context, call: Call) -> Reply:
    described = ctx.mock.clock(call.namespace)
    described["now"] = iso(float(str(described["now"])))
    return json_reply(200, described)


@control_operation
async def get_clock(ctx: Context, call: Call) -> Reply:
    """GET /_jobmock/clock"""
    return _clock_reply(ctx, call)


@control_operation
async def set_clock_mode(ctx: Context, call: Call) -> Reply:
    """PUT /_jobmock/clock {"mode": ...}"""
    mode = str(call.body["mode"])
    await ctx.state.move_clock(lambda clock: clock.set_mode(mode), call.namespace)
    return _clock_reply(ctx, call)


@control_operation
async def advance_clock(ctx: Context, call: Call) -> Reply:
    """POST /_jobmock/clock/advance {"seconds": ...}"""
    seconds = float(call.body["seconds"])
    await ctx.state.move_clock(lambda clock: clock.advance(seconds), call.namespace)
    return _clock_reply(ctx, call)


@control_operation
async def set_clock(ctx: Context, call: Call) -> Reply:
    """POST /_jobmock/clock/set {"time": ISO 8601}"""
    text = call.body["time"]
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        raise ClockError(f"time: {text!r} is not an ISO 8601 date-time") from None
    epoch = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    await ctx.state.move_clock(lambda clock: clock.set(epoch), call.namespace)
    return _clock_reply(ctx, call)


@control_operation
async def freeze_clock(ctx: Context, call: Call) -> Reply:
    """POST /_jobmock/clock/freeze"""
    await ctx.state.move_clock(Clock.freeze, call.namespace)
    return _clock_reply(ctx, call)


@control_operation
async def resume_clock(ctx: Context, call: Call) -> Reply:
    """POST /_jobmock/clock/resume"""
    await ctx.state.move_clock(Clock.resume, call.namespace)
    return _clock_reply(ctx, call)
