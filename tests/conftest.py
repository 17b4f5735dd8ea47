"""Session fixtures: jobmock servers on free loopback ports, stopped after the tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support import Served, serve

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def served() -> Iterator[Served]:
    """All five APIs as `jobmock serve` runs them (the fast paths on, unless the suite runs
    with JOBMOCK_NO_FAST_PATHS=1); every vendor answer the tests read is held to its spec."""
    yield from serve(seed=7)
