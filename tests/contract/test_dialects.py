"""The 3.0 copy Connexion routes with, construct by construct (issue 20, item 1): each
2020-12 or 3.2 construct of a vendor's document becomes what Connexion reads with the same
meaning, or a note naming where it is not served; the document as written is never changed.

Each translated schema is also held to its original by a real validator: a value the
original accepts is accepted by the translation (Connexion must not refuse what the vendor
allows), on sample values."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator, OAS31Validator

from jobmock.contract.dialects import SOURCE, dialect_of, for_connexion


def document(schema: Any = None, version: str = "3.1.0", **extra: Any) -> dict[str, Any]:
    """A document with one operation whose JSON body and 200 answer are `schema`."""
    content = {"application/json": {"schema": schema if schema is not None else {"type": "object"}}}
    return {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {
                "post": {
                    "operationId": "makeThing",
                    "requestBody": {"content": copy.deepcopy(content)},
                    "responses": {"200": {"description": "ok", "content": copy.deepcopy(content)}},
                }
            }
        },
        **extra,
    }


def translated(schema: Any) -> Any:
    routed, _notes = for_connexion(document(schema))
    return routed["paths"]["/things"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]


def agrees(original: Any, translation: Any, values: list[Any]) -> None:
    """Every value the original (2020-12) accepts, the translation (3.0) accepts too, and for
    these samples they agree on refusals as well."""
    for value in values:
        before = OAS31Validator(original).is_valid(value)
        after = OAS30Validator(translation).is_valid(value)
        assert before == after, f"{json.dumps(value)}: as written {before}, translated {after}"


VERSIONS = [("3.0.3", "3.0"), ("3.1.0", "3.1"), ("3.1.1", "3.1"), ("3.2.0", "3.2"), ("2.0", None), ("3", None)]


@pytest.mark.parametrize(("version", "dialect"), VERSIONS)
def test_the_dialect_of_a_version(version: str, dialect: str | None) -> None:
    assert dialect_of(version) == dialect


def test_a_type_array_with_null_is_a_nullable_type() -> None:
    schema = {"type": ["string", "null"], "maxLength": 3}
    assert translated(schema) == {"type": "string", "nullable": True, "maxLength": 3}
    agrees(schema, translated(schema), ["abc", None, "abcd", 5])


def test_several_types_are_alternatives() -> None:
    schema = {"type": ["integer", "string", "null"]}
    out = translated(schema)
    assert out["nullable"] is True and {"type": "integer"} in out["anyOf"] and {"type": "string"} in out["anyOf"]
    agrees(schema, out, [1, "a", None, 1.5, [], {}])


def test_only_null_is_the_null_value() -> None:
    schema = {"type": "null"}
    agrees(schema, translated(schema), [None, 0, ""])


def test_const_is_a_one_value_enum() -> None:
    schema = {"const": "pin"}
    assert translated(schema) == {"enum": ["pin"]}
    agrees(schema, translated(schema), ["pin", "flag", None])


def test_examples_give_the_first_as_example() -> None:
    out = translated({"type": "string", "examples": ["a", "b"]})
    assert out == {"type": "string", "example": "a"}


@pytest.mark.parametrize(
    ("schema", "values"),
    [
        ({"type": "number", "exclusiveMinimum": 0}, [0, 0.1, -1]),
        ({"type": "number", "exclusiveMaximum": 10}, [10, 9.9, 11]),
        ({"type": "integer", "minimum": 5, "exclusiveMinimum": 0}, [0, 1, 5, 6]),
        ({"type": "integer", "exclusiveMinimum": 0, "minimum": 5}, [0, 1, 5, 6]),
        ({"type": "integer", "minimum": 0, "exclusiveMinimum": 5}, [0, 5, 6]),
        ({"type": "integer", "maximum": 9223372036854775807}, [9223372036854775807, 9223372036854775808]),
    ],
)
def test_numeric_bounds_keep_their_meaning(schema: dict[str, Any], values: list[Any]) -> None:
    agrees(schema, translated(schema), values)


def test_a_ref_with_siblings_keeps_both() -> None:
    doc = document({"$ref": "#/components/schemas/Name", "maxLength": 3})
    doc["components"] = {"schemas": {"Name": {"type": "string", "minLength": 2}}}
    routed, _ = for_connexion(doc)
    out = routed["paths"]["/things"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert out == {"allOf": [{"$ref": "#/components/schemas/Name"}, {"maxLength": 3}]}


def test_in_30_a_refs_siblings_are_ignored_as_30_says() -> None:
    doc = document({"$ref": "#/components/schemas/Name", "maxLength": 3}, version="3.0.3")
    doc["components"] = {"schemas": {"Name": {"type": "string"}}}
    routed, _ = for_connexion(doc)
    out = routed["paths"]["/things"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert out == {"$ref": "#/components/schemas/Name"}


def test_defs_move_where_30_allows_them_and_their_refs_follow() -> None:
    schema = {"type": "object", "properties": {"p": {"$ref": "#/components/schemas/Box/$defs/Point"}}}
    doc = document(schema)
    doc["components"] = {"schemas": {"Box": {"type": "object", "$defs": {"Point": {"type": "integer"}}}}}
    routed, _ = for_connexion(doc)
    box = routed["components"]["schemas"]["Box"]
    assert "$defs" not in box and box["x-jobmock-defs"] == {"Point": {"type": "integer"}}
    body = routed["paths"]["/things"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["properties"]["p"] == {"$ref": "#/components/schemas/Box/x-jobmock-defs/Point"}


def test_prefix_items_are_left_to_the_dialect_validator_and_arrays_keep_items() -> None:
    schema = {"type": "array", "prefixItems": [{"type": "number"}]}
    assert translated(schema) == {"type": "array", "items": {}}


DROPPED = ["if", "dependentRequired", "unevaluatedProperties", "$schema", "$comment", "patternProperties", "contains"]


@pytest.mark.parametrize("keyword", DROPPED)
def test_2020_12_keywords_30_has_no_room_for_are_left_out(keyword: str) -> None:
    schema = {"type": "object", keyword: {}}
    assert keyword not in translated(schema)


def test_boolean_schemas() -> None:
    assert translated({"type": "object", "properties": {"any": True, "none": False}})["properties"] == {
        "any": {},
        "none": {"not": {}},
    }


def test_empty_required_and_enum_lists_are_dropped() -> None:
    assert translated({"type": "object", "required": [], "properties": {}}) == {"type": "object", "properties": {}}


def test_a_request_body_schema_points_at_itself_as_written() -> None:
    routed, _ = for_connexion(document({"type": "object"}))
    body = routed["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body[SOURCE] == "#/paths/~1things/post/requestBody/content/application~1json/schema"
    answer = routed["paths"]["/things"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert SOURCE not in answer


def test_the_document_as_written_is_never_changed() -> None:
    doc = document({"type": ["string", "null"], "const": "a", "$defs": {"x": True}})
    doc["webhooks"] = {"done": {"post": {"responses": {"200": {"description": "ok"}}}}}
    before = copy.deepcopy(doc)
    routed, _ = for_connexion(doc)
    assert doc == before
    assert routed["openapi"] == "3.0.3"


def test_an_operation_without_responses_or_operation_id_gets_them() -> None:
    doc = document()
    doc["paths"]["/things"]["get"] = {}
    routed, _ = for_connexion(doc)
    operation = routed["paths"]["/things"]["get"]
    assert operation["responses"] == {"default": {"description": "not documented"}}
    assert operation["operationId"] == "get /things"


def notes(doc: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, note.where))}: {note.message}" for note in for_connexion(doc)[1]]


def test_what_cannot_be_served_is_a_note_naming_its_place() -> None:
    doc = document(
        webhooks={"done": {"post": {"responses": {"200": {"description": "ok"}}}}},
        components={"securitySchemes": {"tls": {"type": "mutualTLS"}}},
        version="3.2.0",
    )
    doc["paths"]["/things"]["post"]["callbacks"] = {"done": {}}
    doc["paths"]["/things"]["query"] = {"responses": {"200": {"description": "ok"}}}
    doc["paths"]["/live"] = {"get": {"responses": {"101": {"description": "switching"}}}}
    doc["paths"]["/things"]["post"]["parameters"] = [{"in": "querystring", "name": "q", "content": {}}]
    found = notes(doc)
    assert any(n.startswith("webhooks:") for n in found)
    assert any(n.startswith("paths//things/post/callbacks:") for n in found)
    assert any(n.startswith("paths//things/query:") and "QUERY" in n for n in found)
    assert any(n.startswith("paths//live/get:") and "1xx" in n for n in found)
    assert any(n.startswith("paths//things/post/parameters/0:") and "querystring" in n for n in found)
    assert any(n.startswith("components/securitySchemes/tls:") and "mutualTLS" in n for n in found)
    routed, _ = for_connexion(doc)
    assert "/live" not in routed["paths"] or "get" not in routed["paths"]["/live"]
    assert "tls" not in routed["components"]["securitySchemes"]


def test_path_item_parameters_go_to_each_operation_that_does_not_declare_them_again() -> None:
    doc = document()
    doc["paths"]["/c/{id}"] = {
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                       {"name": "v", "in": "query", "schema": {"type": "string"}}],
        "get": {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok"}}},
        "delete": {"responses": {"204": {"description": "gone"}}},
    }  # fmt: skip
    routed, _ = for_connexion(doc)
    item = routed["paths"]["/c/{id}"]
    assert "parameters" not in item
    assert [(p["name"], p["schema"]["type"]) for p in item["get"]["parameters"]] == [("v", "string"), ("id", "string")]
    assert [(p["name"], p["schema"]["type"]) for p in item["delete"]["parameters"]] == [
        ("id", "integer"),
        ("v", "string"),
    ]


def test_a_path_name_nobody_declared_is_a_string_and_a_declared_name_the_path_lacks_is_left_out() -> None:
    doc = document()
    doc["paths"]["/a/{id}"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    doc["paths"]["/b"] = {"get": {"parameters": [{"name": "x", "in": "path", "required": True, "schema": {}}],
                                  "responses": {"200": {"description": "ok"}}}}  # fmt: skip
    routed, _ = for_connexion(doc)
    assert routed["paths"]["/a/{id}"]["get"]["parameters"] == [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    assert routed["paths"]["/b"]["get"]["parameters"] == []


def test_a_path_parameter_declared_by_ref_keeps_its_schema() -> None:
    """Vulcan's (tests/corpus) `{$ref: '#/components/parameters/ComponentId'}`, an integer,
    on the path item and on operations: it declares its name, so none is added as a string
    (which Connexion read instead, refusing `/components/61` as "'61' is not of type
    'integer'"); an operation's own `$ref` replaces the path item's of the same name."""
    doc = document(version="3.2.0")
    doc["components"] = {"parameters": {
        "Id": {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
        "IdText": {"$ref": "#/components/parameters/IdAsText"},
        "IdAsText": {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
        "Stray": {"name": "stray", "in": "path", "required": True, "schema": {"type": "string"}},
    }}  # fmt: skip
    doc["paths"]["/c/{id}"] = {
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "get": {"responses": {"200": {"description": "ok"}}},
        "put": {
            "parameters": [{"$ref": "#/components/parameters/IdText"}],
            "responses": {"200": {"description": "ok"}},
        },
    }
    doc["paths"]["/d/{id}"] = {
        "get": {
            "parameters": [{"$ref": "#/components/parameters/Id"}, {"$ref": "#/components/parameters/Stray"}],
            "responses": {"200": {"description": "ok"}},
        }
    }
    routed, _ = for_connexion(doc)
    assert routed["paths"]["/c/{id}"]["get"]["parameters"] == [{"$ref": "#/components/parameters/Id"}]
    assert routed["paths"]["/c/{id}"]["put"]["parameters"] == [{"$ref": "#/components/parameters/IdText"}]
    assert routed["paths"]["/d/{id}"]["get"]["parameters"] == [{"$ref": "#/components/parameters/Id"}]


def test_a_parameter_with_content_is_text_to_connexion() -> None:
    doc = document()
    parameter = {"name": "filter", "in": "query", "content": {"application/json": {"schema": {"type": "object"}}}}
    doc["paths"]["/q"] = {"get": {"parameters": [parameter], "responses": {"200": {"description": "ok"}}}}
    routed, _ = for_connexion(doc)
    assert routed["paths"]["/q"]["get"]["parameters"] == [
        {"name": "filter", "in": "query", "schema": {"type": "string"}}
    ]


def test_a_path_keys_fragment_is_no_part_of_the_url() -> None:
    ok = {"200": {"description": "ok"}}
    doc = document()
    doc["paths"]["/c/{id}#byId"] = {"get": {"responses": ok}, "delete": {"responses": ok}}
    doc["paths"]["/things#stream"] = {"post": {"responses": ok}, "put": {"responses": ok}}
    routed, found = for_connexion(doc)
    assert sorted(routed["paths"]["/c/{id}"]) == ["delete", "get"]
    assert routed["paths"]["/things"]["post"]["operationId"] == "makeThing"  # the one without a fragment
    assert "put" in routed["paths"]["/things"]
    assert not any("#" in path for path in routed["paths"])
    assert [(n.where, n.message) for n in found] == [
        (("paths", "/things#stream", "post"), "not served: POST /things is, which the document has too")
    ]
