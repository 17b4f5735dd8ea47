"""Jobs: creation (ids, plan, Faker data made once) and rendering of the vendor body.

Rendering is a pure function of the job and an instant of its time axis; progress is
written by the API's reporters (`jobmock.contract.progress`). No HTTP, no I/O.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..contract import dotted
from ..contract.lifecycle import success_state
from ..contract.model import ApiModel
from ..contract.openapi import is_uuid, property_schema
from ..contract.progress import ProgressView, Step, quantize
from ..contract.schema_fit import READ, judge
from ..exceptions import JobError, LifecycleError
from . import fakedata
from .plans import Plan, Snapshot, cancel, decide, default_plan, last_change, snapshot
from .scenarios import Entry, Scenario, build_plan, rewrite_ids, timeline_entry


@dataclass(slots=True)  # one per job held: no __dict__
class JobData:
    """What a job is made from, small enough to hold 100k of; the rest of the job (its
    Faker data, plan, steps) is rebuilt from it the same each time (`build_job`).

    It is also what the shared state stores and sends to other workers (`to_json`)."""

    api: str
    id: str
    owner: str | None  # identity of the API key that may see it; None: every key
    created: float  # wall-clock epoch seconds (of its namespace's clock)
    seed: int
    job_type: str | None = None  # as asked; None: drawn from the job's seed
    outcome: str | None = None
    duration: float | None = None
    fields: dict[str, Any] | None = None
    scenario: Scenario | None = None
    cancelled: float | None = None  # seconds of its lifecycle at which it was cancelled
    decided: tuple[tuple[float, bool], ...] = ()  # approvals decided: (lifecycle seconds, approved), in order
    finish: float = math.inf  # seconds of its lifecycle at which it ends (inf: never)
    spot: bool = False  # created by a poll naming a scenario
    seq: int = 0  # order of creation in its namespace (a page cursor)
    polls: int = 0  # polls received so far: scripted faults count them (`poll: 3`)
    shown: int = 0  # polls answered with the job: the polls clock counts them

    def to_json(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__slots__}
        data["scenario"] = self.scenario.name if self.scenario is not None else None
        data["finish"] = None if self.finish == math.inf else self.finish
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], scenario: Callable[[str, str], Scenario]) -> JobData:
        """Read back `to_json`; `scenario(api, name)` finds a scenario by name."""
        values = dict(data)
        name = values.get("scenario")
        values["scenario"] = scenario(values["api"], name) if name is not None else None
        values["finish"] = math.inf if values.get("finish") is None else values["finish"]
        values["decided"] = tuple((float(at), bool(approved)) for at, approved in values.get("decided") or ())
        return cls(**values)


EXPIRES_AFTER = 86_400.0  # job seconds from creation to an `expires` timestamp (a vendor's usual day)


@dataclass(slots=True)  # a per-process cache of these is held, not one per job
class Job:
    api: ApiModel
    data: JobData
    plan: Plan
    job_type: str | None
    outcome: str
    static: dict[str, Any]
    gated: dict[str, Any]  # dotted field -> value, shown only in its presence states
    overlays: dict[str, dict[str, Any]]  # state -> field values merged in that state
    steps: tuple[Step, ...]
    totals: dict[str, int]  # count reporter field -> total
    _cache_key: tuple[Any, ...] | None = field(default=None, repr=False)
    _cache_bytes: bytes = field(default=b"", repr=False)
    _cache_status: str = field(default="", repr=False)
    stall: float | None = field(init=False, repr=False)  # job seconds after which a stall fault holds it
    _resolutions: tuple[int, ...] = field(init=False, repr=False)  # of each progress reporter

    @property
    def id(self) -> str:
        return self.data.id

    @property
    def owner(self) -> str | None:
        return self.data.owner

    @property
    def created(self) -> float:
        return self.data.created

    @property
    def scenario(self) -> Scenario | None:
        return self.data.scenario

    @property
    def seq(self) -> int:
        return self.data.seq

    @property
    def polls(self) -> int:
        return self.data.polls

    @property
    def shown(self) -> int:
        return self.data.shown

    def __post_init__(self) -> None:
        held = [f.job_time(math.inf) for f in self.scenario.faults] if self.scenario else []
        self.stall = min((t for t in held if t != math.inf), default=None)
        self._resolutions = tuple(r.resolution(len(self.steps), self.totals) for r in self.api.reporters)

    @property
    def timeline(self) -> tuple[Entry, ...]:
        """The literal answers of a replayed scenario; empty for a job that follows a plan."""
        return self.scenario.timeline if self.scenario is not None else ()

    def render(self, t: float, speed: float) -> dict[str, Any]:
        """The vendor body `t` lifecycle-seconds after creation."""
        body: dict[str, Any] = json.loads(self.render_bytes(t, speed))
        return body

    def limit_time(self, t: float) -> float:
        return t if self.stall is None else min(t, self.stall)

    @property
    def finish_time(self) -> float:
        """Seconds of its lifecycle at which the job reaches a terminal state (inf: never)."""
        terminal = self.api.lifecycle.terminal
        if self.timeline:
            ends = (e.at for e in self.timeline if e.at is not None and _job_status(e, self.api) in terminal)
        else:
            ends = (p.start for p in self.plan.phases if p.status in terminal)
        end = next(ends, math.inf)
        return end if self.stall is None or end <= self.stall else math.inf

    def answer(self, t: float, speed: float) -> tuple[int, dict[str, str], bytes, str | None]:
        """(HTTP status, headers, body, job status) of a poll: a replayed timeline's
        literal answer, or the body rendered from the plan. The job status is None for
        an answer that shows no job (a recorded 429 or 503)."""
        if self.timeline:
            entry = timeline_entry(self.timeline, t, self.shown)
            body = entry.body
            recorded_id = self.scenario.recorded_id if self.scenario else None
            if recorded_id:
                body = rewrite_ids(body, recorded_id, self.id)
            encoded = json.dumps(body, separators=(",", ":")).encode()
            return entry.status, dict(entry.headers), encoded, _job_status(entry, self.api)
        encoded = self.render_bytes(t, speed)
        return 200, {}, encoded, self._cache_status

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

    def history(self, t: float, speed: float) -> list[tuple[str, float]]:
        """Each status the job has shown up to lifecycle time `t`, with the epoch it entered it."""
        if self.timeline:
            shown = [(_job_status(e, self.api), e.at) for e in self.timeline if e.at is not None and e.at <= t]
            entered = [(status, at) for status, at in shown if status is not None]  # not a recorded 429's
            steps = entered or [(self.status_at(t), 0.0)]
        else:
            steps = [(p.status, p.start) for p in self.plan.phases if p.start <= max(t, 0.0)]
        found: list[tuple[str, float]] = []
        for status, start in steps:
            if not found or found[-1][0] != status:
                found.append((status, self.created + start / speed))
        return found

    def progress_at(self, t: float) -> float | None:
        """The share of its work done (0 to 1) at lifecycle time `t`; None for a replayed timeline."""
        return None if self.timeline else snapshot(self.plan, self.api.lifecycle, t).progress

    def status_at(self, t: float) -> str:
        """The job's status at lifecycle time `t`: in a replayed timeline, the last one an
        answer showed (a recorded 429 or 503 shows none: the job is still where it was)."""
        if self.timeline:
            entry = timeline_entry(self.timeline, t, self.shown)
            answered = self.timeline[: self.timeline.index(entry) + 1]
            shown = [status for e in answered if (status := _job_status(e, self.api)) is not None]
            return shown[-1] if shown else self.api.lifecycle.initial
        return snapshot(self.plan, self.api.lifecycle, t).status

    def cancel_at(self, t: float) -> None:
        if self.timeline:
            raise LifecycleError("a replayed timeline cannot be cancelled")
        self.plan = cancel(self.plan, self.api.lifecycle, t)
        self.data.cancelled = t
        self.data.finish = self.finish_time
        self._cache_key = None

    def decide_at(self, t: float, approved: bool) -> None:
        """Approve or reject, at lifecycle time `t`, the approval the job waits for;
        LifecycleError (nothing changed) when it waits for none then."""
        if self.timeline:
            raise LifecycleError("a replayed timeline cannot be approved or rejected")
        self.plan = decide(self.plan, self.api.lifecycle, t, approved)
        self.data.decided = (*self.data.decided, (t, approved))
        self.data.finish = self.finish_time
        self._cache_key = None

    def _progress_key(self, progress: float) -> tuple[float, ...]:
        return tuple(quantize(progress, resolution) for resolution in self._resolutions)

    def _updated(self, snap: Snapshot, t: float) -> float:
        changes = [snap.entered]
        if snap.status in self.api.lifecycle.working:
            changes += [last_change(snap, resolution, t) for resolution in self._resolutions]
        return float(max(changes))

    def _body(self, snap: Snapshot, updated: float, speed: float) -> dict[str, Any]:
        api = self.api
        body = copy.deepcopy(self.static)
        for name, states in api.presence.items():
            if snap.status in states:
                if name in self.gated:
                    dotted.put(body, name, copy.deepcopy(self.gated[name]))
            else:
                _absent(body, api, name)
        dotted.merge(body, copy.deepcopy(self.overlays.get(snap.status, {})))
        dotted.put(body, api.status_field, snap.status)
        stamp = _stamper(api.precision)
        moments = {
            "created": 0.0,
            "updated": updated,
            "started": snap.started,
            "finished": snap.finished,
            "expires": EXPIRES_AFTER,
        }
        reached: dict[str, float] = {}  # each state the job has been in, when it first was
        for phase in self.plan.phases:
            if phase.start > snap.phase.start:
                break
            reached.setdefault(phase.status, phase.start)
        fields = [(name, moments[role]) for role, name in api.timestamps.items()]
        fields += [(name, reached.get(state)) for state, name in api.state_timestamps.items()]
        for name, moment in fields:
            if moment is None:
                _absent(body, api, name)
            else:
                dotted.put(body, name, _written(api.time_forms.get(name, "iso"), self.created + moment / speed, stamp))
        view = ProgressView(
            status=snap.status,
            progress=snap.progress,
            working=snap.status in api.lifecycle.working,
            succeeded=snap.status == success_state(api.lifecycle),
            started=snap.started is not None,
            steps=self.steps,
            totals=self.totals,
        )
        for reporter in api.reporters:
            reporter.render(body, view)
        if snap.phase.fields:
            dotted.merge(body, copy.deepcopy(dict(snap.phase.fields)))
        return body


def _job_status(entry: Entry, api: ApiModel) -> str | None:
    """The job status a timeline answer shows; None when it shows no job (a 429, a 503)."""
    if not 200 <= entry.status < 300:
        return None
    value = dotted.get(entry.body, api.status_field)[1]
    return None if value is None else str(value)


def _absent(body: dict[str, Any], api: ApiModel, name: str) -> None:
    """A field outside its states: null where the schema allows it (unless the API omits
    absent fields, as stories' page says), else left out."""
    if not api.omit_absent and judge(api.dialect, READ, api.resolved).allows_null(
        property_schema(api.job_schema, name) or {}
    ):
        dotted.put(body, name, None)
    else:
        dotted.delete(body, name)


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


def payload_bytes(fields: Mapping[str, Any] | None) -> int:
    """What a job's `fields` take, as compact JSON (the bound `--max-job-bytes` holds it to)."""
    if not fields:
        return 0
    return len(json.dumps(fields, ensure_ascii=False, separators=(",", ":"), default=str).encode())


def job_seed(seed: int, api: str, job_id: str) -> int:
    """A stable per-job seed (Python's hash() is salted per process, so not that)."""
    digest = hashlib.sha256(f"{seed}|{api}|{job_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def build_job(api: ApiModel, request: JobData) -> Job:  # noqa: C901
    """The job a data makes: the same Faker data, plan and steps every time."""
    n = job_seed(request.seed, api.name, request.id)
    rng = random.Random(n)
    gen = fakedata.Generator(rng, fakedata.seeded_faker(n), dialect=api.dialect, document=api.resolved)
    lifecycle = api.lifecycle

    scenario = request.scenario
    job_type = request.job_type or (scenario.job_type if scenario else None)
    if job_type is None and api.types:
        job_type = rng.choice(sorted(api.types))
    elif job_type is not None and api.types and job_type not in api.types:
        raise JobError(f"unknown job type {job_type!r}; known: {', '.join(sorted(api.types))}")
    elif job_type is not None and not api.types:
        raise JobError(f"the {api.name} API declares no job types")

    outcome = request.outcome or (scenario.outcome if scenario else None) or success_state(lifecycle)
    if request.duration is not None and not (0 < request.duration <= 86_400):
        raise JobError("duration must be a number of seconds above 0 and at most 86400")
    try:
        if scenario is not None and scenario.phases:
            plan = build_plan(scenario.phases, lifecycle)
            outcome = plan.final_status
        else:
            plan = default_plan(lifecycle, outcome, rng, request.duration)
    except LifecycleError as exc:
        raise JobError(str(exc)) from exc

    driven = api.driven_fields()
    gated_names = set(api.presence)
    static = gen.object(_without(api.job_schema, driven | {g.split(".")[0] for g in gated_names if "." not in g}))
    dotted.put(static, api.id_field, request.id)
    if api.type_field and job_type is not None:
        dotted.put(static, api.type_field, job_type)

    overlays = {state: copy.deepcopy(dict(rng.choice(options))) for state, options in sorted(api.state_values.items())}
    gated: dict[str, Any] = {}
    for name in sorted(gated_names):
        if any(dotted.has(overlays.get(s, {}), name) for s in api.presence[name]):
            continue  # the state's chosen values supply it
        schema = dict(property_schema(api.job_schema, name) or {})
        result = api.types[job_type].result if job_type is not None and api.types else None
        if name == "result" and result is not None:
            schema = dict(result)
        value = gen.value_of_its_own(schema, name.split(".")[-1])  # the static body may have spent the budget
        if value is None:  # never hide a gated field behind a random null
            value = gen.value_of_its_own(_not_null(schema), name.split(".")[-1])
        gated[name] = value
    for name in gated_names:
        if "." in name:
            dotted.delete(static, name)

    totals = {r.field: total for r in api.reporters if (total := r.draw_total(rng)) is not None}
    if request.scenario is not None and request.scenario.total is not None:
        totals = dict.fromkeys(totals, request.scenario.total)
    for value in gated.values():
        fakedata.match_counts(value, max(totals.values(), default=0))
    owner = request.owner or ""
    if api.owner_field and owner.startswith("jwt-sub:"):  # the token's subject, when it has the field's form
        subject = owner.removeprefix("jwt-sub:")
        field_format = (property_schema(api.job_schema, api.owner_field) or {}).get("format")
        if field_format != "uuid" or is_uuid(subject):
            dotted.put(static, api.owner_field, subject)
    for group in api.one_of:  # one owner: the others null, as the document says
        kept = rng.choice(group)
        for name in group:
            dotted.put(static, name, None)
        wanted = _not_null(property_schema(api.job_schema, kept) or {})
        dotted.put(static, kept, gen.value_of_its_own(wanted, kept.split(".")[-1]))
    if request.fields:
        bad = sorted(set(request.fields) & driven)
        if bad:
            raise JobError(f"{', '.join(bad)} follow the lifecycle and cannot be overridden; choose an outcome instead")
        for key, value in request.fields.items():
            if key in gated:
                gated[key] = value
            else:
                dotted.merge(static, {key: copy.deepcopy(value)})
        for name in gated_names:  # a state-bound field asked for inside its object: shown in its states only
            found, value = dotted.get(static, name)
            if found and "." in name:
                gated[name] = value
    job = Job(
        api=api,
        data=request,
        plan=plan,
        job_type=job_type,
        outcome=outcome,
        static=static,
        gated=gated,
        overlays=overlays,
        steps=api.steps_for(job_type),
        totals=totals,
    )
    for at, approved in request.decided:
        job.plan = decide(job.plan, lifecycle, at, approved)
    if request.cancelled is not None:
        job.plan = cancel(job.plan, lifecycle, request.cancelled)
    request.finish = job.finish_time
    return job


def _not_null(schema: Mapping[str, Any]) -> dict[str, Any]:
    """`schema` without what lets its value be null, in any dialect (3.0's `nullable`, a 3.1
    type array's "null", an `anyOf`/`oneOf` branch that is only null): for a field its state
    must show (a result when completed), whatever else the schema allows in other states."""
    kept = {key: value for key, value in schema.items() if key != "nullable"}
    kinds = kept.get("type")
    if isinstance(kinds, list) and any(kind != "null" for kind in kinds):
        rest = [kind for kind in kinds if kind != "null"]
        kept["type"] = rest[0] if len(rest) == 1 else rest
    for key in ("anyOf", "oneOf"):
        branches = kept.get(key)
        if isinstance(branches, list) and any(not _only_null(branch) for branch in branches):
            kept[key] = [branch for branch in branches if not _only_null(branch)]
    return kept


def _only_null(schema: Any) -> bool:
    """A schema that no value but null fits (`type: null`, `type: [null]`, `const: null`, `enum: [null]`)."""
    if not isinstance(schema, Mapping):
        return False
    return (
        schema.get("type") in ("null", ["null"])
        or schema.get("enum") == [None]
        or ("const" in schema and schema["const"] is None)
    )


def _without(schema: Mapping[str, Any], names: set[str]) -> dict[str, Any]:
    props = {k: v for k, v in schema.get("properties", {}).items() if k not in names}
    required = [r for r in schema.get("required", []) if r not in names]
    return {**schema, "properties": props, "required": required}


def _written(form: str, epoch: float, stamp: Callable[[float], str]) -> str | int | float:
    """A timestamp as its field's schema has it (`ApiModel.time_forms`); truncated, never
    rounded up, as `_stamper` does."""
    if form == "seconds":
        return math.floor(epoch)
    if form == "milliseconds":
        return math.floor(epoch * 1000)
    if form == "number":
        return math.floor(epoch * 1000) / 1000
    return stamp(epoch)


def _stamper(precision: str) -> Callable[[float], str]:
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
