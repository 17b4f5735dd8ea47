"""The bounds a user sets with `jobmock serve --max-jobs …`: their documented defaults, and the
start-up refusal of a bad value, which names the option the user gave and what is wrong with it.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from jobmock.exceptions import SpecError, startup_message
from jobmock.sim.limits import ConnectionLimits, Limits

OPTIONS = {
    "namespaces": "--max-namespaces",
    "namespace_ttl": "--namespace-ttl",
    "jobs": "--max-jobs",
    "spot_jobs": "--max-spot-jobs",
    "journal_entries": "--journal-entries",
    "journal_bytes": "--journal-bytes",
    "streams": "--max-streams",
    "heartbeat": "--stream-heartbeat",
    "log_bytes": "--log-bytes",
    "job_bytes": "--max-job-bytes",
    "stream_stall": "--stream-stall",
    "body_timeout": "--body-timeout",
}


def refusal(**values: object) -> str:
    """What `jobmock serve` prints when it refuses the bounds."""
    with pytest.raises(SpecError) as refused:
        Limits(**values)  # type: ignore[arg-type]  # values as a user might give them
    return startup_message(refused.value)


def connection_refusal(**values: float) -> str:
    with pytest.raises(SpecError) as refused:
        ConnectionLimits(**values)  # type: ignore[arg-type]  # values as a user might give them
    return startup_message(refused.value)


def test_the_defaults_are_the_documented_ones() -> None:
    assert dataclasses.asdict(Limits()) == {
        "namespaces": 1000,
        "namespace_ttl": 3600,
        "jobs": 10_000,
        "spot_jobs": 1000,
        "journal_entries": 10_000,
        "journal_bytes": 4_000_000,
        "streams": 100,
        "heartbeat": 15,
        "log_bytes": 16_000_000,
        "job_bytes": 16_384,
        "stream_stall": 30,
        "body_timeout": 10,
    }
    assert dataclasses.asdict(ConnectionLimits()) == {"keep_alive": 5, "header_timeout": 10, "max_connections": 1000}


@pytest.mark.parametrize(("name", "option"), OPTIONS.items())
def test_a_bound_of_zero_is_refused_naming_its_option(name: str, option: str) -> None:
    assert refusal(**{name: 0}) == f"jobmock: {option}: 0: must be a finite number above 0"


@pytest.mark.parametrize("bad", [-1, -0.5, math.nan, math.inf, -math.inf, "10", None])
def test_a_bound_must_be_a_finite_number_above_zero(bad: object) -> None:
    assert refusal(jobs=bad) == f"jobmock: --max-jobs: {bad!r}: must be a finite number above 0"


def test_the_smallest_bounds_are_taken() -> None:
    small = Limits(**{name: 1 for name in OPTIONS})  # type: ignore[arg-type]
    assert small.jobs == small.journal_bytes == 1
    assert Limits(heartbeat=0.001, namespace_ttl=0.5).heartbeat == 0.001


def test_the_first_bad_bound_is_the_one_named() -> None:
    assert refusal(namespaces=1, jobs=0, streams=0).startswith("jobmock: --max-jobs: ")


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ({"keep_alive": 0}, "jobmock: --keep-alive: 0: must be a number above 0"),
        ({"keep_alive": -1}, "jobmock: --keep-alive: -1: must be a number above 0"),
        ({"header_timeout": 0}, "jobmock: --header-timeout: 0: must be a number above 0 and below 3600"),
        ({"header_timeout": 3600}, "jobmock: --header-timeout: 3600: must be a number above 0 and below 3600"),
        ({"max_connections": 0}, "jobmock: --max-connections: 0: must be a number above 0"),
    ],
)
def test_a_connection_bound_out_of_range_is_refused_naming_its_option(values: dict[str, float], said: str) -> None:
    assert connection_refusal(**values) == said


def test_the_connection_bounds_take_any_value_in_range() -> None:
    assert ConnectionLimits(keep_alive=1, header_timeout=0.01, max_connections=1) == ConnectionLimits(1, 0.01, 1)
    assert ConnectionLimits(header_timeout=3599.5).header_timeout == 3599.5
