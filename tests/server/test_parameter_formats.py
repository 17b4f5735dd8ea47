"""A parameter's `format` is part of its schema: `int32` and `int64` bound an integer, `date`,
`date-time` and `uuid` shape a text. A request whose parameter breaks it gets the operation's
documented error with the reason, in every dialect and every place (path, query, header), as
the document's other keywords do; one that keeps it is answered. A header's text is read as
its schema's type (`X-Count: 5` is the integer 5), as a query's is; a query parameter the
document lets be sent empty (`allowEmptyValue`) may be."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from tests.support import Served, serve

ERROR = {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}


def document(version: str) -> dict[str, Any]:
    return {
        "openapi": version,
        "info": {"title": "Reports", "version": "1"},
        "paths": {
            "/reports/{id}": {
                "get": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int32"}},
                        {"name": "day", "in": "query", "schema": {"type": "string", "format": "date"}},
                        {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                        {"name": "X-Count", "in": "header", "schema": {"type": "integer", "format": "int64"}},
                        {"name": "pretty", "in": "query", "allowEmptyValue": True, "schema": {"type": "boolean"}},
                    ],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": {}, "example": {}}}},
                        "400": {"description": "bad", "content": {"application/json": {"schema": ERROR}}},
                    },
                }
            }
        },
    }


REPORT = "/reports/0b8f3a52-4c1e-4d7a-9a57-2f3b9c1d2e4f"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("formats")
    (folder / "old.json").write_text(json.dumps(document("3.0.3")))
    (folder / "new.json").write_text(json.dumps(document("3.1.0")))
    yield from serve(specs=[str(folder / "old.json"), str(folder / "new.json")])


def answer(served: Served, path: str, headers: dict[str, str] | None = None, **params: str) -> tuple[int, Any]:
    got = served.unchecked.get(path, params=params, headers=headers)
    return got.status_code, got.json().get("message")


@pytest.mark.parametrize("api", ["old", "new"])
def test_values_of_their_format_are_answered(reports: Served, api: str) -> None:
    fitting = {"limit": "2147483647", "day": "2026-03-01", "since": "2026-03-01T10:00:00Z"}
    assert answer(reports, f"/{api}{REPORT}", {"X-Count": str(2**63 - 1)}, **fitting) == (200, None)


@pytest.mark.parametrize("api", ["old", "new"])
def test_a_value_out_of_its_format_gets_the_documented_error_with_the_reason(reports: Served, api: str) -> None:
    refused = {
        ("limit", "2147483648"): "2147483648 is not a 'int32'",
        ("limit", "-2147483649"): "-2147483649 is not a 'int32'",
        ("day", ""): "'' is not a 'date'",
        ("day", "2026-02-30"): "'2026-02-30' is not a 'date'",
        ("since", "yesterday"): "'yesterday' is not a 'date-time'",
    }
    for (name, value), message in refused.items():
        assert answer(reports, f"/{api}{REPORT}", **{name: value}) == (400, message), (name, value)
    assert answer(reports, f"/{api}/reports/report-1") == (400, "'report-1' is not a 'uuid'")
    assert answer(reports, f"/{api}{REPORT}", {"X-Count": str(2**63)}) == (400, f"{2**63} is not a 'int64'")
    assert answer(reports, f"/{api}{REPORT}", {"X-Count": "five"}) == (400, "'five' is not of type 'integer'")


@pytest.mark.parametrize("api", ["old", "new"])
def test_a_parameter_the_document_allows_empty_may_be_sent_empty(reports: Served, api: str) -> None:
    """Asana's `?opt_pretty=` (a boolean, `allowEmptyValue: true`) was refused 400, or a 500."""
    for value, expected in (
        ("", (200, None)),
        ("true", (200, None)),
        ("maybe", (400, "'maybe' is not of type 'boolean'")),
    ):
        assert answer(reports, f"/{api}{REPORT}", pretty=value) == expected, value
