"""The public face: `jobmock` exports what the README documents, and nothing else is needed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import jobmock
from jobmock import exceptions

README = Path(__file__).resolve().parents[1] / "README.md"
PUBLIC = {  # changed only on purpose: users import these, and nothing else
    "__version__",
    # serve
    "create", "serve", "ServeOptions", "App", "BackgroundServer", "Limits", "ControlPolicy", "load_plugins",
    # drive a running jobmock
    "JobmockClient",
    # stand between an app and the real API
    "run_proxy", "create_proxy", "ProxyOptions",
    # check any implementation, and the report types
    "check", "CheckReport", "Violation", "JobHistory", "Poll", "Mismatch", "run_checks", "render_text", "write_junit",
    # record a real job
    "record", "write_fixture",
    # extend: one decorator per registry, and the types they take
    "fault_kind", "clock_mode", "reporter_kind", "lifecycle_check", "Fault", "Answer", "Reporter", "ApiModel",
    # the errors
    "JobmockError", "SpecError", "SpecErrors", "RequestError", "JobError", "UnknownScenario", "ClockError",
    "AuthError", "NotFound", "LifecycleError", "NamespaceFull", "IdTaken", "CheckUsageError", "ControlError",
}  # fmt: skip


def test_the_public_face_is_exactly_this_and_every_name_resolves() -> None:
    assert set(jobmock.__all__) == PUBLIC
    assert len(jobmock.__all__) == len(PUBLIC)
    for name in jobmock.__all__:
        assert getattr(jobmock, name) is not None
    assert not hasattr(jobmock, "Mock") and not hasattr(jobmock, "FAULT_KINDS")  # internals stay inside


def test_the_registries_decorators_have_one_shape_and_return_what_they_decorate() -> None:
    from jobmock.checker import CHECKS
    from jobmock.sim.clock import CLOCK_MODES

    def ticks(job: object, clock: object) -> float:
        return 0.0

    def noisy(history: object) -> object:
        """Says nothing."""
        return iter(())

    try:
        assert jobmock.clock_mode("public-face-ticks", "a test mode", runs=False)(ticks) is ticks
        assert jobmock.lifecycle_check("public_face_noisy")(noisy) is noisy
        assert CHECKS["public_face_noisy"].description == "Says nothing."
    finally:
        CLOCK_MODES.unregister("public-face-ticks")
        CHECKS.unregister("public_face_noisy")
    assert "public-face-ticks" not in CLOCK_MODES and "public_face_noisy" not in CHECKS


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
