"""Session fixtures: jobmock servers on free loopback ports, stopped after the tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support import Served, serve

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def served() -> Iterator[Served]:
    """All five APIs, every response checked against its spec by Connexion."""
    yield from serve(seed=7, validate_responses=True)


@pytest.fixture(scope="session")
def fast() -> Iterator[Served]:
    """All five APIs as `jobmock serve` runs them: poll fast path on."""
    yield from serve(seed=7)
