"""Path parameters holding an encoded `/` or a line break, routed by the raw path
(`server/adapters/raw_paths.py`): the operation whose template the path fills answers, with
the value decoded exactly once; a path that fills no template is a 404, whatever its decoded
form would reach."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from tests.support import Served, serve

from jobmock.server.adapters.raw_paths import canonical, needs_raw_routing, raw_routes, route


def _ok(body: Any) -> dict[str, Any]:
    return {"200": {"description": "ok", "content": {"application/json": {"schema": {}, "example": body}}}}


ERROR = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}
REFUSED = {"400": {"description": "bad", "content": {"application/json": {"schema": ERROR}}}}
MODELS = ["ft:gpt-4o/my-org:custom", "foo/bar", "a\nb"]
MODEL = {"name": "model", "in": "path", "required": True, "schema": {"type": "string", "enum": MODELS}}
DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Models", "version": "1"},
    "servers": [{"url": "https://api.example.com/v1"}],
    "security": [{"key": []}],
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}},
    "paths": {
        "/models/list": {"get": {"responses": _ok({"op": "list"})}},
        "/models/{model}": {"get": {"parameters": [MODEL], "responses": {**_ok({"op": "model"}), **REFUSED}}},
        "/models/{model}/versions": {"get": {"parameters": [MODEL], "responses": _ok({"op": "versions"})}},
        "/files/{name}": {
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {"responses": _ok({"op": "file"})},
        },
        "/items/{n}": {
            "get": {
                "parameters": [{"name": "n", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {**_ok({"op": "item"}), **REFUSED},
            }
        },
    },
}
KEY = {"X-Key": "k"}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("models")
    (folder / "models.json").write_text(json.dumps(DOCUMENT))
    yield from serve(specs=[str(folder / "models.json"), "neuraldraft"])  # two APIs: each under its /<name>


def test_a_value_with_an_encoded_slash_reaches_its_operation_decoded_once(models: Served) -> None:
    for value in ("ft%3Agpt-4o%2Fmy-org%3Acustom", "foo%2Fbar", "foo%2fbar", "a%0Ab"):
        found = models.unchecked.get(f"/models/v1/models/{value}", headers=KEY)
        assert (found.status_code, found.json()) == (200, {"op": "model"}), value
    versions = models.unchecked.get("/models/v1/models/foo%2Fbar/versions", headers=KEY)
    assert versions.json() == {"op": "versions"}


def test_the_value_is_judged_by_the_document_as_the_client_meant_it(models: Served) -> None:
    """Validated decoded once: `foo%252Fbar` is the text `foo%2Fbar`, not in the enum; a
    value that is not in it is refused with the operation's documented error, naming it."""
    for value, meant in (("foo%252Fbar", "foo%2Fbar"), ("foo%2Fbaz", "foo/baz")):
        refused = models.unchecked.get(f"/models/v1/models/{value}", headers=KEY)
        assert refused.status_code == 400, value
        assert repr(meant) in refused.json()["detail"]
    item = models.unchecked.get("/items/v1/items/1%2F2", headers=KEY)  # not the integer its template asks for
    assert item.status_code in (400, 404)
    assert models.unchecked.get("/models/v1/items/1%2F2", headers=KEY).status_code == 400
    assert models.unchecked.get("/models/v1/items/12", headers=KEY).json() == {"op": "item"}


def test_an_encoded_slash_is_never_a_segment_boundary(models: Served) -> None:
    """Dot segments and slashes inside a value stay in it: the operation whose template the
    path fills answers, never the one its decoded form would reach."""
    for value in ("..%2Fmodels%2Flist", "%2e%2e%2Fmodels%2Flist", "..%2F..%2Fmodels%2Flist", "x%2F..%2F..%2Fmodels"):
        assert models.unchecked.get(f"/models/v1/files/{value}", headers=KEY).json() == {"op": "file"}, value
    for path in (
        "/models/v1/models%2Flist",
        "/models%2Fv1/models/list",
        "/models/v1%2Ffiles/x",
        "/models/v1/files%2Fx",
    ):
        assert models.unchecked.get(path, headers=KEY).status_code == 404, path
    # the literal segment is matched as written, not decoded into one: `list%2F` is a model's value
    assert models.unchecked.get("/models/v1/models/list%2F", headers=KEY).status_code == 400


def test_security_still_guards_an_operation_routed_by_its_raw_path(models: Served) -> None:
    assert models.unchecked.get("/models/v1/models/foo%2Fbar").status_code == 401
    assert models.unchecked.post("/models/v1/models/foo%2Fbar", headers=KEY).status_code == 405


def test_a_poll_whose_id_holds_a_slash_is_answered_by_the_poll(models: Served) -> None:
    """The bundled neuraldraft's poll, `GET /v1/jobs/{id}`: an id with `/` or a line break is
    none of its jobs (its ids are `job_` and 12 letters or digits): the poll's own 404."""
    auth = models.auth("neuraldraft")
    for written in ("job_abc%2Fdef1234", "job_abc%0Adef1234"):
        polled = models.unchecked.get(f"/neuraldraft/v1/jobs/{written}", headers=auth)
        assert (polled.status_code, polled.json()["error"]["message"]) == (404, "Job not found."), written
    # the poll's template is filled only by a path whose `/`s are where the template's are
    for path in ("/neuraldraft/v1%2Fjobs/job_abcdef123456", "/neuraldraft%2Fv1/jobs/job_abcdef123456"):
        missing = models.unchecked.get(path, headers=auth)
        assert (missing.status_code, missing.json()["error"]["message"]) == (404, "Not Found"), path
    assert models.unchecked.get("/neuraldraft/v1/jobs/job_abc%2Fdef1234").status_code == 401


def test_an_encoded_slash_in_a_control_path_is_a_value_too(models: Served) -> None:
    found = models.unchecked.get("/_jobmock/jobs/x%2Fy")
    assert found.status_code == 404 and "x/y" in found.json()["detail"]
    assert models.unchecked.get("/_jobmock%2Fjobs").json()["detail"] == "Not Found"


def _scope(raw: bytes, path: str, root: str = "") -> dict[str, Any]:
    return {"type": "http", "raw_path": raw, "path": path, "root_path": root}


def test_only_an_encoded_slash_or_line_break_asks_for_raw_routing() -> None:
    assert needs_raw_routing(_scope(b"/a/b%2Fc", "/a/b/c"))
    assert needs_raw_routing(_scope(b"/a/b%0ac", "/a/b\nc"))
    assert not needs_raw_routing(_scope(b"/a/b%252Fc", "/a/b%2Fc"))
    assert not needs_raw_routing(_scope(b"/a/b?x=%2F", "/a/b"))
    assert not needs_raw_routing({"type": "http", "path": "/a"})


def test_the_canonical_path_is_under_the_root_path_and_keeps_encoded_slashes_apart() -> None:
    assert canonical(_scope(b"/api/m/a%2Fb%3A", "/api/m/a/b:", "/api")) == "/m/a%2Fb%3A"
    assert canonical(_scope(b"/m/a%2Fb", "/m/a/b", "/api")) == "/m/a%2Fb"  # a server that left the root out
    assert canonical(_scope(b"/m/a%2Fb", "/m/other")) is None  # a raw path that is not the routed one


def test_routes_follow_the_order_connexion_routes_in() -> None:
    document = {
        "paths": {
            "/t/{id}/paragraphs": {"get": {"operationId": "paragraphs"}},
            "/t/{id}/{format}": {"get": {"operationId": "format"}, "post": {"operationId": "formatPost"}},
            "/t/{n}": {
                "get": {"operationId": "n", "parameters": [{"name": "n", "in": "path", "schema": {"type": "integer"}}]}
            },
            "/p/{rest}": {
                "get": {
                    "operationId": "rest",
                    "parameters": [{"name": "rest", "in": "path", "schema": {"type": "string", "format": "path"}}],
                }
            },
            "/_": {"get": {"operationId": "literal"}},
            "/{x}": {"get": {"operationId": "x"}},
        }
    }
    routes = raw_routes("/b", document)
    found = route(routes, "/b/t/a%2Fb/paragraphs", "GET")
    assert (found.operation_id, found.params, found.stand_in) == ("paragraphs", {"id": "a/b"}, "/b/t/__/paragraphs")
    assert route(routes, "/b/t/a/b%2Fc", "HEAD").operation_id == "format"
    assert route(routes, "/b/t/a/b%2Fc", "DELETE").operation_id is None  # Connexion answers its 405
    assert route(routes, "/b/t/1%2F2", "GET").stand_in == "/b/t/0"  # digits for Connexion's int converter
    assert route(routes, "/b/p/a/b%2Fc", "GET").params == {"rest": "a/b/c"}
    assert route(routes, "/b/a%2Fb", "GET").stand_in == "/b/__"  # `_` is a literal segment: not a stand-in
    assert route(routes, "/c/a%2Fb", "GET").stand_in is None
