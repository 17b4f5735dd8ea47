"""Operations that are not about a job, served from a document with no x-jobmock: the
documented status, the document's example or schema-valid data, the same for the same
request, and the document's own error responses (issue 20, item 2)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator, OAS31Validator, oas30_format_checker, oas31_format_checker
from tests.support import Served, serve

THING = {
    "type": "object",
    "required": ["id", "name", "kind", "created_at", "tags"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string", "minLength": 1},
        "kind": {"const": "thing"},
        "created_at": {"type": "string", "format": "date-time"},
        "archived_at": {"type": ["string", "null"], "format": "date-time"},
        "score": {"type": "integer", "minimum": 0, "maximum": 9223372036854775807},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["red", "green"]}},
        "owner": {"$ref": "#/components/schemas/Person"},
    },
}
PERSON = {
    "type": "object",
    "required": ["email"],
    "properties": {"email": {"type": "string", "format": "email"}, "manager": {"$ref": "#/components/schemas/Person"}},
}
ERROR = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}
EXAMPLE = {
    "id": "0b7e4a34-6a8e-4c63-9c77-c3f1d6e4a2b1",
    "name": "Lamp",
    "kind": "thing",
    "created_at": "2025-03-01T10:00:00Z",
    "tags": ["red"],
}


def _json(schema: Any, **media: Any) -> dict[str, Any]:
    return {"application/json": {"schema": schema, **media}}


DOCUMENT_31: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Things", "version": "1"},
    "servers": [{"url": "https://api.example.com/v2"}],
    "paths": {
        "/things": {
            "get": {  # no operationId anywhere: each operation is still told apart
                "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
                "responses": {"200": {"description": "ok", "content": _json({"type": "array", "items": THING})}},
            },
            "post": {
                "requestBody": {
                    "required": True,
                    "content": _json(
                        {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
                    ),
                },
                "responses": {
                    "201": {"description": "made", "content": _json({"$ref": "#/components/schemas/Thing"})},
                    "422": {"description": "invalid", "content": _json({"$ref": "#/components/schemas/Error"})},
                },
            },
        },
        "/things/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": _json(
                            {"$ref": "#/components/schemas/Thing"},
                            examples={"lamp": {"value": EXAMPLE}, "chair": {"value": {**EXAMPLE, "name": "Chair"}}},
                        ),
                    },
                    "404": {
                        "description": "none",
                        "content": _json({"$ref": "#/components/schemas/Error"}, example={"detail": "No such thing"}),
                    },
                },
            },
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
        "/broken-example": {
            "get": {"responses": {"200": {"description": "ok", "content": _json(THING, example={"name": 5})}}}
        },
        "/report": {
            "get": {
                "responses": {
                    "200": {
                        "description": "ok",
                        "headers": {"X-Rows": {"schema": {"type": "integer"}, "required": True}},
                        "content": {
                            "application/json": {"schema": {"type": "object"}, "example": {"rows": 2}},
                            "text/csv": {"schema": {"type": "string"}, "example": "a,b\n1,2\n"},
                        },
                    }
                }
            }
        },
        "/upload": {
            "post": {
                "requestBody": {
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["purpose"],
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "purpose": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"200": {"description": "ok", "content": _json({"$ref": "#/components/schemas/Thing"})}},
            }
        },
    },
    "components": {"schemas": {"Thing": THING, "Person": PERSON, "Error": ERROR}},
}

DOCUMENT_30: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Old things", "version": "1"},
    "paths": {
        "/status": {
            "get": {
                "operationId": "getStatus",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": _json(
                            {
                                "type": "object",
                                "required": ["state", "note"],
                                "properties": {
                                    "state": {"type": "string", "enum": ["up", "down"]},
                                    "note": {"type": "string", "nullable": True},
                                },
                            }
                        ),
                    }
                },
            }
        }
    },
}


@pytest.fixture(scope="module")
def things(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("things")
    (folder / "things.json").write_text(json.dumps(DOCUMENT_31))
    (folder / "old.json").write_text(json.dumps(DOCUMENT_30))
    yield from serve(specs=[str(folder / "things.json"), str(folder / "old.json")])


def fits(document: dict[str, Any], schema: dict[str, Any], value: Any) -> list[str]:
    """What a client's validator says of a value, in the document's dialect."""
    whole = {**document, "allOf": [schema]}
    if document["openapi"].startswith("3.0"):
        validator: Any = OAS30Validator(whole, format_checker=oas30_format_checker)
    else:
        validator = OAS31Validator(whole, format_checker=oas31_format_checker)
    return [e.message for e in validator.iter_errors(value)]


def test_a_list_is_generated_data_that_fits_its_schema_and_is_the_same_for_the_same_request(things: Served) -> None:
    first = things.unchecked.get("/things/v2/things", params={"page": 2})
    again = things.unchecked.get("/things/v2/things", params={"page": 2})
    other = things.unchecked.get("/things/v2/things", params={"page": 3})
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("application/json")
    assert fits(DOCUMENT_31, {"type": "array", "items": THING}, first.json()) == []
    assert first.json() == again.json()
    assert other.json() != first.json()


def test_the_documents_own_example_is_served_and_prefer_picks_another(things: Served) -> None:
    assert things.unchecked.get("/things/v2/things/42").json() == EXAMPLE
    chair = things.unchecked.get("/things/v2/things/42", headers={"Prefer": "example=chair"})
    assert chair.json()["name"] == "Chair"
    dynamic = things.unchecked.get("/things/v2/things/42", headers={"Prefer": "dynamic=true"})
    assert dynamic.json() != EXAMPLE
    assert fits(DOCUMENT_31, {"$ref": "#/components/schemas/Thing"}, dynamic.json()) == []


def test_prefer_code_answers_that_documented_response(things: Served) -> None:
    missing = things.unchecked.get("/things/v2/things/42", headers={"Prefer": "code=404"})
    assert missing.status_code == 404
    assert fits(DOCUMENT_31, ERROR, missing.json()) == []  # the documented 404's shape, with the reason


def test_an_example_that_breaks_its_own_schema_is_replaced_by_data_that_fits(things: Served) -> None:
    answer = things.unchecked.get("/things/v2/broken-example")
    assert answer.status_code == 200
    assert fits(DOCUMENT_31, THING, answer.json()) == []


def test_a_bad_body_gets_the_operations_own_documented_error_with_the_reason(things: Served) -> None:
    refused = things.unchecked.post("/things/v2/things", json={"colour": "red"})
    assert refused.status_code == 422  # the operation documents 422, not 400
    assert fits(DOCUMENT_31, ERROR, refused.json()) == []
    assert "name" in refused.json()["detail"]
    made = things.unchecked.post("/things/v2/things", json={"name": "Lamp"})
    assert made.status_code == 201
    assert fits(DOCUMENT_31, THING, made.json()) == []


def test_no_content_and_accept_and_documented_headers(things: Served) -> None:
    gone = things.unchecked.delete("/things/v2/things/42")
    assert (gone.status_code, gone.content) == (204, b"")
    csv = things.unchecked.get("/things/v2/report", headers={"Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text == "a,b\n1,2\n"
    assert csv.headers["x-rows"].lstrip("-").isdigit()
    assert things.unchecked.get("/things/v2/report").json() == {"rows": 2}


def test_a_multipart_upload_is_answered(things: Served) -> None:
    answer = things.unchecked.post("/things/v2/upload", data={"purpose": "batch"}, files={"file": ("a.txt", b"hello")})
    assert answer.status_code == 200, answer.text
    assert fits(DOCUMENT_31, THING, answer.json()) == []


def test_a_body_that_is_no_multipart_form_is_a_bad_request_not_a_crash(things: Served) -> None:
    """Schemathesis sent ElevenLabs' dubbing create a part with no headers (`[]`): a 500 then."""
    boundary = "a222103b9b30b1f9e8be6882ecedb1d2"
    answer = things.unchecked.post(
        "/things/v2/upload",
        content=f"--{boundary}\r\n[]--{boundary}--\r\n".encode(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert answer.status_code == 400, answer.text
    assert "the body is no form the media type says" in answer.text


def test_a_recursive_schema_is_generated_to_a_bounded_depth(things: Served) -> None:
    for page in range(1, 6):
        body = things.unchecked.get("/things/v2/things", params={"page": page}).json()
        assert fits(DOCUMENT_31, {"type": "array", "items": THING}, body) == []
        assert len(json.dumps(body)) < 100_000


def test_an_openapi_30_document_is_served_beside_it_with_nullable(things: Served) -> None:
    answer = things.unchecked.get("/old/status")
    assert answer.status_code == 200
    assert (
        fits(
            DOCUMENT_30,
            DOCUMENT_30["paths"]["/status"]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
            answer.json(),
        )
        == []
    )


def test_the_served_document_is_the_users_own(things: Served) -> None:
    served = things.unchecked.get("/things/v2/openapi.json").json()
    assert served["openapi"] == "3.1.0"
    assert served["paths"]["/things/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Thing"
    }
    assert "operationId" not in served["paths"]["/things"]["get"]
    as_yaml = things.unchecked.get("/things/v2/openapi.yaml")
    assert as_yaml.status_code == 200 and as_yaml.headers["content-type"] == "application/yaml"
    assert yaml.safe_load(as_yaml.text) == served


def test_a_body_refused_before_any_handler_gets_the_documented_error_too(things: Served) -> None:
    """Not JSON at all, refused by jobmock's screening before Connexion: the operation's 422."""
    refused = things.unchecked.post(
        "/things/v2/things", content=b'{"name": NaN}', headers={"Content-Type": "application/json"}
    )
    assert refused.status_code == 422
    assert fits(DOCUMENT_31, ERROR, refused.json()) == []
    assert "NaN" in refused.json()["detail"]


def test_an_id_with_a_line_break_is_routed_to_its_operation(things: Served) -> None:
    """Starlette's mount pattern stops at a line break: `GET /things/a%0Ab` is routed by its
    raw path (`adapters.raw_paths`), to the operation whose template it fills."""
    found = things.unchecked.get("/things/v2/things/a%0Ab")
    assert found.status_code == 200 and found.json() == EXAMPLE
    assert things.unchecked.delete("/things/v2/things/a%0Ab").status_code == 204


def test_a_path_that_fills_no_template_gets_the_documented_404_of_its_decoded_twin(things: Served) -> None:
    """`/things/v2%2Fthings/x` fills no template (an encoded `/` is no boundary), though its
    decoded form is `GET /things/{id}`'s path: a 404, that operation's documented one."""
    missing = things.unchecked.get("/things/v2%2Fthings/x")
    assert missing.status_code == 404
    assert fits(DOCUMENT_31, ERROR, missing.json()) == []  # the documented 404's shape, with the reason
    assert things.unchecked.delete("/things/v2%2Fthings/x").status_code == 404  # documents no 404: jobmock's own
