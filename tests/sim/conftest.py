"""Fixtures of the pure core's tests.

The data maker keeps merged schemas, sketches and labels in one process-wide cache, keyed by
the schema objects: tests that share a module-level schema would otherwise find another test's
work cached and skip the merging, sketching and labelling code they mean to exercise (and a
mutation run, whose children fork from a process that ran every test, would see none of it).
Each test starts with the cache cold."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jobmock.sim import fakedata


@pytest.fixture(autouse=True)
def cold_data_maker() -> Iterator[None]:
    fakedata._cache.clear()
    yield
    fakedata._cache.clear()
