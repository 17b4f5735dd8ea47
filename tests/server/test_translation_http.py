"""What the 3.0 copy Connexion routes with must keep as the vendor wrote it, over HTTP (found
serving the corpus, tests/corpus): a literal path segment routed before a template in its
place; a parameter whose schema is a `$ref` beside a `description`; a path parameter
declared by a `$ref`; form bodies (multipart and urlencoded) whose fields are files inside
an `anyOf`, JSON objects, numbers, arrays, or have no `type` at all. Each is answered 200
when valid and refused with the documented error when not, never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import Served, serve

OK: dict[str, Any] = {
    "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
    "400": {"description": "bad", "content": {"application/json": {"example": {"error": "bad request"}}}},
}
FORM = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"anyOf": [{"type": "string", "contentMediaType": "audio/*"}, {"$ref": "#/components/schemas/Ref"}]},
        "options": {"type": "object", "required": ["anchor"], "properties": {"anchor": {"type": "string"}}},
        "temperature": {"type": "number", "maximum": 2},
        "language": {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "stream": {"type": "boolean"},
    },
}


def document(version: str) -> dict[str, Any]:
    return {
        "openapi": version,
        "info": {"title": "Forms", "version": "1"},
        "paths": {
            "/t/{id}/{format}": {
                "get": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "format", "in": "path", "required": True, "schema": {"enum": ["srt", "vtt"]}},
                    ],
                    "responses": OK,
                }
            },
            "/t/{id}/paragraphs": {
                "get": {
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": OK,
                }
            },
            "/things/{thing}": {
                "parameters": [{"$ref": "#/components/parameters/Thing"}],
                "get": {"responses": OK},
            },
            "/resources": {
                "get": {
                    "parameters": [
                        {
                            "name": "cursor",
                            "in": "query",
                            "schema": {"anyOf": [{"$ref": "#/components/schemas/Cursor"}, {"type": "null"}]},
                        },
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {
                                "anyOf": [
                                    {"type": "array", "items": {"$ref": "#/components/schemas/Kind"}},
                                    {"type": "null"},
                                ]
                            },
                        },
                        {
                            "name": "kind",
                            "in": "query",
                            "required": True,
                            "schema": {"description": "the kind", "$ref": "#/components/schemas/Kind"},
                        },
                    ],
                    "responses": OK,
                }
            },
            "/upload": {
                "post": {
                    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": FORM}}},
                    "responses": OK,
                }
            },
            "/labels": {  # Prometheus': every field optional, the body required
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"match[]": {"type": "array", "items": {"type": "string"}}},
                                }
                            }
                        },
                    },
                    "responses": OK,
                }
            },
            "/export": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {"$ref": "#/components/schemas/Export"},
                            }
                        }
                    },
                    "responses": OK,
                }
            },
        },
        "components": {
            "parameters": {"Thing": {"name": "thing", "in": "path", "required": True, "schema": {"type": "integer"}}},
            "schemas": {
                "Kind": {"type": "string", "enum": ["voice", "project"]},
                "Cursor": {"type": "integer", "minimum": 0},
                "Ref": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
                "Export": {
                    "type": "object",
                    "required": ["StartDay"],
                    "properties": {
                        "StartDay": {"type": "string"},
                        "Days": {"type": "integer", "minimum": 1},
                        "Method": {"anyOf": [{"enum": ["GET", "POST"]}, {"type": "string", "maxLength": 0}]},
                    },
                },
            },
        },
    }


@pytest.fixture(scope="module", params=["3.0.3", "3.1.0"])
def forms(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("forms")
    spec = document(request.param)
    if request.param.startswith("3.0"):  # no contentMediaType, no `null` type in 3.0
        spec["paths"]["/upload"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"] = json.loads(
            json.dumps(FORM)
            .replace('"contentMediaType": "audio/*"', '"format": "binary"')
            .replace(
                '{"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}]}',
                '{"type": "string", "maxLength": 5, "nullable": true}',
            )
        )
        for param in spec["paths"]["/resources"]["get"]["parameters"][:2]:
            param["schema"]["anyOf"][1] = {"enum": [None], "nullable": True}
    (folder / "forms.json").write_text(json.dumps(spec))
    yield from serve(specs=[str(folder / "forms.json")], no_bundled_fixtures=True)


def test_a_literal_segment_is_routed_before_a_template_in_its_place(forms: Served) -> None:
    assert forms.unchecked.get("/t/abc/paragraphs").status_code == 200
    assert forms.unchecked.get("/t/abc/srt").status_code == 200
    assert forms.unchecked.get("/t/abc/doc").status_code == 400


def test_a_path_parameter_declared_by_ref_is_read_as_its_schema_says(forms: Served) -> None:
    """Vulcan's integer ids, declared by `$ref` on the path item: `/things/61` is an integer."""
    assert forms.unchecked.get("/things/61").status_code == 200
    assert forms.unchecked.get("/things/sixty").status_code == 404  # as an inline integer: routed by its type


def test_parameter_schemas_with_no_type_at_their_top_are_read(forms: Served) -> None:
    """A `$ref` beside a `description`, a 3.1 `anyOf` of a `$ref` and null (FastAPI's
    optional parameters): Connexion reads a parameter's `type`, found where it is implied."""
    assert forms.unchecked.get("/resources", params={"kind": "voice"}).status_code == 200
    assert forms.unchecked.get("/resources", params={"kind": "voice", "cursor": "3"}).status_code == 200
    assert forms.unchecked.get("/resources", params={"kind": "voice", "cursor": "-3"}).status_code == 400
    listed = forms.unchecked.get("/resources", params=[("kind", "voice"), ("status", "voice"), ("status", "project")])
    assert listed.status_code == 200
    assert forms.unchecked.get("/resources", params={"kind": "voice", "status": "car"}).status_code == 400
    refused = forms.unchecked.get("/resources", params={"kind": "car"})
    assert refused.status_code == 400
    assert refused.json() == {"error": "bad request"}


def test_a_multipart_form_is_read_as_its_schema_says(forms: Served) -> None:
    fields = {
        "options": json.dumps({"anchor": "created_at"}),
        "temperature": "0.5",
        "language": "nl",
        "tags": ["a", "b"],
        "stream": "true",
    }
    sent = forms.unchecked.post("/upload", data=fields, files={"file": ("a.wav", b"RIFF", "audio/wav")})
    assert sent.status_code == 200, sent.text
    for bad in ({"temperature": "3"}, {"temperature": "warm"}, {"options": "{}"}, {"language": "too long"}):
        refused = forms.unchecked.post("/upload", data={**fields, **bad}, files={"file": ("a.wav", b"RIFF")})
        assert refused.status_code == 400, (bad, refused.text)
    missing = forms.unchecked.post("/upload", data=fields, files={"other": ("a.wav", b"RIFF")})
    assert missing.status_code == 400


def test_an_urlencoded_form_with_a_field_of_no_type_is_read(forms: Served) -> None:
    sent = forms.unchecked.post("/export", data={"StartDay": "2025-01-01", "Days": "3", "Method": "POST"})
    assert sent.status_code == 200, sent.text
    assert forms.unchecked.post("/export", data={"StartDay": "x", "Days": "0"}).status_code == 400
    assert forms.unchecked.post("/export", data={"StartDay": "x", "Method": "PUT"}).status_code == 400


def test_no_body_is_an_empty_urlencoded_form_which_its_schema_may_take(forms: Served) -> None:
    """Prometheus' POST /labels with no field asks for every label: it was refused, "RequestBody is required"."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert forms.unchecked.post("/labels", headers=headers).status_code == 200
    assert forms.unchecked.post("/labels", data={"match[]": ["up", "down"]}).status_code == 200
    refused = forms.unchecked.post("/export", headers=headers)  # its schema requires a field
    assert refused.status_code == 400


def test_a_parameter_whose_types_are_mixed_is_answered_not_a_500(tmp_path: Path) -> None:
    import httpx

    import jobmock
    from support import BackgroundServer

    mixed = {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]}
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "mixed", "version": "1"},
        "paths": {
            "/agents": {
                "get": {
                    "parameters": [{"name": "version", "in": "query", "schema": mixed}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}},
                }
            }
        },
    }
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(doc))
    app = jobmock.create(specs=[str(path)], no_bundled_fixtures=True)
    with BackgroundServer(app) as server:
        for value in ("3", "latest", ""):
            assert httpx.get(server.url + "/agents", params={"version": value}).status_code == 200
