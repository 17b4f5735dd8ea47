"""Scenario files: loading and checking fixture and config files into a `Catalog`,
and recording a real job into a new fixture."""

from __future__ import annotations

from .load import fixture_files, load_catalog
from .record import record, write_fixture

__all__ = ["fixture_files", "load_catalog", "record", "write_fixture"]
