"""The control API's operations on the service itself: the served APIs, the loaded
scenarios, every bound with its count (status), and dropping a namespace."""

from __future__ import annotations

from dataclasses import asdict

from ...contract.lifecycle import success_state
from ..gauges import OPEN
from .call import Call
from .context import Context
from .control import control_operation
from .job_view import iso
from .replies import Reply, empty_reply, json_reply, problem


@control_operation
async def list_apis(ctx: Context, call: Call) -> Reply:
    """GET /_jobmock/apis"""
    apis = []
    for api in ctx.mock.apis.values():
        lifecycle = api.lifecycle
        apis.append(
            {
                "name": api.name,
                "title": api.title,
                "base_path": api.base_path or "/",
                "states": list(lifecycle.states),
                "initial": lifecycle.initial,
                "terminal": list(lifecycle.terminal),
                "types": sorted(api.types),
                "success": success_state(lifecycle),
                "approval": asdict(lifecycle.approval) if lifecycle.approval else None,
            }
        )
    return json_reply(200, {"apis": apis})


@control_operation
async def list_scenarios(ctx: Context, call: Call) -> Reply:
    """GET /_jobmock/scenarios[?api=]"""
    found = [
        {
            "api": scenario.api,
            "name": scenario.name,
            "description": scenario.description,
            "kind": "timeline" if scenario.timeline else "phases" if scenario.phases else "outcome",
            "statuses": list(dict.fromkeys(p.status for p in scenario.phases)) or [scenario.outcome or ""],
            "faults": len(scenario.faults),
            "breaks_contract": scenario.breaks_contract,
            "source": scenario.source,
        }
        for scenario in ctx.mock.scenarios(call.params.get("api"))
    ]
    return json_reply(200, {"scenarios": found})


UNCOUNTED = {  # under a server jobmock did not start (the ASGI factory): it holds the connections
    "counted": False,
    "note": "the server jobmock runs under holds the connections; its own options bound them",
}


@control_operation
async def status(ctx: Context, call: Call) -> Reply:
    """GET /_jobmock/status: every bound, what it holds now, and what it evicted."""
    usage = await ctx.state.usage()
    usage["connections"] = {"counted": True, "open": OPEN.connections} if OPEN.counting else UNCOUNTED
    limits = ctx.mock.limits
    usage["streams"] = {
        "open": OPEN.streams,
        "max": limits.streams,
        "dropped": OPEN.dropped_streams,
        "stall_seconds": limits.stream_stall,
    }
    usage["request_bodies"] = {"timed_out": OPEN.timed_out_bodies, "timeout_seconds": limits.body_timeout}
    usage["log"] = {"quieted_warnings": OPEN.quieted_warnings}
    if ctx.startup_files is not None:
        usage["startup_files"] = dict(ctx.startup_files)
    return json_reply(200, usage)


@control_operation
async def list_namespaces(ctx: Context, call: Call) -> Reply:
    """GET /_jobmock/namespaces: least recently used first (the first to go past the bound)."""
    uses = ctx.mock.namespace_uses()
    listed = [{"name": name, "last_used": iso(used), "jobs": jobs} for name, used, jobs in uses]
    return json_reply(200, {"namespaces": listed})


async def drop_namespace(ctx: Context, call: Call) -> Reply:
    """DELETE /_jobmock/namespace: forget the request's namespace (its jobs, clock and
    journal); its next use starts afresh. The default namespace cannot be dropped."""
    if not call.namespace:
        return problem(400, "the default namespace cannot be dropped; name one with X-Jobmock-Namespace")
    await ctx.state.drop_namespace(call.namespace)
    return empty_reply()
