"""A 3.1 document's request bodies are judged in its own dialect (JSON Schema 2020-12), not
in the 3.0 translation Connexion routes with (issue 20, item 1)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from tests.support import Served, serve

BODY = {
    "type": "object",
    "required": ["point", "kind"],
    "properties": {
        "point": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}], "items": False},
        "kind": {"const": "pin"},
        "note": {"type": ["string", "null"], "maxLength": 5},
        "card": {"type": "string"},
        "cvv": {"type": "string"},
        "timeout": {"type": "integer", "nullable": True},  # 3.0's keyword, still written in 3.1 (Together)
        "size": {"type": "string", "enum": ["s", "m"], "nullable": True},
        "shape": {"type": "object", "nullable": True, "anyOf": [{"required": ["sides"]}, {"required": ["radius"]}]},
    },
    "dependentRequired": {"card": ["cvv"]},
    "unevaluatedProperties": False,
}


def document(version: str) -> dict[str, Any]:
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
    refused = {"description": "bad", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Bad"}}}}
    return {
        "openapi": version,
        "info": {"title": "Pins", "version": "1"},
        "paths": {
            "/pins": {
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pin"}}},
                    },
                    "responses": {**ok, "400": refused},
                }
            }
        },
        "components": {
            "schemas": {
                "Pin": BODY,
                "Bad": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}},
            }
        },
    }


@pytest.fixture(scope="module")
def pins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("pins")
    (folder / "pins.json").write_text(json.dumps(document("3.1.0")))
    yield from serve(specs=[str(folder / "pins.json")], no_bundled_fixtures=True)


GOOD = {"point": [1.5, 2], "kind": "pin", "note": None, "card": "4242", "cvv": "123"}


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({**GOOD, "point": [1, "north"]}, "prefixItems"),
        ({**GOOD, "point": [1, 2, 3]}, "items: false after the prefix"),
        ({**GOOD, "kind": "flag"}, "const"),
        ({**GOOD, "note": 5}, "type array"),
        ({k: v for k, v in GOOD.items() if k != "cvv"}, "dependentRequired"),
        ({**GOOD, "colour": "red"}, "unevaluatedProperties"),
    ],
)
def test_a_body_that_breaks_a_2020_12_keyword_is_refused_with_the_documented_error(
    pins: Served, body: dict[str, Any], why: str
) -> None:
    refused = pins.unchecked.post("/pins", json=body)
    assert refused.status_code == 400, why
    assert isinstance(refused.json()["message"], str)


def test_a_body_that_fits_as_written_is_answered(pins: Served) -> None:
    assert pins.unchecked.post("/pins", json=GOOD).status_code == 200
    assert pins.unchecked.post("/pins", json={"point": [0, 0], "kind": "pin"}).status_code == 200


def test_not_json_at_all_is_refused_too(pins: Served) -> None:
    refused = pins.unchecked.post("/pins", content=b"{", headers={"Content-Type": "application/json"})
    assert refused.status_code == 400


def test_a_null_the_document_says_nullable_to_is_taken_though_3_1_has_no_such_keyword(pins: Served) -> None:
    """Together's 3.1 document writes `inactive_timeout: {type: integer, nullable: true}` and
    says "set to null ... to disable": its server takes null, and so does jobmock (a 400 before,
    which `jobmock check` reported as a valid request refused). Only where it says so."""
    nulls = (
        {**GOOD, "timeout": None},
        {**GOOD, "size": None},
        {**GOOD, "shape": None},
        {**GOOD, "shape": {"sides": 3}},
    )
    for body in (*nulls, {**GOOD, "timeout": 60, "size": "m"}):
        assert pins.unchecked.post("/pins", json=body).status_code == 200, body
    for body in ({**GOOD, "card": None}, {**GOOD, "size": "xl"}, {**GOOD, "timeout": "soon"}, {**GOOD, "shape": {}}):
        assert pins.unchecked.post("/pins", json=body).status_code == 400, body
