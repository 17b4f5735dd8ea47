"""Scenario files without a server: bundled fixtures, located errors, the contract check, redaction."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jobmock import SpecErrors
from jobmock.contract import bundled_names, load_api, spec_path
from jobmock.contract.bundled import bundled_fixtures as bundled_fixtures_dir
from jobmock.contract.files import StartupFiles
from jobmock.exceptions import SpecError
from jobmock.scenario_files import load_catalog
from jobmock.scenario_files.record import redact
from support import create

APIS = {name: load_api(spec_path(name)) for name in bundled_names()}


def test_bundled_fixtures_cover_every_documented_status_and_error() -> None:
    catalog = load_catalog(APIS)
    for name, api in APIS.items():
        scenarios = catalog.scenarios[name].values()
        shown = {p.status for s in scenarios for p in s.phases}
        assert shown == set(api.lifecycle.states), name
        scripted = [p.fields for s in scenarios for p in s.phases if p.status == "failed"]
        for option in api.state_values.get("failed", []):
            assert any(all(f.get(k) == v for k, v in option.items()) for f in scripted), (name, option)
    approval = catalog.scenarios["superdocs"]["awaiting-approval"].phases[-1]
    assert approval.status == "awaiting_approval" and approval.fields["metadata"]["pending_changes"]


BROKEN_FIXTURE = """\
api: neuraldraft
scenarios:
  fine:
    phases:
      - status: pending
  wrong-error:
    phases:
      - {status: pending, duration: 1}
      - status: failed
        error: {code: 42, message: not a string code}
"""


def test_a_fixture_the_contract_forbids_stops_start_up_with_file_line_and_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN_FIXTURE)
    with pytest.raises(SpecErrors) as caught:
        create(fixtures=[bad])
    (error,) = caught.value.errors
    assert str(error) == (
        f"{bad}:10: scenarios/wrong-error/phases/1/error: the contract forbids this body in phase 2 (failed): "
        "error/code: 42 is not of type 'string'"
    )
    result = subprocess.run(
        [sys.executable, "-m", "jobmock", "serve", "--fixtures", str(bad), "--port", "9"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert f"{bad}:10: scenarios/wrong-error" in result.stderr
    assert "serving on" not in result.stdout  # nothing half-loaded: the server never started


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("api: nosuch\nscenarios: {a: {phases: [{status: x}]}}\n", ":1: api: 'nosuch' is not a served API"),
        ("api: neuraldraft\nscenarios:\n  a:\n    phases:\n      - {status: done}\n",
         ":5: scenarios/a/phases: unknown state 'done'"),
        ("api: neuraldraft\nscenarios:\n  a:\n    phases: []\n", ":4: scenarios/a/phases: [] should be non-empty"),
        ("api: neuraldraft\nscenarios:\n  a:\n    timeline:\n      - {at: 0, status: 418, body: {}}\n",
         ":5: scenarios/a/timeline/0/status: the contract declares no 418 answer for getJob"),
    ],
)  # fmt: skip
def test_fixture_problems_are_located(tmp_path: Path, text: str, message: str) -> None:
    bad = tmp_path / "f.yaml"
    bad.write_text(text)
    with pytest.raises(SpecErrors) as caught:
        load_catalog(APIS, [bad], bundled=False)
    assert message in str(caught.value)


def test_bundled_fixture_folder_is_where_the_readme_says() -> None:
    folder = bundled_fixtures_dir()
    assert folder is not None and {p.stem for p in folder.glob("*.yaml")} == set(APIS)


def test_recording_redacts_secret_fields_and_signed_urls() -> None:
    body = {
        "api_key": "sk_live_123",
        "session_id": "sess_1",
        "result": {"url": "https://cdn.example.com/a.png?X-Amz-Signature=abc123&width=10", "token_count": 5},
    }
    assert redact(body) == {
        "api_key": "REDACTED",
        "session_id": "sess_1",
        "result": {"url": "https://cdn.example.com/a.png?X-Amz-Signature=REDACTED&width=10", "token_count": 5},
    }


LAUGHS = "api: neuraldraft\nlol: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"l{n}: &l{n} [{', '.join(['*' + ('a' if n == 0 else f'l{n - 1}')] * 9)}]\n" for n in range(9)
)
PHASES = "api: neuraldraft\nscenarios:\n  a:\n    phases:\n      - {status: pending, duration: %s}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (LAUGHS, ":3: l0/0: YAML aliases (*name) are not accepted"),
        ("api: neuraldraft\nscenarios:\n  a:\n    description: one\n    description: two\n",
         ":5: scenarios/a/description: duplicate key 'description' (first on line 4)"),
        (PHASES % ".nan", ":5: scenarios/a/phases/0/duration: .nan is not a usable number"),
        (PHASES % ".inf", ":5: scenarios/a/phases/0/duration: .inf is not a usable number"),
        (PHASES % "1.0e+308", ":5: scenarios/a/phases/0/duration: 1.0e+308 is not a usable number"),
        (PHASES % ("9" * 400), "is not a usable number"),
        ("api: neuraldraft\nscenarios:\n  a:\n    x: " + "[" * 990 + "]" * 990 + "\n", "nested deeper than 64 levels"),
        ("api: neuraldraft\nscenarios:\n" + "".join(f"  s{n}: {{phases: [{{status: pending}}]}}\n" for n in range(101)),
         ":3: scenarios: 101 scenarios: at most 100 a file"),
    ],
    ids=["aliases", "duplicate key", "nan", "inf", "1e308", "400 digits", "990 deep", "101 scenarios"],
)  # fmt: skip
def test_hostile_files_are_refused_with_file_line_and_reason(tmp_path: Path, text: str, message: str) -> None:
    bad = tmp_path / "f.yaml"
    bad.write_text(text)
    with pytest.raises((SpecErrors, SpecError)) as caught:
        load_catalog(APIS, [bad], bundled=False)
    assert f"{bad}" in str(caught.value)
    assert message in str(caught.value)


def test_a_file_over_the_size_cap_is_not_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("api: neuraldraft\n# " + "x" * (3 * 1024 * 1024) + "\n")
    files = StartupFiles(2 * 1024 * 1024)
    with pytest.raises((SpecErrors, SpecError), match="more than 2097152 bytes; at most that many are read"):
        load_catalog(APIS, [big], bundled=False, files=files)
    assert files.total_bytes == 2 * 1024 * 1024 + 1  # what was read, not what stat says
