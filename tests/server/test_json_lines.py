"""JSON Lines request bodies (`application/x-ndjson`, `application/jsonl`,
`application/x-jsonlines`): a JSON value a line, judged in the document's dialect (an array
schema describes the whole body, any other schema each line), a refusal naming its line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from tests.support import Served, serve

from jobmock.server.adapters.dialect_validators import describes_array, read_lines
from jobmock.server.middleware.screening import MAX_BODY_BYTES

ERROR = {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}
RECORD_31 = {
    "type": "object",
    "required": ["_id"],
    "properties": {"_id": {"type": "string"}, "text": {"type": ["string", "null"]}},
    "dependentRequired": {"text": ["lang"]},  # 2020-12 only: the schema as written judges
}


def _document(version: str, record: dict[str, Any]) -> dict[str, Any]:
    def upsert(media: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "post": {
                "requestBody": {"required": True, "content": {media: {"schema": schema}}},
                "responses": {
                    "201": {"description": "made"},
                    "400": {"description": "bad", "content": {"application/json": {"schema": ERROR}}},
                },
            }
        }

    return {
        "openapi": version,
        "info": {"title": "Records", "version": "1"},
        "paths": {
            "/upsert": upsert("application/x-ndjson", {"type": "array", "items": record, "maxItems": 3}),
            "/each": upsert("application/jsonl", record),
            "/lines": upsert("application/x-jsonlines", {"type": "array", "items": record}),
            "/json": upsert("application/json", record),
        },
    }


RECORD_30 = {
    "type": "object",
    "required": ["_id"],
    "properties": {"_id": {"type": "string"}, "text": {"type": "string", "nullable": True}},
}


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("records")
    (folder / "records.json").write_text(json.dumps(_document("3.1.0", RECORD_31)))
    (folder / "old.json").write_text(json.dumps(_document("3.0.3", RECORD_30)))
    yield from serve(specs=[str(folder / "records.json"), str(folder / "old.json")])


def _post(served: Served, path: str, body: bytes, media: str) -> Any:
    return served.unchecked.post(path, content=body, headers={"Content-Type": media})


def _lines(*values: Any) -> bytes:
    return "".join(json.dumps(v) + "\n" for v in values).encode()


def test_records_a_line_each_are_taken(records: Served) -> None:
    kinds = (("/upsert", "application/x-ndjson"), ("/each", "application/jsonl"), ("/lines", "application/x-jsonlines"))
    for path, media in kinds:
        for api in ("records", "old"):
            body = _lines({"_id": "a"}, {"_id": "b", "text": None, "lang": "en"})
            taken = _post(records, f"/{api}{path}", body, media)
            assert taken.status_code == 201, (api, path, taken.text)
    spaced = b'{"_id": "a"}\r\n\n  \n{"_id": "b"}'  # CRLF, blank lines, no final line break
    assert _post(records, "/records/upsert", spaced, "application/x-ndjson").status_code == 201


def test_an_invalid_line_gets_the_documented_error_naming_it(records: Served) -> None:
    for path, media in (("/upsert", "application/x-ndjson"), ("/each", "application/jsonl")):
        refused = _post(records, f"/records{path}", b'{"_id": "a"}\n\n{"text": "x"}\n', media)
        assert refused.status_code == 400, path
        assert refused.json()["message"].startswith("line 3: "), refused.json()  # the documented body's field
        assert "'_id' is a required property" in refused.json()["message"]
        wrong = _post(records, f"/records{path}", _lines({"_id": "a"}, {"_id": 5}), media)
        assert wrong.json()["message"] == "line 2: 5 is not of type 'string' - '_id'"


def test_each_line_is_judged_in_the_documents_dialect(records: Served) -> None:
    """3.1: `dependentRequired` (no 3.0 form) judges; 3.0: `nullable` does."""
    refused = _post(records, "/records/each", _lines({"_id": "a"}, {"_id": "b", "text": "x"}), "application/jsonl")
    assert refused.status_code == 400 and "'lang' is a dependency of 'text'" in refused.json()["message"]
    assert refused.json()["message"].startswith("line 2: ")
    taken = _post(records, "/old/each", _lines({"_id": "a", "text": None}), "application/jsonl")
    assert taken.status_code == 201


def test_the_whole_body_is_judged_where_the_schema_is_an_array(records: Served) -> None:
    refused = _post(records, "/records/upsert", _lines(*({"_id": str(i)} for i in range(4))), "application/x-ndjson")
    assert refused.status_code == 400 and "is too long" in refused.json()["message"]
    assert not refused.json()["message"].startswith("line")


def test_a_line_that_is_not_json_is_refused_as_a_json_body_is(records: Served) -> None:
    for line in (b"{nope", b'{"_id": NaN}'):
        refused = _post(records, "/records/upsert", b'{"_id": "a"}\n' + line + b"\n", "application/x-ndjson")
        assert refused.status_code == 400
        assert refused.json()["message"].startswith("line 2: the body is not valid JSON")
    not_utf8 = _post(records, "/records/upsert", b'{"_id": "\xff"}\n', "application/x-ndjson")
    assert (not_utf8.status_code, not_utf8.json()["message"]) == (400, "the body is not UTF-8")


def test_an_empty_or_oversized_body_is_refused_as_a_json_body_is(records: Served) -> None:
    for path, media in (("/upsert", "application/x-ndjson"), ("/json", "application/json")):
        empty = _post(records, f"/records{path}", b"", media)
        assert (empty.status_code, empty.json()) == (400, {"message": "RequestBody is required"}), path
        huge = _post(records, f"/records{path}", b" " * (MAX_BODY_BYTES + 1), media)
        assert huge.status_code == 413, path
    blank = _post(records, "/records/upsert", b"\n \n", "application/x-ndjson")
    assert blank.status_code == 400 and blank.json()["message"] == "Request body must not be empty"


def test_lines_are_read_and_schemas_told_apart() -> None:
    read = read_lines('{"a": 1}\r\n\n[2]\n')
    assert read == [{"a": 1}, [2]] and read is not None and read.numbers == [1, 3]
    assert read_lines("\n  \n") is None
    assert describes_array({"type": "array"}) and describes_array({"type": ["array", "null"]})
    assert describes_array({"items": {}}) and not describes_array({"type": "object"})
