"""Lifecycle checks without HTTP: the mock's own jobs pass all; each planted fault is caught."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jobmock import CheckUsageError, JobHistory, Mismatch, lifecycle_check, run_checks
from jobmock.checker import CHECKS
from jobmock.client.polls import Poll
from jobmock.contract import bundled_names, load_api, spec_path
from jobmock.sim.clock import Clock
from jobmock.sim.jobs import NewJob
from jobmock.sim.store import JobStore

APIS = {name: load_api(spec_path(name)) for name in bundled_names()}
Answer = tuple[float, int, dict[str, str], Any]  # arrival time, status, headers, body


def rendered(api: str, outcome: str | None = None, created: float | None = None, **fields: Any) -> list[Answer]:
    """A job of the mock polled every half second from creation until 3 s after it ends."""
    created = float(int(time.time()) - 60) if created is None else created  # a whole second: deterministic
    job = JobStore(APIS, seed=3).create(NewJob(api=api, outcome=outcome, duration=10, **fields), Clock.at(created))
    return [(created + t / 2, 200, {}, job.render(t / 2, 1.0)) for t in range(0, 26)]


def history(api: str, answers: list[Answer], job_id: str | None = None, timed_out: bool = False) -> JobHistory:
    ids = [body.get(APIS[api].id_field) for _at, _status, _headers, body in answers if isinstance(body, dict)]
    polls = tuple(
        Poll(i, at, "GET", f"http://127.0.0.1/x/{i}", {}, status_code=status, headers=headers, body=body, text="")
        for i, (at, status, headers, body) in enumerate(answers)
    )
    return JobHistory(APIS[api], job_id or str(ids[0]), polls, timed_out=timed_out, timeout=5)


@pytest.mark.parametrize(
    ("api", "outcome"),
    [(name, state) for name in sorted(APIS) for state in APIS[name].lifecycle.terminal],
)
def test_the_mocks_own_jobs_pass_every_check(api: str, outcome: str) -> None:
    assert run_checks(history(api, rendered(api, outcome))) == []


def test_checks_are_registered_by_name_with_a_description() -> None:
    assert {"legal_transition", "progress_monotonic", "terminal_stable", "retry_after", "terminates"} <= set(CHECKS)
    assert all(check.description.endswith(".") for check in CHECKS.values())


def first_index(answers: list[Answer], status: str) -> int:
    return next(i for i, (_a, _s, _h, body) in enumerate(answers) if body.get("status") == status)


def _iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def status_outside(answers: list[Answer]) -> None:
    answers[first_index(answers, "processing")][3]["status"] = "paused"


def backwards(answers: list[Answer]) -> None:
    i = first_index(answers, "processing") + 1
    answers[i][3]["status"] = "pending"


def progress_drops(answers: list[Answer]) -> None:
    i = first_index(answers, "processing") + 4
    answers[i][3]["progress"] = 1


def progress_overflows(answers: list[Answer]) -> None:
    answers[first_index(answers, "processing") + 2][3]["progress"] = 130


def terminal_changes(answers: list[Answer]) -> None:
    answers[-1][3]["result"] = {**answers[-1][3]["result"], "title": "a different result"}


def result_missing(answers: list[Answer]) -> None:
    del answers[first_index(answers, "completed")][3]["result"]


def error_while_working(answers: list[Answer]) -> None:
    answers[first_index(answers, "processing")][3]["error"] = {"code": "x", "message": "too early"}


def updated_before_created(answers: list[Answer]) -> None:
    body = answers[3][3]
    body["updated_at"] = _iso(datetime.fromisoformat(body["created_at"]) - timedelta(minutes=5))


def created_in_future(answers: list[Answer]) -> None:
    for _a, _s, _h, body in answers:
        body["created_at"] = _iso(datetime.now(UTC) + timedelta(hours=1))


def updated_frozen(answers: list[Answer]) -> None:
    for _a, _s, _h, body in answers:
        body["updated_at"] = body["created_at"]


def rate_limited_bare(answers: list[Answer]) -> None:
    at = answers[4][0]
    answers[4] = (at, 429, {}, {"error": {"code": "rate_limited", "message": "slow down"}})


def server_error(answers: list[Answer]) -> None:
    at = answers[4][0]
    answers[4] = (at, 503, {}, {"error": {"code": "unavailable", "message": "try later"}})


def other_job(answers: list[Answer]) -> None:
    answers[5][3]["id"] = "job_SomeoneElse"


def timestamp_lorem(answers: list[Answer]) -> None:
    answers[6][3]["updated_at"] = "<string>"  # nextdocs types its timestamps as plain strings: no format to catch it


def timestamp_not_a_timestamp(answers: list[Answer]) -> None:
    answers[3][3]["created_at"] = "yesterday"  # a string, as the type says; not a date-time, as the format says


def type_changes(answers: list[Answer]) -> None:
    for _at, _status, _headers, body in answers[3:]:
        body["type"] = "image.generate"  # a valid type: only comparing polls can see it


FAULTS: dict[str, tuple[Callable[[list[Answer]], None], str]] = {
    "status_declared": (status_outside, '"paused"'),
    "legal_transition": (backwards, "'processing' → 'pending'"),
    "progress_monotonic": (progress_drops, "progress = 1"),
    "progress_bounds": (progress_overflows, "130"),
    "terminal_stable": (terminal_changes, "a different result"),
    "fields_match_state": (result_missing, "result is absent"),
    "timestamps_ordered": (updated_before_created, "created_at ≤ updated_at"),
    "timestamps_not_future": (created_in_future, "s ahead"),
    "updated_at_moves": (updated_frozen, "processing → completed"),
    "retry_after": (rate_limited_bare, "no Retry-After"),
    "poll_succeeds": (server_error, "HTTP 503"),
    "id_matches": (other_job, "job_SomeoneElse"),
    "response_schema": (timestamp_not_a_timestamp, "date-time"),
    "timestamps_readable": (timestamp_lorem, '"<string>"'),
    "fields_fixed": (type_changes, 'type to stay "blog_post.generate"'),
}


@pytest.mark.parametrize("check", sorted(FAULTS))
def test_each_planted_fault_is_caught_by_its_check(check: str) -> None:
    plant, words = FAULTS[check]
    answers = copy.deepcopy(rendered("neuraldraft", "completed", job_type="blog_post.generate"))
    job_id = answers[0][3]["id"]
    assert run_checks(history("neuraldraft", answers, job_id), [check]) == []
    plant(answers)
    found = run_checks(history("neuraldraft", answers, job_id), [check])
    assert found, f"{check} missed its fault"
    assert words in f"{found[0].expected} {found[0].actual}", found[0]


def test_error_present_while_working_is_caught() -> None:
    answers = rendered("neuraldraft", "completed")
    error_while_working(answers)
    (found,) = run_checks(history("neuraldraft", answers), ["fields_match_state"])
    assert found.expected == "error only when failed"


def test_a_job_still_working_at_the_timeout_is_reported() -> None:
    answers = [a for a in rendered("nextdocs", "completed") if a[3]["status"] == "processing"]
    (found,) = run_checks(history("nextdocs", answers, timed_out=True), ["terminates"])
    assert found.expected == "a terminal state within 5 s" and found.actual == 'still "processing"'


def test_a_missed_short_state_is_not_an_illegal_transition() -> None:
    answers = rendered("neuraldraft", "completed")
    kept = [a for a in answers if a[3]["status"] != "processing"]  # pending → completed between two polls
    assert run_checks(history("neuraldraft", kept), ["legal_transition"]) == []


def test_counted_progress_may_not_pass_its_total() -> None:
    answers = rendered("stories", "completed")
    body = answers[first_index(answers, "processing")][3]
    body["scenes_completed"] = body["scenes_total"] + 1
    (found,) = run_checks(history("stories", answers), ["progress_bounds"])
    assert "scenes_completed" in found.expected


def test_a_check_name_is_registered_once() -> None:
    with pytest.raises(ValueError, match="already registered"):
        lifecycle_check("terminates")(CHECKS["terminates"].run)


def test_an_unknown_check_name_is_a_usage_error_listing_the_known_ones() -> None:
    with pytest.raises(CheckUsageError, match="unknown lifecycle check 'terminated'; known: poll_succeeds"):
        run_checks(history("neuraldraft", rendered("neuraldraft")), ["terminated"])


def test_a_check_of_your_own_is_one_decorated_function() -> None:
    """The README's 'Extending jobmock' example: no job may take more than 20 polls."""

    @lifecycle_check("at_most_20_polls")
    def at_most_20_polls(history: JobHistory) -> Iterator[Mismatch]:
        """A job ends within 20 polls."""
        if len(history.polls) > 20:
            yield Mismatch(history.polls[20], "a terminal state by poll 20", f"{len(history.polls)} polls")

    try:
        found = run_checks(history("neuraldraft", rendered("neuraldraft")), ["at_most_20_polls"])
        assert [(v.check, v.poll.index, v.actual) for v in found] == [("at_most_20_polls", 20, "26 polls")]
        assert CHECKS["at_most_20_polls"].description == "A job ends within 20 polls."
    finally:
        CHECKS.unregister("at_most_20_polls")
