"""Lifecycle checks without HTTP: the mock's own jobs pass all; each planted fault is caught."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from jobmock import CheckUsageError, JobHistory, Mismatch, lifecycle_check, run_checks
from jobmock.checker import CHECKS
from jobmock.checker.response_rules import RULES, Seen
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


# --- time as a real server shows it: its Date header, timestamps' precision, other forms -----

C = 1_700_000_000.0  # 2023-11-14T22:13:20Z
NEURALDRAFT = {"id": "job_0123456789ab", "type": "image.generate", "created_at": "2023-11-14T22:13:20Z"}


def at(seconds: float, offset: str = "Z") -> str:
    """The instant `seconds` after C, as ISO 8601 (microseconds kept; `offset` Z, +00:00 or none)."""
    text = datetime.fromtimestamp(C + seconds, UTC).isoformat()
    return text.replace("+00:00", offset)


def date_header(seconds: float) -> dict[str, str]:
    """A Date header at C + `seconds` (whole seconds, as HTTP dates are)."""
    return {"date": format_datetime(datetime.fromtimestamp(C + seconds, UTC), usegmt=True)}


def polled(*answers: tuple[float, dict[str, str], dict[str, Any]], skew: float = 2.0) -> JobHistory:
    """A neuraldraft job polled: (arrival time after C, headers, fields over NEURALDRAFT's)."""
    polls = tuple(
        Poll(i, C + arrived, "GET", f"http://127.0.0.1/x/{i}", {}, 200, headers, {**NEURALDRAFT, **fields}, "")
        for i, (arrived, headers, fields) in enumerate(answers)
    )
    return JobHistory(APIS["neuraldraft"], NEURALDRAFT["id"], polls, skew=skew)


def found(history: JobHistory, check: str) -> list[str]:
    return [v.actual for v in run_checks(history, [check])]


def test_timestamps_are_judged_by_the_servers_date_header_not_the_pollers_clock() -> None:
    answers = rendered("nextdocs", "completed", created=C)
    behind = [(arrived - 3600, status, {**date_header(arrived - C)}, body) for arrived, status, _h, body in answers]
    assert run_checks(history("nextdocs", behind), ["timestamps_not_future", "updated_at_moves"]) == []
    # no Date header (or one no one can read): the poller's own clock, an hour behind, is all there is
    for headers in ({}, {"date": "not a date"}):
        unsure = [(arrived, status, headers, body) for arrived, status, _h, body in behind]
        assert run_checks(history("nextdocs", unsure), ["timestamps_not_future"])


@pytest.mark.parametrize(
    ("ahead", "skew", "flagged"),
    [
        (0.0, 2.0, None),
        (3.0, 2.0, None),  # the header's second may have ticked by 1 s, plus the skew allowed
        (3.5, 2.0, "(0.5 s ahead)"),
        (1.5, 0.5, None),
        (1.75, 0.5, "(0.2 s ahead)"),
    ],
)
def test_a_timestamp_may_lead_the_date_header_by_its_second_and_the_skew(
    ahead: float, skew: float, flagged: str | None
) -> None:
    history = polled((7200, date_header(100), {"status": "pending", "updated_at": at(100 + ahead)}), skew=skew)
    found_ = found(history, "timestamps_not_future")
    assert found_ == ([] if flagged is None else [f"{at(100 + ahead, '+00:00')} {flagged}"])


def test_without_a_date_header_a_timestamp_may_lead_the_arrival_by_the_skew_only() -> None:
    assert found(polled((100, {}, {"status": "pending", "updated_at": at(102)})), "timestamps_not_future") == []
    (ahead,) = found(polled((100, {}, {"status": "pending", "updated_at": at(102.5)})), "timestamps_not_future")
    assert ahead.endswith("(0.5 s ahead)")


def changed(before: str, after: str, server_at: float, headers: bool = True, skew: float = 2.0) -> list[str]:
    """updated_at_moves on a job that went from processing (updated_at `before`) to completed
    (updated_at `after`), the first poll answered at C + server_at."""
    first = date_header(server_at) if headers else {}
    arrival = server_at + 0.3 if headers else server_at  # the header's second, then the trip back
    history = polled(
        (arrival, first, {"status": "processing", "updated_at": before}),
        (arrival + 1, {}, {"status": "completed", "updated_at": after}),
        skew=skew,
    )
    return found(history, "updated_at_moves")


def test_a_status_change_must_move_updated_at_once_its_tick_has_passed() -> None:
    # the first poll's server clock read at least 10 - 2 s (the skew): 3 s past updated_at
    assert changed(at(5), at(5), server_at=10) == [at(5, "+00:00")]
    assert changed(at(5), at(5), server_at=10, headers=False) == [at(5, "+00:00")]
    assert changed(at(5), at(11), server_at=10) == []  # it moved
    assert changed(at(5), at(5), server_at=6.5) == []  # the change may have come within updated_at's second


def test_whole_second_timestamps_may_keep_their_value_within_the_second() -> None:
    assert changed(at(5), at(5), server_at=7.8) == []  # read at 5.8 at the earliest: still :25
    assert changed(at(5), at(5), server_at=8) == [at(5, "+00:00")]  # a second later: it must have moved
    assert changed(at(5), at(5), server_at=7.8, headers=False) == []
    assert changed(at(5), at(5), server_at=8, headers=False) == [at(5, "+00:00")]


@pytest.mark.parametrize("offset", ["Z", "+00:00", "-00:00"])
def test_millisecond_timestamps_must_move_within_a_millisecond(offset: str) -> None:
    before = at(5.25, offset)[: -len(offset)][:23] + offset  # 22:13:25.250, as a millisecond timestamp
    assert before.endswith(f"25.250{offset}")
    assert changed(before, before, server_at=7.75, headers=False) == [at(5.25, "+00:00")]  # 0.5 s: long past
    assert changed(before, before, server_at=7.2509, headers=False) == []  # 0.9 ms: within its millisecond
    assert changed(before, before, server_at=7.251, headers=False) == [at(5.25, "+00:00")]


def test_microsecond_timestamps_must_move_within_a_microsecond() -> None:
    before = at(5.25)  # 22:13:25.250000Z
    assert changed(before, before, server_at=7.250001, headers=False, skew=2.0) == [at(5.25, "+00:00")]


def test_timestamps_as_epoch_seconds_or_milliseconds_are_read() -> None:
    seconds, millis = int(C) + 5, (int(C) + 6) * 1000 + 250
    good = polled((10, {}, {"status": "pending", "created_at": seconds, "updated_at": millis}))
    checks = ["timestamps_readable", "timestamps_ordered", "timestamps_not_future"]
    assert run_checks(good, checks) == []
    backwards = polled((10, {}, {"status": "pending", "created_at": millis, "updated_at": seconds}))
    assert found(backwards, "timestamps_ordered") == [
        f"created_at = {at(6.25, '+00:00')}, updated_at = {at(5, '+00:00')}"
    ]
    future = polled((10, {}, {"status": "pending", "created_at": seconds, "updated_at": millis + 10_000}))
    assert found(future, "timestamps_not_future") == [f"{at(16.25, '+00:00')} (4.2 s ahead)"]
    assert found(polled((10, {}, {"status": "pending", "updated_at": 1_700_000_005.5})), "timestamps_readable") == []


@pytest.mark.parametrize("value", [True, "yesterday", {"seconds": 5}, [5]])
def test_a_timestamp_that_is_no_instant_is_unreadable(value: Any) -> None:
    assert found(polled((10, {}, {"status": "pending", "updated_at": value})), "timestamps_readable") == [
        json.dumps(value)
    ]


def test_timestamps_with_an_offset_or_none_are_compared_as_instants() -> None:
    created = "2023-11-14T23:13:20+01:00"  # C, an hour east
    ordered = polled((10, {}, {"status": "pending", "created_at": created, "updated_at": "2023-11-14T22:13:21"}))
    assert run_checks(ordered, ["timestamps_ordered", "timestamps_not_future"]) == []  # no offset: UTC
    before = polled((10, {}, {"status": "pending", "created_at": created, "updated_at": "2023-11-14T22:13:19"}))
    assert found(before, "timestamps_ordered") == [f"created_at = {created}, updated_at = {at(-1, '+00:00')}"]


def test_each_violation_names_its_check_and_its_job() -> None:
    answers = rendered("neuraldraft", "completed")
    backwards(answers)
    (violation,) = run_checks(history("neuraldraft", answers, "job_asked_for"), ["legal_transition"])
    assert (violation.check, violation.job_id) == ("legal_transition", "job_asked_for")


def test_unknown_check_names_are_all_listed_with_every_known_one() -> None:
    with pytest.raises(CheckUsageError) as raised:
        run_checks(history("neuraldraft", rendered("neuraldraft")), ["terminated", "poll_succeeds", "ordered"])
    assert str(raised.value) == f"unknown lifecycle check 'terminated', 'ordered'; known: {', '.join(CHECKS)}"


def test_a_check_without_a_docstring_is_described_by_its_name() -> None:
    def quiet(history: JobHistory) -> Iterator[Mismatch]:
        return iter(())

    lifecycle_check("quiet_check")(quiet)
    try:
        assert CHECKS["quiet_check"].description == "quiet_check"
    finally:
        CHECKS.unregister("quiet_check")


def test_an_undeclared_status_is_reported_as_such_not_as_a_move() -> None:
    answers = rendered("neuraldraft", "completed")
    status_outside(answers)
    assert {v.check for v in run_checks(history("neuraldraft", answers))} == {"status_declared", "response_schema"}


def test_values_are_shown_as_they_read() -> None:
    answers = rendered("neuraldraft", "completed")
    answers[-1][3]["result"] = {**answers[-1][3]["result"], "title": "Résumé"}
    (violation,) = run_checks(history("neuraldraft", answers), ["terminal_stable"])
    assert '"title": "Résumé"' in violation.actual


def test_progress_is_held_to_the_maximum_its_schema_declares(tmp_path: Path) -> None:
    """A vendor whose progress is a share of 1, not a percent."""
    text = spec_path("neuraldraft").read_text().replace("maximum: 100", "maximum: 1")
    (tmp_path / "fractions.yaml").write_text(text)
    api = load_api(tmp_path / "fractions.yaml")
    answers = rendered("neuraldraft", "completed")
    for _at, _status, _headers, body in answers:
        body["progress"] = body["progress"] / 100
    answers[-1][3]["progress"] = 2
    polls = tuple(Poll(i, a, "GET", "http://127.0.0.1/x", {}, s, h, b, "") for i, (a, s, h, b) in enumerate(answers))
    (violation,) = run_checks(JobHistory(api, answers[0][3]["id"], polls), ["progress_bounds"])
    assert (violation.expected, violation.actual) == ("0 ≤ progress ≤ 1", "2")


def test_an_error_answer_outside_the_apis_envelope_is_reported_on_its_poll() -> None:
    answers = rendered("neuraldraft", "completed")
    polls = [
        Poll(i, a, "GET", "http://127.0.0.1/x", {}, s, h, b, json.dumps(b)) for i, (a, s, h, b) in enumerate(answers)
    ]
    wrapped = {"error": {"code": "unavailable", "message": "try later"}}
    polls[4] = Poll(
        4,
        polls[4].at,
        "GET",
        "http://127.0.0.1/x",
        {},
        503,
        {"content-type": "application/json"},
        wrapped,
        json.dumps(wrapped),
    )
    bare = {"detail": "try later"}
    polls[6] = Poll(
        6,
        polls[6].at,
        "GET",
        "http://127.0.0.1/x",
        {},
        503,
        {"content-type": "application/json"},
        bare,
        json.dumps(bare),
    )
    job_id = answers[0][3]["id"]
    (violation,) = run_checks(JobHistory(APIS["neuraldraft"], job_id, tuple(polls)), ["error_envelope"])
    assert (violation.poll.index, violation.actual) == (6, "HTTP 503 without error")
    assert violation.expected.startswith("the error envelope (error.")


def test_the_report_shows_instants_in_utc_whatever_the_checkers_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        history = polled((7200, date_header(100), {"status": "pending", "updated_at": at(104)}))
        (violation,) = run_checks(history, ["timestamps_not_future"])
        assert violation.expected == f"updated_at ≤ {at(103, '+00:00')}"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_an_api_that_words_no_errors_is_held_to_no_envelope() -> None:
    """A lifecycle inferred from a document has no x-jobmock errors: its errors are the
    document's own, which Schemathesis' schema check holds answers to."""
    api = APIS["neuraldraft"]
    unworded = replace(api, errors=replace(api.errors, declared=False))
    seen = Seen(404, {"content-type": "application/json"}, '{"message": "no such batch"}')
    assert list(RULES["error_envelope"].judge(api, seen))  # the bundled API words its envelope
    assert list(RULES["error_envelope"].judge(unworded, seen)) == []


def test_an_expiry_a_day_ahead_is_no_timestamp_from_the_future(tmp_path: Path) -> None:
    """OpenAI's batches carry `expires_at`, a day after `created_at`: meant to be ahead of the
    server's clock, unlike every other timestamp (a `completed_at` ahead of it is still caught)."""
    document = yaml.safe_load((Path(__file__).with_name("render_farm.yaml")).read_text())
    job = document["components"]["schemas"]["Job"]["properties"]
    job.update(expires_at={"type": "integer"}, completed_at={"type": ["integer", "null"]})
    path = tmp_path / "render_farm.json"
    path.write_text(json.dumps(document))
    api = load_api(path)
    assert api.timestamps.get("expires") == "expires_at"
    created = float(int(time.time()) - 60)
    body = {"id": "r1", "status": "succeeded", "created_at": int(created), "expires_at": int(created) + 86_400}
    polls = tuple(
        Poll(i, created + 30, "GET", "http://127.0.0.1/x", {}, 200, {}, {**body, **late}, "")
        for i, late in enumerate([{"completed_at": int(created) + 20}, {"completed_at": int(created) + 3_600}])
    )
    mismatches = run_checks(JobHistory(api, "r1", polls), ["timestamps_not_future"])
    assert [v.actual.split(" ")[0] for v in mismatches] == [datetime.fromtimestamp(created + 3_600, UTC).isoformat()]


def test_the_job_schema_is_read_in_the_documents_dialect(tmp_path: Path) -> None:
    """An OpenAPI 3.1 document's type arrays (AssemblyAI's `text: [string, null]`) are JSON
    Schema 2020-12: a body that fits passes, one that does not is reported, not a crash."""
    job = {
        "type": "object",
        "required": ["id", "status"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["queued", "processing", "completed", "error"]},
            "text": {"type": ["string", "null"]},
        },
    }
    ok = {"200": {"description": "the transcript", "content": {"application/json": {"schema": job}}}}
    ident = {"name": "transcript_id", "in": "path", "required": True, "schema": {"type": "string"}}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Transcripts", "version": "1"},
        "paths": {"/transcripts/{transcript_id}": {"get": {"parameters": [ident], "responses": ok}}},
    }
    (tmp_path / "transcripts.json").write_text(json.dumps(document))
    api = load_api(tmp_path / "transcripts.json")
    bodies = [
        {"id": "t1", "status": "queued", "text": None},
        {"id": "t1", "status": "completed", "text": "hello"},
        {"id": "t1", "status": "completed", "text": 7},
    ]
    polls = tuple(Poll(i, 100.0 + i, "GET", "http://127.0.0.1/x", {}, 200, {}, b, "") for i, b in enumerate(bodies))
    (violation,) = run_checks(JobHistory(api, "t1", polls), ["response_schema"])
    assert violation.poll.index == 2 and violation.actual == "at text: 7 is not of type 'string', 'null'"


def test_a_deadline_may_lie_ahead_where_nothing_else_may() -> None:
    """OpenAI's batches say when they expire, a day after creation: the only timestamp a job
    shows before it comes."""
    ahead = polled((100, date_header(100), {"status": "pending", "expires_at": at(86_500), "updated_at": at(100)}))
    api = replace(ahead.api, timestamps={**ahead.api.timestamps, "expires": "expires_at"})
    assert run_checks(replace(ahead, api=api), ["timestamps_not_future"]) == []
    late = polled((100, date_header(100), {"status": "pending", "updated_at": at(86_500)}))
    (violation,) = run_checks(replace(late, api=api), ["timestamps_not_future"])
    assert violation.expected.startswith("updated_at ≤")
