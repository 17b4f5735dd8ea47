"""The control API's clock operations: read a namespace's clock, switch its mode, move it."""

from __future__ import annotations

from datetime import UTC, datetime

from ...exceptions import ClockError
from ...sim.clock import Clock, ClockState
from .call import Call
from .context import Context
from .control import control_operation
from .job_view import iso
from .replies import Reply, json_reply


def _clock_reply(ctx: Context, state: ClockState) -> Reply:
    """The clock as it stands right after a move (or now): as one process would answer,
    whatever moves other workers made since."""
    clock = Clock(ctx.mock.speed)
    clock.restore(state)
    described = clock.describe()
    described["now"] = iso(float(str(described["now"])))
    return json_reply(200, described)


async def _move(ctx: Context, call: Call, kind: str, value: float | str | None = None) -> Reply:
    return _clock_reply(ctx, await ctx.state.move_clock(kind, value, call.namespace))


@control_operation
async def get_clock(ctx: Context, call: Call) -> Reply:
    """GET /_jobmock/clock"""
    return _clock_reply(ctx, ctx.mock.clock_state(call.namespace))


@control_operation
async def set_clock_mode(ctx: Context, call: Call) -> Reply:
    """PUT /_jobmock/clock {"mode": ...}"""
    return await _move(ctx, call, "mode", str(call.body["mode"]))


@control_operation
async def advance_clock(ctx: Context, call: Call) -> Reply:
    """POST /_jobmock/clock/advance {"seconds": ...}: a delta, so that two advances add up."""
    return await _move(ctx, call, "advance", float(call.body["seconds"]))


@control_operation
async def set_clock(ctx: Context, call: Call) -> Reply:
    """POST /_jobmock/clock/set {"time": ISO 8601}"""
    text = call.body["time"]
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        raise ClockError(f"time: {text!r} is not an ISO 8601 date-time") from None
    epoch = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    return await _move(ctx, call, "set", epoch)


@control_operation
async def freeze_clock(ctx: Context, call: Call) -> Reply:
    """POST /_jobmock/clock/freeze"""
    return await _move(ctx, call, "freeze")


@control_operation
async def resume_clock(ctx: Context, call: Call) -> Reply:
    """POST /_jobmock/clock/resume"""
    return await _move(ctx, call, "resume")
