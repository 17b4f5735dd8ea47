"""The stateless mocker's answers in detail, as a client reads them (issue 23): how a `Prefer`
header is read, which documented response and media type answer, which example or generated
body, which headers, and the bytes on the wire. HTTP-free: `sim.mocker` is pure."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from jobmock.sim.fakedata import Generator, seeded_faker
from jobmock.sim.mocker import Fits, Mocked, Prefer, media_for, mock, prefer_of, request_seed, response_for

OK = {"description": "ok"}


def never(value: Any, schema: Any) -> bool:
    return False


def always(value: Any, schema: Any) -> bool:
    return True


def refusing(values: set[Any]) -> Fits:
    return lambda value, schema: value not in values


def operation(content: dict[str, Any], status: str = "200", **response: Any) -> dict[str, Any]:
    return {"responses": {status: {**OK, **response, "content": content}}}


EMPTY: dict[str, Any] = {}


def json_of(entry: dict[str, Any]) -> dict[str, Any]:
    return operation({"application/json": entry})


# --- the Prefer header ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "read"),
    [
        ("Code=404", Prefer("404")),
        ("CODE=404, DYNAMIC=True", Prefer("404", None, True)),
        ("respond-async; code=202", Prefer("202")),
        ("wait=5 code=202", Prefer("202")),
        ("code=202,example=small", Prefer("202", "small")),
        ('example="big one"; code=500', Prefer("500", "big one")),
        ("example=big one", Prefer(None, "big")),  # unquoted, a value ends at a space
        ("dynamic=false", Prefer()),
        ("dynamic=trueish", Prefer()),
        ("xcode=500, my-example=x, nodynamic=true", Prefer()),  # part of another preference's name
        ("", Prefer()),
    ],
)
def test_prefer_takes_code_example_and_dynamic_in_any_case_after_any_separator(header: str, read: Prefer) -> None:
    assert prefer_of(header) == read


# --- the documented response ----------------------------------------------------------------


def test_an_asked_status_takes_its_exact_response_before_its_range_and_the_default() -> None:
    exact, by_range, default = ({"description": d} for d in ("exact", "range", "default"))
    assert response_for({"404": exact, "4XX": by_range, "default": default}, "404") == (404, exact)
    assert response_for({"404": exact, "4XX": by_range, "default": default}, "418") == (418, by_range)
    assert response_for({"404": exact, "default": default}, "503") == (503, default)


def test_an_asked_status_that_is_not_a_number_is_ignored() -> None:
    assert response_for({"200": OK, "4XX": OK, "default": OK}, "4XX") == (200, OK)
    assert response_for({"200": OK, "default": OK}, "default") == (200, OK)


def test_status_keys_are_read_in_any_case() -> None:
    small, large = {"description": "2xx"}, {"description": "default"}
    assert response_for({"2xx": small}) == (200, small)
    assert response_for({"Default": large}) == (200, large)
    assert response_for({"4xx": small}, "404") == (404, small)


def test_the_lowest_of_several_success_statuses_answers() -> None:
    responses = {code: {"description": code} for code in ("204", "202", "200", "201")}
    assert response_for(responses) == (200, responses["200"])


def test_the_success_range_answers_before_the_default() -> None:
    success, default = {"description": "2XX"}, {"description": "default"}
    assert response_for({"default": default, "2XX": success}) == (200, success)


def test_without_any_success_the_lowest_final_status_answers() -> None:
    responses = {code: {"description": code} for code in ("500", "101", "404", "302")}
    assert response_for(responses) == (302, responses["302"])
    assert response_for({"400": OK}, "503") == (400, OK)  # asked for one not documented


def test_a_documented_range_alone_answers_with_its_round_status() -> None:
    assert response_for({"4XX": OK}) == (400, OK)
    assert response_for({"5xx": OK}) == (500, OK)
    assert response_for({"101": OK, "3XX": OK}) == (300, OK)


def test_nothing_to_answer_with_only_informational_statuses_or_malformed_responses() -> None:
    assert response_for({"101": OK}) is None
    assert response_for({"1XX": OK}) is None
    assert response_for({"200": "not a response", "404": OK}) == (404, OK)


# --- the media type -------------------------------------------------------------------------


def test_any_media_type_takes_the_first_documented_one() -> None:
    content = {"text/csv": EMPTY, "application/json": EMPTY}
    assert media_for(content, "*/*") == "text/csv"
    assert media_for(content, "image/png, */*;q=0.1") == "text/csv"


def test_accept_ties_go_to_the_type_listed_first() -> None:
    content = {"text/csv": EMPTY, "image/png": EMPTY}
    assert media_for(content, "text/csv, image/png") == "text/csv"
    assert media_for(content, "image/png, text/csv") == "image/png"
    assert media_for(content, "image/png;q=0.5, text/csv;q=0.5") == "image/png"


def test_a_quality_left_unsaid_is_the_highest_and_a_said_one_ranks_as_said() -> None:
    content = {"text/csv": EMPTY, "image/png": EMPTY}
    assert media_for(content, "text/csv;q=1, image/png") == "text/csv"  # a tie: the first listed
    assert media_for(content, "image/png;q=0.25, text/csv;q=0.5") == "text/csv"
    assert media_for(content, "text/csv;q=0.75, image/png;q=0.5") == "text/csv"


def test_a_type_the_client_refuses_or_rates_unreadably_is_not_chosen() -> None:
    content = {"text/csv": EMPTY, "image/png": EMPTY}
    assert media_for(content, "text/csv;q=0, image/png;q=0.1") == "image/png"
    assert media_for(content, "text/csv;q=high, image/png;q=0.1") == "image/png"
    assert media_for(content, "text/csv;q=0") == "text/csv"  # nothing acceptable: the first
    assert media_for({"image/png": EMPTY, "text/csv": EMPTY}, "text/csv;q=0") == "image/png"  # not the refused one
    assert media_for(content, "text/csv;level=1;q=0.2, image/png;q=0.1") == "text/csv"  # other parameters


def test_accept_and_documented_types_match_in_any_case_and_with_parameters() -> None:
    assert media_for({"image/png": EMPTY, "Text/CSV": EMPTY}, " TEXT/csv ; q=0.9") == "Text/CSV"
    keyed = {"image/png": EMPTY, "text/plain; charset=utf-8": EMPTY}
    assert media_for(keyed, "text/plain") == "text/plain; charset=utf-8"


def test_a_wildcard_subtype_takes_only_its_own_top_level_type() -> None:
    content = {"textual/x-thing": EMPTY, "image/png": EMPTY, "text/plain": EMPTY}
    assert media_for(content, "text/*") == "text/plain"
    assert media_for({"image/png": EMPTY, "textual/x-thing": EMPTY}, "text/*") == "image/png"
    assert media_for({"image/png": EMPTY, "text/plain": EMPTY}, "text") == "image/png"  # not a wildcard


@pytest.mark.parametrize("json_type", ["application/json", "Application/JSON", "application/problem+json",
                                       "application/json; charset=utf-8"])  # fmt: skip
def test_json_comes_first_when_the_client_says_nothing(json_type: str) -> None:
    content = {"text/csv": EMPTY, json_type: EMPTY, "application/json-seq": EMPTY}
    assert media_for(content, None) == json_type
    assert media_for(content, "") == json_type


# --- the body -------------------------------------------------------------------------------


def test_no_responses_means_no_content_and_nothing_answerable_an_empty_ok() -> None:
    assert mock({}, 1, never) == Mocked(204, None, None)
    assert mock({"responses": EMPTY}, 1, never) == Mocked(204, None, None)
    assert mock({"responses": {"101": OK}}, 1, never) == Mocked(200, None, None)


def test_an_asked_status_answers_with_its_own_example() -> None:
    op = {
        "responses": {
            "200": {**OK, "content": {"application/json": {"example": {"ok": True}}}},
            "404": {**OK, "content": {"application/json": {"example": {"error": "not found"}}}},
        }
    }
    answer = mock(op, 1, always, prefer=Prefer(code="404"))
    assert (answer.status, answer.body, answer.from_example) == (404, {"error": "not found"}, True)
    assert mock(op, 1, always).body == {"ok": True}


def test_the_example_for_the_accepted_media_type_answers() -> None:
    op = operation({"application/json": {"example": {"n": 1}}, "text/csv": {"example": "n\n1\n"}})
    answer = mock(op, 1, always, accept="text/csv")
    assert (answer.media, answer.body, answer.body_bytes()) == ("text/csv", "n\n1\n", b"n\n1\n")


def test_examples_are_tried_in_the_documents_order_and_the_first_that_fits_answers() -> None:
    entry = {
        "example": "media example",
        "examples": {"a": {"value": "named a"}, "link": {"externalValue": "https://x"}, "b": {"value": "named b"}},
        "schema": {"type": "string", "example": "schema example", "examples": ["schema 1", "schema 2"]},
    }
    order = ["media example", "named a", "named b", "schema example", "schema 1", "schema 2"]
    for n, expected in enumerate(order):
        answer = mock(json_of(entry), 1, refusing(set(order[:n])))
        assert (answer.body, answer.from_example) == (expected, True)


def test_an_example_without_a_schema_is_answered_as_written() -> None:
    answer = mock(json_of({"example": {"free": "form"}}), 1, never)
    assert (answer.body, answer.from_example) == ({"free": "form"}, True)
    answer = mock(json_of({"examples": {"only": {"value": [1, 2]}}}), 1, never)
    assert answer.body == [1, 2]
    answer = mock(json_of({"example": "x", "schema": True}), 1, never)  # a boolean schema: no schema to hold to
    assert answer.body == "x"


def test_a_schema_examples_that_is_not_a_list_is_no_example() -> None:
    entry = {"schema": {"type": "object", "examples": {"not": "a list"}}}
    answer = mock(json_of(entry), 1, always)
    assert not answer.from_example


def test_an_example_asked_for_by_name_answers_as_written_even_against_dynamic() -> None:
    entry = {"schema": {"type": "object"}, "examples": {"a": {"value": {"n": 1}}, "broken": {"value": "not an object"}}}
    answer = mock(json_of(entry), 1, never, prefer=Prefer(example="broken", dynamic=True))
    assert (answer.body, answer.from_example) == ("not an object", True)


def test_an_unknown_or_valueless_example_name_falls_back_to_the_usual_choice() -> None:
    entry = {"examples": {"a": {"value": 1}, "link": {"externalValue": "https://x"}, "b": {"value": 2}}}
    assert mock(json_of(entry), 1, always, prefer=Prefer(example="zzz")).body == 1
    assert mock(json_of(entry), 1, always, prefer=Prefer(example="link")).body == 1
    assert mock(json_of({"examples": {"a": 5}}), 1, always).body == {}  # not an Example object: none


def test_dynamic_asks_for_generated_data_even_where_an_example_fits() -> None:
    entry = {"schema": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]},
             "example": {"n": 1}}  # fmt: skip
    answer = mock(json_of(entry), 1, always, prefer=Prefer(dynamic=True))
    assert not answer.from_example and isinstance(answer.body["n"], int)


def test_generated_data_fits_the_schema_and_is_the_same_for_the_same_seed() -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    first = mock(json_of({"schema": schema}), 5, never)
    assert (first.status, first.from_example, set(first.body)) == (200, False, {"name"})
    assert isinstance(first.body["name"], str)
    assert mock(json_of({"schema": schema}), 5, never) == first


def test_without_a_schema_json_gets_an_empty_object_and_other_types_empty_text() -> None:
    answer = mock(json_of({}), 1, never)
    assert (answer.body, answer.body_bytes(), answer.from_example) == ({}, b"{}", False)
    assert mock(operation({"text/plain": EMPTY}), 1, never).body_bytes() == b""


@pytest.mark.parametrize("media", ["application/pdf", "image/png", "application/octet-stream"])
@pytest.mark.parametrize("schema", [{"type": "string", "format": "binary"}, {"format": "binary"}])
def test_binary_media_gets_bytes(media: str, schema: dict[str, Any]) -> None:
    answer = mock(operation({media: {"schema": schema}}), 1, never)
    assert isinstance(answer.body, bytes) and answer.body and answer.body_bytes() == answer.body


@pytest.mark.parametrize("media", ["text/plain", "application/xml", "application/x-ndjson", "Text/CSV"])
def test_text_media_gets_text(media: str) -> None:
    answer = mock(operation({media: {"schema": {"type": "string"}}}), 1, never)
    assert isinstance(answer.body, str) and answer.body_bytes() == answer.body.encode()


def test_a_structured_schema_under_a_binary_type_gets_data_of_that_schema() -> None:
    answer = mock(operation({"application/octet-stream": {"schema": {"type": "integer"}}}), 1, never)
    assert isinstance(answer.body, int) and answer.body_bytes() == str(answer.body).encode()


def test_a_generator_given_makes_the_data() -> None:
    class Fixed(Generator):
        def value(self, schema: Any, name: str = "", required: bool = True) -> Any:
            return f"made for {name or 'the body'} ({self.rng.randint(1, 6)})"

    def fixed(rng: random.Random) -> Generator:
        return Fixed(rng, seeded_faker(0))

    op = json_of({"schema": {"type": "string"}})
    op["responses"]["200"]["headers"] = {"X-Id": {"schema": {"type": "string"}}}
    answer = mock(op, 1, never, generator=fixed)
    assert answer.body.startswith("made for the body (") and answer.headers[0][1].startswith("made for X-Id (")
    assert mock(op, 1, never, generator=fixed) == answer  # drawing from the request's own random source


# --- headers --------------------------------------------------------------------------------


def test_documented_headers_answer_their_example_or_a_value_of_their_schema() -> None:
    headers = {
        "X-Request-Id": {"example": "req_123"},
        "X-Rate-Limit": {"example": 100, "schema": {"type": "integer"}},
        "X-Flags": {"example": ["a", "b"]},
        "X-Count": {"schema": {"type": "integer"}},
        "X-Plain": {"description": "no schema: a string"},
        "X-Broken": "not a header",
    }
    answer = mock({"responses": {"200": {**OK, "headers": headers}}}, 1, never)
    found = dict(answer.headers)
    assert list(found) == ["X-Request-Id", "X-Rate-Limit", "X-Flags", "X-Count", "X-Plain"]
    assert (found["X-Request-Id"], found["X-Rate-Limit"], found["X-Flags"]) == ("req_123", "100", '["a", "b"]')
    assert int(found["X-Count"]) == json.loads(found["X-Count"])
    assert isinstance(found["X-Plain"], str)
    assert (answer.status, answer.media, answer.body_bytes()) == (200, None, b"")  # no content: headers only


def test_headers_come_with_a_body_too() -> None:
    op = operation({"application/json": {"example": {"n": 1}}}, headers={"X-Id": {"example": "x1"}})
    assert mock(op, 1, always).headers == (("X-Id", "x1"),)


@pytest.mark.parametrize(
    "name", ["content-type", "Content-Length", "CONNECTION", "Keep-Alive", "Trailer", "Upgrade", "TE"]
)
def test_every_framing_header_in_any_case_is_left_to_the_server(name: str) -> None:
    op = {"responses": {"200": {**OK, "headers": {name: {"example": "x"}, "X-Kept": {"example": "y"}}}}}
    assert mock(op, 1, never).headers == (("X-Kept", "y"),)


# --- bytes on the wire ----------------------------------------------------------------------


def test_a_body_without_a_media_type_or_a_null_body_sends_nothing() -> None:
    assert Mocked(200, None, {"n": 1}).body_bytes() == b""
    assert Mocked(200, "application/json", None).body_bytes() == b""


def test_text_is_sent_as_utf8_and_a_json_string_as_a_json_string() -> None:
    assert Mocked(200, "text/plain", "café").body_bytes() == "café".encode()
    assert json.loads(Mocked(200, "application/json", "café").body_bytes()) == "café"
    assert json.loads(Mocked(200, "application/problem+json", "x").body_bytes()) == "x"
    assert json.loads(Mocked(200, "*/*", "x").body_bytes()) == "x"
    assert json.loads(Mocked(200, "text/plain", {"n": 1}).body_bytes()) == {"n": 1}  # not text: as JSON


@pytest.mark.parametrize("media", ["text/event-stream", "Text/Event-Stream; charset=utf-8"])
def test_an_event_stream_sends_one_data_event_of_json(media: str) -> None:
    sent = Mocked(200, media, {"delta": "héllo"}).body_bytes()
    assert sent.startswith(b"data: ") and sent.endswith(b"\n\n") and sent.count(b"\n") == 2
    assert json.loads(sent[len(b"data: ") :]) == {"delta": "héllo"}


# --- seeds ----------------------------------------------------------------------------------


def test_a_request_is_the_same_whatever_the_order_of_its_query_and_body_keys() -> None:
    assert request_seed("api", {"a": 1, "b": 2}) == request_seed("api", {"b": 2, "a": 1})
    assert request_seed("api", {"a": 1}) != request_seed("api", {"a": 2})
    assert request_seed("api", b"raw body") == request_seed("api", b"raw body")  # any value, as its text
    assert request_seed("api", "é") != request_seed("api", "e")


def test_an_example_is_held_to_its_media_types_schema() -> None:
    def fits_type(value: Any, schema: Any) -> bool:
        return isinstance(value, str) == (schema.get("type") == "string")

    assert mock(json_of({"example": "text", "schema": {"type": "string"}}), 1, fits_type).from_example
    assert not mock(json_of({"example": "text", "schema": {"type": "object"}}), 1, fits_type).from_example


@pytest.mark.parametrize("asked", ["²", "99999", "007", "600", "101", "20"])
def test_a_status_asked_for_that_no_final_answer_can_have_is_ignored(asked: str) -> None:
    """`Prefer: code=` takes a final HTTP status (200 to 599): anything else, even where the
    document has a `default` (or the informational status itself), gets the usual success."""
    responses = {"200": OK, "101": {"description": "switching"}, "default": {"description": "error"}}
    assert response_for(responses, asked) == (200, OK)
    assert prefer_of(f"code={asked}").code == asked


def test_an_event_described_by_sses_own_fields_is_written_as_those_fields() -> None:
    """Mistral-like: `{event, data, id}` is an SSE event's fields, not JSON inside `data:`."""
    sent = Mocked(200, "text/event-stream", {"event": "message", "id": "7", "data": {"delta": "hé"}}).body_bytes()
    assert sent == 'event: message\nid: 7\ndata: {"delta": "hé"}\n\n'.encode()
    lines = Mocked(200, "text/event-stream", {"data": "one\ntwo", "retry": 3000}).body_bytes()
    assert lines == b"retry: 3000\ndata: one\ndata: two\n\n"
    every = Mocked(200, "text/event-stream", {"event": "e", "id": "1", "retry": 5, "data": "d"}).body_bytes()
    assert every == b"event: e\nid: 1\nretry: 5\ndata: d\n\n"
    other = Mocked(200, "text/event-stream", {"event": "x", "extra": 1}).body_bytes()  # not only SSE fields
    assert other == b'data: {"event": "x", "extra": 1}\n\n'
