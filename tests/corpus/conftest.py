"""The corpus of vendors' documents (README.md in this folder), for the tests beside this file:
one parameter per document `corpus.toml` lists, skipped when the document is absent (it is not
in git; `JOBMOCK_CORPUS_DIR` may point to the documents elsewhere). Each document present is
served once, on a free loopback port, for every test that asks for it.

The tests here are marked `corpus` (`pytest -m corpus tests/corpus` runs them alone); they
take minutes on the whole corpus (the biggest documents take seconds to load)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jobmock.contract import openapi
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


def existing_jobs(served: Served, contract: object) -> Callable[[str], tuple[str, str] | None]:
    """For a route (`route`) of an operation that names a job of a served job resource (its
    own or a sibling's): its id parameter and a new job of that resource, made for the call
    (a cancel ends its own job, not the next call's); None for any other route. A document's
    twin keys (`/responses/{id}?beta=true`) share a route."""
    routes: dict[str, tuple[str, str]] = {}  # route -> (id parameter, resource)
    for model in (contract, *contract.siblings) if isinstance(contract, ApiModel) else ():
        for op_id in model.job_operation_ids:
            op = openapi.find_operation(dict(model.resolved), op_id)
            named = op is not None and ("{" + model.id_parameter + "}" in op.path or op_id == model.poll.operation_id)
            if op is not None and named:  # by its path, or a poll by its query (`?request_id=`)
                routes[route(op.method, op.path)] = (model.id_parameter, model.name)

    def fresh(where: str) -> tuple[str, str] | None:
        found = routes.get(where)
        return (found[0], str(served.control().create(found[1])["id"])) if found else None

    return fresh


def route(method: str, path: str) -> str:
    """`get /responses/{id}?beta=true` and `get /responses/{id}#x` route as `get /responses/{id}`."""
    return f"{method.lower()} {re.split(r'[?#]', path)[0]}"
