"""The contracts: valid OpenAPI, lint-clean, faithful names, and broken files rejected with a place."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from jobmock.contract import bundled_names, load_apis
from jobmock.contract.bundled import bundled_specs as bundled_dir
from jobmock.exceptions import SpecErrors

ROOT = Path(__file__).resolve().parents[2]
REDOCLY = ROOT / "tools" / "node_modules" / ".bin" / "redocly"
SPECS = sorted(bundled_dir().glob("*.yaml"))


def test_the_five_documented_apis_are_bundled_by_name() -> None:
    assert bundled_names() == ["longform", "neuraldraft", "nextdocs", "stories", "superdocs"]


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_spec_passes_openapi_spec_validator(spec: Path) -> None:
    document, base_uri = read_from_filename(str(spec))
    assert str(document["openapi"]).startswith("3.0.")
    validate(document, base_uri=base_uri)


@pytest.mark.skipif(not REDOCLY.exists() and not os.environ.get("CI"), reason="run scripts/test.sh to install Redocly")
def test_specs_pass_redocly_recommended_rules() -> None:
    result = subprocess.run(
        [str(REDOCLY), "lint", "--extends=recommended", "--format=stylish", *map(str, SPECS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.replace("0 errors", "")


def test_documented_details_are_in_the_contracts() -> None:
    apis = {a.name: a for a in load_apis()}
    nd = apis["neuraldraft"].resolved
    assert nd["servers"][0]["url"] == "https://api.neuraldraft.io/v1"
    job = nd["components"]["schemas"]["Job"]
    assert job["required"] == ["id", "type", "status", "created_at"]
    assert job["properties"]["progress"] == {"type": "integer", "minimum": 0, "maximum": 100}
    assert len(job["properties"]["type"]["enum"]) == 6
    lf = apis["longform"]
    assert lf.poll.path == "/getJobStatus" and lf.id_in == "query"
    assert lf.resolved["components"]["securitySchemes"]["bearerAuth"]["bearerFormat"] == "JWT"
    assert lf.job_schema["properties"]["title"]["nullable"] is True
    assert lf.job_schema["properties"]["is_byok"]["default"] is False
    nx = apis["nextdocs"].job_schema
    assert nx["properties"]["status"]["enum"] == ["processing", "completed", "failed"]
    assert nx["properties"]["result"]["nullable"] and "result" in nx["required"]
    st = apis["stories"].resolved["paths"]["/v1/jobs/{id}"]["get"]["responses"]
    assert sorted(st) == sorted(  # 504 is jobmock's (fault injection), said in the spec
        ["200", "400", "401", "402", "403", "404", "409", "422", "429", "451", "500", "502", "503", "504"]
    )
    sd = apis["superdocs"].job_schema
    assert sd["required"] == ["job_id", "session_id", "job_type", "status", "created_at", "updated_at", "progress"]
    for api in apis.values():
        assert "infer" in api.document["info"]["description"]  # each spec says what it inferred


BROKEN = {
    "unknown initial state": (
        "initial: pending",
        "initial: waiting",
        "x-jobmock/initial",
        "'waiting' is not one of the declared states",
    ),
    "bad progress kind": (
        "- {kind: percent, field: progress}",
        "- {kind: percentage, field: progress}",
        "x-jobmock/progress/0",
        "is not valid",
    ),
    "field not in schema": (
        "status: status\n  states",
        "status: state\n  states",
        "x-jobmock/status",
        "no field 'state'",
    ),
    "a oneOf field that cannot be null": (
        "status: status\n  states",
        "oneOf: [[id, type]]\n  status: status\n  states",
        "x-jobmock/oneOf/0/0",
        "'id' is not nullable",
    ),
    "poll operation missing": (
        "poll: getJob",
        "poll: getJobs",
        "x-jobmock/poll",
        "no operation with operationId 'getJobs'",
    ),
    "invalid openapi": (
        "      operationId: getJob\n",
        "      operationId: getJob\n      deprecated: maybe\n",
        "paths/~1jobs~1{id}/get",
        "",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_spec_is_rejected_with_file_line_and_reason(tmp_path: Path, case: str) -> None:
    old, new, where, reason = BROKEN[case]
    text = (bundled_dir() / "neuraldraft.yaml").read_text()
    assert old in text
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace(old, new, 1))
    with pytest.raises(SpecErrors) as caught:
        load_apis([str(broken)])
    message = str(caught.value)
    line = next(
        i
        for i, row in enumerate(broken.read_text().splitlines(), 1)
        if new.split("\n")[-2 if new.endswith("\n") else 0].strip() in row
    )
    assert f"{broken}:{line}: " in message, message
    assert where.replace("//", "/~1") in message or where in message, message
    assert reason in message


def test_validate_and_serve_commands_report_broken_specs(tmp_path: Path) -> None:
    broken = tmp_path / "mine.yaml"
    broken.write_text((bundled_dir() / "stories.yaml").read_text().replace("initial: pending", "initial: nowhere"))
    jobmock = [sys.executable, "-m", "jobmock"]
    ok = subprocess.run([*jobmock, "validate"], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and ok.stdout.count("ok ") == 5
    bad = subprocess.run([*jobmock, "validate", str(broken)], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert f"{broken}:" in bad.stderr and "'nowhere' is not one of the declared states" in bad.stderr
    serve = subprocess.run([*jobmock, "serve", str(broken), "--port", "0"], capture_output=True, text=True, timeout=60)
    assert serve.returncode == 2 and "cannot start" in serve.stderr and "Traceback" not in serve.stderr


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    broken = tmp_path / "syntax.yaml"
    broken.write_text("openapi: 3.0.3\ninfo: {title: x\npaths: {}\n")
    with pytest.raises(SpecErrors) as caught:
        load_apis([str(broken)])
    assert f"{broken}:3" in str(caught.value) or f"{broken}:2" in str(caught.value)


def test_user_spec_with_the_extension_serves(tmp_path: Path) -> None:
    mine = tmp_path / "acme.yaml"
    shutil.copy(bundled_dir() / "nextdocs.yaml", mine)
    apis = load_apis([str(mine)])
    assert [a.name for a in apis] == ["acme"] and apis[0].mount == ""


@pytest.mark.parametrize("version", ["3.1.0", "3.2.0"])
def test_a_key_its_object_does_not_have_is_a_located_warning(tmp_path: Path, version: str) -> None:
    """Vulcan's (tests/corpus) `examples` on a Response Object, which no version defines
    there: nothing reads it, so the document is served, and `validate` says where it is. A
    known key of the wrong type is still refused (`deprecated: maybe`, BROKEN above)."""
    mine = tmp_path / "stray.yaml"
    mine.write_text(
        f"openapi: {version}\n"
        "info: {title: t, version: '1'}\n"
        "paths:\n"
        "  /things/{id}:\n"
        "    get:\n"
        "      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n"
        "      responses:\n"
        "        '200':\n"
        "          description: ok\n"
        "          content: {application/json: {schema: {type: object}}}\n"
        "          examples: {one: {value: {}}}\n"
    )
    (api,) = load_apis([str(mine)])
    said = [str(w) for w in api.warnings]
    assert f"{mine}:9: paths/~1things~1{{id}}/get/responses/200: 'examples' is not a field of this object" in said[0]
    assert len(said) == 1 and said[0].endswith(f"in OpenAPI {version[:3]}: ignored")
