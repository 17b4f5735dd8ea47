"""Jobs: creation (ids, plan, Faker data made once) and rendering of the vendor body.

Rendering is a pure function of the job and an instant of its time axis; the store is
a plain in-memory dict. Neither knows about HTTP.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import fakedata
from .lifecycle import LifecycleError, Plan, cancel, default_plan, last_change, quantize, snapshot, success_state
from .model import ApiModel, Step
from .openapi import property_schema
from .scenarios import Entry, Scenario, build_plan, rewrite_ids, timeline_entry

PERCENT_RESOLUTION = {True: 100, False: 1000}  # integer percent, or float with one decimal


class JobError(ValueError):
    """A job request that cannot be honoured (unknown type, bad override, ...)."""


@dataclass
class Job:
    api: ApiModel
    id: str
    owner: str | None  # identity of the API key that may see it; None: every key
    created: float  # wall-clock epoch seconds
    plan: Plan
    job_type: str | None
    outcome: str
    static: dict[str, Any]
    gated: dict[str, Any]  # dotted field -> value, shown only in its presence states
    overlays: dict[str, dict[str, Any]]  # state -> field values merged in that state
    steps: tuple[Step, ...]
    totals: dict[str, int]  # count reporter field -> total
    scenario: Scenario | None = None
    polls: int = 0  # polls answered so far (faults and poll-driven clocks count them)
    _cache_key: tuple[Any, ...] | None = field(default=None, repr=False)
    _cache_bytes: bytes = field(default=b"", repr=False)
    _cache_status: str = field(default="", repr=False)

    @property
    def timeline(self) -> tuple[Entry, ...]:
        """The literal answers of a replayed scenario; empty for a job that follows a plan."""
        return self.scenario.timeline if self.scenario is not None else ()

    def render(self, t: float, speed: float) -> dict[str, Any]:
        """The vendor body `t` lifecycle-seconds after creation."""
        body: dict[str, Any] = json.loads(self.render_bytes(t, speed))
        return body

    def answer(self, t: float, speed: float, poll: int) -> tuple[int, dict[str, str], bytes, str]:
        """(HTTP status, headers, body, job status) of a poll: a replayed timeline's
        literal answer, or the body rendered from the plan."""
        if self.timeline:
            entry = timeline_entry(self.timeline, t, poll)
            body = entry.body
            recorded_id = self.scenario.recorded_id if self.scenario else None
            if recorded_id:
                body = rewrite_ids(body, recorded_id, self.id)
            status = body.get(self.api.status_field) if isinstance(body, dict) else None
            encoded = json.dumps(body, separators=(",", ":")).encode()
            return entry.status, dict(entry.headers), encoded, str(status)
        encoded = self.render_bytes(t, speed)
        return 200, {}, encoded, self._cache_status

    def poll_time(self) -> float:
        """Job time in the poll-driven clock: poll n shows phase n (mid-way, so ramps show)."""
        index = max(self.polls - 1, 0)
        if self.timeline:
            return self.timeline[min(index, len(self.timeline) - 1)].at or 0.0
        phase = self.plan.phases[min(index, len(self.plan.phases) - 1)]
        return phase.start if phase.end == math.inf else (phase.start + phase.end) / 2

    def render_bytes(self, t: float, speed: float) -> bytes:
        """Compact JSON of the body; cached while nothing visible changes (the poll hot path)."""
        snap = snapshot(self.plan, self.api.lifecycle, t)
        updated = self._updated(snap, t)
        key = (snap.status, snap.phase.start, self._progress_key(snap.progress), updated)
        if key != self._cache_key:
            body = self._body(snap, updated, speed)
            self._cache_bytes = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            self._cache_key = key
            self._cache_status = snap.status
        return self._cache_bytes

    def status_at(self, t: float) -> str:
        if self.timeline:
            return self.answer(t, 1.0, self.polls)[3]
        return snapshot(self.plan, self.api.lifecycle, t).status

    def cancel_at(self, t: float) -> None:
        if self.timeline:
            raise LifecycleError("a replayed timeline cannot be cancelled")
        self.plan = cancel(self.plan, self.api.lifecycle, t)
        self._cache_key = None

    def _progress_key(self, progress: float) -> tuple[float, ...]:
        return tuple(quantize(progress, self._resolution(r.kind, r.field, r.integer)) for r in self.api.reporters)

    def _resolution(self, kind: str, name: str, integer: bool) -> int:
        if kind == "percent":
            return PERCENT_RESOLUTION[integer]
        if kind == "count":
            return self.totals[name]
        return len(self.steps)

    def _updated(self, snap: Any, t: float) -> float:
        changes = [snap.entered] + [
            last_change(snap, self._resolution(r.kind, r.field, r.integer), t)
            for r in self.api.reporters
            if snap.status in self.api.lifecycle.working
        ]
        return float(max(changes))

    def _body(self, snap: Any, updated: float, speed: float) -> dict[str, Any]:
        api = self.api
        body = copy.deepcopy(self.static)
        for dotted, states in api.presence.items():
            if snap.status in states:
                if dotted in self.gated:
                    _set(body, dotted, copy.deepcopy(self.gated[dotted]))
            else:
                schema = property_schema(api.job_schema, dotted) or {}
                if schema.get("nullable"):
                    _set(body, dotted, None)
                else:
                    _delete(body, dotted)
        _merge(body, copy.deepcopy(self.overlays.get(snap.status, {})))
        _set(body, api.status_field, snap.status)
        stamp = _stamper(api.precision)
        for role, dotted in api.timestamps.items():
            moment = {
                "created": 0.0,
                "updated": updated,
                "started": snap.started,
                "finished": snap.finished,
            }[role]
            if moment is None:
                if (property_schema(api.job_schema, dotted) or {}).get("nullable"):
                    _set(body, dotted, None)
                else:
                    _delete(body, dotted)
            else:
                _set(body, dotted, stamp(self.created + moment / speed))
        for reporter in api.reporters:
            self._report(body, reporter, snap)
        if snap.phase.fields:
            _merge(body, copy.deepcopy(dict(snap.phase.fields)))
        return body

    def _report(self, body: dict[str, Any], reporter: Any, snap: Any) -> None:
        working = snap.status in self.api.lifecycle.working
        done_all = snap.status == success_state(self.api.lifecycle)
        progress = 1.0 if done_all else snap.progress
        if reporter.kind == "percent":
            value = quantize(progress, PERCENT_RESOLUTION[reporter.integer]) * 100
            _set(body, reporter.field, round(value) if reporter.integer else round(value, 1))
        elif reporter.kind == "count":
            total = self.totals[reporter.field]
            _set(body, reporter.field, round(quantize(progress, total) * total))
            _set(body, reporter.total, total)
        else:
            count = len(self.steps)
            finished = count if done_all else min(round(quantize(progress, count) * count), count)
            active = min(finished, count - 1) if working else -1
            if reporter.kind == "steps":
                _set(
                    body,
                    reporter.field,
                    [
                        {"name": s.name, "completed": i < finished, "active": i == active}
                        for i, s in enumerate(self.steps)
                    ],
                )
            else:
                text = reporter.states.get(snap.status)
                if text is None and snap.started is not None and count:
                    step = self.steps[active if active >= 0 else min(finished, count - 1)]
                    text = step.message if reporter.use == "message" else step.name
                if text is None:
                    _delete(body, reporter.field)
                else:
                    _set(body, reporter.field, text)


@dataclass
class NewJob:
    """What a client asks for when creating a job through the control API."""

    api: str
    job_type: str | None = None
    outcome: str | None = None
    duration: float | None = None
    fields: dict[str, Any] | None = None
    id: str | None = None
    owner: str | None = None
    scenario: Scenario | None = None


class JobStore:
    """All jobs of one server, keyed by id; deleted ids stay gone."""

    def __init__(self, apis: dict[str, ApiModel], seed: int = 0):
        self.apis = apis
        self.seed = seed
        self._jobs: dict[str, Job] = {}
        self._deleted: set[str] = set()
        self._ids = random.Random(f"{seed}|ids")

    def __iter__(self) -> Iterator[Job]:
        return iter(list(self._jobs.values()))

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def visible(self, api: str, job_id: str, identity: str | None) -> Job | None:
        """The job as a vendor would show it to this key: 404 (None) for other keys' jobs."""
        job = self._jobs.get(job_id)
        if job is None or job.api.name != api:
            return None
        if job.owner is not None and job.owner != identity:
            return None
        return job

    def delete(self, job_id: str, forget: bool = False) -> bool:
        """Remove a job; its id answers 404 from then on, unless `forget` (a restart)."""
        if self._jobs.pop(job_id, None) is None:
            return False
        if not forget:
            self._deleted.add(job_id)
        return True

    def was_deleted(self, job_id: str) -> bool:
        return job_id in self._deleted

    def create(self, request: NewJob, now: float) -> Job:
        api = self.apis.get(request.api)
        if api is None:
            raise JobError(f"unknown api {request.api!r}; served: {', '.join(sorted(self.apis))}")
        job_id = request.id or self._new_id(api)
        if job_id in self._jobs or job_id in self._deleted:
            raise JobError(f"job id {job_id!r} is already taken")
        job = build_job(api, job_id, request, now, self.seed)
        self._jobs[job_id] = job
        return job

    def _new_id(self, api: ApiModel) -> str:
        conf = api.ext["id"]
        while True:
            if conf.get("uuid"):
                candidate = fakedata.random_uuid(self._ids)
            else:
                token = fakedata.random_token(
                    self._ids, int(conf.get("length", 12)), conf.get("alphabet", "alphanumeric")
                )
                candidate = conf.get("prefix", "") + token
            if candidate not in self._jobs and candidate not in self._deleted:
                return candidate


def job_seed(seed: int, api: str, job_id: str) -> int:
    """A stable per-job seed (Python's hash() is salted per process, so not that)."""
    digest = hashlib.sha256(f"{seed}|{api}|{job_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def lifecycle_fields(api: ApiModel) -> set[str]:
    """Top-level fields the lifecycle drives; overrides may not set them."""
    names = {api.status_field, *api.timestamps.values()}
    for reporter in api.reporters:
        names.add(reporter.field)
        if reporter.total:
            names.add(reporter.total)
    return {n.split(".")[0] for n in names}


def build_job(api: ApiModel, job_id: str, request: NewJob, now: float, seed: int) -> Job:  # noqa: C901
    n = job_seed(seed, api.name, job_id)
    rng = random.Random(n)
    gen = fakedata.Generator(rng, fakedata.seeded_faker(n))
    lifecycle = api.lifecycle

    scenario = request.scenario
    job_type = request.job_type or (scenario.job_type if scenario else None)
    if job_type is None and api.types:
        job_type = rng.choice(sorted(api.types))
    elif job_type is not None and api.types and job_type not in api.types:
        raise JobError(f"unknown job type {job_type!r}; known: {', '.join(sorted(api.types))}")
    elif job_type is not None and not api.types:
        raise JobError(f"the {api.name} API declares no job types")

    outcome = request.outcome or success_state(lifecycle)
    if request.duration is not None and not (0 < request.duration <= 86_400):
        raise JobError("duration must be a number of seconds above 0 and at most 86400")
    try:
        if scenario is not None and scenario.phases:
            plan = build_plan(scenario.phases, lifecycle)
            outcome = plan.final_status
        else:
            plan = default_plan(lifecycle, outcome, rng, request.duration)
    except (LifecycleError, ValueError) as exc:
        raise JobError(str(exc)) from exc

    driven = lifecycle_fields(api)
    gated_names = set(api.presence)
    static = gen.object(_without(api.job_schema, driven | {g.split(".")[0] for g in gated_names if "." not in g}))
    _set(static, api.id_field, job_id)
    if api.type_field and job_type is not None:
        _set(static, api.type_field, job_type)

    overlays = {state: copy.deepcopy(rng.choice(options)) for state, options in sorted(api.state_values.items())}
    gated: dict[str, Any] = {}
    for dotted in sorted(gated_names):
        if any(_has(overlays.get(s, {}), dotted) for s in api.presence[dotted]):
            continue  # the state's chosen values supply it
        schema = property_schema(api.job_schema, dotted) or {}
        if dotted == "result" and job_type is not None and api.types[job_type].result is not None:
            schema = api.types[job_type].result or schema
        value = gen.value(schema, dotted.split(".")[-1], required=True)
        if value is None:  # never hide a gated field behind a random null
            value = gen.value({k: v for k, v in schema.items() if k != "nullable"}, dotted.split(".")[-1])
        gated[dotted] = value
    for dotted in gated_names:
        if "." in dotted:
            _delete(static, dotted)

    totals = {r.field: rng.randint(r.min, r.max) for r in api.reporters if r.kind == "count"}
    if request.fields:
        bad = sorted(set(request.fields) & driven)
        if bad:
            raise JobError(f"{', '.join(bad)} follow the lifecycle and cannot be overridden; choose an outcome instead")
        for key, value in request.fields.items():
            if key in gated:
                gated[key] = value
            else:
                _merge(static, {key: copy.deepcopy(value)})
    return Job(
        api=api,
        id=job_id,
        owner=request.owner,
        created=now,
        plan=plan,
        job_type=job_type,
        outcome=outcome,
        static=static,
        gated=gated,
        overlays=overlays,
        steps=api.steps_for(job_type),
        totals=totals,
        scenario=scenario,
    )


def _without(schema: dict[str, Any], names: set[str]) -> dict[str, Any]:
    props = {k: v for k, v in schema.get("properties", {}).items() if k not in names}
    required = [r for r in schema.get("required", []) if r not in names]
    return {**schema, "properties": props, "required": required}


def _stamper(precision: str) -> Any:
    digits = {"seconds": 0, "milliseconds": 3, "microseconds": 6}[precision]

    def stamp(epoch: float) -> str:
        # truncate, never round up: a timestamp must not land after the instant it describes
        scaled = math.floor(epoch * 10**digits) / 10**digits
        moment = datetime.fromtimestamp(scaled, UTC)
        text = moment.strftime("%Y-%m-%dT%H:%M:%S")
        if digits:
            text += "." + f"{moment.microsecond:06d}"[:digits]
        return text + "Z"

    return stamp


def _set(body: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = body
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[leaf] = value


def _delete(body: dict[str, Any], dotted: str) -> None:
    *parents, leaf = dotted.split(".")
    node: Any = body
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(leaf, None)


def _has(body: dict[str, Any], dotted: str) -> bool:
    node: Any = body
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _merge(target: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value
