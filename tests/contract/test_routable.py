"""`validate` builds what `serve` builds: a document Connexion cannot route is reported by
`validate` as by `serve`, naming the file, never as a traceback (issue 20, item 5)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from jobmock.assembly import check_routable
from jobmock.contract.model import load_apis
from jobmock.exceptions import SpecError

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {"/x": {"get": {"responses": {"200": {"description": "ok"}}}}},
}


def test_a_document_connexion_refuses_is_refused_by_validate_with_its_file(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(DOCUMENT))
    (api,) = load_apis([str(path)], mount=False, strict=True)
    check_routable(api)  # the document as it is routes
    broken = replace(
        api, routed={**api.routed, "paths": {"/x": {"get": {"parameters": [{"$ref": "#/components/parameters/Gone"}]}}}}
    )
    with pytest.raises(SpecError, match="serve cannot route this document") as refused:
        check_routable(broken)
    assert str(refused.value).startswith(str(path))


def test_validate_says_ok_for_what_serve_serves(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(DOCUMENT))
    done = subprocess.run([sys.executable, "-m", "jobmock", "validate", str(path)], capture_output=True, text=True)
    assert (done.returncode, done.stdout.strip()) == (0, f"ok      {path}"), done.stderr
