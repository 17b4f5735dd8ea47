"""pytest plugin (entry point `jobmock`): jobmock's checks inside a user's own test suite.

    def test_our_api_keeps_its_contract(jobmock_check):
        jobmock_check("neuraldraft", "https://staging.example.com/v1", token=os.environ["TOKEN"], jobs=["job_..."])

The fixture fails the test with jobmock's readable report when anything does not conform.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .checker import CheckReport, check
from .report import render_text


@pytest.fixture
def jobmock_check() -> Callable[..., CheckReport]:
    """`jobmock_check(api, url, **options)`: `jobmock.checker.check`, failing the test on any finding."""

    def run(api: Any, url: str, **options: Any) -> CheckReport:
        report = check(api, url, **options)
        if not report.ok:
            pytest.fail(render_text(report), pytrace=False)
        return report

    return run
