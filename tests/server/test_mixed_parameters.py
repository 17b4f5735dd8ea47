"""Parameters whose schema mixes types (`anyOf: [integer, {enum: [all]}]`, 3.1's `type:
[integer, string]`, a `oneOf` of number and boolean): Connexion is given them as text, and
their text is judged by the schema as written, in the document's dialect (its number or
boolean where it spells one); a refusal is the operation's documented error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from tests.support import Served, serve

from jobmock.contract.dialects import SOURCE, for_connexion

ERROR = {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}
LIMIT = {"anyOf": [{"type": "integer", "maximum": 10}, {"enum": ["all"]}]}


def _document(version: str, params: list[dict[str, Any]], components: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": version,
        "info": {"title": "Mixed", "version": "1"},
        "paths": {
            "/items/{id}": {
                "parameters": [{"$ref": "#/components/parameters/Id"}],
                "get": {
                    "parameters": params,
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": {}, "example": {}}}},
                        "400": {"description": "bad", "content": {"application/json": {"schema": ERROR}}},
                    },
                },
            }
        },
        "components": components,
    }


DOCUMENT_31 = _document(
    "3.1.0",
    [
        {"name": "limit", "in": "query", "schema": {"$ref": "#/components/schemas/Limit"}},
        {"name": "tag", "in": "query", "schema": {"type": ["integer", "string"], "minLength": 2}},
        {"name": "flag", "in": "header", "schema": {"oneOf": [{"type": "number"}, {"type": "boolean"}]}},
        {"name": "plain", "in": "query", "schema": {"type": "integer"}},
        {
            "name": "after",
            "in": "query",
            "schema": {"anyOf": [{"type": "integer", "exclusiveMinimum": 0}, {"type": "null"}, {"const": "start"}]},
        },
    ],
    {
        "schemas": {"Limit": LIMIT},
        "parameters": {
            "Id": {
                "name": "id",
                "in": "path",
                "required": True,
                "schema": {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^id_"}]},
            }
        },
    },
)
DOCUMENT_30 = _document(
    "3.0.3",
    [
        {"name": "limit", "in": "query", "schema": LIMIT},
        {"name": "size", "in": "query", "schema": {"oneOf": [{"type": "number", "minimum": 1}, {"type": "boolean"}]}},
    ],
    {"parameters": {"Id": {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}}},
)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("mixed")
    (folder / "new.json").write_text(json.dumps(DOCUMENT_31))
    (folder / "old.json").write_text(json.dumps(DOCUMENT_30))
    yield from serve(specs=[str(folder / "new.json"), str(folder / "old.json")])


def _status(served: Served, path: str, **params: str) -> tuple[int, str | None]:
    answer = served.unchecked.get(path, params=params)
    return answer.status_code, answer.json().get("message")


def test_a_value_that_fits_one_of_the_types_passes(mixed: Served) -> None:
    for api in ("new", "old"):
        for value in ("5", "all", "-3"):
            assert _status(mixed, f"/{api}/items/id_1", limit=value) == (200, None), (api, value)
    assert _status(mixed, "/new/items/7", tag="5", after="start") == (200, None)
    assert _status(mixed, "/new/items/7", tag="xy", after="3") == (200, None)
    assert _status(mixed, "/old/items/x", size="true") == (200, None)
    assert _status(mixed, "/old/items/x", size="2.5") == (200, None)


def test_a_value_that_fits_none_gets_the_documented_error_with_the_reason(mixed: Served) -> None:
    expected = {
        ("/new/items/7", "limit", "abc"): "'abc' is not valid under any of the given schemas",
        ("/old/items/x", "limit", "abc"): "'abc' is not valid under any of the given schemas",
        ("/new/items/7", "limit", "11"): "11 is greater than the maximum of 10",
        ("/new/items/7", "tag", "x"): "'x' is too short",
        ("/new/items/7", "after", "0"): "0 is less than or equal to the minimum of 0",
        ("/new/items/7", "after", "null"): "'null' is not valid under any of the given schemas",  # text is never null
        ("/old/items/x", "size", "0"): "0 is less than the minimum of 1",
        ("/old/items/x", "size", "NaN"): "'NaN' is not valid under any of the given schemas",
    }
    for (path, name, value), message in expected.items():
        assert _status(mixed, path, **{name: value}) == (400, message), (path, name, value)


def test_path_and_header_parameters_of_mixed_types_are_judged_too(mixed: Served) -> None:
    assert _status(mixed, "/new/items/x") == (400, "'x' does not match '^id_'")
    for flag, status in (("1.5", 200), ("false", 200), ("yes", 400)):
        assert mixed.unchecked.get("/new/items/7", headers={"flag": flag}).status_code == status, flag


def test_a_parameter_of_one_type_is_left_to_connexion(mixed: Served) -> None:
    assert _status(mixed, "/new/items/7", plain="x")[0] == 400
    assert _status(mixed, "/new/items/7", plain="3") == (200, None)


def test_only_a_parameter_of_mixed_types_is_marked_with_its_place() -> None:
    routed, _ = for_connexion(DOCUMENT_31)
    params = {p["name"]: p for p in routed["paths"]["/items/{id}"]["get"]["parameters"] if "name" in p}
    assert params["tag"]["schema"] == {"type": "string", SOURCE: "#/paths/~1items~1{id}/get/parameters/1/schema"}
    assert params["limit"]["schema"][SOURCE] == "#/paths/~1items~1{id}/get/parameters/0/schema"
    assert params["plain"]["schema"] == {"type": "integer"} and SOURCE not in params["plain"]
    identity = routed["components"]["parameters"]["Id"]
    assert identity["schema"] == {"type": "string", SOURCE: "#/components/parameters/Id/schema"}
