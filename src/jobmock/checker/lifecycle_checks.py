"""Checks of a job's behaviour across polls, read from the spec's x-jobmock lifecycle.

Schemathesis judges each response alone; these judge the sequence. Each check is a
small function registered with `@lifecycle_check`: it reads a `JobHistory` and yields
a `Mismatch` for each poll that breaks its rule. Adding a check touches only this file
(or, for your own checks, only your file: the decorator is public).
Pure: no HTTP, no clock (the polls carry their own arrival times).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cached_property, partial
from typing import Any

from ..client.polls import Poll
from ..contract import openapi
from ..contract.dotted import get as dotted_get
from ..contract.model import ApiModel
from ..contract.progress import Observed
from ..contract.schema_fit import READ, format_checker, validator_class
from ..exceptions import CheckUsageError
from ..registry import Registry
from .response_rules import RULES, ResponseRule, Seen

ABSENT = object()


@dataclass(frozen=True)
class Mismatch:
    poll: Poll
    expected: str
    actual: str


@dataclass(frozen=True)
class Violation:
    check: str
    job_id: str
    poll: Poll
    expected: str
    actual: str


@dataclass(frozen=True)
class JobHistory:
    """Everything polled for one job, in order."""

    api: ApiModel
    job_id: str
    polls: tuple[Poll, ...]
    timed_out: bool = False  # polling stopped at the timeout, the job still live
    timeout: float = 0.0
    skew: float = 2.0  # seconds a timestamp may lead the server's clock

    def jobs(self) -> Iterator[tuple[Poll, dict[str, Any]]]:
        """The polls that returned the job (200 with a JSON object)."""
        for poll in self.polls:
            if poll.job is not None:
                yield poll, poll.job

    def status(self, job: dict[str, Any]) -> Any:
        return dotted_get(job, self.api.status_field)[1]

    def known_states(self) -> Iterator[tuple[Poll, dict[str, Any], str]]:
        for poll, job in self.jobs():
            status = self.status(job)
            if isinstance(status, str) and status in self.api.lifecycle.states:
                yield poll, job, status

    @cached_property
    def validator(self) -> Any:
        """The poll answer's validator in the document's dialect (3.1's type arrays and
        `const`, 3.0's `nullable`), as a client of that document reads it, formats too."""
        schema = openapi.resolvable(self.api.job_schema, self.api.resolved)  # a recursive one too
        return validator_class(self.api.dialect, READ)(schema, format_checker=format_checker(self.api.dialect))


CheckFunction = Callable[[JobHistory], Iterator[Mismatch]]


@dataclass(frozen=True)
class LifecycleCheck:
    name: str
    description: str
    run: CheckFunction


CHECKS: Registry[LifecycleCheck] = Registry("lifecycle check")


def lifecycle_check(name: str, description: str | None = None) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check under `name` (what `jobmock check --checks` and reports call it);
    its description is `description`, or else its docstring's first line."""

    def add(function: CheckFunction) -> CheckFunction:
        said = description or ((function.__doc__ or "").strip().splitlines() or [name])[0]
        CHECKS.register(name, LifecycleCheck(name, said, function))
        return function

    return add


def run_checks(history: JobHistory, names: Sequence[str] | None = None) -> list[Violation]:
    """Run the named checks (all when None) over one job's polls.
    An unknown name is a `CheckUsageError` that lists the known ones."""
    unknown = [name for name in names or () if name not in CHECKS]
    if unknown:
        known = ", ".join(CHECKS)
        raise CheckUsageError(f"unknown lifecycle check {', '.join(map(repr, unknown))}; known: {known}")
    selected = [CHECKS[name] for name in names] if names is not None else list(CHECKS.values())
    return [
        Violation(check.name, history.job_id, m.poll, m.expected, m.actual)
        for check in selected
        for m in check.run(history)
    ]


def judge_latest(history: JobHistory, names: Sequence[str] | None = None) -> list[Violation]:
    """What the newest poll of `history` shows that breaks the named checks (all when None):
    the entry point for polls judged one by one as they arrive (`jobmock proxy`), with the
    very checks `run_checks` runs over a whole history. The earlier polls are the context
    (the state before, the first value of a fixed field); a violation they show was found
    when each of them was the newest."""
    if not history.polls:
        return []
    newest = history.polls[-1]
    return [violation for violation in run_checks(history, names) if violation.poll is newest]


def _show(value: Any) -> str:
    if value is ABSENT:
        return "absent"
    return json.dumps(value, ensure_ascii=False, default=str)


# --- the checks -------------------------------------------------------------------------


@lifecycle_check("poll_succeeds")
def poll_succeeds(history: JobHistory) -> Iterator[Mismatch]:
    """Every poll of the job answers 200 (or 429, a slow-down: see retry_after)."""
    for poll in history.polls:
        if poll.error is not None:
            yield Mismatch(poll, "an HTTP response", poll.error)
        elif poll.status_code not in (200, 429):
            yield Mismatch(poll, "200 with the job", poll.summary())


def _each_poll(rule: ResponseRule) -> CheckFunction:
    """A per-response rule (`response_rules`) as a lifecycle check: judged on every poll."""
    return partial(_judge_each_poll, rule)


def _judge_each_poll(rule: ResponseRule, history: JobHistory) -> Iterator[Mismatch]:
    for poll in history.polls:
        if poll.status_code is not None:
            for expected, actual in rule.judge(history.api, Seen(poll.status_code, poll.headers, poll.text)):
                yield Mismatch(poll, expected, actual)


for _rule in RULES.values():  # retry_after, error_envelope: the same rules Schemathesis' responses meet
    lifecycle_check(_rule.name, _rule.description)(_each_poll(_rule))


@lifecycle_check("response_schema")
def response_schema(history: JobHistory) -> Iterator[Mismatch]:
    """Every job returned, in every state, matches the poll response schema."""
    for poll, job in history.jobs():
        error = next(iter(sorted(history.validator.iter_errors(job), key=lambda e: list(e.path))), None)
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            yield Mismatch(poll, "a body matching the spec's job schema", f"at {where}: {error.message}")


@lifecycle_check("id_matches")
def id_matches(history: JobHistory) -> Iterator[Mismatch]:
    """The job returned is the one asked for."""
    for poll, job in history.jobs():
        found, value = dotted_get(job, history.api.id_field)
        if found and value != history.job_id:
            yield Mismatch(poll, f"{history.api.id_field} = {history.job_id!r}", f"{history.api.id_field} = {value!r}")


@lifecycle_check("status_declared")
def status_declared(history: JobHistory) -> Iterator[Mismatch]:
    """The status is one of the states the lifecycle declares."""
    states = history.api.lifecycle.states
    for poll, job in history.jobs():
        status = history.status(job)
        if status not in states:
            yield Mismatch(poll, f"{history.api.status_field} in {list(states)}", _show(status))


@lifecycle_check("legal_transition")
def legal_transition(history: JobHistory) -> Iterator[Mismatch]:
    """Each status change follows the declared transitions (never backwards).

    Judged by reachability: a poller can miss a short state between two polls."""
    lifecycle = history.api.lifecycle
    before: str | None = None
    for poll, _job, status in history.known_states():
        if before is not None and before != status and status not in lifecycle.reachable(before):
            allowed = sorted(lifecycle.reachable(before) - {before})
            yield Mismatch(poll, f"from {before!r} only {allowed or 'no change'}", f"{before!r} → {status!r}")
        before = status


@lifecycle_check("terminal_stable")
def terminal_stable(history: JobHistory) -> Iterator[Mismatch]:
    """Once terminal, the status and the fields that belong to it no longer change."""
    api = history.api
    first: tuple[str, dict[str, Any]] | None = None
    for poll, job, status in history.known_states():
        if first is None:
            if api.lifecycle.is_terminal(status):
                first = status, {f: dotted_get(job, f)[1] for f in api.presence}
            continue
        if status != first[0]:
            yield Mismatch(poll, f"status to stay {first[0]!r}", f"{first[0]!r} → {status!r}")
            continue
        for dotted, value in first[1].items():
            now = dotted_get(job, dotted)[1]
            if now != value:
                yield Mismatch(poll, f"{dotted} to stay {_show(value)}", _show(now))


@lifecycle_check("fields_fixed")
def fields_fixed(history: JobHistory) -> Iterator[Mismatch]:
    """Fields a job keeps for life (id, type, creation time, owner, totals) never change.

    Also the spec's x-jobmock.fixed; each holds the value of the first poll that showed it."""
    first: dict[str, tuple[bool, Any]] = {}
    for poll, job in history.jobs():
        for field in history.api.fixed_fields:
            now = dotted_get(job, field)
            if field not in first:
                first[field] = now
            elif now != first[field]:
                was = _show(first[field][1]) if first[field][0] else "absent"
                yield Mismatch(poll, f"{field} to stay {was}", _show(now[1]) if now[0] else "absent")


def _progress_values(history: JobHistory) -> Iterator[tuple[Poll, Observed]]:
    """Each numeric progress value each reporter shows in each job returned."""
    for poll, job in history.jobs():
        for reporter in history.api.reporters:
            schema = openapi.property_schema(history.api.job_schema, reporter.field) or {}
            for seen in reporter.observed(job, schema):
                yield poll, seen


@lifecycle_check("progress_monotonic")
def progress_monotonic(history: JobHistory) -> Iterator[Mismatch]:
    """Progress (percent, completed steps, counted items) never decreases."""
    last: dict[str, float] = {}
    for poll, seen in _progress_values(history):
        label, value = seen.label, seen.value
        if label in last and value < last[label]:
            yield Mismatch(poll, f"{label} ≥ {last[label]:g}", f"{label} = {value:g}")
        last[label] = value


@lifecycle_check("progress_bounds")
def progress_bounds(history: JobHistory) -> Iterator[Mismatch]:
    """Progress stays within 0 and its maximum (100, the schema's maximum, or the total)."""
    for poll, seen in _progress_values(history):
        label, value, bound = seen.label, seen.value, seen.bound
        if value < 0 or (bound is not None and value > bound):
            yield Mismatch(poll, f"0 ≤ {label} ≤ {bound:g}" if bound is not None else f"{label} ≥ 0", f"{value:g}")


@lifecycle_check("fields_match_state")
def fields_match_state(history: JobHistory) -> Iterator[Mismatch]:
    """Result, error and other state-bound fields are present exactly in their states."""
    for poll, job, status in history.known_states():
        for dotted, states in history.api.presence.items():
            found, value = dotted_get(job, dotted)
            present = found and value is not None
            if status in states and not present:
                yield Mismatch(
                    poll, f"{dotted} present when {status}", f"{dotted} is {_show(value if found else ABSENT)}"
                )
            elif status not in states and present:
                yield Mismatch(
                    poll, f"{dotted} only when {' or '.join(states)}", f"{status} with {dotted} = {_show(value)}"
                )


def _instant(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
    return None


def _timestamps(history: JobHistory, job: dict[str, Any]) -> dict[str, tuple[str, datetime]]:
    """role (created, updated, started, finished) → (field, instant) for those set."""
    found = {}
    for role, dotted in history.api.timestamps.items():
        instant = _instant(dotted_get(job, dotted)[1])
        if instant is not None:
            found[role] = (dotted, instant)
    return found


ORDER = (("created", "started"), ("started", "finished"), ("created", "finished"), ("created", "updated"))


@lifecycle_check("timestamps_readable")
def timestamps_readable(history: JobHistory) -> Iterator[Mismatch]:
    """Every timestamp the lifecycle names, when set, is a date-time (not skipped when unreadable)."""
    for poll, job in history.jobs():
        for dotted in history.api.timestamps.values():
            found, value = dotted_get(job, dotted)
            if found and value is not None and _instant(value) is None:
                yield Mismatch(poll, f"{dotted} as an ISO 8601 date-time", _show(value))


@lifecycle_check("timestamps_ordered")
def timestamps_ordered(history: JobHistory) -> Iterator[Mismatch]:
    """created ≤ started ≤ finished and created ≤ updated; created never changes, updated never goes back."""
    first: dict[str, datetime] = {}
    for poll, job in history.jobs():
        stamps = _timestamps(history, job)
        for early, late in ORDER:
            if early in stamps and late in stamps and stamps[late][1] < stamps[early][1]:
                (ef, ev), (lf, lv) = stamps[early], stamps[late]
                yield Mismatch(poll, f"{ef} ≤ {lf}", f"{ef} = {ev.isoformat()}, {lf} = {lv.isoformat()}")
        for role in ("created", "updated"):
            if role not in stamps:
                continue
            field_name, instant = stamps[role]
            if role in first and (instant != first[role] if role == "created" else instant < first[role]):
                rule = "to stay" if role == "created" else "never before"
                yield Mismatch(poll, f"{field_name} {rule} {first[role].isoformat()}", instant.isoformat())
            first[role] = instant


@lifecycle_check("timestamps_not_future")
def timestamps_not_future(history: JobHistory) -> Iterator[Mismatch]:
    """No timestamp but a deadline lies in the future of the answer (its Date header, else arrival time).

    A deadline (`timestamps.expires`: OpenAI's batches expire a day after creation) may."""
    for poll, job in history.jobs():
        _earliest, latest = _server_time(poll, history.skew)
        for role, (field_name, instant) in _timestamps(history, job).items():
            if instant > latest and role != "expires":
                lead = (instant - latest).total_seconds()
                yield Mismatch(
                    poll, f"{field_name} ≤ {latest.isoformat()}", f"{instant.isoformat()} ({lead:.1f} s ahead)"
                )


def _server_time(poll: Poll, skew: float) -> tuple[datetime, datetime]:
    """Earliest and latest the server's clock can have read when it answered.

    From the Date header when there is one (whole seconds, and servers such as uvicorn
    refresh it once a second), else from the arrival time; either way give or take the
    allowed clock skew."""
    margin = timedelta(seconds=skew)
    date = poll.headers.get("date")
    if date:
        try:
            said = parsedate_to_datetime(date).astimezone(UTC)
            return said - margin, said + timedelta(seconds=1) + margin
        except (TypeError, ValueError, IndexError):
            pass
    arrived = datetime.fromtimestamp(poll.at, UTC)
    return arrived - margin, arrived + margin


def _tick(value: Any) -> timedelta:
    """The precision a timestamp is written with: `…:56Z` → 1 s, `…:56.120Z` → 1 ms."""
    if isinstance(value, str) and "." in value:
        digits = len(value.split(".", 1)[1].rstrip("Z").split("+")[0].split("-")[0])
        return timedelta(seconds=10.0**-digits)
    return timedelta(seconds=1)


@lifecycle_check("updated_at_moves")
def updated_at_moves(history: JobHistory) -> Iterator[Mismatch]:
    """When the status changes, the updated timestamp moves forward.

    A change within the timestamp's own precision tick may keep the old value: with
    whole seconds, a job updated at :56 and changed again at :56.8 still says :56."""
    if "updated" not in history.api.timestamps:
        return
    dotted = history.api.timestamps["updated"]
    previous: tuple[Poll, str, datetime, timedelta] | None = None
    for poll, job, status in history.known_states():
        raw = dotted_get(job, dotted)[1]
        instant = _instant(raw)
        if instant is None:
            continue
        if previous is not None:
            before, before_status, before_instant, tick = previous
            earliest, _latest = _server_time(before, history.skew)
            if status != before_status and instant <= before_instant and earliest - before_instant >= tick:
                yield Mismatch(
                    poll,
                    f"{dotted} after {before_instant.isoformat()} ({before_status} → {status})",
                    instant.isoformat(),
                )
        previous = poll, status, instant, _tick(raw)


@lifecycle_check("terminates")
def terminates(history: JobHistory) -> Iterator[Mismatch]:
    """The job reaches a terminal state within the lifecycle timeout."""
    if history.timed_out and history.polls:
        last = history.polls[-1]
        seen = f"still {_show(history.status(last.job))}" if last.job is not None else last.summary()
        yield Mismatch(last, f"a terminal state within {history.timeout:g} s", seen)
