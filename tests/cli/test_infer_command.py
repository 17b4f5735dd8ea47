"""`jobmock infer`: the lifecycle read from a document, as the x-jobmock that says the same."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jobmock.cli import main
from jobmock.contract.bundled import bundled_specs

BUNDLED = sorted(p.stem for p in bundled_specs().glob("*.yaml"))


@pytest.mark.parametrize("name", BUNDLED)
def test_what_is_inferred_from_a_bundled_spec_agrees_with_its_hand_written_extension(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The five bundled specs carry an x-jobmock written by reading the vendors' pages:
    inference, which does not read it, finds the same poll, status, states and ends."""
    assert main(["infer", name]) == 0
    printed = capsys.readouterr().out
    [inferred] = [d["x-jobmock"] for d in yaml.safe_load_all(printed)]
    written = yaml.safe_load((bundled_specs() / f"{name}.yaml").read_text())["x-jobmock"]
    for key in ("poll", "status", "initial"):
        assert inferred[key] == written[key], key
    assert set(inferred["states"]) >= set(written["states"]) - {"awaiting_approval"}
    assert set(inferred["terminal"]) == set(written["terminal"])
    assert inferred["id"]["parameter"] == written["id"]["parameter"]
    assert "#   poll: GET " in printed  # each decision with its reason


def test_a_document_with_no_job_says_so_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = tmp_path / "users.yaml"
    document.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /users/{id}:\n    get:\n      responses:\n"
        "        '200':\n          description: ok\n          content:\n            application/json:\n"
        "              schema: {type: object, properties: {status: {enum: [active, suspended]}}}\n"
    )
    assert main(["infer", str(document)]) == 1
    assert "no job resource found" in capsys.readouterr().err


def test_a_document_that_cannot_be_read_exits_2_with_its_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "broken.yaml"
    document.write_text("openapi: 3.1.0\npaths: [\n")
    assert main(["infer", str(document)]) == 2
    assert f"{document}:3" in capsys.readouterr().err
