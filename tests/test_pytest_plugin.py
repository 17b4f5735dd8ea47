"""The pytest plugin in a user's own suite: its fixtures, options and plugins."""

from __future__ import annotations

import pytest


def test_the_pytest_plugin_serves_scenarios_moves_the_clock_and_reads_the_journal(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_failed_job_shows_the_error(jobmock):
            jobmock.clock("manual")
            job = jobmock.create("neuraldraft", "failed-at-60")
            headers = {**jobmock.headers, "Authorization": "Bearer ndsk_test_frontend"}
            assert httpx.get(job["poll_url"], headers=headers).json()["status"] == "pending"
            jobmock.advance(30)
            body = httpx.get(job["poll_url"], headers=headers).json()
            assert body["error"]["code"] == "generation_failed"
            assert [e["job_status"] for e in jobmock.journal(job=job["id"])] == ["pending", "failed"]

        def test_each_test_has_its_own_namespace(jobmock):
            assert jobmock.namespace.startswith("test-")
            assert jobmock.clock()["mode"] == "real"
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_each_tests_namespace_is_dropped_after_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_makes_a_job(jobmock):
            jobmock.create("neuraldraft")

        def test_then_no_namespace_is_left(jobmock_server):
            status = httpx.get(jobmock_server.url + "/_jobmock/status",
                               headers={"X-Jobmock-Token": jobmock_server.control_token}).json()
            assert status["namespaces"]["count"] == 0
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


PLUGIN = """
from jobmock import JobHistory, Mismatch, lifecycle_check


@lifecycle_check("never_polled_twice")
def never_polled_twice(history: JobHistory):
    \"\"\"No job is polled twice.\"\"\"
    if len(history.polls) > 1:
        yield Mismatch(history.polls[1], "one poll", f"{len(history.polls)} polls")
"""


def test_plugins_load_from_the_option_and_the_variable(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(my_checks=PLUGIN)
    pytester.makepyfile(
        """
        def test_the_check_is_there(jobmock_check):
            from jobmock.checker import CHECKS
            assert "never_polled_twice" in CHECKS
        """
    )
    by_option = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--jobmock-plugin", "my_checks.py")
    by_option.assert_outcomes(passed=1)
    monkeypatch.setenv("JOBMOCK_PLUGINS", "my_checks.py")
    by_variable = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    by_variable.assert_outcomes(passed=1)
