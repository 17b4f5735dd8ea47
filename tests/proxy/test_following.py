"""Following a job poll by poll gives what `jobmock check` finds over the whole history: one
implementation of the lifecycle checks, fed incrementally (`judge_latest`)."""

from __future__ import annotations

import copy

from test_proxy import NEURALDRAFT, lifecycle

from jobmock.checker.lifecycle_checks import JobHistory, judge_latest, run_checks
from jobmock.client.polls import Poll
from jobmock.proxy.following import Following


def polls_of(answers: list[tuple[int, dict[str, str], dict[str, object]]]) -> list[Poll]:
    return [
        Poll(i, 0.0, "GET", "/v1/jobs/job_ProxyWatch01", {}, status, {k.lower(): v for k, v in headers.items()}, body)
        for i, (status, headers, body) in enumerate(answers)
    ]


def broken() -> list[Poll]:
    answers = copy.deepcopy(lifecycle())
    processing = [i for i, (_s, _h, body) in enumerate(answers) if body["status"] == "processing"]
    answers[processing[2]][2]["progress"] = 1
    answers[-1][2]["status"] = "processing"
    return polls_of(answers)


def test_polls_judged_one_by_one_find_what_the_whole_history_shows() -> None:
    polls = broken()
    whole = {
        (v.check, v.poll.index, v.expected, v.actual)
        for v in run_checks(JobHistory(NEURALDRAFT, "job_ProxyWatch01", tuple(polls)))
    }
    one_by_one = {
        (v.check, v.poll.index, v.expected, v.actual)
        for n in range(1, len(polls) + 1)
        for v in judge_latest(JobHistory(NEURALDRAFT, "job_ProxyWatch01", tuple(polls[:n])))
    }
    assert whole == one_by_one
    assert {"progress_monotonic", "legal_transition", "terminal_stable"} <= {check for check, *_ in whole}


def test_a_followed_job_keeps_its_first_poll_and_its_newest() -> None:
    polls = broken()
    following = Following(max_polls=4, max_jobs=10)
    found = [f for poll in polls for f in following.add(NEURALDRAFT, "job_ProxyWatch01", 200, lambda i, p=poll: p)]
    trail = following.trails["neuraldraft", "job_ProxyWatch01"]
    assert [p.index for p in trail.polls] == [0, *range(len(polls) - 3, len(polls))]
    assert following.counts.dropped_polls == len(polls) - 4
    assert {f.check for f in found} >= {"progress_monotonic", "terminal_stable"}
    assert all(f.kind == "lifecycle" and f.job == "job_ProxyWatch01" for f in found)


def test_an_answer_repeating_one_that_broke_nothing_is_not_judged_again_and_misses_nothing() -> None:
    """Clients poll faster than a job moves: most answers repeat the one before. One that
    repeats a clean answer is not judged again (the checks' cost grows with the polls kept),
    and yet what the polls show is what the whole history shows, repeats of the broken
    answers included."""
    twice = [copy.deepcopy(poll) for poll in broken() for _ in range(2)]
    polls = [Poll(i, p.at, p.method, p.url, {}, p.status_code, p.headers, p.body, p.text) for i, p in enumerate(twice)]
    whole = {(v.check, v.poll.index) for v in run_checks(JobHistory(NEURALDRAFT, "job_ProxyWatch01", tuple(polls)))}
    following = Following(max_polls=len(polls), max_jobs=10)
    found = {
        (f.check, (f.poll or 0) - 1)
        for poll in polls
        for f in following.add(NEURALDRAFT, "job_ProxyWatch01", 200, lambda i, p=poll: p)
    }
    assert found == {(check, index) for check, index in whole if check in following.checks()}
    assert {"progress_monotonic", "terminal_stable"} <= {check for check, _ in found}
