"""The journal's control operations: read it, clear it, and the polling report."""

from __future__ import annotations

import asyncio
import json

from ...sim import polling
from .call import Call
from .context import Context
from .control import control_operation
from .replies import Reply, empty_reply, json_reply


@control_operation
async def get_journal(ctx: Context, call: Call) -> Reply:
    """GET /_jobmock/journal[?job=&api=&client=]"""
    p = call.params
    entries = await ctx.journal.entries(call.namespace, job=p.get("job"), api=p.get("api"), client=p.get("client"))
    body = await asyncio.to_thread(lambda: json.dumps({"entries": [e.to_json() for e in entries]}).encode())
    return Reply(200, body)


@control_operation
async def clear_journal(ctx: Context, call: Call) -> Reply:
    """DELETE /_jobmock/journal"""
    await ctx.state.clear_journal(call.namespace)
    return empty_reply()


@control_operation
async def polling_report(ctx: Context, call: Call) -> Reply:
    """GET /_jobmock/journal/report[?min_interval=]"""
    reports = await ctx.journal.polling_report(call.namespace, float(call.params.get("min_interval", 0.5)))
    return json_reply(200, {"clients": [r.to_json() for r in reports], "text": polling.render(reports)})
