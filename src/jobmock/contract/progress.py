"""Progress reporters: how a job body shows how far the job has come.

Each kind (`percent`, `steps`, `stage`, `count`) is one class registered with
`@reporter_kind`; it owns everything about itself: the JSON Schema of its x-jobmock
entry, reading that entry (`parse`), how many distinct values it can show
(`resolution`), writing progress into a body (`render`) and reading it back out of a
polled body for the lifecycle checks (`observed`). Adding a kind touches this file only.
Pure: bodies are plain dicts.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

from ..registry import Registry
from . import dotted

FindField = Callable[[str, str], Mapping[str, Any]]  # (key in the entry, dotted field) -> its schema, or raise


@dataclass(frozen=True)
class Step:
    name: str
    message: str


@dataclass(frozen=True)
class ProgressView:
    """What a reporter needs to know about a job at one instant."""

    status: str
    progress: float  # 0..1
    working: bool  # in a working state
    succeeded: bool  # in the success state (progress shows as full)
    started: bool  # has been in a working state
    steps: tuple[Step, ...]
    totals: Mapping[str, int]  # count reporter field -> this job's total


@dataclass(frozen=True)
class Observed:
    """A numeric progress value read from a polled body, with its upper bound."""

    label: str
    value: float
    bound: float | None


def quantize(value: float, resolution: int) -> float:
    """Largest multiple of 1/resolution not above value (with float noise absorbed)."""
    return math.floor(value * resolution + 1e-9) / resolution


@dataclass(frozen=True)
class Reporter:
    """One x-jobmock `progress` entry. Subclasses are the kinds."""

    field: str
    kind: ClassVar[str]
    options: ClassVar[dict[str, Any]] = {}  # JSON Schema of the entry's own keys (besides kind, field)
    required: ClassVar[tuple[str, ...]] = ()
    needs_steps: ClassVar[bool] = False

    @classmethod
    def parse(cls, raw: Mapping[str, Any], find: FindField) -> Reporter:
        find("field", raw["field"])
        return cls(raw["field"])

    @classmethod
    def entry_schema(cls) -> dict[str, Any]:
        props = {"kind": {"const": cls.kind}, "field": {"$ref": "#/$defs/field"}, **cls.options}
        return {
            "type": "object",
            "additionalProperties": False,
            "required": ["kind", "field", *cls.required],
            "properties": props,
        }

    def driven_fields(self) -> tuple[str, ...]:
        """Body fields this reporter writes (overrides may not set them)."""
        return (self.field,)

    def draw_total(self, rng: random.Random) -> int | None:
        """A total this job counts up to (count reporters), drawn once when it is made."""
        return None

    def total_field(self) -> str | None:
        """The field showing that total (it never changes for a job)."""
        return None

    def resolution(self, steps: int, totals: Mapping[str, int]) -> int:
        """How many distinct values it shows from 0 to 1 (0: it follows the state only)."""
        return steps

    def render(self, body: dict[str, Any], view: ProgressView) -> None:
        raise NotImplementedError

    def observed(self, body: Any, field_schema: Mapping[str, Any]) -> Iterator[Observed]:
        """Numeric progress read back from a polled body (none for text reporters)."""
        return iter(())


REPORTERS: Registry[type[Reporter]] = Registry("progress reporter kind")
R = TypeVar("R", bound=type[Reporter])


def reporter_kind(name: str) -> Callable[[R], R]:
    """Register a reporter kind under `name` (the x-jobmock `progress` entries' `kind`)."""
    return REPORTERS.kind(name)


def progress_schema() -> dict[str, Any]:
    """JSON Schema of x-jobmock's `progress` list, from the registered kinds."""
    return {"type": "array", "items": {"oneOf": [kind.entry_schema() for kind in REPORTERS.values()]}}


PERCENT_RESOLUTION = {True: 100, False: 1000}  # integer percent, or float with one decimal


@reporter_kind("percent")
@dataclass(frozen=True)
class Percent(Reporter):
    """A number from 0 to 100 (integer, or float with one decimal, as the schema types it),
    or from 0 to 1 (`scale: 1`; read from the schema where its `maximum` is 1): a fraction
    with three decimals."""

    options: ClassVar[dict[str, Any]] = {"scale": {"enum": [1, 100]}}
    integer: bool = True
    scale: int = 100

    @classmethod
    def parse(cls, raw: Mapping[str, Any], find: FindField) -> Reporter:
        schema = find("field", raw["field"])
        scale = int(raw.get("scale") or (1 if schema.get("maximum") == 1 else 100))
        return cls(raw["field"], integer=schema.get("type") == "integer" and scale == 100, scale=scale)

    def resolution(self, steps: int, totals: Mapping[str, int]) -> int:
        return PERCENT_RESOLUTION[self.integer]

    def render(self, body: dict[str, Any], view: ProgressView) -> None:
        progress = 1.0 if view.succeeded else view.progress
        value = quantize(progress, PERCENT_RESOLUTION[self.integer]) * self.scale
        dotted.put(body, self.field, round(value) if self.integer else round(value, 1 if self.scale == 100 else 3))

    def observed(self, body: Any, field_schema: Mapping[str, Any]) -> Iterator[Observed]:
        found, value = dotted.get(body, self.field)
        if found and isinstance(value, int | float) and not isinstance(value, bool):
            yield Observed(self.field, float(value), float(field_schema.get("maximum", self.scale)))


def _finished_steps(view: ProgressView) -> tuple[int, int]:
    """(steps finished, index of the active step or -1)."""
    count = len(view.steps)
    if view.succeeded:
        return count, -1
    finished = min(round(quantize(view.progress, count) * count), count)
    return finished, (min(finished, count - 1) if view.working else -1)


@reporter_kind("steps")
@dataclass(frozen=True)
class Steps(Reporter):
    """A list of `{name, completed, active}`, finished one at a time as progress rises."""

    needs_steps: ClassVar[bool] = True

    def render(self, body: dict[str, Any], view: ProgressView) -> None:
        finished, active = _finished_steps(view)
        listed = [{"name": s.name, "completed": i < finished, "active": i == active} for i, s in enumerate(view.steps)]
        dotted.put(body, self.field, listed)

    def observed(self, body: Any, field_schema: Mapping[str, Any]) -> Iterator[Observed]:
        found, value = dotted.get(body, self.field)
        if found and isinstance(value, list):
            done = sum(1 for step in value if isinstance(step, dict) and step.get("completed") is True)
            yield Observed(f"completed {self.field}", float(done), float(len(value)))


@reporter_kind("stage")
@dataclass(frozen=True)
class Stage(Reporter):
    """A text: the current step's message (or name), or a fixed text per state."""

    options: ClassVar[dict[str, Any]] = {
        "use": {"enum": ["name", "message"]},
        "states": {"type": "object", "additionalProperties": {"type": "string"}},
    }
    needs_steps: ClassVar[bool] = True
    use: Literal["name", "message"] = "message"
    states: Mapping[str, str] = field(default_factory=dict, hash=False)  # text outside working states

    @classmethod
    def parse(cls, raw: Mapping[str, Any], find: FindField) -> Reporter:
        find("field", raw["field"])
        return cls(raw["field"], use=raw.get("use", "message"), states=dict(raw.get("states", {})))

    def render(self, body: dict[str, Any], view: ProgressView) -> None:
        text = self.states.get(view.status)
        count = len(view.steps)
        if text is None and view.started and count:
            finished, active = _finished_steps(view)
            step = view.steps[active if active >= 0 else min(finished, count - 1)]
            text = step.message if self.use == "message" else step.name
        if text is None:
            dotted.delete(body, self.field)
        else:
            dotted.put(body, self.field, text)


@reporter_kind("count")
@dataclass(frozen=True)
class Count(Reporter):
    """Items done out of a total (`scenes_completed` of `scenes_total`); each job draws its total."""

    options: ClassVar[dict[str, Any]] = {
        "total": {"$ref": "#/$defs/field"},
        "min": {"type": "integer", "minimum": 1, "maximum": 10000},
        "max": {"type": "integer", "minimum": 1, "maximum": 10000},
    }
    required: ClassVar[tuple[str, ...]] = ("total",)
    total: str = ""
    min: int = 3
    max: int = 8

    @classmethod
    def parse(cls, raw: Mapping[str, Any], find: FindField) -> Reporter:
        find("field", raw["field"])
        find("total", raw["total"])
        low, high = int(raw.get("min", 3)), int(raw.get("max", 8))
        if low > high:
            raise ValueError(f"min {low} is greater than max {high}")
        return cls(raw["field"], total=raw["total"], min=low, max=high)

    def driven_fields(self) -> tuple[str, ...]:
        return (self.field, self.total)

    def draw_total(self, rng: random.Random) -> int | None:
        return rng.randint(self.min, self.max)

    def total_field(self) -> str | None:
        return self.total

    def resolution(self, steps: int, totals: Mapping[str, int]) -> int:
        return totals[self.field]

    def render(self, body: dict[str, Any], view: ProgressView) -> None:
        total = view.totals[self.field]
        progress = 1.0 if view.succeeded else view.progress
        done = round(quantize(progress, total) * total)
        dotted.put(body, self.field, done)
        dotted.put(body, self.total, total)
        parent, _, _ = self.field.rpartition(".")
        if parent and parent == self.total.rpartition(".")[0]:  # counts in an object ({total, completed, failed})
            found, counts = dotted.get(body, parent)
            for name, value in list(counts.items()) if found and isinstance(counts, dict) else ():
                if (
                    isinstance(value, int)
                    and not isinstance(value, bool)
                    and f"{parent}.{name}"
                    not in (
                        self.field,
                        self.total,
                    )
                ):
                    counts[name] = 0  # the other counts (`failed`) stay at 0: done + 0 never passes the total

    def observed(self, body: Any, field_schema: Mapping[str, Any]) -> Iterator[Observed]:
        found, value = dotted.get(body, self.field)
        if found and isinstance(value, int) and not isinstance(value, bool):
            total = dotted.get(body, self.total)[1]
            yield Observed(self.field, float(value), float(total) if isinstance(total, int) else None)
