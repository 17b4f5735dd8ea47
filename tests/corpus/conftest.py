"""The corpus of vendors' documents (README.md in this folder), for the tests beside this file:
one parameter per document `corpus.toml` lists, skipped when the document is absent (it is not
in git; `JOBMOCK_CORPUS_DIR` may point to the documents elsewhere). Each document present is
served once, on a free loopback port, for every test that asks for it.

The tests here are marked `corpus` (`pytest -m corpus tests/corpus` runs them alone); they
take minutes on the whole corpus (the biggest documents take seconds to load)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jobmock.contract.model import ApiModel
from support import Served, need_corpus_document, serve

LISTED: list[dict[str, Any]] = tomllib.loads((Path(__file__).parent / "corpus.toml").read_text())["document"]
NAMES = [str(entry["name"]) for entry in LISTED]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.corpus)


@dataclass(frozen=True)
class CorpusDocument:
    name: str
    file: str
    path: Path
    entry: dict[str, Any]


@pytest.fixture(scope="session", params=NAMES)
def corpus_document(request: pytest.FixtureRequest) -> CorpusDocument:
    """One document of the corpus (the test skips when it is absent)."""
    entry = next(e for e in LISTED if e["name"] == request.param)
    return CorpusDocument(entry["name"], entry["file"], need_corpus_document(entry["file"]), entry)


@pytest.fixture(scope="session")
def corpus_served(corpus_document: CorpusDocument) -> Iterator[Served]:
    """The document served alone by jobmock, as `jobmock serve FILE` serves it."""
    yield from serve(specs=[str(corpus_document.path)], no_bundled_fixtures=True, seed=20)


def existing_jobs(served: Served, contract: object) -> dict[str, tuple[str, str]]:
    """A job made for each job resource the document is served with (its own and its
    siblings), by the operations that name one: {operationId: (id parameter, job id)}."""
    if not isinstance(contract, ApiModel):
        return {}
    made = {}
    for model in (contract, *contract.siblings):
        job = served.control().create(model.name)["id"]
        made.update({op: (model.id_parameter, job) for op in model.job_operation_ids})
    return made
