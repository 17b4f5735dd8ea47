"""Where a document's `$ref`s may point: each refusal at its file, line and place; a file
beside the document is brought in."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobmock.contract.model import load_apis
from jobmock.exceptions import SpecError, SpecErrors

HEAD = 'openapi: 3.1.0\ninfo: {title: t, version: "1"}\npaths:\n  /jobs:\n    get:\n      responses:\n'
ANSWER = '        "200":\n          description: ok\n          content:\n            application/json:\n'
PLACE = "paths/~1jobs/get/responses/200/content/application~1json/schema/$ref"


def document(folder: Path, ref: str, tail: str = "") -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "api.yaml"
    path.write_text(HEAD + ANSWER + f"              schema:\n                $ref: {ref!r}\n" + tail)
    return path


@pytest.mark.parametrize(
    ("ref", "reason"),
    [
        ("#/components/schemas/Nope", "$ref '#/components/schemas/Nope' points to nothing in the document"),
        ("../elsewhere.yaml#/Job", "$ref '../elsewhere.yaml#/Job' leads out of the spec's folder"),
        ("https://example.com/job.yaml", "$ref 'https://example.com/job.yaml' points to the network"),
        ("/etc/job.yaml", "$ref '/etc/job.yaml' is an absolute path"),
    ],
    ids=["dangling", "outside the folder", "network", "absolute"],
)
def test_a_refused_ref_is_reported_at_its_line_and_place(tmp_path: Path, ref: str, reason: str) -> None:
    path = document(tmp_path / "api", ref, "components:\n  schemas:\n    Job: {type: object}\n")
    with pytest.raises((SpecError, SpecErrors)) as caught:
        load_apis([str(path)])
    assert f"{path}:12: {PLACE}: {reason}" in str(caught.value)


def test_a_file_beside_the_document_is_brought_in(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "job.yaml").write_text("Job:\n  type: object\n  properties:\n    id: {type: string}\n")
    [api] = load_apis([str(document(tmp_path, "schemas/job.yaml#/Job"))])
    schema = api.resolved["paths"]["/jobs"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"type": "object", "properties": {"id": {"type": "string"}}}
