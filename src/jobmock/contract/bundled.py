"""Where the bundled contracts and scenarios are: package data, the same path in a
source checkout (the folder `src/jobmock/bundled/` links to the repository's
`specs/` and `fixtures/`) and in an installed wheel (where they are copied)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

BUNDLED = Path(str(resources.files("jobmock"))) / "bundled"


def bundled_specs() -> Path:
    return BUNDLED / "specs"


def bundled_fixtures() -> Path:
    return BUNDLED / "fixtures"


def bundled_names() -> list[str]:
    """The bundled APIs, by name."""
    return sorted(p.stem for p in bundled_specs().glob("*.yaml"))
