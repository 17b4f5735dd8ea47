"""Vendors' documents are large: a document has its own cap (`--max-document-bytes`, 64 MiB
by default), apart from the scenario files' (`--max-file-bytes`), which stays small against
hostile files (issue 20, item 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import jobmock
from jobmock.exceptions import SpecErrors

MB = 1024 * 1024


def large_document(path: Path, size: int) -> Path:
    """A valid 3.1 document of about `size` bytes: many operations with long descriptions."""
    words = "Creates a job that runs for a while and reports its progress. " * 160  # ~10 KB
    paths = {}
    n = 0
    while len(words) * n < size:
        paths[f"/things{n}/{{id}}"] = {
            "get": {
                "operationId": f"getThing{n}",
                "description": words,
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}
                },
            }
        }
        n += 1
    path.write_text(json.dumps({"openapi": "3.1.0", "info": {"title": "Large", "version": "1"}, "paths": paths}))
    return path


def test_a_20_mb_document_is_served(tmp_path: Path) -> None:
    document = large_document(tmp_path / "large.json", 20 * MB)
    assert document.stat().st_size > 20 * MB
    app = jobmock.create(specs=[str(document)])
    (contract,) = app.contracts
    assert len(contract.document["paths"]) > 2000
    assert app.state.mock.limits is not None


def test_the_document_cap_is_its_own_option_and_names_itself(tmp_path: Path) -> None:
    document = large_document(tmp_path / "small.json", 64 * 1024)
    with pytest.raises(SpecErrors) as refused:
        jobmock.create(specs=[str(document)], max_document_bytes=16 * 1024)
    assert "at most that many are read (--max-document-bytes)" in str(refused.value)
    assert jobmock.create(
        specs=[str(document)], max_file_bytes=1024, no_bundled_fixtures=True
    ).contracts  # the scenario cap is not the document's
