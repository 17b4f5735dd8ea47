"""The polling report (`jobmock serve --report-polling`, GET /_jobmock/journal/report), read from
a journal as a user reads it: who polled, how often, and what would hurt a real job API."""

from __future__ import annotations

from jobmock.sim.journal import JournalEntry
from jobmock.sim.polling import analyse, render

TERMINAL = {"neuraldraft": ("completed", "failed", "cancelled")}


def poll(
    at: float,
    client: str = "app",
    job: str | None = "job_1",
    status: int | None = 200,
    job_status: str | None = "processing",
    retry_after: str | None = None,
    method: str = "GET",
    api: str | None = "neuraldraft",
) -> JournalEntry:
    return JournalEntry(0, at, method, f"/v1/jobs/{job}", "", client, api, job, status, job_status, None, retry_after)


def test_a_client_that_polls_kindly_gets_ok() -> None:
    entries = [poll(0), poll(2), poll(4.5), poll(7, job_status="completed")]
    (report,) = analyse(entries, TERMINAL)
    assert (report.client, report.polls, report.jobs, report.median_interval, report.problems) == (
        "app", 4, 1, 2.5, []
    )  # fmt: skip
    assert render([report]) == "jobmock polling report\n  app: 4 polls of 1 jobs, every 2.5 s (median)\n    ok"


def test_polling_faster_than_the_minimum_is_flagged_with_the_median() -> None:
    entries = [poll(t / 10) for t in range(6)]  # every 0.1 s
    (report,) = analyse(entries, TERMINAL, min_interval=0.5)
    assert report.median_interval == 0.1
    assert report.problems == ["polls every 0.1 s (median); at least 0.5 s is kinder"]
    (exactly,) = analyse([poll(0), poll(0.5)], TERMINAL, min_interval=0.5)
    assert exactly.problems == []  # at the minimum is fine


def test_polls_after_the_job_ended_are_counted() -> None:
    entries = [poll(0), poll(1, job_status="failed"), poll(2, job_status="failed"), poll(3, job_status="failed")]
    (report,) = analyse(entries, TERMINAL)
    assert report.problems == ["job job_1: 2 more polls after it was failed"]
    (last,) = analyse([poll(0), poll(1, job_status="completed")], TERMINAL)
    assert last.problems == []  # the poll that saw it end is not one too many


def test_a_poll_before_retry_after_ran_out_is_flagged_and_one_after_is_not() -> None:
    early = [poll(0, status=429, job_status=None, retry_after="5"), poll(2)]
    (report,) = analyse(early, TERMINAL)
    assert report.problems == ["job job_1: polled 2.0 s after a 429 that said Retry-After: 5"]
    patient = [poll(0, status=429, job_status=None, retry_after="5"), poll(4.96)]  # within 50 ms of it
    assert analyse(patient, TERMINAL)[0].problems == []
    dated = [poll(0, status=429, job_status=None, retry_after="Wed, 21 Oct 2015 07:28:00 GMT"), poll(0.1)]
    assert "Retry-After" not in " ".join(analyse(dated, TERMINAL, min_interval=0)[0].problems)  # only seconds judged


def test_clients_are_reported_apart_in_order_of_first_request_and_only_polls_count() -> None:
    entries = [
        poll(0, client="web"),
        poll(0.2, client="cli", job="job_2"),
        poll(1, client="web"),
        poll(1.5, client="web", job=None),  # not a poll: another request
        poll(1.6, client="web", method="POST"),  # a create, not a poll
        poll(3, client="cli", job="job_3"),
    ]
    web, cli = analyse(entries, TERMINAL)
    assert (web.client, web.polls, web.jobs) == ("web", 2, 1)
    assert (cli.client, cli.polls, cli.jobs, cli.median_interval) == ("cli", 2, 2, None)  # no two polls of one job
    assert "every" not in render([cli]).splitlines()[1]


def test_an_api_without_known_terminal_states_never_counts_extra_polls() -> None:
    entries = [poll(0, job_status="done", api="other"), poll(1, job_status="done", api="other")]
    assert analyse(entries, TERMINAL)[0].problems == []


def test_the_report_as_json_and_as_text() -> None:
    (report,) = analyse(
        [poll(0), poll(0.1), poll(0.2, job_status="cancelled"), poll(0.3, job_status="cancelled")], TERMINAL
    )
    assert report.to_json() == {
        "client": "app",
        "polls": 4,
        "jobs": 1,
        "median_interval": 0.1,
        "problems": [
            "polls every 0.1 s (median); at least 0.5 s is kinder",
            "job job_1: 1 more polls after it was cancelled",
        ],
    }
    assert render([report]).splitlines()[2:] == [
        "    ! polls every 0.1 s (median); at least 0.5 s is kinder",
        "    ! job job_1: 1 more polls after it was cancelled",
    ]
    assert render([]) == "jobmock polling report: no polls"


def test_a_client_polling_several_jobs_is_judged_over_all_of_them() -> None:
    entries = [
        poll(10.0, job="job_a"),
        poll(10.1, job="job_a", job_status="completed"),
        poll(10.2, job="job_a", job_status="completed"),
        poll(20.0, job="job_b", status=429, job_status=None, retry_after="5"),
        poll(24.0, job="job_b"),  # 4 s after a 429 that said 5
        poll(24.12345, job="job_b"),
    ]
    (report,) = analyse(entries, TERMINAL)
    assert report.median_interval == 0.112  # the gaps of both jobs: 0.1, 0.1, 4.0, 0.12345; in ms
    assert report.problems == [
        "polls every 0.112 s (median); at least 0.5 s is kinder",
        "job job_a: 1 more polls after it was completed",
        "job job_b: polled 4.0 s after a 429 that said Retry-After: 5",
    ]
    (odd,) = analyse([poll(100.0), poll(100.12345)], TERMINAL, min_interval=0)
    assert odd.median_interval == 0.123  # milliseconds


def test_a_poll_right_at_retry_after_is_kind() -> None:
    entries = [poll(30.0, status=429, job_status=None, retry_after="5"), poll(34.95)]
    assert analyse(entries, TERMINAL)[0].problems == []


def test_a_client_with_one_poll_has_no_interval_in_its_line() -> None:
    assert render(analyse([poll(0)], TERMINAL)) == "jobmock polling report\n  app: 1 polls of 1 jobs\n    ok"
