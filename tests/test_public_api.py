"""The public face: `jobmock` exports what the README documents, and nothing else is needed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import jobmock
from jobmock import exceptions

README = Path(__file__).resolve().parents[1] / "README.md"
DOCUMENTED = {
    "create", "serve", "BackgroundServer", "check", "CheckReport", "render_text", "lifecycle_check",
    "run_checks", "JobHistory", "JobmockClient", "JobmockError", "fault_kind", "clock_mode", "Mismatch",
}  # fmt: skip


def test_every_exported_name_resolves_and_the_documented_ones_are_there() -> None:
    assert set(jobmock.__all__) >= DOCUMENTED
    for name in jobmock.__all__:
        assert getattr(jobmock, name) is not None


def test_the_readme_imports_only_from_jobmock() -> None:
    text = README.read_text()
    assert not re.findall(r"(?:from|import) jobmock\.\w+", text)
    assert re.findall(r"from jobmock import", text)


def test_one_exception_hierarchy_with_a_status_each() -> None:
    raised = [v for v in vars(exceptions).values() if isinstance(v, type) and issubclass(v, Exception)]
    assert all(issubclass(kind, jobmock.JobmockError) for kind in raised)
    assert jobmock.NotFound.status == 404 and jobmock.IdTaken.status == 409 and jobmock.JobError.status == 400


def test_loading_the_pytest_plugin_has_no_side_effects() -> None:
    code = (
        "import logging, sys, warnings; import jobmock.pytest_plugin; "
        "assert 'connexion' not in sys.modules and 'jobmock.server' not in sys.modules, 'imports the server'; "
        "assert not logging.getLogger('uvicorn.error').filters, 'adds a logging filter'"
    )
    result = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
